"""Benchmark: inference and validation time on the real graph and on a graph N times larger.

The larger graph repeats the corpus as distinct documents: copy k of every project IRI
(``{base}resource/…``, ``document/…``, ``statement/…``, ``evidence/…``, ``mention/…``) becomes
``{base}…/c{k}/…``; the ontology is shared. Labels repeat across copies, so the larger graph
does not conform (shared-normalised-label): the point is time, not conformance.

Each step runs in a child process with a time budget (``--budget`` seconds); a step that does
not finish is reported as ``> budget`` rather than waited for.

Usage::

    python benchmarks/bench_reasoning.py                 # scales 1 and 100, both engines
    python benchmarks/bench_reasoning.py --scales 1 10 --budget 300

Prints one table: step, scale, engine, seconds, size.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

from rdflib import BNode, Dataset, Graph, URIRef

from spacekg.build import build_dataset
from spacekg.config import IRIs

STATE: dict = {}


def rename(term, k: int, base: str, kinds: tuple[str, ...]):
    if k == 0 or not isinstance(term, URIRef):
        return term
    s = str(term)
    for kind in kinds:
        prefix = base + kind
        if s.startswith(prefix):
            return URIRef(f"{prefix}c{k}/{s[len(prefix):]}")
    return term


def scaled(ds: Dataset, iris: IRIs, n: int) -> Dataset:
    """The dataset repeated ``n`` times with renamed project IRIs (ontology graph once)."""
    kinds = ("resource/", "document/", "statement/", "evidence/", "mention/")
    out = Dataset()
    for g in ds.graphs():
        if isinstance(g.identifier, BNode) or not len(g):
            continue
        target = out.graph(g.identifier)
        if g.identifier == iris.graph["ontology"]:
            for t in g:
                target.add(t)
            continue
        for k in range(n):
            for s, p, o in g:
                target.add((rename(s, k, iris.base, kinds), p, rename(o, k, iris.base, kinds)))
    return out


def _child(step: str, scale: int, engine: str, queue):
    """Run one step on STATE['datasets'][scale] (inherited by fork) and report (seconds, size)."""
    from spacekg import reason, validate

    iris = STATE["iris"]
    ds = STATE["datasets"][scale]
    t = time.perf_counter()
    if step == "closure":
        base, _ = reason.base_triples(ds, iris)
        closure = reason.owl_closure(base, engine)
        size = f"{len(base)} → {len(closure)} triples"
    elif step == "infer":
        result = reason.infer(ds, iris=iris, engine=engine)
        size = f"{len(result.derivations)} kept inferred triples"
    elif step == "shacl":
        reason.infer(ds, iris=iris)  # validation sees graph/inferred, as in the build
        t = time.perf_counter()
        data = validate.data_graph(ds, iris)
        _, results = validate.run_shapes(data, validate.load_shapes(iris=iris))
        size = f"{len(data)} triples, {len(results)} results"
    elif step == "queries":
        reason.infer(ds, iris=iris)
        t = time.perf_counter()
        store = validate.dataset_store(ds)
        rows = validate.run_queries(store, validate.load_queries(iris=iris))
        size = f"{len(store)} quads, {len(rows)} rows"
    else:
        raise ValueError(step)
    queue.put((time.perf_counter() - t, size))


def run(step: str, scale: int, engine: str, budget: float):
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(step, scale, engine, queue))
    proc.start()
    proc.join(budget)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None, f"> {budget:.0f} s budget"
    if proc.exitcode != 0:
        return None, f"failed (exit {proc.exitcode})"
    return queue.get()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 100])
    ap.add_argument("--budget", type=float, default=900.0, help="seconds per step")
    ap.add_argument("--engines", nargs="+", default=["reasonable", "owlrl"])
    ap.add_argument("--steps", nargs="+", default=["closure", "infer", "shacl", "queries"],
                    choices=["closure", "infer", "shacl", "queries"])
    args = ap.parse_args(argv)

    iris = IRIs()
    t = time.perf_counter()
    built = build_dataset(iris=iris, reason=False)
    print(f"# corpus built (extraction only) in {time.perf_counter() - t:.1f} s")
    STATE["iris"] = iris
    STATE["datasets"] = {}
    for n in args.scales:
        t = time.perf_counter()
        STATE["datasets"][n] = built.dataset if n == 1 else scaled(built.dataset, iris, n)
        size = sum(len(g) for g in STATE["datasets"][n].graphs())
        print(f"# scale {n}: {size} quads (prepared in {time.perf_counter() - t:.1f} s)")

    rows = []
    for n in args.scales:
        for step in [s for s in ("closure", "infer") if s in args.steps]:
            for engine in args.engines:
                secs, size = run(step, n, engine, args.budget)
                rows.append((step, n, engine, secs, size))
                print(f"{step:<8} x{n:<4} {engine:<11} {'' if secs is None else f'{secs:8.1f} s':>10}  {size}", flush=True)
        for step in [s for s in ("shacl", "queries") if s in args.steps]:
            secs, size = run(step, n, "pyshacl" if step == "shacl" else "pyoxigraph", args.budget)
            rows.append((step, n, "-", secs, size))
            print(f"{step:<8} x{n:<4} {'pyshacl' if step == 'shacl' else 'pyoxigraph':<11} "
                  f"{'' if secs is None else f'{secs:8.1f} s':>10}  {size}", flush=True)
    print("\n| step | scale | engine | seconds | size |\n|---|---|---|---|---|")
    for step, n, engine, secs, size in rows:
        print(f"| {step} | x{n} | {engine} | {'—' if secs is None else f'{secs:.1f}'} | {size} |")


if __name__ == "__main__":
    Graph  # noqa: B018 - keep rdflib's plugins loaded before fork
    main()
