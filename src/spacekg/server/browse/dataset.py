"""The dataset as a whole: triple counts per named graph, the VoID description, dumps.

Dumps are written from the store (``SELECT ?g ?s ?p ?o``) once per app and kept in memory.
"""

from __future__ import annotations

import re
import threading

from flask import Response, current_app, request
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, XSD

from spacekg.server.browse import data as data
from spacekg.server.browse import rdf as rdf
from spacekg.server.sparqltext import ntriples_term

VOID = Namespace("http://rdfs.org/ns/void#")
DUMPS = {"nq": ("application/n-quads", "nquads"), "trig": ("application/trig", "trig"),
         "ttl": ("text/turtle", "turtle")}
_LOCK = threading.Lock()


def _ext() -> dict:
    return current_app.extensions.setdefault("spacekg_browse", {})


def graph_counts() -> list[tuple[str, str, int]]:
    """(short name, graph IRI, triples) for every named graph, in DESIGN.md order."""
    ext = _ext()
    if "graph_counts" not in ext:
        rows = data.store().select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        # the record of `spacekg publish` (and its staging graphs) describe a deployment, not the graph
        record = data.base() + "graph/publication"
        rows = [r for r in rows if str(r["g"]) != record and not str(r["g"]).startswith(record + "/")]
        by_iri = {str(r["g"]): int(r["n"]) for r in rows}
        prefix = data.base() + "graph/"
        names = list(data.graph_names()) + sorted(i[len(prefix):] for i in by_iri
                                                  if i.startswith(prefix) and i[len(prefix):] not in data.graph_names())
        ext["graph_counts"] = [(n, prefix + n, by_iri.get(prefix + n, 0)) for n in names]
    return ext["graph_counts"]


def void_graph() -> Graph:
    """VoID description: the dataset, its named graphs as subsets, endpoint, dumps, class partitions."""
    b = data.base()
    root = request.host_url.rstrip("/")
    g = rdf.bind_prefixes(Graph(bind_namespaces="core"))
    g.bind("void", VOID)
    ds = URIRef(b + "dataset")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("spacekg: Japan's space-exploration policy", lang="en")))
    g.add((ds, DCTERMS.title, Literal("spacekg：日本の宇宙探査政策の知識グラフ", lang="ja")))
    g.add((ds, VOID.uriSpace, Literal(b)))
    g.add((ds, VOID.sparqlEndpoint, URIRef(root + current_app.config.get("SPACEKG_SPARQL_PATH", "/sparql"))))
    for ext in DUMPS:
        g.add((ds, VOID.dataDump, URIRef(f"{root}/dump/spacekg.{ext}")))
    total = 0
    for name, iri, n in graph_counts():
        total += n
        sub = URIRef(iri)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(n, datatype=XSD.integer)))
        g.add((sub, DCTERMS.title, Literal(name)))
    g.add((ds, VOID.triples, Literal(total, datatype=XSD.integer)))
    for cls, n in data.class_counts():
        part = URIRef(f"{b}dataset#class-{str(cls).rsplit('#', 1)[-1]}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    return g


def void_response() -> Response:
    try:
        fmt = rdf.negotiate()
    except rdf.UnknownFormat:
        fmt = "ttl"
    return rdf.rdf_response(void_graph(), "ttl" if fmt == "html" else fmt)


def _nt(term) -> str:
    """N-Triples form of an rdflib term (also valid Turtle and TriG)."""
    if isinstance(term, BNode):
        return "_:" + re.sub(r"[^A-Za-z0-9_]", "_", str(term))
    if isinstance(term, Literal) and term.datatype == XSD.string:
        term = Literal(str(term))
    return ntriples_term(term)


def _write_dump(ext: str) -> bytes:
    rows = data.store().select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    if ext == "nq":
        lines = {f"{_nt(r['s'])} {_nt(r['p'])} {_nt(r['o'])} {_nt(r['g'])} .\n" for r in rows}
        return "".join(sorted(lines)).encode("utf-8")
    if ext == "ttl":  # N-Triples lines are Turtle; graphs merged
        lines = {f"{_nt(r['s'])} {_nt(r['p'])} {_nt(r['o'])} .\n" for r in rows}
        return "".join(sorted(lines)).encode("utf-8")
    by_graph: dict[str, set] = {}
    for r in rows:
        by_graph.setdefault(_nt(r["g"]), set()).add(f"  {_nt(r['s'])} {_nt(r['p'])} {_nt(r['o'])} .\n")
    parts = [f"{g} {{\n{''.join(sorted(lines))}}}\n\n" for g, lines in sorted(by_graph.items())]
    return "".join(parts).encode("utf-8")


def dump_response(ext: str) -> Response:
    """The whole dataset as N-Quads, TriG or (graphs merged) Turtle, built once per app.

    Written line by line in N-Triples term syntax (valid in all three formats), sorted, so
    that a dump of 50 000 quads takes well under a second.
    """
    cache = _ext().setdefault("dumps", {})
    if ext not in cache:
        with _LOCK:
            if ext not in cache:
                cache[ext] = _write_dump(ext)
    resp = Response(cache[ext], mimetype=DUMPS[ext][0])
    resp.headers["Content-Disposition"] = f"attachment; filename=spacekg.{ext}"
    return resp
