"""The one store accessor shared by the SPARQL endpoint and the browser.

``get_store()`` returns the app's :class:`Store`: an :class:`EmbeddedStore` (pyoxigraph on
disk or in memory) or a :class:`RemoteStore` (any SPARQL 1.1 Protocol endpoint, e.g. an
Oxigraph server or Jena Fuseki). Both answer

- ``select(query, bindings) -> list[dict[str, rdflib term]]``
- ``ask(query, bindings) -> bool``
- ``construct(query, bindings) -> rdflib.Graph``

and, for the endpoint, ``execute`` (raw results as pyoxigraph terms), ``update`` and the
Graph Store operations. Bindings are never formatted into SPARQL as text: the embedded store
uses SEP-0007 substitution, the remote store a ``VALUES`` block of N-Triples-escaped terms.

Default graph (``SPACEKG_DEFAULT_GRAPH``): ``"union"`` (default; the union of the store's
default graph and all named graphs, see docs/DESIGN.md), ``"store"`` (the store's own
default graph only) or a list of graph IRIs whose union is the default graph. A query with
``FROM``/``FROM NAMED`` or a request with ``default-graph-uri``/``named-graph-uri`` defines
its own dataset instead. The union is the engine's (Oxigraph's): a bag, so a triple held by
two graphs matches twice; ``SELECT DISTINCT`` gives the set. For a remote store ``"union"``
means the remote's own default graph (start Oxigraph with ``--union-default-graph``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from flask import current_app
from rdflib.term import BNode, Literal, Node, URIRef

from spacekg.errors import SpacekgError
from spacekg.server.sparqltext import analyze, inject_using, inject_values

log = logging.getLogger(__name__)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
BUILD_FILE = "spacekg.nq"
STAMP_FILE = "spacekg-source.json"


class QueryError(Exception):
    """The request is wrong (syntax error, bad IRI, bad data): HTTP 400, message shown."""


class ServiceNotAllowed(QueryError):
    """The query calls SERVICE or LOAD outside the allow-list (HTTP 403 at the endpoint); the
    message is the same whatever the target (:data:`spacekg.server.policy.REFUSED`)."""


class StoreUnavailable(Exception):
    """The store behind the server failed or cannot be reached: HTTP 502, logged."""


# ------------------------------------------------------------------ term conversion


def to_rdflib(t) -> Node | None:
    """Convert a pyoxigraph term to the rdflib term (``xsd:string`` literals become plain)."""
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype.value == XSD_STRING:
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    raise TypeError(f"cannot convert {type(t).__name__} to rdflib")


def to_oxigraph(t: Node):
    """Convert an rdflib term (URIRef, BNode, Literal) to the pyoxigraph term.

    Raises:
        TypeError: for other node types.
        ValueError: for an invalid IRI or language tag (raised by pyoxigraph).
    """
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    raise TypeError(f"cannot bind {type(t).__name__}")


# ------------------------------------------------------------------ raw results


@dataclass
class RawResult:
    """A query's result before serialisation, in pyoxigraph terms.

    Attributes:
        kind: ``"solutions"`` (SELECT), ``"boolean"`` (ASK) or ``"triples"`` (CONSTRUCT/DESCRIBE).
        variables: the projected variable names (SELECT).
        rows: iterator of solutions, each indexable by variable position (SELECT).
        boolean: the ASK answer.
        triples: iterator of ``pyoxigraph.Triple`` (CONSTRUCT/DESCRIBE).
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: Iterator | None = None
    boolean: bool | None = None
    triples: Iterator | None = None
    native: object = None  # the pyoxigraph QuerySolutions, for its own (faster) serialisers


def _evaluating(it):
    """Re-raise the engine's evaluation errors met while iterating (e.g. an unsupported
    function) as :class:`QueryError`: they are the query's fault, not the server's."""
    try:
        yield from it
    except RuntimeError as exc:
        raise QueryError(f"query evaluation failed: {exc}") from None


def _wrap(result) -> RawResult:
    if isinstance(result, ox.QuerySolutions):
        return RawResult("solutions", [v.value for v in result.variables], rows=_evaluating(result),
                         native=result)
    if isinstance(result, ox.QueryBoolean):
        return RawResult("boolean", boolean=bool(result))
    if isinstance(result, ox.QueryTriples):
        return RawResult("triples", triples=_evaluating(result))
    raise TypeError(type(result))


RDF_EXTENSIONS = {
    ".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG, ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML, ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD,
    ".n3": ox.RdfFormat.N3,
}


def rdf_format_for_path(path: str | os.PathLike) -> ox.RdfFormat:
    """The RDF format of a file, from its extension.

    Raises:
        SpacekgError: unknown extension.
    """
    fmt = RDF_EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        raise SpacekgError(f"unknown RDF file extension (use one of {', '.join(RDF_EXTENSIONS)})",
                           path=str(path))
    return fmt


def rdf_format_for_media_type(media_type: str | None) -> ox.RdfFormat | None:
    """The RDF format for a Content-Type value (parameters ignored), or ``None``."""
    if not media_type:
        return None
    mt = media_type.split(";")[0].strip().lower()
    if mt in ("text/plain",):
        return ox.RdfFormat.N_TRIPLES
    if mt in ("application/json",):
        return ox.RdfFormat.JSON_LD
    if mt in ("application/xml", "text/xml"):
        return ox.RdfFormat.RDF_XML
    return ox.RdfFormat.from_media_type(mt)


# ------------------------------------------------------------------ the interface


class Store:
    """What the endpoint and the browser use; see the module docstring.

    Args:
        default_graph: ``"union"``, ``"store"`` or a list of graph IRIs.
    """

    updatable = False

    def __init__(self, default_graph="union", service_allow: list[str] | None = None):
        self.default_graph = default_graph
        #: SERVICE allow-list enforced on every query and update run through this store,
        #: whoever calls it (the endpoint, the browser); ``None``: no check
        self.service_allow = service_allow
        self._stats = None
        self._stats_lock = threading.Lock()

    def _guard(self, text: str, *, update: bool = False, base: str | None = None) -> None:
        """Apply :mod:`spacekg.server.policy` (nesting, SERVICE/LOAD allow-list) to a query or
        update, whoever runs it through this store.

        Raises:
            ServiceNotAllowed: SERVICE or LOAD outside the allow-list.
            QueryError: too deeply nested, or not analysable.
        """
        if self.service_allow is None:
            return
        from spacekg.server.policy import PolicyError, QueryPolicy

        pol = QueryPolicy(allow=self.service_allow)
        try:
            (pol.check_update if update else pol.check_query)(text, base)
        except PolicyError as exc:
            raise (ServiceNotAllowed if exc.status == 403 else QueryError)(exc.message) from None

    # -- for the browser ------------------------------------------------------------
    def select(self, query: str, bindings: dict[str, Node] | None = None) -> list[dict[str, Node]]:
        """Run a SELECT query; return its solutions as dicts of rdflib terms (unbound omitted).

        Args:
            query: SPARQL SELECT text (trusted code, not user input).
            bindings: variable name (no ``?``) → rdflib term, substituted safely.

        Raises:
            QueryError: syntax error or not a SELECT query.
            StoreUnavailable: the store failed.
        """
        res = self.execute(query, bindings=bindings)
        if res.kind != "solutions":
            raise QueryError("not a SELECT query")
        names = res.variables
        out = []
        for row in res.rows:
            d = {}
            for i, name in enumerate(names):
                t = row[i]
                if t is not None:
                    d[name] = to_rdflib(t)
            out.append(d)
        return out

    def ask(self, query: str, bindings: dict[str, Node] | None = None) -> bool:
        """Run an ASK query.

        Raises:
            QueryError: syntax error or not an ASK query.
        """
        res = self.execute(query, bindings=bindings)
        if res.kind != "boolean":
            raise QueryError("not an ASK query")
        return bool(res.boolean)

    def construct(self, query: str, bindings: dict[str, Node] | None = None) -> rdflib.Graph:
        """Run a CONSTRUCT or DESCRIBE query; return an rdflib Graph.

        Raises:
            QueryError: syntax error or not a CONSTRUCT/DESCRIBE query.
        """
        res = self.execute(query, bindings=bindings)
        if res.kind != "triples":
            raise QueryError("not a CONSTRUCT or DESCRIBE query")
        g = rdflib.Graph()
        for t in res.triples:
            g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return g

    # -- for the endpoint -------------------------------------------------------------
    def execute(self, query: str, *, bindings: dict[str, Node] | None = None,
                default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
                base_iri: str | None = None, timeout: float | None = None,
                checked: bool = False) -> RawResult:
        """Run any query; results stay lazy pyoxigraph iterators (see :class:`RawResult`).

        Args:
            query: SPARQL query text.
            bindings: variable → rdflib term.
            default_graphs, named_graphs: the protocol's ``default-graph-uri`` and
                ``named-graph-uri`` (``None`` when absent).
            base_iri: base IRI for relative IRIs in the query.
            timeout: seconds (remote stores only; the endpoint enforces its own deadline).
            checked: the caller already applied the policy (:meth:`_guard` is skipped).

        Raises:
            QueryError: the query is malformed.
            StoreUnavailable: the store failed.
        """
        raise NotImplementedError

    def update(self, update: str, *, using_graphs: list[str] | None = None,
               using_named_graphs: list[str] | None = None, base_iri: str | None = None) -> None:
        """Run a SPARQL update (the endpoint checks authorisation first).

        Raises:
            QueryError: malformed update, or ``using-*`` parameters together with USING/WITH.
            StoreUnavailable: the store failed or is read-only.
        """
        raise NotImplementedError

    def graph_triples(self, graph: str | None) -> list:
        """Graph Store GET: the triples of a named graph (``None``: the default graph).

        Raises:
            KeyError: the named graph does not exist.
        """
        raise NotImplementedError

    def has_graph(self, graph: str) -> bool:
        """Whether a named graph exists."""
        return graph in self.named_graph_iris()

    def named_graph_iris(self) -> list[str]:
        """IRIs of the named graphs (blank-node graph names left out)."""
        rows = self.execute("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").rows
        return sorted(r[0].value for r in rows if isinstance(r[0], ox.NamedNode))

    def replace_graph(self, graph: str | None, data: bytes, fmt: ox.RdfFormat, base_iri: str | None,
                      *, append: bool = False) -> bool:
        """Graph Store PUT (replace) or POST (``append=True``); ``graph=None`` is the default graph.

        Returns:
            Whether the graph existed before.

        Raises:
            QueryError: the data does not parse.
        """
        raise NotImplementedError

    def add_quads(self, data: bytes, fmt: ox.RdfFormat, base_iri: str | None, *, replace: bool) -> None:
        """Dataset-level load (N-Quads/TriG): add quads, after clearing the dataset if ``replace``
        (the embedded store: everything; a remote store: its default graph, the graphs of the
        last ``spacekg publish`` and those of the body, never the store's other graphs)."""
        raise NotImplementedError

    def drop_graph(self, graph: str | None) -> None:
        """Graph Store DELETE.

        Raises:
            KeyError: the named graph does not exist.
        """
        raise NotImplementedError

    def stats(self) -> dict:
        """VoID statistics of the whole dataset, cached until the next update.

        Returns:
            ``{"triples": int, "entities": int, "classes": int, "properties": int,
            "distinctSubjects": int, "distinctObjects": int,
            "graphs": [{"iri": str, "triples": int, "entities": int}, ...]}``
        """
        with self._stats_lock:
            if self._stats is None:
                self._stats = self._compute_stats()
            return self._stats

    def _invalidate(self):
        with self._stats_lock:
            self._stats = None

    def _stat_rows(self, query: str):
        """Rows of a statistics query, run on the store's own dataset (no default-graph config)."""
        return self.execute(query).rows

    #: graph pattern matching every triple of the dataset once
    ALL_TRIPLES = "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"

    def _count(self, query: str) -> int:
        rows = list(self._stat_rows(query))
        return int(rows[0][0].value) if rows and rows[0][0] is not None else 0

    def _compute_stats(self) -> dict:
        a = self.ALL_TRIPLES
        out = {
            "triples": self._count(f"SELECT (COUNT(*) AS ?n) WHERE {{ {a} }}"),
            "entities": self._count(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {a} FILTER(isIRI(?s)) }}"),
            "classes": self._count("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { "
                                   + a.replace("?p", "a") + " }"),
            "properties": self._count(f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {a} }}"),
            "distinctSubjects": self._count(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {a} }}"),
            "distinctObjects": self._count(f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {a} }}"),
            "graphs": [],
        }
        rows = self._stat_rows(
            "SELECT ?g (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?e) WHERE { GRAPH ?g { ?s ?p ?o } } "
            "GROUP BY ?g ORDER BY ?g")
        for r in rows:
            if isinstance(r[0], ox.NamedNode):
                out["graphs"].append({"iri": r[0].value, "triples": int(r[1].value),
                                      "entities": int(r[2].value)})
        return out

    def close(self) -> None:
        """Release the store."""


# ------------------------------------------------------------------ embedded store


class EmbeddedStore(Store):
    """A pyoxigraph store in this process (on disk with RocksDB, or in memory).

    Args:
        store: the ``pyoxigraph.Store``.
        default_graph: see :class:`Store`.
        updatable: whether the endpoint may write to it (token-protected).
    """

    def __init__(self, store: ox.Store, default_graph="union", updatable: bool = True,
                 service_allow: list[str] | None = None):
        super().__init__(default_graph, service_allow)
        self.store = store
        self.updatable = updatable

    def _dataset_kwargs(self, query: str, default_graphs, named_graphs) -> dict:
        if default_graphs is not None or named_graphs is not None:
            return {"default_graph": [ox.NamedNode(g) for g in (default_graphs or [])],
                    "named_graphs": [ox.NamedNode(g) for g in (named_graphs or [])]}
        if self.default_graph == "store":
            return {}
        if "FROM" in query.upper() and analyze(query).has_dataset:
            return {}
        if self.default_graph == "union":
            return {"use_default_graph_as_union": True}
        return {"default_graph": [ox.NamedNode(g) for g in self.default_graph]}

    def execute(self, query, *, bindings=None, default_graphs=None, named_graphs=None,
                base_iri=None, timeout=None, checked=False) -> RawResult:
        if not checked:
            self._guard(query, base=base_iri)
        try:
            kw = self._dataset_kwargs(query, default_graphs, named_graphs)
            if bindings:
                kw["substitutions"] = {ox.Variable(str(k).lstrip("?$")): to_oxigraph(v)
                                       for k, v in bindings.items()}
                try:
                    return _wrap(self.store.query(query, base_iri=base_iri, **kw))
                except RuntimeError as exc:
                    # SEP-0007 substitution needs the variables in a SELECT's projection;
                    # otherwise bind them with a VALUES block (terms N-Triples-escaped)
                    if "projection" not in str(exc):
                        raise
                    del kw["substitutions"]
                    query = inject_values(query, bindings)
            return _wrap(self.store.query(query, base_iri=base_iri, **kw))
        except SyntaxError as exc:
            raise QueryError(str(exc)) from None
        except (ValueError, TypeError, RuntimeError) as exc:  # bad IRI, unsupported function …
            raise QueryError(str(exc)) from None

    def _stat_rows(self, query):
        return iter(self.store.query(query))

    def update(self, update, *, using_graphs=None, using_named_graphs=None, base_iri=None):
        self._guard(update, update=True, base=base_iri)
        update = _apply_using(update, using_graphs, using_named_graphs)
        try:
            self.store.update(update, base_iri=base_iri)
        except SyntaxError as exc:
            raise QueryError(str(exc)) from None
        except ValueError as exc:
            raise QueryError(str(exc)) from None
        finally:
            self._invalidate()

    def graph_triples(self, graph):
        if graph is None:
            gn = ox.DefaultGraph()
        else:
            gn = ox.NamedNode(graph)
            if not self.store.contains_named_graph(gn):
                raise KeyError(graph)
        return [q.triple for q in self.store.quads_for_pattern(None, None, None, gn)]

    def has_graph(self, graph):
        return self.store.contains_named_graph(ox.NamedNode(graph))

    def named_graph_iris(self):
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def replace_graph(self, graph, data, fmt, base_iri, *, append=False):
        gn = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        try:
            triples = [q.triple for q in ox.parse(data, format=fmt, base_iri=base_iri)]
        except (SyntaxError, ValueError) as exc:
            raise QueryError(f"cannot parse the request body: {exc}") from None
        existed = graph is None or self.store.contains_named_graph(gn)
        if not append and existed:
            self.store.clear_graph(gn)
        self.store.extend([ox.Quad(t.subject, t.predicate, t.object, gn) for t in triples])
        if graph is not None and not triples:
            self.store.add_graph(gn)
        self._invalidate()
        return existed

    def add_quads(self, data, fmt, base_iri, *, replace):
        try:
            quads = list(ox.parse(data, format=fmt, base_iri=base_iri))
        except (SyntaxError, ValueError) as exc:
            raise QueryError(f"cannot parse the request body: {exc}") from None
        if replace:
            self.store.clear()
        self.store.extend(quads)
        self._invalidate()

    def drop_graph(self, graph):
        if graph is None:
            self.store.clear_graph(ox.DefaultGraph())
        else:
            gn = ox.NamedNode(graph)
            if not self.store.contains_named_graph(gn):
                raise KeyError(graph)
            self.store.remove_graph(gn)
        self._invalidate()

    def close(self):
        try:
            self.store.flush()
        except OSError:  # in-memory stores have nothing to flush
            pass


def _apply_using(update: str, using_graphs, using_named_graphs) -> str:
    from spacekg.server.sparqltext import update_has_dataset

    if using_graphs or using_named_graphs:
        if update_has_dataset(update):
            raise QueryError("the update names its own dataset (USING or WITH) and the request "
                             "also has using-graph-uri/using-named-graph-uri: use one or the other")
        return inject_using(update, list(using_graphs or []), list(using_named_graphs or []))
    return update


# ------------------------------------------------------------------ opening


def _file_fingerprint(path: Path) -> dict:
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_files(store: ox.Store, paths: list[Path], *, bulk: bool) -> int:
    """Load RDF files into a pyoxigraph store (triples into the default graph).

    Args:
        store: the target store.
        paths: files; the format comes from the extension; relative IRIs resolve against
            the file's ``file:`` URL.
        bulk: use ``bulk_load`` (fast, for on-disk stores).

    Returns:
        The number of files loaded.

    Raises:
        SpacekgError: unknown extension, missing file or a parse error (with the file name).
    """
    for p in paths:
        if not p.is_file():
            raise SpacekgError("no such RDF file", path=str(p))
        fmt = rdf_format_for_path(p)
        try:
            if bulk:
                store.bulk_load(path=str(p), format=fmt, base_iri=p.resolve().as_uri())
            else:
                store.load(path=str(p), format=fmt, base_iri=p.resolve().as_uri())
        except (SyntaxError, ValueError) as exc:
            raise SpacekgError(f"cannot load: {exc}", path=str(p)) from None
    return len(paths)


def open_embedded(*, data: list[str] | None, store_dir: str | None, build_dir: str | None,
                  default_graph="union", read_only: bool = False,
                  service_allow: list[str] | None = None) -> EmbeddedStore:
    """Open the embedded store and (re)load its sources when they changed.

    With ``data`` files and no ``store_dir`` the store is in memory. With ``read_only`` the
    on-disk store is opened read-only as it is (worker processes). Otherwise the store lives
    in ``store_dir`` (default ``store/``) and records the sources it was loaded from (path,
    size, mtime, SHA-256) in ``{store_dir}/spacekg-source.json``; it is reloaded when they
    differ and reused otherwise. Without ``data`` the source is ``{build_dir}/spacekg.nq``.

    Raises:
        SpacekgError: no data and no build output (run ``spacekg build`` first), or a load error.
    """
    sources = [Path(p) for p in data] if data else []
    if not data:
        build = Path(build_dir or "build") / BUILD_FILE
        if build.is_file():
            sources = [build]
    if data and not store_dir:
        st = ox.Store()
        t0 = time.perf_counter()
        load_files(st, sources, bulk=False)
        log.info("loaded %d file(s) into memory in %.1f s", len(sources), time.perf_counter() - t0)
        return EmbeddedStore(st, default_graph, service_allow=service_allow)
    sdir = Path(store_dir or "store")
    try:
        if read_only:  # a worker process of `spacekg serve --workers N`: the parent loaded the store
            return EmbeddedStore(ox.Store.read_only(str(sdir)), default_graph, updatable=False,
                                 service_allow=service_allow)
        sdir.mkdir(parents=True, exist_ok=True)
        st = ox.Store(str(sdir))
    except OSError as exc:
        raise SpacekgError(f"cannot open the store ({exc}); is another `spacekg serve` using it? "
                           "Use --store DIR for a second server", path=str(sdir)) from None
    stamp_path = sdir / STAMP_FILE
    old = json.loads(stamp_path.read_text()) if stamp_path.is_file() else None
    if not sources:
        if old is None and not any(True for _ in st.quads_for_pattern(None, None, None)):
            raise SpacekgError(f"nothing to serve: {Path(build_dir or 'build') / BUILD_FILE} does not "
                               "exist (run `spacekg build` first) and the store is empty; "
                               "or pass --data FILE…", path=str(sdir))
        return EmbeddedStore(st, default_graph, service_allow=service_allow)
    prints = [_file_fingerprint(p) for p in sources]
    if old and [{k: f[k] for k in ("path", "size", "mtime_ns")} for f in old.get("files", [])] == prints:
        return EmbeddedStore(st, default_graph, service_allow=service_allow)
    for f, p in zip(prints, sources, strict=True):
        f["sha256"] = _sha256(p)
    same_content = old and [(f["path"], f["sha256"]) for f in old.get("files", [])] == \
        [(f["path"], f["sha256"]) for f in prints]
    if not same_content:
        t0 = time.perf_counter()
        st.clear()
        load_files(st, sources, bulk=True)
        st.optimize()
        log.info("loaded %s into %s in %.1f s", ", ".join(map(str, sources)), sdir,
                 time.perf_counter() - t0)
    stamp_path.write_text(json.dumps({"files": prints, "loaded_at": time.time()}, indent=1))
    return EmbeddedStore(st, default_graph, service_allow=service_allow)


def open_store(config: dict) -> Store:
    """Open the store an app is configured for (see ``create_app`` for the keys)."""
    dg = config.get("SPACEKG_DEFAULT_GRAPH", "union")
    allow = list(config.get("SPACEKG_SERVICE_ALLOW") or [])
    if config.get("SPACEKG_STORE_URL"):
        from spacekg.server.remote import RemoteStore

        return RemoteStore(config["SPACEKG_STORE_URL"], config.get("SPACEKG_UPDATE_URL"), dg,
                           timeout=float(config.get("SPACEKG_TIMEOUT") or 30), service_allow=allow)
    return open_embedded(data=config.get("SPACEKG_DATA"), store_dir=config.get("SPACEKG_STORE_DIR"),
                         build_dir=config.get("SPACEKG_BUILD_DIR"), default_graph=dg,
                         read_only=bool(config.get("SPACEKG_READ_ONLY")), service_allow=allow)


_open_lock = threading.Lock()


def get_store(app=None) -> Store:
    """The app's store, opened on first use and kept in ``app.extensions['spacekg_store']``.

    Args:
        app: a Flask app; default the current app.

    Raises:
        SpacekgError: the store cannot be opened (see :func:`open_embedded`).
    """
    app = app or current_app._get_current_object()
    st = app.extensions.get("spacekg_store")
    if st is None:
        with _open_lock:
            st = app.extensions.get("spacekg_store")
            if st is None:
                st = app.extensions["spacekg_store"] = open_store(app.config)
    return st


def __getattr__(name):  # RemoteStore re-exported lazily: spacekg.server.remote builds on this module
    if name == "RemoteStore":
        from spacekg.server.remote import RemoteStore

        return RemoteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [  # noqa: F822  (RemoteStore: see __getattr__)
    "EmbeddedStore", "QueryError", "ServiceNotAllowed", "RawResult", "RemoteStore", "Store", "StoreUnavailable",
           "get_store", "open_store", "to_oxigraph", "to_rdflib"]
