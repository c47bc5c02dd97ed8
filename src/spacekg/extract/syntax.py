"""Syntactic rules: predicates and their case-marked arguments, over GiNZA parses.

A rule is data (data/rules/syntax.yaml)::

    - id: S-DEVELOP
      statement: If an agent (が/は) develops (開発する) a craft or instrument (を), then the agent develops it.
      predicate: [開発]                       # lemma set (or `pattern:` a spaCy Matcher token pattern)
      frame:
        agent: {case: [が, は], class: [Agent]}
        theme: {case: [を], class: [Spacecraft, Equipment]}
      gap: theme                             # 開発した探査機: the noun a relative clause modifies
      produce:
        - [agent, develops, theme]
      examples:
        - text: "JAXAは小型月着陸実証機SLIMを開発した。"
          expect: [[jaxa, develops, slim]]

**Matching.** The predicate is found with spaCy's ``Matcher`` (the token pattern
``[{"LEMMA": {"IN": lemmas}, "POS": {"IN": pos}}]``, or the rule's own ``pattern``, validated
when the rules load). Its arguments are the dependents of the predicate token (``nsubj``,
``obj``, ``obl``, ``iobj``, ``nmod``) whose case marker — the ``case`` particles attached to
the argument, with their ``fixed`` parts (``に``+``よっ``+``て`` = ``によって``) — is one of
the role's ``case`` list; a trailing は or も (``には``, ``とも``) is ignored. An argument is the
lexicon mention (:mod:`spacekg.mentions`) over its head token (else the last mention inside its
noun phrase) of one of the role's classes, or for ``value:`` roles the recognised value
(:mod:`spacekg.values`, ``date`` / ``number`` / any tag of :func:`spacekg.rules.item_tags`).

**Grammar handled.**

* *Passive* (``…られる``): roles marked を take が/は, roles marked が/は take によって/により/による.
* *Coordination*: an argument's conjuncts (``conj``, or an ``nmod`` marked と or 、/・:
  「JAXAとCNESは」) are arguments too.
* *Relative clauses*: a predicate that modifies a noun (``acl``) gives that noun to the role
  named by ``gap``.
* *Chained clauses*: a predicate in a te-/renyō-form clause (``advcl``) without its subject
  shares the subject of the clause it joins.
* *Discourse*: a clause still without its subject takes the topic (X は) of an earlier
  sentence of the same paragraph (:mod:`spacekg.extract.discourse`).
* *Modality*: a predicate under 予定・目標・目指す・検討・計画・見込み・方針・構想 is a *plan*: it
  produces only the rule's ``plan`` triples (e.g. ``plannedLaunchDate``; qualifier
  ``planned``), never the done fact. Negation (ない・ず), conditions, purposes, questions and
  obligations (ため・よう・べき・必要・場合・ば・か) produce nothing.
* *Events* (``event: true``: launch, landing, arrival, signing) are done only when told in
  the past (た) or as a noun with a date not after the document's date; a non-past event verb
  (打ち上げる) is a plan.

A planned launch vehicle (「H3ロケットで打ち上げる予定」) is stated as ``launchVehicle`` with the
qualifier ``planned`` on its statement: the assignment of a vehicle is the mission's current
design, which the document states as of its date; only dates have separate plan properties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal

from spacekg.errors import RuleError
from spacekg.mentions import Mention
from spacekg.ontology import Ontology
from spacekg.rules import Match, item_tags
from spacekg.terms import TermResolver
from spacekg.yamlio import load_yaml_list

ARG_DEPS = {"nsubj", "obj", "obl", "iobj", "nmod", "nsubj:pass", "csubj", "dislocated"}
PHRASE_DEPS = {"compound", "nummod", "flat", "fixed", "amod", "appos", "dep", "punct", "det"}
PLAN = {"予定", "目標", "目指す", "目指し", "検討", "計画", "見込み", "見込む", "方針", "構想",
        "想定", "目途", "目処", "めど", "予定だ", "めざす", "図る", "期待", "希望", "提案", "要望"}
IRREALIS = {"ため", "よう", "べき", "必要", "場合", "可能性", "可能", "か", "ば", "たい", "なら",
            "ほしい", "欲しい", "べし", "まい", "う", "だろう", "かもしれない", "重要",
            "求める", "期待", "課題", "前提", "不明", "懸念", "困難"}
NEGATION = {"ない", "ず", "ぬ", "ん", "無い", "未"}
PASSIVE = {"れる", "られる"}
#: The document's topic is the first sentence topic (X は / X とは) within this many characters.
DOC_TOPIC_WITHIN = 3000
#: Markers after a verbal noun that make it the subject matter of a title or topic.
TITLE_MARKERS = {"に関する", "について", "に係る", "にかかる", "に関わる", "のための", "に向けた",
                 "に向けて", "に関し", "に関して", "についての", "に関する検討"}
#: Light verbs whose object is a verbal noun carrying the meaning (着陸に成功する, 開発を行う).
#: (行う is lemmatised 行く in 「打ち上げを…行った」 by the parser, so both are listed.)
LIGHT = {"する", "行う", "行く", "実施", "達成", "成功", "完了", "実現", "果たす", "担当", "担う", "進める",
         "開始", "推進", "通ずる", "通じる"}
#: Nouns that take up the two parties named before (「JAXAの山川理事長とNASAの…長官は、…。両者は…」).
BOTH = {"両者", "両機関", "両国", "両氏", "両首脳", "双方", "両社"}
COORD_MARKS = {"と", "、", "・", ",", "及び", "および", "並びに", "や"}
TOPIC_TAIL = ("は", "も")
PASSIVE_AGENT = ["によって", "により", "による"]


@dataclass
class Role:
    """One argument slot: accepted case markers and entity classes (or a value tag)."""

    name: str
    cases: tuple[str, ...]
    classes: tuple[str, ...] = ()
    value: str | None = None


@dataclass
class SyntaxRule:
    """A parsed syntactic rule (module docstring).

    Attributes:
        id, statement: identifier and ``If … then …`` statement.
        pattern: the spaCy Matcher token pattern of the predicate.
        frame: role name → :class:`Role`.
        gap: role filled by the noun a relative clause modifies, or None.
        produce / plan: triples for a done / planned predicate.
        event: the predicate denotes a dated event (module docstring).
        copula: the predicate is a noun with a copula (である, だ, です): 「XはYの探査機である」.
        pairs: ``{role, predicate, when}``: entities coordinated in ``role`` (「JAXAとCNESは」)
            are related to each other by the symmetric ``predicate`` — when the clause has an
            adverb or oblique whose lemma is in ``when`` (共同で, 協力して), or always if no
            ``when`` is given.
        carried: ``{role, vehicle}``: when ``role`` is empty and ``vehicle`` is filled, the
            entities a clause 「…を搭載した」 before the vehicle names fill ``role``
            (「SLIMを搭載したH-IIAロケット47号機を打ち上げた」: SLIM is launched).
        examples, source: ``{"text", "expect"}`` items and ``file:line``.
    """

    id: str
    statement: str
    pattern: list
    frame: dict[str, Role]
    produce: list[list[str]]
    plan: list[list[str]] = field(default_factory=list)
    gap: str | None = None
    event: bool = False
    examples: list[dict] = field(default_factory=list)
    source: str = ""
    copula: bool = False
    pairs: dict | None = None
    carried: dict | None = None


def parse_syntax_rule(raw: dict, path: Path, ontology: Ontology | None) -> SyntaxRule:
    """Check one rule mapping.

    Raises:
        RuleError: missing field, unknown class, undeclared role (file and line named).
    """
    line = raw.get("__line__")

    def fail(msg):
        raise RuleError(f"rule {raw.get('id', '?')}: {msg}", path=str(path), line=line)

    for key in ("id", "statement", "frame", "produce"):
        if not raw.get(key):
            fail(f"lacks {key!r}")
    if raw.get("pattern"):
        pattern = raw["pattern"]
        if not isinstance(pattern, list) or not all(isinstance(t, dict) for t in pattern):
            fail("pattern must be a list of token mappings (spaCy Matcher)")
        pattern = [_strip_lines(t) for t in pattern]
    elif raw.get("predicate"):
        lemmas = raw["predicate"]
        if not isinstance(lemmas, list) or not all(isinstance(x, str) for x in lemmas):
            fail("predicate must be a list of lemmas")
        pattern = [{"LEMMA": {"IN": lemmas}, "POS": {"IN": raw.get("pos") or ["VERB"]}}]
    else:
        fail("needs predicate (lemmas) or pattern")
    frame = {}
    for name, spec in raw["frame"].items():
        if name == "__line__":
            continue
        if not isinstance(spec, dict) or not spec.get("case"):
            fail(f"role {name!r} needs case: [markers]")
        classes = tuple(spec.get("class") or ())
        if ontology is not None:
            for c in classes:
                if c not in ontology.superclasses:
                    fail(f"unknown class {c!r} in role {name!r}")
        if not classes and not spec.get("value"):
            fail(f"role {name!r} needs class or value")
        frame[name] = Role(name, tuple(spec["case"]), classes, spec.get("value"))
    gap = raw.get("gap")
    if gap is not None and gap not in frame:
        fail(f"gap {gap!r} is not a role")
    pairs = raw.get("pairs")
    if pairs is not None:
        pairs = _strip_lines(pairs)
        if not isinstance(pairs, dict) or pairs.get("role") not in frame or not pairs.get("predicate"):
            fail("pairs needs role (a role of the frame) and predicate")
    carried = raw.get("carried")
    if carried is not None:
        carried = _strip_lines(carried)
        if not isinstance(carried, dict) or carried.get("role") not in frame \
                or carried.get("vehicle") not in frame:
            fail("carried needs role and vehicle (roles of the frame)")
    for key in ("produce", "plan"):
        for triple in raw.get(key) or []:
            if not isinstance(triple, list) or len(triple) != 3:
                fail(f"{key} entries must be [subject, predicate, object], got {triple!r}")
    return SyntaxRule(str(raw["id"]), str(raw["statement"]), pattern, frame, raw["produce"],
                      raw.get("plan") or [], gap, bool(raw.get("event")), raw.get("examples") or [],
                      f"{path}:{line}", bool(raw.get("copula")), pairs, carried)


def _strip_lines(value):
    """A YAML value without the loader's ``__line__`` keys (at any depth)."""
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def load_syntax_rules(path: Path, ontology: Ontology | None = None) -> list[SyntaxRule]:
    """Load a syntactic rule file (a YAML list); ids unique.

    Raises:
        RuleError: a malformed rule (file and line named) or a duplicate id.
    """
    rules, seen = [], set()
    for raw in load_yaml_list(path, RuleError):
        rule = parse_syntax_rule(raw, path, ontology)
        if rule.id in seen:
            raise RuleError(f"duplicate rule id {rule.id}", path=str(path), line=raw.get("__line__"))
        seen.add(rule.id)
        rules.append(rule)
    return rules


# ----------------------------------------------------------------------------- the engine
@dataclass
class Arg:
    """A filled role: an entity or a value, with its normalised span."""

    entity: str | None
    value: object | None
    start: int
    end: int
    remote: bool = False  # filled from the document's topic, outside the passage


def case_marker(tok) -> str:
    """The case marker of a nominal: the last run of adjacent ``case`` particles attached to
    it, with their ``fixed`` parts (``に`` ``よっ`` ``て`` → ``によって``; ``に`` ``は`` →
    ``には``; the について inside a quoted title before を is not part of を)."""
    groups = []
    for c in tok.children:
        if c.i > tok.i and (c.dep_ == "case" or (c.dep_ == "mark" and c.pos_ == "ADP")):
            toks = sorted([c, *(f for f in c.children if f.dep_ == "fixed")], key=lambda t: t.i)
            groups.append(toks)
    if not groups:
        return ""
    groups.sort(key=lambda g: g[0].i)
    run = [groups[-1]]
    for g in reversed(groups[:-1]):
        if g[-1].i + 1 == run[0][0].i:
            run.insert(0, g)
        else:
            break
    return "".join(t.text for g in run for t in g)


def accepts(marker: str, cases) -> bool:
    """True if ``marker`` is one of ``cases``, also after dropping a trailing は/も; a bare も
    stands for が/は."""
    if marker in cases:
        return True
    if marker == "も" and ("が" in cases or "は" in cases):  # 日本も参画: も stands for が/は
        return True
    for tail in TOPIC_TAIL:
        if marker.endswith(tail) and len(marker) > 1 and marker[: -len(tail)] in cases:
            return True
    return False


def phrase_span(tok) -> tuple[int, int]:
    """Character span (within the chunk) of the noun phrase headed by ``tok``: the head and
    its dependents joined by compound/nummod/flat/fixed/amod/appos/dep/punct, contiguous."""
    inside = {tok.i}
    stack = [tok]
    while stack:
        t = stack.pop()
        for c in t.children:
            if c.dep_ in PHRASE_DEPS and c.i not in inside and not (c.dep_ == "punct" and c.text in "、。,"):
                inside.add(c.i)
                stack.append(c)
    lo = hi = tok.i
    while lo - 1 in inside:
        lo -= 1
    while hi + 1 in inside:
        hi += 1
    doc = tok.doc
    return doc[lo].idx, doc[hi].idx + len(doc[hi].text)


def is_passive(tok) -> bool:
    """True if predicate ``tok`` carries a passive auxiliary (れる/られる, UD ``aux``): its
    が/は argument is then the theme, and に/によって the agent."""
    return any(c.dep_ == "aux" and c.lemma_ in PASSIVE for c in tok.children)


def modality(tok) -> str:
    """Modality of a predicate, shared along a chain of clauses: 「開発し、運用する予定」 — a
    te-/renyō-form clause (``advcl``/``conj`` before its head) takes its head's modality when
    it has none of its own (see :func:`local_modality`)."""
    mode = local_modality(tok)
    seen = 0
    while mode == "done" and tok.dep_ in ("advcl", "conj") and tok.head.i > tok.i and seen < 6:
        if any(c.lemma_ in ("ため", "ば", "なら", "ながら", "つつ") for c in tok.children if c.i > tok.i):
            break
        tok = tok.head
        mode = local_modality(tok)
        seen += 1
    return mode


def local_modality(tok) -> str:
    """``"done"``, ``"plan"``, ``"neg"`` (negated) or ``"irrealis"`` for a predicate token.

    Looks at the predicate's auxiliaries and markers, at a following ``予定``-like noun or
    ``目指す``-like verb governing it, and at the heads of its clause up to the sentence's
    predicate through nominal (acl/compound) links.
    """
    kids = list(tok.children)
    aux = [c for c in kids if c.dep_ in ("aux", "cop", "mark", "fixed", "compound", "advmod")
           and c.i > tok.i]
    for c in aux:
        if c.lemma_ in NEGATION or "Polarity=Neg" in str(c.morph):
            return "neg"
        for f in c.children:
            if f.lemma_ in NEGATION:
                return "neg"
    if any(c.lemma_ in PLAN for c in kids if c.i > tok.i):
        return "plan"
    if any(c.lemma_ in IRREALIS for c in aux):
        return "irrealis"
    h, dep = tok.head, tok.dep_
    if h.i != tok.i:
        named = any(c.dep_ == "compound" for c in h.children if c.i < h.i)  # アルテミス計画: a name
        if h.lemma_ in PLAN and not named and dep in ("acl", "compound", "obj", "nmod", "advcl", "nsubj", "obl"):
            # 打ち上げる予定 / 打上げ予定 / 打ち上げを目指す / 開発を検討
            if h.lemma_ in ("検討", "提案", "要望", "期待", "希望") and dep in ("obj", "compound", "nmod"):
                return "irrealis"
            neg = any(c.lemma_ in NEGATION for c in h.children if c.i > h.i)
            return "neg" if neg else "plan"
        if h.lemma_ in IRREALIS and dep in ("acl", "compound", "advcl", "nmod", "obj"):
            return "irrealis"
        if h.lemma_ in ("こと", "の") and any(x.lemma_ in IRREALIS | PLAN for x in h.head.children):
            return "irrealis"
    return "done"


def is_past(tok) -> bool:
    """True if the predicate carries the past auxiliary た, or the perfect ている/ておる."""
    for c in tok.children:
        if c.i > tok.i and c.lemma_ == "た":
            return True
        if c.i > tok.i and c.dep_ == "mark" and c.lemma_ == "て" and any(
                f.lemma_ in ("いる", "おる") for f in c.children):
            return True
    return False


class SyntaxEngine:
    """Apply syntactic rules to a parsed document.

    Args:
        rules: parsed rules.
        resolver: turns ids and Turtle-style literals into rdflib terms.
        classes_of: entity id → class names with superclasses.
        vocab: the spaCy vocabulary (of :func:`spacekg.extract.parse.nlp`).

    Raises:
        RuleError: a rule's token pattern is not a valid spaCy Matcher pattern.
    """

    def __init__(self, rules: list[SyntaxRule], resolver: TermResolver, classes_of, vocab):
        from spacy.matcher import Matcher

        self.rules = {r.id: r for r in rules}
        self.resolver = resolver
        self.classes_of = classes_of
        self.matcher = Matcher(vocab, validate=True)
        for r in rules:
            try:
                self.matcher.add(r.id, [r.pattern])
            except (ValueError, KeyError) as exc:
                path, _, line = r.source.rpartition(":")
                raise RuleError(f"rule {r.id}: bad pattern: {exc}", path=path,
                                line=int(line) if line.isdigit() else None) from exc
        self.counts: dict[str, int] = {r.id: 0 for r in rules}
        self._entity_iri = resolver.entity

    def apply(self, parsed, mentions: list[Mention], values: list, doc_date: str | None = None,
              classes: dict[str, list[str]] | None = None, entity_iri=None) -> list[Match]:
        """Facts of every rule over every chunk of ``parsed`` (a
        :class:`~spacekg.extract.parse.ParsedDocument` of the normalised text the mentions and
        values index), in text order.

        Args:
            doc_date: ISO ``YYYY[-MM[-DD]]``; decides whether a dated event without tense is
                done (date not after it).
            classes: classes (with superclasses) of entities that are not in the lexicon
                (new entities found in the document), merged over the lexicon's.
            entity_iri: callable id → IRI for such entities (default: the resolver's).
        """
        from spacekg.extract.discourse import Topics

        classes_of = {**self.classes_of, **classes} if classes else self.classes_of
        self._entity_iri = entity_iri or self.resolver.entity

        out: list[Match] = []
        mentions = sorted(mentions, key=lambda m: m.start)
        values = sorted(values, key=lambda v: v.start)
        mi = vi = 0
        doc_topic = None
        pairs: list[list[Arg]] = []  # coordinated subjects of earlier chunks (両者 refers to one)
        headings = _section_headings(parsed, mentions)
        hi = 0
        for chunk in parsed.chunks:
            s0, e0 = chunk.start, chunk.end
            while mi < len(mentions) and mentions[mi].end <= s0:
                mi += 1
            while vi < len(values) and values[vi].end <= s0:
                vi += 1
            ms = [m for m in mentions[mi:mi + 400] if m.start < e0]
            vs = [v for v in values[vi:vi + 400] if v.start < e0]
            if not ms:
                continue
            ctx = _Chunk(chunk, ms, vs, classes_of)
            while hi + 1 < len(headings) and headings[hi + 1][0] <= chunk.start:
                hi += 1
            section = headings[hi][1] if headings and headings[hi][0] < chunk.start else []
            topics = Topics(ctx, doc_topic, section)
            if doc_topic is None and chunk.start < DOC_TOPIC_WITHIN:
                doc_topic = topics.first()
            ctx.earlier_pairs = pairs
            for match_id, start, _end in self.matcher(chunk.doc):
                rule = self.rules[chunk.doc.vocab.strings[match_id]]
                out.extend(self._apply_rule(rule, ctx, chunk.doc[start], topics, doc_date))
            pairs = (pairs + ctx.pairs_in(chunk.doc))[-3:]
        out = sorted(set(out), key=lambda m: (m.span, m.producer, str(m.s), str(m.p), str(m.o)))
        return out

    # -- one predicate
    def _apply_rule(self, rule: SyntaxRule, ctx, pred, topics, doc_date) -> list[Match]:
        if rule.copula and not any(c.dep_ == "cop" for c in pred.children):
            return []  # 「XはYの探査機である」: the predicate is a noun with a copula
        # a verbal noun coordinated with the next one (開発・運用) shares its arguments
        shared = pred.head if (pred.dep_ == "compound" and pred.i + 1 < len(pred.doc)
                               and pred.doc[pred.i + 1].text in ("・", "、", "及び")
                               and pred.head.pos_ in ("NOUN", "VERB")) else None
        if pred.pos_ in ("NOUN", "PROPN") and pred.dep_ == "compound" and shared is None \
                and pred.head.lemma_ not in PLAN:
            return []  # a noun inside a name (小型月着陸実証機), not a predicate
        head = shared if shared is not None else pred
        # a verbal noun as the object of a light verb (着陸に成功した, 開発を担当する) takes the
        # light verb's arguments, tense and modality
        light = head.head if (head.pos_ in ("NOUN", "PROPN") and head.dep_ in ("obj", "obl", "nsubj")
                              and head.head.lemma_ in LIGHT and head.head.i > head.i) else None
        if head.pos_ in ("NOUN", "PROPN") and light is None and case_marker(head) in TITLE_MARKERS:
            return []  # 「小型ローバ運用に関する実施取決め」: a subject matter, not a statement
        mode = modality(light if light is not None else head)
        if mode in ("neg", "irrealis"):
            return []
        passive = is_passive(pred)
        filled = self._arguments(rule, ctx, pred, passive)
        for other in (shared, light):
            if other is not None:
                for k, v in self._arguments(rule, ctx, other, is_passive(other)).items():
                    filled.setdefault(k, v)
        pred = head
        tense = light if light is not None else head
        if rule.gap and not filled.get(rule.gap) and pred.dep_ == "acl" and pred.head.i > pred.i:
            arg = ctx.arg_of(pred.head, rule.frame[rule.gap])
            topic = None if arg else _defined_topic(pred.head)
            if topic is not None:  # 「SLIMは、JAXAが開発した小型の月着陸機である」: the noun is SLIM
                arg = ctx.arg_of(topic, rule.frame[rule.gap])
            if arg:
                filled[rule.gap] = [arg]
        # a date that opens the sentence as its time adverbial (「2024年4月10日(日本時間)、…が署名
        # された」) belongs to its main predicate
        for role in rule.frame.values():
            if role.value == "date" and not filled.get(role.name) and not _in_relative_clause(pred):
                lead = ctx.leading_date(pred.sent) or ctx.adverbial_date(tense)
                if lead is not None:
                    filled[role.name] = [lead]
        # chained clause or a governing 予定/目指す: share the subject of the other clause
        subject_roles = [r for r in rule.frame.values()
                         if ("を" in r.cases if passive else set(r.cases) & {"が", "は"})]
        partner_roles = [r for r in rule.frame.values() if "と" in r.cases and r not in subject_roles]
        for subj in [*subject_roles, *partner_roles]:
            if filled.get(subj.name):
                continue
            for other in (pred.head, *[c for c in pred.children if c.dep_ == "advcl"]):
                if other.i == pred.i or other.pos_ not in ("VERB", "ADJ", "NOUN", "PROPN"):
                    continue
                if other.i == pred.head.i and pred.dep_ not in ("advcl", "conj") \
                        and other.lemma_ not in PLAN:
                    continue
                args = self._arguments(rule, ctx, other, passive, only=subj.name)
                if args.get(subj.name):
                    filled[subj.name] = args[subj.name]
                    break
            if subj in partner_roles:
                continue  # a partner (と) is shared along a clause chain, never a topic
            if not filled.get(subj.name) and not _overt_subject(pred, passive) \
                    and not _in_relative_clause(pred) \
                    and (pred.pos_ == "VERB" or light is not None or not topics.remote_only(pred)):
                topic = topics.topic_of_sentence(pred, subj, ctx) or topics.topic_before(pred, subj, ctx)
                if topic:
                    filled[subj.name] = topic
        # 「XRISMとSLIMを搭載したH-IIAロケット47号機を打ち上げた」: the crafts the launched
        # vehicle carries are the crafts launched (after subjects are shared: 「…を搭載した
        # H3ロケット10号機は、…打ち上げる予定」)
        if rule.carried and filled.get(rule.carried["vehicle"]) \
                and all(a.remote for a in filled.get(rule.carried["role"], [])):  # none, or a topic
            role = rule.frame[rule.carried["role"]]
            crafts = [a for v in filled[rule.carried["vehicle"]] for a in ctx.carried_by(v, role)]
            if crafts:
                filled[role.name] = crafts
        triples = rule.produce
        quals = set()
        if mode == "plan":
            triples, quals = rule.plan, {"planned"}
        elif rule.event and not is_past(tense):
            dates = [a.value for r in rule.frame.values() if r.value == "date"
                     for a in filled.get(r.name, []) if a.value is not None]
            if tense.pos_ == "VERB" and not any(_before(d, doc_date) for d in dates):
                triples, quals = rule.plan, {"planned"}
            elif not dates or not all(_before(d, doc_date) for d in dates):
                return []
        out = []
        s_pred, e_pred = ctx.pred_span(pred)
        if rule.pairs and mode != "plan" and len(filled.get(rule.pairs["role"], [])) > 1:
            when = set(rule.pairs.get("when") or [])
            words = {t.lemma_ for t in pred.subtree} | {t.lemma_ for t in (tense.children if tense is not None else [])}
            if not when or when & words:
                p_iri = self.resolver.predicate(rule.pairs["predicate"])
                members = filled[rule.pairs["role"]]
                for a in members:
                    for b in members:
                        if a.entity and b.entity and a.entity != b.entity:
                            start = min(s_pred, a.start, b.start)
                            out.append(Match(self._entity_iri(a.entity), p_iri, self._entity_iri(b.entity),
                                             (start, e_pred), rule.id, frozenset()))
        for s, p, o in triples:
            for a_s in self._term_args(s, filled):
                for a_o in self._term_args(o, filled):
                    try:
                        subj_t = self._term(s, a_s)
                        obj_t = self._term(o, a_o)
                        pred_t = self.resolver.predicate(p)
                    except KeyError:
                        continue
                    if subj_t == obj_t:
                        continue
                    spans = [(s_pred, e_pred)] + [(a.start, a.end) for a in (a_s, a_o)
                                                  if a is not None and not a.remote]
                    start = min(x for x, _ in spans)
                    end = max(y for _, y in spans)
                    if end - start > 400:
                        continue
                    q = set(quals)
                    for a in (a_s, a_o):
                        if a is not None and a.value is not None:
                            q |= {x for x in a.value.qualifiers if x in _DATE_QUALS}
                    if isinstance(obj_t, Literal) and "planned" in quals:
                        q.add("planned")
                    out.append(Match(subj_t, pred_t, obj_t, (start, end), rule.id, frozenset(q)))
                    self.counts[rule.id] = self.counts.get(rule.id, 0) + 1
        return out

    def _term_args(self, name, filled):
        if isinstance(name, str) and name in filled:
            return filled[name]
        return [None]

    def _term(self, name, arg: Arg | None):
        if arg is None:
            return self.resolver.node(name)
        if arg.value is not None:
            return arg.value.to_literal()
        return self._entity_iri(arg.entity)

    def _arguments(self, rule, ctx, pred, passive, only=None) -> dict[str, list[Arg]]:
        filled: dict[str, list[Arg]] = {}
        children = [c for c in pred.children]
        if pred.pos_ in ("NOUN", "PROPN"):  # 「JAXAによるSLIMの開発」: による parsed under SLIM
            children += [g for c in children if c.dep_ == "nmod" and c.i < pred.i
                         for g in c.children if g.dep_ == "nmod" and case_marker(g) in PASSIVE_AGENT]
        between = []  # 「AとBとの間で」: A and B are the arguments marked との間で
        for c in children:
            if c.lemma_ == "間" and c.i < pred.i and case_marker(c) in ("で", "において", "にて"):
                between += [g for g in c.children if g.i < c.i and case_marker(g) in ("との", "と")]
        for child in [*children, *between]:
            if child.dep_ not in ARG_DEPS or child.i > pred.i:
                continue
            marker = "との間で" if any(child.i == b.i for b in between) else case_marker(child)
            if not marker:
                continue
            for role in rule.frame.values():
                if only and role.name != only:
                    continue
                cases = role.cases
                if passive:
                    if "を" in cases:  # its other markers stay (H3ロケットで打ち上げられた)
                        cases = ("が", "は") + tuple(c for c in cases if c not in ("を", "が", "は"))
                    elif "が" in cases or "は" in cases:
                        cases = tuple(PASSIVE_AGENT) + tuple(c for c in cases if c not in ("が", "は"))
                if not accepts(marker, cases):
                    continue
                args = [a for a in (ctx.arg_of(t, role) for t in conjuncts(child)) if a]
                if not args and child.lemma_ in BOTH:
                    args = ctx.pair_before(child, role)
                if args:
                    filled.setdefault(role.name, []).extend(args)
                    break
        # a topicalised object: 「LUPEXは、JAXAとISROが共同で開発している」 — with a subject
        # marked が, the topic (は) is the object (を) of the active verb
        if not passive and not only and any(case_marker(c) == "が" for c in children if c.i < pred.i):
            obj = next((r for r in rule.frame.values() if "を" in r.cases and not filled.get(r.name)), None)
            topic = next((c for c in children if c.i < pred.i and c.dep_ in ARG_DEPS
                          and case_marker(c) == "は"), None)
            if obj is not None and topic is not None:
                args = [a for a in (ctx.arg_of(t, obj) for t in conjuncts(topic)) if a]
                if args:
                    filled[obj.name] = args
        return filled


def _section_headings(parsed, mentions) -> list[tuple[int, list]]:
    """``(start, mentions)`` of every section heading (:func:`spacekg.segment.sections`) of the
    parsed document, with the mentions of its heading line; empty without the text."""
    if parsed.norm is None:
        return []
    from spacekg.segment import sections

    out = []
    for sec in sections(parsed.norm.text):
        hs, he = sec.heading
        out.append((hs, [m for m in mentions if hs <= m.start and m.end <= he]))
    return out


def _defined_topic(noun):
    """The topic (X は) a predicate noun defines — 「XはJAXAが開発した探査機である」,
    「XはJAXAが開発した実験棟で、…」 — or None when ``noun`` is not such a predicate."""
    for n in (noun, noun.head):
        if n is not noun and not (noun.dep_ in ("acl", "advcl", "conj") and case_marker(noun) == "で"):
            break
        if n.dep_ != "ROOT" and n is noun and not any(c.dep_ == "cop" for c in n.children) \
                and case_marker(n) != "で":
            continue
        for c in n.children:
            if c.i < noun.i and c.dep_ == "nsubj" and case_marker(c) in ("は", "とは"):
                return c
    return None


def _in_relative_clause(tok) -> bool:
    """True if ``tok`` is inside a clause that modifies a noun (its subject is that noun's
    business, not the topic's: 「ISS計画への参加により培った技術」)."""
    for _ in range(12):
        if tok.dep_ == "acl" and tok.head.lemma_ not in PLAN:  # 打ち上げる予定: the predicate itself
            return True
        if tok.head.i == tok.i:
            return False
        tok = tok.head
    return False


def _overt_subject(pred, passive: bool) -> bool:
    """True if the clause has a nominal marked が (or は) of its own, entity or not
    (「14国地域19機関が参加」): then no discourse rule supplies another subject."""
    return any(c.dep_ in ("nsubj", "nsubj:pass") and case_marker(c) in ("が", "は")
               for c in pred.children if c.i < pred.i)


def conjuncts(tok) -> list:
    """``tok`` and the nominals coordinated with it (``conj``, or ``nmod`` marked と/、/・),
    also through a press release's apposition 「…(…、以下「X」)」 (:func:`_apposed`)."""
    out = [tok]
    for c in tok.children:
        if c.i < tok.i and (c.dep_ == "conj" or (c.dep_ == "nmod" and case_marker(c) in COORD_MARKS)):
            out = conjuncts(c) + out
        elif c.i < tok.i and c.dep_ == "nmod" and not case_marker(c) and _apposed(c, tok):
            out = conjuncts(c)[:-1] + out  # 「A(…)とB(…、以下「B'」)は」: B' is B, A its conjunct
        elif c.i < tok.i and c.dep_ == "nmod" and not case_marker(c) and any(
                x.dep_ == "cc" and x.lemma_ in COORD_MARKS and c.i < x.i < tok.i for x in tok.children):
            out = conjuncts(c) + out  # 「A(…)およびB」: the parser hangs A on B beside a cc
    return out


def _apposed(name, alias) -> bool:
    """True if ``alias`` is the short name a press release gives ``name`` in its bracket
    (「独立行政法人宇宙航空研究開発機構(東京都調布市、理事長/立川敬二、以下「JAXA」)」)."""
    between = name.doc[name.i + 1:alias.i]
    return any(t.lemma_ == "以下" for t in between) and any(t.text == "(" for t in between)


_DATE_QUALS = {"approximate", "fiscal-year", "decade", "by", "from", "range", "at-least",
               "early", "mid", "late"}


def _before(value, doc_date: str | None) -> bool:
    """True if a date value ends no later than the document date (lexical comparison of the
    common prefix; fiscal years compare by their starting year)."""
    if doc_date is None or value is None or getattr(value, "kind", None) != "date":
        return False
    lex = str(value.lexical)
    if not lex[:4].isdigit():
        return False
    n = min(len(lex), len(doc_date))
    if "fiscal-year" in value.qualifiers:
        return int(lex[:4]) < int(doc_date[:4]) - (0 if doc_date[5:7] >= "04" else 1)
    return lex[:n] < doc_date[:n] or (lex[:n] == doc_date[:n] and len(lex) >= len(doc_date))


#: What may follow a mention up to the end of the phrase it stands for: closing brackets,
#: or a bracketed reading/abbreviation (「…」 after a generic noun is matched the other way).
_APPOSITION = re.compile(r"[\s)」』\]]*(?:[(「『][^()「」『』]{0,40}[)」』][\s)」』]*)?$")


#: A meeting's mention cut to its number before the body's name (第29回|宇宙開発戦略本部).
_NUMBERED = re.compile(r"\(?\s*第\s*\d+\s*回\s*\)?")

#: The end of a clause that puts crafts on a vehicle: 「…を搭載した」「…を載せた」 (then the vehicle).
_CARRIED = re.compile(r"を\s*(?:搭載|載せ|積ん|積載)(?:し)?た\s*$")

_LEAD_TAIL = re.compile(r"\s*(?:(?:午前|午後)?\s*\d{1,2}\s*時(?:\s*\d{1,2}\s*分)?(?:\s*\d{1,2}\s*秒)?)?"
                        r"\s*(?:\([^()]{1,12}\))?\s*[、,]")
#: What may stand between a sentence's start and its time adverbial: the topic (「JAXAとISROは、」
#: 「A(…)とB(…)は」), without a clause of its own (no 、 outside brackets, no predicate ending).
_LEAD_TOPIC = re.compile(r"(?:[^、。()]|\([^()]*\))*?(?:は|では)[、,]?\s*")


#: A title after a person's name (盛山正仁|文部科学大臣, ネルソン|NASA長官): the phrase is the person.
_TITLE = re.compile(r"\s*[^\s、。()]{0,12}?(?:大臣|長官|副長官|総裁|理事長|理事|首相|総理|大統領|大使|会長|"
                    r"社長|委員長|主査|委員|局長|部長|課長|室長|所長|教授|准教授|博士|氏|議員|知事)\s*")


_PARTY = Role("party", (), ("Agent", "Person", "Country"))


class _Chunk:
    """Mentions and values of one chunk, looked up by token."""

    def __init__(self, chunk, mentions, values, classes_of):
        self.earlier_pairs: list[list[Arg]] = []
        self.chunk = chunk
        self.mentions = mentions
        self.values = values
        self.classes_of = classes_of

    def pred_span(self, pred) -> tuple[int, int]:
        """Normalised span of a predicate with its auxiliaries and a governing 予定-like noun."""
        right = pred.i
        for c in pred.children:
            if c.i > pred.i and c.dep_ in ("aux", "cop", "mark", "fixed"):
                right = max(right, c.i, *(f.i for f in c.children if f.dep_ == "fixed"))
        if pred.head.i == right + 1 and pred.head.lemma_ in PLAN:
            right = pred.head.i
        doc = pred.doc
        return (self.chunk.start + pred.idx, self.chunk.start + doc[right].idx + len(doc[right].text))

    def leading_date(self, sent) -> Arg | None:
        """A date value that opens ``sent`` — or follows its opening topic (「JAXAとISROは、
        2025年8月29日、…」) — and is closed by 、 (after an optional time of day and a bracket
        such as (日本時間)), or opens the previous sentence when that one is a topic fragment."""
        doc = sent.doc
        starts = [sent.start]
        if sent.start > 0:
            prev = doc[sent.start - 1].sent
            if prev.root.pos_ in ("NOUN", "PROPN") and case_marker(prev.root) in ("は", "とは", "では"):
                starts.insert(0, prev.start)
        text = doc.text
        for st in starts:
            i = doc[st].idx
            while i < len(text) and text[i] in " ・-○◯●⚫▶➢":
                i += 1
            for v in self.values:
                vs = v.start - self.chunk.start
                if v.kind != "date" or vs < i or vs >= sent.end_char:
                    continue
                if vs == i or _LEAD_TOPIC.fullmatch(text, i, vs):
                    if _LEAD_TAIL.match(text, v.end - self.chunk.start):
                        return Arg(None, v, v.start, v.end)
        return None

    def adverbial_date(self, pred) -> Arg | None:
        """A date value closed by 、 (after an optional time of day or bracket) inside the
        clause of ``pred`` — its token reaches ``pred`` through nominals only, not through
        another predicate: 「…に合意し、2019年6月18日(現地時間)、パリにおいて…が取り交わされた」."""
        base = self.chunk.start
        doc = pred.doc
        text = doc.text
        for v in self.values:
            ls, le = v.start - base, v.end - base
            if v.kind != "date" or not (pred.sent.start_char <= ls and le <= pred.idx):
                continue
            if not _LEAD_TAIL.match(text, le):
                continue
            tok = next((t for t in doc if t.idx < le <= t.idx + len(t.text)), None)
            for _ in range(8):
                if tok is None or tok.i == pred.i:
                    break
                if tok.head.i == tok.i or (tok.pos_ in ("VERB", "ADJ", "AUX") and tok.i != pred.i):
                    tok = None
                    break
                tok = tok.head
            if tok is not None and tok.i == pred.i:
                return Arg(None, v, v.start, v.end)
        return None

    def pair_before(self, tok, role: Role) -> list[Arg]:
        """The coordinated subject (X と Y は/が) of the nearest earlier sentence of the chunk
        whose conjuncts give two or more entities of ``role``'s classes: what 両者/両機関 at
        ``tok`` refers to (filled as remote: their spans stay out of the passage)."""
        sents = [st for st in tok.doc.sents if st.end <= tok.sent.start]
        for st in reversed(sents[-3:]):
            for t in st:
                if t.dep_ in ("nsubj", "nsubj:pass") and case_marker(t) in ("は", "が"):
                    args = [a for a in (self.arg_of(c, role) for c in conjuncts(t)) if a]
                    if len({a.entity for a in args}) >= 2:
                        return [Arg(a.entity, a.value, a.start, a.end, remote=True) for a in args]
        for pair in reversed(self.earlier_pairs):
            args = [a for a in pair if set(role.classes) & set(self.classes_of.get(a.entity, ()))]
            if len({a.entity for a in args}) >= 2:
                return [Arg(a.entity, None, a.start, a.end, remote=True) for a in args]
        return []

    def pairs_in(self, doc) -> list[list[Arg]]:
        """Coordinated subjects (X と Y は/が) of ``doc`` with two or more agents, persons or
        countries, in text order (what 両者 in a later paragraph may refer to)."""
        out = []
        for t in doc:
            if t.dep_ in ("nsubj", "nsubj:pass") and case_marker(t) in ("は", "が"):
                args = [a for c in conjuncts(t) for a in [self.arg_of(c, _PARTY)] if a]
                if len({a.entity for a in args}) >= 2:
                    out.append(args)
        return out

    def carried_by(self, vehicle: Arg, role: Role) -> list[Arg]:
        """Entities of ``role``'s classes that the clause 「…を搭載した」/「…を載せた」 right
        before the ``vehicle`` phrase names (「X線分光撮像衛星(XRISM)」および「小型月着陸実証機
        (SLIM)」を搭載したH-IIAロケット47号機), back to the clause's start (、 outside brackets)."""
        base = self.chunk.start
        text = self.chunk.doc.text
        local = vehicle.start - base
        m = _CARRIED.search(text, max(0, local - 12), local)
        if m is None:
            return []
        start, depth = m.start(), 0
        while start > 0:
            ch = text[start - 1]
            if ch in ")」』）":
                depth += 1
            elif ch in "(「『（":
                depth = max(0, depth - 1)
            elif depth == 0 and ch in "、。,\n":
                break
            start -= 1
        out, seen = [], set()
        for mention in self.mentions:
            if base + start <= mention.start and mention.end <= base + m.start():
                for eid in (mention.entity, *mention.alternatives):
                    if set(role.classes) & set(self.classes_of.get(eid, ())) and eid not in seen:
                        seen.add(eid)
                        out.append(Arg(eid, None, mention.start, mention.end))
                        break
        return out

    def arg_of(self, tok, role: Role) -> Arg | None:
        """The entity mention or value the nominal ``tok`` stands for, if of ``role``'s kind."""
        base = self.chunk.start
        hs, he = base + tok.idx, base + tok.idx + len(tok.text)
        ps, pe = phrase_span(tok)
        ps, pe = base + ps, base + pe
        if role.value:
            cands = [v for v in self.values if v.start < he and hs < v.end]
            cands = cands or [v for v in self.values if ps <= v.start and v.end <= pe]
            for v in reversed(cands):
                if role.value in item_tags(v) or role.value == v.kind:
                    return Arg(None, v, min(v.start, ps), max(v.end, pe))
            return None
        head = [m for m in self.mentions if m.start < he and hs < m.end]
        text = self.chunk.doc.text
        # else a mention the phrase ends with, or in apposition (新型補給機(HTV-X),
        # 探査機「はやぶさ2」), or a person before a title (盛山正仁文部科学大臣)
        inner = [m for m in self.mentions if ps <= m.start and m.end <= pe and m not in head
                 and (_APPOSITION.match(text, m.end - base, pe - base)
                      or _NUMBERED.fullmatch(m.surface)  # 第29回|宇宙開発戦略本部: the meeting
                      or ("Person" in self.classes_of.get(m.entity, ())
                          and _TITLE.fullmatch(text, m.end - base, pe - base)))]
        for cands in (head, inner):
            for m in reversed(cands):
                for eid in (m.entity, *m.alternatives):
                    if set(role.classes) & set(self.classes_of.get(eid, ())):
                        return Arg(eid, None, min(m.start, ps), max(m.end, pe))
        if "Organization" in role.classes or "Agent" in role.classes:
            # 「JAXA理事 國中均」「JAXAの山川理事長」 as a party: the person acts for the body
            inside = sorted((m for m in self.mentions if ps <= m.start and m.end <= pe), key=lambda m: m.start)
            if len(inside) >= 2 and pe - ps <= 40 and inside[0].start - ps <= 1 \
                    and "Organization" in self.classes_of.get(inside[0].entity, ()) \
                    and any("Person" in self.classes_of.get(m.entity, ()) for m in inside[1:]):
                return Arg(inside[0].entity, None, ps, pe)
        return None


__all__ = ["SyntaxRule", "SyntaxEngine", "load_syntax_rules", "parse_syntax_rule", "modality",
           "case_marker", "conjuncts"]
