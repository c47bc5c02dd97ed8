"""Bullet rules (data/rules/bullets): every example gives its facts through the whole pipeline,
every negative does not; a broken rule file names its line."""

from __future__ import annotations

import pytest

from extract_helpers import expected_triple as triple
from extract_helpers import rule_facts as facts
from spacekg.build import Paths
from spacekg.errors import RuleError
from spacekg.extract.bullets import load_bullet_rules

RULES = load_bullet_rules(Paths().rules / "bullets")


def test_every_bullet_rule_has_examples_and_negatives():
    assert RULES
    for r in RULES:
        assert r.statement.startswith("If ") and " then " in r.statement, r.id
        assert r.examples and r.negatives, f"{r.id} lacks examples or negatives"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_bullet_examples(pipeline, rule):
    for ex in rule.examples:
        a, ms, got = facts(pipeline, ex["text"], rule.id)
        assert got, f"{rule.id}: nothing from {ex['text']!r}"
        for t in ex["expect"]:
            want = triple(pipeline, a, t, got)
            assert want in got, f"{rule.id}: {ex['text']!r} did not give {t}; got {got}"
        for t in ex.get("absent") or []:
            assert triple(pipeline, a, t, got) not in got, f"{rule.id}: {ex['text']!r} gave {t}"
        for m in ms:  # text readings whose passage holds the verb
            assert m.reading == "text" and (rule.kind == "list" or "獲得" in a.norm.text[m.span[0]:m.span[1]])


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_bullet_negatives(pipeline, rule):
    for ex in rule.negatives:
        _a, _ms, got = facts(pipeline, ex["text"], rule.id)
        assert not got, f"{rule.id}: {ex['text']!r} should give nothing, gave {got}"


def test_broken_bullet_rule_names_its_line(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "- id: B-BAD\n  statement: If x then y.\n  verb: x\n  predicate: develops\n  agent: japan\n"
        "  agents: [Agent]\n  objects: [Technology]\n  plan: '(['\n  negation: x\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_bullet_rules(tmp_path)
    assert "bad.yaml:1" in str(exc.value)
