"""Benchmark of the web browser: time to render entity pages, document pages and searches.

Runs the Flask app in process (test client, no network) over the real graph and prints, per
kind of page, the number of requests, the median, p99 and maximum time in milliseconds, and
the first (cold) request that loads the store and the label/search caches. With ``--url`` it
times a running ``spacekg serve`` over HTTP instead (same pages).

Usage::

    python benchmarks/bench_browse.py [--build build/spacekg.nq] [--rounds 3]
    python benchmarks/bench_browse.py --url http://127.0.0.1:8000

Entities are every lexicon entity of the graph (``{base}resource/…`` with an rdfs:label),
documents the five sources (plain, and about 100 evidence passages highlighted with
``?hl=``, as linked from entity pages), searches a fixed list of Japanese and English
queries, and their prefixes as typed (the suggestions endpoint); class tables of every class
with instances, rule pages (first page of conclusions), curated-statement pages (up to 100),
and the graph view's JSON at depth 1 and 2 (every 10th entity).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from spacekg.config import ROOT

SEARCHES = ["SLIM", "slim", "小型月着陸実証機", "はやぶさ２", "ＨＴＶ－Ｘ", "HTV-X", "Hayabusa", "JAXA",
            "宇宙航空研究開発機構", "アルテミス", "Artemis", "Gateway", "ゲートウェイ", "火星", "Mars",
            "国際宇宙ステーション", "ISS", "きぼう", "Kibo", "月", "Moon", "プラネタリーディフェンス",
            "Apophis", "アポフィス", "NASA", "ESA", "日本", "Japan", "文部科学省", "MEXT"]


def typed_prefixes(words: list[str]) -> list[str]:
    """Every query as typed character by character (the suggestions endpoint sees these)."""
    return [w[:i] for w in words for i in range(1, len(w) + 1)]


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) by nearest rank."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]


def report(name: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (f"{name:<22} n={len(ms):5d}  median={statistics.median(ms):7.1f} ms  "
            f"p99={percentile(ms, 0.99):7.1f} ms  max={max(ms):7.1f} ms")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(ROOT / "build" / "spacekg.nq"), help="N-Quads file of the graph")
    ap.add_argument("--url", help="time a running server at this base URL instead of in process")
    ap.add_argument("--rounds", type=int, default=3, help="passes over the entity/document lists")
    args = ap.parse_args(argv)

    if args.url:
        base_url = args.url.rstrip("/")

        def get(path: str) -> tuple[int, bytes]:
            try:
                with urllib.request.urlopen(base_url + path, timeout=60) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as exc:
                return exc.code, b""
    else:
        if not Path(args.build).is_file():
            print(f"no graph at {args.build}: run `spacekg build` or pass --build", file=sys.stderr)
            return 2
        from spacekg.server import create_app

        client = create_app({"SPACEKG_DATA": [args.build]}).test_client()

        def get(path: str) -> tuple[int, bytes]:
            r = client.get(path, headers={"Accept-Language": "ja"})
            return r.status_code, r.data

    t0 = time.perf_counter()
    status, _ = get("/")
    cold = time.perf_counter() - t0
    assert status == 200, status
    t0 = time.perf_counter()
    get("/api/search?q=x")
    cold_search = time.perf_counter() - t0

    import json

    q = """SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }
           FILTER(STRSTARTS(STR(?s), "https://w3id.org/spacekg/resource/")) } ORDER BY ?s"""
    status, body = get("/sparql?" + urllib.parse.urlencode({"query": q, "format": "json"}))
    entities = [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]
    q = """SELECT DISTINCT ?d WHERE { GRAPH <https://w3id.org/spacekg/graph/documents>
           { ?d a <https://w3id.org/spacekg/ontology#Document> } } ORDER BY ?d"""
    status, body = get("/sparql?" + urllib.parse.urlencode({"query": q, "format": "json"}))
    docs = [b["d"]["value"] for b in json.loads(body)["results"]["bindings"]]

    q = """PREFIX oa: <http://www.w3.org/ns/oa#>
           SELECT DISTINCT ?doc ?start ?end WHERE { GRAPH <https://w3id.org/spacekg/graph/evidence> {
             ?t oa:hasSource ?doc ; oa:hasSelector ?sel . ?sel oa:start ?start ; oa:end ?end } }
           ORDER BY ?doc ?start ?end"""
    status, body = get("/sparql?" + urllib.parse.urlencode({"query": q, "format": "json"}))
    spans = [(b["doc"]["value"], b["start"]["value"], b["end"]["value"])
             for b in json.loads(body)["results"]["bindings"]]
    passages = spans[:: max(1, len(spans) // 100)]

    def path_of(iri: str) -> str:
        return "/" + iri.split("/spacekg/", 1)[1]

    def column(query: str, var: str) -> list[str]:
        _status, body = get("/sparql?" + urllib.parse.urlencode({"query": query, "format": "json"}))
        return [b[var]["value"] for b in json.loads(body)["results"]["bindings"]]

    classes = column("""SELECT DISTINCT ?c WHERE { ?s a ?c FILTER(STRSTARTS(STR(?c), "https://w3id.org/spacekg/ontology#")) }
                        ORDER BY ?c""", "c")
    rules = column("""SELECT DISTINCT ?r WHERE { ?x <http://www.w3.org/ns/prov#wasGeneratedBy> ?r
                      FILTER(CONTAINS(STR(?r), "/rule/")) } ORDER BY ?r""", "r")
    curations = column("""SELECT DISTINCT ?r WHERE { ?x <http://www.w3.org/ns/prov#wasGeneratedBy> ?r
                          FILTER(CONTAINS(STR(?r), "/curation/")) } ORDER BY ?r""", "r")[::10][:100]

    timings: dict[str, list[float]] = {"entity page": [], "document page": [], "document passage": [],
                                       "search page": [], "search as you type": [], "class table": [],
                                       "rule page": [], "curation page": [], "graph json depth 1": [],
                                       "graph json depth 2": []}
    sizes: dict[str, int] = {}
    for _ in range(args.rounds):
        for kind, paths in (("entity page", [path_of(e) for e in entities]),
                            ("document page", [path_of(d) for d in docs]),
                            ("document passage", [f"{path_of(d)}?hl={a}-{b}" for d, a, b in passages]),
                            ("search page", ["/search?" + urllib.parse.urlencode({"q": s}) for s in SEARCHES]),
                            ("search as you type", ["/api/search?" + urllib.parse.urlencode({"q": s})
                                                    for s in typed_prefixes(SEARCHES)]),
                            ("class table", ["/class/" + c.rsplit("#", 1)[1] for c in classes]),
                            ("rule page", [path_of(r) for r in rules]),
                            ("curation page", [path_of(c) for c in curations]),
                            ("graph json depth 1", ["/api/neighbourhood?" + urllib.parse.urlencode({"iri": e})
                                                    for e in entities[::10]]),
                            ("graph json depth 2", ["/api/neighbourhood?" + urllib.parse.urlencode(
                                {"iri": e, "depth": 2}) for e in entities[::10]])):
            for p in paths:
                t0 = time.perf_counter()
                status, body = get(p)
                timings[kind].append(time.perf_counter() - t0)
                assert status == 200, (p, status)
                sizes[kind] = max(sizes.get(kind, 0), len(body))

    where = args.url or f"in process, {args.build}"
    print(f"spacekg browser benchmark ({where}): {len(entities)} entities, {len(docs)} documents, "
          f"{len(SEARCHES)} searches, {args.rounds} rounds")
    print(f"cold first page (store + caches): {cold * 1000:.0f} ms; first search (index build): "
          f"{cold_search * 1000:.0f} ms")
    for kind, times in timings.items():
        print(report(kind, times) + f"  largest={sizes.get(kind, 0) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
