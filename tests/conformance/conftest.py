"""Fixtures for the W3C conformance suites: one `spacekg serve` for all tests of a module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))  # sparql_support

from sparql_support import TOKEN, LiveServer  # noqa: E402
from w3c_support import ROOT  # noqa: E402


@pytest.fixture(scope="session")
def conformance_server(tmp_path_factory):
    """`spacekg serve` with the store's own default graph (as the W3C tests assume), updates and
    the Graph Store Protocol on (test token), no row cap; each test loads its dataset."""
    if not ROOT.is_dir():
        pytest.skip(f"the W3C SPARQL tests are not at {ROOT}")
    d = tmp_path_factory.mktemp("w3c")
    empty = d / "empty.nt"
    empty.write_text("")
    srv = LiveServer(["--data", str(empty), "--default-graph", "store", "--update-token", TOKEN,
                      "--max-rows", "0", "--timeout", "60"], cwd=d)
    yield srv
    srv.stop()
