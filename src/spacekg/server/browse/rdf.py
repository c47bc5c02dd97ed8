"""Content negotiation and RDF descriptions of the IRIs the server dereferences.

A request gets HTML or one of four RDF syntaxes, chosen by (in order) a file suffix on the
path (``.ttl``, ``.nt``, ``.jsonld``, ``.rdf``), a ``?format=`` parameter, or the ``Accept``
header with its q-values (werkzeug's ``best_match``; HTML wins ties and ``*/*``).
"""

from __future__ import annotations

from flask import Response, request
from rdflib import OWL, RDF, RDFS, SKOS, XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from spacekg.config import OA, PROV
from spacekg.server.browse import data as data

#: format key → (media type, rdflib serializer name, file suffix)
FORMATS = {
    "ttl": ("text/turtle", "turtle", ".ttl"),
    "nt": ("application/n-triples", "nt", ".nt"),
    "jsonld": ("application/ld+json", "json-ld", ".jsonld"),
    "rdf": ("application/rdf+xml", "pretty-xml", ".rdf"),
    "trig": ("application/trig", "trig", ".trig"),
    "nq": ("application/n-quads", "nquads", ".nq"),
}
#: formats that carry named graphs: a description in them keeps each triple's graph
DATASET_FORMATS = ("trig", "nq")
ALIASES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld", "json": "jsonld",
           "xml": "rdf", "rdfxml": "rdf", "rdf+xml": "rdf", "html": "html", "nquads": "nq", "n-quads": "nq"}
SUFFIXES = {v[2]: k for k, v in FORMATS.items()}
MEDIA = {v[0]: k for k, v in FORMATS.items()}


class UnknownFormat(ValueError):
    """A ``?format=`` value the server does not offer."""


def split_suffix(path: str) -> tuple[str, str | None]:
    """Split ``slim.ttl`` into (``slim``, ``ttl``); paths without a known suffix keep None."""
    for suffix, key in SUFFIXES.items():
        if path.endswith(suffix) and len(path) > len(suffix):
            return path[: -len(suffix)], key
    return path, None


def negotiate(suffix_format: str | None = None) -> str:
    """Return ``html`` or a key of :data:`FORMATS` for the current request.

    Raises:
        UnknownFormat: ``?format=`` names no format we offer.
    """
    if suffix_format:
        return suffix_format
    fmt = request.args.get("format")
    if fmt:
        key = ALIASES.get(fmt.lower(), fmt.lower())
        if key != "html" and key not in FORMATS:
            raise UnknownFormat(fmt)
        return key
    best = request.accept_mimetypes.best_match(["text/html", *MEDIA], default="text/html")
    if best == "application/xhtml+xml":
        return "html"
    return MEDIA.get(best, "html")


def bind_prefixes(g: Graph) -> Graph:
    b = data.base()
    for prefix, ns in (("sk", b + "ontology#"), ("skr", b + "resource/"), ("skd", b + "document/"),
                       ("rdf", str(RDF)), ("rdfs", str(RDFS)), ("skos", str(SKOS)), ("owl", str(OWL)), ("xsd", str(XSD)),
                       ("oa", str(OA)), ("prov", str(PROV)), ("dcterms", str(DCTERMS)),
                       ("wd", "http://www.wikidata.org/entity/")):
        g.bind(prefix, ns, override=True)
    return g


# outgoing triples, following blank nodes and hash IRIs of the subject (``…/C-1#target``) two
# levels down; each UNION branch starts from ?s so that the engine joins from the bound subject
_OWN = 'isBlank({v}) || STRSTARTS(STR({v}), CONCAT(STR(?s), "#"))'
OUT_QUERY = f"""CONSTRUCT {{ ?s ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 }} WHERE {{
  {{ ?s ?p ?o }}
  UNION {{ ?s ?q1 ?o . FILTER({_OWN.format(v="?o")}) ?o ?p2 ?o2 }}
  UNION {{ ?s ?q1 ?o . ?o ?q2 ?o2 . FILTER(({_OWN.format(v="?o")}) && ({_OWN.format(v="?o2")})) ?o2 ?p3 ?o3 }}
}}"""
IN_QUERY = "CONSTRUCT { ?x ?p ?s } WHERE { ?x ?p ?s }"


def describe(iri: URIRef) -> Graph:
    """Outgoing triples (with blank-node closure), incoming triples, labels of linked IRIs."""
    st = data.store()
    g = bind_prefixes(Graph(bind_namespaces="core"))
    for t in st.construct(OUT_QUERY, {"s": iri}):
        g.add(t)
    for t in st.construct(IN_QUERY, {"s": iri}):
        g.add(t)
    labels = data.cache().labels
    linked = {n for t in g for n in (t[0], t[1], t[2]) if isinstance(n, URIRef) and n != iri}
    for n in linked:
        for kind, lit in labels.get(n, ()):
            if kind in ("label", "prefLabel"):
                g.add((n, RDFS.label if kind == "label" else SKOS.prefLabel, lit))
    return g


QUADS_OUT = """SELECT ?g ?s ?p ?o WHERE { { GRAPH ?g { ?x ?p ?o } BIND(?x AS ?s) }
  UNION { GRAPH ?g { ?x ?q ?s . FILTER(isBlank(?s)) ?s ?p ?o } } }
  ORDER BY STR(?g) STR(?s) STR(?p) """ + data.OBJECT_ORDER
QUADS_IN = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?x } BIND(?x AS ?o) } ORDER BY STR(?g) STR(?s) STR(?p)"


def describe_dataset(iri: URIRef) -> Dataset:
    """The description of :func:`describe` with each triple in its named graph (for TriG and
    N-Quads): outgoing triples with one level of blank nodes, and incoming triples."""
    ds = Dataset()
    bind_prefixes(ds)
    st = data.store()
    for query in (QUADS_OUT, QUADS_IN):
        for r in st.select(query, {"x": iri}):
            ds.graph(r["g"]).add((r["s"], r["p"], r["o"]))
    return ds


def named_graph(name: str) -> Graph:
    """All triples of one named graph (used for ``/ontology`` and ``/graph/<name>``)."""
    g = bind_prefixes(Graph(bind_namespaces="core", identifier=data.graph_iri(name)))
    for t in data.store().construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                                    {"g": data.graph_iri(name)}):
        g.add(t)
    return g


def rdf_response(g: Graph, fmt: str, status: int = 200) -> Response:
    """Serialise ``g`` as ``fmt`` (a key of :data:`FORMATS`) with its media type; a plain graph
    asked for as TriG or N-Quads goes into one named graph ``graph_name`` (or the default graph)."""
    media, serializer, _ = FORMATS[fmt]
    if fmt in DATASET_FORMATS and not isinstance(g, Dataset):
        ds = Dataset()
        bind_prefixes(ds)
        target = ds.graph(g.identifier) if isinstance(g.identifier, URIRef) else ds.default_graph
        for t in g:
            target.add(t)
        g = ds
    kwargs = {"auto_compact": True} if serializer == "json-ld" else {}
    body = g.serialize(format=serializer, encoding="utf-8", **kwargs)
    resp = Response(body, status=status, mimetype=media)
    resp.headers["Vary"] = "Accept"
    if media != "application/ld+json":
        resp.mimetype_params["charset"] = "utf-8"
    return resp


def term_kind(t) -> str:
    if isinstance(t, Literal):
        return "literal"
    if isinstance(t, BNode):
        return "bnode"
    return "iri"


__all__ = ["FORMATS", "RDF", "UnknownFormat", "describe", "describe_dataset", "named_graph", "negotiate",
           "rdf_response"]
