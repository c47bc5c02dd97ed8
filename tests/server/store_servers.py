"""Real SPARQL stores for the tests and benchmarks: Virtuoso Open Source (Debian's
``virtuoso-opensource``) and the Oxigraph server, each on free 127.0.0.1 ports with its own
database directory, stopped by PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
OXIGRAPH = shutil.which("oxigraph")
VAD_DIR = "/usr/share/virtuoso-opensource-7/vad/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {d}
VADInstallDir = {vad}
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}/vsp
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
"""


class VirtuosoServer:
    """``virtuoso-t`` on free ports over a fresh database in ``directory``; stopped by PID.

    The anonymous SPARQL user may update (``GRANT SPARQL_UPDATE TO "SPARQL"`` through isql as
    ``dba``), so ``/sparql`` takes SPARQL Update and ``/sparql-graph-crud`` the Graph Store
    Protocol. Attributes: ``sparql`` (query and update endpoint), ``graph_store``, ``pid``.

    Args:
        directory: an empty directory for the database, its log and virtuoso.ini.
        memory_mib: buffer pool (Virtuoso's guide: about 2/3 of the memory it may use).
    """

    def __init__(self, directory: Path, memory_mib: int = 256):
        if VIRTUOSO is None or ISQL is None:
            raise RuntimeError("virtuoso-t or isql-vt is not installed (apt-get install virtuoso-opensource)")
        self.dir = Path(directory)
        (self.dir / "vsp").mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = free_port(), free_port()
        buffers = max(2000, memory_mib * 1024 // 8 * 2 // 3)  # 8 KiB pages
        (self.dir / "virtuoso.ini").write_text(VIRTUOSO_INI.format(
            d=self.dir, sql_port=self.sql_port, http_port=self.http_port, buffers=buffers,
            dirty=buffers * 3 // 4, vad=VAD_DIR), encoding="utf-8")
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.sparql = self.url + "/sparql"
        self.graph_store = self.url + "/sparql-graph-crud"
        self.log = open(self.dir / "stdout.log", "w")
        self.proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(self.dir / "virtuoso.ini")],
                                     cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                raise RuntimeError(f"virtuoso-t exited with {self.proc.returncode}: "
                                   + (self.dir / "stdout.log").read_text()[-2000:])
            try:
                r = requests.get(self.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=2)
                if r.status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError("virtuoso-t did not start in 120 s")
        self.isql('GRANT SPARQL_UPDATE TO "SPARQL";')

    def isql(self, sql: str) -> str:
        """Run SQL as ``dba`` (the fresh database's default password) through isql."""
        out = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={sql}"],
                             capture_output=True, text=True, timeout=600)
        if out.returncode or "*** Error" in out.stdout + out.stderr:
            raise RuntimeError(f"isql failed: {out.stdout[-1000:]} {out.stderr[-1000:]}")
        return out.stdout

    def bulk_load(self, nquads: Path) -> None:
        """Virtuoso's bulk loader (ld_dir + rdf_loader_run) on one N-Quads file; the graph
        names come from the quads."""
        dest = self.dir / "load"
        dest.mkdir(exist_ok=True)
        shutil.copy(nquads, dest / "data.nq")
        self.isql(f"ld_dir('{dest}', 'data.nq', 'http://localhost/unused'); rdf_loader_run(); checkpoint;")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


class OxigraphServer:
    """``oxigraph serve`` on a free port over ``location`` (loaded with ``files`` first);
    stopped by PID. Endpoints: ``query``, ``update``, ``graph_store`` (``/store``)."""

    def __init__(self, location: Path, files=(), union: bool = True):
        if OXIGRAPH is None:
            raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
        if files:
            subprocess.run([OXIGRAPH, "load", "--location", str(location),
                            *sum((["--file", str(f)] for f in files), [])],
                           check=True, capture_output=True, timeout=600)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.query, self.update, self.graph_store = self.url + "/query", self.url + "/update", self.url + "/store"
        args = [OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"]
        if union:
            args.append("--union-default-graph")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        for _ in range(600):
            try:
                requests.get(self.query, params={"query": "ASK {}"}, timeout=2)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("oxigraph serve did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            self.proc.wait(10)
