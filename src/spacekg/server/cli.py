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
@click.option("--threads", default=8, show_default=True, type=int, help="waitress worker threads.")
def serve(host, port, data, store_dir, store_url, update_url, build_dir, update_token, timeout,
          max_rows, default_graph, allow_service, max_body, threads):
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
    }
    app = create_app(config)
    get_store(app)  # load now: errors and loading time before listening
    click.echo(f"spacekg: serving http://{host}:{port}/sparql (pid {os.getpid()})", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="spacekg",
                   clear_untrusted_proxy_headers=True, channel_timeout=max(120, int(timeout) + 30))


COMMANDS = [serve]
