"""The SPARQL 1.1 Protocol endpoint (``/sparql``) and Graph Store Protocol (``/store``).

Reads (queries, the service description) are open and CORS-enabled. Updates and Graph Store
writes need ``Authorization: Bearer <token>`` and are refused (403) when the server has no
token. A GET never updates. Every query first passes the policy of
:mod:`spacekg.server.policy` (nesting, SERVICE/LOAD allow-list: 400/403), then runs in a query
worker process (:mod:`spacekg.server.querypool`, under ``spacekg serve``) or a thread of this
process, under a deadline (``SPACEKG_TIMEOUT`` s, 503 when exceeded; a worker is then killed)
and a row cap (``SPACEKG_MAX_ROWS``, signalled by the ``X-SPARQL-Truncated`` header and in
the body).

Statuses follow the SPARQL 1.1 Protocol: 400 with the parser's message (``error at
line:column``) for a bad query, 405 for other methods, 406 when no result format is
acceptable, 415 for an unsupported or missing Content-Type or a charset other than UTF-8,
413 over the body cap; 500 only for the server's own faults (logged, no trace in the body).
"""

from __future__ import annotations

import hmac
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, request, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from spacekg.server import results as R
from spacekg.server.servicedesc import service_description
from spacekg.server.sparqltext import analyze, final_limit
from spacekg.server.store import QueryError, StoreUnavailable, get_store, rdf_format_for_media_type

log = logging.getLogger(__name__)

bp = Blueprint("sparql", __name__)
sparql = bp

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Expose-Headers": "X-SPARQL-Truncated, X-SPARQL-Max-Rows",
    "Access-Control-Max-Age": "86400",
}


class ProtocolError(Exception):
    """A request the protocol refuses, with its HTTP status and a message for the client."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _text(status: int, message: str, headers: dict | None = None, cors: bool = True) -> Response:
    resp = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    if cors:
        resp.headers.update(CORS_HEADERS)
    return resp


@bp.errorhandler(ProtocolError)
def _protocol_error(exc: ProtocolError):
    return _text(exc.status, exc.message, exc.headers)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    limit = request.max_content_length
    return _text(413, f"request body too large (limit {limit} bytes)")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    headers = {}
    if exc.code == 405:
        headers["Allow"] = ", ".join(getattr(exc, "valid_methods", None) or ["GET", "POST", "OPTIONS"])
    return _text(exc.code or 500, f"{exc.code} {exc.name}: {exc.description}", headers)


@bp.errorhandler(Exception)
def _server_fault(exc: Exception):
    if isinstance(exc, HTTPException):  # pragma: no cover - handled above
        return exc
    log.exception("internal error on %s %s", request.method, request.path)
    return _text(500, "internal server error (logged on the server)")


# ------------------------------------------------------------------ helpers


_executor_lock = threading.Lock()


def executor(app=None) -> ThreadPoolExecutor:
    """The app's pool of query threads (created on first use), for queries run in this process.

    Threads created from then on get a 64 MiB stack (``threading.stack_size``): the engine's
    parser and evaluator recurse once per nesting level.
    """
    app = app or current_app
    ex = app.extensions.get("spacekg_executor")
    if ex is None:
        with _executor_lock:
            ex = app.extensions.get("spacekg_executor")
            if ex is None:
                from spacekg.server.querypool import QUERY_STACK

                if threading.stack_size() < QUERY_STACK:
                    threading.stack_size(QUERY_STACK)
                ex = app.extensions["spacekg_executor"] = ThreadPoolExecutor(
                    max_workers=int(app.config.get("SPACEKG_WORKERS", 16)), thread_name_prefix="sparql")
    return ex


def _charset_ok() -> None:
    cs = request.mimetype_params.get("charset")
    if cs and cs.strip().lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii"):
        raise ProtocolError(415, f"unsupported charset {cs!r}: the protocol requires UTF-8")


def _body_text() -> str:
    _charset_ok()
    raw = request.get_data(cache=True)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the request body is not valid UTF-8: {exc}") from None


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ProtocolError(400, f"more than one {name!r} parameter")
    return values[0] if values else None


def _params(name: str) -> list[str]:
    vals = request.args.getlist(name)
    if request.method == "POST" and request.mimetype == FORM_TYPE:
        vals += request.form.getlist(name)
    return vals


def _graph_list(name: str) -> list[str] | None:
    vals = _params(name)
    for v in vals:
        if not urlsplit(v).scheme:
            raise ProtocolError(400, f"{name} must be an absolute IRI: {v!r}")
    return vals or None


def _authorized() -> bool:
    token = current_app.config.get("SPACEKG_UPDATE_TOKEN")
    if not token:
        return False
    auth = request.headers.get("Authorization", "")
    scheme, _, given = auth.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _require_write() -> None:
    if not current_app.config.get("SPACEKG_UPDATE_TOKEN"):
        raise ProtocolError(403, "updates are disabled on this server (start it with --update-token)")
    if not _authorized():
        raise ProtocolError(401, "updates need 'Authorization: Bearer <token>'",
                            {"WWW-Authenticate": 'Bearer realm="spacekg"'})


def allowed_services(app=None) -> list[str]:
    """The SERVICE allow-list: full endpoint URLs, or host names (any endpoint on that host)."""
    return list((app or current_app).config.get("SPACEKG_SERVICE_ALLOW") or [])


# ------------------------------------------------------------------ /sparql


@bp.route("/sparql", methods=["GET", "HEAD", "POST", "OPTIONS"])
@bp.route("/sparql/", methods=["GET", "HEAD", "POST", "OPTIONS"])
def endpoint():
    """SPARQL 1.1 Protocol: query via GET or POST, update via POST (token), description on GET.
    HEAD answers as GET without the body."""
    if request.method == "OPTIONS":
        return Response(status=204, headers=CORS_HEADERS)
    if request.method in ("GET", "HEAD"):
        if request.args.getlist("update"):
            raise ProtocolError(400, "updates must be sent with POST; a GET never updates")
        query = _one(request.args.getlist("query"), "query")
        if query is None:
            if _browser_wants_html():  # a person opening the endpoint: the query page (YASGUI)
                return redirect(url_for("browse.query_page"), 303)
            return _service_description()
        if html_only(request.headers.get("Accept")) and not request.args.get("format") \
                and "browse.query_page" in current_app.view_functions:
            # a link opened in a browser that accepts nothing but HTML: the query page runs it
            return redirect(url_for("browse.query_page", query=query, run=1), 303)
        return _run_query(query)
    # POST
    mt = request.mimetype
    if not mt:
        raise ProtocolError(415, "POST needs a Content-Type: application/x-www-form-urlencoded, "
                                 f"{QUERY_TYPE} or {UPDATE_TYPE}")
    if mt == FORM_TYPE:
        _charset_ok()
        queries, updates = _params("query"), request.form.getlist("update") + request.args.getlist("update")
        if queries and updates:
            raise ProtocolError(400, "a request has either a 'query' or an 'update' parameter, not both")
        if updates:
            return _run_update(_one(updates, "update"))
        query = _one(queries, "query")
        if query is None:
            raise ProtocolError(400, "missing 'query' or 'update' parameter")
        return _run_query(query)
    if mt == QUERY_TYPE:
        if request.args.getlist("query"):
            raise ProtocolError(400, "the query is in the body; no 'query' parameter allowed")
        return _run_query(_body_text())
    if mt == UPDATE_TYPE:
        return _run_update(_body_text())
    raise ProtocolError(415, f"unsupported Content-Type {mt!r}: use {FORM_TYPE}, {QUERY_TYPE} "
                             f"or {UPDATE_TYPE}")


def html_only(accept: str | None) -> bool:
    """True when an ``Accept`` header names only HTML media types (``text/html``,
    ``application/xhtml+xml``) with q > 0: no result or RDF syntax, no wildcard, would do."""
    from werkzeug.http import parse_accept_header

    types = {mt for mt, q in parse_accept_header(accept or "") if q > 0}
    return bool(types) and types <= {"text/html", "application/xhtml+xml"}


def _browser_wants_html() -> bool:
    """True when the request names ``text/html`` and prefers it to every RDF syntax (a
    browser), no ``format`` is asked for, and the browser pages are installed."""
    accept = request.accept_mimetypes
    if request.args.get("format") or "browse.query_page" not in current_app.view_functions:
        return False
    if not any(mt == "text/html" and q > 0 for mt, q in accept):
        return False
    return accept.best_match(["text/html", *(f.media_type for f in R.GRAPH_FORMATS)]) == "text/html"


def _short(exc: Exception, limit: int = 600) -> str:
    msg = str(exc)
    return msg if len(msg) <= limit else msg[:limit] + " …"


def _formats_for(form: str | None):
    if form in ("CONSTRUCT", "DESCRIBE"):
        return R.GRAPH_FORMATS
    return R.SOLUTION_FORMATS


def _run_query(query: str) -> Response:
    fparam = (request.args.get("format") or request.args.get("output")
              or (request.form.get("format") if request.mimetype == FORM_TYPE else None))
    headers, body = answer_query(current_app._get_current_object(), query,
                                 _graph_list("default-graph-uri"), _graph_list("named-graph-uri"),
                                 request.headers.get("Accept"), fparam, request.base_url)
    return Response(body, status=200, headers=headers)


class ResultCache:
    """A bounded LRU of serialised query answers, cleared on every write through this server.

    Args:
        max_bytes: total size of the cached bodies; answers over 1/16 of it are not kept.
    """

    def __init__(self, max_bytes: int):
        from collections import OrderedDict

        self.max_bytes = max_bytes
        self.size = 0
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self.lock:
            v = self.items.get(key)
            if v is None:
                self.misses += 1
                return None
            self.items.move_to_end(key)
            self.hits += 1
            return v

    def put(self, key, value) -> None:
        n = len(value[1]) + sum(len(k) for k in key if isinstance(k, str))
        if n > self.max_bytes // 16:
            return
        with self.lock:
            if key in self.items:
                return
            self.items[key] = value
            self.size += n
            while self.size > self.max_bytes and self.items:
                k, (_, body) = self.items.popitem(last=False)
                self.size -= len(body) + sum(len(x) for x in k if isinstance(x, str))

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


def result_cache(app) -> ResultCache | None:
    """The app's result cache (``SPACEKG_CACHE_MB``; off for a remote store, whose data may
    change behind this server), or ``None``."""
    cache = app.extensions.get("spacekg_cache")
    if cache is None:
        mb = app.config.get("SPACEKG_CACHE_MB", 64)
        if app.config.get("SPACEKG_STORE_URL") or not mb:
            return None
        cache = app.extensions["spacekg_cache"] = ResultCache(int(float(mb) * (1 << 20)))
    return cache


def answer_query(app, query: str, default_graphs, named_graphs, accept: str | None,
                 fparam: str | None, base_iri: str) -> tuple[list[tuple[str, str]], bytes]:
    """Run a query for the protocol under the app's policy and serialise the answer.

    The query goes to a query worker process when ``spacekg serve`` runs them (killed and
    restarted past the timeout or the memory limit), else runs in a thread of this process.

    Args:
        app: the Flask app (config, store, workers, cache).
        query: the query text.
        default_graphs, named_graphs: ``default-graph-uri``/``named-graph-uri`` values or ``None``.
        accept: the Accept header; fparam: the ``format``/``output`` parameter.
        base_iri: the endpoint URL (base for relative IRIs).

    Returns:
        ``(headers, body)`` of a 200 answer.

    Raises:
        ProtocolError: 400, 403, 406, 502 or 503 with the message for the client.
    """
    from spacekg.server.policy import query_policy
    from spacekg.server.querypool import query_pool

    cache = result_cache(app)
    federated = "SERVICE" in query.upper() or "\\U" in query.upper()
    key = (query, tuple(default_graphs) if default_graphs is not None else None,
           tuple(named_graphs) if named_graphs is not None else None, accept or "", fparam or "", base_iri)
    if cache is not None and not federated:
        hit = cache.get(key)
        if hit is not None:
            return hit
    args = (query, default_graphs, named_graphs, accept, fparam, base_iri)
    pool = query_pool(app)
    if pool is not None:
        out = pool.answer(args)  # the worker checks the policy itself
    else:
        pol = query_policy(app)
        try:
            pol.check_query(query, base_iri)
        except Exception as exc:
            raise protocol_error(exc) from None
        deadline = R.Deadline(pol.timeout)
        store = get_store(app)

        def work():
            # pyoxigraph result iterators are bound to the thread that made them: nothing that
            # holds one may travel to the request thread (tracebacks, exception contexts)
            try:
                return produce_answer(store, *args, pol.timeout, pol.max_rows, deadline)
            except Exception as exc:
                exc.__context__ = exc.__cause__ = None
                raise exc.with_traceback(None) from None

        future = executor(app).submit(work)
        try:
            out = future.result(timeout=pol.timeout)
        except FutureTimeout:
            deadline.cancelled = True
            raise ProtocolError(503, str(R.QueryTimeout(pol.timeout))) from None
        except Exception as exc:
            raise protocol_error(exc, federated) from None
    if cache is not None and not federated:
        cache.put(key, out)
    return out


def protocol_error(exc: Exception, federated: bool = False) -> ProtocolError:
    """The :class:`ProtocolError` a failed query answers with (the mapping used in this
    process and in the query workers).

    Raises:
        Exception: ``exc`` itself when it is the server's own fault (then a 500, logged).
    """
    from spacekg.server.policy import PolicyError

    if isinstance(exc, ProtocolError):
        return exc
    if isinstance(exc, PolicyError):
        return ProtocolError(exc.status, exc.message)
    if isinstance(exc, R.QueryTimeout):
        return ProtocolError(503, str(exc))
    if isinstance(exc, QueryError):
        return ProtocolError(400, f"bad query: {_short(exc)}")
    if isinstance(exc, R.NotAcceptable):
        return ProtocolError(406, str(exc))
    if isinstance(exc, StoreUnavailable):
        log.error("store failure: %s", exc)
        return ProtocolError(502, str(exc))
    if isinstance(exc, OSError) and federated:  # pyoxigraph: a SERVICE call failed
        return ProtocolError(502, f"a SERVICE call failed: {_short(exc)}")
    if isinstance(exc, MemoryError):
        return ProtocolError(503, "the query was stopped: it needed more memory than this server allows")
    raise exc


def produce_answer(store, query: str, default_graphs, named_graphs, accept: str | None,
                   fparam: str | None, base_iri: str, timeout: float | None, max_rows: int | None,
                   deadline: R.Deadline) -> tuple[list[tuple[str, str]], bytes]:
    """Execute ``query`` on ``store`` and serialise it (no policy checks: the caller's job).

    Returns:
        ``(headers, body)`` of a 200 answer.

    Raises:
        QueryError, R.QueryTimeout, R.NotAcceptable, StoreUnavailable, OSError: see
        :func:`protocol_error`.
    """
    raw = store.execute(query, default_graphs=default_graphs, named_graphs=named_graphs,
                        base_iri=base_iri, timeout=timeout, checked=True)
    fmt, media = R.negotiate(R.GRAPH_FORMATS if raw.kind == "triples" else R.SOLUTION_FORMATS,
                             accept, fparam)
    if raw.kind == "solutions":
        if raw.native is not None and (max_rows is None or (final_limit(query) or max_rows + 1) <= max_rows):
            try:
                rendered = R.render_native(raw.native, fmt, media)
            except RuntimeError as exc:  # an evaluation error met while serialising
                raise QueryError(f"query evaluation failed: {exc}") from None
        else:
            rendered = R.render_solutions(raw.variables, raw.rows, fmt, media, max_rows, deadline)
    elif raw.kind == "boolean":
        rendered = R.render_boolean(raw.boolean, fmt, media)
    else:
        prefixes = analyze(query).prefixes if fmt.name in ("turtle", "trig") else None
        rendered = R.render_triples(raw.triples, fmt, media, max_rows, deadline, prefixes)
    del raw
    ctype = rendered.media_type
    if ctype.startswith("text/") or ctype.endswith(("json", "xml")) or ctype.startswith("application/n-"):
        ctype += "; charset=utf-8"
    headers = [("Content-Type", ctype), *CORS_HEADERS.items(), ("Vary", "Accept")]
    if max_rows:
        headers.append(("X-SPARQL-Max-Rows", str(max_rows)))
    if rendered.truncated_at is not None:
        headers.append(("X-SPARQL-Truncated", "true"))
        headers.append(("Warning", f'199 spacekg "result truncated to {rendered.truncated_at} rows"'))
    return headers, rendered.body


def _run_update(update: str) -> Response:
    _require_write()
    store = get_store()
    if not store.updatable:
        raise ProtocolError(403, "the store behind this server is read-only")
    from spacekg.server.policy import query_policy

    try:
        query_policy().check_update(update, request.base_url)
    except Exception as exc:
        raise protocol_error(exc) from None
    try:
        store.update(update, using_graphs=_graph_list("using-graph-uri"),
                     using_named_graphs=_graph_list("using-named-graph-uri"),
                     base_iri=request.base_url)
    except QueryError as exc:
        raise ProtocolError(400, f"bad update: {_short(exc)}") from None
    except StoreUnavailable as exc:
        log.error("store failure: %s", exc)
        raise ProtocolError(502, str(exc)) from None
    finally:
        _invalidate_cache()
    return Response(status=204)


def _invalidate_cache() -> None:
    """After a write: drop the answer cache and the browser's labels, types and texts."""
    cache = current_app.extensions.get("spacekg_cache")
    if cache is not None:
        cache.clear()
    current_app.extensions.setdefault("spacekg_browse", {}).pop("cache", None)


def _service_description() -> Response:
    try:
        fmt, media = R.negotiate(R.GRAPH_FORMATS, request.headers.get("Accept"),
                                 request.args.get("format"))
    except R.NotAcceptable as exc:
        raise ProtocolError(406, str(exc)) from None
    body = service_description(get_store(), endpoint=request.base_url.rstrip("/"),
                               config=current_app.config, fmt=fmt)
    resp = Response(body, status=200, content_type=media + "; charset=utf-8")
    resp.headers.update(CORS_HEADERS)
    resp.headers["Vary"] = "Accept"
    return resp


# ------------------------------------------------------------------ /store (Graph Store Protocol)

DATASET_FORMATS = tuple(f for f in R.GRAPH_FORMATS if f.name in ("trig", "nquads"))


@bp.route("/store", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store():
    """SPARQL 1.1 Graph Store HTTP Protocol; see :func:`_graph_store`."""
    try:
        return _graph_store()
    finally:
        if request.method in ("PUT", "POST", "DELETE"):
            _invalidate_cache()


def _graph_store():
    """SPARQL 1.1 Graph Store HTTP Protocol (indirect identification: ``?graph=IRI`` or ``?default``).

    Without either parameter the request addresses the whole dataset (GET as TriG/N-Quads,
    POST adds quads, PUT replaces everything), as Oxigraph does. Enabled only when the server
    has an update token; writes need the token.
    """
    if not current_app.config.get("SPACEKG_UPDATE_TOKEN"):
        raise ProtocolError(404, "the Graph Store Protocol is disabled on this server "
                                 "(start it with --update-token)")
    graph = _one(request.args.getlist("graph"), "graph")
    default = "default" in request.args
    if graph is not None and default:
        raise ProtocolError(400, "use either ?graph=IRI or ?default, not both")
    if graph is not None and not urlsplit(graph).scheme:
        raise ProtocolError(400, f"graph must be an absolute IRI: {graph!r}")
    whole = graph is None and not default
    store = get_store()
    if request.method in ("GET", "HEAD"):
        formats = DATASET_FORMATS if whole else R.GRAPH_FORMATS
        try:
            fmt, media = R.negotiate(formats, request.headers.get("Accept"), request.args.get("format"))
        except R.NotAcceptable as exc:
            raise ProtocolError(406, str(exc)) from None
        import pyoxigraph as ox

        if whole:
            quads = list(store.store.quads_for_pattern(None, None, None)) if hasattr(store, "store") \
                else None
            if quads is None:
                raise ProtocolError(501, "dataset download is only available on the embedded store")
            body = ox.serialize(quads, format=fmt.ox_format)
        else:
            try:
                triples = store.graph_triples(graph)
            except KeyError:
                raise ProtocolError(404, f"no graph <{graph}>") from None
            body = ox.serialize(triples, format=fmt.ox_format)
        return Response(body if request.method == "GET" else b"", status=200,
                        content_type=media + "; charset=utf-8")
    _require_write()
    if not store.updatable:
        raise ProtocolError(403, "the store behind this server is read-only")
    if request.method == "DELETE":
        if whole:
            raise ProtocolError(400, "DELETE needs ?graph=IRI or ?default")
        try:
            store.drop_graph(graph)
        except KeyError:
            raise ProtocolError(404, f"no graph <{graph}>") from None
        return Response(status=204)
    fmt = rdf_format_for_media_type(request.content_type)
    if fmt is None:
        raise ProtocolError(415, f"unsupported RDF media type {request.content_type!r}")
    _charset_ok()
    data = request.get_data()
    base = graph or request.base_url
    try:
        if whole:
            store.add_quads(data, fmt, base, replace=request.method == "PUT")
            return Response(status=204)
        existed = store.replace_graph(graph, data, fmt, base, append=request.method == "POST")
    except QueryError as exc:
        raise ProtocolError(400, str(exc)) from None
    return Response(status=204 if existed else 201)
