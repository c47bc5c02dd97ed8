"""Dereferenceable IRIs: content negotiation (Accept with q-values, suffixes, ?format=), RDF
descriptions, the ontology, named graphs, VoID and dumps."""

from __future__ import annotations

import pytest
from helpers import BASE, one_evidenced_fact
from rdflib import RDFS, SKOS, Dataset, Graph, URIRef

RDF_TYPES = {"ttl": ("text/turtle", "turtle"), "nt": ("application/n-triples", "nt"),
             "jsonld": ("application/ld+json", "json-ld"), "rdf": ("application/rdf+xml", "xml")}


def _path(iri) -> str:
    return str(iri)[len(BASE) - 1:]


@pytest.mark.parametrize("key", sorted(RDF_TYPES))
def test_accept_suffix_and_format_give_the_same_rdf(app, client, key):
    fact = one_evidenced_fact(app)
    media, parser = RDF_TYPES[key]
    graphs = []
    for resp in (client.get(_path(fact["s"]), headers={"Accept": media}),
                 client.get(_path(fact["s"]) + "." + key),
                 client.get(_path(fact["s"]), query_string={"format": key})):
        assert resp.status_code == 200
        assert resp.mimetype == media
        g = Graph().parse(data=resp.data, format=parser)
        graphs.append(g)
    assert len(graphs[0]) == len(graphs[1]) == len(graphs[2]) > 0
    assert (fact["s"], fact["p"], fact["o"]) in graphs[0]


def test_q_values_choose_the_best_format(app, client):
    path = _path(one_evidenced_fact(app)["s"])
    r = client.get(path, headers={"Accept": "application/ld+json;q=0.5, text/turtle;q=0.9, text/html;q=0.1"})
    assert r.mimetype == "text/turtle"
    r = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert r.mimetype == "text/html"
    r = client.get(path, headers={"Accept": "application/rdf+xml, text/html;q=0.1"})
    assert r.mimetype == "application/rdf+xml"
    assert "Accept" in r.headers["Vary"]
    assert client.get(path, query_string={"format": "bogus"}).status_code == 406


def test_description_has_outgoing_incoming_and_linked_labels(app, client):
    fact = one_evidenced_fact(app)
    g = Graph().parse(data=client.get(_path(fact["s"]) + ".ttl").data, format="turtle")
    assert (fact["s"], fact["p"], fact["o"]) in g
    assert any(True for _ in g.triples((None, None, fact["s"])))  # incoming (statement nodes, mentions …)
    assert g.value(fact["s"], SKOS.prefLabel) is not None
    if isinstance(fact["o"], URIRef):
        assert g.value(fact["o"], RDFS.label) is not None or g.value(fact["o"], SKOS.prefLabel) is not None
    assert g.value(fact["p"], RDFS.label) is not None  # the property's label from the ontology


def test_document_and_evidence_iris_dereference(app, client):
    fact = one_evidenced_fact(app)
    r = client.get(_path(fact["doc"]), headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.data, format="turtle")
    assert any(True for _ in g.triples((fact["doc"], None, None)))
    assert str(fact["ev"]).startswith(BASE + "evidence/")
    r = client.get(_path(fact["ev"]) + ".nt")
    assert r.status_code == 200
    g = Graph().parse(data=r.data, format="nt")
    assert any(str(o) == str(fact["exact"]) for o in g.objects())  # blank-node closure: the quote


def test_ontology_and_named_graphs(client):
    r = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.data, format="turtle")
    assert (URIRef(BASE + "ontology#Mission"), RDFS.label, None) in g
    r = client.get("/graph/entities.nt")
    assert r.status_code == 200 and r.mimetype == "application/n-triples"
    assert len(Graph().parse(data=r.data, format="nt")) > 0


def test_void_and_dumps(client):
    assert client.get("/dataset").status_code == 200  # the VoID subject IRI {base}dataset
    r = client.get("/void")
    g = Graph().parse(data=r.data, format="turtle")
    void = "http://rdfs.org/ns/void#"
    assert (None, URIRef(void + "sparqlEndpoint"), None) in g
    dumps = {str(o) for o in g.objects(None, URIRef(void + "dataDump"))}
    assert any(d.endswith("/dump/spacekg.nq") for d in dumps)
    nq = client.get("/dump/spacekg.nq")
    assert nq.mimetype == "application/n-quads"
    ds = Dataset()
    ds.parse(data=nq.data, format="nquads")
    assert URIRef(BASE + "graph/stated") in {c.identifier for c in ds.graphs()}
    trig = client.get("/dump/spacekg.trig")
    assert trig.mimetype == "application/trig"
    ttl = Graph().parse(data=client.get("/dump/spacekg.ttl").data, format="turtle")
    assert len(ttl) > 0
