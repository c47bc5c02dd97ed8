#!/usr/bin/env python
"""The endpoint's and the browser's throughput over the embedded store and over Virtuoso.

Given a build directory (``spacekg build --out DIR``), the build is served by ``spacekg serve``
twice over HTTP: over the embedded store (pyoxigraph, loaded from DIR/spacekg.nq) and over a
Virtuoso Open Source server started as the tests start it (tests/server/store_servers.py:
Debian's ``virtuoso-t`` on free 127.0.0.1 ports, a fresh database) and loaded by
``spacekg publish`` through its Graph Store (or with ``--loader bulk``, Virtuoso's bulk loader,
then served with ``--default-graph store``). On each, C client threads send requests in a closed
loop for D seconds:

* ``sparql``: the query mix of benchmarks/bench_sparql.py (entity description, label lookup,
  label substring, class list, two-hop join, count by class, profile with OPTIONALs, evidence,
  ``sk:partOf+``), POSTed to /sparql, parameters drawn from the data;
* ``pages``: the browser's pages of benchmarks/bench_browse.py in turn (entity pages, document
  pages, search, search-as-you-type, class tables, the graph view's JSON), with warm caches.

Printed per store, mix and concurrency: requests/s, p50 and p95 latency (ms), errors; and the
load time of each store. Figures depend on the machine (2 cores here, shared by the client, the
server and the store); not a test.

Usage::

    python benchmarks/store_throughput.py [--build-dir build] [--stores embedded,virtuoso]
        [--duration 10] [--concurrency 1,4] [--loader publish|bulk] [--json out.json]

``measure(build_dir, stores=("embedded", "virtuoso"))`` returns the figures as a dict (used by
benchmarks/bench_scale.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "server")]

from bench_browse import SEARCHES, typed_prefixes  # noqa: E402
from bench_sparql import KINDS, Server, free_port, make_query, sample_parameters  # noqa: E402

BASE = "https://w3id.org/spacekg/"


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def _closed_loop(port: int, requests_for, concurrency: int, duration: float, warmup: float = 1.0) -> dict:
    """``concurrency`` threads, each sending its next request when the last is read, for
    ``warmup`` + ``duration`` s; ``requests_for(worker, i)`` gives (kind, method, path, body,
    headers).

    Returns ``{"requests", "rps", "p50_ms", "p95_ms", "errors", "p50_by_kind_ms",
    "max_by_kind_ms"}`` over the measured ``duration``.
    """
    lat: list[list[float]] = [[] for _ in range(concurrency)]
    by_kind: dict[str, list[float]] = {}
    errors = [0] * concurrency
    t_start = time.perf_counter()
    measure_from, stop_at = t_start + warmup, t_start + warmup + duration

    def worker(w: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        i = w
        while (t0 := time.perf_counter()) < stop_at:
            kind, method, path, body, headers = requests_for(w, i)
            i += 1
            try:
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                ok = r.status == 200 and r.read()
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            if t0 >= measure_from:
                lat[w].append(time.perf_counter() - t0)
                by_kind.setdefault(kind, []).append(lat[w][-1])
                errors[w] += not ok

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    all_lat = sorted(x for lst in lat for x in lst)
    return {"requests": len(all_lat), "rps": len(all_lat) / duration, "p50_ms": 1000 * _percentile(all_lat, 0.5),
            "p95_ms": 1000 * _percentile(all_lat, 0.95), "errors": sum(errors),
            "p50_by_kind_ms": {k: 1000 * _percentile(sorted(v), 0.5) for k, v in sorted(by_kind.items())},
            "max_by_kind_ms": {k: 1000 * max(v) for k, v in sorted(by_kind.items())}}


def _get_json(port: int, path: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise RuntimeError(f"GET {path[:100]}: {r.status} {body[:300]!r}")
    return json.loads(body)


def page_paths(port: int) -> list[str]:
    """(kind, path) of the browser's pages (bench_browse.py's kinds), read from the served graph."""
    def column(query: str, var: str) -> list[str]:
        res = _get_json(port, "/sparql?" + urlencode({"query": query}))
        return [b[var]["value"] for b in res["results"]["bindings"]]

    entities = column("""SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }
        FILTER(STRSTARTS(STR(?s), "https://w3id.org/spacekg/resource/")) } ORDER BY STR(?s)""", "s")
    docs = column("""SELECT DISTINCT ?d WHERE { ?d a <https://w3id.org/spacekg/ontology#Document> }
        ORDER BY STR(?d)""", "d")
    classes = column("""SELECT DISTINCT ?c WHERE { ?s a ?c FILTER(STRSTARTS(STR(?c), "https://w3id.org/spacekg/ontology#")) }
        ORDER BY STR(?c)""", "c")

    def path_of(iri: str) -> str:
        return "/" + iri.split("/spacekg/", 1)[1]

    paths = [("entity", path_of(e)) for e in entities]
    paths += [("document", path_of(d)) for d in docs]
    paths += [("search", "/search?" + urlencode({"q": s})) for s in SEARCHES]
    paths += [("suggest", "/api/search?" + urlencode({"q": s})) for s in typed_prefixes(SEARCHES)]
    paths += [("class", "/class/" + c.rsplit("#", 1)[1]) for c in classes]
    paths += [("graph-json", "/api/neighbourhood?" + urlencode({"iri": e})) for e in entities[::10]]
    paths += [("timeline", "/timeline"), ("home", "/")]
    random.Random(5).shuffle(paths)
    return paths


def _serve(name: str, args: list[str], work: Path) -> Server:
    port = free_port()
    return Server(f"spacekg-{name}", [sys.executable, "-m", "spacekg", "serve", "--port", str(port), *args],
                  port, "/sparql", work)


def _run_mixes(srv: Server, duration: float, concurrency: list[int]) -> dict:
    rnd = random.Random(11)
    params = sample_parameters(srv, rnd)
    query_rnds = {}

    def sparql_request(w: int, i: int):
        r = query_rnds.setdefault(w, random.Random(1000 + w))
        body = urlencode({"query": make_query(i % len(KINDS), params, r)})
        return KINDS[i % len(KINDS)], "POST", "/sparql", body, {"Content-Type": "application/x-www-form-urlencoded",
                                         "Accept": "application/sparql-results+json"}

    paths = page_paths(srv.port)
    # warm the server's caches (labels, search index, evidence, reconciliation) on one page of each kind
    for p in ("/resource/slim", "/search?q=JAXA", "/api/search?q=SL", "/class/Mission", "/timeline",
              f"/api/neighbourhood?iri={BASE}resource/slim", "/"):
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=300)
        conn.request("GET", p)
        conn.getresponse().read()
        conn.close()

    def page_request(w: int, i: int):
        kind, path = paths[i % len(paths)]
        return kind, "GET", path, None, {}

    out: dict = {"sparql": {}, "pages": {}}
    for c in concurrency:
        out["sparql"][c] = _closed_loop(srv.port, sparql_request, c, duration)
        out["pages"][c] = _closed_loop(srv.port, page_request, c, duration)
    out["pages_count"] = len(paths)
    return out


def measure(build_dir, stores=("embedded", "virtuoso"), *, duration: float = 10.0,
            concurrency=(1, 4), loader: str = "publish", work: Path | None = None, progress=print) -> dict:
    """Serve ``build_dir``/spacekg.nq from each store and measure the endpoint and the browser.

    Args:
        build_dir: a ``spacekg build`` output directory (its spacekg.nq is served).
        stores: ``"embedded"`` and/or ``"virtuoso"`` (needs Debian's virtuoso-opensource).
        duration: measured seconds per mix and concurrency (after 1 s of warm-up).
        concurrency: numbers of client threads.
        loader: ``"publish"`` (``spacekg publish`` through the Graph Store) or ``"bulk"``
            (Virtuoso's ld_dir + rdf_loader_run, served with ``--default-graph store``).
        work: a scratch directory (default: a temporary one, removed afterwards).
        progress: callable for progress lines (``None``: silent).

    Returns:
        ``{"build": str, "quads": int, "stores": {name: {"load_s": float, "sparql": {c: r},
        "pages": {c: r}, "pages_count": int}}}`` where each ``r`` is ``{"requests", "rps",
        "p50_ms", "p95_ms", "errors"}``; a store that cannot run has ``{"skipped": reason}``.

    Raises:
        FileNotFoundError: no spacekg.nq in ``build_dir``.
    """
    say = progress or (lambda *a: None)
    nq = Path(build_dir).resolve() / "spacekg.nq"
    if not nq.is_file():
        raise FileNotFoundError(f"{nq} does not exist: run `spacekg build --out {build_dir}` first")
    with open(nq, "rb") as f:
        quads = sum(1 for _ in f)
    result: dict = {"build": str(nq), "quads": quads, "stores": {}}
    tmp = None if work else tempfile.TemporaryDirectory(prefix="store-throughput-")
    work = Path(work or tmp.name)
    try:
        for name in stores:
            d = work / name
            d.mkdir(parents=True, exist_ok=True)
            store_proc = srv = None
            try:
                t = time.perf_counter()
                if name == "embedded":
                    srv = _serve(name, ["--build-dir", str(nq.parent), "--store", str(d / "store"),
                                        "--cache-mb", "0"], d)
                elif name == "virtuoso":
                    from store_servers import ISQL, VIRTUOSO, VirtuosoServer

                    if VIRTUOSO is None or ISQL is None:
                        result["stores"][name] = {"skipped": "virtuoso-t/isql-vt absent (apt-get install "
                                                             "virtuoso-opensource)"}
                        say(f"{name}: skipped (virtuoso-t absent)")
                        continue
                    store_proc = VirtuosoServer(d / "db", memory_mib=1024)
                    t = time.perf_counter()
                    if loader == "bulk":
                        store_proc.bulk_load(nq)
                        extra = ["--default-graph", "store"]
                    else:
                        subprocess.run([sys.executable, "-m", "spacekg", "publish", "--quiet",
                                        "--store-url", store_proc.sparql, "--graph-store", store_proc.graph_store,
                                        "--build-dir", str(nq.parent)], check=True)
                        extra = []
                    srv = _serve(name, ["--store-url", store_proc.sparql, "--cache-mb", "0", *extra], d)
                else:
                    raise ValueError(f"unknown store {name!r} (embedded, virtuoso)")
                load = time.perf_counter() - t
                say(f"{name}: loaded ({loader if name == 'virtuoso' else 'embedded bulk load'}) and serving "
                    f"in {load:.1f} s")
                r = _run_mixes(srv, duration, list(concurrency))
                r["load_s"] = load
                result["stores"][name] = r
                for mix in ("sparql", "pages"):
                    for c, f in r[mix].items():
                        say(f"{name:<9} {mix:<6} c={c:<2d} {f['rps']:7.1f} req/s  p50 {f['p50_ms']:7.1f} ms  "
                            f"p95 {f['p95_ms']:8.1f} ms  errors {f['errors']}")
            finally:
                if srv is not None:
                    srv.stop()
                if store_proc is not None:
                    store_proc.stop()
    finally:
        if tmp is not None:
            tmp.cleanup()
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--stores", default="embedded,virtuoso")
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--concurrency", default="1,4")
    ap.add_argument("--loader", choices=("publish", "bulk"), default="publish")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    res = measure(args.build_dir, tuple(args.stores.split(",")), duration=args.duration,
                  concurrency=tuple(int(c) for c in args.concurrency.split(",")), loader=args.loader)
    print(f"\n{res['build']}: {res['quads']} quads; {args.duration:g} s per row; req/s, p50/p95 ms")
    print(f"{'store':<9} {'mix':<6} {'c':>3} {'req/s':>8} {'p50':>8} {'p95':>8} {'errors':>6}")
    for name, r in res["stores"].items():
        if "skipped" in r:
            print(f"{name:<9} skipped: {r['skipped']}")
            continue
        for mix in ("sparql", "pages"):
            for c, f in r[mix].items():
                print(f"{name:<9} {mix:<6} {c:>3} {f['rps']:>8.1f} {f['p50_ms']:>8.1f} {f['p95_ms']:>8.1f} "
                      f"{f['errors']:>6}   p50/max by kind: " + ", ".join(
                          f"{k} {f['p50_by_kind_ms'][k]:.0f}/{f['max_by_kind_ms'][k]:.0f}"
                          for k in f["p50_by_kind_ms"]))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
