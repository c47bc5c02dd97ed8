"""Queries the browse tests use to pick their subjects from the graph under test."""

from __future__ import annotations

from spacekg.server.store import get_store

BASE = "https://w3id.org/spacekg/"

EVIDENCED = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?s ?p ?o ?doc ?start ?end ?exact ?ev WHERE {
  GRAPH ?g { ?s ?p ?o }
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?ev .
  ?ev oa:hasTarget ?t . ?t oa:hasSource ?doc ; oa:hasSelector ?pos, ?q .
  ?pos a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  ?q a oa:TextQuoteSelector ; oa:exact ?exact .
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/spacekg/resource/"))
  FILTER(?g = <https://w3id.org/spacekg/graph/stated>)
} ORDER BY ?s ?p ?o ?doc ?start LIMIT 1"""


def one_evidenced_fact(app) -> dict:
    """A stated fact about a lexicon entity with its evidence (the first in IRI order)."""
    with app.app_context():
        rows = get_store().select(EVIDENCED)
    assert rows, "the graph under test has no evidenced fact"
    return rows[0]


def select(app, query: str, bindings=None) -> list[dict]:
    with app.app_context():
        return get_store().select(query, bindings)
