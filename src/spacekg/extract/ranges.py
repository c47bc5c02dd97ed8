"""Range rules: 「第45～47回小委員会」 names every meeting from the 45th to the 47th.

A numbered range names its members only through the lexicon: member *n* is the one entry of a
``member`` class whose label or alias begins with the range's prefix and *n* and its counter
(第45回…) and holds the word printed after the range (小委員会). A range whose members are not
all in the lexicon — or not each a single entry — gives nothing. (Names with a range inside a
chart cell, 「嫦娥1～3」, are read by the chart rules, :mod:`spacekg.extract.charts`.)

Rules are data (data/rules/ranges/*.yaml): ``id``, a one-line ``statement`` (``If … then …``),
``kind``, ``member`` (classes), ``predicate``, ``examples`` and ``negatives`` (run by
tests/test_ranges.py). Kinds:

* ``number`` — each member's number (``meetingNumber``, ``xsd:positiveInteger``);
* ``source`` — a line 「X： （第45～47回小委員会での議論より）」: the entity X of a ``subject``
  class named before the colon draws on (``basedOn``) each member; ``line`` is the regular
  expression of what follows the range (での議論より, を踏まえ).

Facts are text readings; the passage is the range (with the subject's line for ``source``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import XSD, Literal

from spacekg.errors import RuleError
from spacekg.mentions import match_key
from spacekg.rules import Match
from spacekg.yamlio import load_yaml_list

KINDS = ("number", "source")
#: 第45～47回 + the word after it (up to a particle or bracket)
RANGE = re.compile(r"第\s*(\d{1,4})\s*[～~〜]\s*(\d{1,4})\s*回\s*([^\s、。,での（）()]{0,12}?)(?=での|の|で|に|と|、|[）)]|$)")
MAX_MEMBERS = 12


@dataclass
class RangeRule:
    """A range rule (module docstring)."""

    id: str
    statement: str
    kind: str
    predicate: str
    member: list[str]
    subject: list[str] = field(default_factory=list)
    line: re.Pattern | None = None
    examples: list = field(default_factory=list)
    negatives: list = field(default_factory=list)
    source: str = ""


def load_range_rules(folder: Path, ontology=None) -> list[RangeRule]:
    """Load every ``*.yaml`` of ``folder`` (data/rules/ranges), sorted; ids unique.

    Raises:
        RuleError: a malformed rule (file and line named).
    """
    out: list[RangeRule] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        for raw in load_yaml_list(path, RuleError):
            line = raw.get("__line__")

            def fail(msg, _raw=raw, _path=path, _line=line):
                raise RuleError(f"range rule {_raw.get('id', '?')}: {msg}", path=str(_path), line=_line)

            rid = raw.get("id")
            if not rid or rid in seen:
                fail("missing or duplicate id")
            seen.add(rid)
            if raw.get("kind") not in KINDS:
                fail(f"kind must be one of {KINDS}, not {raw.get('kind')!r}")
            if not str(raw.get("statement", "")).startswith("If "):
                fail("statement must read 'If … then …'")
            if not raw.get("predicate") or not raw.get("member"):
                fail("predicate and member are required")
            if raw["kind"] == "source" and not (raw.get("subject") and raw.get("line")):
                fail("a source rule needs subject and line")
            try:
                line_re = re.compile(raw["line"]) if raw.get("line") else None
            except re.error as exc:
                fail(f"bad regular expression: {exc}")
            member, subject = _as_list(raw["member"]), _as_list(raw.get("subject") or [])
            if ontology is not None:
                for c in member + subject:
                    if c not in ontology.superclasses:
                        fail(f"unknown class {c!r}")
            out.append(RangeRule(rid, raw["statement"], raw["kind"], str(raw["predicate"]), member,
                                 subject, line_re, raw.get("examples") or [],
                                 raw.get("negatives") or [], f"{path.name}:{line}"))
    return out


def _as_list(v) -> list[str]:
    return [v] if isinstance(v, str) else [str(x) for x in v]


class RangeEngine:
    """Apply range rules to one document.

    Args:
        rules: from :func:`load_range_rules`.
        resolver: the pipeline's :class:`~spacekg.terms.TermResolver`.
        classes_of: entity id → class names with superclasses.
        lexicon: id → :class:`~spacekg.lexicon.Entry` (the members' labels).
    """

    def __init__(self, rules: list[RangeRule], resolver, classes_of, lexicon):
        self.rules = rules
        self.resolver = resolver
        self.classes_of = classes_of
        self.counts: dict[str, int] = {r.id: 0 for r in rules}
        self.labels: list[tuple[str, str]] = []  # (match key of a label or alias, id)
        for eid, e in sorted(lexicon.items()):
            for lab in [e.ja, *(e.aliases or [])]:
                if lab:
                    self.labels.append((match_key(lab)[0], eid))

    def _has(self, eid: str, classes: list[str]) -> bool:
        have = self.classes_of.get(eid, ())
        return any(c in have for c in classes)

    def members(self, rule: RangeRule, lo: int, hi: int, word: str) -> list[tuple[int, str]] | None:
        """``(n, id)`` for n in lo..hi, or None when one is missing or not a single entry."""
        if not lo < hi <= lo + MAX_MEMBERS:
            return None
        wkey = match_key(word)[0] if word else ""
        out = []
        for n in range(lo, hi + 1):
            head = match_key(f"第{n}回")[0]
            ids = {eid for key, eid in self.labels if key.startswith(head) and wkey in key[len(head):]
                   and self._has(eid, rule.member)}
            if len(ids) != 1:
                return None
            out.append((n, ids.pop()))
        return out

    def apply(self, text: str, mentions) -> list[Match]:
        """The facts of every rule on ``text`` (normalised); spans in the normalised text."""
        out: list[Match] = []
        for rule in self.rules:
            pred = self.resolver.predicate(rule.predicate)
            for r in RANGE.finditer(text):
                members = self.members(rule, int(r.group(1)), int(r.group(2)), r.group(3))
                if not members:
                    continue
                if rule.kind == "number":
                    for n, eid in members:
                        lit = Literal(str(n), datatype=XSD.positiveInteger)
                        out.append(Match(self.resolver.entity(eid), pred, lit, r.span(), rule.id))
                        self.counts[rule.id] += 1
                    continue
                if not rule.line.match(text, r.end()):
                    continue
                ls = text.rfind("\n", 0, r.start()) + 1
                colon = max(text.rfind("：", ls, r.start()), text.rfind(":", ls, r.start()))
                if colon < 0:
                    continue
                subj = [m for m in mentions if ls <= m.start and m.end <= colon
                        and self._has(m.entity, rule.subject)]
                if len(subj) != 1:
                    continue
                end = rule.line.match(text, r.end()).end()
                for _n, eid in members:
                    out.append(Match(self.resolver.entity(subj[0].entity), pred,
                                     self.resolver.entity(eid), (ls, end), rule.id))
                    self.counts[rule.id] += 1
        return out
