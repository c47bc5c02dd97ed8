"""Stage 5: declarative extraction rules (data/rules/*.yaml) and the engine that applies them.

A rule is data, not code::

    - id: R-MEETING-DATE
      statement: If a meeting is named with a date in brackets right after it, then the
        meeting took place on that date.
      pattern: "{m:Meeting}\\(\\s*{d:@date}\\s*\\)"
      produce:
        - [m, date, d]
      examples:
        - text: "【2】第69回ISS・国際宇宙探査小委員会(令和7年6月13日)"
          expect: [[meeting-69, date, '"2025-06-13"^^xsd:date']]

**Pattern language.** A pattern is a Python regular expression over a *token string* of the
passage, in which every mention and every recognised value is one token. Macros:

* ``{x:Class}`` — a mention of an entity of ``Class`` (or a subclass); ``{x:A,B}`` one of
  several classes; ``{x:*}`` any mention. Binds ``x`` to the entity.
* ``{d:@tag}`` — a value whose tags include ``tag``: its kind (``date``, ``number``,
  ``quantity``, ``percent``, ``ordinal``, ``month``), datatype (``gYear``, ``gYearMonth``,
  ``date``, ``fiscalYear``, ``decade``, ``decimal``, ``integer``), unit (``kg``, ``d``,
  ``count``…) or qualifier (``approximate``, ``fiscal_year``, ``planned``, ``by``…). Binds ``d``
  to the value's literal.
* Everything else is a regular expression over the normalised text (NFKC, so brackets are
  ASCII ``(`` ``)``); ``.`` also matches a whole token.

``surface`` (optional) maps a variable to a regular expression searched in the surface text
of its mention; its named groups become string variables usable in literal templates
(``'"{n}"^^xsd:positiveInteger'``).

``scope`` is ``line`` (default: each line of the document) or ``section`` with an ``anchor``
``{var: Class}``: the first mention of that class in the section's heading line is bound to
``var`` for every line of the section (list-structured passages: items under a heading).

``produce`` lists triples ``[subject, predicate, object]``: variables, lexicon ids, or
literals in Turtle form (``'"{n}"^^xsd:integer'``). ``qualifier`` (optional) is recorded on the
statement nodes (``sk:dateQualifier``); by default a date value's own qualifiers are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef

from spacekg.errors import RuleError
from spacekg.mentions import Mention
from spacekg.ontology import Ontology
from spacekg.segment import Passage, lines, sections
from spacekg.terms import TermResolver
from spacekg.yamlio import load_yaml_list

OPEN, CLOSE = "\ue000", "\ue001"
MACRO = re.compile(r"\{(?P<var>[A-Za-z_][A-Za-z0-9_]*):(?P<spec>[^}]+)\}")
TAG_SAFE = re.compile(r"[^A-Za-z0-9_]")


@dataclass
class Rule:
    """A parsed extraction rule (see module docstring).

    Attributes:
        id, statement: identifier and one-line ``If … then …`` statement.
        regex: the compiled pattern over token strings.
        mention_vars / value_vars: variable names bound to mentions / values.
        produce: triples of strings as written.
        scope: ``"line"`` or ``"section"``; anchor: ``(var, class)`` for sections.
        surface: variable → compiled regex over the mention's surface.
        examples: list of ``{"text": str, "expect": [[s, p, o], …]}``.
        source: ``file:line``.
    """

    id: str
    statement: str
    pattern: str
    regex: re.Pattern
    mention_vars: dict[str, list[str]]
    value_vars: dict[str, str]
    produce: list[list[str]]
    scope: str = "line"
    anchor: tuple[str, str] | None = None
    surface: dict[str, re.Pattern] = field(default_factory=dict)
    qualifier: str | None = None
    examples: list[dict] = field(default_factory=list)
    source: str = ""


@dataclass(frozen=True)
class Match:
    """One fact produced by a rule (or a curated statement).

    Attributes:
        s, p, o: the triple (rdflib terms).
        span: ``(start, end)`` in the normalised text of the passage that supports it.
        producer: rule id or curation id.
        qualifiers: date qualifiers for the statement node.
        reading: ``"text"`` (the passage says it) or ``"chart"`` (read from a position in a
            flattened chart: the passage is the cell; see :mod:`spacekg.extract.charts`).
        table_headings: for a chart reading, ``(("caption" | "row" | "column", (start,
            end)), …)`` in the normalised text: the chart's title and the cell's headings.
        subject_passage: True for the second passage of a layout fact whose subject a
            title names: ``span`` is the title line, while another Match of the same fact
            holds the line that gives the value (:meth:`spacekg.extract.layout.LayoutEngine
            ._with_title`). The evidence keeps both passages; a review record quotes the line.
    """

    s: URIRef
    p: URIRef
    o: URIRef | Literal
    span: tuple[int, int]
    producer: str
    qualifiers: frozenset = frozenset()
    reading: str = "text"
    table_headings: tuple = ()
    subject_passage: bool = False


def _compile(pattern: str) -> tuple[str, dict[str, list[str]], dict[str, str]]:
    mention_vars: dict[str, list[str]] = {}
    value_vars: dict[str, str] = {}

    def repl(m: re.Match) -> str:
        var, spec = m.group("var"), m.group("spec").strip()
        if spec.startswith("@"):
            tag = TAG_SAFE.sub("_", spec[1:])
            value_vars[var] = tag
            return (f"{OPEN}V(?P<{var}>\\d+):(?=[^|{CLOSE}]*\\b{tag}\\b)[^|{CLOSE}]*\\|[^{CLOSE}]*{CLOSE}")
        classes = [c.strip() for c in spec.split(",")]
        mention_vars[var] = classes
        if classes == ["*"]:
            look = ""
        else:
            alt = "|".join(re.escape(c) for c in classes)
            look = f"(?=[^|{CLOSE}]*\\b(?:{alt})\\b)"
        return f"{OPEN}M(?P<{var}>\\d+):{look}[^|{CLOSE}]*\\|[^{CLOSE}]*{CLOSE}"

    text = MACRO.sub(repl, pattern)
    return text, mention_vars, value_vars


def parse_rule(raw: dict, path: Path, ontology: Ontology | None) -> Rule:
    """Check and compile one rule mapping.

    Raises:
        RuleError: missing field, bad regular expression, unknown class, unbound variable
            (the message names the file and line).
    """
    line = raw.get("__line__")

    def fail(msg):
        raise RuleError(f"rule {raw.get('id', '?')}: {msg}", path=str(path), line=line)

    for key in ("id", "statement", "pattern", "produce"):
        if not raw.get(key):
            fail(f"lacks {key!r}")
    text, mvars, vvars = _compile(str(raw["pattern"]))
    try:
        regex = re.compile(text, re.DOTALL)
    except re.error as exc:
        fail(f"bad pattern: {exc}")
    if ontology is not None:
        for classes in mvars.values():
            for c in classes:
                if c != "*" and c not in ontology.superclasses:
                    fail(f"unknown class {c!r}")
    anchor = None
    scope = raw.get("scope", "line")
    if scope not in ("line", "section"):
        fail(f"scope must be line or section, not {scope!r}")
    if scope == "section":
        a = raw.get("anchor")
        if isinstance(a, dict):
            a = {k: v for k, v in a.items() if k != "__line__"}
        if not isinstance(a, dict) or len(a) != 1:
            fail("a section rule needs anchor: {var: Class}")
        anchor = next((k, v) for k, v in a.items() if k != "__line__")
    surface = {}
    for var, rx in (raw.get("surface") or {}).items():
        if var == "__line__":
            continue
        try:
            surface[var] = re.compile(rx)
        except re.error as exc:
            fail(f"bad surface pattern for {var}: {exc}")
    bound = set(mvars) | set(vvars) | set(regex.groupindex) | ({anchor[0]} if anchor else set())
    for rx in surface.values():
        bound |= set(rx.groupindex)
    for triple in raw["produce"]:
        if not isinstance(triple, list) or len(triple) != 3:
            fail(f"produce entries must be [subject, predicate, object], got {triple!r}")
        for term in (triple[0], triple[2]):
            for ref in re.findall(r"\{(\w+)\}", str(term)) if str(term).startswith('"') else []:
                if ref not in bound:
                    fail(f"literal template uses unbound {ref!r}")
    return Rule(str(raw["id"]), str(raw["statement"]), str(raw["pattern"]), regex, mvars, vvars,
                raw["produce"], scope, anchor, surface, raw.get("qualifier"),
                raw.get("examples") or [], f"{path}:{line}")


def load_rules(folder: Path, ontology: Ontology | None = None) -> list[Rule]:
    """Load every ``*.yaml`` rule file of ``folder`` (sorted), ids unique.

    Raises:
        RuleError: a malformed rule (file and line named) or a duplicate id.
    """
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        for raw in load_yaml_list(path, RuleError):
            rule = parse_rule(raw, path, ontology)
            if rule.id in seen:
                raise RuleError(f"duplicate rule id {rule.id} (first at {seen[rule.id]})",
                                path=str(path), line=raw.get("__line__"))
            seen[rule.id] = rule.source
            rules.append(rule)
    return rules


class TokenString:
    """A passage as a token string: mentions and values are single tokens.

    Args:
        text: normalised document text.
        start, end: the passage span.
        mentions: mentions of the whole document (sorted).
        values: values of the whole document (sorted).
        classes_of: entity id → list of class names with all superclasses.
    """

    def __init__(self, text, start, end, mentions, values, classes_of):
        self.items: list = []  # index → Mention or Value
        parts: list[str] = []
        self.origin: list[tuple[int, int]] = []  # per token-string char: normalised span
        spans = []
        for m in mentions:
            if start <= m.start and m.end <= end:
                spans.append((m.start, m.end, "M", m))
        for v in values:
            if start <= v.start and v.end <= end:
                spans.append((v.start, v.end, "V", v))
        # resolve overlaps: longer wins; a short mention (<= 2 chars) loses to a value
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        chosen = []
        for sp in spans:
            if chosen and sp[0] < chosen[-1][1]:
                prev = chosen[-1]
                if prev[2] == "M" and sp[2] == "V" and prev[1] - prev[0] <= 2:
                    chosen[-1] = sp
                continue
            chosen.append(sp)
        pos = start
        for s, e, kind, item in chosen:
            for i in range(pos, s):
                parts.append(text[i])
                self.origin.append((i, i + 1))
            idx = len(self.items)
            self.items.append(item)
            if kind == "M":
                tags = ",".join(sorted(classes_of.get(item.entity, [])))
            else:
                tags = ",".join(sorted({TAG_SAFE.sub("_", t) for t in item_tags(item)}))
            token = f"{OPEN}{kind}{idx}:{tags}|{text[s:e].replace(CLOSE, '')}{CLOSE}"
            parts.append(token)
            self.origin.extend([(s, e)] * len(token))
            pos = e
        for i in range(pos, end):
            parts.append(text[i])
            self.origin.append((i, i + 1))
        self.string = "".join(parts)

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Normalised span of the token-string span ``[a, b)``."""
        return self.origin[a][0], self.origin[b - 1][1]


def item_tags(value) -> list[str]:
    """Tags of a value for ``{x:@tag}`` macros: kind, datatype local name, unit, qualifiers."""
    dt = str(value.datatype)
    local = re.split(r"[#/]", dt)[-1]
    tags = [value.kind, local]
    if value.unit:
        tags.append(value.unit)
    tags.extend(value.qualifiers)
    return tags


class RuleEngine:
    """Apply rules to a document's passages.

    Args:
        rules: parsed rules.
        resolver: turns ids and Turtle-style literals into rdflib terms.
        classes_of: entity id → class names with superclasses.
    """

    def __init__(self, rules: list[Rule], resolver: TermResolver, classes_of: dict[str, list[str]]):
        self.rules = rules
        self.resolver = resolver
        self.classes_of = classes_of
        self.counts: dict[str, int] = {r.id: 0 for r in rules}

    def apply(self, text: str, mentions: list[Mention], values: list) -> list[Match]:
        """Run every rule over ``text`` (normalised) and return the facts, in text order."""
        out: list[Match] = []
        all_lines = lines(text)
        line_tokens = [TokenString(text, ln.start, ln.end, mentions, values, self.classes_of)
                       for ln in all_lines]
        secs = None
        for rule in self.rules:
            if rule.scope == "line":
                for ts in line_tokens:
                    out.extend(self._run(rule, ts, {}, None))
            else:
                secs = secs if secs is not None else sections(text, all_lines)
                for sec in secs:
                    out.extend(self._run_section(rule, text, sec, all_lines, line_tokens, mentions))
        out.sort(key=lambda m: (m.span, m.producer, str(m.s), str(m.p), str(m.o)))
        return out

    def _run_section(self, rule, text, sec: Passage, all_lines, line_tokens, mentions):
        var, cls = rule.anchor
        hs, he = sec.heading
        anchor = next((m for m in mentions if hs <= m.start and m.end <= he
                       and cls in self.classes_of.get(m.entity, [])), None)
        if anchor is None:
            return []
        results = []
        for ln, ts in zip(all_lines, line_tokens, strict=True):
            if sec.start <= ln.start and ln.end <= sec.end:
                results.extend(self._run(rule, ts, {var: anchor}, (hs, he)))
        return results

    def _run(self, rule: Rule, ts: TokenString, preset: dict, heading):
        results = []
        for m in rule.regex.finditer(ts.string):
            if m.end() == m.start():
                continue
            env: dict = {}
            strings: dict[str, str] = {}
            quals: set[str] = set()
            bound = [(var, item, item.entity) for var, item in preset.items()]
            for var in rule.mention_vars:
                if m.group(var) is not None:  # None: in an optional branch that did not match
                    item = ts.items[int(m.group(var))]
                    bound.append((var, item, _in_context(item, preset)))
            ok = True
            for var, item, eid in bound:
                env[var] = self.resolver.entity(eid)
                if var in rule.surface:
                    sm = rule.surface[var].search(item.surface)
                    if not sm:
                        ok = False
                        break
                    strings.update({k: v for k, v in sm.groupdict().items() if v is not None})
            if not ok:
                continue
            quals |= bind_values(rule, m, ts, env)
            strings.update({k: v for k, v in m.groupdict().items()
                            if v is not None and k not in env})
            span = ts.span(m.start(), m.end())
            if heading is not None and heading[1] <= span[0] and span[1] - heading[0] <= 400:
                span = (heading[0], span[1])
            made = produce(rule, self.resolver, env, strings, span, quals)
            results.extend(made)
            self.counts[rule.id] = self.counts.get(rule.id, 0) + len(made)
        return results


def bind_values(rule: Rule, m: re.Match, ts: TokenString, env: dict) -> set[str]:
    """Bind the value variables (``{d:@tag}``) of pattern match ``m`` over ``ts`` into ``env``
    as literals; return the date qualifiers of the values bound (``approximate``, ``by`` …)."""
    quals: set[str] = set()
    for var in rule.value_vars:
        if m.group(var) is None:  # in an optional branch that did not match
            continue
        item = ts.items[int(m.group(var))]
        env[var] = item.to_literal()
        quals |= {q for q in item.qualifiers if q in DATE_QUALIFIERS}
    return quals


def produce(rule: Rule, resolver: TermResolver, env: dict, strings: dict[str, str],
            span: tuple[int, int], quals: set[str], skip: tuple = (KeyError,)) -> list[Match]:
    """The facts ``rule.produce`` makes from one match's bindings.

    Args:
        env: variable → rdflib term; strings: variable → text for literal templates.
        span: ``(start, end)`` of the supporting passage in the normalised text.
        quals: date qualifiers of the values bound; the rule's own ``qualifier`` is added.
        skip: exceptions of the resolver that drop one triple (an unbound variable: KeyError).

    Returns:
        One :class:`Match` per produced triple whose subject and object differ.
    """
    quals = set(quals) | ({rule.qualifier} if rule.qualifier else set())
    out = []
    for s, p, o in rule.produce:
        try:
            triple = (resolver.node(s, env, strings), resolver.predicate(p), resolver.node(o, env, strings))
        except skip:
            continue
        if triple[0] != triple[2]:
            out.append(Match(*triple, span, rule.id, frozenset(quals)))
    return out


def _in_context(mention: Mention, preset: dict) -> str:
    """The entity a mention names, given a section anchor.

    When several entries share the mention's surface form (e.g. the same agenda title at
    several meetings), prefer the one whose id extends the anchor's id (``meeting-72-item-3``
    under ``meeting-72``); otherwise the first entry.
    """
    if mention.alternatives and preset:
        for anchor in preset.values():
            for eid in (mention.entity, *mention.alternatives):
                if eid.startswith(anchor.entity + "-"):
                    return eid
    return mention.entity


#: Value qualifiers that are recorded on statement nodes as sk:dateQualifier.
DATE_QUALIFIERS = {"approximate", "fiscal-year", "decade", "by", "planned", "from", "range",
                   "at-least", "early", "mid", "late"}
