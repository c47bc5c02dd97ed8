"""The development set: its files parse and use only ontology terms; the matching and scoring of
``spacekg ingest --json`` output against a hand-made list (made-up inputs)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from spacekg.build import Paths
from spacekg.config import ROOT, IRIs
from spacekg.devset import (
    DevsetError,
    FactList,
    HandEntity,
    HandFact,
    Literal,
    Resolver,
    default_texts_dir,
    load_fact_list,
    load_sources,
    locate_texts,
    name_keys,
    norm,
    ontology_axioms,
    parse_literal,
    part_keys,
    score_document,
)
from spacekg.normalise import find_quote
from spacekg.ontology import load_ontology

DEVSET = ROOT / "data" / "devset"
FACT_FILES = sorted((DEVSET / "facts").glob("*.yaml"))
TEST_TEXTS = ROOT / "tests" / "data" / "texts"
TEST_FILES = sorted(TEST_TEXTS.glob("*.yaml"))
RES = "https://w3id.org/spacekg/resource/"
SK = "https://w3id.org/spacekg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def ontology():
    return load_ontology(Paths().ontology, IRIs())


@pytest.fixture(scope="module")
def axioms(ontology):
    return ontology_axioms(ontology.graph)


# ------------------------------------------------------------------ the committed files

def test_devset_has_enough_documents_of_each_kind():
    sources = load_sources(DEVSET / "sources.yaml")
    ids = [s["id"] for s in sources]
    assert len(ids) == len(set(ids)) >= 20
    kinds = {s["kind"] for s in sources}
    assert {"minutes", "press-release", "encyclopedia", "policy", "news"} <= kinds
    assert kinds <= {"minutes", "press-release", "encyclopedia", "policy", "news", "mission-page"}
    assert {p.stem for p in FACT_FILES} == set(ids), "one fact list per listed source"
    corpus = {p.name for p in (ROOT / "data" / "sources").glob("*.txt")}
    assert not corpus & {f"{i}.txt" for i in ids}
    for s in sources:
        assert len(s["sha256"]) == 64 and s["url"].startswith("http") and s["length"] > 0


@pytest.mark.parametrize("path", FACT_FILES + TEST_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fact_list_parses_with_ontology_terms(path, ontology):
    fl = load_fact_list(path, set(ontology.superclasses), set(ontology.properties))
    assert fl.doc == path.stem
    assert fl.entities
    if path.parent == DEVSET / "facts":
        assert fl.facts


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: p.name)
def test_test_text_quotes_and_names_are_in_the_text(path):
    fl = load_fact_list(path)
    text = (TEST_TEXTS / f"{fl.doc}.txt").read_text(encoding="utf-8")
    for f in fl.facts + fl.absent:
        assert find_quote(text, f.quote) is not None, f"line {f.line}: quote not in the text"
    for e in fl.entities:
        for name in e.names():
            assert find_quote(text, name) is not None, f"line {e.line}: {name!r} not in the text"


def test_devset_quotes_are_in_the_saved_texts():
    """Checked where the third-party texts are available (they are not in git)."""
    folder = default_texts_dir(ROOT)
    status = locate_texts([p.stem for p in FACT_FILES], folder, load_sources(DEVSET / "sources.yaml"))
    if not status.found:
        pytest.skip(f"no development-set texts in {folder}")
    assert not status.changed, f"texts differ from the recorded SHA-256: {status.changed}"
    for doc, path in status.found.items():
        text = path.read_text(encoding="utf-8")
        for f in load_fact_list(DEVSET / "facts" / f"{doc}.yaml").facts:
            assert find_quote(text, f.quote) is not None, f"{doc}:{f.line}: quote not in the text"


def test_texts_of_the_devset_are_never_committed():
    ignore = (DEVSET / ".gitignore").read_text(encoding="utf-8").split()
    assert "texts/" in ignore


def test_broken_fact_list_names_its_line(tmp_path, ontology):
    bad = tmp_path / "bad.yaml"
    bad.write_text("doc: bad\nentities:\n- {label: SLIM, class: Lander}\nfacts:\n"
                   "- {s: SLIM, p: launchedOn, o: '\"2023\"^^xsd:gYear'}\n", encoding="utf-8")
    with pytest.raises(DevsetError, match=r"bad.yaml:5: unknown property 'launchedOn'"):
        load_fact_list(bad, set(ontology.superclasses), set(ontology.properties))
    bad.write_text("doc: bad\nentities:\n- {label: SLIM, class: Lander}\nfacts:\n"
                   "- {s: SLIM, p: target, o: 月}\n", encoding="utf-8")
    with pytest.raises(DevsetError, match="'月' is not the label or aka of a listed entity"):
        load_fact_list(bad)
    bad.write_text("doc: bad\nentities:\n- {label: SLIM, class: Landerr}\n", encoding="utf-8")
    with pytest.raises(DevsetError, match=r":3: unknown class 'Landerr'"):
        load_fact_list(bad, set(ontology.superclasses), set(ontology.properties))


# ------------------------------------------------------------------ matching and scoring

def test_names_normalise_width_case_space_and_quotes():
    assert norm("「ＳＬＩＭ」 ") == norm("slim") == "slim"
    assert norm("藤崎 一郎") == norm("藤崎一郎")
    assert name_keys("欧州宇宙機関(ESA)") == {"欧州宇宙機関(esa)", "欧州宇宙機関esa"}
    assert part_keys("欧州宇宙機関(ESA)") == {"欧州宇宙機関", "esa"} and not part_keys("ESA")
    assert name_keys("小委員会（第44回）") & name_keys("小委員会 第44回")
    assert name_keys("欧州宇宙機関（ESA）") == name_keys("欧州宇宙機関(ESA)")


def test_literals_compare_by_type_and_value():
    assert parse_literal('"2026"^^sk:fiscalYear') == Literal("2026", "fiscalYear")
    assert parse_literal("SLIM") is None
    assert parse_literal('"主査"@ja') == Literal("主査", "langString")
    assert Literal("主査", "langString").key() == Literal("主査", "string").key()
    assert Literal("29", "positiveInteger").key() == Literal("29", "integer").key()
    assert Literal("2023-09-07T08:42:11", "dateTime").key() == Literal("2023-09-07", "date").key()
    assert Literal("2026", "fiscalYear").key() != Literal("2026", "gYear").key()
    assert Literal("主査 (専門委員)", "string").key() == Literal("主査(専門委員)", "string").key()


def sample_list() -> FactList:
    ents = [HandEntity("SLIM", "Lander", ["小型月着陸実証機"]), HandEntity("宇宙航空研究開発機構", "SpaceAgency", ["JAXA"]),
            HandEntity("三菱電機", "Company"), HandEntity("共同声明", "Agreement"), HandEntity("NASA", "SpaceAgency"),
            HandEntity("ESA", "SpaceAgency"), HandEntity("山田 太郎", "Person")]
    facts = [HandFact("SLIM", "operatedBy", "JAXA"), HandFact("SLIM", "developedBy", "三菱電機"),
             HandFact("SLIM", "launchDate", Literal("2023-09-07", "date")),
             HandFact("JAXA", "partyTo", "共同声明"), HandFact("JAXA", "cooperatesWith", "NASA"),
             HandFact("MMX", "plannedLaunchDate", Literal("2026", "fiscalYear"))]
    ents.append(HandEntity("MMX", "Mission"))
    absent = [HandFact("MMX", "launchDate", "*")]
    return FactList("sample", ents, facts, None, absent, ["コールセンター"])


def node(label, slug=None):
    return {"label": label, "iri": RES + slug if slug else RES + "new-" + label, "span": [0, 1]}


def test_scoring_counts_matches_across_names_inverses_and_values(axioms):
    inverse, symmetric = axioms
    fl = sample_list()
    lexicon = {"jaxa": ["宇宙航空研究開発機構", "Japan Aerospace Exploration Agency", "JAXA"],
               "slim": ["小型月着陸実証機", "SLIM"], "nasa": ["アメリカ航空宇宙局", "NASA"]}
    ingest = {
        "mentions": [{"entity": "slim", "iri": RES + "slim", "text": "ＳＬＩＭ"},
                     {"entity": "jaxa", "iri": RES + "jaxa", "text": "JAXA"}],
        "entities": [{"iri": RES + "x-1", "label": "三菱電機", "class": "Company"},
                     {"iri": RES + "x-2", "label": "コールセンター", "class": "Organization"}],
        "facts": [
            # operatedBy, subject by lexicon IRI whose label differs from the list's
            {"subject": node("Smart Lander", "slim"), "predicate": SK + "operatedBy",
             "object": node("Japan Aerospace Exploration Agency", "jaxa"), "rule": "R1"},
            # the inverse property, full-width label
            {"subject": node("共同声明"), "predicate": SK + "hasParty", "object": node("ＪＡＸＡ"), "rule": "R2"},
            # symmetric property in the other order
            {"subject": node("NASA", "nasa"), "predicate": SK + "cooperatesWith", "object": node("JAXA", "jaxa")},
            # a dateTime for a date
            {"subject": node("SLIM", "slim"), "predicate": SK + "launchDate",
             "object": {"value": "2023-09-07T08:42:11", "datatype": XSD + "dateTime"}},
            # wrong: a plan read as done (also an absent fact), and a gYear for a fiscal year
            {"subject": node("MMX"), "predicate": SK + "launchDate",
             "object": {"value": "2026", "datatype": SK + "fiscalYear"}},
            {"subject": node("MMX"), "predicate": SK + "plannedLaunchDate",
             "object": {"value": "2026", "datatype": XSD + "gYear"}},
            # an entity the list does not have
            {"subject": node("SLIM", "slim"), "predicate": SK + "target", "object": node("月", "moon")},
        ]}
    s = score_document(fl, ingest, Resolver(fl, lexicon), inverse, symmetric)
    assert (s.facts_hand, s.facts_extracted, s.facts_tp) == (6, 7, 4)
    assert s.missed_facts == ["SLIM —developedBy→ 三菱電機", 'MMX —plannedLaunchDate→ "2026"^^fiscalYear']
    assert len(s.unexpected_facts) == 3 and any("?月 —" in u or "—target→ 月" in u for u in s.unexpected_facts)
    assert s.entities_hand == 8
    assert s.entities_found == 6            # SLIM, JAXA mentioned; 三菱電機 new; 共同声明, NASA, MMX in facts
    assert (s.entities_new, s.entities_new_tp) == (2, 1)
    assert s.unexpected_entities == ["コールセンター (Organization)"]
    assert s.missed_entities == ["ESA", "山田 太郎"]
    assert sorted(s.violations) == ["absent entity extracted: コールセンター",
                                    'absent fact extracted: MMX —launchDate→ "2026"^^fiscalYear  [?]']


def test_scoring_without_facts_or_entities_keys_gives_zero_recall(axioms):
    inverse, symmetric = axioms
    fl = sample_list()
    s = score_document(fl, {"mentions": [], "values": [], "rule_matches": []}, Resolver(fl, {}), inverse, symmetric)
    assert (s.facts_extracted, s.facts_tp, s.entities_found, s.entities_new) == (0, 0, 0, 0)
    assert len(s.missed_facts) == 6 and not s.violations


def test_document_subject_matches_document_iri_or_title(axioms):
    inverse, symmetric = axioms
    fl = FactList("d", [HandEntity("JAXA", "SpaceAgency")], [HandFact("$doc", "issuedBy", "JAXA")])
    for subject in ({"iri": "https://w3id.org/spacekg/document/d", "label": "whatever"},
                    {"label": "欧州宇宙機関との共同声明について"}):
        ingest = {"facts": [{"subject": subject, "predicate": SK + "issuedBy", "object": node("JAXA")}]}
        s = score_document(fl, ingest, Resolver(fl, {}, "欧州宇宙機関との共同声明について"), inverse, symmetric)
        assert s.facts_tp == 1
    # an entity whose label happens to be the title (an encyclopaedia article) stays the entity
    fl = FactList("d", [HandEntity("SLIM", "Lander"), HandEntity("JAXA", "SpaceAgency")],
                  [HandFact("SLIM", "operatedBy", "JAXA")])
    ingest = {"facts": [{"subject": node("SLIM", "slim"), "predicate": SK + "operatedBy", "object": node("JAXA")}]}
    assert score_document(fl, ingest, Resolver(fl, {}, "SLIM"), inverse, symmetric).facts_tp == 1


def test_locate_texts_reports_missing_and_changed(tmp_path):
    (tmp_path / "a.txt").write_text("本文", encoding="utf-8")
    (tmp_path / "b.txt").write_text("changed", encoding="utf-8")
    sha_a = hashlib.sha256("本文".encode()).hexdigest()
    sources = [{"id": "a", "sha256": sha_a}, {"id": "b", "sha256": sha_a}, {"id": "c", "sha256": sha_a}]
    st = locate_texts(["a", "b", "c"], tmp_path, sources)
    assert set(st.found) == {"a", "b"} and st.missing == ["c"] and st.changed == ["b"]


def test_texts_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SPACEKG_DEVSET_DIR", str(tmp_path))
    assert default_texts_dir(ROOT) == tmp_path
    monkeypatch.delenv("SPACEKG_DEVSET_DIR")
    assert default_texts_dir(Path("/nonexistent-root")) in (Path("/work/devset/texts"),
                                                             Path("/nonexistent-root/data/devset/texts"))


def test_whole_names_win_over_parts_and_unlabelled_nodes_take_their_label(axioms, ontology):
    """The committee is not the meeting 「committee(第53回)」; an agenda item printed by IRI only
    gets its label from the label triple; rdf:type and rdfs:label triples are not scored."""
    inverse, symmetric = axioms
    meeting, committee = "小委員会(第53回)", "小委員会"
    fl = FactList("m", [HandEntity(meeting, "Meeting"), HandEntity(committee, "Committee"),
                        HandEntity("山田 太郎", "Person"), HandEntity("動向について", "AgendaItem")],
                  [HandFact("山田 太郎", "memberOf", committee), HandFact(meeting, "hasAgendaItem", "動向について"),
                   HandFact("山田 太郎", "roleTitle" if "roleTitle" in ontology.properties else "count",
                            Literal("主査", "string") if "roleTitle" in ontology.properties
                            else Literal("1", "integer"))])
    item = {"iri": RES + "found-1-item-1", "label": "found-1-item-1"}
    ingest = {"facts": [
        {"subject": node("山田太郎"), "predicate": SK + "memberOf", "object": node("小委員会", "iss-sub")},
        {"subject": node("小委員会 第53回"), "predicate": SK + "hasAgendaItem", "object": item},
        {"subject": item, "predicate": "http://www.w3.org/2000/01/rdf-schema#label",
         "object": {"value": "動向について", "datatype": XSD + "string"}},
        {"subject": item, "predicate": "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "object": {"iri": SK + "AgendaItem"}},
    ]}
    s = score_document(fl, ingest, Resolver(fl, {}), inverse, symmetric, set(ontology.properties))
    assert (s.facts_extracted, s.facts_tp, s.facts_ignored) == (2, 2, 2)
    assert "動向について" not in s.missed_entities     # a node of a fact is found


def test_affiliation_to_a_unit_entails_the_listed_body_and_ordinals_move(axioms):
    inverse, symmetric = axioms
    fl = FactList("m", [HandEntity("小委員会(第44回)", "Meeting"), HandEntity("小川 志保", "Person"),
                        HandEntity("JAXA", "SpaceAgency"), HandEntity("有人宇宙技術部門", "Organization"),
                        HandEntity("きぼう利用センター", "Organization"), HandEntity("部会", "Committee"),
                        HandEntity("小委員会", "Committee")],
                  [HandFact("小川 志保", "affiliation", "JAXA"), HandFact("有人宇宙技術部門", "partOf", "JAXA"),
                   HandFact("きぼう利用センター", "partOf", "有人宇宙技術部門"), HandFact("小委員会", "partOf", "部会"),
                   HandFact("小川 志保", "memberOf", "部会"),
                   HandFact("小委員会(第44回)", "meetingNumber", Literal("44", "positiveInteger"))])
    ingest = {"facts": [
        {"subject": node("小川 志保"), "predicate": SK + "affiliation", "object": node("きぼう利用センター")},
        {"subject": node("小委員会"), "predicate": SK + "hasMember", "object": node("小川 志保")},
        {"subject": node("第44回小委員会"), "predicate": SK + "meetingNumber",
         "object": {"value": "44", "datatype": XSD + "positiveInteger"}},
        {"subject": node("小川 志保"), "predicate": SK + "affiliation", "object": node("部会")}]}
    s = score_document(fl, ingest, Resolver(fl, {}), inverse, symmetric)
    # affiliation to きぼう利用センター entails the one to JAXA (two partOf steps);
    # membership of 小委員会 entails that of 部会; the meeting matches with its ordinal in front
    assert s.missed_facts == ["有人宇宙技術部門 —partOf→ JAXA", "きぼう利用センター —partOf→ 有人宇宙技術部門",
                              "小委員会 —partOf→ 部会"]
    assert (s.facts_extracted, s.facts_correct) == (4, 3)
    assert s.unexpected_facts == ["小川 志保 —affiliation→ 部会  [?]"]
