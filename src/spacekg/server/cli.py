"""``spacekg serve``: the SPARQL endpoint and browser on a production WSGI server (waitress)."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import click

from spacekg.errors import SpacekgError
from spacekg.server.ports import FALLBACK_TRIES, busy_message, free_port

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
DEFAULT_PORT = 8000


def choose_port(host: str, port: int, fallback: bool) -> int:
    """``port`` if it is free; with ``fallback`` the first free one of the next ports.

    Raises:
        SpacekgError: no free port (exit code 2), with how to choose another.
    """
    chosen = free_port(host, port, fallback)
    if chosen is None:
        raise SpacekgError(busy_message(host, port))
    if chosen != port:
        click.echo(f"spacekg: port {port} is busy; using {chosen}", err=True)
    return chosen


def display_urls(host: str, port: int) -> tuple[str, str]:
    """(browser URL, SPARQL endpoint URL) to print for a server on ``host:port``."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else \
        f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/", f"http://{shown}:{port}/sparql"


def default_store_dir(build_dir: str) -> Path:
    """The on-disk store of a build: beside it, ``build`` → ``build.store`` (never in the cwd)."""
    b = Path(build_dir).resolve()
    return b.with_name(b.name + ".store")


def _announce(host: str, port: int, extra: str = "") -> None:
    browse, endpoint = display_urls(host, port)
    click.echo(f"spacekg: serving{extra} (pid {os.getpid()})\n"
               f"  browser:         {browse}\n"
               f"  SPARQL endpoint: {endpoint}\n"
               f"  stop with Ctrl-C", err=True)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int,
              help="TCP port; a busy port is an error (exit 2) unless --port-fallback.")
@click.option("--port-fallback", is_flag=True,
              help=f"When the port is busy, use the first free one of the next {FALLBACK_TRIES}.")
@click.option("--check-port", is_flag=True,
              help="Only check that the port (or, with --port-fallback, a next one) is free: exit 0 or 2.")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Serve these RDF files (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD) "
                   "instead of the build output; repeatable. In memory unless --store is given.")
@click.option("--store", "store_dir", type=click.Path(file_okay=False),
              help="On-disk store directory [default: beside the build dir, BUILD_DIR.store/].")
@click.option("--store-url", help="Use this SPARQL 1.1 query endpoint as the store instead.")
@click.option("--update-url", help="SPARQL 1.1 update endpoint of the --store-url store.")
@click.option("--build-dir", default="build", show_default=True, type=click.Path(file_okay=False),
              help="Where `spacekg build` wrote spacekg.nq.")
@click.option("--update-token", envvar="SPACEKG_UPDATE_TOKEN",
              help="Bearer token enabling SPARQL Update and the Graph Store Protocol "
                   "[env SPACEKG_UPDATE_TOKEN]; off when absent.")
@click.option("--timeout", default=30.0, show_default=True, type=float,
              help="Query timeout in seconds (0: none).")
@click.option("--max-rows", default=10000, show_default=True, type=int,
              help="Result row cap (0: none); a cut result says so.")
@click.option("--default-graph", "default_graph", multiple=True,
              help="'union' (all graphs, default), 'store' (the store's own default graph) or "
                   "graph IRIs (repeatable) whose union is the default graph.")
@click.option("--allow-service", multiple=True,
              help=f"Endpoint URL or host name SERVICE may call, besides {WIKIDATA_SPARQL}; repeatable.")
@click.option("--max-body", default=1 << 20, show_default=True, type=int,
              help="Request body cap in bytes for reads (authorised writes: 256 MiB).")
@click.option("--threads", default=16, show_default=True, type=int,
              help="HTTP threads of the server process (waitress).")
@click.option("--workers", default=0, type=int,
              help="Query worker processes: every query from outside runs in one of them, killed "
                   "and replaced past the timeout or the memory limit [default: twice the CPUs, "
                   "2 to 8]. Needs the embedded store without updates; with --update-token or "
                   "--store-url queries run in the server process (0 there).")
@click.option("--worker-memory-mb", default=1024, show_default=True, type=int,
              help="Memory limit (RLIMIT_DATA) of each query worker, MiB (0: none); a query "
                   "needing more is stopped (503).")
@click.option("--cache-mb", default=64.0, show_default=True, type=float,
              help="Size of the query-answer cache per process (0: off); cleared on every write.")
@click.option("--trusted-proxy", "trusted_proxy", metavar="ADDR",
              help="Behind a reverse proxy at this address (e.g. 127.0.0.1; '*' for any peer): take "
                   "the scheme, host and port of absolute URLs (reconciliation manifest, VoID, "
                   "links) from its X-Forwarded-Proto/-Host/-Port/-For headers. Off by default: "
                   "those headers are then ignored, whoever sends them.")
def serve(host, port, port_fallback, check_port, data, store_dir, store_url, update_url, build_dir, update_token, timeout,
          max_rows, default_graph, allow_service, max_body, threads, workers, worker_memory_mb, cache_mb,
          trusted_proxy):
    """Serve the graph over the SPARQL 1.1 Protocol (at /sparql) and the browser."""
    import resource

    port = choose_port(host, port, port_fallback)
    if check_port:
        return
    if not data and not store_url:
        nq = Path(build_dir) / "spacekg.nq"
        if not store_dir:
            store_dir = str(default_store_dir(build_dir))
        if not nq.is_file() and not Path(store_dir).is_dir():
            raise SpacekgError(f"nothing to serve: {nq} does not exist; run `spacekg build` (or "
                               "`make run` in the repository), or pass --build-dir DIR or --data FILE…")
    import waitress

    from spacekg.server import create_app
    from spacekg.server.store import get_store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    dg = list(default_graph)
    if not dg or dg == ["union"]:
        dg_conf = "union"
    elif dg == ["store"]:
        dg_conf = "store"
    else:
        dg_conf = dg
    config = {
        "SPACEKG_DATA": list(data) or None,
        "SPACEKG_STORE_DIR": store_dir,
        "SPACEKG_BUILD_DIR": build_dir,
        "SPACEKG_STORE_URL": store_url,
        "SPACEKG_UPDATE_URL": update_url,
        "SPACEKG_UPDATE_TOKEN": update_token or None,
        "SPACEKG_TIMEOUT": timeout,
        "SPACEKG_MAX_ROWS": max_rows,
        "SPACEKG_DEFAULT_GRAPH": dg_conf,
        "SPACEKG_SERVICE_ALLOW": [WIKIDATA_SPARQL, *allow_service],
        "MAX_CONTENT_LENGTH": max_body,
        "SPACEKG_WORKERS": max(16, threads * 2),
        "SPACEKG_CACHE_MB": cache_mb,
        "SPACEKG_WORKER_MEMORY_MB": worker_memory_mb,
    }
    pooled = not store_url and not update_token
    if workers <= 0:
        workers = min(max(2, 2 * (os.cpu_count() or 1)), 8) if pooled else 0
    elif not pooled:
        click.echo("spacekg: query workers need the embedded store with updates off; "
                   "queries run in the server process", err=True)
        workers = 0
    if workers and (store_dir or not data):
        _load_store(config)  # the on-disk store is then opened read-only by every process
        config["SPACEKG_READ_ONLY"] = True
    app = create_app(config)
    get_store(app)  # load now: errors and loading time before listening
    if workers:
        from spacekg.server.querypool import start_pool

        start_pool(app, workers)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 4096):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    conns = max(100, min(1000, resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 2))
    # idle or half-sent connections are closed after channel_timeout s with no data; waitress
    # reads whole requests before a thread handles them, so slow clients hold no thread
    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        try:
            # waitress reads X-Forwarded-* from the trusted proxy only, and strips them otherwise
            proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
                     "trusted_proxy_headers": PROXY_HEADERS} if trusted_proxy else {}
            server = waitress.create_server(app, host=host, port=port, threads=threads, ident="spacekg",
                                            clear_untrusted_proxy_headers=True, connection_limit=conns,
                                            channel_timeout=20, cleanup_interval=5, **proxy)
        except OSError as exc:
            raise _bind_error(host, port, exc) from None
        _announce(host, port, f" with {workers} query workers" if workers else "")
        try:
            server.run()
        except KeyboardInterrupt:
            pass
    finally:
        pool = app.extensions.get("spacekg_pool")
        if pool is not None:
            pool.close()


#: the headers a reverse proxy sets that ``--trusted-proxy`` honours (waitress's names)
PROXY_HEADERS = {"x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-forwarded-for"}


def _bind_error(host: str, port: int, exc: OSError) -> SpacekgError:
    if exc.errno == errno.EADDRINUSE:
        return SpacekgError(busy_message(host, port))
    return SpacekgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _load_store(config: dict) -> None:
    """(Re)load the on-disk store in a short-lived process, so that the bulk loader's memory
    goes back to the system.

    Raises:
        SpacekgError: the load failed (its message).
    """
    import json
    import subprocess
    import sys

    env = dict(os.environ, SPACEKG_WORKER_CONFIG=json.dumps(config))
    load = subprocess.run([sys.executable, "-m", "spacekg.server.worker", "--load-only"], env=env,
                          stderr=subprocess.PIPE, text=True)
    if load.returncode:
        raise SpacekgError(load.stderr.strip().removeprefix("error: ") or "loading the store failed")


@click.command("publish")
@click.option("--store-url", required=True,
              help="SPARQL 1.1 query endpoint of the target store (credentials: http://user:pw@host/…).")
@click.option("--update-url", help="Its SPARQL 1.1 update endpoint [default: --store-url].")
@click.option("--graph-store", "graph_store",
              help="Its Graph Store Protocol endpoint (?graph=); graphs are then PUT instead of "
                   "written with SPARQL Update.")
@click.option("--build-dir", default="build", show_default=True, type=click.Path(file_okay=False),
              help="Where `spacekg build` wrote spacekg.nq.")
@click.option("--chunk", type=int,
              help="Triples per request [default: 50000 through the Graph Store, 500 through Update].")
@click.option("--timeout", default=600.0, show_default=True, type=float,
              help="Seconds to wait for each request.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def publish_cmd(store_url, update_url, graph_store, build_dir, chunk, timeout, quiet):
    """Load the build (BUILD_DIR/spacekg.nq) into a SPARQL 1.1 store, graph by graph, replacing
    what the last publish wrote; `spacekg serve --store-url` then serves it."""
    from pathlib import Path

    from spacekg.errors import SpacekgError
    from spacekg.server.deploy import publish_build
    from spacekg.server.store import QueryError, RemoteStore, StoreUnavailable

    nq = Path(build_dir) / "spacekg.nq"
    if not nq.is_file():
        raise SpacekgError(f"{nq} does not exist: run `spacekg build` first")
    store = RemoteStore(store_url, update_url or store_url, timeout=timeout, graph_store_url=graph_store)

    def say(msg):
        if not quiet:
            click.echo(f"· {msg}", err=True)

    try:
        rep = publish_build(nq, store, chunk=max(1, chunk) if chunk else None, progress=say)
    except (StoreUnavailable, QueryError) as exc:
        raise SpacekgError(f"publishing to {store_url} failed: {exc}") from None
    click.echo(f"published {sum(rep.graphs.values())} triples in {len(rep.graphs)} graphs "
               f"({rep.method}, {rep.requests} requests, {rep.seconds:.1f} s)"
               + (f"; dropped {len(rep.dropped)} graphs no longer built" if rep.dropped else ""))


COMMANDS = [serve, publish_cmd]
