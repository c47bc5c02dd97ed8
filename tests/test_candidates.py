"""Candidate new names (spacekg.candidates) on real passages."""

from spacekg.candidates import find_candidates
from spacekg.mentions import Mention


def test_list_separators_are_not_part_of_a_name():
    text = "火星/小惑星について民間主体の活動のポテンシャルが高まりつつあり、事業化・ポテンシャル"
    found = {c.text for c in find_candidates(text, [])}
    assert "ポテンシャル" in found
    assert not any(c.startswith("・") or c.endswith("・") for c in found)


def test_known_mentions_are_not_candidates():
    text = "国際連携による月極域探査機(LUPEX)ミッションの推進"
    start = text.index("月極域探査機")
    mention = Mention(start, start + len("月極域探査機(LUPEX)"), "lupex", "月極域探査機(LUPEX)")
    assert "LUPEX" not in {c.text for c in find_candidates(text, [mention])}
    assert "LUPEX" in {c.text for c in find_candidates(text, [])}
