"""End-to-end fixtures: a real build, ``spacekg serve`` on a free port, headless Chromium.

The build is ``build/spacekg.nq`` when it exists (or ``SPACEKG_E2E_BUILD``), else a fresh
``spacekg build`` into a temporary folder. The server runs as a subprocess on 127.0.0.1 and
is stopped by its PID. Chromium is Debian's (``/usr/bin/chromium``) driven by Playwright;
Playwright is pip-installed when missing. Run with ``pytest -m e2e tests/e2e``.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from spacekg.config import ROOT

CHROMIUM = os.environ.get("SPACEKG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)


def _ensure_playwright():
    try:
        return importlib.import_module("playwright.sync_api")
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "playwright"], check=True)
        return importlib.import_module("playwright.sync_api")


def _ensure_chromium() -> str:
    if not Path(CHROMIUM).exists() and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def chromium_launch() -> tuple[str, list[str]]:
    """``(executable, args)`` to launch another Chromium (a test with its own environment)."""
    return _ensure_chromium(), CHROMIUM_ARGS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def build_file(tmp_path_factory) -> Path:
    given = os.environ.get("SPACEKG_E2E_BUILD")
    if given:
        return Path(given)
    default = ROOT / "build" / "spacekg.nq"
    if default.is_file():
        return default
    out = tmp_path_factory.mktemp("e2e-build")
    subprocess.run([sys.executable, "-m", "spacekg", "build", "--out", str(out)], check=True, cwd=ROOT)
    return out / "spacekg.nq"


@pytest.fixture(scope="session")
def server(build_file, tmp_path_factory):
    """Base URL of a running ``spacekg serve`` (stopped by PID at the end)."""
    if not (ROOT / "src/spacekg/server/static/vendor/yasgui.min.js").is_file():
        pytest.fail("vendor files missing: run `npm ci && node copy-vendor.js` in server/")
    port = _free_port()
    log = tmp_path_factory.mktemp("e2e-serve") / "serve.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "spacekg", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--data", str(build_file)], stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=10) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"spacekg serve did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.5)
    yield url
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="session")
def browser():
    sync_api = _ensure_playwright()
    exe = _ensure_chromium()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    """A fresh page; console errors, failed requests and CSP violations are collected in
    ``page.problems``."""
    ctx = browser.new_context(locale="ja-JP")
    pg = ctx.new_page()
    pg.problems = []
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
    pg.on("pageerror", lambda e: pg.problems.append(f"pageerror: {e}"))
    pg.on("response", lambda r: r.status >= 400 and pg.problems.append(f"{r.status} {r.url}"))
    pg.set_default_timeout(20000)
    yield pg
    ctx.close()
