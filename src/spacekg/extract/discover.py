"""Glue between the pipeline and the new-entity and layout stages.

:class:`Extras` is loaded once with the pipeline (discovery rules, noise lists, layout, topic, chart, bullet
and range rules from data/rules/entities, layout, topics, charts, bullets and ranges) and run per document, BEFORE the extraction
rules: new entities are registered with the term resolver and the class index, and their
mentions are merged into the lexicon's, so every rule (pattern, syntactic, layout) binds them
like lexicon entries. It returns the facts the discovery itself states (a found meeting is held
by its body; a person found with a role holds it) and the layout facts.

In the graph a found entity is described like a lexicon entry (type, ``rdfs:label`` /
``skos:prefLabel`` @ja, @en where printed, ``skos:altLabel`` for abbreviations) and marked as
found by rules, not curated, with ``prov:wasGeneratedBy`` the discovery rule(s) that found it
(``{base}rule/E-…``; docs/DESIGN.md). Its mentions go to ``graph/mentions`` like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SKOS, Graph, Literal

from spacekg.config import PROV
from spacekg.extract.bullets import BulletEngine, load_bullet_rules
from spacekg.extract.charts import ChartEngine, load_chart_rules
from spacekg.extract.entities import Discovery, EntityFinder, NewEntity, load_discovery
from spacekg.extract.layout import LayoutEngine, load_layout_rules, split_lines
from spacekg.extract.ranges import RangeEngine, load_range_rules
from spacekg.extract.topics import TopicEngine, load_topic_rules
from spacekg.rules import Match
from spacekg.segment import lines


@dataclass
class ExtraResult:
    """What :meth:`Extras.run` returns for one document (normalised-text spans)."""

    mentions: list
    entities: dict[str, NewEntity] = field(default_factory=dict)
    matches: list[Match] = field(default_factory=list)
    minted_ids: frozenset = frozenset()  # which of ``entities`` layout rules minted


class Extras:
    """New-entity discovery and layout rules, bound to a loaded pipeline.

    Args:
        rules_dir: data/rules (reads its ``entities/`` and ``layout/`` folders; a missing
            folder means no rules of that kind).
        ontology, lexicon, classes_of, resolver: the pipeline's (``classes_of`` and the
            resolver's ``entity_ids`` are extended in place with the entities found).

    Raises:
        RuleError: a malformed rule file (file and line named).
    """

    def __init__(self, rules_dir, ontology, lexicon, classes_of, resolver):
        self.ontology = ontology
        self.classes_of = classes_of
        self.resolver = resolver
        ent_dir, lay_dir = rules_dir / "entities", rules_dir / "layout"
        rules, noise = load_discovery(ent_dir) if ent_dir.is_dir() else ([], {})
        self.finder = EntityFinder(rules, noise, lexicon, classes_of)
        self.bodies = self.finder.bodies()
        layout = load_layout_rules(lay_dir, ontology) if lay_dir.is_dir() else []
        self.layout = LayoutEngine(layout, resolver, classes_of, self.bodies)
        self.topics = TopicEngine(load_topic_rules(rules_dir / "topics", ontology), resolver, classes_of)
        self.charts = ChartEngine(load_chart_rules(rules_dir / "charts", ontology), resolver, classes_of)
        self.bullets = BulletEngine(load_bullet_rules(rules_dir / "bullets", ontology), resolver, classes_of)
        self.ranges = RangeEngine(load_range_rules(rules_dir / "ranges", ontology), resolver, classes_of, lexicon)
        self.found: dict[str, NewEntity] = {}
        self.minted: dict[str, NewEntity] = {}  # nodes layout rules mint (agenda items …)

    def register(self, ent: NewEntity) -> None:
        """Make a found entity known to the resolver and the class index."""
        self.resolver.entity_ids.add(ent.id)
        if ent.id not in self.classes_of:
            self.classes_of[ent.id] = sorted(set().union(
                *(self.ontology.superclasses.get(c, {c}) for c in ent.classes)))
        if ent.body:
            self.bodies[ent.id] = ent.body
        if ent.id not in self.found:
            self.found[ent.id] = ent
        else:  # the same name in another document: one entity, aliases and rules merged
            old = self.found[ent.id]
            old.aliases += [a for a in ent.aliases if a not in old.aliases]
            old.rules += [r for r in ent.rules if r not in old.rules]
            old.en = old.en or ent.en

    def run(self, norm, mentions, values, doc_iri, doc_id: str, parsed=None,
            lexicon_finder=None) -> ExtraResult:
        """Find new entities, then apply the layout rules, on one document.

        Args:
            norm: the document's :class:`~spacekg.normalise.Normalised` text.
            mentions, values: the lexicon mentions and values of ``norm.text``.
            doc_iri, doc_id: the document.
            parsed: its GiNZA parse, if any (named entities are then used).
            lexicon_finder: the lexicon's MentionFinder (splits a mention that runs across a
                line break into the two names it joins: 文部科学省 / 研究開発局長 …).
        """
        text = norm.text
        breaks = joined_breaks(norm)
        if lexicon_finder is not None:
            mentions = split_across_lines(text, mentions, lexicon_finder, breaks)
        disc: Discovery = self.finder.find(text, mentions, values, ner_spans(parsed), doc_id,
                                           breaks=breaks)
        for ent in disc.entities.values():
            self.register(ent)
        matches = discovery_facts(disc, self.resolver, self.finder.lookup, self.classes_of)
        minted = {}
        matches += self.layout.apply(text, disc.mentions, values, doc_iri, breaks, minted)
        read_lines = split_lines(text, lines(text), breaks)
        matches += self.topics.apply(text, disc.mentions, doc_iri, lexicon_finder, read_lines)
        matches += self.charts.apply(text, disc.mentions, lexicon_finder, read_lines)
        matches += self.bullets.apply(text, disc.mentions)
        matches += self.ranges.apply(text, disc.mentions)
        minted = {k: v for k, v in minted.items() if k not in self.finder.lexicon}
        for node in minted.values():
            self._register_minted(node)
        return ExtraResult(disc.mentions, {**disc.entities, **minted}, matches, frozenset(minted))

    def _register_minted(self, node: NewEntity) -> None:
        self.resolver.entity_ids.add(node.id)
        self.classes_of.setdefault(node.id, sorted(set().union(
            *(self.ontology.superclasses.get(c, {c}) for c in node.classes))))
        self.minted.setdefault(node.id, node)

    def restore(self, entities: dict[str, NewEntity], minted_ids=frozenset()) -> None:
        """Register again what :meth:`run` registered for one document, from its cached
        analysis (``DocAnalysis.entities`` and ``.minted_ids``), in document order, so a build
        that reuses cached analyses describes the same entities as a cold one."""
        for key, ent in entities.items():
            if key in minted_ids:
                self._register_minted(ent)
            else:
                self.register(ent)


def joined_breaks(norm) -> list[int]:
    """Offsets of the normalised text where normalisation joined two original lines (a PDF
    wrap, or a short header line before a title): layout rules read original lines."""
    out = []
    origin, original = norm.origin, norm.original
    for i in range(1, len(norm.text)):
        a, b = origin[i - 1], origin[i]
        if b - a > 1 and norm.text[i - 1] != "\n" and norm.text[i] != "\n" and "\n" in original[a:b]:
            out.append(i)
    return out


def split_across_lines(text: str, mentions, finder, breaks=()) -> list:
    """Split a mention that spans a line end when both sides are whole names and the line after
    goes on past it (文部科学省 / 研究開発局長 坂本: two names, not the alias 文部科学省研究開発局)."""
    from spacekg.mentions import Mention

    cuts = set(breaks)
    out = []
    for m in mentions:
        inner = [i for i in range(m.start + 1, m.end) if text[i - 1] == "\n" or i in cuts]
        if not inner:
            out.append(m)
            continue
        cut = inner[0]
        left_end = cut - 1 if text[cut - 1] == "\n" else cut
        while cut < m.end and text[cut] in " \t\u3000\n":
            cut += 1
        left = finder.find(text[m.start:left_end])
        right = finder.find(text[cut:m.end])
        line_end = text.find("\n", m.end)
        goes_on = text[m.end:line_end if line_end >= 0 else len(text)].strip()
        whole = (len(left) == 1 and left[0].end - left[0].start == left_end - m.start
                 and len(right) == 1 and right[0].end - right[0].start == m.end - cut)
        if whole and goes_on:
            out.append(Mention(m.start, left_end, left[0].entity, left[0].surface, left[0].alternatives))
            out.append(Mention(cut, m.end, right[0].entity, right[0].surface, right[0].alternatives))
        else:
            out.append(m)
    return sorted(out)


def ner_spans(parsed) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` of the named entities of a :class:`~spacekg.extract.parse.ParsedDocument`
    (normalised-text offsets); empty without a parse."""
    if parsed is None:
        return []
    return [(*c.span(ent), ent.label_) for c in parsed.chunks for ent in c.doc.ents]


PARTY_CLASSES = ("Organization", "Country")
_AGREEMENT_TAIL = re.compile(r"^(?P<head>.+?)\s*(?:との間|間)?\s*の\s*(?P<tail>[^の]+)$")
_TOPIC_CUT = re.compile(r".*(?:に関する|による|における|についての|に係る)\s*")


def agreement_parties(name: str, lookup, classes_of) -> list[str]:
    """The parties an agreement's name gives before its kind: 「(…に関する)XとYの実施取決め」,
    「XとYとの間の協定」 → the lexicon ids of X and Y, when every one of them is a known
    organisation or country; else ``[]`` (「月と火星の探査に関する協定」 names no party).

    Args:
        name: the agreement's name as printed (normalised).
        lookup: name → lexicon id or None (:meth:`EntityFinder.lookup`).
        classes_of: entity id → class names with superclasses.
    """
    m = _AGREEMENT_TAIL.match(name)
    if not m:
        return []
    head = _TOPIC_CUT.sub("", m.group("head"))
    parts = [p.strip(" 、") for p in head.split("と")]
    if len(parts) < 2:
        return []
    ids = [lookup(p) for p in parts]
    if not all(i and set(PARTY_CLASSES) & set(classes_of.get(i, [])) for i in ids):
        return []
    return list(dict.fromkeys(ids))


def discovery_facts(disc: Discovery, resolver, lookup=None, classes_of=None) -> list[Match]:
    """Facts stated by the passage that names a found entity, produced by the discovery rule
    that found it: a meeting's body (``heldBy``); an agreement's parties named in it
    (``partyTo``, :func:`agreement_parties`). (A person's role is stated by the layout
    rules that read it in its form, e.g. the attendance list of minutes.)"""
    out = []
    for ent in disc.entities.values():
        s = resolver.iris.res[ent.id]
        rule = ent.rules[0]
        if ent.body:
            out.append(Match(s, resolver.predicate("heldBy"), resolver.iris.res[ent.body], ent.span, rule))
        if lookup is not None and "Agreement" in ent.classes:
            for party in agreement_parties(ent.ja, lookup, classes_of or {}):
                out.append(Match(resolver.iris.res[party], resolver.predicate("partyTo"), s, ent.span, rule))
    return out


def label_key(label: str) -> str:
    """The key under which two labels count as one name (as shapes/violations/
    shared-normalised-label.rq normalises them: case, white space, ・ and hyphens ignored)."""
    return re.sub(r"[\s\u3000・･\-‐－]", "", label).lower()


def describe_found(entities: dict[str, NewEntity], ontology, graph: Graph, taken=()) -> None:
    """Describe found entities in ``graph`` (graph/entities): types, labels, aliases, a person's
    role or title as printed beside the name (``sk:roleTitle``, part of how the document names
    the person, like a label) and ``prov:wasGeneratedBy`` each discovery or layout rule that
    found or minted them.

    Args:
        taken: label keys (:func:`label_key`) already used by other entities (the lexicon's).
            A found entity whose label would repeat one (その他, the agenda item of two
            meetings; 高橋, a family name in two minutes) gets its document in brackets, so
            one name never means two things.
    """
    iris = ontology.iris
    used = set(taken)
    for ent in sorted(entities.values(), key=lambda e: e.id):
        e = iris.res[ent.id]
        for c in ent.classes:
            graph.add((e, RDF.type, ontology.cls(c)))
        for lab, lang in ((ent.ja, "ja"), (ent.en, "en")):
            if lab:
                key = (label_key(lab), lang)
                if key in used:
                    lab = f"{lab} ({ent.doc or ent.id})"
                    key = (label_key(lab), lang)
                used.add(key)
                graph.add((e, RDFS.label, Literal(lab, lang=lang)))
                graph.add((e, SKOS.prefLabel, Literal(lab, lang=lang)))
        for alias in ent.aliases:
            lang = "ja" if any(ord(ch) > 0x3000 for ch in alias) else "en"
            graph.add((e, SKOS.altLabel, Literal(alias, lang=lang)))
        if ent.role and "Person" in ent.classes:
            graph.add((e, iris.sk.roleTitle, Literal(ent.role, lang="ja")))
        for rule in ent.rules:
            graph.add((e, PROV.wasGeneratedBy, iris.rule[rule]))
