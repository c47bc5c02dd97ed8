"""`spacekg serve` start-up: a busy port is a clear error (exit 2, no traceback) or, with
--port-fallback, the next free port; the browser's and the endpoint's URLs are printed; no
stray store/ folder when there is nothing to serve; the store lives beside the build."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from spacekg.config import ROOT
from spacekg.server.cli import default_store_dir, display_urls

SAMPLE = Path(__file__).parent / "data" / "sample.trig"


def _spacekg(args, cwd, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, "-m", "spacekg", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _listening():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s, s.getsockname()[1]


def test_busy_port_exits_2_naming_the_port_without_traceback(tmp_path):
    sock, port = _listening()
    with sock:
        r = _spacekg(["serve", "--port", str(port), "--data", str(SAMPLE)], tmp_path)
        assert r.returncode == 2
        assert f"port {port}" in r.stderr and "--port N" in r.stderr and "PORT=N" in r.stderr
        assert "Traceback" not in r.stderr and "OSError" not in r.stderr
        r = _spacekg(["serve", "--port", str(port), "--check-port"], tmp_path)
        assert r.returncode == 2 and f"port {port}" in r.stderr
        r = _spacekg(["serve", "--port", str(port), "--port-fallback", "--check-port"], tmp_path)
        assert r.returncode == 0 and f"port {port} is busy; using " in r.stderr
    assert not (tmp_path / "store").exists()


def test_nothing_to_serve_leaves_no_store_folder(tmp_path):
    r = _spacekg(["serve", "--port", "0"], tmp_path)
    assert r.returncode == 2 and "nothing to serve" in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_serve_prints_browser_and_endpoint_urls(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "spacekg", "serve", "--port", str(port), "--data", str(SAMPLE)],
                            cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        lines, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "SPARQL endpoint" in line:
                break
        out = "".join(lines)
        assert f"browser:         http://127.0.0.1:{port}/\n" in out, out
        assert f"SPARQL endpoint: http://127.0.0.1:{port}/sparql" in out, out
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    assert not (tmp_path / "store").exists()


def test_store_beside_the_build_and_display_urls(tmp_path):
    assert default_store_dir(str(tmp_path / "build")) == tmp_path / "build.store"
    assert display_urls("0.0.0.0", 8000) == ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/sparql")
    assert display_urls("::1", 8000)[1] == "http://[::1]:8000/sparql"
