"""Benchmark of the build at scale, and of the stores behind the endpoint.

For the corpus and for generated corpora of N documents (renamed copies of the real ones,
cycling through them, as bench_build.py makes), each in a fresh process:

* a cold build (empty extraction cache): time of every stage — load, extract, curate,
  graph, reason, SHACL shapes, violation queries, OWL 2 DL consistency (HermiT), publish
  (N-Quads, TriG, Turtle, JSON-LD, report) — and the process's peak resident memory at the
  end of each group of stages (ru_maxrss only grows, so each figure is the peak so far);
* adding one document to that built corpus (the same cache): the same figures.

With ``--stores``, the build of the largest size is then loaded into Virtuoso Open Source
(``spacekg publish`` through its Graph Store, and its own bulk loader) and into the embedded
store (``spacekg serve``), and the endpoint's throughput is measured on both with the query mix
of bench_sparql.py (closed loop, ``--concurrency`` clients, ``--duration`` seconds each):
``spacekg serve`` embedded, and ``spacekg serve --store-url`` over Virtuoso.

Usage: python benchmarks/bench_scale.py [--sizes corpus,10,100,1000] [--stores]
       [--duration 10] [--concurrency 1,4] [--json out.json]

Not a test: figures depend on the machine. Needs virtuoso-opensource for --stores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "server"))

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from spacekg.build import Paths, build_dataset
from spacekg.cache import ExtractionCache, inputs_fingerprint
from spacekg.config import IRIs
from spacekg import validate
from spacekg.publish import publish

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

root, cache_dir, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
paths, iris = Paths(root), IRIs()
t0 = time.perf_counter()
cache = ExtractionCache(cache_dir, inputs_fingerprint(paths))
result = build_dataset(paths, iris, cache=cache, reason=True)
stages = {k: v for k, v in result.timings.items() if k != "total"}
mem = {"build": peak()}
report = validate.validate_dataset(result.dataset, iris, consistency=True)
stages.update({"shapes": report.timings.get("shapes", 0), "queries": report.timings.get("queries", 0),
               "consistency": report.timings.get("consistency", 0)})
mem["validate"] = peak()
t = time.perf_counter()
data = publish(result, out)
stages["publish"] = time.perf_counter() - t
mem["publish"] = peak()
print(json.dumps({"wall": time.perf_counter() - t0, "stages": stages, "peak_mib": mem,
                  "docs": len(result.analyses), "quads": data["triples"],
                  "hits": cache.hits, "misses": cache.misses, "conforms": report.conforms,
                  "dl_scope": report.consistency.scope if report.consistency else None,
                  "shacl_engine": validate.shacl_engine()}))
"""

STAGES = ["load", "extract", "curate", "graph", "reason", "shapes", "queries", "consistency", "publish"]


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
    proc = subprocess.run([sys.executable, "-c", CHILD, str(repo), str(cache), str(out)],
                          capture_output=True, text=True, env=env)
    if proc.returncode:
        raise RuntimeError(f"build failed: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def show(case: str, r: dict) -> None:
    st = r["stages"]
    print(f"{case:<22} {r['docs']:>5} {r['quads']:>9} {r['wall']:>8.1f} "
          + " ".join(f"{st.get(k, 0):>7.1f}" for k in STAGES)
          + f"   peak MiB build/validate/publish {r['peak_mib']['build']:.0f}/{r['peak_mib']['validate']:.0f}/"
            f"{r['peak_mib']['publish']:.0f}  cache {r['hits']} hit {r['misses']} miss"
          + ("" if r["conforms"] else "  DOES NOT CONFORM"), flush=True)


def measure_stores(nq: Path, work: Path, duration: float, concurrency: list[int]) -> list[dict]:
    """Load ``nq`` into Virtuoso and the embedded store; the endpoint's throughput on both."""
    from bench_sparql import Server, free_port, run_load, sample_parameters, start_spacekg, summarise
    from store_servers import VIRTUOSO, VirtuosoServer

    out = []
    servers = {}
    virt = None
    try:
        t = time.perf_counter()
        servers["embedded"] = start_spacekg(nq, work, cache_mb=0)
        print(f"embedded store: loaded and serving in {time.perf_counter() - t:.1f} s", flush=True)
        if VIRTUOSO is None:
            print("Virtuoso: skipped (virtuoso-t absent: apt-get install virtuoso-opensource)")
        else:
            virt = VirtuosoServer(work / "virtuoso", memory_mib=1024)
            t = time.perf_counter()
            virt.bulk_load(nq)
            print(f"Virtuoso: bulk loader (ld_dir + rdf_loader_run + checkpoint) into an empty database "
                  f"{time.perf_counter() - t:.1f} s", flush=True)
            t = time.perf_counter()  # then publish replaces every graph (and records what it wrote)
            subprocess.run([sys.executable, "-m", "spacekg", "publish", "--quiet", "--store-url", virt.sparql,
                            "--graph-store", virt.graph_store, "--build-dir", str(nq.parent)], check=True)
            print(f"Virtuoso: spacekg publish (Graph Store, replacing every graph) "
                  f"{time.perf_counter() - t:.1f} s", flush=True)
            port = free_port()
            servers["virtuoso"] = Server(
                "spacekg-virtuoso", [sys.executable, "-m", "spacekg", "serve", "--port", str(port),
                                     "--store-url", virt.sparql, "--cache-mb", "0"],
                port, "/sparql", work)
        rnd = random.Random(11)
        params = sample_parameters(servers["embedded"], rnd)
        for c in concurrency:
            for name, srv in servers.items():
                rss0 = srv.rss_mib()
                r = summarise([run_load(srv, params, c, duration, 1.0, 11)], rss0, srv.rss_mib())
                r.update(store=name, concurrency=c)
                out.append(r)
                print(f"spacekg serve / {name:<9} c={c:<2d} {r['qps']:7.1f} q/s  p50 {r['p50_ms']:7.1f} ms  "
                      f"p99 {r['p99_ms']:8.1f} ms  errors {r['errors']}", flush=True)
    finally:
        for srv in servers.values():
            srv.stop()
        if virt is not None:
            virt.stop()
    return out


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
    print(f"{'case':<22} {'docs':>5} {'quads':>9} {'wall s':>8} " + " ".join(f"{k[:7]:>7}" for k in STAGES))
    tmp = Path(tempfile.mkdtemp(prefix="spacekg-scale-"))
    last_nq = None
    try:
        for size in args.sizes.split(","):
            n = None if size == "corpus" else int(size)
            repo = make_corpus(n, tmp / f"repo-{size}")
            cache = tmp / f"cache-{size}"
            cold = run_build(repo, cache, tmp / f"out-{size}")
            show(f"{size}: cold", cold)
            results.append({"case": "cold", "size": size, **cold})
            last_nq = tmp / f"out-{size}" / "spacekg.nq"
            if not args.no_add:
                set_documents(repo, cold["docs"] + 1)
                add = run_build(repo, cache, tmp / f"out-{size}-add")
                show(f"{size}: add one", add)
                results.append({"case": "add one", "size": size, **add})
        if args.stores and last_nq is not None:
            work = tmp / "stores"
            data = work / "data"
            data.mkdir(parents=True)
            shutil.copy(last_nq, data / "spacekg.nq")
            results.append({"stores": measure_stores(data / "spacekg.nq", work, args.duration,
                                                     [int(c) for c in args.concurrency.split(",")])})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
