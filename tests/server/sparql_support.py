"""Constants and helpers shared by the server and conformance tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).parent
SAMPLE = HERE / "data" / "sample.trig"
TOKEN = "test-token-5c1e"
SK = "https://w3id.org/spacekg/"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A `spacekg serve` subprocess on a free port; stopped by its PID."""

    def __init__(self, args: list[str], cwd: Path | None = None, startup: float = 120.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint = self.url + "/sparql"
        exe = shutil.which("spacekg")
        cmd = ([exe] if exe else [sys.executable, "-m", "spacekg"]) + \
            ["serve", "--port", str(self.port), *args]
        self.log = open(Path(cwd or HERE) / f".serve-{self.port}.log", "w+") if cwd else \
            open(os.devnull, "w")
        # own session: stop() can also reap worker processes (serve --workers) by group id
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + startup
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"spacekg serve exited with {self.proc.returncode}: {' '.join(cmd)}")
            try:
                requests.get(self.endpoint, params={"query": "ASK {}"}, timeout=2)
                return
            except (requests.ConnectionError, requests.Timeout):  # a slow start is not a failure
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("spacekg serve did not start in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        try:  # anything left in the server's own process group (its workers)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()
