"""Chart rules (data/rules/charts): every example gives its facts, as chart readings, through the
whole pipeline; every negative does not; a broken rule file names its line; on the 2018 interim
summary the flattened lunar and Mars charts give their missions' targets."""

from __future__ import annotations

import pytest

from extract_helpers import expected_triple as triple
from extract_helpers import rule_facts as facts
from spacekg.build import Paths
from spacekg.errors import RuleError
from spacekg.extract.charts import load_chart_rules

RULES = load_chart_rules(Paths().rules / "charts")


def test_every_chart_rule_has_examples_and_negatives():
    assert RULES
    for r in RULES:
        assert r.statement.startswith("If ") and " then " in r.statement, r.id
        assert r.examples and r.negatives, f"{r.id} lacks examples or negatives"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_chart_examples(pipeline, rule):
    for ex in rule.examples:
        a, ms, got = facts(pipeline, ex["text"], rule.id)
        assert got, f"{rule.id}: nothing from {ex['text']!r}"
        for t in ex["expect"]:
            want = triple(pipeline, a, t, got)
            assert want in got, f"{rule.id}: {ex['text']!r} did not give {t}; got {got}"
        for t in ex.get("absent") or []:
            assert triple(pipeline, a, t, got) not in got, f"{rule.id}: {ex['text']!r} gave {t}"
        for m in ms:  # chart readings quoting the chart's title
            assert m.reading == "chart"
            heads = dict(m.table_headings)
            s, e = heads["caption"]
            assert "探査をめぐる" in a.norm.text[s:e]
            if rule.kind == "legend":  # the legend line is the column heading
                s, e = heads["column"]
                assert "：" in a.norm.text[s:e] or ":" in a.norm.text[s:e]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_chart_negatives(pipeline, rule):
    for ex in rule.negatives:
        _a, _ms, got = facts(pipeline, ex["text"], rule.id)
        assert not got, f"{rule.id}: {ex['text']!r} should give nothing, gave {got}"


def test_broken_chart_rule_names_its_line(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "- id: G-BAD\n  statement: If x then y.\n  kind: target\n  predicate: target\n"
        "  title: '(['\n  kinds: x\n  cell: [Mission]\n  body: [CelestialBody]\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_chart_rules(tmp_path)
    assert "bad.yaml:1" in str(exc.value)
