"""A SPARQL 1.1 Protocol store behind the server (``spacekg serve --store-url``).

Oxigraph server, Jena Fuseki, Virtuoso, QLever …: queries go as ``GET ?query=`` when short
and as form-encoded POST otherwise, updates as form-encoded POST ``update=`` (the two forms
every SPARQL 1.1 Protocol server must accept — Virtuoso 7.2 never answers a POST of
``application/sparql-query``); answers (SPARQL JSON/XML, N-Triples for graphs) are parsed back
into pyoxigraph terms so the endpoint serialises them as for the embedded store. Bindings
become a ``VALUES`` block of N-Triples-escaped terms; Graph Store writes become SPARQL updates
(``--update-url``) or Graph Store Protocol requests (``--graph-store``).

Credentials, when the store needs them (Virtuoso's ``/sparql-auth``), go in the URL's user
part (``http://user:password@host:8890/sparql-auth``) and are sent with HTTP Digest or Basic
authentication, whichever the store asks for.

Virtuoso answers ``ASK`` with a one-row result whose variable is ``__ASK_RETVAL``; that is
turned back into a boolean. With the ``union`` default graph and a store holding the record of
``spacekg publish``, queries run on the published dataset: the union of the published graphs
as default graph, those graphs and the record as named graphs (Virtuoso's own default graph
also holds its system graphs); without a record, on the store's own dataset.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import urlencode, urlsplit, urlunsplit

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

#: a query whose form-encoded length is below this goes as GET (cacheable, and the form
#: every store answers); longer ones as form-encoded POST
GET_LIMIT = 1800
#: Virtuoso names blank nodes ``nodeID://b123`` in result sets, not a valid blank node label
_VIRTUOSO_BNODE_JSON = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
#: seconds to wait for the store to accept the connection (reads wait ``timeout``)
CONNECT_TIMEOUT = 5.0


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``http://user:pw@host/path`` → (``http://host/path``, (user, pw)); no user part → None."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    from urllib.parse import unquote

    return (urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)),
            (unquote(parts.username), unquote(parts.password or "")))


def _auth(credentials):
    """A requests auth object answering whichever challenge (Digest or Basic) the store sends."""
    if credentials is None:
        return None
    import requests
    from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

    class ChallengeAuth(AuthBase):
        """requests auth that answers the store's challenge: Digest by default, Basic (UTF-8,
        RFC 7617) once the store asks for Basic."""

        def __init__(self):
            self.digest = HTTPDigestAuth(*credentials)
            self.basic = HTTPBasicAuth(*(c.encode("utf-8") for c in credentials))  # RFC 7617 UTF-8
            self.scheme = None

        def __call__(self, r):
            if self.scheme == "basic":
                return self.basic(r)
            r = self.digest(r)  # registers its 401 hook; answers a Digest challenge
            r.register_hook("response", self._maybe_basic)
            return r

        def _maybe_basic(self, resp, **kwargs):
            challenge = resp.headers.get("WWW-Authenticate", "").lower()
            if resp.status_code != 401 or not challenge.startswith("basic") or self.scheme == "basic":
                return resp
            self.scheme = "basic"
            resp.content  # noqa: B018  (release the connection)
            prep = resp.request.copy()
            self.basic(prep)
            new = resp.connection.send(prep, **kwargs)
            new.history.append(resp)
            return new

    del requests
    return ChallengeAuth()


class RemoteStore(Store):
    """Any SPARQL 1.1 Protocol endpoint behind the server.

    Args:
        query_url: the endpoint for queries (credentials may be in the URL's user part).
        update_url: the endpoint for updates (``None``: the store is read-only).
        default_graph: see :class:`Store`; ``"union"`` means the graphs of the last
            ``spacekg publish`` when the store holds its record (see :mod:`spacekg.server.deploy`).
        timeout: seconds to wait for an answer (the connection itself: 5 s).
        graph_store_url: a Graph Store Protocol endpoint (``?graph=``) for whole-graph writes.
        record_graph: IRI of the publication record graph (default: under the configured base).

    Errors: a malformed query is :class:`QueryError` (400) with the store's message; an
    unreachable, refusing or failing store is :class:`StoreUnavailable` (502) naming the URL
    and status; a store that does not answer in time is ``QueryTimeout``.
    """

    ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, application/sparql-results+xml;q=0.8"
    ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9"

    @property
    def ALL_TRIPLES(self):  # noqa: N802
        # with "union" the default graph is the union already (the published graphs or the store's own)
        if self.default_graph == "union":
            return "{ ?s ?p ?o }"
        return "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"

    def __init__(self, query_url: str, update_url: str | None = None, default_graph="union",
                 timeout: float = 30.0, service_allow: list[str] | None = None,
                 graph_store_url: str | None = None, record_graph: str | None = None):
        super().__init__(default_graph, service_allow)
        import requests

        self.query_url, qcred = split_credentials(query_url)
        self.update_url, ucred = split_credentials(update_url) if update_url else (None, None)
        self.graph_store_url, gcred = (split_credentials(graph_store_url) if graph_store_url
                                       else (None, None))
        self._auths = {self.query_url: _auth(qcred), self.update_url: _auth(ucred or qcred),
                       self.graph_store_url: _auth(gcred or ucred or qcred)}
        self.updatable = update_url is not None
        self.timeout = timeout
        self._local = threading.local()
        self._requests = requests
        if record_graph is None:
            from spacekg.config import IRIs, configured_base

            record_graph = str(IRIs(configured_base()).graph["publication"])
        self.record_graph = record_graph
        self._published: list[str] | None = None
        self._published_lock = threading.Lock()

    @property
    def session(self):
        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = self._requests.Session()
        return s

    def _send(self, method: str, url: str, *, params=None, data=None, headers=None, timeout=None):
        """One HTTP request to the store; maps failures to this module's errors."""
        wait = timeout or self.timeout or None
        try:
            resp = self.session.request(method, url, params=params, data=data, headers=headers,
                                        auth=self._auths.get(url),
                                        timeout=(CONNECT_TIMEOUT, wait) if wait else CONNECT_TIMEOUT)
        except self._requests.ConnectTimeout:
            raise StoreUnavailable(f"the store at {url} did not accept a connection "
                                   f"within {CONNECT_TIMEOUT:g} s") from None
        except self._requests.Timeout:
            from spacekg.server.results import QueryTimeout

            raise QueryTimeout(wait) from None
        except self._requests.RequestException as exc:
            raise StoreUnavailable(f"the store at {url} cannot be reached: {exc}") from None
        if resp.status_code == 400:
            raise QueryError(resp.text.strip()[:2000] or "the store refused the request")
        if resp.status_code in (401, 403):
            raise StoreUnavailable(
                f"the store at {url} refused the request ({resp.status_code}): {resp.text.strip()[:300]} — "
                "give credentials in the URL (http://user:password@host/…) or grant the right "
                "(Virtuoso: GRANT SPARQL_UPDATE TO \"SPARQL\")")
        if resp.status_code >= 300:
            text = resp.text.strip()
            if "SR186" in text or "No permission" in text:  # Virtuoso's anonymous user may not write
                raise StoreUnavailable(
                    f"the store at {url} does not let this user write: {text[:300]} — use "
                    "/sparql-auth with credentials, or GRANT SPARQL_UPDATE TO \"SPARQL\" in isql")
            if "SP030" in text or "SPARQL compiler" in text:  # Virtuoso reports some syntax errors as 500
                raise QueryError(text[:2000])
            raise StoreUnavailable(f"the store at {url} answered {resp.status_code}: {text[:500]}")
        return resp

    def _query(self, query: str, params: list, timeout=None, form_kind: str | None = None):
        form = [("query", query), *params]
        # Virtuoso answers a CONSTRUCT with a result set when asked for SPARQL JSON first
        headers = {"Accept": self.ACCEPT_GRAPH if form_kind in ("CONSTRUCT", "DESCRIBE") else self.ACCEPT}
        if len(urlencode(form)) < GET_LIMIT:
            return self._send("GET", self.query_url, params=form, headers=headers, timeout=timeout)
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        return self._send("POST", self.query_url, data=urlencode(form).encode("ascii"), headers=headers,
                          timeout=timeout)

    def published_graphs(self) -> list[str]:
        """The graphs the last ``spacekg publish`` wrote (from the store's record; [] if none)."""
        with self._published_lock:
            if self._published is None:
                try:
                    rows = self._query(
                        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>\n"
                        f"SELECT DISTINCT ?g WHERE {{ GRAPH <{self.record_graph}> {{ ?d sd:namedGraph ?n . "
                        "?n sd:name ?g } } ORDER BY ?g", [])
                    self._published = [str(r[0].value) for r in self._parse(rows, "SELECT").rows]
                except (QueryError, StoreUnavailable):
                    self._published = []
            return self._published

    def execute(self, query, *, bindings=None, default_graphs=None, named_graphs=None,
                base_iri=None, timeout=None, checked=False) -> RawResult:
        if not checked:
            self._guard(query, base=base_iri)
        if bindings:
            try:
                query = inject_values(query, bindings)
            except (ValueError, TypeError) as exc:
                raise QueryError(str(exc)) from None
        info = analyze(query)
        params = []
        if default_graphs is not None or named_graphs is not None:
            params += [("default-graph-uri", g) for g in default_graphs or []]
            params += [("named-graph-uri", g) for g in named_graphs or []]
        elif not info.has_dataset:
            published = self.published_graphs() if self.default_graph == "union" else []
            if published:
                # the published dataset: its graphs as default graph and, since a protocol
                # dataset replaces the store's whole dataset, as named graphs with the record
                params += [("default-graph-uri", g) for g in published]
                params += [("named-graph-uri", g) for g in [*published, self.record_graph]]
            elif self.default_graph not in ("union", "store"):
                params += [("default-graph-uri", g) for g in self.default_graph]
        if base_iri and not query.lstrip().upper().startswith("BASE"):
            query = f"BASE {ntriples_term(URIRef(base_iri))}\n{query}"
        return self._parse(self._query(query, params, timeout, info.form), info.form)

    @staticmethod
    def _parse(resp, form) -> RawResult:
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if ctype in ("application/sparql-results+json", "application/json"):
                body = _VIRTUOSO_BNODE_JSON.sub(rb"\1", resp.content)
                res = _wrap(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
            elif ctype in ("application/sparql-results+xml", "application/xml"):
                body = resp.content.replace(b"<bnode>nodeID://", b"<bnode>")
                res = _wrap(ox.parse_query_results(body, format=ox.QueryResultsFormat.XML))
            else:
                fmt = rdf_format_for_media_type(ctype)
                if fmt is None:
                    raise StoreUnavailable(f"the store answered with an unknown media type {ctype!r}")
                return RawResult("triples", triples=(q.triple for q in ox.parse(resp.content, format=fmt)))
        except SyntaxError as exc:
            raise StoreUnavailable(f"the store's answer does not parse: {exc}") from None
        if form == "ASK" and res.kind == "solutions" and res.variables == ["__ASK_RETVAL"]:
            rows = list(res.rows)  # Virtuoso: ASK as one row holding 1 or 0
            return RawResult("boolean", boolean=bool(rows) and rows[0][0] is not None
                             and rows[0][0].value not in ("0", "false"))
        return res

    def update(self, update, *, using_graphs=None, using_named_graphs=None, base_iri=None):
        if not self.update_url:
            raise StoreUnavailable("the store behind this server is read-only (no --update-url)")
        self._guard(update, update=True, base=base_iri)
        if (using_graphs or using_named_graphs):
            if update_has_dataset(update):
                raise QueryError("the update names its own dataset (USING or WITH) and the request "
                                 "also has using-graph-uri/using-named-graph-uri")
        form = [("update", update)]
        form += [("using-graph-uri", g) for g in using_graphs or []]
        form += [("using-named-graph-uri", g) for g in using_named_graphs or []]
        if base_iri and not update.lstrip().upper().startswith("BASE"):
            form[0] = ("update", f"BASE {ntriples_term(URIRef(base_iri))}\n{update}")
        try:
            self._send("POST", self.update_url, data=urlencode(form).encode("ascii"),
                       headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
        finally:
            self._invalidate()

    def _invalidate(self):
        super()._invalidate()
        with self._published_lock:
            self._published = None

    def graph_store_write(self, graph: str | None, ntriples: bytes, *, replace: bool) -> None:
        """Graph Store Protocol PUT (``replace``) or POST of N-Triples into ``graph`` (``None``:
        the default graph).

        Raises:
            StoreUnavailable: no ``graph_store_url``, or the store refused or failed.
        """
        if not self.graph_store_url:
            raise StoreUnavailable("no Graph Store Protocol endpoint (--graph-store) is configured")
        params = {"default": ""} if graph is None else {"graph": graph}
        try:
            self._send("PUT" if replace else "POST", self.graph_store_url, params=params, data=ntriples,
                       headers={"Content-Type": "application/n-triples"})
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
        ops = []
        if replace:  # the served dataset only: the published graphs and those of the body, never DROP ALL
            ops.append("CLEAR SILENT DEFAULT")
            named = {str(g.value) for g in by_graph if not isinstance(g, ox.DefaultGraph)}
            ops += [f"DROP SILENT GRAPH {ntriples_term(URIRef(g))}"
                    for g in sorted(named | set(self.published_graphs()))]
        if blocks:
            ops.append(f"INSERT DATA {{ {' '.join(blocks)} }}")
        if ops:
            self.update(" ;\n".join(ops))

    def drop_graph(self, graph):
        if graph is None:
            self.update("CLEAR DEFAULT")
            return
        if not self.has_graph(graph):
            raise KeyError(graph)
        self.update(f"DROP GRAPH {ntriples_term(URIRef(graph))}")
