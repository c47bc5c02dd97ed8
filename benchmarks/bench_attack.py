#!/usr/bin/env python
"""Ordinary queries and pages at rest and under a stream of the worst queries (issue 13).

Starts `spacekg serve` on the real build (answer cache off, query workers, the given timeout),
then runs two phases of D seconds each:

1. **at rest**: C client threads in a closed loop send the query mix of bench_sparql.py and
   fetch browser pages (entity pages, search);
2. **under attack**: the same, while A more threads send, in a loop, the worst queries of
   issue 13 — three-way cartesian COUNT, ORDER BY over a product (memory), a 27-level CONCAT
   string bomb, a 3,000-level nesting, SERVICE to a refused host, and the browser's query
   page on a cartesian COUNT.

Printed: p50/p99 latency (ms) of the ordinary requests in each phase and the ratio, the
statuses the attack got, every 5xx other than 503 (should be none), and the policy's
pre-check cost per ordinary query (µs).

Usage: python benchmarks/bench_attack.py [--duration 20] [--clients 2] [--attackers 2]
       [--timeout 5] [--build build/spacekg.nq] [--serve-args '--workers 4']

Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sparql import build_file, make_query, sample_parameters, start_spacekg  # noqa: E402

ATTACKS = [
    ("POST", "/sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"),
    ("POST", "/sparql", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 5"),
    ("POST", "/sparql", "SELECT ?x27 WHERE { ?s ?p ?o BIND(STR(?s) AS ?x0) "
     + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(27)) + " } LIMIT 1"),
    ("POST", "/sparql", "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000),
    ("POST", "/sparql", "PREFIX ex: <urn:> SELECT * WHERE { BIND(ex:a\\# AS ?x) "
     "SERVICE <http://127.0.0.1:5089/sparql> { ?s ?p ?o } } LIMIT 2"),
    ("GET", "/query?run=1&query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"), None),
]


def request(port: int, method: str, path: str, body: str | None, timeout: float = 120) -> int:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if method == "POST":
            c.request("POST", path, body=body.encode(), headers={
                "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        else:
            c.request("GET", path, headers={"Accept": "text/html, application/sparql-results+json"})
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def ordinary_requests(params: dict, rnd: random.Random):
    """Endless mix: one query of each kind of bench_sparql.py, then an entity page and a search."""
    base = "https://w3id.org/spacekg/"
    while True:
        for kind in range(9):
            yield "GET", "/sparql?" + urlencode({"query": make_query(kind, params, rnd)}), None
        e = rnd.choice([x for x in params["entities"] if x.startswith(base + "resource/")] or params["entities"])
        yield "GET", "/" + e[len(base):] if e.startswith(base) else "/page?" + urlencode({"iri": e}), None
        r = rnd.choice(params["en"])
        yield "GET", "/search?" + urlencode({"q": r["l"][:4]}), None


def run_phase(port, params, clients, attackers, duration, seed):
    lat: list[float] = []
    statuses = collections.Counter()
    attack_statuses = collections.Counter()
    bad: list = []
    stop = threading.Event()
    lock = threading.Lock()

    def client(i):
        rnd = random.Random(seed + i)
        for method, path, body in ordinary_requests(params, rnd):
            if stop.is_set():
                return
            t0 = time.perf_counter()
            try:
                st = request(port, method, path, body)
            except OSError as exc:
                st = f"error {exc}"
            dt = time.perf_counter() - t0
            with lock:
                lat.append(dt)
                statuses[st] += 1
                if not isinstance(st, int) or (st >= 500 and st != 503):
                    bad.append((st, path[:100]))

    def attacker(i):
        n = i
        while not stop.is_set():
            method, path, body = ATTACKS[n % len(ATTACKS)]
            n += 1
            try:
                st = request(port, method, path, body)
            except OSError as exc:
                st = f"error {exc}"
            with lock:
                attack_statuses[st] += 1
                if not isinstance(st, int) or (st >= 500 and st != 503):
                    bad.append((st, (path + (body or ""))[:100]))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    threads += [threading.Thread(target=attacker, args=(i,)) for i in range(attackers)]
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join()
    lat.sort()
    return {"n": len(lat), "p50": statistics.median(lat) * 1000 if lat else None,
            "p99": lat[int(len(lat) * 0.99) - 1] * 1000 if lat else None,
            "statuses": dict(statuses), "attack": dict(attack_statuses), "bad": bad}


def precheck_cost(params) -> str:
    """Cost of :meth:`QueryPolicy.check_query` in this process: µs per ordinary query without
    the letters SERVICE/LOAD (the cheap path), and ms per query that has them (rdflib's parse)."""
    import re

    from spacekg.server.policy import QueryPolicy

    pol = QueryPolicy(allow=["https://query.wikidata.org/sparql"])
    rnd = random.Random(3)
    queries = [make_query(k % 9, params, rnd) for k in range(900)]
    gated = [q for q in queries if re.search("SERVICE|LOAD", q, re.IGNORECASE)]
    cheap = [q for q in queries if q not in gated]
    t0 = time.perf_counter()
    for q in cheap:
        pol.check_query(q)
    t1 = time.perf_counter()
    fed = [q.replace("WHERE {", "WHERE { SERVICE <https://query.wikidata.org/sparql> { ?w ?x ?y } ", 1)
           for q in queries[:40]]
    pol.check_query(fed[0])  # rdflib's grammar is built on first use
    t2 = time.perf_counter()
    for q in fed:
        pol.check_query(q)
    t3 = time.perf_counter()
    return (f"{(t1 - t0) / len(cheap) * 1e6:.1f} µs per ordinary query ({len(cheap)} of {len(queries)}; "
            f"{len(gated)} hold the letters SERVICE or LOAD in a label and are parsed); "
            f"{(t3 - t2) / len(fed) * 1e3:.1f} ms per query with SERVICE (rdflib parse)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    ap.add_argument("--clients", type=int, default=2, help="ordinary client threads")
    ap.add_argument("--attackers", type=int, default=2, help="attacking threads")
    ap.add_argument("--timeout", type=float, default=5.0, help="the server's query timeout (s)")
    ap.add_argument("--build", help="the real graph (default build/spacekg.nq, built if absent)")
    ap.add_argument("--serve-args", default="", help="extra `spacekg serve` options")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nq = build_file(args.build, work).resolve()
        srv = start_spacekg(nq, work, cache_mb=0,
                            extra=("--timeout", str(args.timeout), *args.serve_args.split()))
        try:
            params = sample_parameters(srv, random.Random(args.seed))
            print(f"policy pre-check: {precheck_cost(params)}")
            run_phase(srv.port, params, args.clients, 0, 2, args.seed)  # warm-up
            rest = run_phase(srv.port, params, args.clients, 0, args.duration, args.seed)
            attack = run_phase(srv.port, params, args.clients, args.attackers, args.duration, args.seed)
            after = run_phase(srv.port, params, args.clients, 0, min(5.0, args.duration), args.seed)
        finally:
            srv.stop()
    print(f"{'phase':<14}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    for name, r in (("at rest", rest), ("under attack", attack), ("after", after)):
        print(f"{name:<14}{r['n']:>9}{r['p50']:>9.1f}{r['p99']:>9.1f}  {r['statuses']}")
    print(f"p99 under attack / at rest: {attack['p99'] / rest['p99']:.2f}x (aim: under 3x)")
    print(f"attack requests: {attack['attack']}")
    bad = rest["bad"] + attack["bad"] + after["bad"]
    print(f"5xx other than 503, or failed connections: {len(bad)}" + (f" e.g. {bad[:5]}" if bad else ""))


if __name__ == "__main__":
    main()
