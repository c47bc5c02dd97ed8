"""Quality gates of the build: SHACL shapes (pyshacl) and SPARQL violation queries.

* Shapes: every ``shapes/*.ttl`` file (written with the default base, rewritten on load),
  checked by pyshacl against the union of the named graphs except ``mentions`` (the ontology
  included, so ``sh:class`` sees the class hierarchy). ``shapes/ontology-domains-ranges.ttl``
  is generated from the ontology by :func:`ontology_shapes` (``spacekg validate
  --write-ontology-shapes``); a test keeps it in sync.
* Violation queries: every ``shapes/violations/*.rq`` — a SPARQL SELECT over the whole dataset
  (named graphs visible through ``GRAPH``, default graph = union) that must return no rows. Its
  header lines say ``# id:``, ``# severity: Violation|Warning`` and ``# message:``; its first
  variable is the focus node, ``?path`` and ``?value`` are optional.

Severity ``Violation`` makes the graph non-conforming; ``Warning`` only reports.
The report is a standard ``sh:ValidationReport`` (query results are added as
``sh:ValidationResult`` with ``sh:sourceShape`` = ``{base}shapes#query-{id}``).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from spacekg.config import DEFAULT_BASE, OA, PROV, ROOT, IRIs
from spacekg.errors import ShapeError, ValidationFailed

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_DIR = ROOT / "shapes"
GENERATED = "ontology-domains-ranges.ttl"
DATA_GRAPHS = ("ontology", "documents", "entities", "stated", "evidence", "inferred")
SEVERITIES = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info}


def shapes_ns(iris: IRIs) -> Namespace:
    """The namespace of the shapes (``{base}shapes#``)."""
    return Namespace(iris.base + "shapes#")


@dataclass
class Result:
    """One validation result.

    Attributes:
        severity: ``Violation``, ``Warning`` or ``Info``.
        focus: the focus node.
        path: the property path (or None).
        value: the offending value (or None).
        message: what is wrong.
        source: the shape (IRI or blank node) or ``query-{id}``.
    """

    severity: str
    focus: object
    path: object
    value: object
    message: str
    source: str


@dataclass
class Report:
    """The outcome of :func:`validate_dataset`.

    Attributes:
        conforms: no result of severity Violation.
        results: every result (shapes and queries).
        graph: the ``sh:ValidationReport`` as an rdflib Graph.
        timings: seconds per step.
        consistency: the :class:`spacekg.consistency.ConsistencyReport` (None if not run).
    """

    conforms: bool
    results: list[Result] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)
    timings: dict = field(default_factory=dict)
    consistency: object = None

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Warning"]


@dataclass
class ViolationQuery:
    """A SPARQL violation query of ``shapes/violations``."""

    id: str
    severity: str
    message: str
    text: str
    path: Path


# --------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------


def _rebased(text: str, iris: IRIs) -> str:
    return text.replace(DEFAULT_BASE, iris.base) if iris.base != DEFAULT_BASE else text


def load_shapes(folder: Path = SHAPES_DIR, iris: IRIs | None = None) -> Graph:
    """Parse every ``*.ttl`` of ``folder`` into one shapes graph (base rewritten).

    Raises:
        ShapeError: no shape file, or a file is not valid Turtle (file named).
    """
    iris = iris or IRIs()
    files = sorted(Path(folder).glob("*.ttl"))
    if not files:
        raise ShapeError("no shape files (*.ttl)", path=str(folder))
    g = Graph()
    for path in files:
        try:
            g.parse(data=_rebased(path.read_text(encoding="utf-8"), iris), format="turtle")
        except Exception as exc:  # rdflib raises several parser exception types
            raise ShapeError(f"not valid Turtle: {exc}", path=str(path)) from exc
    return g


HEADER = re.compile(r"^#\s*(id|severity|message)\s*:\s*(.+?)\s*$", re.M)


def load_queries(folder: Path | None = None, iris: IRIs | None = None) -> list[ViolationQuery]:
    """Parse the violation queries ``folder/*.rq`` (default ``shapes/violations``).

    Raises:
        ShapeError: a query lacks its header lines or has an unknown severity.
    """
    iris = iris or IRIs()
    folder = Path(folder) if folder else SHAPES_DIR / "violations"
    out = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        head = dict(HEADER.findall(text))
        if not {"id", "severity", "message"} <= set(head):
            raise ShapeError("a violation query needs '# id:', '# severity:' and '# message:' lines",
                             path=str(path))
        if head["severity"] not in SEVERITIES:
            raise ShapeError(f"unknown severity {head['severity']!r}", path=str(path))
        out.append(ViolationQuery(head["id"], head["severity"], head["message"], _rebased(text, iris), path))
    return out


def data_graph(ds, iris: IRIs) -> Graph:
    """The union of the named graphs SHACL validates (all but ``mentions``) as one Graph."""
    g = Graph()
    for name in DATA_GRAPHS:
        for t in ds.graph(iris.graph[name]):
            g.add(t)
    ext = ROOT / "ontology" / "extensions.ttl"
    if ext.exists():
        g.parse(data=_rebased(ext.read_text(encoding="utf-8"), iris), format="turtle")
    return g


# --------------------------------------------------------------------------------------------
# shapes generated from the ontology's domains and ranges
# --------------------------------------------------------------------------------------------


def _members(g: Graph, node) -> list:
    """The classes (or datatypes) a domain/range names: itself, or the members of its union."""
    if isinstance(node, BNode):
        lst = g.value(node, OWL.unionOf)
        if lst is not None:
            return list(Collection(g, lst))
        one = g.value(node, OWL.oneOf)
        if one is not None:
            return [("oneOf", list(Collection(g, one)))]
        return []
    return [node]


def ontology_shapes(onto: Graph, iris: IRIs) -> Graph:
    """SHACL shapes for the domain and range of every sk: property of ``onto``.

    For an object property: the subjects are instances of (one of) its domain classes and the
    values instances of (one of) its range classes (``sh:class``/``sh:or``). For a datatype
    property: the values have its range datatype; ``sk:dateValue`` means one of its members
    (``skx:DateValue``), a ``owl:oneOf`` range an ``sh:in`` list. Domains and ranges are
    closed-world checks here (OWL would infer types instead).
    """
    sk, skx = iris.sk, shapes_ns(iris)
    g = Graph()
    g.bind("sh", SH)
    g.bind("sk", sk)
    g.bind("skx", skx)
    g.bind("xsd", XSD)
    g.bind("rdf", RDF)
    g.bind("skos", SKOS)
    date_value = sk.dateValue

    def class_constraint(node, classes):
        if len(classes) == 1:
            g.add((node, SH["class"], classes[0]))
            return
        alts = []
        for c in classes:
            b = BNode()
            g.add((b, SH["class"], c))
            alts.append(b)
        lst = BNode()
        Collection(g, lst, alts)
        g.add((node, SH["or"], lst))

    def label(c):
        return str(c).replace(str(sk), "sk:").replace(str(SKOS), "skos:").replace(str(XSD), "xsd:")

    props = sorted({p for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
                    for p in onto.subjects(RDF.type, kind) if str(p).startswith(str(sk))})
    for p in props:
        local = str(p)[len(str(sk)):]
        is_object = (p, RDF.type, OWL.ObjectProperty) in onto
        domains = [c for d in onto.objects(p, RDFS.domain) for c in _members(onto, d)]
        ranges = [c for r in onto.objects(p, RDFS.range) for c in _members(onto, r)]
        if domains and not any(isinstance(c, tuple) for c in domains) and (p, RDF.type, RDFS.Datatype) not in onto:
            shape = skx[f"domain-{local}"]
            g.add((shape, RDF.type, SH.NodeShape))
            g.add((shape, SH.targetSubjectsOf, p))
            class_constraint(shape, domains)
            g.add((shape, SH.message, Literal(
                f"the subject of sk:{local} is not a {' or '.join(label(c) for c in domains)} (its domain)")))
        if not ranges:
            continue
        shape = skx[f"range-{local}"]
        ps = BNode()
        g.add((shape, RDF.type, SH.NodeShape))
        g.add((shape, SH.targetSubjectsOf, p))
        g.add((shape, SH.property, ps))
        g.add((ps, SH.path, p))
        if is_object:
            class_constraint(ps, ranges)
            g.add((ps, SH.nodeKind, SH.IRI))
            text = " or ".join(label(c) for c in ranges)
        else:
            alts = []
            text_parts = []
            for r in ranges:
                b = BNode()
                if isinstance(r, tuple):
                    lst = BNode()
                    Collection(g, lst, [Literal(str(v)) for v in r[1]])
                    g.add((b, SH["in"], lst))
                    text_parts.append("one of " + ", ".join(str(v) for v in r[1]))
                elif r == date_value:
                    g.add((b, SH.node, skx.DateValue))
                    text_parts.append("a date value (xsd:date, gYearMonth, gYear, sk:fiscalYear, sk:decade)")
                else:
                    g.add((b, SH.datatype, r))
                    text_parts.append(label(r))
                alts.append(b)
            if len(alts) == 1:
                for _, pred, obj in list(g.triples((alts[0], None, None))):
                    g.add((ps, pred, obj))
                    g.remove((alts[0], pred, obj))
            else:
                lst = BNode()
                Collection(g, lst, alts)
                g.add((ps, SH["or"], lst))
            text = " or ".join(text_parts)
        g.add((ps, SH.message, Literal(f"the value of sk:{local} is not {text} (its range)")))
    return g


def write_ontology_shapes(onto: Graph, iris: IRIs, path: Path | None = None) -> Path:
    """Write :func:`ontology_shapes` as Turtle to ``shapes/ontology-domains-ranges.ttl``."""
    path = Path(path) if path else SHAPES_DIR / GENERATED
    text = ontology_shapes(onto, iris).serialize(format="turtle")
    header = ("# GENERATED from ontology/spacekg.ttl by `spacekg validate --write-ontology-shapes`;\n"
              "# do not edit. Domains and ranges of every sk: property as SHACL (closed world).\n")
    path.write_text(header + text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------------


#: SHACL engines: ``turbo`` (pyshacl-turbo, Rust, pySHACL's API and reports) or ``pyshacl``.
#: Measured (quiet machine, same 7 results each): the real graph (56,247 data triples) pyshacl
#: 0.45 s, pyshacl-turbo 0.55 s; 100 documents (88,294) pyshacl 1.91 s, pyshacl-turbo 1.51 s,
#: pyrudof 10.3 s (with serialising; 5.8 s on the real graph, its SPARQL mode 11.5 s). pySHACL
#: grew 4.2× for 1.6× the triples, pyshacl-turbo 2.7×: turbo is the default for large graphs.
SHACL_ENGINES = ("turbo", "pyshacl")


def shacl_engine(engine: str | None = None) -> str:
    """The engine to use: ``engine``, else ``$SPACEKG_SHACL_ENGINE``, else ``turbo`` when
    pyshacl-turbo is installed, else ``pyshacl``.

    Raises:
        ShapeError: an unknown engine name.
    """
    import importlib.util
    import os

    name = engine or os.environ.get("SPACEKG_SHACL_ENGINE") or (
        "turbo" if importlib.util.find_spec("pyshacl_turbo") else "pyshacl")
    if name not in SHACL_ENGINES:
        raise ShapeError(f"unknown SHACL engine {name!r} (one of {', '.join(SHACL_ENGINES)})")
    return name


def run_shapes(data: Graph, shapes: Graph, engine: str | None = None) -> tuple[Graph, list[Result]]:
    """Validate ``data`` against ``shapes`` (no inference; warnings allowed).

    Args:
        engine: see :func:`shacl_engine`; both give the same results (tests/test_shapes.py
            checks every shape's examples with both).

    Returns:
        (the report graph, its results).

    Raises:
        ShapeError: the engine could not run (e.g. a malformed shape).
    """
    if shacl_engine(engine) == "turbo":
        import pyshacl_turbo as pyshacl
    else:
        import pyshacl

    try:
        _conforms, report, _text = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True,
            abort_on_first=False, meta_shacl=False, js=False, debug=False)
    except Exception as exc:  # the engines report malformed shapes with several types
        raise ShapeError(f"SHACL validation could not run: {exc}") from exc
    return report, [res for _node, res in result_nodes(report, shapes)]


def result_nodes(report: Graph, shapes: Graph) -> list[tuple[object, Result]]:
    """Each ``sh:ValidationResult`` node of a pySHACL report with its :class:`Result`."""
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        sev = report.value(r, SH.resultSeverity)
        out.append((r, Result(
            severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
            focus=report.value(r, SH.focusNode), path=report.value(r, SH.resultPath),
            value=report.value(r, SH.value),
            message=str(report.value(r, SH.resultMessage) or ""),
            source=_shape_name(shapes, report.value(r, SH.sourceShape)))))
    return out


def _shape_name(shapes: Graph, shape) -> str:
    """The IRI of a shape, or for a blank property shape ``{node shape IRI}/{path}``."""
    if not isinstance(shape, BNode):
        return str(shape)
    owner = next(iter(shapes.subjects(SH.property, shape)), None)
    path = shapes.value(shape, SH.path)
    name = str(owner) if owner is not None and not isinstance(owner, BNode) else "shape"
    return f"{name}/{_short(path)}" if isinstance(path, URIRef) else name


def dataset_store(ds):
    """The named graphs of ``ds`` in an in-memory pyoxigraph store (for the violation queries)."""
    import pyoxigraph as ox

    from spacekg.reason import _ox

    store = ox.Store()
    quads = []
    terms: dict = {}  # each recurring term converted once

    def conv(t):
        # literals keyed by their exact form (rdflib's equality ignores language-tag case)
        key = (str(t), t.language, t.datatype) if isinstance(t, Literal) else t
        x = terms.get(key)
        if x is None:
            x = terms[key] = _ox(t)
        return x

    for graph in ds.graphs():
        if isinstance(graph.identifier, BNode) or not len(graph):
            continue
        gid = ox.NamedNode(str(graph.identifier))
        quads.extend(ox.Quad(conv(s), conv(p), conv(o), gid) for s, p, o in graph)
    store.bulk_extend(quads)
    return store


def _rd(term):
    from spacekg.reason import _rd as conv

    return None if term is None else conv(term)


def run_queries(store, queries: list[ViolationQuery]) -> list[Result]:
    """Run each violation query on a pyoxigraph ``store`` (default graph = union).

    Raises:
        ShapeError: a query does not run (file named).
    """
    out = []
    for q in queries:
        try:
            rows = store.query(q.text, use_default_graph_as_union=True)
            variables = [v.value for v in rows.variables]
        except (SyntaxError, ValueError, OSError) as exc:
            raise ShapeError(f"violation query failed: {exc}", path=str(q.path)) from exc
        for row in rows:
            focus = _rd(row[variables[0]])
            path = _rd(row["path"]) if "path" in variables else None
            value = _rd(row["value"]) if "value" in variables else None
            msg = q.message
            if "message" in variables and row["message"] is not None:
                msg = f"{q.message}: {row['message'].value}"
            out.append(Result(q.severity, focus, path, value, msg, f"query-{q.id}"))
    return out


def add_query_results(report: Graph, results: list[Result], iris: IRIs) -> None:
    """Add the query results to the ``sh:ValidationReport`` graph and set ``sh:conforms``."""
    skx = shapes_ns(iris)
    rep = next(iter(report.subjects(RDF.type, SH.ValidationReport)), None)
    if rep is None:
        rep = BNode()
        report.add((rep, RDF.type, SH.ValidationReport))
    for r in results:
        node = BNode()
        report.add((rep, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, r.focus))
        report.add((node, SH.resultSeverity, SEVERITIES[r.severity]))
        report.add((node, SH.resultMessage, Literal(r.message)))
        report.add((node, SH.sourceShape, skx[r.source]))
        report.add((node, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        if r.path is not None:
            report.add((node, SH.resultPath, r.path))
        if r.value is not None:
            report.add((node, SH.value, r.value))


#: triples per partition of the SHACL data graph (evidence and statement nodes)
CHUNK_TRIPLES = 150_000
#: above this size the violation queries run on an on-disk store (RocksDB) instead of in memory
ON_DISK_BYTES = 150 * 2**20


def _owner(iris: IRIs):
    """The partition of a subject or focus node (N-Triples text or rdflib term): ``evidence``
    (an annotation and its target, selectors and headings: one document's), ``statement``
    (a statement node, shared by the documents stating it) or ``core`` (everything else)."""
    ev, st = str(iris.evidence), str(iris.statement)

    def owner(term) -> str:
        text = term[1:] if isinstance(term, str) and term.startswith("<") else str(term)
        if text.startswith(ev):
            return "evidence"
        if text.startswith(st):
            return "statement"
        return "core"
    return owner


def shape_terms(shapes: Graph) -> frozenset[str]:
    """The IRIs a shapes graph names (paths, targets, classes, parameters), as N-Triples terms."""
    return frozenset(f"<{t}>" for triple in shapes for t in triple if isinstance(t, URIRef)) | {
        f"<{RDF.type}>", f"<{RDFS.subClassOf}>"}


def partitions(nq: Path, iris: IRIs, workdir: Path, chunk: int = CHUNK_TRIPLES,
               predicates: frozenset[str] | None = None):
    """Split the SHACL data of a sorted N-Quads file (every graph but ``mentions``) by subject.

    Returns:
        (core lines: N-Triples lines of every subject that is neither an evidence annotation
        part nor a statement node; list of files of N-Triples lines of statement nodes, chunks
        of about ``chunk`` triples, each node's triples in one chunk; list of (document id,
        file of N-Triples lines) of the evidence annotations of each document). The file
        being sorted, the quads of a subject, and of a document's annotations, are
        contiguous. With ``predicates`` (:func:`shape_terms`), the evidence and statement
        partitions keep only the triples whose predicate is one of them (no shape can look at
        the others: the shapes are not ``sh:closed``, and their SPARQL constraints are about
        core nodes).
    """
    from spacekg.nquads import subject_of, triple_of, write_lines

    owner = _owner(iris)
    skip = f" <{iris.graph['mentions']}> ."
    ev_start = len(str(iris.evidence)) + 1
    core: list[str] = []
    statements: list[Path] = []
    documents: list[tuple[str, Path]] = []
    buf: list[str] = []
    group = None  # "statement" or ("evidence", doc)
    last_subject = None

    def flush():
        nonlocal buf
        if buf:
            path = workdir / f"shacl-{len(statements) + len(documents):06d}.nt"
            write_lines(path, buf)
            if group == "statement":
                statements.append(path)
            else:
                documents.append((group[1], path))
            buf = []

    with open(nq, encoding="utf-8", newline="\n") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.endswith(skip):
                continue
            subject = subject_of(line)
            k = owner(subject)
            if k == "core":
                core.append(triple_of(line))
                continue
            if subject != last_subject:
                g = "statement" if k == "statement" else ("evidence", subject[ev_start:subject.index("/", ev_start)])
                if g != group or (g == "statement" and len(buf) >= chunk):
                    flush()
                    group = g
            last_subject = subject
            if predicates is not None and line[len(subject) + 1:line.index(" ", len(subject) + 1)] not in predicates:
                continue
            buf.append(triple_of(line))
    flush()
    return core, statements, documents


def run_shapes_partitioned(nq: Path, shapes: Graph, iris: IRIs, workdir: Path, *,
                           engine: str | None = None, extensions: str = "",
                           chunk: int = CHUNK_TRIPLES, progress=None, cache: Path | None = None,
                           shapes_digest: str = "") -> tuple[Graph, list[Result], int]:
    """SHACL over a graph too large to validate at once, partition by partition.

    The data graph (the union of every graph but ``mentions``, plus ``extensions``) is split
    by subject (:func:`partitions`): the *core* partition is validated whole; each chunk of
    statement nodes, and the evidence annotations of a chunk of documents, are validated with,
    as context, the class hierarchy (``rdfs:subClassOf``) and the ``rdf:type`` triples of the
    core nodes they point to (what ``sh:class`` looks at: the type of a target's source
    document, of a statement's interval). Each partition keeps the results whose focus node it
    owns, so every focus node is judged once, on every triple about it. Valid because no shape
    follows a path out of an annotation or statement node beyond those types (the annotation's
    parts share its IRI; tests/test_shapes.py checks the result equals validating the whole
    graph at once).

    Incremental: with ``cache`` (a folder), the results of each document's annotations are
    stored under the SHA-256 of ``shapes_digest`` (say, of the shape files), the document's
    lines and their context lines; a document whose key is stored is not validated again (a
    cached result's ``sh:sourceShape``, when a blank node, names the shape of the run that
    stored it). The core and the statement nodes, which every document adds to, are always
    validated.

    Returns:
        (report graph, results, number of data triples in the partitions validated).
    """
    import hashlib
    import pickle

    say = progress or (lambda msg: None)
    owner = _owner(iris)
    ev_start = len(str(iris.evidence))
    closed = any(True for _ in shapes.triples((None, SH.closed, Literal(True))))
    core_lines, statements, documents = partitions(nq, iris, workdir, chunk,
                                                   None if closed else shape_terms(shapes))
    type_p = f" <{RDF.type}> "
    type_lines: dict[str, list[str]] = {}
    for line in core_lines:
        if type_p in line:
            type_lines.setdefault(line[:line.index(" ")], []).append(line)
    sub_p = f" <{RDFS.subClassOf}> "
    context_digest = hashlib.sha256("\n".join(sorted(x for x in core_lines if sub_p in x)).encode()).hexdigest()
    core = load_ntriples(("\n".join(core_lines) + "\n") if core_lines else "")
    del core_lines
    if extensions:
        core.parse(data=extensions, format="turtle")
    types: dict = {}  # core node → its rdf:type triples
    for t in core.triples((None, RDF.type, None)):
        types.setdefault(t[0], []).append(t)
    hierarchy = list(core.triples((None, RDFS.subClassOf, None)))
    report = Graph()
    rep = BNode()
    report.add((rep, RDF.type, SH.ValidationReport))
    results: list[Result] = []
    seen: set = set()
    total = len(core)

    def keep(items, kind):
        for res, triples in items:
            if not isinstance(res.focus, Literal) and owner(res.focus) != kind:
                continue
            key = (res.severity, res.source, _key(res.focus), _key(res.path), _key(res.value), res.message)
            if key in seen:
                continue
            seen.add(key)
            results.append(res)
            report.add((rep, SH.result, triples[0][0]))
            for t in triples:
                report.add(t)

    def run(data):
        part_report, _ = run_shapes(data, shapes, engine)
        return [(res, _cbd(part_report, node)) for node, res in result_nodes(part_report, shapes)]

    def with_context(data):
        # the types of the nodes the partition points to, except the terms a statement node
        # reifies (no shape constrains their class there; their own shapes run in the core)
        pointed = {o for _, p, o in data if p not in (RDF.subject, RDF.object)}
        for o in pointed:
            for t in types.get(o, ()):
                data.add(t)
        for t in hierarchy:
            data.add(t)
        return data

    keep(run(core), "core")
    del core
    for i, path in enumerate(statements, 1):
        data = load_ntriples(path)
        total += len(data)
        items = run(with_context(data))
        keep(items, "statement")
        del data
        path.unlink(missing_ok=True)
        say(f"SHACL statement nodes {i}/{len(statements)}: {len(items)} results")

    # evidence annotations, document by document: from the cache, or validated in chunks
    pending: list[tuple[str, str | None, Path]] = []
    reused = 0
    for doc, path in documents:
        key = None
        if cache is not None:
            text = path.read_text(encoding="utf-8")
            pointed = {ln[:-2].split(" ", 2)[2] for ln in text.splitlines()}  # "s p o ." → o
            ctx = sorted(x for o in pointed for x in type_lines.get(o, ()))
            key = hashlib.sha256("\0".join([FORMAT, shapes_digest, context_digest, doc, text, *ctx]).encode()).hexdigest()
            stored = Path(cache) / key[:2] / f"{key}.pickle"
            if stored.is_file():
                try:
                    keep(pickle.loads(stored.read_bytes()), "evidence")
                    reused += 1
                    path.unlink(missing_ok=True)
                    continue
                except Exception:  # noqa: BLE001 - an unreadable entry is validated again
                    pass
        pending.append((doc, key, path))
    batches, batch, size = [], [], 0
    for item in pending:
        n = sum(1 for _ in open(item[2], encoding="utf-8"))
        if batch and size + n > chunk:
            batches.append(batch)
            batch, size = [], 0
        batch.append(item)
        size += n
    if batch:
        batches.append(batch)
    for i, batch in enumerate(batches, 1):
        data = load_ntriples("".join(path.read_text(encoding="utf-8") for *_, path in batch))
        total += len(data)
        items = run(with_context(data))
        keep(items, "evidence")
        if cache is not None:
            by_doc: dict[str, list] = {doc: [] for doc, _, _ in batch}
            for res, triples in items:
                f = str(res.focus)
                if not isinstance(res.focus, Literal) and f.startswith(str(iris.evidence)):
                    d = f[ev_start:f.find("/", ev_start)]
                    if d in by_doc:
                        by_doc[d].append((res, triples))
            for doc, key, _path in batch:
                _store(Path(cache) / key[:2] / f"{key}.pickle", pickle.dumps(by_doc[doc]))
        for *_, path in batch:
            path.unlink(missing_ok=True)
        del data
        say(f"SHACL evidence {i}/{len(batches)} ({len(batch)} documents): {len(items)} results")
    say(f"SHACL evidence: {reused} documents' results reused, {len(pending)} validated")
    return report, results, total


#: bump to invalidate the stored SHACL results of documents
FORMAT = "1"


def _store(path: Path, data: bytes) -> None:
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _cbd(src: Graph, node) -> list:
    """``node``'s triples and, recursively, those of the blank nodes it points to (the
    node's own triples first)."""
    out, todo, done = [], [node], set()
    while todo:
        n = todo.pop(0)
        if n in done:
            continue
        done.add(n)
        for t in src.triples((n, None, None)):
            out.append(t)
            if isinstance(t[2], BNode):
                todo.append(t[2])
    return out


def load_ntriples(source: str | Path) -> Graph:
    """An rdflib Graph of N-Triples (``source``: text, or a file path), parsed by pyoxigraph
    (about twice as fast as rdflib's parser; blank node labels are kept)."""
    import pyoxigraph as ox

    from spacekg.reason import _rd

    terms: dict = {}

    def conv(x):
        y = terms.get(x)
        if y is None:
            y = terms[x] = _rd(x)
        return y

    fmt = ox.RdfFormat.N_TRIPLES
    triples = ox.parse(path=str(source), format=fmt) if isinstance(source, Path) else ox.parse(source, format=fmt)
    g = Graph()
    g.addN((conv(t.subject), conv(t.predicate), conv(t.object), g) for t in triples)
    return g


def _key(term):
    return None if term is None else (type(term).__name__, str(term), getattr(term, "language", None),
                                      str(getattr(term, "datatype", None)))


def query_store(nq: Path, workdir: Path):
    """A pyoxigraph store holding the N-Quads file ``nq`` for the violation queries: in memory
    when the file is under :data:`ON_DISK_BYTES`, else on disk in ``workdir`` (bulk loader)."""
    import pyoxigraph as ox

    if Path(nq).stat().st_size < ON_DISK_BYTES:
        store = ox.Store()
    else:
        store = ox.Store(str(Path(workdir) / "store"))
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    return store


def validate_dataset(ds, iris: IRIs, shapes_dir: Path | None = None, *, progress=None,
                     consistency: bool = False) -> Report:
    """Validate a built graph: SHACL shapes, violation queries, and optionally the OWL 2 DL
    consistency check (HermiT; skipped with a message when Java is missing).

    Every step streams from one sorted N-Quads file, so memory follows the largest partition,
    not the graph: SHACL by partitions (:func:`run_shapes_partitioned`), the queries on a
    pyoxigraph store bulk-loaded from the file (:func:`query_store`), HermiT on the core graphs.

    Args:
        ds: a :class:`spacekg.build.BuildResult` (its merged N-Quads file and core graphs) or an
            rdflib Dataset with the named graphs of docs/DESIGN.md.
        iris: namespaces.
        shapes_dir: folder of the shapes (default ``shapes/``), queries in its ``violations/``.
        progress: optional callable for progress lines.
        consistency: also run :func:`spacekg.consistency.check`; an inconsistency or an
            unsatisfiable class makes the graph non-conforming.

    Raises:
        ShapeError: shapes or queries could not be loaded or run.
    """
    import hashlib
    import shutil
    import tempfile

    from spacekg.nquads import dataset_lines, write_lines

    say = progress or (lambda msg: None)
    folder = Path(shapes_dir) if shapes_dir else SHAPES_DIR
    timings = {}
    work = Path(tempfile.mkdtemp(prefix="spacekg-validate-"))
    try:
        t = time.perf_counter()
        cache = None
        if hasattr(ds, "nquads"):
            nq, _counts = ds.nquads()
            core = ds.core
            store = getattr(ds, "part_store", None)
            if store is not None and getattr(store, "persistent", False):
                cache = Path(store.dir).parent / "shacl"  # beside the build's cache
        else:
            nq, core = work / "data.nq", ds
            write_lines(nq, sorted(dataset_lines(ds)))
        shapes = load_shapes(folder, iris)
        ext = ROOT / "ontology" / "extensions.ttl"
        extensions = _rebased(ext.read_text(encoding="utf-8"), iris) if ext.exists() else ""
        from spacekg.cache import code_version

        digest = hashlib.sha256(f"{iris.base}\0{code_version()}\0".encode())
        for f in sorted(Path(folder).glob("*.ttl")):
            digest.update(f.read_bytes())
        digest.update(extensions.encode())
        report, results, n = run_shapes_partitioned(nq, shapes, iris, work, extensions=extensions,
                                                    progress=say, cache=cache,
                                                    shapes_digest=digest.hexdigest())
        timings["shapes"] = time.perf_counter() - t
        say(f"SHACL: {n} triples, {len(results)} results in {timings['shapes']:.1f} s")
        t = time.perf_counter()
        qresults = run_queries(query_store(nq, work), load_queries(folder / "violations", iris))
        timings["queries"] = time.perf_counter() - t
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(f"violation queries: {len(qresults)} rows in {timings['queries']:.1f} s")
    add_query_results(report, qresults, iris)
    allr = sorted(results + qresults, key=_order)
    conforms = not any(r.severity == "Violation" for r in allr)
    dl = None
    if consistency:
        from spacekg import consistency as dl_check

        t = time.perf_counter()
        dl = dl_check.check(core, iris)
        timings["consistency"] = time.perf_counter() - t
        say(dl.summary())
        if dl.consistent is False or dl.unsatisfiable:
            conforms = False
    rep = next(iter(report.subjects(RDF.type, SH.ValidationReport)))
    report.set((rep, SH.conforms, Literal(conforms)))
    report.bind("sh", SH)
    return Report(conforms, allr, report, timings, dl)


def _order(r: Result):
    return ({"Violation": 0, "Warning": 1}.get(r.severity, 2), r.source, str(r.focus), str(r.path), str(r.value))


# --------------------------------------------------------------------------------------------
# the readable report
# --------------------------------------------------------------------------------------------


def _label(ds_union, node) -> str:
    if node is None:
        return ""
    if isinstance(node, Literal):
        s = str(node)
        return repr(s if len(s) <= 60 else s[:57] + "…")
    labels = {lab.language: str(lab) for lab in ds_union.objects(node, RDFS.label) if isinstance(lab, Literal)}
    name = labels.get("en") or labels.get("ja") or next(iter(labels.values()), None)
    short = _short(node)
    return f"{name} <{short}>" if name else f"<{short}>"


def _short(node) -> str:
    s = str(node)
    for prefix, ns in (("skx:", "shapes#"), ("sk:", "ontology#"), ("skr:", "resource/"), ("doc:", "document/"),
                       ("stmt:", "statement/"), ("ev:", "evidence/")):
        i = s.find("/spacekg/" + ns)
        if i >= 0:
            return prefix + s[i + len("/spacekg/" + ns):]
    for ns, prefix in ((str(RDFS), "rdfs:"), (str(SKOS), "skos:"), (str(RDF), "rdf:"), (str(XSD), "xsd:"),
                       ("http://purl.org/dc/terms/", "dcterms:"), (str(OA), "oa:"), (str(PROV), "prov:")):
        if s.startswith(ns):
            return prefix + s[len(ns):]
    return s


def evidence_passage(ds_union, iris: IRIs, focus, path, value) -> str | None:
    """The quote and document of the first evidence of ``focus path value``, if stated."""
    if focus is None or path is None or value is None or not isinstance(path, URIRef):
        return None
    from spacekg.evidence import statement_iri

    st = statement_iri(iris, focus, path, value)
    for ev in ds_union.objects(st, PROV.wasDerivedFrom):
        target = ds_union.value(ev, OA.hasTarget)
        if target is None:
            continue
        doc = ds_union.value(target, OA.hasSource)
        for sel in ds_union.objects(target, OA.hasSelector):
            exact = ds_union.value(sel, OA.exact)
            if exact is not None:
                return f"«{' '.join(str(exact).split())}» ({_short(doc)})"
    return None


def readable(report: Report, ds, iris: IRIs, limit: int = 200) -> str:
    """The report as text: a summary line, then one block per result (label, path, message,
    evidence passage), violations first; at most ``limit`` results."""
    from rdflib import ConjunctiveGraph

    union = ConjunctiveGraph(store=ds.store)
    counts = Counter(r.severity for r in report.results)
    head = (f"{'conforms' if report.conforms else 'DOES NOT CONFORM'}: "
            f"{counts.get('Violation', 0)} violation(s), {counts.get('Warning', 0)} warning(s)")
    by_source = Counter((r.severity, _short(r.source) if r.source.startswith("http") else r.source)
                        for r in report.results)
    lines = [head]
    if report.consistency is not None:
        lines.append("OWL 2 DL: " + report.consistency.summary())
    if by_source:
        lines.append("by shape or query:")
        lines += [f"  {n:>4} {sev:<9} {src}" for (sev, src), n in sorted(by_source.items())]
    for r in report.results[:limit]:
        lines.append("")
        lines.append(f"[{r.severity}] {_label(union, r.focus)}")
        if r.path is not None:
            lines.append(f"    path:    {_short(r.path)}")
        if r.value is not None and r.value != r.focus:
            lines.append(f"    value:   {_label(union, r.value)}")
        lines.append(f"    message: {r.message}")
        lines.append(f"    shape:   {_short(r.source) if r.source.startswith('http') else r.source}")
        passage = evidence_passage(union, iris, r.focus, r.path, r.value)
        if passage:
            lines.append(f"    passage: {passage}")
    if len(report.results) > limit:
        lines.append(f"\n… {len(report.results) - limit} more (see the Turtle report)")
    return "\n".join(lines)


def gate(result, progress=None) -> Report:
    """The build's quality gate: validate ``result.dataset`` (shapes, queries, OWL 2 DL
    consistency); print a summary; refuse violations.

    Args:
        result: :class:`spacekg.build.BuildResult`.
        progress: optional callable for progress lines (the summary goes there too).

    Raises:
        ValidationFailed: the graph has at least one violation.
        ShapeError: validation could not run.
    """
    say = progress or print
    iris = result.pipeline.iris
    report = validate_dataset(result, iris, progress=say, consistency=True)
    result.timings["validate"] = sum(report.timings.values())
    if not report.conforms:
        # the whole graph for the passages of a small build; labels only for a large one
        say(readable(report, result.dataset if len(result.parts) <= 50 else result.core, iris, limit=50))
        raise ValidationFailed(f"the graph has {len(report.violations)} SHACL/query violation(s)"
                               + ("" if report.consistency is None or report.consistency.consistent is not False
                                  else " and is inconsistent (OWL 2 DL)")
                               + "; run `spacekg validate` for the full report")
    say(f"validation: conforms ({len(report.warnings)} warning(s)) in {result.timings['validate']:.1f} s")
    if report.warnings:
        say(warning_summary(report.warnings))
    return report


def warning_summary(warnings: list[Result], limit: int = 8) -> str:
    """Where the warnings are: one line per message (count and the first focus nodes), most
    frequent first, and how to see them all (``spacekg validate``)."""
    by_msg: dict[str, list] = {}
    for w in warnings:
        by_msg.setdefault(w.message.strip().splitlines()[0] if w.message else w.source, []).append(w.focus)
    lines = []
    for msg, foci in sorted(by_msg.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:limit]:
        names = sorted({str(f).rstrip("/").rsplit("/", 1)[-1] for f in foci})
        more = f" …(+{len(names) - 3})" if len(names) > 3 else ""
        lines.append(f"  {len(foci)} × {msg[:120]} — {', '.join(names[:3])}{more}")
    if len(by_msg) > limit:
        lines.append(f"  … and {len(by_msg) - limit} more kinds")
    lines.append("  (all of them with their passages: `spacekg validate`)")
    return "warnings:\n" + "\n".join(lines)
