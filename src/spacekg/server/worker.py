"""``python -m spacekg.server.worker --load-only``: (re)load the on-disk store and exit.

Run by ``spacekg serve`` before it opens the store read-only in every process (the server
process and the query workers of :mod:`spacekg.server.querypool`), so that the bulk loader's
memory is returned to the system. The app configuration comes as JSON in
``SPACEKG_WORKER_CONFIG``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys


def main(argv=None) -> None:
    """Load the store the configuration names (see the module docstring); exit 2 on failure."""
    from spacekg.errors import SpacekgError
    from spacekg.server.store import open_store

    ap = argparse.ArgumentParser()
    ap.add_argument("--load-only", action="store_true", required=True,
                    help="(re)load the on-disk store from its sources and exit")
    ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = json.loads(os.environ["SPACEKG_WORKER_CONFIG"])
    try:
        open_store(config).close()
    except SpacekgError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
