"""Benchmark of the reconciliation service: names per second and latency for batches of 10.

Starts one ``spacekg serve`` process (no ``--workers``) over the real graph on a free port of
127.0.0.1 (or times a running server with ``--url``), warms it up, then sends ``--batches``
0.2 query batches of 10 names each, one after the other over one keep-alive connection, and
prints names per second and the median, p95 and maximum batch latency in milliseconds.
Names are every label of the graph's entities in turn (ja, en, kana readings, abbreviations),
a quarter of them with a type, a fifth retyped in full-width or katakana forms.

Usage::

    python benchmarks/bench_reconcile.py [--build build/spacekg.nq] [--batches 300]
    python benchmarks/bench_reconcile.py --url http://127.0.0.1:5000
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import requests

from spacekg.config import ROOT

SK = "https://w3id.org/spacekg/ontology#"


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) by nearest rank."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def widen(text: str) -> str:
    """ASCII to full-width and hiragana to katakana: the forms a spreadsheet may hold."""
    out = []
    for ch in text:
        if "!" <= ch <= "~":
            out.append(chr(ord(ch) + 0xFEE0))
        elif "ぁ" <= ch <= "ゖ":
            out.append(chr(ord(ch) + 0x60))
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def names(session: requests.Session, url: str) -> list[tuple[str, str | None]]:
    """(name, type or None) pairs from the graph's labels, read through the SPARQL endpoint."""
    q = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT DISTINCT ?s ?l ?t WHERE { ?s rdfs:label|skos:altLabel ?l ; a ?t
      FILTER(STRSTARTS(STR(?s), "https://w3id.org/spacekg/resource/") && !CONTAINS(STR(?s), "#")
             && STRSTARTS(STR(?t), "https://w3id.org/spacekg/ontology#")) } ORDER BY ?s ?l ?t"""
    rows = session.get(url + "/sparql", params={"query": q},
                       headers={"Accept": "application/sparql-results+json"}, timeout=120).json()
    out, seen = [], set()
    for i, b in enumerate(rows["results"]["bindings"]):
        label = b["l"]["value"]
        if label in seen:
            continue
        seen.add(label)
        out.append((widen(label) if i % 5 == 0 else label, b["t"]["value"] if i % 4 == 0 else None))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(ROOT / "build" / "spacekg.nq"))
    ap.add_argument("--url", help="time a running server instead of starting one")
    ap.add_argument("--batches", type=int, default=300, help="batches of 10 names to send")
    args = ap.parse_args(argv)
    proc = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        if not Path(args.build).is_file():
            print(f"no graph at {args.build}: run `spacekg build` or pass --build", file=sys.stderr)
            return 2
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-m", "spacekg", "serve", "--port", str(port),
                                 "--data", args.build, "--workers", "1"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        session = requests.Session()
        deadline = time.monotonic() + 180
        while True:
            try:
                session.get(url + "/sparql", params={"query": "ASK {}"}, timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or (proc and proc.poll() is not None):
                    print("the server did not start", file=sys.stderr)
                    return 2
                time.sleep(0.2)
        t0 = time.perf_counter()
        session.get(url + "/reconcile", timeout=120)
        session.post(url + "/reconcile", data={"queries": json.dumps({"q": {"query": "SLIM"}})}, timeout=120)
        print(f"manifest and first query (cold: read labels, types, ontology and facts): "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms")
        pool = names(session, url)
        latencies = []
        total = 0
        start = time.perf_counter()
        for b in range(args.batches):
            batch = {}
            for j in range(10):
                name, typ = pool[(b * 10 + j) % len(pool)]
                batch[f"q{j}"] = {"query": name, **({"type": typ} if typ else {})}
            t = time.perf_counter()
            r = session.post(url + "/reconcile", data={"queries": json.dumps(batch, ensure_ascii=False)}, timeout=60)
            latencies.append(time.perf_counter() - t)
            if r.status_code != 200:
                print(f"batch {b}: HTTP {r.status_code} {r.text[:200]}", file=sys.stderr)
                return 1
            total += len(batch)
        wall = time.perf_counter() - start
        ms = [x * 1000 for x in latencies]
        print(f"names: {total} in {args.batches} batches of 10 ({len(pool)} distinct names)")
        print(f"throughput: {total / wall:.0f} names/s (one server process, one client connection)")
        print(f"batch latency: median {statistics.median(ms):.1f} ms  p95 {percentile(ms, 0.95):.1f} ms  "
              f"max {max(ms):.1f} ms")
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)


if __name__ == "__main__":
    sys.exit(main())
