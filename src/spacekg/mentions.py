"""Stage 3: find mentions of lexicon entries in normalised text.

Matching (Aho-Corasick over a match key of the text, via pyahocorasick):

* the key folds case, removes white space and unifies dash, tilde and middle-dot variants,
  so ``Mars Sample\\nReturn``, ``ＨＴＶ－Ｘ`` and ``HTV-X`` meet;
* leftmost-longest: overlapping candidates are resolved by taking the earliest start, then
  the longest match;
* an ASCII alias never matches inside a longer ASCII word (``ESA`` not in ``RAMSES``);
* aliases of one character match only for entries marked ``short: true``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import ahocorasick

from spacekg.lexicon import Entry
from spacekg.normalise import _nfkc

log = logging.getLogger(__name__)

_FOLD = {**{c: "-" for c in "‐‑‒–—―−﹣"}, **{c: "~" for c in "〜～"}, "･": "・", "·": "・"}


def match_key(text: str) -> tuple[str, list[int]]:
    """Return the match key of ``text`` and, for each key character, its index in ``text``."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        for c in _nfkc(ch).casefold():
            if c.isspace():
                continue
            out.append(_FOLD.get(c, c))
            index.append(i)
    return "".join(out), index


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@dataclass(frozen=True, order=True)
class Mention:
    """A mention of a lexicon entry.

    Attributes:
        start, end: span in the normalised text (end exclusive).
        entity: lexicon id.
        surface: the normalised text of the span.
        alternatives: other entity ids sharing this surface form (the rule engine may prefer
            one of them in context, see :mod:`spacekg.rules`).
    """

    start: int
    end: int
    entity: str
    surface: str
    alternatives: tuple = ()


class MentionFinder:
    """An automaton over every surface form of a lexicon.

    Args:
        entries: the lexicon (id → Entry).

    Attributes:
        collisions: list of ``(key, kept_id, dropped_id)`` where two entries share a form.
    """

    def __init__(self, entries: dict[str, Entry]):
        self.automaton = ahocorasick.Automaton()
        self.collisions: list[tuple[str, str, str]] = []
        owners: dict[str, list[str]] = {}
        for entry in entries.values():
            for form in entry.surface_forms():
                key, _ = match_key(form)
                if not key or (len(key) < 2 and not entry.short):
                    continue
                ids = owners.setdefault(key, [])
                if entry.id not in ids:
                    if ids:
                        self.collisions.append((key, ids[0], entry.id))
                    ids.append(entry.id)
        for key, ids in owners.items():
            self.automaton.add_word(key, (len(key), tuple(ids)))
        self.empty = not owners
        if not self.empty:
            self.automaton.make_automaton()

    def find(self, text: str) -> list[Mention]:
        """All mentions in ``text`` (normalised text), sorted by start.

        Returns:
            Non-overlapping mentions, leftmost-longest.
        """
        if self.empty:
            return []
        key, index = match_key(text)
        candidates = []
        for end_k, (length, ids) in self.automaton.iter(key):
            start_k = end_k - length + 1
            start, end = index[start_k], index[end_k] + 1
            # no match inside a longer ASCII word
            if _is_ascii_word(text[start]) and start > 0 and _is_ascii_word(text[start - 1]):
                continue
            if _is_ascii_word(text[end - 1]) and end < len(text) and _is_ascii_word(text[end]):
                continue
            candidates.append((start, -(end - start), end, ids))
        candidates.sort()
        result: list[Mention] = []
        last_end = -1
        for start, _neg, end, ids in candidates:
            if start >= last_end:
                result.append(Mention(start, end, ids[0], text[start:end], ids[1:]))
                last_end = end
        return result
