"""Stage 6: attach evidence to stated facts, and record mentions (Web Annotation + PROV-O).

Output graph shapes (see docs/DESIGN.md, "Evidence model"):

* ``graph/stated``: the plain triple ``s p o``;
* ``graph/evidence``: a statement node ``{base}statement/{sha1}`` (``rdf:Statement`` with
  ``rdf:subject/predicate/object``, ``prov:wasDerivedFrom`` each evidence annotation,
  ``sk:dateQualifier`` where given, ``sk:statedAsOf`` the interval of the stating document's
  date with ``sk:asOfQualifier`` when that date is approximate, not printed or unknown, and
  ``sk:dateInterval`` the interval a date-valued object stands for), and per supporting
  passage an ``oa:Annotation`` ``{base}evidence/{doc}/{start}-{end}/{producer}`` whose target
  has an ``oa:TextPositionSelector`` (code-point offsets into the original file, end
  exclusive) and an ``oa:TextQuoteSelector`` (exact quote with 32 characters of prefix and
  suffix), ``sk:headingSelector`` the headings the passage sits under (each a selector that is
  both a quote and a position selector, outermost first, chained by ``oa:refinedBy`` down to
  the passage's quote selector), and ``prov:wasGeneratedBy`` the rule or curation that
  produced it. A fact read from a position in a chart or table is motivated by
  ``sk:chartReading`` instead of ``oa:describing`` and quotes its row and column headings
  (``sk:rowHeading``, ``sk:columnHeading``) and the chart's title (a further
  ``sk:headingSelector``);
* intervals ``{base}time/{datatype}/{lexical}[/{qualifier}]`` (``time:ProperInterval``) with
  ``time:hasBeginning``/``time:hasEnd`` instants carrying ``time:inXSDDate``, so every kind of
  date (day, month, year, fiscal year, decade, by/from) sorts and filters in SPARQL;
* ``graph/mentions``: per mention an ``oa:Annotation`` (``oa:identifying``) whose body is the
  entity, with the same target structure, plus ``entity sk:mentionedIn document``.

No blank nodes are minted, so serialisations are deterministic.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from spacekg.config import OA, PROV, TIME, IRIs
from spacekg.curation import Fact
from spacekg.values import DATE_TYPES, date_bounds

CONTEXT = 32
HEADING_MAX = 160  # a heading selector quotes at most this many characters of its line
ITEM_RANK = 5  # ○ items, and ◆■◼ lines longer than 40 characters: paragraph-like headings …
ITEM_REACH = 8  # … that head at most this many non-blank lines below them

#: Heading lines and their rank (1 = outermost). A passage sits under the nearest heading
#: above it of each rank lower than the ranks already collected.
HEADING_RANKS: list[tuple[re.Pattern, object]] = [
    (re.compile(r"^\s*(\d+(?:\.\d+)*)\.\s*\S"), lambda m: min(m.group(1).count(".") + 1, 2)),  # 1. / 1.1.
    (re.compile(r"^\s*【\s*[0-9０-９]+\s*】"), 1),
    (re.compile(r"^\s*[（(]\s*[0-9０-９]{1,2}\s*[)）]\s*\S"), 3),  # not （2016) nor a bare (5)
    (re.compile(r"^\s*【[^】]{1,60}】"), 4),
    (re.compile(r"^\s*≪[^≫]{1,60}≫"), 4),
    (re.compile(r"^\s*[（(][A-ZＡ-Ｚ][)）]"), 4),
    (re.compile(r"^\s*[◆■◼]"), 5),
    (re.compile(r"^\s*[＜<][^＞>\n]{1,30}[＞>]\s*$"), 5),
    (re.compile(r"^\s*(?:-\s*)?○"), 6),
]


NUMBERED = re.compile(r"^\s*(\d+(?:\.\d+)*)\.\s*\S")
#: An appendix slide's title (参考：…, 参考４ …; not 参考資料 nor 参考 中間…): outermost, but never the
#: parent of a numbered section (2.2. after it belongs to 2., not to the appendix slide).
APPENDIX = re.compile(r"^\s*参考\s*(?:[0-9０-９]+\s|[：:])\s*\S")


def _rank(line: str) -> int | None:
    for pattern, rank in HEADING_RANKS:
        m = pattern.match(line)
        if m:
            return rank(m) if callable(rank) else rank
    return None


@dataclass(frozen=True)
class Heading:
    """A heading line: its span in the original text (at most :data:`HEADING_MAX` characters,
    white space trimmed) and its rank (1 = outermost)."""

    start: int
    end: int
    rank: int


class HeadingIndex:
    """The heading lines of one document, to find the heading path above a passage.

    Heading kinds (:data:`HEADING_RANKS`), outermost first: numbered section titles (``1.``)
    and numbered 【N】 headings (the meetings of the 2026 follow-up); ``1.1.``; parenthesised
    numbers ``(1)``/``（２）`` followed by a title (not a year ``（2016)``, not a bare chart number);
    【】 and ≪≫ headings (Step headings, table captions, 【開発中】, ≪ISEF2の結果概要≫),
    lettered items; ◆■ headings; ＜…＞ captions; ○ items; appendix slide titles (参考：…, 参考４ …)
    as outermost headings. Slide titles without a mark are not recognised.
    """

    def __init__(self, text: str):
        self.text = text
        self.line_starts: list[int] = []
        self.ranks: list[int | None] = []
        self.spans: list[tuple[int, int]] = []
        self.numbers: list[str | None] = []
        self.appendix: list[bool] = []
        self.list_items: list[bool] = []  # numbered list items (see _demote_lists)
        pos = 0
        for raw in text.split("\n"):
            self.line_starts.append(pos)
            stripped = raw.strip()
            rank = _rank(raw) if stripped else None
            appendix = rank is None and bool(APPENDIX.match(raw))
            rank = 1 if appendix else rank
            self.appendix.append(appendix)
            s = pos + len(raw) - len(raw.lstrip())
            self.ranks.append(rank)
            num = NUMBERED.match(raw) if rank is not None else None
            self.numbers.append(num.group(1) if num else None)
            self.spans.append((s, min(s + len(stripped), s + HEADING_MAX)))
            self.list_items.append(False)
            pos += len(raw) + 1
        self._demote_lists()
        self.nonblank: list[int] = []  # non-blank lines before each line
        count = 0
        for a, b in self.spans:
            self.nonblank.append(count)
            count += b > a

    def _demote_lists(self) -> None:
        """Numbered lines that are list items or a contents page are not headings.

        * ``N. text`` after a deeper numbered heading (``1.3.`` … then ``1. 火星表面環境技術``)
          is an item of a list inside that section; on an appendix slide (参考：…) it heads,
          like a ◆ item (:data:`ITEM_RANK`), at most :data:`ITEM_REACH` non-blank lines below
          it (the technology the slide's paragraph is about), elsewhere nothing;
        * three or more consecutive lines of the same rank ≤ 3 (``（１）…（６）`` on a contents
          page) are a contents list, not the sections themselves.
        """
        deeper_seen = False
        for i, num in enumerate(self.numbers):
            if num is None:
                continue
            if "." in num:
                deeper_seen = True
            elif deeper_seen:
                outer = next((j for j in range(i - 1, -1, -1)
                              if self.ranks[j] is not None and self.ranks[j] <= 2), None)
                on_appendix = outer is not None and self.appendix[outer]
                self.ranks[i] = ITEM_RANK if on_appendix else None
                self.numbers[i] = None
                self.list_items[i] = on_appendix
        nonblank = [i for i, (a, b) in enumerate(self.spans) if b > a]
        run: list[int] = []
        for i in nonblank + [None]:
            r = self.ranks[i] if i is not None else None
            if run and r is not None and r <= 3 and r == self.ranks[run[0]]:
                run.append(i)
                continue
            if len(run) >= 3:
                for j in run:
                    self.ranks[j] = self.numbers[j] = None
            run = [i] if i is not None and r is not None and r <= 3 else []

    def path(self, start: int) -> list[Heading]:
        """Headings above the passage starting at ``start``, outermost first.

        The passage's own line counts as a heading of its rank (a passage in a ○ item is not
        placed under the ○ item before it), and headings of equal or deeper rank than one
        already collected are skipped (they are siblings, not parents); a numbered heading
        (``1.2.``) is placed only under the heading whose number prefixes its own (``1.``); a
        paragraph-like heading (a ○ item, or a ◆■◼ line of more than 40 characters) heads at
        most :data:`ITEM_REACH` non-blank lines below it.
        """
        i = bisect.bisect_right(self.line_starts, start) - 1
        limit = self.ranks[i] or 99
        number = self.numbers[i]
        out: list[Heading] = []
        for j in range(i - 1, -1, -1):
            r = self.ranks[j]
            if number and self.numbers[j] and not number.startswith(self.numbers[j] + "."):
                continue  # 1.2. sits under 1., not under 0.
            if number and self.appendix[j]:
                continue  # a numbered section is not part of the appendix slide before it
            a, b = self.spans[j]
            paragraph = r is not None and (r >= 6 or (r >= ITEM_RANK and b - a > 40)
                                           or self.list_items[j])
            if paragraph and self.nonblank[i] - self.nonblank[j] > ITEM_REACH:
                continue  # a ○ or ◼ paragraph heads its own continuation lines, not a slide
            if r is not None and r < limit:
                out.append(Heading(*self.spans[j], r))
                limit = r
                number = self.numbers[j] or number
                if r == 1:
                    break
        return out[::-1]


def statement_iri(iris: IRIs, s, p, o) -> URIRef:
    """Stable IRI of the statement node of ``s p o`` (SHA-1 of the N-Triples form, 16 hex)."""
    key = f"{s.n3()} {p.n3()} {o.n3()}".encode()
    return iris.statement[hashlib.sha1(key).hexdigest()[:16]]


def add_target(g: Graph, node: URIRef, doc_iri: URIRef, text: str, start: int, end: int) -> URIRef:
    """Add ``node oa:hasTarget`` with position and quote selectors for ``text[start:end]``;
    return the target."""
    target = URIRef(f"{node}#target")
    pos = URIRef(f"{node}#position")
    quote = URIRef(f"{node}#quote")
    g.add((node, OA.hasTarget, target))
    g.add((target, RDF.type, OA.SpecificResource))
    g.add((target, OA.hasSource, doc_iri))
    g.add((target, OA.hasSelector, pos))
    g.add((target, OA.hasSelector, quote))
    g.add((pos, RDF.type, OA.TextPositionSelector))
    g.add((pos, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
    g.add((pos, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))
    g.add((quote, RDF.type, OA.TextQuoteSelector))
    g.add((quote, OA.exact, Literal(text[start:end])))
    g.add((quote, OA.prefix, Literal(text[max(0, start - CONTEXT):start])))
    g.add((quote, OA.suffix, Literal(text[end:end + CONTEXT])))
    return target


def add_span_selector(g: Graph, node: URIRef, text: str, start: int, end: int) -> URIRef:
    """A selector of ``text[start:end]`` that is both an ``oa:TextQuoteSelector`` (exact) and an
    ``oa:TextPositionSelector`` (absolute offsets into the document)."""
    g.add((node, RDF.type, OA.TextQuoteSelector))
    g.add((node, RDF.type, OA.TextPositionSelector))
    g.add((node, OA.exact, Literal(text[start:end])))
    g.add((node, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
    g.add((node, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))
    return node


def add_headings(g: Graph, iris: IRIs, ev: URIRef, target: URIRef, text: str,
                 path: list[Heading]) -> None:
    """Attach the heading path to an annotation target: ``target sk:headingSelector h`` for
    each heading (``sk:headingLevel`` its rank, 1 = outermost), each heading ``oa:refinedBy``
    the next one and the innermost ``oa:refinedBy`` the passage's quote selector."""
    sk = iris.sk
    prev = None
    for i, h in enumerate(path, 1):
        node = add_span_selector(g, URIRef(f"{ev}#heading-{i}"), text, h.start, h.end)
        g.add((node, sk.headingLevel, Literal(h.rank, datatype=XSD.positiveInteger)))
        g.add((target, sk.headingSelector, node))
        if prev is not None:
            g.add((prev, OA.refinedBy, node))
        prev = node
    if prev is not None:
        g.add((prev, OA.refinedBy, URIRef(f"{ev}#quote")))


def interval_iri(iris: IRIs, lit: Literal, qualifiers=frozenset()) -> URIRef:
    """IRI of the interval a date literal stands for: ``{base}time/{datatype}/{lexical}``,
    plus ``/{qualifier}`` for the qualifiers that move its bounds (early, mid, late, by, from)."""
    dt = str(lit.datatype).rsplit("#", 1)[-1]
    moving = sorted(q for q in qualifiers if q in ("early", "mid", "late", "by", "from"))
    return URIRef(f"{iris.base}time/{dt}/{lit}" + "".join(f"/{q}" for q in moving))


def add_interval(g: Graph, iris: IRIs, lit: Literal, qualifiers=frozenset()) -> URIRef | None:
    """Describe the interval of a date literal (OWL-Time) in ``g`` and return it, or None if
    ``lit`` is not a date. Shape: ``i a time:ProperInterval ; sk:printedDate lit ;
    time:hasBeginning i#beginning ; time:hasEnd i#end``, each instant ``a time:Instant ;
    time:inXSDDate d`` (an open bound is left out). Bounds: :func:`spacekg.values.date_bounds`."""
    if not isinstance(lit, Literal) or str(lit.datatype) not in DATE_TYPES:
        return None
    try:
        begin, end = date_bounds(str(lit), str(lit.datatype), qualifiers)
    except ValueError:
        return None
    node = interval_iri(iris, lit, qualifiers)
    g.add((node, RDF.type, TIME.ProperInterval))
    g.add((node, iris.sk.printedDate, lit))
    g.add((node, RDFS.label, Literal(" ".join([str(lit), *sorted(set(qualifiers) & {
        "early", "mid", "late", "by", "from"})]))))
    for prop, day, frag in ((TIME.hasBeginning, begin, "beginning"), (TIME.hasEnd, end, "end")):
        if day is not None:
            instant = URIRef(f"{node}#{frag}")
            g.add((node, prop, instant))
            g.add((instant, RDF.type, TIME.Instant))
            g.add((instant, TIME.inXSDDate, Literal(day.isoformat(), datatype=XSD.date)))
    return node


@dataclass(frozen=True)
class DocDate:
    """The date of a source document as the statements it makes are dated ("as of").

    Attributes:
        literal: its ``dcterms:date`` (xsd:date, or gYearMonth/gYear when approximate), or None.
        qualifier: ``""``, ``approximate``, ``not-printed`` or ``unknown``.
    """

    literal: Literal | None
    qualifier: str = ""


def document_dates(documents: Graph, iris: IRIs, doc_ids) -> dict[str, DocDate]:
    """Each document's date as described in graph/documents (``dcterms:date`` and
    ``sk:dateQualifier``, see :func:`spacekg.describe.describe_documents`)."""
    from rdflib import DCTERMS

    out = {}
    for doc in doc_ids:
        d = iris.doc[doc]
        lit = documents.value(d, DCTERMS.date)
        qual = documents.value(d, iris.sk.dateQualifier)
        out[doc] = DocDate(lit, str(qual) if qual is not None else "")
    return out


def attach_evidence(facts: list[Fact], texts: dict[str, str], iris: IRIs,
                    stated: Graph, evidence: Graph,
                    doc_dates: dict[str, DocDate] | None = None) -> None:
    """Write each fact's triple into ``stated`` and its statement node and evidence into
    ``evidence`` (both graphs are mutated).

    Args:
        facts: stated facts with original-text spans.
        texts: document id → original text.
        iris: namespaces.
        doc_dates: document id → its date, for ``sk:statedAsOf`` (none recorded when absent).
    """
    sk = iris.sk
    doc_dates = doc_dates or {}
    indexes = {doc: HeadingIndex(text) for doc, text in texts.items()}
    for f in facts:
        stated.add((f.s, f.p, f.o))
        st = statement_iri(iris, f.s, f.p, f.o)
        kind, pid = f.producer
        producer = iris.rule[pid] if kind == "rule" else iris.curation[pid]
        ev = URIRef(f"{iris.evidence}{f.doc}/{f.start}-{f.end}/{pid}")
        evidence.add((st, RDF.type, RDF.Statement))
        evidence.add((st, RDF.subject, f.s))
        evidence.add((st, RDF.predicate, f.p))
        evidence.add((st, RDF.object, f.o))
        evidence.add((st, PROV.wasDerivedFrom, ev))
        for q in sorted(f.qualifiers):
            evidence.add((st, sk.dateQualifier, Literal(q)))
        interval = add_interval(evidence, iris, f.o, f.qualifiers)
        if interval is not None:
            evidence.add((st, sk.dateInterval, interval))
        dd = doc_dates.get(f.doc)
        if dd is not None:
            if dd.literal is not None:
                evidence.add((st, sk.statedAsOf, add_interval(evidence, iris, dd.literal)))
            if dd.qualifier:
                evidence.add((st, sk.asOfQualifier, Literal(dd.qualifier)))
        if (ev, RDF.type, OA.Annotation) not in evidence:
            evidence.add((ev, RDF.type, OA.Annotation))
            evidence.add((ev, RDF.type, PROV.Entity))
            chart = getattr(f, "reading", "text") == "chart"
            evidence.add((ev, OA.motivatedBy, sk.chartReading if chart else OA.describing))
            evidence.add((ev, PROV.wasGeneratedBy, producer))
            text = texts[f.doc]
            target = add_target(evidence, ev, iris.doc[f.doc], text, f.start, f.end)
            heads = getattr(f, "table_headings", ())
            if not (chart and any(role == "caption" for role, _ in heads)):
                # a flattened chart's cells sit under its title, not the text headings above it
                add_headings(evidence, iris, ev, target, text, indexes[f.doc].path(f.start))
            for role, (s, e) in heads:
                prop = {"row": sk.rowHeading, "column": sk.columnHeading,
                        "caption": sk.headingSelector}[role]
                node = add_span_selector(evidence, URIRef(f"{ev}#{role}-{s}-{e}"), text, s, e)
                evidence.add((target, prop, node))
                if role == "caption":
                    evidence.add((node, sk.headingLevel, Literal(1, datatype=XSD.positiveInteger)))
def record_mentions(doc_id: str, text: str, spans: list[tuple[int, int, str]], iris: IRIs,
                    graph: Graph) -> None:
    """Add one ``oa:Annotation`` per mention to ``graph`` (mutated).

    Args:
        doc_id: document id.
        text: original text.
        spans: ``(start, end, entity_id)`` in original offsets.
    """
    doc_iri = iris.doc[doc_id]
    for start, end, eid in spans:
        node = URIRef(f"{iris.mention}{doc_id}/{start}-{end}")
        entity = iris.res[eid]
        graph.add((node, RDF.type, OA.Annotation))
        graph.add((node, OA.motivatedBy, OA.identifying))
        graph.add((node, OA.hasBody, entity))
        add_target(graph, node, doc_iri, text, start, end)
        graph.add((entity, iris.sk.mentionedIn, doc_iri))
