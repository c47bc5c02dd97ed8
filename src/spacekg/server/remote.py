"""A SPARQL 1.1 Protocol store behind the server (``spacekg serve --store-url``).

Oxigraph server, Jena Fuseki, Virtuoso, QLever …: queries are POSTed as
``application/sparql-query`` and the answers (SPARQL JSON, or N-Triples for graphs) parsed
back into pyoxigraph terms, so the endpoint serialises them as for the embedded store.
Bindings become a ``VALUES`` block of N-Triples-escaped terms; Graph Store writes become
SPARQL updates (``--update-url``).
"""

from __future__ import annotations

import threading

import pyoxigraph as ox
from rdflib.term import URIRef

from spacekg.server.sparqltext import analyze, inject_values, ntriples_term, update_has_dataset
from spacekg.server.store import (
    QueryError,
    RawResult,
    Store,
    StoreUnavailable,
    _wrap,
    rdf_format_for_media_type,
)


class RemoteStore(Store):
    """Any SPARQL 1.1 Protocol endpoint behind the server.

    Args:
        query_url: the endpoint for queries.
        update_url: the endpoint for updates (``None``: the store is read-only).
        default_graph: see :class:`Store`.
        timeout: seconds to wait for the remote store.
    """

    ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"

    @property
    def ALL_TRIPLES(self):  # noqa: N802
        # with "union" the remote's default graph is taken to be the union already
        if self.default_graph == "union":
            return "{ ?s ?p ?o }"
        return "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"

    def __init__(self, query_url: str, update_url: str | None = None, default_graph="union",
                 timeout: float = 30.0, service_allow: list[str] | None = None):
        super().__init__(default_graph, service_allow)
        import requests

        self.query_url = query_url
        self.update_url = update_url
        self.updatable = update_url is not None
        self.timeout = timeout
        self._local = threading.local()
        self._requests = requests

    @property
    def session(self):
        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = self._requests.Session()
        return s

    def _post(self, url, body: str, content_type: str, params, accept=None, timeout=None):
        headers = {"Content-Type": content_type + "; charset=utf-8"}
        if accept:
            headers["Accept"] = accept
        try:
            resp = self.session.post(url, data=body.encode("utf-8"), params=params, headers=headers,
                                     timeout=timeout or self.timeout)
        except self._requests.Timeout:
            from spacekg.server.results import QueryTimeout

            raise QueryTimeout(timeout or self.timeout) from None
        except self._requests.RequestException as exc:
            raise StoreUnavailable(f"the store at {url} cannot be reached: {exc}") from None
        if resp.status_code == 400:
            raise QueryError(resp.text.strip()[:2000] or "the store refused the request")
        if resp.status_code >= 300:
            raise StoreUnavailable(f"the store at {url} answered {resp.status_code}: {resp.text[:500]}")
        return resp

    def execute(self, query, *, bindings=None, default_graphs=None, named_graphs=None,
                base_iri=None, timeout=None, checked=False) -> RawResult:
        if not checked:
            self._guard(query, base=base_iri)
        if bindings:
            try:
                query = inject_values(query, bindings)
            except (ValueError, TypeError) as exc:
                raise QueryError(str(exc)) from None
        params = []
        if default_graphs is not None or named_graphs is not None:
            params += [("default-graph-uri", g) for g in default_graphs or []]
            params += [("named-graph-uri", g) for g in named_graphs or []]
        elif self.default_graph not in ("union", "store") and not analyze(query).has_dataset:
            params += [("default-graph-uri", g) for g in self.default_graph]
        if base_iri and not query.lstrip().upper().startswith("BASE"):
            query = f"BASE {ntriples_term(URIRef(base_iri))}\n{query}"
        resp = self._post(self.query_url, query, "application/sparql-query", params,
                          accept=self.ACCEPT, timeout=timeout)
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if ctype in ("application/sparql-results+json", "application/json"):
                return _wrap(ox.parse_query_results(resp.content, format=ox.QueryResultsFormat.JSON))
            if ctype in ("application/sparql-results+xml", "application/xml"):
                return _wrap(ox.parse_query_results(resp.content, format=ox.QueryResultsFormat.XML))
            fmt = rdf_format_for_media_type(ctype)
            if fmt is None:
                raise StoreUnavailable(f"the store answered with an unknown media type {ctype!r}")
            return RawResult("triples", triples=(q.triple for q in ox.parse(resp.content, format=fmt)))
        except SyntaxError as exc:
            raise StoreUnavailable(f"the store's answer does not parse: {exc}") from None

    def update(self, update, *, using_graphs=None, using_named_graphs=None, base_iri=None):
        if not self.update_url:
            raise StoreUnavailable("the store behind this server is read-only (no --update-url)")
        self._guard(update, update=True, base=base_iri)
        if (using_graphs or using_named_graphs):
            if update_has_dataset(update):
                raise QueryError("the update names its own dataset (USING or WITH) and the request "
                                 "also has using-graph-uri/using-named-graph-uri")
        params = [("using-graph-uri", g) for g in using_graphs or []]
        params += [("using-named-graph-uri", g) for g in using_named_graphs or []]
        if base_iri and not update.lstrip().upper().startswith("BASE"):
            update = f"BASE {ntriples_term(URIRef(base_iri))}\n{update}"
        try:
            self._post(self.update_url, update, "application/sparql-update", params)
        finally:
            self._invalidate()

    def _nt(self, data, fmt, base_iri, quads=False) -> str:
        try:
            parsed = list(ox.parse(data, format=fmt, base_iri=base_iri))
        except (SyntaxError, ValueError) as exc:
            raise QueryError(f"cannot parse the request body: {exc}") from None
        if quads:
            return ox.serialize(parsed, format=ox.RdfFormat.N_QUADS).decode()
        return ox.serialize([q.triple for q in parsed], format=ox.RdfFormat.N_TRIPLES).decode()

    def graph_triples(self, graph):
        if graph is None:
            return list(self.execute("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                     default_graphs=[], named_graphs=[]).triples)
        if not self.has_graph(graph):
            raise KeyError(graph)
        return list(self.execute("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                                 bindings={"g": URIRef(graph)}).triples)

    def has_graph(self, graph):
        return self.ask("ASK { GRAPH ?g { } }", {"g": URIRef(graph)})

    def replace_graph(self, graph, data, fmt, base_iri, *, append=False):
        existed = graph is None or self.has_graph(graph)
        nt = self._nt(data, fmt, base_iri)
        target = "DEFAULT" if graph is None else f"GRAPH {ntriples_term(URIRef(graph))}"
        ops = [] if append else [f"CLEAR SILENT {target}"]
        if graph is None:
            ops.append(f"INSERT DATA {{ {nt} }}")
        else:
            ops.append(f"INSERT DATA {{ GRAPH {ntriples_term(URIRef(graph))} {{ {nt} }} }}")
        self.update(" ;\n".join(ops))
        return existed

    def add_quads(self, data, fmt, base_iri, *, replace):
        try:
            parsed = list(ox.parse(data, format=fmt, base_iri=base_iri))
        except (SyntaxError, ValueError) as exc:
            raise QueryError(f"cannot parse the request body: {exc}") from None
        blocks = []
        by_graph: dict = {}
        for q in parsed:
            by_graph.setdefault(q.graph_name, []).append(q.triple)
        for gname, triples in by_graph.items():
            nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()
            if isinstance(gname, ox.DefaultGraph):
                blocks.append(nt)
            else:
                blocks.append(f"GRAPH {gname} {{ {nt} }}")
        ops = (["DROP ALL"] if replace else []) + ([f"INSERT DATA {{ {' '.join(blocks)} }}"] if blocks else [])
        if ops:
            self.update(" ;\n".join(ops))

    def drop_graph(self, graph):
        if graph is None:
            self.update("CLEAR DEFAULT")
            return
        if not self.has_graph(graph):
            raise KeyError(graph)
        self.update(f"DROP GRAPH {ntriples_term(URIRef(graph))}")
