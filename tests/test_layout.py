"""Layout rules (data/rules/layout): every example gives its facts through the whole pipeline,
every negative does not; minutes, press-release and infobox forms on texts written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract_helpers import analyse_text
from extract_helpers import expected_triple as triple
from spacekg.build import Paths
from spacekg.errors import RuleError
from spacekg.extract.layout import load_layout_rules

RULES = load_layout_rules(Paths().rules / "layout")


def facts(pipeline, text, rule_id=None):
    a = analyse_text(pipeline, text)
    got = {(m.s, m.p, m.o) for m in a.matches if rule_id is None or m.producer == rule_id}
    return a, got


def test_every_layout_rule_has_examples_and_negatives():
    assert len(RULES) >= 15
    for r in RULES:
        assert r.rule.statement.startswith("If ") and " then " in r.rule.statement, r.id
        assert r.rule.examples and r.negatives, f"{r.id} lacks examples or negatives"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_layout_examples(pipeline, rule):
    for ex in rule.rule.examples:
        a, got = facts(pipeline, ex["text"], rule.id)
        assert got, f"{rule.id}: nothing from {ex['text']!r}"
        for t in ex["expect"]:
            want = triple(pipeline, a, t, got)
            assert want in got, f"{rule.id}: {ex['text']!r} did not give {t}; got {got}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_layout_negatives(pipeline, rule):
    for ex in rule.negatives:
        a, got = facts(pipeline, ex["text"], rule.id)
        if ex.get("reject"):
            for t in ex["reject"]:
                assert triple(pipeline, a, t, got) not in got, f"{rule.id}: {ex['text']!r} gave {t}"
        else:
            assert not got, f"{rule.id}: {ex['text']!r} should give nothing, gave {got}"


MINUTES = """航行技術部会 月面輸送小委員会(第8回) 議事録
1.日時
令和7年2月3日(月曜日)13時00分~15時00分
2.場所
オンライン会議
3.議題
 1. 月面輸送の需要見通しについて
 2. 今後の進め方 ※非公開
4.出席者
委員
 臨時委員 大河内 清【主査】
 専門委員 三好 亜紀【主査代理】
 専門委員 桐生 竜也
文部科学省
 研究開発局審議官  葛西 博文
(国立研究開発法人宇宙航空研究開発機構(JAXA))
 理事  梶原 昌平
5.議事録
【大河内主査】 ただいまから第8回の会合を開催します。
【三好主査代理】 資料について質問があります。
【事務局】 お答えします。
"""


def test_minutes_template_end_to_end(pipeline):
    """A whole minutes page written in the MEXT template gives the meeting's date, agenda,
    attendance with roles and affiliations, and the turns resolve to the listed members."""
    a, got = facts(pipeline, MINUTES)
    found = {e.ja: e for e in a.entities.values()}
    assert found["月面輸送小委員会(第8回)"].classes == ["Meeting"]
    assert found["月面輸送小委員会"].classes == ["Committee"]
    meeting = pipeline.iris.res[found["月面輸送小委員会(第8回)"].id]
    sk = pipeline.iris.sk
    assert (meeting, sk.date, pipeline.resolver.literal('"2025-02-03"^^xsd:date')) in got
    assert (meeting, sk.meetingNumber, pipeline.resolver.literal('"8"^^xsd:positiveInteger')) in got
    assert (meeting, sk.heldBy, pipeline.iris.res[found["月面輸送小委員会"].id]) in got
    items = sorted(o for s, p, o in got if p == sk.hasAgendaItem and s == meeting)
    assert len(items) == 2
    item = a.entities[str(items[0]).rsplit("/", 1)[-1]]  # minted, described like a found entity
    assert item.classes == ["AgendaItem"] and item.ja == "月面輸送の需要見通しについて"
    assert item.rules == ["L-MIN-AGENDA"]
    chair = pipeline.iris.res[found["大河内 清"].id]
    assert found["大河内 清"].role == "臨時委員"  # described with the person (graph/entities)
    assert (chair, sk.memberOf, pipeline.iris.res[found["月面輸送小委員会"].id]) in got
    assert "大河内" in found["大河内 清"].aliases  # 【大河内主査】 is the same person
    official = pipeline.iris.res[found["葛西 博文"].id]
    assert (official, sk.affiliation, pipeline.iris.res["mext"]) in got
    assert (pipeline.iris.res[found["梶原 昌平"].id], sk.affiliation, pipeline.iris.res["jaxa"]) in got
    people = {s for s, p, o in got if p == sk.participatesIn and o == meeting}
    assert len(people) == 5  # three members, two officials; 【事務局】 is no person


def test_evidence_spans_show_the_fact(pipeline):
    """A fact about the title's meeting read far below the title carries the title passage too."""
    a, _ = facts(pipeline, MINUTES)
    norm = a.norm.text
    for m in a.matches:
        if m.producer == "L-MIN-SPEAKER":
            quotes = [norm[x.span[0]:x.span[1]] for x in a.matches
                      if (x.s, x.p, x.o) == (m.s, m.p, m.o)]
            assert any("第8回" in q for q in quotes) and any("【" in q for q in quotes)


def test_ingest_records_quote_the_fact_line_not_the_title(pipeline):
    """`ingest`'s record of a layout fact about the title's meeting quotes the line that gives
    it (the attendee line, the 【speaker】 turn, the agenda item), never the title alone; the
    title stays the subject's span and a second passage of the evidence."""
    from spacekg.extract.facts import fact_records

    a, _ = facts(pipeline, MINUTES)
    recs = [r for r in fact_records(pipeline, a) if r["rule"].startswith("L-MIN-")]
    title_end = MINUTES.index("\n", MINUTES.index("議事録"))
    assert recs and all(r["span"][1] > title_end for r in recs)
    member = [r for r in recs if r["rule"] == "L-MIN-MEMBER"]
    assert {r["quote"].strip() for r in member} >= {"臨時委員 大河内 清【主査】", "専門委員 桐生 竜也"}
    assert all("\n" not in r["quote"] for r in member)
    meeting = [r for r in recs if r["rule"] == "L-MIN-SPEAKER"]
    assert meeting and all(r["quote"].startswith("【") for r in meeting)
    assert all(r["subject"]["span"] is not None for r in recs if r["rule"] == "L-MIN-DATE")
    # the evidence keeps both passages: the title passage is still a Match of the fact
    assert any(m.subject_passage for m in a.matches)
    # --draft quotes the same lines
    from spacekg.extract.draft import draft_statements

    title = MINUTES[:title_end]
    drafted = [st for st in draft_statements(a, pipeline) if str(st.get("rule", "")).startswith("L-MIN-")]
    assert drafted and all(st["quote"] != title for st in drafted)


def test_press_header_and_infobox(pipeline):
    text = ("2025年3月4日\n国立研究開発法人宇宙航空研究開発機構\n"
            "小型月着陸実証機の運用終了について\n\n本日、運用を終了しました。")
    a, got = facts(pipeline, text)
    doc = pipeline.iris.doc[a.source.id]
    assert (doc, pipeline.iris.sk.issuedBy, pipeline.iris.res["jaxa"]) in got
    box = "SLIM\n所属\tJAXA\n打上げ日時\t2023年9月7日\n打上げ予定\t2022年度\n"
    a, got = facts(pipeline, box)
    slim = pipeline.iris.res["slim"]
    assert (slim, pipeline.iris.sk.launchDate, pipeline.resolver.literal('"2023-09-07"^^xsd:date')) in got
    assert (slim, pipeline.iris.sk.operatedBy, pipeline.iris.res["jaxa"]) in got
    planned = [m for m in a.matches if m.p == pipeline.iris.sk.plannedLaunchDate]
    assert planned and all("planned" in m.qualifiers for m in planned)
    assert not any(m.p == pipeline.iris.sk.launchDate and "2022" in str(m.o) for m in a.matches)


def test_broken_layout_rule_names_its_line(tmp_path: Path, pipeline):
    (tmp_path / "bad.yaml").write_text(
        "- id: L-X\n  statement: s\n  layout: block\n  pattern: '{a:Agent}'\n  produce: [[a, partOf, a]]\n",
        encoding="utf-8")
    with pytest.raises(RuleError, match="bad.yaml:1.*heading"):
        load_layout_rules(tmp_path, pipeline.ontology)
    (tmp_path / "bad.yaml").write_text(
        "- id: L-Y\n  statement: s\n  layout: document\n  topic: {m: Nonexistent}\n"
        "  pattern: '{a:Agent}'\n  produce: [[a, partOf, a]]\n", encoding="utf-8")
    with pytest.raises(RuleError, match="Nonexistent"):
        load_layout_rules(tmp_path, pipeline.ontology)
