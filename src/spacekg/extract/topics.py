"""Topic rules: what a titled line of a document is about, and what a named group contains.

Rules are data (data/rules/topics/*.yaml); each has an ``id``, a one-line ``statement``
(``If … then …``), ``examples`` (text and the triples it must give) and ``negatives`` (texts
that must give nothing, or not the ``reject`` triples), run by tests/test_topics.py. Three
kinds read the form of committee handouts and slide decks flattened to text:

* ``kind: item`` — an item line (``line``: a regular expression, e.g. ``^[○◯]`` for the ○
  items of an agenda list) names a subject of a ``subject`` class (an agenda item); the
  subject is about every entity its title names (the names inside the title's own mention,
  found again within it), the rest of the line names and the note lines right under it name
  (``notes``: e.g. ``^※``; at most one blank line apart, a phrase and not a sentence ending
  in 。, which remarks on the whole slide), except an agent who speaks rather than is
  spoken of: in brackets (the presenter: 「（JAXA）」), after a colon (「ヒアリング：ispace」)
  or marked as the source (「JAXAより報告」). A title printed alike at several meetings
  (「…最近の動向（文科省）」) names no single entry; with ``scoped`` (the suffix the lexicon
  gives such titles, e.g. 「（第{n}回）」) it stands for the entry labelled with the title and
  the number of the meeting named by the nearest heading above (「【2】第69回…」). For such
  an item, ``role: meeting`` gives the heading's meeting (subject) and the item. ``role:
  presenter`` gives the item and who is heard (agents after a colon: 「ヒアリング：ispace、
  ALE」), and for such an item the agent in the brackets after its title too (lexicon-named
  items have their own pattern rules, R-AGENDA-ITEM and R-AGENDA-PRESENTER); ``role:
  participant`` gives who is heard and the meeting the nearest heading above names.
* ``kind: heading`` — a numbered section heading (``line``: 「（１）」, 「(2)ー1」) of the
  document: the document is about every entity the heading names (top-level names only); a
  numbered line of a list opened by a line matching ``not_under`` (the 議題 of minutes: its
  lines are agenda items) is not a heading.
* ``kind: group`` — a name of a ``subject`` class directly followed by brackets that enumerate
  names of an ``objects`` class (「物資輸送技術（物資補給・ランデブー・ドッキング技術）」), or by
  bullets on the same line (「空気再生システム実証 • CO2除去 • 酸素製造」), or a line that is the
  name alone (``head``: a regular expression for what may follow it, e.g. 実証) with at least
  two bullet lines right under it that are each one name: each enumerated entity is part of
  the named one. Brackets may wrap across lines of the original (whole lines are read). The brackets hold nothing but the names, separators
  (・、,/ ① ※), 等/など, a leading 例： (examples) or a closing 含む (including); anything
  else (a date, a sentence) and it is not an enumeration.

* ``kind: inner`` — a name of a ``subject`` class, as written in the document, that contains
  the name of another entity of an ``objects`` class (found again within it; with ``prefix:
  true`` only at its start, and followed by at least :data:`MIN_REST` characters; a
  one-character name inside, as 米 in 日米, does not count): 「内閣府宇宙開発戦略推進事務局」 is
  part of 「内閣府」, 「米国OBBB」's country is 米国. (That a meeting is held by the body its
  name holds is not stated: DR-MEETING-OF-NAMED-BODY infers it from the labels.)

* ``kind: summary`` — a title line (``line``: 【概要】, （概要）) that names a report (``subject``)
  opens its summary, which runs to the next bare title line (short, unmarked, no sentence):
  the report is about every entity an item line of it (``items``: numbered headings, ①
  items) names.

* ``kind: numbered`` — a heading that ends in a noun (``line``, named group ``noun``: 検証項目)
  over items ①, ②…: item k is the lexicon entry named noun + k (検証項目②). With
  ``subject`` each item is part of the entity of that class the heading names (「中間とりまとめ
  において整理された検証項目」); without, each item is about what its line names.

* ``kind: section`` — a heading alone on its line (``line``, matched whole: 【輸送技術】) that
  names one entity of a ``subject`` class: every entity of an ``objects`` class named in the
  lines under it (to the next such heading, a numbered or marked heading, or a short title
  line of at most :data:`SHORT_TITLE` characters) is part of it. Whole lines are read.

``objects`` / ``except`` restrict the objects by class (with superclasses); ``predicate`` is
the property produced (``about``, ``partOf``). A fact's passage is the line (plus the note
line that names the object). Facts are text readings (``oa:describing``), not chart readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from spacekg.errors import RuleError
from spacekg.mentions import Mention, match_key
from spacekg.rules import Match
from spacekg.segment import lines
from spacekg.yamlio import load_yaml_list

KINDS = ("item", "heading", "group", "inner", "summary", "numbered", "section")
#: what may stand between the names of an enumeration (brackets or bullets)
_SEPARATORS = re.compile(r"^(?:[\s・、,，/／•·※①-⑳]|及び|並びに|など|等|と|や|例[：:]|(?:を)?含む)*$")
_BULLET = "•"
_OPEN, _CLOSE = "（(", "）)"
_LIST_BULLET = re.compile(r"^[•・●○◦▪■◆\-]\s*")
_NOTHING = re.compile("")
#: an item's title: up to the presenter's brackets or a ※ note
_TITLE = re.compile(r"\s*([^※（(]+(?:[（(][^）)]*[）)][^※（(]+)*?)\s*(?=[（(][^）)]*[）)]\s*(?:※|$)|※|$)")
_MEETING_NO = re.compile(r"第\s*([0-9０-９]{1,3})\s*回")
_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
SCOPE_LINES = 20
#: what must follow an organisation's name inside another's for the first to be a part
#: (内閣府 is not a part of 内閣 by its 府 alone)
MIN_REST = 3
BARE_TITLE = 40
SHORT_TITLE = 15
#: what ends a section under a heading: another marked or numbered heading
_SECTION_END = re.compile(r"^(?:【[^】]+】\s*$|[■□◆●▼]|\d{1,2}\s*[.．]\s|[（(]\s*[0-9０-９]{1,2}\s*[)）])")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
#: the wrapped rest of an item: not a mark, not a heading
_CONTINUED = re.compile(r"^(?![①-⑳【■◆●○◯※]|\d{1,2}\s*[.．]|[（(]\s*\d)\S")
_MARKED = re.compile(r"^(?:[-・•▶➢✓○◯●■□◆※*]|\d{1,2}\s*[.．)）]|[（(]\s*\d|[①-⑳])")


@dataclass
class TopicRule:
    """A topic rule (module docstring); classes are ontology class names."""

    id: str
    statement: str
    kind: str
    predicate: str
    line: re.Pattern | None = None
    notes: re.Pattern | None = None
    subject: list[str] = field(default_factory=list)
    head: re.Pattern | None = None
    scoped: str = ""
    prefix: bool = False
    items: re.Pattern | None = None
    role: str = "about"
    not_under: re.Pattern | None = None
    objects: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    examples: list = field(default_factory=list)
    negatives: list = field(default_factory=list)
    source: str = ""


def load_topic_rules(folder: Path, ontology=None) -> list[TopicRule]:
    """Load every ``*.yaml`` of ``folder`` (data/rules/topics), sorted; ids unique.

    Raises:
        RuleError: a malformed rule (file and line named): unknown kind or class, a bad
            regular expression, a missing statement or predicate, a duplicate id.
    """
    out: list[TopicRule] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        for raw in load_yaml_list(path, RuleError):
            line = raw.get("__line__")

            def fail(msg, _raw=raw, _path=path, _line=line):
                raise RuleError(f"topic rule {_raw.get('id', '?')}: {msg}", path=str(_path), line=_line)

            rid = raw.get("id")
            if not rid or rid in seen:
                fail("missing or duplicate id")
            seen.add(rid)
            kind = raw.get("kind")
            if kind not in KINDS:
                fail(f"kind must be one of {KINDS}, not {kind!r}")
            if not str(raw.get("statement", "")).startswith("If "):
                fail("statement must read 'If … then …'")
            if not raw.get("predicate"):
                fail("predicate missing")
            if kind in ("item", "heading", "summary", "section") and not raw.get("line"):
                fail(f"a {kind} rule needs line: a regular expression")
            if raw.get("role", "about") not in ("about", "meeting", "presenter", "participant"):
                fail("role must be about, meeting, presenter or participant")
            if raw.get("role") == "meeting" and not raw.get("scoped"):
                fail("a meeting role needs scoped")
            if kind == "summary" and not raw.get("items"):
                fail("a summary rule needs items: a regular expression")
            if kind in ("item", "group", "inner", "summary", "section") and not raw.get("subject"):
                fail(f"a {kind} rule needs subject: classes")
            try:
                line_re = re.compile(raw["line"]) if raw.get("line") else None
                notes = re.compile(raw["notes"]) if raw.get("notes") else None
                head = re.compile(raw["head"]) if raw.get("head") else None
                items = re.compile(raw["items"]) if raw.get("items") else None
                not_under = re.compile(raw["not_under"]) if raw.get("not_under") else None
            except re.error as exc:
                fail(f"bad regular expression: {exc}")
            lists = {k: _as_list(raw.get(k)) for k in ("subject", "objects", "except")}
            if ontology is not None:
                for k, classes in lists.items():
                    for c in classes:
                        if c not in ontology.superclasses:
                            fail(f"unknown class {c!r} in {k}")
            out.append(TopicRule(
                rid, raw["statement"], kind, str(raw["predicate"]), line=line_re, notes=notes,
                subject=lists["subject"], head=head, scoped=str(raw.get("scoped") or ""),
                prefix=bool(raw.get("prefix")), items=items, not_under=not_under, role=str(raw.get("role") or "about"),
                objects=lists["objects"], exclude=lists["except"],
                examples=raw.get("examples") or [], negatives=raw.get("negatives") or [],
                source=f"{path.name}:{line}"))
    return out


def _as_list(v) -> list[str]:
    return [] if v is None else [v] if isinstance(v, str) else [str(x) for x in v]


def inner_mentions(finder, text: str, outer: Mention) -> list[Mention]:
    """The names written inside ``outer``'s span (leftmost-longest, ``outer``'s own full-span
    form excluded), from the lexicon's :class:`~spacekg.mentions.MentionFinder`."""
    if finder is None or finder.empty:
        return []
    sub = text[outer.start:outer.end]
    key, index = match_key(sub)
    cands = []
    for end_k, (length, ids) in finder.automaton.iter(key):
        start_k = end_k - length + 1
        s, e = index[start_k], index[end_k] + 1
        if s == 0 and e == len(sub):
            continue
        cands.append((s, -(e - s), e, ids))
    cands.sort()
    out, last = [], -1
    for s, _n, e, ids in cands:
        if s >= last:
            out.append(Mention(outer.start + s, outer.start + e, ids[0], sub[s:e], ids[1:]))
            last = e
    return out


class TopicEngine:
    """Apply topic rules to one document.

    Args:
        rules: from :func:`load_topic_rules`.
        resolver: the pipeline's :class:`~spacekg.terms.TermResolver`.
        classes_of: entity id → class names with superclasses.
    """

    def __init__(self, rules: list[TopicRule], resolver, classes_of):
        self.rules = rules
        self.resolver = resolver
        self.classes_of = classes_of
        self.counts: dict[str, int] = {r.id: 0 for r in rules}

    def apply(self, text: str, mentions: list[Mention], doc_iri, finder=None,
              all_lines=None) -> list[Match]:
        """The facts of every rule on ``text`` (normalised); spans in the normalised text.

        Args:
            mentions: the document's mentions (lexicon and found entities), sorted by start.
            finder: the lexicon's MentionFinder (names inside an item's title).
            all_lines: the lines the rules read (default :func:`spacekg.segment.lines`).
        """
        whole = lines(text)
        all_lines = all_lines if all_lines is not None else whole
        by_line = _by_line(all_lines, mentions)
        by_whole = by_line if all_lines is whole else _by_line(whole, mentions)
        out: list[Match] = []
        for rule in self.rules:
            pred = self.resolver.predicate(rule.predicate)
            seen: set = set()
            # an enumeration in brackets or a sentence may wrap: these kinds read whole lines
            ls, bl = (whole, by_whole) if rule.kind in ("group", "section") else (all_lines, by_line)
            for s, o, span in self._run(rule, text, ls, bl, doc_iri, finder):
                s_node = s if isinstance(s, URIRef) else self.resolver.entity(s)
                o_node = self.resolver.entity(o)
                if s_node == o_node or (s_node, o_node) in seen:
                    continue
                seen.add((s_node, o_node))
                out.append(Match(s_node, pred, o_node, span, rule.id))
                self.counts[rule.id] += 1
        return out

    # ------------------------------------------------------------------ kinds
    def _run(self, rule, text, all_lines, by_line, doc_iri, finder):
        if rule.kind == "section":
            yield from self._section(rule, text, all_lines, by_line)
            return
        if rule.kind == "numbered":
            yield from self._numbered(rule, text, all_lines, by_line, finder)
            return
        if rule.kind == "summary":
            yield from self._summary(rule, text, all_lines, by_line)
            return
        if rule.kind == "inner":
            for row in by_line:
                for m in row:
                    if not self._has(m.entity, rule.subject):
                        continue
                    for inner in inner_mentions(finder, text, m):
                        if rule.prefix and (inner.start != m.start or m.end - inner.end < MIN_REST):
                            continue
                        if inner.end - inner.start < 2:  # 日米 is not 米国's alone
                            continue
                        if self._is_object(rule, inner.entity):
                            yield m.entity, inner.entity, (m.start, m.end)
            return
        if rule.kind == "group":
            for i, ln in enumerate(all_lines):
                yield from self._group(rule, text, ln, by_line[i])
                yield from self._list(rule, text, all_lines, by_line, i)
            return
        i = 0
        while i < len(all_lines):
            ln = all_lines[i]
            if not rule.line.search(text[ln.start:ln.end]):
                i += 1
                continue
            if rule.kind == "heading":
                k = i - 1
                while k >= 0 and rule.line.search(text[all_lines[k].start:all_lines[k].end]):
                    k -= 1
                if rule.not_under and k >= 0 and rule.not_under.search(
                        text[all_lines[k].start:all_lines[k].end]):
                    i += 1  # an item of a list the line above opens (議題), not a heading
                    continue
                for m in by_line[i]:
                    if self._is_object(rule, m.entity):
                        yield doc_iri, m.entity, (ln.start, ln.end)
                i += 1
                continue
            subj = next((m for m in by_line[i] if self._has(m.entity, rule.subject)), None)
            meeting = None
            if subj is None and rule.scoped and finder is not None:
                subj, meeting = self._scoped(rule, text, all_lines, by_line, i, finder)
            j = i + 1
            if subj is None:
                i = j
                continue
            presenter = _presenter(text, subj, ln.end)
            # who is heard: agents after a colon on the item line (「ヒアリング：ispace、ALE」)
            heard = [m for m in by_line[i] if m.start >= subj.end and self._has(m.entity, ["Agent"])
                     and _after_colon(text, m)]
            if rule.role == "participant":  # who is heard takes part in the heading's meeting
                if meeting is None:
                    meeting = self._heading_meeting(all_lines, by_line, i)
                if meeting is not None:
                    for m in heard:
                        if self._is_object(rule, m.entity):
                            yield m.entity, meeting.entity, (all_lines[meeting.line].start, ln.end)
                i = j
                continue
            if rule.role == "meeting":  # the scoped item is an item of the heading's meeting
                if meeting is not None:
                    yield meeting.entity, subj.entity, (all_lines[meeting.line].start, ln.end)
                i = j
                continue
            if rule.role == "presenter":  # who presents: those heard; for a scoped item, the
                # agent in brackets too (lexicon items have R-AGENDA-PRESENTER for that)
                for m in by_line[i]:
                    if (m in heard or (meeting is not None and presenter
                                       and presenter[0] <= m.start < presenter[1])) \
                            and self._is_object(rule, m.entity):
                        yield subj.entity, m.entity, (ln.start, ln.end)
                i = j
                continue
            names = [(m, (ln.start, ln.end)) for m in inner_mentions(finder, text, subj)]
            names += [(m, (ln.start, ln.end)) for m in by_line[i]
                      if m.start >= subj.end and not (presenter and presenter[0] <= m.start < presenter[1])]
            while j < len(all_lines) and rule.notes and _note_of(rule, text, all_lines[j - 1], all_lines[j]):
                names += [(m, (ln.start, all_lines[j].end)) for m in by_line[j]]
                j += 1
            for m, span in names:
                if self._is_object(rule, m.entity) and not (
                        self._has(m.entity, ["Agent"]) and _speaker(text, m)):
                    yield subj.entity, m.entity, span
            i = j

    def _section(self, rule, text, all_lines, by_line):
        """A heading line (``line``) that names one entity of a ``subject`` class and nothing
        else; every entity of an ``objects`` class named in the lines under it, up to the next
        heading of the same form, a numbered heading or a short title line, is part of it."""
        i = 0
        while i < len(all_lines):
            ln = all_lines[i]
            i += 1
            if not rule.line.fullmatch(text[ln.start:ln.end].strip()) or len(by_line[i - 1]) != 1 \
                    or not self._has(by_line[i - 1][0].entity, rule.subject):
                continue
            head = by_line[i - 1][0]
            while i < len(all_lines):
                body = text[all_lines[i].start:all_lines[i].end].strip()
                if rule.line.fullmatch(body) or _SECTION_END.match(body) or (
                        len(body) <= SHORT_TITLE and not re.search(r"[、。,.]", body)):
                    break
                for m in by_line[i]:
                    if self._is_object(rule, m.entity):
                        yield m.entity, head.entity, (ln.start, all_lines[i].end)
                i += 1

    def _heading_meeting(self, all_lines, by_line, i):
        """The meeting named on the nearest line above ``i`` (within :data:`SCOPE_LINES`)."""
        for k in range(i - 1, max(-1, i - SCOPE_LINES), -1):
            hit = next((m for m in by_line[k] if self._has(m.entity, ["Meeting"])), None)
            if hit is not None:
                return _At(hit.entity, k)
        return None

    def _summary(self, rule, text, all_lines, by_line):
        """A summary title line (``line``) naming a report, then its section up to the next
        bare title line: each item line (``items``) names what the report is about."""
        i = 0
        while i < len(all_lines):
            ln = all_lines[i]
            subj = None
            if rule.line.search(text[ln.start:ln.end]):
                subj = next((m for m in by_line[i] if self._has(m.entity, rule.subject)), None)
            i += 1
            if subj is None:
                continue
            while i < len(all_lines) and not _bare_title(text[all_lines[i].start:all_lines[i].end]):
                item = all_lines[i]
                if rule.items.search(text[item.start:item.end]):
                    for m in by_line[i]:
                        if self._is_object(rule, m.entity):
                            yield subj.entity, m.entity, (item.start, item.end)
                i += 1

    def _numbered(self, rule, text, all_lines, by_line, finder):
        """A heading ending in a noun (``line``, group ``noun``: 検証項目) over items ①, ②…:
        item k is the entry named noun + k (検証項目②). With ``subject`` the item is part of
        the entity of that class the heading names; else it is about what its line names."""
        i = 0
        while i < len(all_lines):
            ln = all_lines[i]
            hm = rule.line.search(text[ln.start:ln.end])
            i += 1
            if not hm or finder is None:
                continue
            whole = None
            if rule.subject:
                whole = next((m for m in by_line[i - 1] if self._has(m.entity, rule.subject)), None)
                if whole is None:
                    continue
            while i < len(all_lines):
                item = all_lines[i]
                line = text[item.start:item.end]
                if not line[:1] or line[0] not in _CIRCLED:
                    if _CONTINUED.match(line) and i + 1 < len(all_lines):
                        i += 1  # a wrapped item goes on on the next line
                        continue
                    break
                label = hm.group("noun") + line[0]
                found = finder.find(label)
                i += 1
                if len(found) != 1 or (found[0].start, found[0].end) != (0, len(label)):
                    continue
                if whole is not None:
                    if self._is_object(rule, whole.entity):
                        yield found[0].entity, whole.entity, (ln.start, item.end)
                    continue
                for m in by_line[i - 1]:
                    if self._is_object(rule, m.entity):
                        yield found[0].entity, m.entity, (item.start, item.end)

    def _scoped(self, rule, text, all_lines, by_line, i, finder):
        """The item a title printed at several meetings stands for: the lexicon entry labelled
        with the title and the number of the meeting the nearest heading above names
        (``scoped``: the label's suffix, ``{n}`` the meeting number), as a mention of the title."""
        ln = all_lines[i]
        line = text[ln.start:ln.end]
        head = rule.line.search(line)
        m = _TITLE.match(line, head.end() if head else 0)
        if not m or not m.group(1).strip():
            return None, None
        n = k = None
        for k in range(i - 1, max(-1, i - SCOPE_LINES), -1):
            num = _MEETING_NO.search(text[all_lines[k].start:all_lines[k].end])
            if num:
                n = int(num.group(1).translate(_DIGITS))
                break
        if n is None:
            return None, None
        title = m.group(1).rstrip()
        label = title + rule.scoped.format(n=n)
        found = finder.find(label)
        if len(found) != 1 or found[0].start != 0 or found[0].end != len(label) \
                or not self._has(found[0].entity, rule.subject):
            return None, None
        start = ln.start + m.start(1)
        meeting = next((_At(mm.entity, k) for mm in by_line[k] if self._has(mm.entity, ["Meeting"])), None)
        return Mention(start, start + len(title), found[0].entity, title), meeting

    def _group(self, rule, text, ln, inline):
        for k, head in enumerate(inline):
            if not self._has(head.entity, rule.subject):
                continue
            after = text[head.end:ln.end]
            stripped = after.lstrip()
            if stripped and stripped[0] in _OPEN:
                open_at = head.end + len(after) - len(stripped)
                depth, close_at = 0, None
                for pos in range(open_at, ln.end):
                    if text[pos] in _OPEN:
                        depth += 1
                    elif text[pos] in _CLOSE:
                        depth -= 1
                        if depth == 0:
                            close_at = pos
                            break
                if close_at is None:
                    continue
                members = [m for m in inline[k + 1:] if open_at < m.start and m.end <= close_at]
                if _only_names(text, open_at + 1, close_at, members):
                    for m in members:
                        if self._is_object(rule, m.entity):
                            yield m.entity, head.entity, (head.start, close_at + 1)
            elif k == 0 and _BULLET in after:
                # HEAD … • A • B: the head opens the line, each bullet part is one name
                parts = after.split(_BULLET)[1:]
                pos = head.end + len(after.split(_BULLET)[0]) + 1
                members = []
                for part in parts:
                    inside = [m for m in inline if pos <= m.start and m.end <= pos + len(part)]
                    if len(inside) != 1 or not _only_names(text, pos, pos + len(part), inside):
                        members = []
                        break
                    members += inside
                    pos += len(part) + 1
                for m in members:
                    if self._is_object(rule, m.entity):
                        yield m.entity, head.entity, (ln.start, ln.end)

    def _list(self, rule, text, all_lines, by_line, i):
        """A line that is one name alone (``head``: what may follow it, e.g. 実証) and the
        bullet lines right under it that are each one name: each listed name is part of it."""
        ln = all_lines[i]
        inline = by_line[i]
        if len(inline) != 1 or not self._has(inline[0].entity, rule.subject):
            return
        head = inline[0]
        if text[ln.start:head.start].strip() or not (rule.head or _NOTHING).fullmatch(
                text[head.end:ln.end].strip()):
            return
        members = []
        for j in range(i + 1, len(all_lines)):
            item = text[all_lines[j].start:all_lines[j].end]
            if not _LIST_BULLET.match(item):
                break
            names = by_line[j]
            start = all_lines[j].start + _LIST_BULLET.match(item).end()
            if len(names) != 1 or not _only_names(text, start, all_lines[j].end, names):
                break
            members.append((names[0], all_lines[j].end))
        if len(members) >= 2:
            for m, end in members:
                if self._is_object(rule, m.entity):
                    yield m.entity, head.entity, (ln.start, end)

    # ------------------------------------------------------------------ classes
    def _has(self, entity: str, classes) -> bool:
        return bool(set(classes) & set(self.classes_of.get(entity, [])))

    def _is_object(self, rule, entity) -> bool:
        if rule.objects and not self._has(entity, rule.objects):
            return False
        return not (rule.exclude and self._has(entity, rule.exclude))


@dataclass(frozen=True)
class _At:
    """An entity named on line ``line`` (an index of the lines read)."""

    entity: str
    line: int


def _by_line(all_lines, mentions) -> list[list[Mention]]:
    out, k = [], 0
    ms = sorted(mentions, key=lambda m: m.start)
    for ln in all_lines:
        while k < len(ms) and ms[k].start < ln.start:
            k += 1
        j, row = k, []
        while j < len(ms) and ms[j].start < ln.end:
            if ms[j].end <= ln.end:
                row.append(ms[j])
            j += 1
        out.append(row)
    return out


def _presenter(text: str, subj: Mention, end: int):
    """The span of the brackets right after an item title (its presenter), or None."""
    rest = text[subj.end:end]
    m = re.match(r"\s*[（(][^（()）]*[)）]", rest)
    return (subj.end, subj.end + m.end()) if m else None


def _bare_title(line: str) -> bool:
    """Whether a line is a slide's bare title (it ends a summary section): short, no sentence,
    no list or number mark, not wholly in brackets, no URL or key."""
    line = line.strip()
    return (len(line) <= BARE_TITLE and "。" not in line and not _MARKED.match(line)
            and not re.fullmatch(r"[（(].*[)）]", line) and not re.search(r"https?:|[：:]", line))


def _note_of(rule, text: str, prev, ln) -> bool:
    """Whether line ``ln`` is a note of the item above: it matches ``notes``, follows ``prev``
    after at most one blank line and is a phrase, not a sentence (a remark on the whole slide
    ends with 。)."""
    line = text[ln.start:ln.end]
    return bool(rule.notes.search(line)) and text.count("\n", prev.end, ln.start) <= 2 \
        and "。" not in line


def _after_colon(text: str, m: Mention) -> bool:
    """Whether ``m`` is listed after a colon on its line (「ヒアリング：ispace、ALE」)."""
    ls = text.rfind("\n", 0, m.start) + 1
    return bool(re.search(r"[：:][^。]*$", text[ls:m.start]))


def _speaker(text: str, m: Mention) -> bool:
    """Whether an agent named on an item or note line is who speaks, not what is spoken of:
    in brackets (「（内閣府）」), after a colon (「ヒアリング：ispace」) or marked as the source
    (「JAXAより」「JAXAから」)."""
    ls = text.rfind("\n", 0, m.start) + 1
    before = text[ls:m.start]
    if before.count("（") + before.count("(") > before.count("）") + before.count(")"):
        return True
    if re.search(r"[：:][^。]*$", before):
        return True
    return bool(re.match(r"\s*(?:より|から)", text[m.end:m.end + 4]))


def _only_names(text: str, start: int, end: int, names: list[Mention]) -> bool:
    """Whether ``text[start:end]`` is nothing but ``names`` and :data:`_SEPARATORS`."""
    if not names:
        return False
    rest, pos = [], start
    for m in sorted(names, key=lambda m: m.start):
        rest.append(text[pos:m.start])
        pos = m.end
    rest.append(text[pos:end])
    return all(_SEPARATORS.match(r) for r in rest)
