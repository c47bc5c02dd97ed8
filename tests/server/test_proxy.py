"""docs/deploy/nginx.conf in front of a real `spacekg serve`: the documented deployment works
and sheds slow clients (nginx from Debian; `make system-deps` installs it, else skipped)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sparql_support import SAMPLE, SK, LiveServer, free_port

CONF = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
HEADER_TIMEOUT = 2


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    if NGINX is None:
        pytest.skip("nginx is not installed (make system-deps installs it)")
    d = tmp_path_factory.mktemp("proxy")
    srv = LiveServer(["--data", str(SAMPLE), "--workers", "2", "--timeout", "3"], cwd=d)
    port = free_port()
    conf = CONF.read_text()
    conf = conf.replace("server 127.0.0.1:5000;", f"server 127.0.0.1:{srv.port};")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    conf = conf.replace("/run/nginx-spacekg.pid", str(d / "nginx.pid"))
    conf = conf.replace("/tmp/nginx-spacekg-", str(d / "nginx-"))
    conf = re.sub(r"client_header_timeout \d+s", f"client_header_timeout {HEADER_TIMEOUT}s", conf)
    conf = conf.replace("worker_processes auto;", "worker_processes 1;")
    (d / "nginx.conf").write_text(conf)
    log = open(d / "nginx.log", "w+")
    proc = subprocess.Popen([NGINX, "-c", str(d / "nginx.conf"), "-p", str(d), "-g", "daemon off;"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"nginx exited: {log.read()[-2000:]}")
            try:
                requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url, port
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGQUIT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()
        srv.stop()


def _ordinary(url: str) -> requests.Response:
    q = f"SELECT ?l WHERE {{ <{SK}resource/jaxa> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    return requests.get(url + "/sparql", params={"query": q}, timeout=10,
                        headers={"Accept": "application/sparql-results+json"})


def test_queries_and_pages_through_the_proxy(proxied):
    url, _ = proxied
    r = _ordinary(url)
    assert r.status_code == 200 and r.json()["results"]["bindings"]
    assert requests.get(url + "/resource/jaxa", timeout=10).status_code == 200
    r = requests.post(url + "/sparql", data=b"SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
                      headers={"Content-Type": "application/sparql-query"}, timeout=10)
    assert r.status_code == 403


def test_half_sent_headers_are_dropped_and_others_served(proxied):
    url, port = proxied
    socks = []
    try:
        for _ in range(250):
            s = socket.create_connection(("127.0.0.1", port), timeout=HEADER_TIMEOUT + 5)
            s.sendall(b"GET /sparql HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            socks.append(s)
        t0 = time.monotonic()
        assert _ordinary(url).status_code == 200
        assert time.monotonic() - t0 < 2
        # nginx closes them after client_header_timeout (with 408 or nothing)
        got = socks[0].recv(1024)
        assert got == b"" or b"408" in got
        assert time.monotonic() - t0 < HEADER_TIMEOUT + 4
    finally:
        for s in socks:
            s.close()


def test_one_client_cannot_hold_every_query_worker(proxied):
    from concurrent.futures import ThreadPoolExecutor

    url, _ = proxied
    bomb = b"SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"

    def send(_):
        return requests.post(url + "/sparql", data=bomb, timeout=30,
                             headers={"Content-Type": "application/sparql-query"}).status_code

    with ThreadPoolExecutor(6) as ex:
        statuses = list(ex.map(send, range(6)))
    assert statuses.count(429) >= 2, statuses  # nginx: at most 4 queries at once per address
    assert set(statuses) <= {429, 503}, statuses  # the others stopped by spacekg's timeout
    assert _ordinary(url).status_code == 200


# ---------------------------------------------------------------- TLS and absolute URLs

@pytest.fixture(scope="module")
def tls_proxied(tmp_path_factory):
    """The same nginx.conf terminating TLS (a self-signed certificate) in front of
    `spacekg serve --trusted-proxy 127.0.0.1`; yields (https URL, the server)."""
    openssl = shutil.which("openssl")
    if NGINX is None or openssl is None:
        pytest.skip("nginx or openssl is not installed (make system-deps installs nginx)")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    srv = LiveServer(["--data", str(SAMPLE), "--trusted-proxy", "127.0.0.1"], cwd=d)
    port = free_port()
    conf = CONF.read_text()
    conf = conf.replace("server 127.0.0.1:5000;", f"server 127.0.0.1:{srv.port};")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port} ssl; ssl_certificate {d}/cert.pem; "
                                      f"ssl_certificate_key {d}/key.pem;")
    conf = conf.replace("/run/nginx-spacekg.pid", str(d / "nginx.pid"))
    conf = conf.replace("/tmp/nginx-spacekg-", str(d / "nginx-"))
    conf = conf.replace("worker_processes auto;", "worker_processes 1;")
    (d / "nginx.conf").write_text(conf)
    log = open(d / "nginx.log", "w+")
    proc = subprocess.Popen([NGINX, "-c", str(d / "nginx.conf"), "-p", str(d), "-g", "daemon off;"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"https://localhost:{port}"
    try:
        for _ in range(100):
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"nginx exited: {log.read()[-2000:]}")
            try:
                requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=2, verify=False)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url, srv
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGQUIT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()
        srv.stop()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_absolute_urls_behind_tls(tls_proxied):
    url, srv = tls_proxied
    manifest = requests.get(url + "/reconcile", timeout=10, verify=False).json()
    assert manifest["preview"]["url"] == url + "/reconcile/preview?id={{id}}"
    assert manifest["suggest"]["entity"]["service_url"] == url + "/reconcile"
    void = requests.get(url + "/void", headers={"Accept": "application/n-triples"}, timeout=10, verify=False).text
    assert f"<{url}/sparql>" in void and f"<{url}/dump/spacekg.nq>" in void
    # straight to the server, the proxy's headers are taken only from the trusted address
    direct = requests.get(srv.url + "/reconcile", timeout=10).json()
    assert direct["preview"]["url"].startswith(srv.url + "/")


def test_forwarded_headers_ignored_without_trusted_proxy(proxied):
    """Without --trusted-proxy (the default) a client cannot choose the server's absolute URLs."""
    url, _ = proxied
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    manifest = requests.get(url + "/reconcile", headers=forged, timeout=10).json()
    assert manifest["preview"]["url"].startswith("http://127.0.0.1"), manifest["preview"]
    assert "evil.example" not in requests.get(url + "/void", headers=forged, timeout=10).text
