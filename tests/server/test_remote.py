"""A real Oxigraph server behind `spacekg serve --store-url`: same answers, same safety."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pytest
import rdflib
import requests
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from sparql_support import SAMPLE, SK, TOKEN, LiveServer, free_port

from spacekg.server import create_app
from spacekg.server.store import RemoteStore, get_store

OXIGRAPH = shutil.which("oxigraph")
pytestmark = pytest.mark.skipif(OXIGRAPH is None, reason="the `oxigraph` server binary (pip install oxigraph) is absent")
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class OxigraphServer:
    """`oxigraph serve` on a free port over a store loaded with ``files``; stopped by PID."""

    def __init__(self, location, files, union=True):
        subprocess.run([OXIGRAPH, "load", "--location", str(location), *sum((["--file", str(f)] for f in files), [])],
                       check=True, capture_output=True, timeout=600)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"]
        if union:
            args.append("--union-default-graph")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                requests.get(self.url + "/query", params={"query": "ASK {}"}, timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("oxigraph serve did not start")

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    srv = OxigraphServer(tmp_path_factory.mktemp("oxi") / "db", [SAMPLE])
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def remote_server(oxigraph, tmp_path_factory):
    srv = LiveServer(["--store-url", oxigraph.url + "/query", "--update-url", oxigraph.url + "/update",
                      "--update-token", TOKEN], cwd=tmp_path_factory.mktemp("remote"))
    yield srv
    srv.stop()


QUERIES = [
    "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?s ?l",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    f"SELECT ?x WHERE {{ <{SK}resource/pressurized-rover> <{SK}ontology#partOf>+ ?x }} ORDER BY ?x",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    f"ASK {{ <{SK}resource/jaxa> ?p <{SK}resource/nasa> }}",
]


@pytest.mark.parametrize("query", QUERIES)
def test_same_answers_as_embedded(live_server, remote_server, query):
    a = requests.get(live_server.endpoint, params={"query": query}).json()
    b = requests.get(remote_server.endpoint, params={"query": query}).json()
    assert a == b
    assert a.get("boolean") is True or a["results"]["bindings"]


def test_construct_same_graph(live_server, remote_server):
    q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{SK}graph/evidence> {{ ?s ?p ?o }} }}"
    ga = rdflib.Graph().parse(data=requests.get(live_server.endpoint, params={"query": q}).text, format="turtle")
    gb = rdflib.Graph().parse(data=requests.get(remote_server.endpoint, params={"query": q}).text, format="turtle")
    assert len(ga) == len(gb) > 0
    assert isomorphic(ga, gb)


def test_errors_pass_through(remote_server):
    r = requests.get(remote_server.endpoint, params={"query": "SELECT * WHERE { ?s "})
    assert r.status_code == 400 and "1:" in r.text
    r = requests.get(remote_server.endpoint, params={
        "query": "SELECT * WHERE { SERVICE <https://evil.example/> { ?s ?p ?o } }"})
    assert r.status_code == 403


def test_accessor_bindings_are_safe(oxigraph):
    app = create_app({"SPACEKG_STORE_URL": oxigraph.url + "/query"})
    with app.app_context():
        st = get_store()
        assert isinstance(st, RemoteStore)
        q = "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l) = 'en') }"
        rows = st.select(q, {"s": URIRef(SK + "resource/jaxa")})
        assert rows == [{"l": Literal("JAXA", lang="en")}]
        evil = Literal('x" } } ; DROP ALL ; SELECT * { ?s ?p "')
        assert st.select("SELECT ?s WHERE { ?s ?p ?o }", {"o": evil}) == []
        assert st.ask("ASK { ?s ?p ?l }", {"l": Literal("JAXA", lang="en")}) is True
        g = st.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                         {"g": URIRef(SK + "graph/inferred")})
        assert len(g) == 2
        with pytest.raises(ValueError):
            from spacekg.server.sparqltext import ntriples_term

            ntriples_term(URIRef("http://x/> } DROP ALL"))
    # the data is intact
    n = requests.get(oxigraph.url + "/query", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                     headers={"Accept": "application/sparql-results+json"}).json()
    assert int(n["results"]["bindings"][0]["n"]["value"]) > 0


def test_updates_and_graph_store_through_remote(remote_server, oxigraph):
    g = "http://example.org/remote-gsp"
    u = f'INSERT DATA {{ GRAPH <{g}> {{ <http://example.org/a> <http://example.org/p> "u" }} }}'
    assert requests.post(remote_server.endpoint, data={"update": u}).status_code == 401
    assert requests.post(remote_server.endpoint, data={"update": u}, headers=AUTH).status_code == 204
    r = requests.get(oxigraph.url + "/query", params={"query": f"ASK {{ GRAPH <{g}> {{ ?s ?p \"u\" }} }}"},
                     headers={"Accept": "application/sparql-results+json"})
    assert r.json()["boolean"] is True
    r = requests.put(remote_server.url + "/store", params={"graph": g},
                     data="<http://example.org/b> <http://example.org/p> 1 .",
                     headers={**AUTH, "Content-Type": "text/turtle"})
    assert r.status_code == 204
    r = requests.get(remote_server.url + "/store", params={"graph": g}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.text.count("\n") == 1 and "example.org/b" in r.text
    assert requests.delete(remote_server.url + "/store", params={"graph": g}, headers=AUTH).status_code == 204


def test_store_down_is_502(tmp_path):
    port = free_port()
    app = create_app({"SPACEKG_STORE_URL": f"http://127.0.0.1:{port}/query", "TESTING": True})
    r = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert r.status_code == 502
    assert "cannot be reached" in r.get_data(as_text=True)
