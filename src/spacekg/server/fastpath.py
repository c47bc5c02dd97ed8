"""A WSGI fast path for plain SPARQL queries on ``/sparql`` (see :class:`FastQueryPath`)."""

from __future__ import annotations

import io
import logging
from http import HTTPStatus
from urllib.parse import parse_qs, quote, urlsplit

from spacekg.server.sparql import CORS_HEADERS, FORM_TYPE, QUERY_TYPE, ProtocolError, answer_query, html_only

log = logging.getLogger("spacekg.server.sparql")


class FastQueryPath:
    """WSGI middleware answering plain SPARQL queries on ``/sparql`` without Flask's request
    machinery (about half of the per-request cost). Everything else, and every request it
    is unsure about (updates, odd media types, bodies without Content-Length, bad
    parameters), goes to the Flask app unchanged, so statuses and messages stay the same.

    Args:
        app: the Flask app (config, store, workers, cache).
        wsgi_app: the WSGI callable to fall back to.
    """

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") not in ("/sparql", "/sparql/"):
            return self.wsgi_app(environ, start_response)
        try:
            args = self._parse(environ)
        except (ValueError, UnicodeDecodeError, KeyError):
            args = None
        if args is None:
            return self.wsgi_app(environ, start_response)
        query, dgs, ngs, fparam = args
        try:
            headers, body = answer_query(self.app, query, dgs, ngs, environ.get("HTTP_ACCEPT"), fparam,
                                         self._base_url(environ))
            status = 200
        except ProtocolError as exc:
            status, body = exc.status, (exc.message.rstrip() + "\n").encode()
            headers = [("Content-Type", "text/plain; charset=utf-8"), *CORS_HEADERS.items(),
                       *exc.headers.items()]
        except Exception:
            log.exception("internal error on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            status, body = 500, b"internal server error (logged on the server)\n"
            headers = [("Content-Type", "text/plain; charset=utf-8"), *CORS_HEADERS.items()]
        headers = [*headers, ("Content-Length", str(len(body))), ("X-Content-Type-Options", "nosniff")]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    def _parse(self, environ):
        """``(query, default graphs, named graphs, format)`` or ``None`` to let Flask decide."""
        method = environ.get("REQUEST_METHOD")
        if method == "GET" and html_only(environ.get("HTTP_ACCEPT")):
            return None  # a browser asking for HTML only: Flask sends it to the query page
        qs = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True, errors="strict")
        if "update" in qs:
            return None
        if method == "GET":
            params = qs
        elif method == "POST":
            mt, _, rest = (environ.get("CONTENT_TYPE") or "").partition(";")
            mt = mt.strip().lower()
            if mt not in (FORM_TYPE, QUERY_TYPE) or "charset" in rest.lower() and \
                    rest.lower().split("charset=", 1)[1].strip().strip('"') not in ("utf-8", "utf8"):
                return None
            length = environ.get("CONTENT_LENGTH")
            limit = self.app.config.get("MAX_CONTENT_LENGTH")
            if not length or (limit and int(length) > limit) or environ.get("HTTP_AUTHORIZATION"):
                return None
            raw = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(raw)  # for the fallback
            if mt == FORM_TYPE:
                form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
                if "update" in form:
                    return None
                params = {k: qs.get(k, []) + form.get(k, []) for k in set(qs) | set(form)}
            else:
                if "query" in qs:
                    return None
                params = dict(qs, query=[raw.decode("utf-8")])
        else:
            return None
        queries = params.get("query", [])
        if len(queries) != 1:
            return None
        dgs, ngs = params.get("default-graph-uri"), params.get("named-graph-uri")
        for g in (dgs or []) + (ngs or []):
            if not urlsplit(g).scheme:
                return None
        fparam = (params.get("format") or params.get("output") or [None])[0]
        return queries[0], dgs, ngs, fparam

    @staticmethod
    def _base_url(environ) -> str:
        host = environ.get("HTTP_HOST")
        if not host:
            host = environ.get("SERVER_NAME", "localhost")
            port = environ.get("SERVER_PORT")
            if port and port not in ("80", "443"):
                host += ":" + port
        path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{path}"
