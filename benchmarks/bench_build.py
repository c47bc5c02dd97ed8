"""Benchmark of the build: time and peak memory for the corpus, and for the corpus repeated
20 times as distinct documents.

Prints one line per case: documents, characters, quads, wall time (s), CPU time (s) and peak
resident memory (MiB) of a fresh process running the build. Not a test: figures only.

The GiNZA parses are cached (spacekg.extract.parse): the first case runs with an empty parse
cache ("corpus cold"), the second with the cache it filled ("corpus warm"); the repeated
corpus repeats the same texts, so its parses come from the cache too.

Usage: python benchmarks/bench_build.py [--repeat 20] [--no-reason]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from spacekg.build import Paths, build_dataset
from spacekg.config import IRIs
from spacekg.publish import sorted_nquads
t0 = time.perf_counter(); c0 = time.process_time()
result = build_dataset(Paths(Path(sys.argv[1])), IRIs(), reason=sys.argv[2] == "1")
nq = sorted_nquads(result.dataset)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "quads": nq.count("\n"), "docs": len(result.analyses),
                  "chars": sum(len(a.source.text) for a in result.analyses),
                  "timings": result.timings,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_repeated(repeat: int, dest: Path) -> Path:
    """A copy of the repository inputs whose corpus holds every document ``repeat`` times
    (copies 2… get new ids, so they are distinct documents)."""
    for sub in ("ontology", "data"):
        shutil.copytree(ROOT / sub, dest / sub)
    src = dest / "data" / "sources"
    entries = yaml.safe_load((src / "sources.yaml").read_text(encoding="utf-8"))
    out = list(entries)
    for k in range(2, repeat + 1):
        for e in entries:
            copy = dict(e, id=f"{e['id']}-copy{k}", file=f"{e['id']}-copy{k}.txt")
            shutil.copy(src / e["file"], src / copy["file"])
            out.append(copy)
    (src / "sources.yaml").write_text(yaml.safe_dump(out, allow_unicode=True), encoding="utf-8")
    return dest


def run(root: Path, reason: bool, cache: Path) -> dict:
    env = dict(os.environ, SPACEKG_ROOT=str(root), SPACEKG_CACHE_DIR=str(cache))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(root), "1" if reason else "0"],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--no-reason", action="store_true", help="extraction only")
    args = ap.parse_args()
    print(f"{'case':<14} {'docs':>5} {'chars':>9} {'quads':>9} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}")
    tmp = Path(tempfile.mkdtemp(prefix="spacekg-bench-"))
    cache = tmp / "parse-cache"  # starts empty: the first case parses cold, the next ones warm
    cases = [("corpus cold", ROOT), ("corpus warm", ROOT)]
    try:
        if args.repeat > 1:
            cases.append((f"corpus x{args.repeat}", make_repeated(args.repeat, tmp / "repo")))
        for name, root in cases:
            t = time.perf_counter()
            r = run(root, not args.no_reason, cache)
            print(f"{name:<14} {r['docs']:>5} {r['chars']:>9} {r['quads']:>9} {r['wall']:>8.2f} "
                  f"{r['cpu']:>8.2f} {r['peak_mib']:>9.0f}   (stages: "
                  + ", ".join(f"{k} {v:.2f}" for k, v in r["timings"].items()) + ")")
            del t
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
