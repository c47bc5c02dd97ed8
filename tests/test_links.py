"""Wikidata links (issue 6): every published link is checked, well formed and unique.

The links live in data/links/wikidata.yaml and are merged into the lexicon at load time; these
tests read the real build's ``graph/entities`` and the real links file.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rdflib import DCTERMS, RDF, RDFS, SKOS

from spacekg.config import ROOT
from spacekg.errors import LexiconError
from spacekg.lexicon import CHECK_METHODS, load_lexicon, load_links

LINKS = ROOT / "data" / "links" / "wikidata.yaml"
UNLINKED = ROOT / "data" / "links" / "unlinked.yaml"
WD_ENTITY_IRI = re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$")


@pytest.fixture(scope="module")
def entities(built, iris):
    return built.dataset.graph(iris.graph["entities"])


@pytest.fixture(scope="module")
def published(entities):
    """(entity, item) pairs of every skos:exactMatch to Wikidata in graph/entities."""
    return [(s, o) for s, o in entities.subject_objects(SKOS.exactMatch)
            if "wikidata.org" in str(o)]


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(ROOT / "data" / "lexicon")


def test_links_are_published(published):
    # the links file holds dozens of checked links; the build must publish them all
    assert len(published) == len(load_links(LINKS))


def test_every_published_link_carries_its_check(entities, published, iris):
    sk = iris.sk
    for ent, item in published:
        checks = list(entities.objects(ent, sk.linkCheck))
        assert len(checks) == 1, f"{ent} links {item} without exactly one check"
        c = checks[0]
        assert (c, RDF.type, sk.LinkCheck) in entities
        assert (c, sk.checkedLink, item) in entities
        method = entities.value(c, sk.checkMethod)
        assert str(method) in CHECK_METHODS, f"{ent}: unknown check method {method!r}"
        for prop in (DCTERMS.source, DCTERMS.date, RDFS.label):
            assert entities.value(c, prop), f"check of {ent} lacks {prop}"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(entities.value(c, DCTERMS.date)))


def test_every_link_iri_is_a_wikidata_entity_iri(published):
    bad = [(str(e), str(i)) for e, i in published if not WD_ENTITY_IRI.match(str(i))]
    assert not bad


def test_no_two_entities_link_to_the_same_item(published):
    dup = {str(i): n for i, n in Counter(i for _, i in published).items() if n > 1}
    assert not dup


def test_unchecked_lexicon_ids_are_not_published(lexicon, entities, iris):
    """An entry with ``wikidata`` but no check anywhere stays out of the graph."""
    unchecked = [e for e in lexicon.values() if e.wikidata and not e.wikidata_check]
    for e in unchecked:
        assert not list(entities.objects(iris.res[e.id], SKOS.exactMatch)), e.id


def test_check_label_agrees_with_an_entity_label(lexicon):
    """The label the record gives shares a word (or the Japanese label) with our entity.

    Guards against a row pasted under the wrong id: e.g. "Mars" under ``moon``.
    """
    def words(text):
        return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2} | {text}

    for link in load_links(LINKS).values():
        entry = lexicon[link.id]
        ours = set().union(*(words(s) for s in entry.surface_forms()))
        theirs = words(link.check["label"])
        assert ours & theirs, f"{link.id}: record label {link.check['label']!r} matches none of ours"


MUST_LINK = {"Country", "Planet", "NaturalSatellite", "SpaceAgency", "InternationalBody"}


def test_countries_bodies_agencies_are_linked_or_accounted_for(lexicon):
    """Every country, planet, moon, space agency and international body of the lexicon is
    either linked (wikidata.yaml) or listed with the reason it is not (unlinked.yaml)."""
    unlinked = {row["id"]: row for row in yaml.safe_load(UNLINKED.read_text(encoding="utf-8"))}
    linked = set(load_links(LINKS))
    assert not linked & set(unlinked), "an id is both linked and listed as unlinked"
    for eid, row in unlinked.items():
        assert eid in lexicon and row.get("reason"), eid
    must = {e.id for e in lexicon.values() if MUST_LINK & set(e.classes)}
    missing = sorted(must - linked - set(unlinked))
    assert not missing, f"neither linked nor accounted for: {missing}"
    # countries all have a public record (OWID): none may be left unlinked
    countries = {e.id for e in lexicon.values() if "Country" in e.classes}
    assert countries <= linked


def test_links_use_known_lexicon_ids_and_sources(lexicon):
    for link in load_links(LINKS).values():
        assert link.id in lexicon
        assert link.check["source"].startswith(("github:", "https://")), link.id


# ------------------------------------------------------------------ loader failure modes

def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "wikidata.yaml"
    p.write_text(text, encoding="utf-8")
    return p


CHECK = "{method: review, source: github:x/y, date: 2026-01-01, label: Japan}"


def row(eid: str, qid: str) -> str:
    """One well-formed links-file row (flow style)."""
    return f"- {{id: {eid}, wikidata: {qid}, check: {CHECK}}}\n"


@pytest.mark.parametrize("text, message", [
    ("- {id: japan, wikidata: Q17}", "no 'check'"),
    (row("japan", "P17"), "not a Wikidata item id"),
    ("- {id: japan, wikidata: Q17, check: {method: review, source: s, date: 2026-01-01}}",
     "lacks 'label'"),
    ("- {id: japan, wikidata: Q17, check: {method: guess, source: s, date: 2026-01-01, "
     "label: J}}", "check method"),
    (row("japan", "Q17") + row("china", "Q17"), "linked from both"),
    (row("japan", "Q17") + row("japan", "Q18"), "duplicate link"),
    ("- {id: japan, wikidata: Q17, check: {method: review, source: s, date: 'May 2026', "
     "label: J}}", "YYYY-MM-DD"),
])
def test_malformed_links_are_refused(tmp_path, text, message):
    with pytest.raises(LexiconError, match=message) as exc:
        load_links(_write(tmp_path, text))
    assert "wikidata.yaml:" in str(exc.value)  # names the file and line


def test_link_to_unknown_id_is_refused(tmp_path):
    path = _write(tmp_path, row("no-such-entity", "Q17"))
    with pytest.raises(LexiconError, match="unknown lexicon id"):
        load_lexicon(ROOT / "data" / "lexicon", links=path)


def test_link_overrides_the_lexicon_id(tmp_path):
    path = _write(tmp_path, row("nasa", "Q999999"))
    lex = load_lexicon(ROOT / "data" / "lexicon", links=path)
    assert lex["nasa"].wikidata == "Q999999"
    assert lex["nasa"].wikidata_check["method"] == "review"
    # an entry the file does not name keeps its own id, unchecked
    own = [e for e in lex.values() if e.wikidata and e.id != "nasa"]
    assert own and all(e.wikidata_check is None for e in own)


# ------------------------------------------------------------------ links check / suggest

WD_DATA = ROOT / "tests" / "data" / "wikidata"


class RecordedWikidata:
    """A fetch(url, params) that answers from tests/data/wikidata/ like the real services.

    wbgetentities returns the recorded entities asked for (an id not recorded is an error of
    the test, not a 'missing' answer); the WDQS query's VALUES are parsed and the recorded
    bindings filtered to them; wbsearchentities answers by ``language:search``.
    """

    def __init__(self):
        import json

        self.entities = json.loads((WD_DATA / "wbgetentities.json").read_text("utf-8"))["entities"]
        self.search = json.loads((WD_DATA / "wbsearchentities.json").read_text("utf-8"))
        self.sparql = json.loads((WD_DATA / "wdqs-reaches.json").read_text("utf-8"))
        self.calls: list[tuple[str, dict]] = []

    def __call__(self, url: str, params: dict) -> dict:
        self.calls.append((url, params))
        if url.endswith("/sparql"):
            q = params["query"]
            assert "wdt:P31/wdt:P279*" in q
            items, classes = (set(re.findall(r"wd:(Q\d+)", part))
                              for part in q.split("VALUES ?class"))
            keep = [b for b in self.sparql["results"]["bindings"]
                    if b["item"]["value"].rsplit("/", 1)[1] in items
                    and b["class"]["value"].rsplit("/", 1)[1] in classes]
            return {"head": self.sparql["head"], "results": {"bindings": keep}}
        if params["action"] == "wbgetentities":
            ids = params["ids"].split("|")
            assert set(params["languages"].split("|")) == {"ja", "en"}
            return {"entities": {i: self.entities[i] for i in ids}, "success": 1}
        if params["action"] == "wbsearchentities":
            return self.search[f"{params['language']}:{params['search']}"]
        raise AssertionError(f"unexpected request {url} {params}")


@pytest.fixture
def ontology():
    from spacekg.build import Paths
    from spacekg.config import IRIs
    from spacekg.ontology import load_ontology

    return load_ontology(Paths().ontology, IRIs())


def test_links_check_reports_agreement_and_disagreement(lexicon, ontology):
    from dataclasses import replace

    from spacekg.links import WikidataClient, check_links

    wrong = replace(lexicon["moon"], wikidata="Q111")           # the Moon linked to Mars
    gone = replace(lexicon["earth"], wikidata="Q999999999999")  # an item that does not exist
    fetch = RecordedWikidata()
    results = {r.id: r for r in check_links(
        [lexicon["japan"], lexicon["jaxa"], wrong, gone], ontology, WikidataClient(fetch))}
    assert results["japan"].status == "ok" and results["japan"].classes_reached == ["Q6256"]
    assert results["jaxa"].status == "ok" and results["jaxa"].matched_name == "宇宙航空研究開発機構"
    assert results["moon"].status == "label-and-type-mismatch"
    assert results["earth"].status == "missing"
    assert [r.ok for r in results.values()] == [True, True, False, False]
    # one wbgetentities call for the four items, one WDQS query
    assert [u.rsplit("/", 1)[-1] for u, _ in fetch.calls] == ["api.php", "sparql"]


def test_links_suggest_filters_by_type(lexicon, ontology):
    from dataclasses import replace

    from spacekg.links import WikidataClient, suggest_links

    moon = replace(lexicon["moon"], wikidata=None, wikidata_check=None)
    client = WikidataClient(RecordedWikidata())
    found = suggest_links(moon, ontology, client)
    assert [s.qid for s in found] == ["Q405"]
    assert found[0].type_ok and found[0].found_by == ["ja:月", "en:Moon"]
    everything = suggest_links(moon, ontology, client, keep_other_types=True)
    assert [(s.qid, s.type_ok) for s in everything] == [("Q405", True), ("Q18589965", False)]
    # suggest never writes: the links file is untouched
    assert "moon" in load_links(LINKS)


def test_links_commands_fail_clearly_offline(monkeypatch, capsys):
    import urllib.error
    import urllib.request

    from spacekg.cli import main

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    for argv in (["links", "check", "japan"], ["links", "suggest", "--online", "phobos"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "cannot reach https://www.wikidata.org/w/api.php" in err and "Nothing was changed" in err


def test_links_suggest_works_offline_against_held_records(monkeypatch, capsys):
    """Without --online, suggest reads data/links/records.tsv only: no network is touched."""
    import urllib.error
    import urllib.request

    from spacekg.cli import main

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(SystemExit) as exc:
        main(["links", "suggest", "phobos", "progress", "--name", "Deimos", "--name", "Zzyzx"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    blocks: dict[str, str] = {}
    key = ""
    for line in out.splitlines():
        if line.startswith("#   "):
            blocks[key] += line + "\n"
        else:
            key = line.split()[1].rstrip(":")
            blocks[key] = line + "\n"
    assert "Q7547" in blocks["phobos"] and "exact; type ok" in blocks["phobos"]
    # "Progress (cargo spacecraft)" contains the record's label "progress": a partial match
    assert "Q309363" in blocks["progress"] and "partial; type ok" in blocks["progress"]
    assert "Q7548" in blocks["name:Deimos"]
    assert "0 candidates" in blocks["name:Zzyzx"]


def test_held_records_agree_with_every_link(lexicon, ontology):
    """A held record whose label equals an entity's name, with an agreeing type, never names
    another item than the entity's link; every link sourced from a held record is in it."""
    from spacekg.linkrecords import load_records, suggest_for_entry

    records = load_records()
    assert len(records) >= 150
    by_source: dict[str, set[tuple[str, str]]] = {}
    for r in records:
        by_source.setdefault(r.source, set()).add((r.qid, normalise(r.label)))
    links = load_links(LINKS)
    checked = 0
    for e in lexicon.values():
        exact = [s for s in suggest_for_entry(e, records, ontology) if s.match == "exact" and s.type_ok]
        if e.id in links:
            assert all(s.record.qid == links[e.id].wikidata for s in exact), (e.id, exact)
            checked += bool(exact)
    assert checked >= 15
    for link in links.values():
        src = link.check["source"].split(" (")[0]
        if src in by_source:
            assert link.wikidata in {q for q, _ in by_source[src]}, link.id


def normalise(text):
    from spacekg.links import normalise_label

    return normalise_label(text)


@pytest.mark.parametrize("row, message", [
    ("Q1\tX\tPlanet\tnope\n", "source 'nope' is not declared"),
    ("P31\tX\tPlanet\tk\n", "not a Wikidata item id"),
    ("Q1\tX\tPlanet\n", "3 columns, 4 expected"),
])
def test_records_loader_refuses_bad_rows(tmp_path, row, message):
    from spacekg.linkrecords import load_records

    p = tmp_path / "records.tsv"
    p.write_text("# source k = github:x/y@0:z\nqid\tlabel\tkind\tsource\n" + row, encoding="utf-8")
    with pytest.raises(LexiconError, match=message) as exc:
        load_records(p)
    assert "records.tsv:3" in str(exc.value)


def test_weaker_checks_are_marked(lexicon, ontology):
    """Links whose record does not show the type carry a weak method and SSSOM confidence 0.9."""
    from spacekg.lexicon import WEAK_CHECK_METHODS
    from spacekg.links import sssom_rows

    rows = {r["subject_id"]: r for r in sssom_rows(lexicon, ontology) if r["subject_id"].startswith("skr:")}
    weak = [e for e in lexicon.values() if e.wikidata_check and e.wikidata_check["method"] in WEAK_CHECK_METHODS]
    assert weak
    for e in weak:
        assert rows[f"skr:{e.id}"]["confidence"] == "0.9", e.id
    strong = [e for e in lexicon.values() if e.wikidata_check and e.id not in {w.id for w in weak}]
    assert all(rows[f"skr:{e.id}"]["confidence"] == "0.95" for e in strong)


def test_links_check_command_with_recorded_answers(monkeypatch, capsys):
    import spacekg.links
    from spacekg.cli import main

    monkeypatch.setattr(spacekg.links, "http_fetch", RecordedWikidata())
    with pytest.raises(SystemExit) as exc:
        main(["links", "check", "japan", "jaxa"])
    assert exc.value.code == 0
    out = capsys.readouterr().out.splitlines()
    assert sorted(line.split()[:3] for line in out) == [["ok", "japan", "Q17"], ["ok", "jaxa", "Q179103"]]


# ------------------------------------------------------------------ SSSOM and the alignment file

SSSOM = ROOT / "data" / "links" / "spacekg.sssom.tsv"


def test_sssom_table_is_in_sync_and_well_formed(lexicon, ontology):
    from spacekg.links import SSSOM_COLUMNS, sssom_tsv

    text = SSSOM.read_text(encoding="utf-8")
    assert text == sssom_tsv(lexicon, ontology), "run `spacekg links sssom`"
    header = yaml.safe_load("\n".join(line[1:] for line in text.splitlines() if line.startswith("#")))
    assert {"curie_map", "mapping_set_id", "license"} <= set(header)
    rows = [line.split("\t") for line in text.splitlines() if not line.startswith("#")]
    assert tuple(rows[0]) == SSSOM_COLUMNS
    body = [dict(zip(SSSOM_COLUMNS, r, strict=True)) for r in rows[1:]]
    prefixes = set(header["curie_map"])
    for r in body:
        for col in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
            assert r[col].split(":", 1)[0] in prefixes, (col, r[col])
        assert re.fullmatch(r"wikidata:[PQ][1-9]\d*|ic:\w+型", r["object_id"]), r["object_id"]
        assert r["see_also"] and r["object_label"] and r["comment"].startswith("check: ")
        assert 0 < float(r["confidence"]) <= 1
    entity_rows = [r for r in body if r["subject_id"].startswith("skr:")]
    assert len(entity_rows) == len(load_links(LINKS))
    assert {"rdf:type", "sk:operatedBy", "sk:launchDate"} <= {r["subject_id"] for r in body}
    imi = {(r["subject_id"], r["object_id"]) for r in body if r["object_id"].startswith("ic:")}
    assert {("sk:Organization", "ic:組織型"), ("sk:Person", "ic:人型"), ("sk:Event", "ic:イベント型"),
            ("sk:dateValue", "ic:日付型")} <= imi


def test_sssom_table_is_published_by_the_build(built_dir):
    """`spacekg build` publishes the same table (and refreshes the committed copy)."""
    assert (built_dir / "spacekg.sssom.tsv").read_text(encoding="utf-8") == SSSOM.read_text(encoding="utf-8")


@pytest.mark.parametrize("name, ns, at_least", [
    ("wikidata-alignment.ttl", "http://www.wikidata.org/entity/", 20),
    ("imi-alignment.ttl", "http://imi.go.jp/ns/core/rdf#", 6),
])
def test_every_ontology_alignment_in_the_alignment_file_is_checked(name, ns, at_least):
    from rdflib import OWL, Graph, Namespace

    sssom = Namespace("https://w3id.org/sssom/")
    g = Graph().parse(ROOT / "ontology" / name)
    mappings = [(s, p, o) for s, p, o in g if str(o).startswith(ns) and p != OWL.annotatedTarget]
    assert len(mappings) >= at_least
    for s, p, o in mappings:
        axioms = [a for a in g.subjects(OWL.annotatedTarget, o)
                  if (a, OWL.annotatedSource, s) in g and (a, OWL.annotatedProperty, p) in g]
        assert len(axioms) == 1, (s, p, o)
        for prop in ("see_also", "object_label", "mapping_date", "mapping_justification"):
            assert g.value(axioms[0], sssom[prop]) is not None, (s, o, prop)
