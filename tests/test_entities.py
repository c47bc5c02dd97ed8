"""New entities (data/rules/entities): every discovery example is found with its class, every
negative is not; identity with the lexicon; noise; the found entities in the build."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Literal

from extract_helpers import analyse_text
from spacekg.build import Paths
from spacekg.config import PROV
from spacekg.errors import RuleError
from spacekg.extract.entities import fold, load_discovery

RULES, NOISE = load_discovery(Paths().rules / "entities")


def found(pipeline, text):
    a = analyse_text(pipeline, text)
    return a, {e.ja: e for e in a.entities.values()}


def test_rules_have_statements_examples_negatives():
    assert {r.kind for r in RULES} >= {"suffix", "meeting", "quoted", "abbreviation", "person", "unit"}
    for r in RULES:
        assert r.statement.startswith("If ") and " then " in r.statement, r.id
        if r.kind != "ner":  # NER needs a parse; its spans are tested in test_ner_spans
            assert r.examples and r.negatives, r.id
    assert {"N-GENERIC-NAMES", "N-GENERIC-STEMS", "N-KATAKANA", "N-NOT-PERSON"} <= set(NOISE)


@pytest.mark.parametrize("rule", [r for r in RULES if r.examples], ids=lambda r: r.id)
def test_discovery_examples(pipeline, rule):
    for ex in rule.examples:
        _a, got = found(pipeline, ex["text"])
        for want in ex["expect"]:
            name, cls = want[0], want[1]
            assert name in got, f"{rule.id}: {name} not found in {ex['text']!r}; found {list(got)}"
            assert got[name].classes == [cls], f"{rule.id}: {name} is {got[name].classes}, not {cls}"
            if len(want) > 2:
                assert want[2] in got[name].aliases


@pytest.mark.parametrize("rule", [r for r in RULES if r.negatives], ids=lambda r: r.id)
def test_discovery_negatives(pipeline, rule):
    for ex in rule.negatives:
        _a, got = found(pipeline, ex["text"])
        for name in ex["reject"]:
            assert not any(fold(n) == fold(name) for n in got), f"{rule.id}: {name} found in {ex['text']!r}"


def test_a_lexicon_name_is_never_new(pipeline):
    """Width, case, legal form and the (第N回) order do not make a known name new."""
    text = ("国立研究開発法人宇宙航空研究開発機構と文部科学省が、国際宇宙ステーション・国際宇宙探査小委員会"
            "(第70回)で報告した。ＪＡＸＡ宇宙科学研究所の試験。")
    a, got = found(pipeline, text)
    assert not any("宇宙航空研究開発機構" in n or n == "文部科学省" for n in got)
    assert not any("第70回" in n for n in got), got.keys()
    assert any(m.entity == "meeting-70" for m in a.mentions) or any(
        m.surface.startswith("国際宇宙ステーション") and m.entity == "iss-exploration-subcommittee"
        for m in a.mentions)
    keys = {fold(f) for e in pipeline.lexicon.values() for f in e.surface_forms()}
    assert all(fold(n) not in keys for n in got)


@pytest.mark.parametrize("text, parties", [
    ("「与圧ローバによる月面探査に関する文部科学省と米航空宇宙局の実施取決め」が署名された。", {"mext", "nasa"}),
    ("JAXAとCNESとの間の実施取決めに署名した。", {"jaxa", "cnes"}),
    # negatives: the words before と are no organisations, or no と names two of them
    ("月と火星の探査に関する協定を議論した。", set()),
    ("国際宇宙ステーションの実施取決めが署名された。", set()),
    ("JAXAと探査機の運用に関する協定を結んだ。", set()),
])
def test_agreement_name_gives_its_parties(pipeline, text, parties):
    """E-SUFFIX-AGREEMENT: the parties an agreement's name gives before its kind are party to
    it, only when every one is a known organisation or country."""
    a, ents = found(pipeline, text)
    party_to = pipeline.resolver.predicate("partyTo")
    agreements = {pipeline.iris.res[e.id] for e in ents.values() if "Agreement" in e.classes}
    got = {str(m.s).rsplit("/", 1)[-1] for m in a.matches if m.p == party_to and m.o in agreements}
    assert got == parties
    assert all(m.producer == "E-SUFFIX-AGREEMENT" for m in a.matches if m.p == party_to and m.o in agreements)


def test_abbreviation_is_matched_everywhere_and_binds_rules(pipeline):
    """The abbreviation of a found name is a mention wherever it occurs, and the pattern rules
    bind it (planned launch of a new mission)."""
    text = "金星大気探査計画(VAX)の開発を進める。\nVAX 2031年度打上げ予定"
    a, got = found(pipeline, text)
    vax = got["金星大気探査計画"]
    assert [m.surface for m in a.mentions if m.entity == vax.id] == ["金星大気探査計画", "VAX", "VAX"]
    planned = [m for m in a.matches if m.p == pipeline.iris.sk.plannedLaunchDate]
    assert [m.s for m in planned] == [pipeline.iris.res[vax.id]]


def test_corpus_new_entities_are_few_and_not_duplicates(pipeline, sources):
    """The curated corpus is covered by the lexicon: rules add few entities there, none of them
    a lexicon name or a generic word."""
    keys = {fold(f) for e in pipeline.lexicon.values() for f in e.surface_forms()}
    generic = NOISE["N-GENERIC-NAMES"] | NOISE["N-KATAKANA"]
    total = 0
    for src in sources.values():
        a = pipeline.analyse(src)
        for e in a.entities.values():
            total += 1
            assert fold(e.ja) not in keys and fold(e.ja) not in generic, e.ja
            assert e.id.startswith("found-")
    assert total <= 3


def test_found_entities_in_the_graph(pipeline, iris):
    """Type, label and prov:wasGeneratedBy the discovery rule mark a found entity."""
    from rdflib import Graph

    from spacekg.extract.discover import describe_found

    a, got = found(pipeline, "月面活動検討会において議論した。")
    g = Graph()
    describe_found(a.entities, pipeline.ontology, g)
    e = iris.res[got["月面活動検討会"].id]
    assert (e, RDF.type, iris.sk.Committee) in g
    assert (e, RDFS.label, Literal("月面活動検討会", lang="ja")) in g
    assert (e, PROV.wasGeneratedBy, iris.rule["E-SUFFIX-COMMITTEE"]) in g


def test_ner_spans_give_people(pipeline):
    """With a parse, GiNZA's Person spans become persons (the role word stripped)."""
    from spacekg.extract.discover import ner_spans
    from spacekg.extract.parse import parse_text

    text = "本日、宮城雄一郎氏が講演した。"
    spans = ner_spans(parse_text(text))
    disc = pipeline.extras.finder.find(text, [], [], spans, "t")
    assert any(e.classes == ["Person"] and e.ja.startswith("宮城") for e in disc.entities.values()), spans


def test_broken_discovery_file_names_its_line(tmp_path: Path):
    (tmp_path / "d.yaml").write_text("- id: E-X\n  statement: s\n  kind: guess\n", encoding="utf-8")
    with pytest.raises(RuleError, match="d.yaml:1.*unknown kind"):
        load_discovery(tmp_path)
