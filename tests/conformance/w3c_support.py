"""Reading the W3C SPARQL test manifests and judging results, for HTTP and in-process runs.

Test files live in ../shared/conformance/w3c-sparql (a copy of w3c/rdf-tests). Manifests and
data are read with their official base IRIs (``data-r2/…`` for SPARQL 1.0, ``data-sparql11/…``
for SPARQL 1.1), so test IRIs are the W3C ones and relative IRIs resolve as the expected
results assume. Results are compared term by term with exact literals (lexical form,
datatype, language), blank nodes up to renaming, in order when the query has ORDER BY.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import requests

ROOT = Path(os.environ.get("SPACEKG_W3C_SPARQL", Path(__file__).resolve().parents[3] / "shared" /
                           "conformance" / "w3c-sparql"))
if not ROOT.is_dir():  # the tree is /work/main; the suite sits next to it in /work/shared
    ROOT = Path("/work/shared/conformance/w3c-sparql")

BASES = {
    "sparql10": "http://www.w3.org/2001/sw/DataAccess/tests/data-r2/",
    "sparql11": "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/",
}
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
QT = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
DAWGT = "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#"
RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

#: the manifests whose tests are run (query evaluation and syntax, result formats)
QUERY_MANIFESTS = [
    ("sparql10", "manifest-evaluation.ttl"),
    ("sparql10", "manifest-syntax.ttl"),
    ("sparql11", "manifest-sparql11-query.ttl"),
    ("sparql11", "manifest-sparql11-results.ttl"),
]


def iri_to_path(iri: str) -> Path | None:
    """The local file of a W3C test IRI, or ``None`` if it is not under a known base."""
    for d, base in BASES.items():
        if iri.startswith(base):
            return ROOT / d / iri[len(base):]
    return None


def path_to_iri(path: Path) -> str:
    rel = path.resolve().relative_to(ROOT.resolve())
    return BASES[rel.parts[0]] + "/".join(rel.parts[1:])


def rdf_format(path: Path) -> ox.RdfFormat:
    return {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML,
            ".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}[path.suffix]


def load_graph(path: Path) -> list:
    """Triples of a test data file, parsed with the file's W3C IRI as base.

    Blank nodes are renamed apart: the parser keeps labels, and two files' ``_:a`` differ.
    """
    fresh: dict = {}

    def f(t):
        if isinstance(t, ox.BlankNode):
            if t not in fresh:
                fresh[t] = ox.BlankNode()
            return fresh[t]
        return t

    return [ox.Triple(f(q.subject), q.predicate, f(q.object))
            for q in ox.parse(path=str(path), format=rdf_format(path), base_iri=path_to_iri(path))]


class Manifest:
    """All triples of a manifest and the manifests it includes (pyoxigraph Store)."""

    def __init__(self, directory: str, name: str):
        self.store = ox.Store()
        self._load(ROOT / directory / name)

    def _load(self, path: Path):
        iri = path_to_iri(path)
        self.store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=iri)
        for r in self.store.query(
                f"SELECT ?m WHERE {{ <{iri}> <{MF}include>/<{RDF}rest>*/<{RDF}first> ?m }}"):
            sub = iri_to_path(r["m"].value)
            if sub and sub.is_file():
                self._load(sub)

    def values(self, s, p) -> list:
        return [q.object for q in self.store.quads_for_pattern(s, ox.NamedNode(p), None)]

    def items(self, s, p) -> list:
        """Members of the RDF list ``s p ( … )``, in order."""
        node, out = self.value(s, p), []
        while node is not None and node != ox.NamedNode(RDF + "nil"):
            out.append(self.value(node, RDF + "first"))
            node = self.value(node, RDF + "rest")
        return out

    def value(self, s, p):
        v = self.values(s, p)
        return v[0] if v else None


@dataclass
class QueryTest:
    """One query evaluation, syntax or result-format test."""

    iri: str
    kind: str  # QueryEvaluationTest, PositiveSyntaxTest(11), NegativeSyntaxTest(11), CSVResultFormatTest
    name: str
    query: Path
    data: list[Path] = field(default_factory=list)
    graph_data: list[tuple[str, Path]] = field(default_factory=list)
    result: Path | None = None
    lax: bool = False  # mf:resultCardinality mf:LaxCardinality (REDUCED): duplicates optional

    @property
    def query_iri(self) -> str:
        return path_to_iri(self.query)

    def query_text(self) -> str:
        return self.query.read_text(encoding="utf-8")

    def dataset_quads(self) -> list:
        """The test's dataset as quads: ``qt:data`` in the default graph, ``qt:graphData`` named
        by their IRI, plus the graphs the query names in FROM/FROM NAMED (loaded by IRI)."""
        quads = []
        for p in self.data:
            quads += [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in load_graph(p)]
        named = list(self.graph_data)
        from spacekg.server.sparqltext import tokens

        toks = tokens(self.query_text())
        from urllib.parse import urljoin

        for i, tok in enumerate(toks):
            if tok.upper == "FROM":
                j = i + 1
                if j < len(toks) and toks[j].upper == "NAMED":
                    j += 1
                if j < len(toks) and toks[j].kind == "iri":
                    iri = urljoin(self.query_iri, toks[j].text[1:-1])
                    p = iri_to_path(iri)
                    if p and p.is_file() and (iri, p) not in named:
                        named.append((iri, p))
        for iri, p in named:
            g = ox.NamedNode(iri)
            quads += [ox.Quad(t.subject, t.predicate, t.object, g) for t in load_graph(p)]
        return quads


TEST_TYPES = ("QueryEvaluationTest", "PositiveSyntaxTest", "PositiveSyntaxTest11", "NegativeSyntaxTest",
              "NegativeSyntaxTest11", "CSVResultFormatTest")


def query_tests() -> list[QueryTest]:
    """Every test of :data:`QUERY_MANIFESTS` that is not withdrawn or rejected, in manifest order."""
    out, seen = [], set()
    for d, name in QUERY_MANIFESTS:
        m = Manifest(d, name)
        entries = [r["t"] for r in m.store.query(
            f"SELECT ?t WHERE {{ ?m <{MF}entries>/<{RDF}rest>*/<{RDF}first> ?t }}")]
        for t in entries:
            if t.value in seen:
                continue
            types = [v.value.rsplit("#", 1)[-1] for v in m.values(t, RDF + "type")]
            kind = next((k for k in types if k in TEST_TYPES), None)
            if kind is None:
                continue
            approval = m.value(t, DAWGT + "approval")
            if approval is not None and approval.value.endswith(("Withdrawn", "Rejected")):
                continue
            action = m.value(t, MF + "action")
            if kind in ("QueryEvaluationTest", "CSVResultFormatTest"):
                query = m.value(action, QT + "query")
                data = [iri_to_path(v.value) for v in m.values(action, QT + "data")]
                gdata = [(v.value, iri_to_path(v.value)) for v in m.values(action, QT + "graphData")]
            else:
                query, data, gdata = action, [], []
            result = m.value(t, MF + "result")
            seen.add(t.value)
            card = m.value(t, MF + "resultCardinality")
            out.append(QueryTest(t.value, kind, (m.value(t, MF + "name") or ox.Literal("")).value,
                                 iri_to_path(query.value), data, gdata,
                                 iri_to_path(result.value) if result is not None else None,
                                 lax=card is not None and card.value.endswith("LaxCardinality")))
    return sorted(out, key=lambda t: t.iri)


# ------------------------------------------------------------------ results


@dataclass
class Outcome:
    """What a query returned: ``kind`` (solutions|boolean|graph|error) and the value."""

    kind: str
    variables: list[str] | None = None
    solutions: list[dict] | None = None
    boolean: bool | None = None
    triples: list | None = None
    error: str | None = None
    syntax: bool = False


def from_ox(result) -> Outcome:
    if isinstance(result, ox.QueryBoolean):
        return Outcome("boolean", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        sols = [{n: s[i] for i, n in enumerate(names) if s[i] is not None} for s in result]
        return Outcome("solutions", names, sols)
    return Outcome("graph", triples=list(result))


def expected_outcome(test: QueryTest) -> Outcome:
    """Parse ``mf:result``: SPARQL XML/JSON/TSV/CSV results, an RDF result set, or a graph."""
    p = test.result
    if p.suffix in (".srx", ".srj", ".tsv"):
        fmt = {".srx": ox.QueryResultsFormat.XML, ".srj": ox.QueryResultsFormat.JSON,
               ".tsv": ox.QueryResultsFormat.TSV}[p.suffix]
        return from_ox(ox.parse_query_results(path=str(p), format=fmt))
    if p.suffix == ".csv":
        return Outcome("csv", triples=None, error=p.read_text(encoding="utf-8"))
    triples = load_graph(p)
    rs_type = ox.NamedNode(RS + "ResultSet")
    rsets = [t.subject for t in triples if t.predicate.value == RDF + "type" and t.object == rs_type]
    if not rsets:
        return Outcome("graph", triples=triples)
    g = ox.Store()
    g.extend([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples])
    rs = rsets[0]
    b = [q.object for q in g.quads_for_pattern(rs, ox.NamedNode(RS + "boolean"), None)]
    if b:
        return Outcome("boolean", boolean=b[0].value == "true")
    names = [q.object.value for q in g.quads_for_pattern(rs, ox.NamedNode(RS + "resultVariable"), None)]
    sols = []
    for q in g.quads_for_pattern(rs, ox.NamedNode(RS + "solution"), None):
        sol, idx = {}, None
        for bq in g.quads_for_pattern(q.object, ox.NamedNode(RS + "binding"), None):
            var = next(g.quads_for_pattern(bq.object, ox.NamedNode(RS + "variable"), None)).object.value
            val = next(g.quads_for_pattern(bq.object, ox.NamedNode(RS + "value"), None)).object
            sol[var] = val
        for iq in g.quads_for_pattern(q.object, ox.NamedNode(RS + "index"), None):
            idx = int(iq.object.value)
        sols.append((idx, sol))
    if any(i is not None for i, _ in sols):
        sols.sort(key=lambda x: x[0] or 0)
    return Outcome("solutions", names, [s for _, s in sols])


def _has_bnode(sols) -> bool:
    return any(isinstance(v, ox.BlankNode) for s in sols for v in s.values())


def _shape(s: dict) -> frozenset:
    return frozenset((k, "_:" if isinstance(v, ox.BlankNode) else str(v)) for k, v in s.items())


def same_solutions(a: list[dict], b: list[dict], ordered: bool) -> bool:
    """Equal solution sequences up to blank-node renaming (a bijection found by backtracking)."""
    if len(a) != len(b):
        return False
    if ordered:
        if any(_shape(x) != _shape(y) for x, y in zip(a, b, strict=True)):
            return False
    elif Counter(map(_shape, a)) != Counter(map(_shape, b)):
        return False
    if not _has_bnode(a) and not _has_bnode(b):
        return True
    fwd, back, used = {}, {}, [False] * len(b)
    todo = [i for i, s in enumerate(a) if any(isinstance(v, ox.BlankNode) for v in s.values())]
    shapes_b = [_shape(s) for s in b]

    def bind(x, y, added):
        for k, v in x.items():
            if isinstance(v, ox.BlankNode):
                w = y[k]
                if fwd.get(v, w) != w or back.get(w, v) != v:
                    return False
                if v not in fwd:
                    fwd[v], back[w] = w, v
                    added.append(v)
        return True

    def search(n):
        if n == len(todo):
            return True
        i = todo[n]
        cands = [i] if ordered else [j for j in range(len(b)) if not used[j] and shapes_b[j] == _shape(a[i])]
        for j in cands:
            added = []
            if bind(a[i], b[j], added):
                used[j] = True
                if search(n + 1):
                    return True
                used[j] = False
            for v in added:
                del back[fwd.pop(v)]
        return False

    return search(0)


def same_graph(a: list, b: list) -> bool:
    da = ox.Dataset([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in a])
    db = ox.Dataset([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in b])
    if len(da) != len(db):
        return False
    da.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    db.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return da == db


def judge(test: QueryTest, got: Outcome) -> str | None:
    """``None`` when ``got`` passes ``test``, else a short reason."""
    if test.kind.startswith("PositiveSyntax"):
        return f"rejected: {got.error}" if got.kind == "error" and got.syntax else None
    if test.kind.startswith("NegativeSyntax"):
        return None if got.kind == "error" and got.syntax else "accepted a bad query"
    if got.kind == "error":
        return f"error: {got.error}"
    exp = expected_outcome(test)
    if exp.kind == "csv":
        import csv
        import io

        rows = lambda text: list(csv.reader(io.StringIO(text, newline="")))  # noqa: E731
        want, have = rows(exp.error), rows(got.error or "")

        def table(r):  # columns in any order (SELECT * order is the engine's), blank nodes unnamed
            if not r:
                return set(), Counter()
            return set(r[0]), Counter(frozenset((h, "_:" if v.startswith("_:") else v)
                                                for h, v in zip(r[0], row, strict=False)) for row in r[1:])

        if got.kind == "csv" and table(want) == table(have):
            return None
        return f"CSV differs: expected {want!r}, got {have!r}"
    if exp.kind != got.kind:
        return f"expected {exp.kind}, got {got.kind}"
    if exp.kind == "boolean":
        return None if exp.boolean == got.boolean else f"expected {exp.boolean}"
    if exp.kind == "graph":
        return None if same_graph(exp.triples, got.triples) else "graph differs"
    from spacekg.server.sparqltext import analyze

    ordered = analyze(test.query_text()).ordered
    if test.lax and not _has_bnode(exp.solutions):
        # REDUCED may drop any number of duplicates: same distinct solutions, no more rows
        if {_shape(x) for x in exp.solutions} == {_shape(x) for x in got.solutions} and \
                len(got.solutions) <= len(exp.solutions):
            return None
    if same_solutions(exp.solutions, got.solutions, ordered):
        return None
    return f"solutions differ: expected {len(exp.solutions)}, got {len(got.solutions)}"


# ------------------------------------------------------------------ runners


def run_in_process(test: QueryTest) -> Outcome:
    """Oxigraph 0.5 in process: a fresh store with the test's dataset, the query with its base."""
    store = ox.Store()
    try:
        quads = test.dataset_quads() if test.kind in ("QueryEvaluationTest", "CSVResultFormatTest") else []
        store.extend(quads)
        res = store.query(test.query_text(), base_iri=test.query_iri)
        if test.kind == "CSVResultFormatTest":
            return Outcome("csv", error=res.serialize(format=ox.QueryResultsFormat.CSV).decode())
        return from_ox(res)
    except SyntaxError as exc:
        return Outcome("error", error=str(exc), syntax=True)
    except Exception as exc:  # evaluation errors (RuntimeError, OSError …)
        return Outcome("error", error=str(exc))


class HttpRunner:
    """Runs tests against a `spacekg serve --default-graph store --update-token …` endpoint.

    The dataset is replaced through the Graph Store Protocol (PUT /store with N-Quads), the
    query is POSTed with a ``BASE`` of its W3C IRI prepended (the protocol gives no other way
    to pass a base), results are asked as SPARQL JSON (N-Triples for graphs, CSV for the
    CSV tests) and parsed back.
    """

    def __init__(self, url: str, token: str):
        self.url = url
        self.session = requests.Session()
        self.auth = {"Authorization": f"Bearer {token}"}

    def load(self, quads: list) -> None:
        body = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        r = self.session.put(self.url + "/store", data=body,
                             headers={**self.auth, "Content-Type": "application/n-quads"})
        r.raise_for_status()

    def run(self, test: QueryTest) -> Outcome:
        if test.kind in ("QueryEvaluationTest", "CSVResultFormatTest"):
            self.load(test.dataset_quads())
        text = f"BASE <{test.query_iri}>\n" + test.query_text()
        from spacekg.server.sparqltext import analyze

        form = analyze(test.query_text()).form
        if test.kind == "CSVResultFormatTest":
            accept = "text/csv"
        elif form in ("CONSTRUCT", "DESCRIBE"):
            accept = "application/n-triples"
        else:
            accept = "application/sparql-results+json"
        r = self.session.post(self.url + "/sparql", data=text.encode("utf-8"),
                              headers={"Content-Type": "application/sparql-query", "Accept": accept})
        if r.status_code == 400:
            return Outcome("error", error=r.text, syntax=r.text.startswith("bad query: error at"))
        if r.status_code != 200:
            return Outcome("error", error=f"HTTP {r.status_code}: {r.text[:300]}")
        ctype = r.headers.get("Content-Type", "").split(";")[0]
        if test.kind == "CSVResultFormatTest":
            return Outcome("csv", error=r.text)
        if ctype == "application/n-triples":
            return Outcome("graph", triples=[q.triple for q in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)])
        data = json.loads(r.content)
        if "boolean" in data:
            return Outcome("boolean", boolean=data["boolean"])
        return from_ox(ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON))


# ------------------------------------------------------------------ protocol tests

HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict
    body: bytes | None
    statuses: list[str]  # e.g. ["2xx", "3xx"]
    fmt: str | None  # boolean | tabular | RDF
    boolean: bool | None


@dataclass
class ProtocolTest:
    iri: str
    name: str
    graph_data: list[tuple[str, Path]]
    requests: list[HttpRequest]


def protocol_tests() -> list[ProtocolTest]:
    """The SPARQL 1.1 Protocol tests (sparql11/protocol/manifest.ttl), requests in order."""
    m = Manifest("sparql11", "protocol/manifest.ttl")
    out = []
    manifest = ox.NamedNode(path_to_iri(ROOT / "sparql11" / "protocol" / "manifest.ttl"))
    for t in m.items(manifest, MF + "entries"):
        gdata = []
        for gd in m.values(t, UT + "graphData"):
            gdata.append((m.value(gd, RDFS + "label").value, iri_to_path(m.value(gd, UT + "graph").value)))
        action = m.value(t, MF + "action")
        reqs = []
        for node in m.items(action, HT + "requests"):
            headers = {}
            for h in m.items(node, HT + "headers"):
                headers[m.value(h, HT + "fieldName").value] = m.value(h, HT + "fieldValue").value
            body_node = m.value(node, HT + "body")
            body = None
            if body_node is not None:
                enc = m.value(body_node, CNT + "characterEncoding")
                body = m.value(body_node, CNT + "chars").value.encode(enc.value if enc else "utf-8")
            resp = m.value(node, HT + "resp")
            statuses = [v.value.rsplit("StatusCode", 1)[-1] for v in m.values(resp, MF + "expectedStatus")]
            fmt = m.value(resp, MF + "expectedFormat")
            boolean = m.value(resp, MF + "expectedBoolean")
            reqs.append(HttpRequest(m.value(node, HT + "methodName").value, m.value(node, HT + "absolutePath").value,
                                    headers, body, statuses, fmt.value if fmt else None,
                                    None if boolean is None else boolean.value == "true"))
        out.append(ProtocolTest(t.value, m.value(t, MF + "name").value, gdata, reqs))
    return out


FORMAT_TYPES = {
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "tabular": ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"),
    "RDF": ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
            "application/trig", "application/n-quads"),
}


def run_protocol_test(test: ProtocolTest, base_url: str, token: str) -> str | None:
    """Reset the store, load the test's graphs, send its requests; ``None`` if all pass."""
    s = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    r = s.post(base_url + "/sparql", data={"update": "DROP ALL"}, headers=auth)
    r.raise_for_status()
    for name, path in test.graph_data:
        body = ox.serialize(load_graph(path), format=ox.RdfFormat.N_TRIPLES)
        s.put(base_url + "/store", params={"graph": name}, data=body,
              headers={**auth, "Content-Type": "application/n-triples"}).raise_for_status()
    for i, req in enumerate(test.requests):
        headers = {k: v for k, v in req.headers.items()}
        headers.update(auth)
        path = req.path.replace("/sparql/", "/sparql/", 1)
        resp = s.request(req.method, base_url + path, data=req.body, headers=headers)
        if f"{resp.status_code // 100}xx" not in req.statuses:
            return f"request {i + 1}: status {resp.status_code}, expected {req.statuses}: {resp.text[:200]}"
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
        if req.fmt and ctype not in FORMAT_TYPES[req.fmt]:
            return f"request {i + 1}: Content-Type {ctype!r} is not {req.fmt}"
        if req.boolean is not None:
            fmt = ox.QueryResultsFormat.from_media_type(ctype)
            if fmt is None or bool(ox.parse_query_results(resp.content, format=fmt)) != req.boolean:
                return f"request {i + 1}: expected boolean {req.boolean}: {resp.text[:200]}"
    return None
