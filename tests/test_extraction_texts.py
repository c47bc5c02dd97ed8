"""Extraction (``spacekg ingest --json``, in process) on the short texts of our own wording in
tests/data/texts: plans are never stated as done, negated sentences state nothing, the layout
forms (infobox, minutes header) give their facts, and names that are not entities stay out."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from spacekg.build import Paths
from spacekg.commands.build import ingest_cmd
from spacekg.config import ROOT, IRIs
from spacekg.devset import Resolver, load_fact_list, ontology_axioms, score_document
from spacekg.lexicon import load_lexicon
from spacekg.ontology import load_ontology

TEXTS = ROOT / "tests" / "data" / "texts"
WITH_ABSENT_FACTS = [p.stem for p in sorted(TEXTS.glob("*.yaml")) if load_fact_list(p).absent]


@pytest.fixture(scope="module")
def scorer():
    ontology = load_ontology(Paths().ontology, IRIs())
    inverse, symmetric = ontology_axioms(ontology.graph)
    lexicon = {i: e.surface_forms() for i, e in load_lexicon(Paths().lexicon).items()}
    cache = {}

    def score(name: str):
        if name not in cache:
            result = CliRunner().invoke(ingest_cmd, [str(TEXTS / f"{name}.txt"), "--json"])
            assert result.exit_code == 0, result.output
            fl = load_fact_list(TEXTS / f"{name}.yaml")
            cache[name] = score_document(fl, json.loads(result.stdout), Resolver(fl, lexicon),
                                         inverse, symmetric, set(ontology.properties))
        return cache[name]

    return score


@pytest.mark.parametrize("name", WITH_ABSENT_FACTS)
def test_plans_and_negations_are_not_stated_as_done(scorer, name):
    s = scorer(name)
    assert not [v for v in s.violations if v.startswith("absent fact")]


def test_negated_sentences_state_no_fact(scorer):
    assert scorer("negation").facts_extracted == 0


def test_planned_launches_are_plans_and_the_done_one_is_dated(scorer):
    s = scorer("planned-vs-done")
    for fact in ('MMX —plannedLaunchDate→ "2026"^^fiscalYear', 'LUPEX —plannedLaunchDate→ "2028"^^fiscalYear',
                 'SLIM —launchDate→ "2023-09-07"^^date'):
        assert fact not in s.missed_facts
    assert s.facts_correct == s.facts_extracted


@pytest.mark.parametrize("name", ["infobox", "minutes-header"])
def test_layout_forms_give_their_facts(scorer, name):
    s = scorer(name)
    assert s.facts_correct == s.facts_extracted, s.unexpected_facts
    assert s.facts_tp >= 0.8 * s.facts_hand, s.missed_facts


def test_names_that_are_not_entities_stay_out(scorer):
    """The train 東北新幹線「はやぶさ」 is not the probe (N-OTHER-HEADS) and コールセンター is no
    organisation (a katakana stem before センター, N-KATAKANA-STEM-SUFFIXES)."""
    s = scorer("not-an-entity")
    assert not [v for v in s.violations if v.startswith("absent entity")]


def test_launch_report_reads_the_crafts_a_vehicle_carries(scorer):
    """「…を搭載したH3ロケット9号機を種子島宇宙センターから打ち上げました」: each carried craft
    gets the date, vehicle and site; the 予定 launch is a plan and the negated one gives nothing."""
    s = scorer("launch-report")
    for fact in ('あおぞら —launchDate→ "2026-02-03"^^date', "SLIM —launchVehicle→ H3ロケット9号機",
                 "SLIM —launchSite→ 種子島宇宙センター", 'HTV-X —plannedLaunchDate→ "2026"^^fiscalYear'):
        assert fact not in s.missed_facts, s.missed_facts
    assert s.facts_correct == s.facts_extracted, s.unexpected_facts


def test_agreement_release_reads_the_brackets_after_the_parties(scorer):
    """「国立大学法人東西大学(東京都八王子市、学長/山田太郎、以下「東西大学」)と…(…、以下「JAXA」)
    は、2026年5月20日、…協定を締結いたしました」: both parties, the date, heads and seats; the
    university is not 「法人東西大学」; the negated agreement with ESA gives no fact."""
    s = scorer("university-agreement")
    assert s.facts_tp == s.facts_hand, s.missed_facts
    assert s.facts_correct == s.facts_extracted, s.unexpected_facts
