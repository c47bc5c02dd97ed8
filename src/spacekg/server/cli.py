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
@click.option("--threads", default=8, show_default=True, type=int, help="waitress threads per process.")
@click.option("--workers", default=0, type=int,
              help="Server processes sharing the port, each with the on-disk store opened read-only "
                   "[default: one per CPU (at most 4) when the store is on disk and updates are off, "
                   "else 1]. Updates, in-memory --data and --store-url use one process.")
@click.option("--cache-mb", default=64.0, show_default=True, type=float,
              help="Size of the query-answer cache per process (0: off); cleared on every write.")
def serve(host, port, port_fallback, check_port, data, store_dir, store_url, update_url, build_dir, update_token, timeout,
          max_rows, default_graph, allow_service, max_body, threads, workers, cache_mb):
    """Serve the graph over the SPARQL 1.1 Protocol (at /sparql) and the browser."""
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
    }
    multi_ok = not store_url and not update_token and (store_dir or not data)
    if workers <= 0:
        workers = min(os.cpu_count() or 1, 4) if multi_ok else 1
    elif workers > 1 and not multi_ok:
        click.echo("spacekg: --workers > 1 needs the on-disk store with updates off; using 1", err=True)
        workers = 1
    channel_timeout = max(120, int(timeout) + 30)
    if workers > 1:
        _serve_workers(config, host, port, workers, threads, channel_timeout)
        return
    app = create_app(config)
    get_store(app)  # load now: errors and loading time before listening
    try:
        server = waitress.create_server(app, host=host, port=port, threads=threads, ident="spacekg",
                                        clear_untrusted_proxy_headers=True, channel_timeout=channel_timeout)
    except OSError as exc:
        raise _bind_error(host, port, exc) from None
    _announce(host, port)
    try:
        server.run()
    except KeyboardInterrupt:
        pass


def _bind_error(host: str, port: int, exc: OSError) -> SpacekgError:
    if exc.errno == errno.EADDRINUSE:
        return SpacekgError(busy_message(host, port))
    return SpacekgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _serve_workers(config: dict, host: str, port: int, workers: int, threads: int, channel_timeout: int):
    """Load the store here, then run ``workers`` processes (spacekg.server.worker) on one socket.

    SIGTERM/SIGINT stop the workers; a worker that dies stops the others (exit code 2).
    """
    import json
    import signal
    import socket
    import subprocess
    import sys

    env = dict(os.environ, SPACEKG_WORKER_CONFIG=json.dumps(config))
    # (re)load the on-disk store in a short-lived process: the bulk loader's memory goes with it
    load = subprocess.run([sys.executable, "-m", "spacekg.server.worker", "--load-only"], env=env,
                          stderr=subprocess.PIPE, text=True)
    if load.returncode:
        raise SpacekgError(load.stderr.strip().removeprefix("error: ") or "loading the store failed")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise _bind_error(host, port, exc) from None
    sock.listen(1024)
    sock.set_inheritable(True)

    def die_with_parent():  # Linux: a worker gets SIGTERM when this process dies
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
        except OSError:
            pass

    procs: list = []
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)
        for p in procs:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)  # before any worker exists: none can be orphaned
    signal.signal(signal.SIGINT, stop)
    procs += [subprocess.Popen([sys.executable, "-m", "spacekg.server.worker", "--fd", str(sock.fileno()),
                               "--threads", str(threads), "--channel-timeout", str(channel_timeout)],
                              pass_fds=(sock.fileno(),), env=env, preexec_fn=die_with_parent)
             for _ in range(workers)]
    if stopping:  # a signal came while the workers were starting
        stop(None, None)
    _announce(host, port, f" with {workers} worker processes")
    code = 0
    while any(p.poll() is None for p in procs):
        for p in procs:
            if p.poll() is not None and not stopping:
                click.echo(f"spacekg: worker {p.pid} exited with {p.returncode}; stopping", err=True)
                code = 2
                stop(None, None)
        try:
            procs[0].wait(0.5) if procs[0].poll() is None else next(
                (q.wait(0.5) for q in procs if q.poll() is None), None)
        except subprocess.TimeoutExpired:
            pass
    if code:
        raise SystemExit(code)


COMMANDS = [serve]
