"""Chart rules: facts read from the position of a cell in a slide chart flattened to text.

A slide's timeline chart (「月探査をめぐる各国の動向」: rows of countries, columns of years, cells
such as 「かぐや（周回）」) loses its grid when the slide is turned into text: the year axis
becomes one line (「～2015 2016 … 2026」), the row labels a block of short lines, the cells
lines of their own, and the title may come before or after them. What stays certain is the
*chart* a cell belongs to, and so the column or caption heading that applies to every cell of
it (the body a chart of 月探査 is about); a row heading (the country) is not next to its cells
and is never guessed.

Rules are data (data/rules/charts/*.yaml): ``id``, a one-line ``statement`` (``If … then …``),
``kind``, ``title`` (a regular expression for the chart's title line), ``cell`` (classes of
what a cell names), ``kinds`` (a regular expression: the mission kinds a cell's brackets give,
周回/着陸/…), ``refine`` (a cell whose text holds ``word`` in a chart about ``body`` is about
``region`` instead), ``examples`` and ``negatives`` (run by tests/test_charts.py).

Kind ``target``: in a chart region — from the line after the last sentence (。) before the
chart's year axis (a line of at least five years) up to the next chart's axis, or to the next
slide title (a line printed twice over, as slide titles flatten), a marked heading or
:data:`MAX_LINES` lines — holding exactly one title line that names exactly one celestial body,
a cell is a line that begins with a name of a ``cell`` class followed (on the line, or on the
next line in brackets) by a mission kind. Its target is the body (or the refined region). A
range 「嫦娥1～3」 stands for every member the lexicon names (嫦娥1, 嫦娥2, 嫦娥3). Facts are
chart readings (``sk:chartReading``) quoting the chart's title as caption.

Kind ``legend``: in such a chart, a legend line 「SR： サンプルリターン」 (an abbreviation in
capitals, a colon, one name of an ``objects`` class) gives every cell whose text holds the
abbreviation as a word (「嫦娥5（SR）」) the ``predicate`` to that entity; the legend line is
quoted as the column heading.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from spacekg.errors import RuleError
from spacekg.rules import Match
from spacekg.segment import lines
from spacekg.yamlio import load_yaml_list

KINDS = ("target", "legend")
#: a chart's legend line: 「SR： サンプルリターン」
LEGEND = re.compile(r"(?P<abbr>[A-Z]{2,5})\s*[：:]\s*(?P<name>\S.*)$")
#: a year axis: five years or more in a row (「～2015 2016 … 2026」)
AXIS = re.compile(r"^[～~〜]?\s*\d{4}(?:\s*[～~〜]?\s+\d{4}){4,}\s*[～~〜]?$")
#: a marked heading, which ends a chart region
HEADING = re.compile(r"^(?:【[^】]+】|[■□◆●▼]|\d{1,2}\s*[.．]\s|[（(]\s*\d{1,2}\s*[)）])")
#: a range after a numbered name: 嫦娥1～3
RANGE = re.compile(r"\s*[～~〜]\s*(\d{1,3})")
NAME_TAIL = re.compile(r"(?:等|など|[A-Za-z]+)?")
MAX_LINES = 150
MIN_TITLE = 6


@dataclass
class ChartRule:
    """A chart rule (module docstring)."""

    id: str
    statement: str
    kind: str
    predicate: str
    title: re.Pattern
    kinds: re.Pattern
    cell: list[str]
    body: list[str]
    refine: list[dict] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)
    examples: list = field(default_factory=list)
    negatives: list = field(default_factory=list)
    source: str = ""


def load_chart_rules(folder: Path, ontology=None) -> list[ChartRule]:
    """Load every ``*.yaml`` of ``folder`` (data/rules/charts), sorted; ids unique.

    Raises:
        RuleError: a malformed rule (file and line named): unknown kind or class, a bad
            regular expression, a missing statement, predicate, title or kinds, a duplicate id.
    """
    out: list[ChartRule] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        for raw in load_yaml_list(path, RuleError):
            line = raw.get("__line__")

            def fail(msg, _raw=raw, _path=path, _line=line):
                raise RuleError(f"chart rule {_raw.get('id', '?')}: {msg}", path=str(_path), line=_line)

            rid = raw.get("id")
            if not rid or rid in seen:
                fail("missing or duplicate id")
            seen.add(rid)
            if raw.get("kind") not in KINDS:
                fail(f"kind must be one of {KINDS}, not {raw.get('kind')!r}")
            if not str(raw.get("statement", "")).startswith("If "):
                fail("statement must read 'If … then …'")
            for key in ("predicate", "title", "kinds", "cell", "body"):
                if not raw.get(key):
                    fail(f"{key} missing")
            try:
                title, kinds = re.compile(raw["title"]), re.compile(raw["kinds"])
            except re.error as exc:
                fail(f"bad regular expression: {exc}")
            cell, body = _as_list(raw["cell"]), _as_list(raw["body"])
            refine = raw.get("refine") or []
            if any(not {"body", "word", "region"} <= set(r) for r in refine):
                fail("each refine entry needs body, word and region")
            if ontology is not None:
                for c in cell + body:
                    if c not in ontology.superclasses:
                        fail(f"unknown class {c!r}")
            objects = _as_list(raw.get("objects") or [])
            if raw["kind"] == "legend" and not objects:
                fail("a legend rule needs objects: classes")
            if ontology is not None:
                for c in objects:
                    if c not in ontology.superclasses:
                        fail(f"unknown class {c!r}")
            out.append(ChartRule(rid, raw["statement"], raw["kind"], str(raw["predicate"]), title,
                                 kinds, cell, body, refine, objects, raw.get("examples") or [],
                                 raw.get("negatives") or [], f"{path.name}:{line}"))
    return out


def _as_list(v) -> list[str]:
    return [v] if isinstance(v, str) else [str(x) for x in v]


def _kind(rule: ChartRule, s: str):
    """The mission kind ``s`` names (composed: the text may keep ﾌﾟ as フ + ゚)."""
    return rule.kinds.search(unicodedata.normalize("NFKC", s))


def _first_cell(s: str) -> str:
    """A bracketed cell and its words, up to the next bracket (which opens another cell)."""
    if s[:1] in "（(":
        second = re.search(r"[（(]", s[1:])
        if second:
            return s[:second.start() + 1].strip()
    return s


def _doubled(s: str) -> bool:
    """A slide title flattened twice over: 「XX」 with X of :data:`MIN_TITLE` characters or more."""
    s = s.strip()
    n = len(s) // 2
    return len(s) % 2 == 0 and n >= MIN_TITLE and s[:n] == s[n:]


class ChartEngine:
    """Apply chart rules to one document.

    Args:
        rules: from :func:`load_chart_rules`.
        resolver: the pipeline's :class:`~spacekg.terms.TermResolver`.
        classes_of: entity id → class names with superclasses.
    """

    def __init__(self, rules: list[ChartRule], resolver, classes_of):
        self.rules = rules
        self.resolver = resolver
        self.classes_of = classes_of
        self.counts: dict[str, int] = {r.id: 0 for r in rules}

    def _has(self, eid: str, classes: list[str]) -> bool:
        have = self.classes_of.get(eid, ())
        return any(c in have for c in classes)

    def apply(self, text: str, mentions, finder=None, all_lines=None) -> list[Match]:
        """The facts of every rule on ``text`` (normalised); spans in the normalised text.

        Args:
            mentions: the document's mentions, sorted by start.
            finder: the lexicon's MentionFinder (members of a range 「嫦娥1～3」).
            all_lines: the lines read (default :func:`spacekg.segment.lines`).
        """
        ls = all_lines if all_lines is not None else lines(text)
        rows = [[] for _ in ls]
        k = 0
        for m in mentions:
            while k < len(ls) and ls[k].end <= m.start:
                k += 1
            if k < len(ls) and ls[k].start <= m.start and m.end <= ls[k].end:
                rows[k].append(m)
        out: list[Match] = []
        for rule in self.rules:
            pred = self.resolver.predicate(rule.predicate)
            seen = set()
            for s, o, span, heads in self._target(rule, text, ls, rows, finder):
                s_node, o_node = self.resolver.entity(s), self.resolver.entity(o)
                if (s_node, o_node) in seen:
                    continue
                seen.add((s_node, o_node))
                out.append(Match(s_node, pred, o_node, span, rule.id, reading="chart",
                                 table_headings=heads))
                self.counts[rule.id] += 1
        return out

    # ------------------------------------------------------------------ regions
    def regions(self, text: str, ls) -> list[tuple[int, int]]:
        """Line index ranges ``[first, last)`` of the flattened charts (module docstring)."""
        axes = [i for i, ln in enumerate(ls) if AXIS.match(text[ln.start:ln.end])]
        out = []
        for n, a in enumerate(axes):
            if n == 0:
                first = a
                while first > 0 and not text[ls[first - 1].start:ls[first - 1].end].endswith("。"):
                    first -= 1
            else:
                first = a
            last = axes[n + 1] if n + 1 < len(axes) else min(len(ls), a + MAX_LINES)
            out.append((first, last))
        return out

    def _target(self, rule, text, ls, rows, finder):
        for first, last in self.regions(text, ls):
            titles = [i for i in range(first, last) if rule.title.search(text[ls[i].start:ls[i].end])]
            if not titles:
                continue
            t = titles[0]
            # the region ends at the next slide title or marked heading after its own title
            for i in range(t + 1, last):
                line = text[ls[i].start:ls[i].end]
                if _doubled(line) or HEADING.match(line):
                    last = i
                    break
            titles = [i for i in titles if i < last]
            bodies = {m.entity for i in titles for m in rows[i] if self._has(m.entity, rule.body)}
            if len(titles) != 1 or len(bodies) != 1:
                continue  # two charts in one region, or a title naming no single body
            body = bodies.pop()
            tl = ls[t]
            tline = text[tl.start:tl.end]
            cap = (tl.start, tl.start + (len(tline) // 2 if _doubled(tline) else len(tline)))
            legend = self._legend(rule, text, ls, rows, first, last) if rule.kind == "legend" else {}
            if rule.kind == "legend" and not legend:
                continue
            for i in range(first, last):
                if i == t:
                    continue
                for names, end, cell in self._cell(rule, text, ls, rows, i, finder):
                    if rule.kind == "legend":
                        marks = [(abbr, o) for abbr, o in legend.items()
                                 if re.search(rf"(?<![A-Za-z]){re.escape(abbr)}(?![A-Za-z])", cell)]
                        for _abbr, (obj, span) in marks:
                            for eid in names:
                                yield eid, obj, (ls[i].start, end), (("caption", cap), ("column", span))
                        continue
                    region = next((r["region"] for r in rule.refine
                                   if r["body"] == body and r["word"] in cell), body)
                    for eid in names:
                        yield eid, region, (ls[i].start, end), (("caption", cap),)

    def _legend(self, rule, text, ls, rows, first, last) -> dict:
        """abbreviation → (entity, span of the legend line) for the chart's legend lines
        (「SR： サンプルリターン」) whose name is one mention of an ``objects`` class."""
        out = {}
        for i in range(first, last):
            m = LEGEND.match(text, ls[i].start, ls[i].end)
            if not m:
                continue
            named = [x for x in rows[i] if x.start >= m.start("name")]
            if len(named) == 1 and self._has(named[0].entity, rule.objects) \
                    and named[0].end - named[0].start >= len(m.group("name").strip()) - 1:
                out[m.group("abbr")] = (named[0].entity, (ls[i].start, ls[i].end))
        return out

    def _cell(self, rule, text, ls, rows, i, finder):
        """``(entity ids, end, cell text)`` of the cell line ``i`` opens, if it is one."""
        ln = ls[i]
        first = next(iter(rows[i]), None)
        if first is None or first.start != ln.start or not self._has(first.entity, rule.cell):
            return
        names, end = [first.entity], first.end
        rng = RANGE.match(text, end, ln.end)
        if rng:  # 嫦娥1～3: every member the lexicon names
            num = re.search(r"(\d+)$", first.surface)
            if not num or finder is None:
                return
            prefix, lo, hi = first.surface[:num.start()], int(num.group(1)), int(rng.group(1))
            if not lo < hi <= lo + 20:
                return
            for n in range(lo + 1, hi + 1):
                found = finder.find(f"{prefix}{n}")
                if len(found) != 1 or found[0].end - found[0].start != len(f"{prefix}{n}"):
                    return  # a member the lexicon does not name: the range gives nothing
                names.append(found[0].entity)
            end = rng.end()
        end = NAME_TAIL.match(text, end, ln.end).end()
        rest = text[end:ln.end].strip()
        if any(m.start >= end and self._has(m.entity, rule.cell) for m in rows[i]):
            return  # two names on one line (「Mars2020InSight」): which cell is which is lost
        rest = _first_cell(rest)
        cell = rest
        if not rest and i + 1 < len(ls):
            nxt = text[ls[i + 1].start:ls[i + 1].end]
            opens = nxt[:1] in "（(" or _kind(rule, nxt[:8]) is not None and _kind(rule, nxt[:8]).start() == 0
            if opens and not any(self._has(m.entity, rule.cell) for m in rows[i + 1]):
                cell = _first_cell(nxt)
                end = ls[i + 1].start + len(cell)
        elif rest:
            end = ln.end
        if rest and rest[:1] not in "（(" and not _kind(rule, rest):
            return
        year = re.search(r"(?<!\d)(\d{4})(?!\d)", first.surface)
        other = re.search(r"(?<!\d)(\d{4})(?!\d)", cell)
        if year and other and year.group(1) != other.group(1):
            return  # ExoMars 2016 over 「（2020打上げ）」: another mission's cell
        if _kind(rule, cell) or _kind(rule, first.surface):
            yield names, end, unicodedata.normalize("NFKC", cell)
