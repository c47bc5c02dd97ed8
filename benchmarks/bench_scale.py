"""Benchmark of the build at scale, and of the stores behind the endpoint.

For the corpus and for generated corpora of N documents (renamed copies of the real ones,
cycling through them, as bench_build.py makes), each in a fresh process:

* a cold build (empty extraction cache): time of every stage — load, extract, curate,
  graph (core graphs), evidence (per-document parts), reason, SHACL shapes, violation queries,
  OWL 2 DL consistency (HermiT), publish (N-Quads, TriG, Turtle, JSON-LD, report) — and the
  peak resident memory during each stage (Linux VmHWM, reset between stages);
* adding one document to that built corpus (the same cache): the same figures.

HOOK: with ``--stores``, the build of the largest size is handed to
benchmarks/store_throughput.py (``measure(build_dir, duration=…, concurrency=…)``, written
separately), which loads it into Virtuoso and the embedded store and prints the endpoint's
throughput with the query mix of bench_sparql.py; without that module ``--stores`` says so.

Usage: python benchmarks/bench_scale.py [--sizes corpus,10,100,1000] [--stores]
       [--duration 10] [--concurrency 1,4] [--json out.json]

Not a test: figures depend on the machine. Needs virtuoso-opensource for --stores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "server"))

CHILD = r"""
import json, sys, time
from pathlib import Path
from spacekg.build import Paths, build_dataset, peak_memory_mib, reset_peak_memory
from spacekg.cache import ExtractionCache, inputs_fingerprint
from spacekg.config import IRIs
from spacekg import validate
from spacekg.publish import publish

root, cache_dir, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
paths, iris = Paths(root), IRIs()
t0 = time.perf_counter()

def log(msg):  # progress on stderr, so a run stopped early still shows how far each stage got
    rss = int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
    print(f"  [{time.perf_counter() - t0:7.1f} s {rss:6.0f} MiB] {msg}", file=sys.stderr, flush=True)

cache = ExtractionCache(cache_dir, inputs_fingerprint(paths))
result = build_dataset(paths, iris, cache=cache, reason=True, progress=log)
log(f"build stages: {json.dumps({k: round(v, 1) for k, v in result.timings.items()})} "
    f"peak MiB {json.dumps({k: round(v) for k, v in result.peaks.items()})}")
stages = {k: v for k, v in result.timings.items() if k != "total"}
mem = dict(result.peaks)
steps = iter(["shapes", "queries", "consistency"])

def measured(msg):  # validate_dataset reports once after each of its steps, in this order
    log(msg)
    if msg.startswith("SHACL ") and not msg.startswith("SHACL:"):
        return
    step = next(steps, None)
    if step:
        mem[step] = peak_memory_mib()
        reset_peak_memory()

reset_peak_memory()
report = validate.validate_dataset(result, iris, consistency=True, progress=measured)
stages.update({k: report.timings.get(k, 0) for k in ("shapes", "queries", "consistency")})
reset_peak_memory()
t = time.perf_counter()
data = publish(result, out)
stages["publish"] = time.perf_counter() - t
mem["publish"] = peak_memory_mib()
log(f"published in {stages['publish']:.1f} s")
print(json.dumps({"wall": time.perf_counter() - t0, "stages": stages, "peak_mib": mem,
                  "docs": len(result.analyses), "quads": data["triples"],
                  "hits": cache.hits, "misses": cache.misses, "conforms": report.conforms,
                  "dl_scope": report.consistency.scope if report.consistency else None,
                  "shacl_engine": validate.shacl_engine()}))
"""

STAGES = ["load", "extract", "curate", "graph", "evidence", "reason", "shapes", "queries", "consistency",
          "publish"]


def make_corpus(n: int | None, dest: Path) -> Path:
    """A copy of the repository inputs with ``n`` documents (None: the corpus as it is);
    document k > the corpus size is a renamed copy of real document k mod size."""
    for sub in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / sub, dest / sub)
    if n is not None:
        set_documents(dest, n)
    return dest


def set_documents(repo: Path, n: int) -> None:
    """Make the corpus of ``repo`` hold exactly ``n`` documents (real ones first, then copies)."""
    src = repo / "data" / "sources"
    real = [e for e in yaml.safe_load((ROOT / "data/sources/sources.yaml").read_text(encoding="utf-8"))]
    out = []
    for k in range(n):
        e = real[k % len(real)]
        if k < len(real):
            out.append(e)
            continue
        copy = dict(e, id=f"{e['id']}-copy{k}", file=f"{e['id']}-copy{k}.txt")
        if not (src / copy["file"]).exists():
            shutil.copy(ROOT / "data/sources" / e["file"], src / copy["file"])
        out.append(copy)
    keep = {e["file"] for e in out} | {"sources.yaml", "MANIFEST.md"}
    for f in src.iterdir():
        if f.name not in keep:
            f.unlink()
    (src / "sources.yaml").write_text(yaml.safe_dump(out, allow_unicode=True), encoding="utf-8")


def run_build(repo: Path, cache: Path, out: Path) -> dict:
    env = dict(os.environ, SPACEKG_ROOT=str(repo), PYTHONPATH=str(ROOT / "src"))
    # stdout (the figures) captured; stderr (progress, warnings) passed through to ours
    proc = subprocess.run([sys.executable, "-c", CHILD, str(repo), str(cache), str(out)],
                          stdout=subprocess.PIPE, text=True, env=env)
    if proc.returncode:
        raise RuntimeError(f"build failed (exit {proc.returncode}; its stderr is above)")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def show(case: str, r: dict) -> None:
    st, mem = r["stages"], r["peak_mib"]
    print(f"{case:<16} {r['docs']:>5} {r['quads']:>9} {r['wall']:>7.1f} "
          + " ".join(f"{st.get(k, 0):>7.1f}" for k in STAGES)
          + f"  cache {r['hits']} hit {r['misses']} miss" + ("" if r["conforms"] else "  DOES NOT CONFORM"))
    print(f"{'  peak MiB':<16} {'':>5} {'':>9} {max(mem.values()):>7.0f} "
          + " ".join(f"{mem.get(k, 0):>7.0f}" for k in STAGES), flush=True)


def measure_stores(build_dir: Path, args) -> object:
    """``--stores``: load the build in ``build_dir`` into Virtuoso and the embedded store and
    print the endpoint's throughput (SPARQL mix and browser pages) through ``spacekg serve``.

    The measurement is :func:`store_throughput.measure` (benchmarks/store_throughput.py); returns
    its dict, or None when the module is missing.
    """
    try:
        import store_throughput
    except ImportError:
        print("--stores: benchmarks/store_throughput.py is not in this tree; store throughput not measured")
        return None
    fn = getattr(store_throughput, "measure", None)
    if fn is None:
        print("--stores: store_throughput has no measure(build_dir, …); store throughput not measured")
        return None
    return fn(build_dir, duration=args.duration, concurrency=[int(c) for c in args.concurrency.split(",")])


def main(argv=None) -> list:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="corpus,10,100", help="comma list of 'corpus' and document counts")
    ap.add_argument("--no-add", action="store_true", help="skip the add-one-document runs")
    ap.add_argument("--stores", action="store_true", help="also load the largest build into the stores")
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--concurrency", default="1,4")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    os.environ["PYTHONPATH"] = str(ROOT / "src")  # the servers and builds run this tree's code
    results: list = []
    print(f"{'case':<16} {'docs':>5} {'quads':>9} {'wall s':>7} " + " ".join(f"{k[:7]:>7}" for k in STAGES))
    tmp = Path(tempfile.mkdtemp(prefix="spacekg-scale-"))
    last_out = None
    try:
        for size in args.sizes.split(","):
            n = None if size == "corpus" else int(size)
            repo = make_corpus(n, tmp / f"repo-{size}")
            cache = tmp / f"cache-{size}"
            cold = run_build(repo, cache, tmp / f"out-{size}")
            show(f"{size}: cold", cold)
            results.append({"case": "cold", "size": size, **cold})
            last_out = tmp / f"out-{size}"
            if not args.no_add:
                set_documents(repo, cold["docs"] + 1)
                add = run_build(repo, cache, tmp / f"out-{size}-add")
                show(f"{size}: add one", add)
                results.append({"case": "add one", "size": size, **add})
        if args.stores and last_out is not None:
            results.append({"stores": measure_stores(last_out, args)})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
