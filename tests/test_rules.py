"""Each extraction rule's examples, run through the real pipeline (lexicon, values, engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spacekg.build import Paths, drop_short_in_values
from spacekg.errors import RuleError
from spacekg.mentions import Mention
from spacekg.normalise import normalise
from spacekg.rules import load_rules
from spacekg.values import find_values

RULES = load_rules(Paths().rules)


def run(pipeline, rule_id, text):
    engine = pipeline.engine
    rules = [r for r in engine.rules if r.id == rule_id]
    saved = engine.rules
    engine.rules = rules
    try:
        norm = normalise(text).text
        values = find_values(norm)
        mentions: list[Mention] = drop_short_in_values(pipeline.finder.find(norm), values)
        return engine.apply(norm, mentions, values)
    finally:
        engine.rules = saved


def test_every_rule_has_examples():
    assert RULES, "no rules loaded"
    missing = [r.id for r in RULES if not r.examples]
    assert not missing, f"rules without examples: {missing}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_examples(pipeline, rule):
    """Every example's expected triples are produced by the rule alone; a negative example
    (``expect: []``) produces nothing, and no example produces a triple listed in ``absent``."""
    r = pipeline.resolver
    for ex in rule.examples:
        got = {(m.s, m.p, m.o) for m in run(pipeline, rule.id, ex["text"])}
        if not ex["expect"]:
            assert not got, f"{rule.id}: negative example {ex['text']!r} gave {got}"
        for s, p, o in ex["expect"]:
            want = (r.node(s), r.predicate(p), r.node(o))
            assert want in got, f"{rule.id}: {ex['text']!r} did not give {s} {p} {o}; got {got}"
        for s, p, o in ex.get("absent") or []:
            assert (r.node(s), r.predicate(p), r.node(o)) not in got, \
                f"{rule.id}: {ex['text']!r} gave {s} {p} {o}, which it must not"


def test_every_core_rule_has_a_negative_example():
    """Each rule of data/rules/core.yaml shows a near-miss it must not fire on (``expect: []``)."""
    core = [r for r in RULES if Path(r.source.rsplit(":", 1)[0]).name == "core.yaml"]
    assert core
    missing = [r.id for r in core if not any(not ex["expect"] for ex in r.examples)]
    assert not missing, f"rules without a negative example: {missing}"


def test_launch_rules_have_negative_examples():
    """The launch rules are shown not to fire on planned launches (打上げ予定, 打上げ目標,
    打ち上げる予定)."""
    date_rule = next(r for r in RULES if r.id == "R-LAUNCH-DATE")
    negatives = " ".join(ex["text"] for ex in date_rule.examples if not ex["expect"])
    for phrase in ("打上げ予定", "打上げ目標", "打ち上げる予定"):
        assert phrase in negatives, phrase


def test_rule_file_errors_name_the_line(tmp_path: Path, pipeline):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: R-X\n  statement: s\n  pattern: '{a:Nonexistent}'\n  produce: [[a, partOf, a]]\n",
                   encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_rules(tmp_path, pipeline.ontology)
    assert "bad.yaml:1" in str(exc.value) and "Nonexistent" in str(exc.value)


def test_broken_yaml_names_the_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: R-X\n  pattern: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_rules(tmp_path)
    assert "bad.yaml:" in str(exc.value)


def test_bad_regex_is_reported(tmp_path: Path):
    bad = tmp_path / "r.yaml"
    bad.write_text("- id: R-Y\n  statement: s\n  pattern: '(unclosed'\n  produce: [[a, partOf, a]]\n",
                   encoding="utf-8")
    with pytest.raises(RuleError, match="bad pattern"):
        load_rules(tmp_path)
