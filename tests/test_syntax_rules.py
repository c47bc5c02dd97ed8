"""Syntactic and discourse rules (data/rules/syntax/, src/spacekg/extract/): every rule's
examples, and texts written for these tests in the forms of press releases, minutes and
encyclopaedia prose, with negative cases (planned vs done, negation, a name that is no entity).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal

from spacekg.build import Paths
from spacekg.errors import RuleError
from spacekg.extract.discourse import anchor_values
from spacekg.extract.parse import chunk_spans, parse_text
from spacekg.extract.syntax import load_syntax_rules
from spacekg.normalise import normalise
from spacekg.sources import Source
from spacekg.values import find_values

RULE_FILES = sorted(Paths().syntax_rules.glob("*.yaml"))
RULES = [r for p in RULE_FILES for r in load_syntax_rules(p)]
EXAMPLES = [(r, i, ex) for r in RULES for i, ex in enumerate(r.examples)]


def facts(pipeline, text: str, date: str = "2025-12-01", rule: str | None = None):
    """(s, p, o) of what the rules (of ``rule`` if given) find in ``text``."""
    src = Source("test", Path("test.txt"), text, "", {"date": date})
    out = set()
    for m in pipeline.analyse(src).matches:
        if rule is None or m.producer == rule:
            out.add((m.s, m.p, m.o))
    return out


def resolve(pipeline, triples):
    r = pipeline.resolver
    out = set()
    for s, p, o in triples:
        oo = r.node(o)
        if isinstance(oo, Literal) and oo.datatype is not None:
            oo = Literal(str(oo), datatype=oo.datatype)
        out.add((r.node(s), r.predicate(p), oo))
    return out


def test_every_rule_has_a_positive_and_a_negative_example():
    assert len(RULES) >= 15
    for r in RULES:
        assert any(ex["expect"] for ex in r.examples), f"{r.id} lacks a positive example"
        assert any(not ex["expect"] for ex in r.examples), f"{r.id} lacks a negative example"


@pytest.mark.parametrize("item", EXAMPLES, ids=[f"{r.id}-{i}" for r, i, _ in EXAMPLES])
def test_rule_example(pipeline, item):
    rule, _, ex = item
    got = facts(pipeline, ex["text"], rule=rule.id)
    assert got == resolve(pipeline, ex["expect"]), ex["text"]


def test_planned_launch_is_never_an_actual_launch(pipeline):
    """Issue 9: 「MMX（2026年度打上げ予定）」 gave a false actual launch date."""
    for text in ("MMX（2026年度打上げ予定）", "MMXは2026年度にH3ロケットで打ち上げる予定",
                 "火星衛星探査計画（MMX）は、2026年度の打上げを目指している。"):
        got = {(str(p).rsplit("#")[-1], str(o)) for _, p, o in facts(pipeline, text)}
        assert not any(p == "launchDate" for p, _ in got), (text, got)
    got = facts(pipeline, "MMXは2026年度にH3ロケットで打ち上げる予定")
    assert resolve(pipeline, [["mmx", "plannedLaunchDate", '"2026"^^sk:fiscalYear'],
                              ["mmx", "launchVehicle", "h3"]]) <= got


def test_regex_rule_no_longer_backtracks_into_a_plan(pipeline):
    norm = normalise("MMX（2026年度打上げ予定）")
    ms = pipeline.engine.apply(norm.text, pipeline.finder.find(norm.text), find_values(norm.text))
    assert {str(m.p).rsplit("#")[-1] for m in ms} == {"plannedLaunchDate"}


def test_press_release_with_dropped_subject_and_year_less_date(pipeline):
    """A press release: the second sentence drops its subject and its date has no year."""
    text = ("2025年11月4日\n国立研究開発法人宇宙航空研究開発機構\n"
            "新型宇宙ステーション補給機（HTV-X）は、2025年10月26日に種子島宇宙センターから打ち上げられた。"
            "10月30日に国際宇宙ステーションに到着した。\n")
    got = facts(pipeline, text, date="2025-11-04")
    assert resolve(pipeline, [["htv-x", "launchDate", '"2025-10-26"^^xsd:date']]) <= got


def test_minutes_and_encyclopaedia_negatives(pipeline):
    """Negation, a question, a purpose clause and a non-entity name give no fact."""
    for text in ("JAXAは月周回有人拠点を運用していない。",
                 "中国がアルテミス計画に参加するかどうかは明らかでない。",
                 "小型月着陸実証機を開発するため、予算を要求した。",
                 "山田探査機はH3ロケットで打ち上げられた。"):
        assert facts(pipeline, text) == set(), text


def test_coordination_gives_both_parties(pipeline):
    got = facts(pipeline, "JAXAとCNESは火星衛星探査計画（MMX）を共同で開発している。")
    assert resolve(pipeline, [["jaxa", "develops", "mmx"], ["cnes", "develops", "mmx"]]) <= got


def test_anchor_values_uses_the_document_date():
    text = "本日、HTV-Xを打ち上げた。同日、記者会見を行った。10月30日に到着した。"
    vals = anchor_values(text, find_values(text), "2025-10-26")
    lex = [(v.surface, v.lexical) for v in vals if v.kind == "date"]
    assert ("本日", "2025-10-26") in lex and ("同日", "2025-10-26") in lex
    assert ("10月30日", "2025-10-30") in lex


def test_parse_offsets_map_back_to_the_original():
    original = "ＳＬＩＭは\n２０２４年１月２０日に月面に着陸した。\n\nHTV-Xは打ち上げられた。"
    norm = normalise(original)
    parsed = parse_text(norm.text)
    parsed.norm = norm
    for chunk, tok in parsed.tokens():
        s, e = chunk.span(tok)
        assert norm.text[s:e] == tok.text
        os_, oe = parsed.original_span(chunk, tok)
        assert normalise(original[os_:oe]).text.replace("\n", "") == tok.text
    # a short first line is a label for the normaliser, so it stays a chunk of its own
    assert [norm.text[s:e] for s, e in chunk_spans(norm.text)] == [
        "SLIMは", "2024年1月20日に月面に着陸した。", "HTV-Xは打ち上げられた。"]


def test_long_lines_are_cut_after_sentence_ends():
    text = "あ" * 10 + "。" + ("い" * 30 + "。") * 40 + "\n短い行"
    spans = chunk_spans(text, limit=100)
    assert all(e - s <= 100 for s, e in spans)
    assert all(text[e - 1] == "。" for s, e in spans[:-2])
    assert "".join(text[s:e] for s, e in spans) == text.replace("\n", "")


def test_parse_cache_round_trip(tmp_path, monkeypatch):
    """A second parse of the same text comes from the DocBin cache, with the same tokens,
    dependencies and bunsetsu."""
    import ginza

    from spacekg.extract.parse import parse_document

    monkeypatch.setenv("SPACEKG_CACHE_DIR", str(tmp_path))
    norm = normalise("JAXAは小型月着陸実証機を開発した[1]。\nMMXは2026年度に打ち上げる予定である。")
    first = parse_document("d", norm)
    files = list(tmp_path.glob("*.spacy"))
    assert len(files) == 1
    second = parse_document("d", norm)
    for a, b in zip(first.chunks, second.chunks, strict=True):
        assert [(t.text, t.lemma_, t.dep_, t.head.i) for t in a.doc] == \
               [(t.text, t.lemma_, t.dep_, t.head.i) for t in b.doc]
        assert [str(x) for x in ginza.bunsetu_spans(a.doc)] == [str(x) for x in ginza.bunsetu_spans(b.doc)]
    assert "[1]" not in first.chunks[0].doc.text and len(first.chunks[0].doc.text) == first.chunks[0].end - first.chunks[0].start
    files[0].write_bytes(b"not a docbin")  # a corrupt cache file is parsed again
    assert [t.text for t in parse_document("d", norm).chunks[1].doc][:3] == ["MMX", "は", "2026"]


def test_broken_rule_file_names_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: S-X\n  statement: x\n  predicate: [開発]\n  frame:\n    agent: {case: [が]}\n"
                   "  produce: [[agent, develops, agent]]\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_syntax_rules(bad)
    assert "bad.yaml" in str(exc.value) and "1" in str(exc.value)


def test_ingest_json_prints_facts_with_spans_and_quotes(tmp_path):
    """`spacekg ingest FILE --json`: facts with subject/object labels and spans in the file."""
    import json

    from click.testing import CliRunner

    from spacekg.commands.build import ingest_cmd

    text = ("2025年12月1日\n宇宙航空研究開発機構\n\n"
            "ＭＭＸは２０２６年度にＨ３ロケットで打ち上げる予定です。\n"
            "ＪＡＸＡとＣＮＥＳは、ＭＭＸを共同で開発している。\n")
    path = tmp_path / "release.txt"
    path.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(ingest_cmd, [str(path), "--json"])
    assert res.exit_code == 0, res.output
    facts = json.loads(res.output)["facts"]
    got = {(f["subject"]["label"], f["predicate"].rsplit("#")[-1],
            f["object"].get("label") or f["object"]["value"]) for f in facts}
    assert ("火星衛星探査計画", "plannedLaunchDate", "2026") in got
    assert {f.get("as_of") for f in facts if "planned" in f["qualifiers"]} == {"2025-12-01"}
    assert not any(p == "launchDate" for _, p, _ in got)
    assert {s for s, p, _ in got if p == "develops"} == {"宇宙航空研究開発機構", "フランス国立宇宙研究センター"}
    for f in facts:
        assert text[f["span"][0]:f["span"][1]] == f["quote"]
        for end in (f["subject"], f["object"]):
            if end.get("span"):
                assert f["span"][0] <= end["span"][0] < end["span"][1] <= f["span"][1]


def test_build_report_counts_facts_per_document_and_rule(built_dir):
    import json

    report = json.loads((built_dir / "report.json").read_text(encoding="utf-8"))
    for doc, row in report["documents"].items():
        assert sum(row["facts_by_rule"].values()) >= 1, doc
        assert "curated_facts" in row
    assert any(r.startswith("S-") for r in report["rules"])
    assert "## Facts per document, rule and curation" in (built_dir / "report.md").read_text(encoding="utf-8")


def test_invalid_matcher_pattern_names_its_file_and_line(tmp_path, pipeline):
    from spacekg.build import load_syntax_engine

    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: S-OK\n  statement: x\n  predicate: [開発]\n  frame:\n"
                   "    agent: {case: [が], class: [Agent]}\n  produce: [[agent, develops, agent]]\n"
                   "- id: S-BAD\n  statement: y\n  pattern: [{LEMMA: {NOT_AN_OP: [開発]}}]\n  frame:\n"
                   "    agent: {case: [が], class: [Agent]}\n  produce: [[agent, develops, agent]]\n",
                   encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_syntax_engine(tmp_path, pipeline.ontology, pipeline.resolver, pipeline.classes_of)
    assert "bad.yaml:7" in str(exc.value) and "S-BAD" in str(exc.value)
