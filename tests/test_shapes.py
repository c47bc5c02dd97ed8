"""SHACL shapes and violation queries.

* W3C SHACL test-suite format: ``tests/shacl/manifest.ttl`` includes one file per test; each
  holds its data (``sht:dataGraph <>``), the shapes file it is about (``sht:shapesGraph``) and
  the expected ``sh:ValidationReport``. Every shape has a conforming and a failing example.
  Each test validates its data plus the ontology against its shapes file (with
  ``shapes/common.ttl``, whose shared shapes the others use) and compares the results as
  (focus node, path, severity, source shape); a result of a blank property shape is attributed
  to the node shape that holds it.
* Mutation tests: the real graph, broken in one place, is reported by the right shape or query.
* The real graph conforms; ``spacekg validate`` exits 0 / 1 / 2.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef

from spacekg import validate
from spacekg.config import OA, ROOT

SH = validate.SH
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
HERE = Path(__file__).parent / "shacl"
MANIFEST = HERE / "manifest.ttl"


def manifest_files() -> list[Path]:
    g = Graph().parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    return sorted(Path(str(u).replace("file://", "")) for u in g.objects(None, MF.include))


@pytest.fixture(scope="module")
def shapes(iris):
    return validate.load_shapes(ROOT / "shapes", iris)


@pytest.fixture(scope="module")
def ontology_triples(pipeline):
    g = Graph()
    for t in pipeline.ontology.graph:
        g.add(t)
    g.parse(ROOT / "ontology" / "extensions.ttl", format="turtle")
    return g


def _path(g: Graph, path):
    if isinstance(path, BNode):
        inv = g.value(path, SH.inversePath)
        return ("^", inv) if inv is not None else ("?",)
    return path


def _owner(shapes: Graph, shape):
    if isinstance(shape, BNode):
        owner = next(iter(shapes.subjects(SH.property, shape)), None)
        return owner if owner is not None else shape
    return shape


def results_of(report: Graph, shapes: Graph) -> Counter:
    out = Counter()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out[(report.value(r, SH.focusNode), _path(report, report.value(r, SH.resultPath)),
             report.value(r, SH.resultSeverity), _owner(shapes, report.value(r, SH.sourceShape)))] += 1
    return out


def expected_of(g: Graph, entry) -> tuple[bool, Counter]:
    result = g.value(entry, MF.result)
    conforms = g.value(result, SH.conforms).toPython()
    out = Counter()
    for r in g.objects(result, SH.result):
        out[(g.value(r, SH.focusNode), _path(g, g.value(r, SH.resultPath)), g.value(r, SH.resultSeverity),
             g.value(r, SH.sourceShape))] += 1
    return conforms, out


@pytest.mark.parametrize("engine", validate.SHACL_ENGINES)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: p.stem)
def test_shacl_manifest_case(path, engine, ontology_triples):
    """Every shape's pass/fail examples give the expected results with each SHACL engine."""
    if engine == "turbo":
        pytest.importorskip("pyshacl_turbo", reason="pyshacl-turbo is not installed")
        import pyshacl_turbo as pyshacl
    else:
        import pyshacl

    g = Graph().parse(path, format="turtle", publicID=path.as_uri())
    entry = next(g.subjects(RDF.type, SHT.Validate))
    action = g.value(entry, MF.action)
    assert g.value(action, SHT.dataGraph) == URIRef(path.as_uri())
    shapes_file = Path(str(g.value(action, SHT.shapesGraph)).replace("file://", ""))
    assert shapes_file.exists(), shapes_file
    # the shapes file of the test, with the shared shapes it refers to (skx:DateValue …)
    shapes = Graph().parse(shapes_file, format="turtle")
    if shapes_file.name != "common.ttl":
        shapes.parse(ROOT / "shapes" / "common.ttl", format="turtle")
    data = g + ontology_triples
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
                                    advanced=True, meta_shacl=False)
    got = results_of(report, shapes)
    conforms, expected = expected_of(g, entry)
    assert conforms == (not got)
    assert got == expected, f"unexpected {got - expected}, missing {expected - got}"


def test_every_shape_and_class_has_examples(shapes, ontology_triples):
    """Each named node shape of the hand-written files (and each class of the ontology, through
    its shape) has a conforming and a failing example in the manifest."""
    files = manifest_files()
    covered = {p.stem.rsplit("-", 1)[0] for p in files}
    kinds = Counter(p.stem.rsplit("-", 1)[1] for p in files)
    assert kinds["pass"] == kinds["fail"]
    skx = str(validate.shapes_ns(validate.IRIs()))
    for name in ("common.ttl", "classes.ttl", "evidence.ttl"):
        g = Graph().parse(ROOT / "shapes" / name, format="turtle")
        for shape in set(g.subjects(RDF.type, SH.NodeShape)):
            if isinstance(shape, URIRef):
                local = str(shape)[len(skx):]
                if local in ("DateValue", "TechnologyAreaConcept", "prefixes"):
                    continue  # used through sh:node by shapes that have examples
                assert local in covered, f"no examples for skx:{local}"
    sk = validate.IRIs().sk
    targeted = set(shapes.objects(None, SH.targetClass))
    classes = {c for c in ontology_triples.subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class"))
               if isinstance(c, URIRef) and str(c).startswith(str(sk)) and c != sk.LinkCheck}
    assert classes - targeted == set(), "classes without a shape"


def test_generated_shapes_are_in_sync(pipeline, iris, tmp_path):
    """shapes/ontology-domains-ranges.ttl is what the ontology generates today."""
    from rdflib.compare import isomorphic

    out = validate.write_ontology_shapes(pipeline.ontology.graph, iris, tmp_path / "gen.ttl")
    fresh = Graph().parse(out, format="turtle")
    committed = Graph().parse(ROOT / "shapes" / validate.GENERATED, format="turtle")
    assert isomorphic(fresh, committed), "run `spacekg validate --write-ontology-shapes`"


# --- the real graph ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_report(built, iris):
    return validate.validate_dataset(built.dataset, iris)


def test_real_graph_conforms(real_report):
    assert real_report.conforms, "\n".join(f"{r.source} {r.focus} {r.path} {r.message}"
                                            for r in real_report.violations[:20])
    # the report is a standard sh:ValidationReport
    rep = next(real_report.graph.subjects(RDF.type, SH.ValidationReport))
    assert real_report.graph.value(rep, SH.conforms) == Literal(True)


def test_real_graph_timing(real_report):
    """Validation of the real graph stays fast enough for every build (< 45 s here)."""
    assert sum(real_report.timings.values()) < 45


@pytest.fixture()
def mutable(built, iris):
    """A copy of the real dataset to break (graphs copied, so the session build stays intact)."""
    ds = Dataset()
    for g in built.dataset.graphs():
        if isinstance(g.identifier, URIRef) and len(g):
            target = ds.graph(g.identifier)
            for t in g:
                target.add(t)
    return ds


def sources(report, focus=None):
    return {(r.source, r.severity) for r in report.results if focus is None or r.focus == focus}


def test_mutation_drop_a_label(mutable, iris):
    """Dropping JAXA's English label: a warning from skx:LabelEn; dropping all its labels: a
    violation (skx:LabelRequired) and the entity-without-label query."""
    jaxa = iris.res["jaxa"]
    ents = mutable.graph(iris.graph["entities"])
    ents.remove((jaxa, RDFS.label, Literal("Japan Aerospace Exploration Agency", lang="en")))
    report = validate.validate_dataset(mutable, iris)
    assert (str(validate.shapes_ns(iris).LabelEn), "Warning") in sources(report, jaxa)
    assert report.conforms
    ents.remove((jaxa, RDFS.label, None))
    report = validate.validate_dataset(mutable, iris)
    assert not report.conforms
    found = sources(report, jaxa)
    assert (str(validate.shapes_ns(iris).LabelRequired), "Violation") in found
    assert ("query-entity-without-label", "Violation") in found


def test_mutation_corrupt_a_date(mutable, iris):
    """An impossible meeting date (2025-06-31) is reported on sk:date of the meeting."""
    stated = mutable.graph(iris.graph["stated"])
    meeting = iris.res["meeting-69"]
    old = stated.value(meeting, iris.sk.date)
    stated.remove((meeting, iris.sk.date, old))
    stated.add((meeting, iris.sk.date, Literal("2025-06-31", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))))
    report = validate.validate_dataset(mutable, iris)
    assert not report.conforms
    hits = [r for r in report.violations if r.focus == meeting and r.path == iris.sk.date]
    assert hits and any("MeetingShape" in r.source or "EventShape" in r.source for r in hits)


def test_mutation_move_an_evidence_offset(mutable, iris):
    """Shifting an evidence passage by one character makes its quote disagree with the text;
    moving it past the end puts it outside the document: the span query reports both."""
    ev = mutable.graph(iris.graph["evidence"])
    # the passages' position selectors (heading selectors are checked by their own query)
    positions = sorted(p for p in ev.subjects(RDF.type, OA.TextPositionSelector)
                       if (None, OA.hasSelector, p) in ev)
    pos1, pos2 = positions[0], positions[1]
    for pos, shift in ((pos1, 1), (pos2, 10**7)):
        for prop in (OA.start, OA.end):
            v = ev.value(pos, prop)
            ev.remove((pos, prop, v))
            ev.add((pos, prop, Literal(int(v) + shift, datatype=v.datatype)))
    report = validate.validate_dataset(mutable, iris)
    assert not report.conforms
    span = [r for r in report.violations if r.source == "query-evidence-span-outside-document"]
    messages = " | ".join(r.message for r in span)
    assert len(span) == 2 and "quote differs" in messages and "outside" in messages


def test_mutation_stated_fact_without_evidence(mutable, iris):
    stated = mutable.graph(iris.graph["stated"])
    t = (iris.res["slim"], iris.sk.cooperatesWith, iris.res["nasa"])
    stated.add(t)
    report = validate.validate_dataset(mutable, iris)
    hits = [r for r in report.violations if r.source == "query-stated-fact-without-evidence"]
    assert [(r.focus, r.path, r.value) for r in hits] == [t]


def test_mutation_disjoint_types_and_shared_label(mutable, iris):
    ents = mutable.graph(iris.graph["entities"])
    ents.add((iris.res["slim"], RDF.type, iris.sk.Organization))
    ents.add((iris.res["nasa"], RDFS.label, Literal("Japan  Aerospace exploration agency", lang="en")))
    report = validate.validate_dataset(mutable, iris)
    assert ("query-disjoint-classes", "Violation") in sources(report, iris.res["slim"])
    shared = [r for r in report.violations if r.source == "query-shared-normalised-label"]
    assert {shared[0].focus, shared[0].value} == {iris.res["jaxa"], iris.res["nasa"]}


# --- the command -------------------------------------------------------------------------------


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "spacekg", *args], capture_output=True, text=True, timeout=600)


def test_validate_command_exit_codes(built_dir, tmp_path):
    """0 on the real build (report written), 1 when a label is dropped everywhere, 2 when the
    build is missing."""
    proc = run_cli("validate", "--build", str(built_dir), "--report", str(tmp_path / "r.ttl"), "--no-consistency")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "conforms" in proc.stdout
    rep = Graph().parse(tmp_path / "r.ttl", format="turtle")
    assert (None, SH.conforms, Literal(True)) in rep

    broken = tmp_path / "broken"
    shutil.copytree(built_dir, broken)
    lines = (broken / "spacekg.nq").read_text(encoding="utf-8").splitlines(keepends=True)
    jaxa_label = "<https://w3id.org/spacekg/resource/jaxa> <http://www.w3.org/2000/01/rdf-schema#label>"
    (broken / "spacekg.nq").write_text("".join(ln for ln in lines if not ln.startswith(jaxa_label)), encoding="utf-8")
    proc = run_cli("validate", "--build", str(broken), "--no-consistency")
    assert proc.returncode == 1
    assert "DOES NOT CONFORM" in proc.stdout and "skr:jaxa" in proc.stdout and "has no rdfs:label" in proc.stdout

    proc = run_cli("validate", "--build", str(tmp_path / "nothing"))
    assert proc.returncode == 2


def test_partitioned_validation_equals_whole_graph(mutable, iris, tmp_path):
    """SHACL by partitions (evidence annotations, statement nodes, the rest; small chunks here
    so each kind spans several) finds exactly what validating the whole graph at once finds,
    on a graph broken in each kind of node."""
    from spacekg.nquads import dataset_lines, write_lines

    ev = mutable.graph(iris.graph["evidence"])
    quote = next(s for s in ev.subjects(RDF.type, OA.TextQuoteSelector))
    ev.remove((quote, OA.exact, None))  # an annotation part without its quote
    st = next(s for s in ev.subjects(RDF.type, RDF.Statement))
    ev.add((st, RDF.subject, iris.res["jaxa"]))  # a statement node with two subjects
    target = next(ev.objects(None, OA.hasTarget))
    doc = ev.value(target, OA.hasSource)
    mutable.graph(iris.graph["documents"]).remove((doc, RDF.type, None))  # a source that is no document
    mutable.graph(iris.graph["entities"]).remove((iris.res["jaxa"], RDFS.label, None))

    shapes = validate.load_shapes(iris=iris)
    whole = {(r.severity, r.source, str(r.focus), str(r.path), str(r.value))
             for r in validate.run_shapes(validate.data_graph(mutable, iris), shapes)[1]}
    nq = tmp_path / "data.nq"
    write_lines(nq, sorted(dataset_lines(mutable)))
    ext = (ROOT / "ontology" / "extensions.ttl").read_text(encoding="utf-8")
    report, results, _n = validate.run_shapes_partitioned(nq, shapes, iris, tmp_path, extensions=ext, chunk=3000)
    parts = {(r.severity, r.source, str(r.focus), str(r.path), str(r.value)) for r in results}
    assert len(parts) == len(results)  # each focus node judged once
    assert parts == whole
    assert {str(quote), str(st), str(target), str(iris.res["jaxa"])} <= {x[2] for x in whole}
    assert len(set(report.subjects(RDF.type, SH.ValidationResult))) == len(results)
