"""The build on the real corpus: expected entities and facts, evidence, determinism, errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rdflib import RDF, Literal, URIRef

from spacekg.build import Paths, build_dataset
from spacekg.config import OA, PROV, IRIs
from spacekg.errors import CurationError, SourceError
from spacekg.normalise import find_quote
from spacekg.publish import publish
from spacekg.sources import load_sources

EXPECTED = sorted((Path(__file__).parent / "expected").glob("*.yaml"))


def load_expected():
    entities, facts = [], []
    for path in EXPECTED:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        entities += [(path.stem, data["doc"], e) for e in data.get("entities", [])]
        facts += [(path.stem, data["doc"], f) for f in data.get("facts", [])]
    return entities, facts


ENTITIES, FACTS = load_expected()


def test_expected_lists_are_large_enough():
    """The hand-checked lists hold at least 150 entities and 250 facts, each fact with a quote."""
    assert len({e["id"] for _, _, e in ENTITIES}) >= 150
    assert len(FACTS) >= 250
    assert all(f.get("quote") for _, _, f in FACTS)


@pytest.mark.parametrize("item", ENTITIES, ids=[f"{n}:{e['id']}" for n, _, e in ENTITIES])
def test_expected_entity(built, iris, item):
    _, _, e = item
    graph = built.dataset.graph(iris.graph["entities"])
    node = iris.res[e["id"]]
    assert (node, None, None) in graph, f"entity {e['id']} missing"
    if e.get("class"):
        assert (node, RDF.type, iris.sk[e["class"]]) in graph, f"{e['id']} is not a sk:{e['class']}"


@pytest.mark.parametrize("item", FACTS, ids=[f"{n}:{f['s']} {f['p']}" for n, _, f in FACTS])
def test_expected_fact(built, pipeline, sources, item):
    """The fact is stated, and one of its evidence quotes is the expected passage's text."""
    _, doc, f = item
    r = pipeline.resolver
    s, p, o = r.node(f["s"]), r.predicate(f["p"]), r.node(f["o"])
    if isinstance(o, Literal) and o.datatype is not None:
        o = Literal(str(o), datatype=o.datatype)
    stated = built.dataset.graph(pipeline.iris.graph["stated"])
    assert (s, p, o) in stated, f"not stated: {f['s']} {f['p']} {f['o']}"
    assert find_quote(sources[doc].text, f["quote"]) is not None, f"quote not in {doc}: {f['quote']}"


def test_every_evidence_quote_equals_the_source(built, iris, sources):
    """oa:exact == original text[start:end] for every evidence and mention annotation."""
    texts = {str(iris.doc[d]): s.text for d, s in sources.items()}
    checked = 0
    for name in ("evidence", "mentions"):
        g = built.dataset.graph(iris.graph[name])
        for target in g.subjects(RDF.type, OA.SpecificResource):
            doc = str(g.value(target, OA.hasSource))
            start = end = exact = None
            for sel in g.objects(target, OA.hasSelector):
                if (sel, RDF.type, OA.TextPositionSelector) in g:
                    start, end = int(g.value(sel, OA.start)), int(g.value(sel, OA.end))
                else:
                    exact = str(g.value(sel, OA.exact))
            assert 0 <= start < end <= len(texts[doc])
            assert texts[doc][start:end] == exact
            checked += 1
    assert checked > 1000


def test_every_stated_triple_has_evidence(built, iris):
    stated = built.dataset.graph(iris.graph["stated"])
    evidence = built.dataset.graph(iris.graph["evidence"])
    supported = {(evidence.value(st, RDF.subject), evidence.value(st, RDF.predicate),
                  evidence.value(st, RDF.object))
                 for st in evidence.subjects(RDF.type, RDF.Statement)
                 if evidence.value(st, PROV.wasDerivedFrom) is not None}
    missing = [t for t in stated if t not in supported]
    assert not missing, missing[:5]


def test_documents_have_metadata(built, iris):
    from rdflib import DCTERMS

    g = built.dataset.graph(iris.graph["documents"])
    docs = list(g.subjects(RDF.type, iris.sk.Document))
    assert len(docs) == 5
    for d in docs:
        assert g.value(d, DCTERMS.title) is not None
        assert g.value(d, DCTERMS.publisher) is not None
        # a date, or the reason there is none
        assert g.value(d, DCTERMS.date) is not None or g.value(d, iris.sk.dateQualifier) is not None
    undated = iris.doc["mext-iss-results-and-post-iss-national-use"]
    assert g.value(undated, DCTERMS.date) is None
    assert str(g.value(undated, iris.sk.dateQualifier)) == "unknown"


def test_build_is_deterministic(built_dir, tmp_path):
    """Same inputs give byte-identical output files."""
    again = tmp_path / "again"
    publish(build_dataset(iris=IRIs()), again)
    for name in ("spacekg.nq", "spacekg.trig", "spacekg.ttl", "spacekg.jsonld", "report.json"):
        assert (built_dir / name).read_bytes() == (again / name).read_bytes(), name


def test_outputs_parse(built_dir):
    import pyoxigraph as ox

    n = len(list(ox.parse(path=str(built_dir / "spacekg.nq"), format=ox.RdfFormat.N_QUADS)))
    assert n == len(list(ox.parse(path=str(built_dir / "spacekg.trig"), format=ox.RdfFormat.TRIG)))
    assert n == len(list(ox.parse(path=str(built_dir / "spacekg.jsonld"), format=ox.RdfFormat.JSON_LD)))
    assert len(list(ox.parse(path=str(built_dir / "spacekg.ttl"), format=ox.RdfFormat.TURTLE))) > 0.5 * n


def copy_inputs(tmp_path: Path) -> Paths:
    root = tmp_path / "repo"
    for sub in ("ontology", "data", "shapes"):
        if (Paths().root / sub).exists():
            shutil.copytree(Paths().root / sub, root / sub)
    return Paths(root)


def test_changed_source_is_refused(tmp_path):
    paths = copy_inputs(tmp_path)
    f = paths.sources / "mext-iss-extension-verification.txt"
    f.write_text(f.read_text(encoding="utf-8") + "x", encoding="utf-8")
    with pytest.raises(SourceError, match="SHA-256 changed"):
        load_sources(paths.sources)


def test_missing_quote_names_file_and_line(tmp_path):
    paths = copy_inputs(tmp_path)
    bad = paths.curated / "zz-bad.yaml"
    bad.write_text("- id: C-BAD-1\n  doc: mext-iss-extension-verification\n"
                   "  quote: この文はどこにもない\n  triples:\n    - [jaxa, operates, kibo]\n",
                   encoding="utf-8")
    with pytest.raises(CurationError) as exc:
        build_dataset(paths, IRIs(), reason=False)
    assert "zz-bad.yaml:1" in str(exc.value) and "quote not found" in str(exc.value)


def test_failed_build_keeps_previous_output(tmp_path):
    """The CLI exits 2 with the file and line at fault, and the last good output stays."""
    paths = copy_inputs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "spacekg.nq").write_text("previous\n", encoding="utf-8")
    (paths.lexicon / "zz-broken.yaml").write_text("- id: Bad Id\n  class: Country\n  ja: x\n  en: y\n",
                                                  encoding="utf-8")
    env = {"SPACEKG_ROOT": str(paths.root), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "spacekg", "build", "--out", str(out), "--quiet"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert "zz-broken.yaml:1" in proc.stderr
    assert (out / "spacekg.nq").read_text(encoding="utf-8") == "previous\n"


def test_ingest_json_on_a_new_document(tmp_path):
    doc = tmp_path / "new.txt"
    doc.write_text("JAXAは2029年度打上げ予定の長周期彗星探査計画(Comet Interceptor)に参画する。"
                   "新たにXYZ-9ミッション(XYZM)と「ルナゲート構想」を検討。\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "spacekg", "ingest", str(doc), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    import json

    data = json.loads(proc.stdout)
    text = doc.read_text(encoding="utf-8")
    assert {m["entity"] for m in data["mentions"]} >= {"jaxa", "comet-interceptor"}
    for m in data["mentions"]:
        assert text[m["span"][0]:m["span"][1]].replace(" ", "") != ""
    assert any(v["lexical"] == "2029" for v in data["values"])
    # names the lexicon lacks: new entities found by rules (extract/entities.py), else candidates
    names = {c["text"] for c in data["candidates"]} | {e["label"] for e in data["entities"]}
    names |= {a for e in data["entities"] for a in e["aliases"]}
    assert "ルナゲート構想" in names and "XYZM" in " ".join(names)


def test_corpus_equals_shared_copy():
    shared = Paths().root.parent / "shared" / "corpus"
    if not shared.exists():
        pytest.skip("../shared/corpus not beside the repository")
    for f in shared.glob("*.txt"):
        assert (Paths().sources / f.name).read_bytes() == f.read_bytes()


def test_less_precise_dates_are_pruned(built, iris):
    """The 2018 summary dates isef2 2018-03-03 (curated) and 2018-03 (R-EVENT-DATE): only the
    precise date is stated. Apophis' approach: the JAXA talk gives the dateTime, the 2026
    follow-up only the year, and both stay."""
    stated = built.dataset.graph(iris.graph["stated"])
    dates = {str(o) for o in stated.objects(iris.res["isef2"], iris.sk.date)}
    assert dates == {"2018-03-03"}
    approach = {str(o) for o in stated.objects(iris.res["apophis"], iris.sk.closestApproachDate)}
    assert "2029" in approach and any(a.startswith("2029-04-13") for a in approach)


def test_every_technology_has_a_technology_area(built, iris):
    """Each sk:Technology of the lexicon is filed under a concept of sk:TechnologyAreaScheme."""
    from rdflib import SKOS

    entities = built.dataset.graph(iris.graph["entities"])
    ontology = built.dataset.graph(iris.graph["ontology"])
    techs = set(entities.subjects(RDF.type, iris.sk.Technology))
    assert len(techs) > 50
    missing = sorted(str(t) for t in techs if entities.value(t, iris.sk.technologyArea) is None)
    assert not missing, missing
    for area in entities.objects(None, iris.sk.technologyArea):
        assert (area, SKOS.inScheme, iris.sk.TechnologyAreaScheme) in ontology


def test_new_document_in_the_folder_is_built(tmp_path):
    """A text file dropped into data/sources without a sources.yaml entry becomes a document
    with its own mentions and evidence."""
    paths = copy_inputs(tmp_path)
    (paths.sources / "new-note.txt").write_text(
        "JAXAは小型月着陸実証機（ＳＬＩＭ）のピンポイント着陸（2024年1月）を実現した。\n", encoding="utf-8")
    result = build_dataset(paths, IRIs(), reason=False)
    iris = IRIs()
    docs = result.dataset.graph(iris.graph["documents"])
    assert (iris.doc["new-note"], RDF.type, iris.sk.Document) in docs
    stated = result.dataset.graph(iris.graph["stated"])
    assert (iris.res["slim"], iris.sk.landingDate, Literal("2024-01", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#gYearMonth"))) in stated
    mentions = result.dataset.graph(iris.graph["mentions"])
    assert any(str(m).startswith(str(iris.mention) + "new-note/") for m in mentions.subjects())
