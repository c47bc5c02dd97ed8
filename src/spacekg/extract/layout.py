"""Layout rules: facts read from the form of a document, not from its sentences.

Rules are data (data/rules/layout/*.yaml). Each has the fields of an extraction rule (``id``,
``statement``, ``pattern`` in the pattern language of :mod:`spacekg.rules`, ``produce``,
``examples``) and says WHICH lines it reads and WHAT the lines are about:

* ``layout: line`` — every line (a form that carries its own subject);
* ``layout: document`` — every line, about the document's topic (key–value lines of an
  infobox: 「打上げ日時 2023年9月7日」, a table flattened into ``key<TAB>value`` lines, the
  【speaker】 turns of minutes);
* ``layout: block`` — the lines of the block under a heading line matching ``heading`` (a
  regular expression), up to the next numbered or marked heading: the 日時 / 場所 / 議題 /
  出席者 / 配付資料 parts of MEXT minutes, a list of participants or instruments;
* ``layout: header`` — the first :data:`HEADER_LINES` non-blank lines (a press release's date
  line and issuer).

``topic`` binds variables before the pattern runs: ``{m: Meeting}`` is the first mention of
that class (or one of a list) in the title (the first non-blank line, or the first
:data:`TITLE_LINES` lines when the first names none); ``{c: "@body:m"}`` is the body that
holds meeting ``m`` (as the meeting's discovery found it, or the lexicon's meeting index);
``doc`` is always the document itself. ``subhead: {o: Organization}`` binds ``o`` to the
organisation named alone on the nearest line above, inside the block (出席者 lists grouped by
organisation). ``mint`` creates nodes: ``{i: {class: AgendaItem, id: "{m}-item-{n}", label:
"{title}"}}`` gives ``i`` the IRI ``{base}resource/<id>`` (``{m}`` is the slug of entity ``m``,
``{n}`` a named group); its type and ja label are described like a found entity's, with
``prov:wasGeneratedBy`` the layout rule (``aka`` templates give its other names).

Evidence: the span of the match; when a topic is bound from the title, the title line is a
second passage of the same fact (one statement node, two annotations: the line naming the
subject and the line giving the value), or one span when the title is the line just above. A fact
about the document topic is produced once per rule (the first line that gives it).

``negatives`` (text, and optionally ``reject``: triples) are texts the rule must not read as
the fact; tests/test_layout.py runs examples and negatives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from spacekg.errors import RuleError
from spacekg.extract.entities import LEGAL_FORMS
from spacekg.mentions import Mention
from spacekg.rules import Match, Rule, TokenString, bind_values, parse_rule, produce
from spacekg.segment import lines
from spacekg.terms import UnknownTerm
from spacekg.yamlio import load_yaml_list

LAYOUTS = ("line", "document", "block", "header")
HEADER_LINES = 8
TITLE_LINES = 3
NEAR = 2  # the title line right above: one passage; farther: two passages
#: a line that ends a block: the next part of the minutes template (5.議事録, 配付資料 …), a
#: marked heading (■ ◆ ● ▼) or a heading in 【】 alone on its line
PART_HEAD = re.compile(
    r"^\s*(?:(?:\d{1,2}\s*[.．]\s*)?(?:開催日時|日時|開催場所|場所|議題|出席者|配付資料|議事録|議事要旨|議事概要)"
    r"\s*(?:[:：].*)?$|[■□◆●▼]\s*\S|【[^】]+】\s*$)")
MAX_BLOCK = 80


@dataclass
class LayoutRule:
    """A layout rule: a compiled pattern rule plus where it reads and what it is about."""

    rule: Rule
    layout: str
    topic: dict[str, object] = field(default_factory=dict)
    heading: re.Pattern | None = None
    subhead: tuple[str, list[str]] | None = None
    mint: dict[str, dict] = field(default_factory=dict)
    negatives: list = field(default_factory=list)
    near: re.Pattern | None = None
    max_lines: int = 0

    @property
    def id(self) -> str:
        return self.rule.id


def _clean(d):
    return {k: v for k, v in d.items() if k != "__line__"} if isinstance(d, dict) else d


def load_layout_rules(folder: Path, ontology=None) -> list[LayoutRule]:
    """Load every ``*.yaml`` of ``folder`` (data/rules/layout), sorted, ids unique.

    Raises:
        RuleError: a malformed rule (file and line named).
    """
    out: list[LayoutRule] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        for raw in load_yaml_list(path, RuleError):
            line = raw.get("__line__")

            def fail(msg, _raw=raw, _path=path, _line=line):
                raise RuleError(f"layout rule {_raw.get('id', '?')}: {msg}", path=str(_path), line=_line)

            layout = raw.get("layout", "line")
            if layout not in LAYOUTS:
                fail(f"layout must be one of {LAYOUTS}, not {layout!r}")
            if layout == "block" and not raw.get("heading"):
                fail("a block rule needs heading: a regular expression")
            base = {k: v for k, v in raw.items() if k not in ("layout", "topic", "heading", "subhead",
                                                            "mint", "negatives", "near", "max_lines")}
            base["scope"] = "line"
            rule = parse_rule(base, path, ontology)
            if rule.id in seen:
                fail("duplicate id")
            seen.add(rule.id)
            topic = {}
            for var, spec in (_clean(raw.get("topic")) or {}).items():
                topic[var] = spec if isinstance(spec, str) and spec.startswith("@") else (
                    spec if isinstance(spec, list) else [spec])
                if ontology is not None and isinstance(topic[var], list):
                    for c in topic[var]:
                        if c not in ontology.superclasses:
                            fail(f"unknown class {c!r}")
            try:
                heading = re.compile(raw["heading"]) if raw.get("heading") else None
                near = re.compile(raw["near"]) if raw.get("near") else None
            except re.error as exc:
                fail(f"bad heading or near: {exc}")
            sub = _clean(raw.get("subhead"))
            subhead = None
            if sub:
                (var, classes), = sub.items()
                subhead = (var, classes if isinstance(classes, list) else [classes])
            mint = {k: _clean(v) for k, v in (_clean(raw.get("mint")) or {}).items()}
            for var, spec in mint.items():
                if not spec.get("class") or not spec.get("id"):
                    fail(f"mint {var} needs class and id")
            out.append(LayoutRule(rule, layout, topic, heading, subhead, mint, raw.get("negatives") or [],
                                  near, int(raw.get("max_lines") or 0)))
    return out


class LayoutEngine:
    """Apply layout rules to one document.

    Args:
        rules: from :func:`load_layout_rules`.
        resolver: the pipeline's :class:`~spacekg.terms.TermResolver` (knows new entities).
        classes_of: entity id → class names with superclasses.
        bodies: meeting id → id of the body that holds it (lexicon index + discoveries).
    """

    def __init__(self, rules: list[LayoutRule], resolver, classes_of, bodies=None):
        self.rules = rules
        self.resolver = resolver
        self.classes_of = classes_of
        self.bodies = bodies if bodies is not None else {}
        self.counts: dict[str, int] = {r.id: 0 for r in rules}

    def apply(self, text: str, mentions: list[Mention], values: list, doc_iri, breaks=(),
              minted: dict | None = None) -> list[Match]:
        """Facts the layout rules read in ``text`` (normalised); spans in the normalised text.

        Args:
            breaks: offsets where normalisation joined two original lines; the rules read the
                original lines, so a line is cut there.
            minted: filled with the nodes the rules mint (id → NewEntity: class, ja label,
                span, the rule), which the caller describes like found entities.
        """
        self._minted = minted if minted is not None else {}
        all_lines = split_lines(text, lines(text), breaks)
        if not all_lines:
            return []
        tokens: dict[int, TokenString] = {}

        def ts(i):
            if i not in tokens:
                ln = all_lines[i]
                tokens[i] = TokenString(text, ln.start, ln.end, mentions, values, self.classes_of)
            return tokens[i]

        out: list[Match] = []
        for lr in self.rules:
            env0, title = self._topics(lr, text, all_lines, mentions)
            if env0 is None:
                continue
            if lr.near and not any(lr.near.search(text[ln.start:ln.end])
                                   for ln in all_lines[:HEADER_LINES]):
                continue
            env0["doc"] = doc_iri
            seen: set = set()
            for i, block_start in self._lines(lr, text, all_lines):
                env = dict(env0)
                if lr.subhead:
                    org = self._subhead(lr, text, all_lines, mentions, block_start, i)
                    if org is None:
                        continue
                    env[lr.subhead[0]] = self.resolver.entity(org.entity)
                for m in self._run(lr, ts(i), env):
                    key = (m.s, m.p, m.o)
                    if lr.topic and key in seen:
                        continue
                    seen.add(key)
                    out.extend(self._with_title(m, title))
        out.sort(key=lambda m: (m.span, m.producer, str(m.s), str(m.p), str(m.o)))
        return out

    # ------------------------------------------------------------------ binding
    def _topics(self, lr: LayoutRule, text, all_lines, mentions):
        env: dict = {}
        title = None
        ids: dict[str, str] = {}
        for var, spec in lr.topic.items():
            if isinstance(spec, str):  # "@body:m"
                kind, _, ref = spec[1:].partition(":")
                body = self.bodies.get(ids.get(ref, "")) if kind == "body" else None
                if body is None:
                    return None, None
                ids[var] = body
                env[var] = self.resolver.entity(body)
                continue
            hit = None
            for ln in all_lines[:TITLE_LINES]:
                hit = next((m for m in mentions if ln.start <= m.start and m.end <= ln.end
                            and set(spec) & set(self.classes_of.get(m.entity, []))), None)
                if hit:
                    title = title or (ln.start, ln.end)
                    break
            if hit is None:
                return None, None
            ids[var] = hit.entity
            env[var] = self.resolver.entity(hit.entity)
        return env, title

    def _lines(self, lr: LayoutRule, text, all_lines):
        if lr.layout == "header":
            yield from ((i, 0) for i in range(min(HEADER_LINES, len(all_lines))))
        elif lr.layout in ("line", "document"):
            yield from ((i, 0) for i in range(len(all_lines)))
        else:
            i = 0
            while i < len(all_lines):
                ln = all_lines[i]
                if lr.heading.search(text[ln.start:ln.end]):
                    start = i
                    yield i, start
                    i += 1
                    while (i < len(all_lines) and i - start < (lr.max_lines or MAX_BLOCK)
                           and not PART_HEAD.match(text[all_lines[i].start:all_lines[i].end])):
                        yield i, start
                        i += 1
                    continue
                i += 1

    def _subhead(self, lr, text, all_lines, mentions, block_start, i):
        """The organisation named alone (legal form and brackets allowed) on the nearest line
        above ``i`` that names no person, or None when that line is not such a name."""
        _var, classes = lr.subhead
        for j in range(i - 1, block_start, -1):
            ln = all_lines[j]
            inside = [m for m in mentions if ln.start <= m.start and m.end <= ln.end]
            if any("Person" in self.classes_of.get(m.entity, []) for m in inside):
                continue
            orgs = [m for m in inside if set(classes) & set(self.classes_of.get(m.entity, []))]
            rest = text[ln.start:ln.end]
            for m in inside:
                rest = rest.replace(m.surface, "")
            for form in LEGAL_FORMS:
                rest = rest.replace(form, "")
            return orgs[0] if orgs and not re.sub(r"[\s()\[\]]", "", rest) else None
        return None

    # ------------------------------------------------------------------ matching
    def _run(self, lr: LayoutRule, ts: TokenString, preset: dict):
        rule = lr.rule
        results = []
        for m in rule.regex.finditer(ts.string):
            if m.end() == m.start():
                continue
            env = dict(preset)
            strings: dict[str, str] = {}
            quals: set[str] = set()
            ok = True
            for var in rule.mention_vars:
                if m.group(var) is None:
                    continue
                item = ts.items[int(m.group(var))]
                env[var] = self.resolver.entity(item.entity)
                strings[var] = item.entity
                if var in rule.surface:
                    sm = rule.surface[var].search(item.surface)
                    if not sm:
                        ok = False
                        break
                    strings.update({k: v for k, v in sm.groupdict().items() if v is not None})
            if not ok:
                continue
            quals |= bind_values(rule, m, ts, env)
            strings.update({k: _plain(v) for k, v in m.groupdict().items()
                            if v is not None and k not in env})
            for var, node in preset.items():
                strings.setdefault(var, str(node).rsplit("/", 1)[-1])
            span = ts.span(m.start(), m.end())
            minted = self._mint(lr, env, strings, span)
            if minted is None:
                continue
            results.extend(minted)
            made = produce(rule, self.resolver, env, strings, span, quals, skip=(KeyError, UnknownTerm))
            results.extend(made)
            self.counts[rule.id] = self.counts.get(rule.id, 0) + len(made)
        return results

    def _mint(self, lr: LayoutRule, env, strings, span):
        from spacekg.extract.entities import NewEntity

        for var, spec in lr.mint.items():
            try:
                slug = str(spec["id"]).format(**strings)
                label = str(spec.get("label", "")).format(**strings).strip()
            except KeyError:
                return None
            slug = re.sub(r"[^a-z0-9-]", "-", slug.lower())
            env[var] = self.resolver.iris.res[slug]
            try:
                aka = [str(a).format(**strings).strip() for a in spec.get("aka") or []]
            except KeyError:
                aka = []
            node = self._minted.setdefault(slug, NewEntity(slug, [spec["class"]], label, rules=[lr.id],
                                                           span=span, doc=strings.get("doc", "")))
            if label and not node.ja:
                node.ja = label
            node.aliases += [a for a in aka if a and a != node.ja and a not in node.aliases]
        return []

    @staticmethod
    def _with_title(m: Match, title):
        if title is None or (title[0] <= m.span[0] and m.span[1] <= title[1]):
            return [m]
        if title[1] <= m.span[0] and m.span[0] - title[1] <= NEAR:
            return [Match(m.s, m.p, m.o, (title[0], m.span[1]), m.producer, m.qualifiers)]
        return [m, Match(m.s, m.p, m.o, title, m.producer, m.qualifiers, subject_passage=True)]


def split_lines(text: str, all_lines, breaks) -> list:
    """``all_lines`` cut at each offset of ``breaks`` (trimmed, non-empty parts)."""
    from spacekg.segment import Passage

    if not breaks:
        return all_lines
    cuts = sorted(breaks)
    out = []
    k = 0
    for ln in all_lines:
        start = ln.start
        while k < len(cuts) and cuts[k] <= ln.start:
            k += 1
        while k < len(cuts) and cuts[k] < ln.end:
            part = text[start:cuts[k]]
            if part.strip():
                s = start + len(part) - len(part.lstrip())
                out.append(Passage("line", s, start + len(part.rstrip()), ln.bullet if start == ln.start else ""))
            start = cuts[k]
            k += 1
        part = text[start:ln.end]
        if part.strip():
            s = start + len(part) - len(part.lstrip())
            out.append(Passage("line", s, start + len(part.rstrip()), ln.bullet if start == ln.start else ""))
    return out


def _plain(s: str) -> str:
    """A named group's text without the rule engine's token marks (the surface of tokens)."""
    from spacekg.rules import CLOSE, OPEN

    return re.sub(f"{OPEN}[^|{CLOSE}]*\\|([^{CLOSE}]*){CLOSE}", r"\1", s).strip()
