"""SPARQL 1.1 Service Description of the endpoint, with VoID statistics of the dataset.

Vocabularies: SPARQL 1.1 Service Description (``sd:``), VoID (``void:``), W3C format IRIs
(``http://www.w3.org/ns/formats/``).
"""

from __future__ import annotations

import pyoxigraph as ox

from spacekg.server import results as R

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FORMATS = "http://www.w3.org/ns/formats/"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML", "trig": "TriG", "nquads": "N-Quads",
}


def _n(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=XSD_INTEGER)


def service_description(store, *, endpoint: str, config, fmt: R.Format) -> bytes:
    """Describe the endpoint and its dataset.

    Args:
        store: the app's :class:`~spacekg.server.store.Store` (its ``stats()`` give the VoID
            figures: triples, entities, classes, properties, distinct subjects/objects,
            and per named graph triples and entities).
        endpoint: the endpoint URL (``sd:endpoint``; also the service node's IRI).
        config: the app config (update token → ``sd:SPARQL11Update``; default graph mode →
            ``sd:UnionDefaultGraph``; SERVICE allow-list → ``sd:BasicFederatedQuery``).
        fmt: an RDF format from :data:`~spacekg.server.results.GRAPH_FORMATS`.

    Returns:
        The serialised description.
    """
    svc = ox.NamedNode(endpoint)
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    void = lambda local: ox.NamedNode(VOID + local)  # noqa: E731
    t = []
    add = lambda s, p, o: t.append(ox.Triple(s, p, o))  # noqa: E731
    add(svc, RDF_TYPE, sd("Service"))
    add(svc, sd("endpoint"), svc)
    add(svc, sd("supportedLanguage"), sd("SPARQL10Query"))
    add(svc, sd("supportedLanguage"), sd("SPARQL11Query"))
    if config.get("SPACEKG_UPDATE_TOKEN"):
        add(svc, sd("supportedLanguage"), sd("SPARQL11Update"))
    for f in R.SOLUTION_FORMATS + R.GRAPH_FORMATS:
        add(svc, sd("resultFormat"), ox.NamedNode(FORMATS + _FORMAT_IRIS[f.name]))
    if config.get("SPACEKG_DEFAULT_GRAPH", "union") == "union":
        add(svc, sd("feature"), sd("UnionDefaultGraph"))
    if config.get("SPACEKG_SERVICE_ALLOW"):
        add(svc, sd("feature"), sd("BasicFederatedQuery"))
    stats = store.stats()
    ds = ox.BlankNode()
    add(svc, sd("defaultDataset"), ds)
    add(ds, RDF_TYPE, sd("Dataset"))
    add(ds, RDF_TYPE, void("Dataset"))
    add(ds, void("sparqlEndpoint"), svc)
    for key in ("triples", "entities", "classes", "properties", "distinctSubjects", "distinctObjects"):
        add(ds, void(key), _n(stats[key]))
    dg = ox.BlankNode()
    add(ds, sd("defaultGraph"), dg)
    add(dg, RDF_TYPE, sd("Graph"))
    if config.get("SPACEKG_DEFAULT_GRAPH", "union") == "union":
        add(dg, void("triples"), _n(stats["triples"]))
    for g in stats["graphs"]:
        ng = ox.BlankNode()
        gr = ox.BlankNode()
        add(ds, sd("namedGraph"), ng)
        add(ng, RDF_TYPE, sd("NamedGraph"))
        add(ng, sd("name"), ox.NamedNode(g["iri"]))
        add(ng, sd("graph"), gr)
        add(gr, RDF_TYPE, sd("Graph"))
        add(gr, RDF_TYPE, void("Dataset"))
        add(gr, void("triples"), _n(g["triples"]))
        add(gr, void("entities"), _n(g["entities"]))
        add(ds, void("subset"), gr)
    prefixes = {"sd": SD, "void": VOID, "formats": FORMATS}
    if fmt.name in ("turtle", "trig"):
        return ox.serialize(t, format=fmt.ox_format, prefixes=prefixes)
    return ox.serialize(t, format=fmt.ox_format)
