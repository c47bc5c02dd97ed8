#!/usr/bin/env python
"""Closed-loop load benchmark: `spacekg serve` against the Oxigraph server on the same data.

For each graph (the real build, and generated graphs of about 100,000 and 1,000,000 triples
shaped like it) both servers are started on the same N-Quads file with the union of all
graphs as default graph; a query mix typical of the browser and of SPARQL users is sent by
C client threads in a closed loop (each sends its next query as soon as the last answer is
read) for D seconds at each concurrency. Printed per server and concurrency: throughput
(queries/s), p50 and p99 latency (ms), errors, server CPU per query (ms, from
/proc/<pid>/stat), server RSS before/after (MiB), and the ratios spacekg/Oxigraph.

Query mix (one of each in turn, parameters drawn from the data): entity description with
incoming links, exact label lookup, label substring search (ja and en), class listing with
ORDER BY and LIMIT, two-hop join, COUNT by class, OPTIONAL-heavy profile, evidence lookup,
``sk:partOf+`` path.

Usage: python benchmarks/bench_sparql.py [--sizes real,100k,1m] [--duration 10]
       [--concurrency 1,8] [--build build/spacekg.nq] [--json out.json]

Not a test: figures depend on the machine. Needs the `oxigraph` server (pip install oxigraph).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

BASE = "https://w3id.org/spacekg/"
SK = BASE + "ontology#"
RES = BASE + "resource/"
G = BASE + "graph/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OA = "http://www.w3.org/ns/oa#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES = (f"PREFIX sk: <{SK}> PREFIX rdfs: <{RDFS}> PREFIX skos: <{SKOS}> PREFIX rdf: <{RDF}> "
            f"PREFIX oa: <{OA}> PREFIX prov: <{PROV}> PREFIX owl: <http://www.w3.org/2002/07/owl#>\n")

# ------------------------------------------------------------------ generated graphs

CLASSES = ["Mission", "Lander", "Rover", "Orbiter", "Probe", "Program", "SpaceAgency", "GovernmentBody",
           "Committee", "Company", "ResearchInstitution", "Country", "Technology", "Plan", "Meeting",
           "Equipment", "LaunchVehicle", "SpaceStation", "Initiative", "Person", "CelestialBody", "Field"]
PREDICATES = ["relatedTo"] * 5 + ["partOf"] * 4 + ["participatesIn"] * 3 + ["country"] * 2 + \
    ["about", "develops", "operates", "cooperatesWith", "inProgram", "target", "leads", "usesTechnology"]
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん"
KANJI = "宇宙月面探査機計画国際協力技術開発衛星着陸火星基地研究有人無人推進機構政策戦略会議拠点実証"
SYL = ["ka", "ri", "to", "ne", "sa", "mo", "lu", "na", "ter", "vis", "or", "pol", "gen", "dra", "xis", "ion"]


def _lit(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(target: int, path: Path, seed: int = 7) -> int:
    """Write an N-Quads graph of about ``target`` triples shaped like the spacekg build.

    Per entity: types and labels (graph/entities, ~8 triples), ~2.8 stated facts
    (graph/stated) each with a statement node and an evidence annotation (graph/evidence,
    ~22 triples), ~3 mentions (graph/mentions, ~15 triples each). ``partOf`` forms a forest.

    Returns:
        The number of quads written.
    """
    rnd = random.Random(seed)
    n_ent = max(50, target // 118)
    docs = [f"{BASE}document/doc-{i}" for i in range(max(5, n_ent // 100))]
    rules = [f"{BASE}rule/R-{i}" for i in range(20)]
    ents = [f"{RES}e{i}" for i in range(n_ent)]
    n = 0
    with open(path, "w", encoding="utf-8") as out:
        def q(s, p, o, g):
            nonlocal n
            out.write(f"<{s}> <{p}> {o} <{G}{g}> .\n")
            n += 1

        for i, e in enumerate(ents):
            for c in rnd.sample(CLASSES, rnd.choice((1, 1, 2))):
                q(e, RDF + "type", f"<{SK}{c}>", "entities")
            ja = "".join(rnd.choice(KANJI) for _ in range(rnd.randint(3, 7))) + str(i)
            en = " ".join("".join(rnd.choice(SYL) for _ in range(rnd.randint(1, 3))).capitalize()
                          for _ in range(rnd.randint(1, 3))) + f" {i}"
            for p in (RDFS + "label", SKOS + "prefLabel"):
                q(e, p, _lit(ja) + "@ja", "entities")
                q(e, p, _lit(en) + "@en", "entities")
            if rnd.random() < 0.45:
                q(e, SKOS + "altLabel", _lit(en.split()[0].upper()), "entities")
            if rnd.random() < 0.5:
                q(e, SKOS + "definition", _lit(f"A generated {en} used for benchmarking.") + "@en", "entities")
            if rnd.random() < 0.3:
                q(e, SK + "kanaReading", _lit("".join(rnd.choice(KANA) for _ in range(6))) + "@ja-Hrkt",
                  "entities")
        for i, e in enumerate(ents):
            facts = []
            if i and rnd.random() < 0.3:  # a partOf forest: parents have smaller numbers
                facts.append((e, SK + "partOf", f"<{ents[rnd.randrange(i // 2, i)]}>"))
            for _ in range(rnd.choice((1, 2, 2, 3, 3, 4))):
                facts.append((e, SK + rnd.choice(PREDICATES), f"<{rnd.choice(ents)}>"))
            if rnd.random() < 0.2:
                facts.append((e, SK + "launchDate", f'"20{rnd.randint(10, 35)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"^^<{XSD}date>'))
            for s, p, o in facts:
                q(s, p, o, "stated")
                k = f"{i}-{n}"
                st, ev = f"{BASE}statement/{k}", f"{BASE}evidence/d/{k}"
                doc = rnd.choice(docs)
                start = rnd.randint(0, 50000)
                q(st, RDF + "type", f"<{RDF}Statement>", "evidence")
                q(st, RDF + "subject", f"<{s}>", "evidence")
                q(st, RDF + "predicate", f"<{p}>", "evidence")
                q(st, RDF + "object", o, "evidence")
                q(st, PROV + "wasDerivedFrom", f"<{ev}>", "evidence")
                _annotation(q, ev, doc, start, rnd, "evidence", OA + "describing")
                q(ev, PROV + "wasGeneratedBy", f"<{rnd.choice(rules)}>", "evidence")
                q(ev, RDF + "type", f"<{PROV}Entity>", "evidence")
        for i, e in enumerate(ents):
            for _ in range(rnd.choice((1, 2, 3, 4, 5))):
                doc = rnd.choice(docs)
                start = rnd.randint(0, 50000)
                m = f"{BASE}mention/d/{i}-{n}"
                _annotation(q, m, doc, start, rnd, "mentions", OA + "identifying")
                q(m, OA + "hasBody", f"<{e}>", "mentions")
            q(e, SK + "mentionedIn", f"<{rnd.choice(docs)}>", "mentions")
    return n


def _annotation(q, a, doc, start, rnd, graph, motivation):
    t, pos, quote = a + "#target", a + "#pos", a + "#quote"
    q(a, RDF + "type", f"<{OA}Annotation>", graph)
    q(a, OA + "motivatedBy", f"<{motivation}>", graph)
    q(a, OA + "hasTarget", f"<{t}>", graph)
    q(t, RDF + "type", f"<{OA}SpecificResource>", graph)
    q(t, OA + "hasSource", f"<{doc}>", graph)
    q(t, OA + "hasSelector", f"<{pos}>", graph)
    q(t, OA + "hasSelector", f"<{quote}>", graph)
    q(pos, RDF + "type", f"<{OA}TextPositionSelector>", graph)
    q(pos, OA + "start", f'"{start}"^^<{XSD}integer>', graph)
    q(pos, OA + "end", f'"{start + 12}"^^<{XSD}integer>', graph)
    q(quote, RDF + "type", f"<{OA}TextQuoteSelector>", graph)
    q(quote, OA + "exact", _lit("".join(rnd.choice(KANJI) for _ in range(12))), graph)
    q(quote, OA + "prefix", _lit("".join(rnd.choice(KANJI) for _ in range(8))), graph)
    q(quote, OA + "suffix", _lit("".join(rnd.choice(KANJI) for _ in range(8))), graph)


# ------------------------------------------------------------------ servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, cmd, port, path, cwd):
        self.name, self.port, self.path = name, port, path
        self.log = open(Path(cwd) / f"{name}.log", "w")
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {' '.join(cmd)} (see {self.log.name})")
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", path + "?" + urlencode({"query": "ASK {}"}),
                          headers={"Accept": "application/sparql-results+json"})
                c.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{name} did not start")

    def pids(self) -> list[int]:
        """The server process and its descendants (worker processes)."""
        parent = {}
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    pass
        out, todo = [], [self.proc.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo += [c for c, pp in parent.items() if pp == p]
        return out

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except OSError:
                pass
        return total / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:  # workers left in the server's own process group
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()


def start_spacekg(nq: Path, work: Path, cache_mb: float = 64, extra: tuple = ()) -> Server:
    port = free_port()
    exe = shutil.which("spacekg")
    cmd = [exe] if exe else [sys.executable, "-m", "spacekg.cli"]
    cmd += ["serve", "--port", str(port), "--build-dir", str(nq.parent), "--store", str(work / "spacekg-store"),
            "--cache-mb", str(cache_mb), *extra]
    if nq.name != "spacekg.nq":
        raise ValueError("the build file must be called spacekg.nq")
    return Server("spacekg", cmd, port, "/sparql", work)


def start_oxigraph(nq: Path, work: Path) -> Server:
    exe = shutil.which("oxigraph")
    if not exe:
        raise SystemExit("the `oxigraph` server is needed: pip install oxigraph")
    loc = work / "oxigraph-store"
    subprocess.run([exe, "load", "--location", str(loc), "--file", str(nq)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    return Server("oxigraph", [exe, "serve", "--location", str(loc), "--bind", f"127.0.0.1:{port}",
                               "--union-default-graph"], port, "/query", work)


# ------------------------------------------------------------------ the query mix


def sample_parameters(server: Server, rnd: random.Random) -> dict:
    """Entities, labels, partOf subjects and stated subjects to draw query parameters from."""
    def select(q):
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        c.request("POST", server.path, body=urlencode({"query": PREFIXES + q}),
                  headers={"Content-Type": "application/x-www-form-urlencoded",
                           "Accept": "application/sparql-results+json"})
        r = c.getresponse()
        data = json.loads(r.read())
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]

    labels = select(f"SELECT ?s ?l ?lang WHERE {{ GRAPH <{G}entities> {{ ?s rdfs:label ?l }} "
                    "BIND(lang(?l) AS ?lang) } LIMIT 20000")
    part = select(f"SELECT DISTINCT ?s WHERE {{ GRAPH <{G}stated> {{ ?s sk:partOf ?o }} }} LIMIT 5000")
    stated = select(f"SELECT DISTINCT ?s WHERE {{ GRAPH <{G}evidence> {{ ?st rdf:subject ?s }} }} LIMIT 5000")
    classes = select(f"SELECT ?c (COUNT(*) AS ?n) WHERE {{ GRAPH <{G}entities> {{ ?s a ?c }} }} GROUP BY ?c "
                     "ORDER BY DESC(?n) LIMIT 12")
    ja = [r for r in labels if r.get("lang") == "ja"]
    en = [r for r in labels if r.get("lang") == "en"]
    if not (ja and en and part and stated and classes):
        raise RuntimeError("the graph lacks labels, partOf, evidence or classes")
    return {"ja": ja, "en": en, "part": [r["s"] for r in part], "stated": [r["s"] for r in stated],
            "classes": [r["c"] for r in classes], "entities": [r["s"] for r in labels]}


def _substring(label: str, rnd: random.Random) -> str:
    label = label.strip()
    n = min(len(label), rnd.choice((2, 3, 4)))
    i = rnd.randrange(0, len(label) - n + 1)
    return label[i:i + n]


def make_query(kind: int, p: dict, rnd: random.Random) -> str:
    e = rnd.choice(p["entities"])
    if kind == 0:  # entity description with incoming links
        return (f"SELECT ?p ?o ?dir WHERE {{ {{ <{e}> ?p ?o BIND(\"out\" AS ?dir) }} UNION "
                f"{{ ?o ?p <{e}> BIND(\"in\" AS ?dir) }} }} LIMIT 500")
    if kind == 1:  # exact label lookup
        r = rnd.choice(p["ja"] + p["en"])
        return PREFIXES + f"SELECT ?s WHERE {{ ?s rdfs:label {json.dumps(r['l'], ensure_ascii=False)}@{r['lang']} }}"
    if kind == 2:  # label substring search, ja and en
        r = rnd.choice(p["ja"] if rnd.random() < 0.5 else p["en"])
        sub = json.dumps(_substring(r["l"], rnd).lower(), ensure_ascii=False)
        return PREFIXES + (f"SELECT DISTINCT ?s ?l WHERE {{ ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), {sub})) }} "
                           "LIMIT 20")
    if kind == 3:  # class listing with ORDER BY and LIMIT
        c = rnd.choice(p["classes"])
        return PREFIXES + (f"SELECT ?s ?l WHERE {{ ?s a <{c}> ; rdfs:label ?l FILTER(lang(?l) = \"en\") }} "
                           f"ORDER BY ?l LIMIT 50 OFFSET {rnd.choice((0, 0, 50))}")
    if kind == 4:  # two-hop join
        s = rnd.choice(p["stated"])
        return PREFIXES + (f"SELECT ?p ?x ?q ?y WHERE {{ GRAPH <{G}stated> {{ <{s}> ?p ?x . ?x ?q ?y }} }} LIMIT 200")
    if kind == 5:  # COUNT by class
        return "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n)"
    if kind == 6:  # OPTIONAL-heavy profile
        return PREFIXES + (f"SELECT ?t ?ja ?en ?alt ?def ?kana ?date ?wd WHERE {{ <{e}> a ?t "
                           f"OPTIONAL {{ <{e}> rdfs:label ?ja FILTER(lang(?ja) = \"ja\") }} "
                           f"OPTIONAL {{ <{e}> rdfs:label ?en FILTER(lang(?en) = \"en\") }} "
                           f"OPTIONAL {{ <{e}> skos:altLabel ?alt }} OPTIONAL {{ <{e}> skos:definition ?def }} "
                           f"OPTIONAL {{ <{e}> sk:kanaReading ?kana }} OPTIONAL {{ <{e}> sk:launchDate ?date }} "
                           f"OPTIONAL {{ <{e}> owl:sameAs ?wd }} }}")
    if kind == 7:  # evidence lookup
        s = rnd.choice(p["stated"])
        return PREFIXES + (f"SELECT ?p ?o ?doc ?start ?end ?quote ?rule WHERE {{ ?st rdf:subject <{s}> ; "
                           "rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?ev . "
                           "?ev oa:hasTarget ?t ; prov:wasGeneratedBy ?rule . ?t oa:hasSource ?doc ; "
                           "oa:hasSelector ?pos, ?q . ?pos a oa:TextPositionSelector ; oa:start ?start ; "
                           "oa:end ?end . ?q a oa:TextQuoteSelector ; oa:exact ?quote }")
    s = rnd.choice(p["part"])  # part-of property path
    return PREFIXES + f"SELECT ?x WHERE {{ <{s}> sk:partOf+ ?x }}"


KINDS = ["describe", "label", "substring", "class-list", "two-hop", "count-class", "profile",
         "evidence", "part-of+"]


def run_load(server: Server, params: dict, concurrency: int, duration: float, warmup: float, seed: int):
    """Closed loop: ``concurrency`` threads, each sending the next query when the last returns."""
    stop_at = [0.0]
    lat: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    per_kind = [dict() for _ in range(concurrency)]
    barrier = threading.Barrier(concurrency + 1)

    def worker(w):
        rnd = random.Random(seed * 1000 + w)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        k = w
        barrier.wait()
        measuring = False
        while True:
            now = time.perf_counter()
            if now >= stop_at[0]:
                break
            if not measuring and now >= stop_at[1]:
                measuring = True
            kind = k % len(KINDS)
            k += 1
            q = make_query(kind, params, rnd)
            body = urlencode({"query": q})
            t0 = time.perf_counter()
            try:
                conn.request("POST", server.path, body=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded",
                                      "Accept": "application/sparql-results+json"})
                r = conn.getresponse()
                data = r.read()
                ok = r.status == 200 and data
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            dt = time.perf_counter() - t0
            if measuring:
                lat[w].append(dt)
                per_kind[w].setdefault(KINDS[kind], []).append(dt)
                if not ok:
                    errors[w] += 1

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(concurrency)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    stop_at[:] = [start + warmup + duration, start + warmup]
    barrier.wait()
    time.sleep(warmup)
    cpu0 = server.cpu_seconds()
    for t in threads:
        t.join()
    cpu1 = server.cpu_seconds()
    kinds = {}
    for d in per_kind:
        for k, v in d.items():
            kinds.setdefault(k, []).extend(v)
    return {"lat": [x for lst in lat for x in lst], "errors": sum(errors), "cpu": cpu1 - cpu0,
            "seconds": duration, "kinds": kinds}


def summarise(rounds: list[dict], rss_before: float, rss_after: float) -> dict:
    """Throughput, latency percentiles, errors and CPU per query over measured rounds."""
    lat = sorted(x for r in rounds for x in r["lat"])
    n = len(lat)
    secs = sum(r["seconds"] for r in rounds)
    kinds: dict = {}
    for r in rounds:
        for k, v in r["kinds"].items():
            kinds.setdefault(k, []).extend(v)
    return {
        "queries": n,
        "qps": n / secs,
        "p50_ms": 1000 * lat[n // 2] if n else float("nan"),
        "p99_ms": 1000 * lat[min(n - 1, int(n * 0.99))] if n else float("nan"),
        "errors": sum(r["errors"] for r in rounds),
        "cpu_ms_per_query": 1000 * sum(r["cpu"] for r in rounds) / n if n else float("nan"),
        "rss_before_mib": rss_before,
        "rss_after_mib": rss_after,
        "p50_by_kind_ms": {k: 1000 * statistics.median(v) for k, v in sorted(kinds.items())},
    }


# ------------------------------------------------------------------ main


def build_file(arg: str | None, work: Path) -> Path:
    if arg:
        return Path(arg)
    p = Path("build/spacekg.nq")
    if p.is_file():
        return p
    out = work / "build"
    subprocess.run(["spacekg", "build", "--out", str(out), "--quiet"], check=True)
    return out / "spacekg.nq"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="real,100k,1m", help="comma list of real, 100k, 1m or a number")
    ap.add_argument("--duration", type=float, default=12.0,
                    help="measured seconds per server and concurrency (split over the rounds)")
    ap.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each round")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per server and concurrency")
    ap.add_argument("--concurrency", default="1,8")
    ap.add_argument("--build", help="the real graph (default build/spacekg.nq, built if absent)")
    ap.add_argument("--json", help="write all figures to this file")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--servers", default="oxigraph,spacekg")
    ap.add_argument("--serve-args", default="", help="extra `spacekg serve` options, e.g. '--workers 4'")
    ap.add_argument("--cache-mb", type=float, default=64,
                    help="spacekg's answer cache (0: off, to compare engines without it)")
    ap.add_argument("--soak", type=float, default=0,
                    help="after the runs, load spacekg alone for this many seconds at the highest "
                         "concurrency and print its RSS every 10 s (memory must level off)")
    args = ap.parse_args(argv)
    conc = [int(c) for c in args.concurrency.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-sparql-") as tmp:
        tmp = Path(tmp)
        for size in args.sizes.split(","):
            work = tmp / size
            work.mkdir()
            data_dir = work / "data"
            data_dir.mkdir()
            nq = data_dir / "spacekg.nq"
            if size == "real":
                shutil.copy(build_file(args.build, tmp), nq)
            else:
                target = {"100k": 100_000, "1m": 1_000_000}.get(size) or int(size)
                t0 = time.perf_counter()
                generate(target, nq)
                print(f"# generated {size}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            n_quads = sum(1 for _ in open(nq, encoding="utf-8"))
            print(f"\n== graph {size}: {n_quads} quads ==")
            rnd = random.Random(args.seed)
            servers = {}
            try:
                for name in args.servers.split(","):
                    t0 = time.perf_counter()
                    servers[name] = start_oxigraph(nq, work) if name == "oxigraph" else \
                        start_spacekg(nq, work, args.cache_mb, tuple(args.serve_args.split()))
                    print(f"# {name} ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
                params = sample_parameters(next(iter(servers.values())), rnd)
                for c in conc:
                    # rounds alternate between the servers so that background load hits both alike
                    rounds = {name: [] for name in servers}
                    rss0 = {name: srv.rss_mib() for name, srv in servers.items()}
                    for i in range(args.rounds):
                        for name, srv in servers.items():
                            rounds[name].append(run_load(srv, params, c, args.duration / args.rounds,
                                                         args.warmup, args.seed + i))
                    for name, srv in servers.items():
                        r = summarise(rounds[name], rss0[name], srv.rss_mib())
                        r.update(graph=size, quads=n_quads, server=name, concurrency=c)
                        results.append(r)
                        print(f"{name:9s} c={c:<2d} {r['qps']:8.1f} q/s  p50 {r['p50_ms']:7.2f} ms  "
                              f"p99 {r['p99_ms']:8.2f} ms  errors {r['errors']}  cpu/query "
                              f"{r['cpu_ms_per_query']:6.2f} ms  rss {r['rss_before_mib']:.0f}->"
                              f"{r['rss_after_mib']:.0f} MiB", flush=True)
                if args.soak and "spacekg" in servers:
                    srv, c = servers["spacekg"], max(conc)
                    print(f"soak spacekg c={c}: rss {srv.rss_mib():.0f} MiB", end="", flush=True)
                    t_end = time.monotonic() + args.soak
                    n = errs = 0
                    while time.monotonic() < t_end:
                        r = run_load(srv, params, c, 10, 0, args.seed + n)
                        n += len(r["lat"])
                        errs += r["errors"]
                        print(f" {srv.rss_mib():.0f}", end="", flush=True)
                    print(f" MiB ({n} queries, {errs} errors)")
            finally:
                for srv in servers.values():
                    srv.stop()
            for c in conc if "," in args.servers else ():
                a = next(r for r in results if r["graph"] == size and r["server"] == "spacekg" and r["concurrency"] == c)
                b = next(r for r in results if r["graph"] == size and r["server"] == "oxigraph" and r["concurrency"] == c)
                print(f"ratio spacekg/oxigraph c={c}: throughput {a['qps'] / b['qps']:.2f}  "
                      f"p50 {a['p50_ms'] / b['p50_ms']:.2f}  p99 {a['p99_ms'] / b['p99_ms']:.2f}  "
                      f"cpu/query {a['cpu_ms_per_query'] / b['cpu_ms_per_query']:.2f}")
                slow = {k: round(v / b['p50_by_kind_ms'][k], 2) for k, v in a["p50_by_kind_ms"].items()}
                print(f"  p50 ratio by query kind: {slow}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
