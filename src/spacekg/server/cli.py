"""``spacekg serve``: the SPARQL endpoint and browser on a production WSGI server (waitress)."""

from __future__ import annotations

import logging
import os

import click

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="TCP port.")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Serve these RDF files (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD) "
                   "instead of the build output; repeatable. In memory unless --store is given.")
@click.option("--store", "store_dir", type=click.Path(file_okay=False),
              help="On-disk store directory [default: store/].")
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
def serve(host, port, data, store_dir, store_url, update_url, build_dir, update_token, timeout,
          max_rows, default_graph, allow_service, max_body, threads, workers, cache_mb):
    """Serve the graph over the SPARQL 1.1 Protocol (at /sparql) and the browser."""
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
    click.echo(f"spacekg: serving http://{host}:{port}/sparql (pid {os.getpid()})", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="spacekg",
                   clear_untrusted_proxy_headers=True, channel_timeout=channel_timeout)


def _serve_workers(config: dict, host: str, port: int, workers: int, threads: int, channel_timeout: int):
    """Load the store here, then run ``workers`` processes (spacekg.server.worker) on one socket.

    SIGTERM/SIGINT stop the workers; a worker that dies stops the others (exit code 2).
    """
    import json
    import signal
    import socket
    import subprocess
    import sys

    from spacekg.errors import SpacekgError

    env = dict(os.environ, SPACEKG_WORKER_CONFIG=json.dumps(config))
    # (re)load the on-disk store in a short-lived process: the bulk loader's memory goes with it
    load = subprocess.run([sys.executable, "-m", "spacekg.server.worker", "--load-only"], env=env,
                          stderr=subprocess.PIPE, text=True)
    if load.returncode:
        raise SpacekgError(load.stderr.strip().removeprefix("error: ") or "loading the store failed")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
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
    click.echo(f"spacekg: serving http://{host}:{port}/sparql with {workers} worker processes "
               f"(pid {os.getpid()})", err=True)
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
