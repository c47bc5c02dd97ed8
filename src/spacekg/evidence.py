"""Stage 6: attach evidence to stated facts, and record mentions (Web Annotation + PROV-O).

Output graph shapes (see docs/DESIGN.md, "Evidence model"):

* ``graph/stated``: the plain triple ``s p o``;
* ``graph/evidence``: a statement node ``{base}statement/{sha1}`` (``rdf:Statement`` with
  ``rdf:subject/predicate/object``, ``prov:wasDerivedFrom`` each evidence annotation and
  ``sk:dateQualifier`` where given), and per supporting passage an ``oa:Annotation``
  ``{base}evidence/{doc}/{start}-{end}/{producer}`` whose target has an
  ``oa:TextPositionSelector`` (code-point offsets into the original file, end exclusive) and an
  ``oa:TextQuoteSelector`` (exact quote with 32 characters of prefix and suffix), and
  ``prov:wasGeneratedBy`` the rule or curation that produced it;
* ``graph/mentions``: per mention an ``oa:Annotation`` (``oa:identifying``) whose body is the
  entity, with the same target structure, plus ``entity sk:mentionedIn document``.

No blank nodes are minted, so serialisations are deterministic.
"""

from __future__ import annotations

import hashlib

from rdflib import RDF, XSD, Graph, Literal, URIRef

from spacekg.config import OA, PROV, IRIs
from spacekg.curation import Fact

CONTEXT = 32


def statement_iri(iris: IRIs, s, p, o) -> URIRef:
    """Stable IRI of the statement node of ``s p o`` (SHA-1 of the N-Triples form, 16 hex)."""
    key = f"{s.n3()} {p.n3()} {o.n3()}".encode()
    return iris.statement[hashlib.sha1(key).hexdigest()[:16]]


def add_target(g: Graph, node: URIRef, doc_iri: URIRef, text: str, start: int, end: int) -> None:
    """Add ``node oa:hasTarget`` with position and quote selectors for ``text[start:end]``."""
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


def attach_evidence(facts: list[Fact], texts: dict[str, str], iris: IRIs,
                    stated: Graph, evidence: Graph) -> None:
    """Write each fact's triple into ``stated`` and its statement node and evidence into
    ``evidence`` (both graphs are mutated).

    Args:
        facts: stated facts with original-text spans.
        texts: document id → original text.
        iris: namespaces.
    """
    sk = iris.sk
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
        if (ev, RDF.type, OA.Annotation) not in evidence:
            evidence.add((ev, RDF.type, OA.Annotation))
            evidence.add((ev, RDF.type, PROV.Entity))
            evidence.add((ev, OA.motivatedBy, OA.describing))
            evidence.add((ev, PROV.wasGeneratedBy, producer))
            add_target(evidence, ev, iris.doc[f.doc], texts[f.doc], f.start, f.end)


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
