"""One worker process of ``spacekg serve --workers N``.

The parent process has the on-disk store (re)loaded by ``--load-only`` (a separate process,
so that the loader's memory is returned to the system), binds the listening socket and starts N of these
with the socket inherited (``--fd``) and the app config as JSON in ``SPACEKG_WORKER_CONFIG``.
Each worker opens the store read-only and serves with waitress on the shared socket; the
kernel spreads connections over the workers, so queries run on all cores (no shared GIL).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket


def main(argv=None) -> None:
    """Serve the app on an inherited listening socket (see the module docstring)."""
    import waitress

    from spacekg.server import create_app
    from spacekg.server.store import get_store

    ap = argparse.ArgumentParser()
    ap.add_argument("--fd", type=int)
    ap.add_argument("--load-only", action="store_true",
                    help="(re)load the on-disk store from its sources and exit (run by the parent)")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--channel-timeout", type=int, default=120)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s [worker {os.getpid()}] "
                                                   "%(name)s: %(message)s")
    config = json.loads(os.environ["SPACEKG_WORKER_CONFIG"])
    if args.load_only:
        import sys

        from spacekg.errors import SpacekgError
        from spacekg.server.store import open_store

        try:
            open_store(config).close()
        except SpacekgError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        return
    config["SPACEKG_READ_ONLY"] = True
    app = create_app(config)
    get_store(app)
    sock = socket.socket(fileno=args.fd)
    waitress.serve(app, sockets=[sock], threads=args.threads, ident="spacekg",
                   clear_untrusted_proxy_headers=True, channel_timeout=args.channel_timeout,
                   _quiet=True)


if __name__ == "__main__":
    main()
