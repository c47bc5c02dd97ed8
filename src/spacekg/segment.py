"""Stage 4: segment normalised text into sections, lines (slide lines, bullets) and sentences.

* A **line** is a line of the normalised text (PDF-wrapped prose is already joined by
  :mod:`spacekg.normalise`). Its leading bullet (▶ ⚫ ○ ・ ◆ ➢ ① - …) is recorded.
* A **sentence** is a part of a line ending in 。 (or the line's end).
* A **section** runs from a heading line (【1】, (1), 1.1., ◆, ■, 参考…) to the next heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BULLET = re.compile(r"^[\s\-]*(?P<b>[▶▷⚫●○◆◇■□➢•・※✓◼]|[①-⑳]|\(\d+\)|\d+\))\s*")
HEADING = re.compile(
    r"^\s*(?:【\s*\d+\s*】|【[^】]{1,20}】|\(\s*\d+\s*\)|\d+(?:\.\d+)*\.\s*\S|[◆■◼]\s*\S|参考|別紙|≪)")


@dataclass(frozen=True)
class Passage:
    """A span of normalised text.

    Attributes:
        kind: ``"line"``, ``"sentence"`` or ``"section"``.
        start, end: span in the normalised text (end exclusive).
        bullet: the bullet mark at the start of a line, or ``""``.
        heading: for a section, the span ``(start, end)`` of its heading line.
    """

    kind: str
    start: int
    end: int
    bullet: str = ""
    heading: tuple[int, int] | None = None


def lines(text: str) -> list[Passage]:
    """Non-blank lines of ``text`` with leading/trailing white space trimmed."""
    out = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = pos + (len(raw) - len(raw.lstrip()))
            m = BULLET.match(raw)
            out.append(Passage("line", start, start + len(stripped), m.group("b") if m else ""))
        pos += len(raw) + 1
    return out


def sentences(text: str, line: Passage) -> list[Passage]:
    """Split a line into sentences at 。 (the full stop stays with its sentence)."""
    out = []
    start = line.start
    for m in re.finditer("。", text[line.start:line.end]):
        end = line.start + m.end()
        if text[start:end].strip():
            out.append(Passage("sentence", start, end, line.bullet if start == line.start else ""))
        start = end
    if start < line.end and text[start:line.end].strip():
        out.append(Passage("sentence", start, line.end))
    return out


def sections(text: str, all_lines: list[Passage] | None = None) -> list[Passage]:
    """Sections from each heading line to the line before the next heading."""
    all_lines = all_lines if all_lines is not None else lines(text)
    heads = [ln for ln in all_lines if HEADING.match(text[ln.start:ln.end])]
    out = []
    for i, h in enumerate(heads):
        end = heads[i + 1].start if i + 1 < len(heads) else len(text)
        end = len(text[:end].rstrip())
        out.append(Passage("section", h.start, max(end, h.end), h.bullet, (h.start, h.end)))
    return out
