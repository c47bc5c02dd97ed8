"""Candidate new entities: names in a text that the lexicon does not know (for review).

Heuristics (each candidate records which one found it):

* ``acronym`` — an ASCII word of 2+ capitals/digits (``LUPEX``, ``OTV``, ``HX-2``);
* ``katakana`` — a run of 4+ katakana (``プラネタリーディフェンス``);
* ``quoted`` — a name in 「」 or 『』 of at most 40 characters;
* ``abbreviated`` — a name followed by a parenthesised abbreviation (``月極域探査機(LUPEX)``);
* ``capitalised`` — a capitalised ASCII phrase (``Comet Interceptor``).

A candidate overlapping a known mention is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PATTERNS = [
    ("abbreviated", re.compile(r"([\u3040-\u30ff\u3400-\u9fffー・A-Za-z0-9\-]{2,30})\(([A-Z][A-Za-z0-9\-+]{1,15})\)")),
    ("quoted", re.compile(r"[「『]([^」』\n]{2,40})[」』]")),
    ("acronym", re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9][A-Z0-9\-+]*)(?![A-Za-z0-9])")),
    ("katakana", re.compile(r"([\u30a0-\u30ffー・]{4,})")),
    ("capitalised", re.compile(r"(?<![A-Za-z])([A-Z][a-z]+(?:[ \-][A-Z][A-Za-z0-9]+)+)")),
]


@dataclass(frozen=True)
class Candidate:
    """A name not in the lexicon: span in the normalised text, text and heuristic."""

    start: int
    end: int
    text: str
    heuristic: str


def find_candidates(text: str, mentions) -> list[Candidate]:
    """Candidates in ``text`` (normalised) not overlapping any of ``mentions``.

    Returns:
        Candidates sorted by position, one per distinct span.
    """
    covered = [(m.start, m.end) for m in mentions]

    def overlaps(s, e):
        return any(a < e and s < b for a, b in covered)

    found: dict[tuple[int, int], Candidate] = {}
    for name, rx in PATTERNS:
        for m in rx.finditer(text):
            s, e = m.span(1)
            while s < e and text[s] in "・-":  # a list separator is not part of the name
                s += 1
            while e > s and text[e - 1] in "・-":
                e -= 1
            if e - s < 2 or overlaps(s, e) or (s, e) in found:
                continue
            found[(s, e)] = Candidate(s, e, text[s:e], name)
    return sorted(found.values(), key=lambda c: (c.start, c.end))
