"""Bullet rules: the verb-final bullets of committee handouts (「…技術を獲得。」), read without a parse.

Slide bullets end in a bare verbal noun and drop their subject: 「（成果）…を通じ、有人施設への
無人補給技術を獲得。」 says that the country whose government issued the handout acquired the
technology. The dependency parse of such fragments is unreliable (no verb, no subject), so
these rules read the surface form; they complement the syntactic rules
(:mod:`spacekg.extract.syntax`), which read full sentences.

Rules are data (data/rules/bullets/*.yaml): ``id``, a one-line ``statement`` (``If … then …``),
``verb`` (the verbal noun, 獲得), ``predicate``, ``objects`` (classes of what is acquired),
``agents`` (classes of an overt subject), ``agent`` (the lexicon id that fills a dropped
subject), ``plan`` / ``negation`` (regular expressions for what, right after the verb, makes
it a plan or a denial: nothing is produced), ``examples`` and ``negatives`` (run by
tests/test_bullets.py).

A unit is the text between two line ends or 。. The verb counts when it ends its clause as
「…を獲得」 (followed by 。, 、, し, the unit's end) or 「…技術獲得（X・Y）」 (the objects are then
in the brackets). The objects are the mentions of an ``objects`` class in the を-phrase — from
the last clause break before it (「…を通じ、」「…により、」「…は、」) to the verb — so the means
(「H2Bの技術開発を通じ」) is not an object. Between を and the verb may stand a manner
(「…を「小型」で早期に獲得」) or a first verbal noun (「…を実証・獲得」); a bullet that ends in
「…の獲得。」 is read too. With ``heading`` (a regular expression for a heading line) and
``topic`` (classes), a dropped subject is first the entity of a ``topic`` class that the nearest
heading above names (「【Step1：～2030年頃までに】」: the project step), before ``agent``. A 「…を獲得し、」 clause chained into a sentence that
ends as a plan (「…が見込まれる。」) is a plan too. The subject is an overt mention of an ``agents``
class marked は/が before the objects in the unit, else ``agent``. Facts are text readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from spacekg.errors import RuleError
from spacekg.rules import Match
from spacekg.yamlio import load_yaml_list

#: where a を-phrase begins: after a clause break
CLAUSE_BREAK = re.compile(r"(?:通じ|通して|により|によって|活用し|用い|おいて|では|は|が|て|し)[、，,]|[：:]")
UNIT = re.compile(r"[^\n。]+")
KINDS = ("verb", "list")
#: the end of a を-phrase before the verb: 「…を獲得」「…を「小型」で早期に獲得」「…を実証・獲得」
OBJECT_END = re.compile(r"を(?:「[^」]{1,10}」で)?(?:早期に|確実に|着実に|新たに)?(?:実証・|開発・|確立・)?$")
#: how far above a bullet its heading may be (lines)
TOPIC_LINES = 40
#: a bullet line's mark
BULLET = re.compile(r"[➢➤▶•・◼■◆●○◯⚫◦▪✓※-]\s*")
#: what may stand between the names of a list (and end it)
LIST_REST = re.compile(r"^(?:[\s、，,・/／]|及び|並びに|等|など)*$")
#: what, ending the sentence a 「…し、」 clause chains into, makes the clause a plan too
CHAIN_PLAN = re.compile(r"見込ま|見込み|予定|目指|目標|計画|期待")


@dataclass
class BulletRule:
    """A bullet rule (module docstring)."""

    id: str
    statement: str
    verb: str
    predicate: str
    agent: str
    objects: list[str]
    agents: list[str]
    plan: re.Pattern | None
    negation: re.Pattern | None
    kind: str = "verb"
    subject: list[str] = field(default_factory=list)
    topic: list[str] = field(default_factory=list)
    heading: re.Pattern | None = None
    examples: list = field(default_factory=list)
    negatives: list = field(default_factory=list)
    source: str = ""


def load_bullet_rules(folder: Path, ontology=None) -> list[BulletRule]:
    """Load every ``*.yaml`` of ``folder`` (data/rules/bullets), sorted; ids unique.

    Raises:
        RuleError: a malformed rule (file and line named): a missing field, an unknown
            class, a bad regular expression, a duplicate id.
    """
    out: list[BulletRule] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        for raw in load_yaml_list(path, RuleError):
            line = raw.get("__line__")

            def fail(msg, _raw=raw, _path=path, _line=line):
                raise RuleError(f"bullet rule {_raw.get('id', '?')}: {msg}", path=str(_path), line=_line)

            rid = raw.get("id")
            if not rid or rid in seen:
                fail("missing or duplicate id")
            seen.add(rid)
            if not str(raw.get("statement", "")).startswith("If "):
                fail("statement must read 'If … then …'")
            kind = raw.get("kind", "verb")
            if kind not in KINDS:
                fail(f"kind must be one of {KINDS}, not {kind!r}")
            need = ("verb", "predicate", "agent", "objects", "agents", "plan", "negation") \
                if kind == "verb" else ("predicate", "subject", "objects")
            for key in need:
                if not raw.get(key):
                    fail(f"{key} missing")
            try:
                heading = re.compile(raw["heading"]) if raw.get("heading") else None
                plan = re.compile(raw["plan"]) if raw.get("plan") else None
                neg = re.compile(raw["negation"]) if raw.get("negation") else None
            except re.error as exc:
                fail(f"bad regular expression: {exc}")
            objects, agents = _as_list(raw["objects"]), _as_list(raw.get("agents") or [])
            subject = _as_list(raw.get("subject") or [])
            topic = _as_list(raw.get("topic") or [])
            if bool(topic) != bool(heading):
                fail("topic and heading go together")
            if ontology is not None:
                for c in objects + agents + subject + topic:
                    if c not in ontology.superclasses:
                        fail(f"unknown class {c!r}")
            out.append(BulletRule(rid, raw["statement"], str(raw.get("verb") or ""), str(raw["predicate"]),
                                  str(raw.get("agent") or ""), objects, agents, plan, neg, kind,
                                  subject, topic, heading, raw.get("examples") or [], raw.get("negatives") or [],
                                  f"{path.name}:{line}"))
    return out


def _as_list(v) -> list[str]:
    return [v] if isinstance(v, str) else [str(x) for x in v]


class BulletEngine:
    """Apply bullet rules to one document.

    Args:
        rules: from :func:`load_bullet_rules`.
        resolver: the pipeline's :class:`~spacekg.terms.TermResolver`.
        classes_of: entity id → class names with superclasses.
    """

    def __init__(self, rules: list[BulletRule], resolver, classes_of):
        self.rules = rules
        self.resolver = resolver
        self.classes_of = classes_of
        self.counts: dict[str, int] = {r.id: 0 for r in rules}

    def _has(self, eid: str, classes: list[str]) -> bool:
        have = self.classes_of.get(eid, ())
        return any(c in have for c in classes)

    def apply(self, text: str, mentions) -> list[Match]:
        """The facts of every rule on ``text`` (normalised); spans in the normalised text."""
        out: list[Match] = []
        for rule in self.rules:
            pred = self.resolver.predicate(rule.predicate)
            if rule.kind == "list":
                for s, o, span in self._list(rule, text, mentions):
                    out.append(Match(self.resolver.entity(s), pred, self.resolver.entity(o), span, rule.id))
                    self.counts[rule.id] += 1
                continue
            for unit in UNIT.finditer(text):
                inside = [m for m in mentions if unit.start() <= m.start and m.end <= unit.end()]
                for s, o, span in self._unit(rule, text, unit.start(), unit.end(), inside, mentions):
                    out.append(Match(self.resolver.entity(s), pred, self.resolver.entity(o), span, rule.id))
                    self.counts[rule.id] += 1
        return out

    def _list(self, rule, text, mentions):
        """``➢ 宇宙旅行 有人宇宙船技術、有人ロケット技術``: a bullet line opening with a name of a
        ``subject`` class, then white space and nothing but names of an ``objects`` class."""
        pos = 0
        for raw in text.split("\n"):
            start, end = pos, pos + len(raw)
            pos = end + 1
            mark = BULLET.match(text, start + len(raw) - len(raw.lstrip()), end)
            if not mark:
                continue
            inside = [m for m in mentions if mark.end() <= m.start and m.end <= end]
            if len(inside) < 2 or inside[0].start != mark.end() or not self._has(inside[0].entity, rule.subject):
                continue
            head, items = inside[0], inside[1:]
            if not text[head.end:items[0].start].isspace() or text[head.end:items[0].start] == "":
                continue
            if not all(self._has(m.entity, rule.objects) for m in items):
                continue
            rest, last = [], items[0].start
            for m in items:
                rest.append(text[last:m.start])
                last = m.end
            rest.append(text[last:end])
            if all(LIST_REST.match(r) for r in rest):
                for m in items:
                    yield head.entity, m.entity, (start, end)

    def _topic(self, rule, text, start, mentions) -> str | None:
        """The entity of a ``topic`` class that the nearest heading line above ``start`` names
        (「【Step1：～2030年頃までに】」), if it names exactly one; None without such a heading."""
        if rule.heading is None:
            return None
        pos = start
        for _ in range(TOPIC_LINES):
            if pos <= 0:
                return None
            ls = text.rfind("\n", 0, pos - 1) + 1
            line = text[ls:pos - 1] if text[pos - 1:pos] == "\n" else text[ls:pos]
            if rule.heading.match(line.strip()):
                named = {m.entity for m in mentions if ls <= m.start and m.end <= ls + len(line)
                         and self._has(m.entity, rule.topic)}
                return named.pop() if len(named) == 1 else None
            pos = ls
        return None

    def _unit(self, rule, text, start, end, mentions, everywhere):
        done = set()
        for v in re.finditer(re.escape(rule.verb), text[start:end]):
            vs, ve = start + v.start(), start + v.end()
            after = text[ve:end]
            if rule.plan.match(after) or rule.negation.match(after):
                continue
            if after.startswith("し、") or after.startswith("し,"):
                stop = text.find("。", ve, ve + 300)
                if stop > 0 and CHAIN_PLAN.search(text, ve, stop):
                    continue  # 「…を獲得し、…が見込まれる」: a chained clause under a plan
            wo = OBJECT_END.search(text, start, vs)
            nominal = text[vs - 1:vs] == "の" and after.strip() in ("", "。") \
                and BULLET.match(text, start, end) is not None
            if (wo or nominal) and re.match(r"(?:$|[、，,]|し(?!な)|した|してき|\s*$)", after):
                obj_end = wo.start() if wo else vs - 1
                lo = start
                for b in CLAUSE_BREAK.finditer(text, start, obj_end):
                    lo = b.end()
                objects = [m for m in mentions if lo <= m.start and m.end <= obj_end
                           and self._has(m.entity, rule.objects)]
                first = objects[0].start if objects else vs
                end_span = ve
            elif text[vs - 2:vs] == "技術" and after[:1] in "（(":
                close = re.search(r"[）)]", after)
                if not close:
                    continue
                objects = [m for m in mentions if ve < m.start and m.end <= ve + close.start()
                           and self._has(m.entity, rule.objects)]
                first, end_span = vs, ve + close.end()
            else:
                continue
            agent = self._topic(rule, text, start, everywhere) or rule.agent
            overt = [m for m in mentions if m.end <= first and self._has(m.entity, rule.agents)
                     and re.match(r"\s*(?:は|が)", text[m.end:m.end + 2])]
            if overt:
                agent = overt[-1].entity
            for m in objects:
                if (agent, m.entity) not in done:
                    done.add((agent, m.entity))
                    yield agent, m.entity, (min(start, m.start), end_span)
