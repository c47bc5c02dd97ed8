"""Fixtures of the browse tests: an app over the real build, or over a small fixture graph.

The real graph (``build/spacekg.nq``, or ``SPACEKG_TEST_BUILD``) is used when it exists;
otherwise :mod:`fixture_graph` writes a small DESIGN.md-conformant graph whose evidence and
mention offsets are real passages of data/sources. ``SPACEKG_TEST_STORE_URL`` runs the same
tests through a remote SPARQL store instead (e.g. ``oxigraph serve-read-only
--union-default-graph`` over the build).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from spacekg.config import ROOT

sys.path.insert(0, str(Path(__file__).parent))


def graph_path(tmp_root: Path) -> tuple[Path, bool]:
    """(N-Quads path, True when it is the real build)."""
    real = Path(os.environ.get("SPACEKG_TEST_BUILD", ROOT / "build" / "spacekg.nq"))
    if real.is_file() and os.environ.get("SPACEKG_TEST_FIXTURE") != "1":
        return real, True
    import fixture_graph

    return fixture_graph.build(tmp_root / "spacekg.nq"), False


@pytest.fixture(scope="session")
def graph(tmp_path_factory):
    return graph_path(tmp_path_factory.mktemp("browse-graph"))


@pytest.fixture(scope="session")
def app(graph):
    from spacekg.server import create_app

    remote = os.environ.get("SPACEKG_TEST_STORE_URL")  # e.g. an Oxigraph server holding the build
    source = {"SPACEKG_STORE_URL": remote} if remote else {"SPACEKG_DATA": [str(graph[0])],
                                                           "SPACEKG_STORE_URL": None}
    return create_app({"TESTING": True, "SPACEKG_BASE": "https://w3id.org/spacekg/", **source})


@pytest.fixture()
def client(app):
    return app.test_client()
