"""Stage 2: normalise text while keeping a map back to offsets in the original file.

Normalisation (applied character by character so every output character knows its origin):

* Unicode NFKC (``２０２３`` → ``2023``, ``（`` → ``(``, ``ＳＬＩＭ`` → ``SLIM``), except that
  circled numbers (①…⑳) are kept, since they mark list items.
* PDF line breaks inside Japanese prose are removed: a run of line breaks (and blank lines)
  between two Japanese characters is dropped when the line before it is long enough to be a
  wrapped line of prose (:data:`WRAP_MIN`) and the next line does not start a new item; two
  lines that are both indented are rows of a list or table (minutes' attendance lists), never
  one wrapped line.

:class:`Normalised` maps any span of the normalised text back to the original text.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

#: A line shorter than this (in characters) is a label or heading, not wrapped prose.
WRAP_MIN = 18
CIRCLED = {chr(c) for c in range(0x2460, 0x2474)}
INDENT = (" ", "\u3000", "\t")
ITEM_START = re.compile(r"^\s*(?:[○●◆◇■□▶▷➢⚫•・※✓\-【(（\[]|\d+[.)]|[①-⑳]|参考|別紙)")
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f々〆ヶ〜ー]")


def is_japanese(ch: str) -> bool:
    """True for hiragana, katakana, CJK ideographs and a few Japanese marks."""
    return bool(_JA.match(ch))


@dataclass
class Normalised:
    """Normalised text and its offset map.

    Attributes:
        text: the normalised string.
        origin: ``origin[i]`` is the offset in the original text of ``text[i]``
            (length ``len(text)``; several normalised characters may share one origin).
        original: the original string.
    """

    text: str
    origin: list[int]
    original: str

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised span ``[start, end)`` to the original span ``[s, e)``.

        The original span covers every original character that produced a character of the
        normalised span (so ``original[s:e]`` is the exact passage, with any removed line
        breaks inside it).

        Raises:
            ValueError: the span is empty or out of range.
        """
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside normalised text of {len(self.text)}")
        s = self.origin[start]
        e = self.origin[end - 1] + 1
        return s, e

    def from_original(self, offset: int) -> int:
        """Return the first normalised index whose origin is ``>= offset``."""
        from bisect import bisect_left

        return bisect_left(self.origin, offset)


def _nfkc(ch: str) -> str:
    if ch in CIRCLED:
        return ch
    return unicodedata.normalize("NFKC", ch)


def normalise(original: str) -> Normalised:
    """Normalise ``original`` (see module docstring) and return the text with its offset map.

    Example:
        >>> n = normalise("ＳＬＩＭ（２０２４年）の\\n着陸")
        >>> n.text
        'SLIM(2024年)の\\n着陸'
    """
    out: list[str] = []
    origin: list[int] = []
    lines = original.split("\n")
    pos = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        for k, ch in enumerate(line):
            for c in _nfkc(ch):
                out.append(c)
                origin.append(pos + k)
        pos += len(line)
        if i == len(lines) - 1:
            break
        # find the next non-blank line
        j = i + 1
        skip = 1  # characters of newline/blank lines between
        while j < len(lines) and not lines[j].strip():
            skip += len(lines[j]) + 1
            j += 1
        stripped = line.rstrip()
        nxt = lines[j].lstrip() if j < len(lines) else ""
        join = (
            stripped
            and nxt
            and len(stripped.strip()) >= WRAP_MIN
            and is_japanese(stripped[-1])
            and (is_japanese(nxt[0]) or nxt[0] in "「『")
            and not ITEM_START.match(lines[j])
            and j - i <= 3
            and not (line[:1] in INDENT and lines[j][:1] in INDENT)  # indented list/table rows
        )
        if join:
            # drop trailing spaces already emitted, then the line breaks and the indent
            while out and out[-1] in " \u3000\t" and origin[-1] >= pos - (len(line) - len(stripped)):
                out.pop()
                origin.pop()
            indent = len(lines[j]) - len(nxt)
            pos += skip + indent
            lines[j] = lines[j][indent:]
            i = j
            continue
        out.append("\n")
        origin.append(pos)
        pos += 1
        i += 1
    return Normalised("".join(out), origin, original)


@lru_cache(maxsize=64)
def search_key(text: str) -> tuple[str, list[int]]:
    """Return ``text`` NFKC-normalised with all white space removed, and its index map.

    Used to locate quotes whatever the PDF line breaks: ``key[i]`` comes from
    ``text[index[i]]``.
    """
    key: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in _nfkc(ch):
            if not c.isspace():
                key.append(c)
                index.append(i)
    return "".join(key), index


def find_quote(original: str, quote: str, occurrence: int = 1) -> tuple[int, int] | None:
    """Find ``quote`` in ``original`` ignoring white space and width differences.

    Args:
        original: the document text.
        quote: the passage to find.
        occurrence: which occurrence (1-based).

    Returns:
        ``(start, end)`` offsets in ``original`` (end exclusive), or ``None``.
    """
    key, index = search_key(original)
    qkey, _ = search_key(quote)
    if not qkey:
        return None
    at = -1
    for _ in range(occurrence):
        at = key.find(qkey, at + 1)
        if at < 0:
            return None
    return index[at], index[at + len(qkey) - 1] + 1


def count_quote(original: str, quote: str) -> int:
    """How many times ``quote`` occurs in ``original`` (same matching as :func:`find_quote`)."""
    key, _ = search_key(original)
    qkey, _ = search_key(quote)
    if not qkey:
        return 0
    n, at = 0, key.find(qkey)
    while at >= 0:
        n += 1
        at = key.find(qkey, at + 1)
    return n


def line_starts(text: str) -> list[int]:
    """Offsets at which each line of ``text`` starts (for line-number messages)."""
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def line_of(starts: list[int], offset: int) -> int:
    """1-based line number of ``offset`` given :func:`line_starts`."""
    return bisect_right(starts, offset)
