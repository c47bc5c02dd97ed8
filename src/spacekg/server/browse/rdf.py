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
    # plain RDF/XML: pretty-xml writes lists of literals as rdf:parseType="Collection" and loses them
    "rdf": ("application/rdf+xml", "xml", ".rdf"),
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


def stable_blank_nodes(g: Graph) -> Graph:
    """A copy of ``g`` (a Graph or Dataset) with its blank nodes relabelled from what they
    hold and its triples added in sorted order, so the same data serialises the same from any
    store (each store names blank nodes its own way and returns rows in its own order; rdflib's
    serialisers follow insertion order).

    A blank node's label is a hash of its triples (the blank nodes it points to by their own
    hashes, recursively; OWL axioms and lists are trees) and of the triples pointing at it
    (their subjects' labels, recursively); nodes alike in both get a counter. Linear
    in the triples, unlike a full canonicalisation (rdflib.compare: 3 s on the ontology).
    """
    import hashlib

    quads = list(g.quads((None, None, None, None))) if isinstance(g, Dataset) else [(*t, None) for t in g]
    out: dict = {}
    inc: dict = {}
    for s, p, o, _c in quads:
        if isinstance(s, BNode):
            out.setdefault(s, []).append((p, o))
        if isinstance(o, BNode):
            inc.setdefault(o, []).append((s, p))
    nodes = set(out) | set(inc)
    memo: dict = {}

    def content(b, stack=frozenset()) -> str:
        if b not in memo:
            if b in stack:
                return "cycle"
            parts = sorted(f"{p.n3()} {content(o, stack | {b}) if isinstance(o, BNode) else o.n3()}"
                           for p, o in out.get(b, ()))
            memo[b] = hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:16]
        return memo[b]

    ctx: dict = {}

    def context(b, stack=frozenset()) -> str:
        if b not in ctx:
            if b in stack:
                return "cycle"
            parts = sorted(f"{content(s) + context(s, stack | {b}) if isinstance(s, BNode) else s.n3()} {p.n3()}"
                           for s, p in inc.get(b, ()))
            ctx[b] = hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:8]
        return ctx[b]

    keyed = sorted(nodes, key=lambda b: (content(b), context(b)))
    label: dict = {}
    seen: dict = {}
    for b in keyed:
        k = f"b{content(b)}{context(b)}"
        seen[k] = seen.get(k, 0) + 1
        label[b] = BNode(k if seen[k] == 1 else f"{k}x{seen[k]}")

    def m(t):
        return label.get(t, t) if isinstance(t, BNode) else t

    def graph_of(c):
        ident = c.identifier if isinstance(c, Graph) else c
        return str(ident) if isinstance(ident, URIRef) else ""

    rows = sorted(((graph_of(c), m(s), p, m(o)) for s, p, o, c in quads),
                  key=lambda r: (r[0], r[1].n3(), r[2].n3(), r[3].n3()))
    if isinstance(g, Dataset):
        ds = Dataset()
        for prefix, ns in g.namespaces():
            ds.bind(prefix, ns, override=True)
        for c, s, p, o in rows:
            (ds.graph(URIRef(c)) if c else ds.default_graph).add((s, p, o))
        return ds
    new = Graph(identifier=g.identifier, bind_namespaces="core")
    for prefix, ns in g.namespaces():
        new.bind(prefix, ns, override=True)
    for _c, s, p, o in rows:
        new.add((s, p, o))
    return new


def rdf_response(g: Graph, fmt: str, status: int = 200) -> Response:
    """Serialise ``g`` as ``fmt`` (a key of :data:`FORMATS`) with its media type; a plain graph
    asked for as TriG or N-Quads goes into one named graph ``graph_name`` (or the default graph)."""
    media, serializer, _ = FORMATS[fmt]
    g = stable_blank_nodes(g)
    if fmt in DATASET_FORMATS and not isinstance(g, Dataset):
        ds = Dataset()
        bind_prefixes(ds)
        target = ds.graph(g.identifier) if isinstance(g.identifier, URIRef) else ds.default_graph
        for t in g:
            target.add(t)
        g = ds
    body = _serialize(g, fmt, serializer)
    resp = Response(body, status=status, mimetype=media)
    resp.headers["Vary"] = "Accept"
    if media != "application/ld+json":
        resp.mimetype_params["charset"] = "utf-8"
    return resp


def _serialize(g: Graph, fmt: str, serializer: str) -> bytes:
    """rdflib's serialisation, in a fixed order: lines sorted (N-Triples, N-Quads), graphs by
    IRI (TriG; rdflib keeps them in a set), nodes by ``@id`` (JSON-LD)."""
    import io
    import json

    if fmt == "trig":
        from rdflib.plugins.serializers.trig import TrigSerializer

        ser = TrigSerializer(g)
        ser.contexts = sorted(ser.contexts, key=lambda c: str(c.identifier))
        buf = io.BytesIO()
        ser.serialize(buf, encoding="utf-8")
        return buf.getvalue()
    kwargs = {"auto_compact": True} if serializer == "json-ld" else {}
    body = g.serialize(format=serializer, encoding="utf-8", **kwargs)
    if fmt in ("nt", "nq"):
        return b"".join(sorted(set(body.splitlines(keepends=True))))
    if serializer == "json-ld":
        doc = json.loads(body)
        if isinstance(doc, dict) and isinstance(doc.get("@graph"), list):
            doc["@graph"].sort(key=lambda n: (str(n.get("@id", "")), json.dumps(n, sort_keys=True)))
            body = json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")
    return body


def term_kind(t) -> str:
    if isinstance(t, Literal):
        return "literal"
    if isinstance(t, BNode):
        return "bnode"
    return "iri"


__all__ = ["FORMATS", "RDF", "UnknownFormat", "describe", "describe_dataset", "named_graph", "negotiate",
           "rdf_response"]
