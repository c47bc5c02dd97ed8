"""Topic rules (data/rules/topics): every example gives its facts through the whole pipeline,
every negative does not; a broken rule file names its line."""

from __future__ import annotations

import pytest

from extract_helpers import analyse_text
from extract_helpers import expected_triple as triple
from spacekg.build import Paths
from spacekg.errors import RuleError
from spacekg.extract.topics import load_topic_rules

RULES = load_topic_rules(Paths().rules / "topics")


def facts(pipeline, text, rule_id=None):
    a = analyse_text(pipeline, text)
    got = {(m.s, m.p, m.o) for m in a.matches if rule_id is None or m.producer == rule_id}
    return a, got


def test_every_topic_rule_has_examples_and_negatives():
    assert len(RULES) >= 3
    for r in RULES:
        assert r.statement.startswith("If ") and " then " in r.statement, r.id
        assert r.examples and r.negatives, f"{r.id} lacks examples or negatives"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_topic_examples(pipeline, rule):
    for ex in rule.examples:
        a, got = facts(pipeline, ex["text"], rule.id)
        assert got, f"{rule.id}: nothing from {ex['text']!r}"
        for t in ex["expect"]:
            want = triple(pipeline, a, t, got)
            assert want in got, f"{rule.id}: {ex['text']!r} did not give {t}; got {got}"
        for t in ex.get("absent") or []:
            assert triple(pipeline, a, t, got) not in got, f"{rule.id}: {ex['text']!r} gave {t}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_topic_negatives(pipeline, rule):
    for ex in rule.negatives:
        a, got = facts(pipeline, ex["text"], rule.id)
        if ex.get("reject"):
            for t in ex["reject"]:
                assert triple(pipeline, a, t, got) not in got, f"{rule.id}: {ex['text']!r} gave {t}"
        else:
            assert not got, f"{rule.id}: {ex['text']!r} should give nothing, gave {got}"


def test_broken_topic_rule_names_its_line(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "- id: T-OK\n  statement: If x then y.\n  kind: heading\n  line: '^x'\n  predicate: about\n"
        "- id: T-BAD\n  statement: If x then y.\n  kind: item\n  line: '(['\n  subject: [AgendaItem]\n"
        "  predicate: about\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_topic_rules(tmp_path)
    assert "T-BAD" in str(exc.value) and "6" in str(exc.value)


def test_handout_text_gives_its_groups_and_not_the_negatives():
    """`spacekg ingest --json` on a handout of our own wording (tests/data/texts): every listed
    part is found, brackets holding a plan or a description give nothing."""
    import json

    from click.testing import CliRunner

    from spacekg.commands.build import ingest_cmd
    from spacekg.config import ROOT, IRIs
    from spacekg.devset import Resolver, load_fact_list, ontology_axioms, score_document
    from spacekg.lexicon import load_lexicon
    from spacekg.ontology import load_ontology

    texts = ROOT / "tests" / "data" / "texts"
    ontology = load_ontology(Paths().ontology, IRIs())
    inverse, symmetric = ontology_axioms(ontology.graph)
    lexicon = {i: e.surface_forms() for i, e in load_lexicon(Paths().lexicon).items()}
    result = CliRunner().invoke(ingest_cmd, [str(texts / "handout-technology-groups.txt"), "--json"])
    assert result.exit_code == 0, result.output
    fl = load_fact_list(texts / "handout-technology-groups.yaml")
    s = score_document(fl, json.loads(result.stdout), Resolver(fl, lexicon), inverse, symmetric,
                       set(ontology.properties))
    assert not s.missed_facts, s.missed_facts
    assert not [v for v in s.violations if v.startswith("absent fact")], s.violations
    assert s.facts_correct == s.facts_extracted, s.violations
