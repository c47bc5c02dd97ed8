"""The remote store's protocol details, against a minimal local SPARQL server: credentials
from the URL answered with Basic when the store asks for Basic, GET for short queries and
form-encoded POST for long ones, Virtuoso's ASK and blank-node forms, clear errors."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from spacekg.server.remote import RemoteStore, split_credentials
from spacekg.server.store import QueryError, StoreUnavailable

SEEN: list[tuple[str, str, dict]] = []


class Handler(BaseHTTPRequestHandler):
    """Answers like Virtuoso: ASK as ``__ASK_RETVAL``, blank nodes as ``nodeID://``; needs Basic."""

    def log_message(self, *args):
        pass

    def _answer(self, form: dict):
        if self.headers.get("Authorization") != "Basic " + base64.b64encode(b"ann:s3cr\xc3\xa9t").decode():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
            self.end_headers()
            return
        SEEN.append((self.command, self.headers.get("Content-Type", ""), form))
        q = form.get("query", [""])[0]
        if "syntax error" in q:
            body, status, ctype = b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error", 400, "text/plain"
        elif q.startswith("ASK"):
            body = json.dumps({"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": [
                {"__ASK_RETVAL": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                                  "value": "1"}}]}}).encode()
            status, ctype = 200, "application/sparql-results+json"
        else:
            body = json.dumps({"head": {"vars": ["b", "n"]}, "results": {"bindings": [
                {"b": {"type": "bnode", "value": "nodeID://b1234"},
                 "n": {"type": "literal", "value": str(len(q))}}]}}).encode()
            status, ctype = 200, "application/sparql-results+json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        self._answer(parse_qs(urlsplit(self.path).query))

    def do_POST(self):  # noqa: N802
        n = int(self.headers.get("Content-Length", 0))
        self._answer(parse_qs(self.rfile.read(n).decode("utf-8")))


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_split_credentials():
    assert split_credentials("http://ann:s3cr%C3%A9t@host:8890/sparql-auth") == \
        ("http://host:8890/sparql-auth", ("ann", "s3crét"))
    assert split_credentials("http://host/sparql") == ("http://host/sparql", None)


def test_basic_credentials_get_and_post(server):
    st = RemoteStore(f"http://ann:s3cr%C3%A9t@{server}/sparql", default_graph="store")
    SEEN.clear()
    assert st.ask("ASK { ?s ?p ?o }") is True  # Virtuoso's one-row ASK becomes a boolean
    rows = st.select("SELECT * WHERE { ?s ?p ?o }")
    assert str(rows[0]["b"]) == "b1234"  # nodeID://b1234 became a blank node
    long_query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 3000
    assert int(st.select(long_query)[0]["n"]) == len(long_query)
    methods = [(m, ct.split(";")[0]) for m, ct, _ in SEEN]
    assert methods == [("GET", ""), ("GET", ""), ("POST", "application/x-www-form-urlencoded")]


def test_errors_name_the_cause(server):
    with pytest.raises(StoreUnavailable, match="credentials"):
        RemoteStore(f"http://{server}/sparql", default_graph="store").ask("ASK {}")
    st = RemoteStore(f"http://ann:s3cr%C3%A9t@{server}/sparql", default_graph="store")
    with pytest.raises(QueryError, match="SP030"):
        st.select("SELECT syntax error")
    with pytest.raises(StoreUnavailable, match="read-only"):
        st.update("CLEAR ALL")
