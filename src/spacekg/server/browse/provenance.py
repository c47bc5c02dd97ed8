"""View models of the provenance pages: statement, evidence annotation, curation and rule.

Each ends in text a person can read: a statement shows its triple by labels and the
passage(s) that state it (or, when inferred, the rule and the premises); an annotation and a
curated statement show their quote in its context and the triples they support; a rule says
what it does (:mod:`spacekg.server.browse.ruletext`) and lists its conclusions by label, paged.
The evidence model is docs/DESIGN.md's: ``rdf:Statement`` nodes, ``prov:wasDerivedFrom`` an
``oa:Annotation`` with ``oa:TextPositionSelector`` and ``oa:TextQuoteSelector``,
``prov:wasGeneratedBy`` the rule or curated statement.
"""

from __future__ import annotations

from rdflib import RDF, URIRef

from spacekg.config import PROV
from spacekg.server.browse import data as data
from spacekg.server.browse.pages import _evidence_view
from spacekg.server.browse.ruletext import describe_rule
from spacekg.server.browse.util import local_path, term_view

PAGE_SIZE = 50

ANNOTATION_QUERY = data.PREFIXES + """SELECT ?ev ?doc ?start ?end ?exact ?prefix ?suffix ?gen WHERE {
  ?ev oa:hasTarget ?t . ?t oa:hasSource ?doc ; oa:hasSelector ?pos , ?q .
  ?pos oa:start ?start ; oa:end ?end . ?q oa:exact ?exact .
  OPTIONAL { ?q oa:prefix ?prefix } OPTIONAL { ?q oa:suffix ?suffix }
  OPTIONAL { ?ev prov:wasGeneratedBy ?gen } } ORDER BY STR(?doc) ?start ?end SUBSTR(STR(?exact), 1, 500) STR(?gen)"""
SUPPORTS_QUERY = data.PREFIXES + """SELECT DISTINCT ?st ?s ?p ?o WHERE {
  ?st prov:wasDerivedFrom ?ev ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }
  ORDER BY STR(?s) STR(?p) """ + data.OBJECT_ORDER + " STR(?st)"
GENERATED_QUERY = data.PREFIXES + """SELECT DISTINCT ?ev WHERE { ?ev prov:wasGeneratedBy ?gen ; oa:hasTarget ?t } ORDER BY STR(?ev)"""
CONCLUSIONS_QUERY = data.PREFIXES + """SELECT DISTINCT ?st ?s ?p ?o WHERE {
  ?st prov:wasGeneratedBy ?gen ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }
  ORDER BY STR(?s) STR(?p) """ + data.OBJECT_ORDER + " STR(?st)"


def triple_view(s, p, o, lang: str, statement=None) -> dict:
    """A triple shown by labels: ``s``, ``p``, ``o`` term views and the statement page's path."""
    return {"s": term_view(s, lang), "p": term_view(p, lang), "o": term_view(o, lang),
            "href": local_path(statement) if statement is not None else None}


def _sorted_triples(rows, lang: str) -> list[dict]:
    out = [triple_view(r["s"], r["p"], r["o"], lang, r.get("st")) for r in rows]
    out.sort(key=lambda t: (t["s"]["text"].casefold(), t["p"]["text"].casefold(), t["o"]["text"].casefold()))
    return out


def annotations(ev_iris, subject=None, obj=None, lang: str = "ja", context: int = 40) -> list[dict]:
    """Passages of evidence annotations ``ev_iris`` (see ``pages._evidence_view``), with the
    mentions of ``subject``/``obj`` in them emphasised."""
    out = []
    for ev in ev_iris:
        rows = data.store().select(ANNOTATION_QUERY, {"ev": ev})
        if rows:
            row = dict(rows[0], quals=[])
            out.append(_evidence_view(row, subject, obj, lang, context=context))
    return out


def statement_view(iri, rows: list[dict], lang: str) -> dict | None:
    """The triple of a statement node with its passages (stated) or rule and premises (inferred).

    Args:
        rows: the node's outgoing triples (``data.outgoing``).

    Returns:
        None when ``iri`` is not an ``rdf:Statement`` with subject, predicate and object.
    """
    spo = {r["p"]: r["o"] for r in rows if r["p"] in (RDF.subject, RDF.predicate, RDF.object)}
    if len(spo) < 3:
        return None
    s, p, o = spo[RDF.subject], spo[RDF.predicate], spo[RDF.object]
    derived = list(dict.fromkeys(r["o"] for r in rows if r["p"] == PROV.wasDerivedFrom))
    generators = list(dict.fromkeys(r["o"] for r in rows if r["p"] == PROV.wasGeneratedBy))
    sources = list(dict.fromkeys(r["o"] for r in rows if r["p"] == PROV.hadPrimarySource))
    graphs = {r["g"] for r in rows}
    inferred = data.graph_iri("inferred") in graphs and data.graph_iri("evidence") not in graphs
    premises, passages = [], []
    for d in derived:
        if "/statement/" in str(d):
            prow = {r["p"]: r["o"] for r in data.outgoing(d) if r["p"] in (RDF.subject, RDF.predicate, RDF.object)}
            if len(prow) == 3:
                premises.append(triple_view(prow[RDF.subject], prow[RDF.predicate], prow[RDF.object], lang, d))
        else:
            passages.extend(annotations([d], s, o, lang))
    return {"triple": triple_view(s, p, o, lang), "inferred": inferred, "passages": passages,
            "rules": [dict(term_view(g, lang), sentence=describe_rule(_rule_id(g), lang)["sentence"])
                      for g in generators],
            "premises": premises, "sources": [term_view(x, lang) for x in sources]}


def annotation_view(iri, lang: str) -> dict | None:
    """An evidence annotation: its passage (wider context) and the triples it supports."""
    passages = annotations([iri], lang=lang, context=120)
    if not passages:
        return None
    rows = data.store().select(SUPPORTS_QUERY, {"ev": iri})
    return {"passages": passages, "triples": _sorted_triples(rows, lang)}


def curation_view(iri, lang: str) -> dict:
    """A curated statement: each quote it located, in context, and the triples it states."""
    evs = [r["ev"] for r in data.store().select(GENERATED_QUERY, {"gen": iri})]
    evs.sort(key=str)
    items = []
    for ev in evs:
        rows = data.store().select(SUPPORTS_QUERY, {"ev": ev})
        items.append({"passages": annotations([ev], lang=lang, context=120),
                      "triples": _sorted_triples(rows, lang), "annotation": local_path(ev)})
    return {"id": str(iri).rsplit("/", 1)[-1], "items": items}


def _rule_id(iri) -> str:
    return str(iri).rsplit("/", 1)[-1]


def rule_view(iri: URIRef, lang: str, page: int) -> dict:
    """A rule in words and its conclusions by label, ``PAGE_SIZE`` a page.

    Conclusions are the statements the rule generated (inference rules) and the statements
    derived from the evidence annotations it generated (extraction rules), sorted by labels.
    """
    rid = _rule_id(iri)
    memo = data.cache().label_memo
    if ("rule_conclusions", iri, lang) not in memo:  # the graph is read-only while serving
        memo[("rule_conclusions", iri, lang)] = _conclusions(iri, lang)
    triples = memo[("rule_conclusions", iri, lang)]
    total = len(triples)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    return {"id": rid, "text": describe_rule(rid, lang), "total": total, "page": page, "pages": pages,
            "conclusions": triples[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]}


def _conclusions(iri, lang: str) -> list[dict]:
    rows = data.store().select(CONCLUSIONS_QUERY, {"gen": iri})
    for ev in (r["ev"] for r in data.store().select(GENERATED_QUERY, {"gen": iri})):
        rows += data.store().select(SUPPORTS_QUERY, {"ev": ev})
    seen, unique = set(), []
    for r in rows:
        key = (r["s"], r["p"], r["o"])
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return _sorted_triples(unique, lang)
