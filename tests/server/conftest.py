"""Fixtures for the server tests: apps on small data, live `spacekg serve` processes, the build."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sparql_support import SAMPLE, TOKEN, LiveServer

from spacekg.server import create_app


@pytest.fixture
def make_app():
    """Factory: an app serving tests/server/data/sample.trig in memory, with the test token."""

    def make(**config):
        base = {"SPACEKG_DATA": [str(SAMPLE)], "SPACEKG_UPDATE_TOKEN": TOKEN, "TESTING": True}
        base.update(config)
        return create_app(base)

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One `spacekg serve --data sample.trig` process for the session (updates enabled)."""
    d = tmp_path_factory.mktemp("live")
    srv = LiveServer(["--data", str(SAMPLE), "--update-token", TOKEN, "--max-rows", "1000"], cwd=d)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def built_nq(tmp_path_factory) -> Path:
    """The real build output: `spacekg build --out <tmp>` run once, else build/spacekg.nq."""
    out = tmp_path_factory.mktemp("build")
    exe = shutil.which("spacekg")
    if exe:
        proc = subprocess.run([exe, "build", "--out", str(out / "b"), "--quiet"], capture_output=True,
                              text=True, timeout=900)
        if proc.returncode == 0 and (out / "b" / "spacekg.nq").is_file():
            return out / "b" / "spacekg.nq"
        reason = f"`spacekg build` failed ({proc.returncode}): {proc.stderr[-500:]}"
    else:
        reason = "`spacekg` is not installed"
    fallback = Path(__file__).resolve().parents[2] / "build" / "spacekg.nq"
    if fallback.is_file():
        return fallback
    pytest.skip(f"no real build: {reason}; and build/spacekg.nq is absent")
