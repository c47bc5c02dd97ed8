"""The spacekg web server: a Flask app factory with the SPARQL endpoint and the browser.

``create_app(test_config)`` builds the app; blueprints: ``sparql`` (``/sparql``, ``/store``,
see :mod:`spacekg.server.sparql`), when present, the browser ``spacekg.server.browse.bp``, and
the reconciliation service ``spacekg.server.reconcile.bp`` (``/reconcile``). All reach the data
through :func:`spacekg.server.store.get_store`.

Configuration keys (defaults in brackets; environment variables of the same name are read
when the key is not given):

- ``SPACEKG_DATA``: list of RDF files to serve instead of the build output [none]
- ``SPACEKG_STORE_DIR``: on-disk store directory [``store/``; in memory with ``SPACEKG_DATA``]
- ``SPACEKG_BUILD_DIR``: where ``spacekg.nq`` is read from [``build``]
- ``SPACEKG_STORE_URL`` / ``SPACEKG_UPDATE_URL``: a remote SPARQL store instead [none]
- ``SPACEKG_DEFAULT_GRAPH``: ``union`` | ``store`` | list of graph IRIs [``union``]
- ``SPACEKG_UPDATE_TOKEN``: bearer token enabling updates and the Graph Store Protocol [none]
- ``SPACEKG_TIMEOUT``: query timeout in seconds [30]
- ``SPACEKG_MAX_ROWS``: result row cap [10000]
- ``SPACEKG_SERVICE_ALLOW``: SERVICE allow-list, URLs or host names
  [``https://query.wikidata.org/sparql``]
- ``MAX_CONTENT_LENGTH``: request body cap in bytes for reads [1 MiB];
  ``SPACEKG_MAX_WRITE_BODY`` for authorised writes [256 MiB]
- ``SPACEKG_WORKERS``: query worker threads [16]
- ``SPACEKG_CACHE_MB``: size of the query-answer cache, cleared on every write [64; off for
  a remote store]
- ``SPACEKG_READ_ONLY``: open the on-disk store read-only (worker processes) [false]
- ``SPACEKG_WORKER_MEMORY_MB``: memory limit (RLIMIT_DATA) of each query worker process, MiB [0: none]

Every query from outside runs under one policy (:mod:`spacekg.server.policy`; accessor
``query_policy(app)``, runner ``run_select(app, query, bindings)``): nesting limit, SERVICE/LOAD
allow-list, timeout, row cap and, when ``spacekg serve`` runs query workers
(:mod:`spacekg.server.querypool`), the memory limit.
"""

from __future__ import annotations

import os

from flask import Flask, request

DEFAULTS = {
    "SPACEKG_DATA": None,
    "SPACEKG_STORE_DIR": None,
    "SPACEKG_BUILD_DIR": "build",
    "SPACEKG_STORE_URL": None,
    "SPACEKG_UPDATE_URL": None,
    "SPACEKG_DEFAULT_GRAPH": "union",
    "SPACEKG_UPDATE_TOKEN": None,
    "SPACEKG_TIMEOUT": 30.0,
    "SPACEKG_MAX_ROWS": 10000,
    "SPACEKG_SERVICE_ALLOW": ["https://query.wikidata.org/sparql"],
    "MAX_CONTENT_LENGTH": 1 << 20,
    "SPACEKG_MAX_WRITE_BODY": 256 << 20,
    "SPACEKG_WORKERS": 16,
    "SPACEKG_CACHE_MB": 64,
    "SPACEKG_READ_ONLY": False,
    "SPACEKG_WORKER_MEMORY_MB": 0,
}


def _from_env(key: str, default):
    raw = os.environ.get(key)
    if raw is None or raw == "":
        return default
    if key in ("SPACEKG_DATA", "SPACEKG_SERVICE_ALLOW"):
        return [p for p in raw.split(os.pathsep if key == "SPACEKG_DATA" else ",") if p]
    if key == "SPACEKG_DEFAULT_GRAPH" and raw not in ("union", "store"):
        return [p for p in raw.split(",") if p]
    if isinstance(default, bool):
        return raw.lower() in ("1", "true", "yes")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app.

    Args:
        test_config: configuration overriding the defaults and the environment (see the
            module docstring for the keys).

    Returns:
        The app, with the ``sparql`` blueprint and (if installed) the browser registered.
        The store is opened lazily on the first request (or by ``get_store(app)``).
    """
    app = Flask(__name__)
    for key, default in DEFAULTS.items():
        app.config[key] = _from_env(key, default)
    if test_config:
        app.config.update(test_config)

    from spacekg.server.sparql import bp as sparql_bp

    app.register_blueprint(sparql_bp)
    from spacekg.server.fastpath import FastQueryPath

    app.wsgi_app = FastQueryPath(app, app.wsgi_app)
    try:
        from spacekg.server import browse
    except ModuleNotFoundError as exc:
        if exc.name != "spacekg.server.browse":
            raise
    else:
        app.register_blueprint(browse.bp)
    from spacekg.server import reconcile

    app.register_blueprint(reconcile.bp)

    @app.before_request
    def _write_body_cap():
        if request.method in ("POST", "PUT") and request.headers.get("Authorization"):
            from spacekg.server.sparql import _authorized

            if _authorized():
                request.max_content_length = int(app.config["SPACEKG_MAX_WRITE_BODY"])

    @app.after_request
    def _allow_header(resp):
        if resp.status_code == 405 and request.path.rstrip("/") in ("/sparql", "/store"):
            resp.headers["Allow"] = ("GET, HEAD, POST, OPTIONS" if request.path.startswith("/sparql")
                                     else "GET, HEAD, PUT, POST, DELETE")
        return resp

    return app
