"""The endpoint as real clients see it: `spacekg serve` (waitress) in a subprocess, SPARQLWrapper
and raw HTTP requests."""

from __future__ import annotations

import json
import os
import time

import pyoxigraph as ox
import pytest
import rdflib
import requests
from sparql_support import SAMPLE, SK, TOKEN, LiveServer
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

LABELS = (f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?l WHERE {{ "
          f"?s a <{SK}ontology#SpaceAgency> ; rdfs:label ?l FILTER(lang(?l) = 'en') }} ORDER BY ?l")
ENTITIES = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{SK}graph/entities> {{ ?s ?p ?o }} }}"


def wrapper(server, fmt, query, method="GET"):
    sw = SPARQLWrapper(server.endpoint)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    sw.setMethod(method)
    return sw.query()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(live_server, method):
    res = wrapper(live_server, JSON, LABELS, method).convert()
    assert [(b["s"]["value"], b["l"]["value"]) for b in res["results"]["bindings"]] == [
        (SK + "resource/jaxa", "JAXA"), (SK + "resource/nasa", "NASA")]


def test_sparqlwrapper_select_xml_csv_tsv(live_server):
    doc = wrapper(live_server, XML, LABELS).convert()  # xml.dom.minidom document
    assert [n.firstChild.data for n in doc.getElementsByTagName("literal")] == ["JAXA", "NASA"]
    csv_text = wrapper(live_server, CSV, LABELS).convert().decode()
    assert csv_text.splitlines()[1:] == [f"{SK}resource/jaxa,JAXA", f"{SK}resource/nasa,NASA"]
    tsv_text = wrapper(live_server, TSV, LABELS).convert().decode()
    assert tsv_text.splitlines()[1] == f'<{SK}resource/jaxa>\t"JAXA"@en'


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(live_server, fmt):
    res = wrapper(live_server, fmt, f"ASK {{ <{SK}resource/jaxa> ?p <{SK}resource/nasa> }}").convert()
    value = res["boolean"] if fmt == JSON else \
        res.getElementsByTagName("boolean")[0].firstChild.data == "true"
    assert value is True
    res = wrapper(live_server, fmt, f"ASK {{ <{SK}resource/nasa> ?p <{SK}resource/slim> }}").convert()
    value = res["boolean"] if fmt == JSON else \
        res.getElementsByTagName("boolean")[0].firstChild.data == "true"
    assert value is False


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD, N3])
def test_sparqlwrapper_construct(live_server, fmt):
    res = wrapper(live_server, fmt, ENTITIES)
    g = res.convert()
    if not isinstance(g, rdflib.Graph):  # TURTLE, N3 come back as bytes
        g = rdflib.Graph().parse(data=g, format="turtle")
    expected = sum(1 for q in ox.parse(path=str(SAMPLE)) if q.graph_name.value == SK + "graph/entities")
    assert len(g) == expected
    assert (rdflib.URIRef(SK + "resource/slim"), rdflib.RDFS.label,
            rdflib.Literal("小型月着陸実証機", lang="ja")) in g


def test_raw_http_errors_and_cors(live_server):
    ep = live_server.endpoint
    r = requests.get(ep, params={"query": "SELECT * WHERE { ?s ?p "}, headers={"Origin": "https://x.example"})
    assert r.status_code == 400 and "error at 1:" in r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = requests.put(ep, data="ASK {}")
    assert r.status_code == 405 and "POST" in r.headers["Allow"]
    r = requests.post(ep, data="ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = requests.get(ep, params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    r = requests.post(ep, data="ASK { " + "#" * (2 << 20) + "\n}",
                      headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413


def test_row_cap_header_over_http(live_server):
    r = requests.get(live_server.endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                     headers={"Origin": "https://x.example"})
    assert r.status_code == 200 and "X-SPARQL-Truncated" not in r.headers
    assert r.headers["X-SPARQL-Max-Rows"] == "1000"
    assert "X-SPARQL-Truncated" in r.headers["Access-Control-Expose-Headers"]


def test_updates_over_http(live_server):
    ep = live_server.endpoint
    u = f'INSERT DATA {{ GRAPH <http://example.org/live> {{ <{SK}resource/live> <{SK}ontology#p> "1" }} }}'
    q = f"ASK {{ <{SK}resource/live> ?p ?o }}"
    assert requests.post(ep, data={"update": u}).status_code == 401
    assert requests.get(ep, params={"update": u}, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 400
    assert requests.get(ep, params={"query": q}).json()["boolean"] is False
    r = requests.post(ep, data={"update": u}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204
    assert requests.get(ep, params={"query": q}).json()["boolean"] is True
    r = requests.post(ep, data={"update": "DROP GRAPH <http://example.org/live>"},
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204


def test_service_to_allowed_host_federates(tmp_path, live_server):
    """SERVICE works for an allowed endpoint (here: the other live server) and only for it."""
    srv = LiveServer(["--data", str(SAMPLE), "--allow-service", "127.0.0.1"], cwd=tmp_path)
    try:
        q = (f"SELECT ?l WHERE {{ SERVICE <{live_server.endpoint}> {{ <{SK}resource/nasa> "
             "<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l) = 'en') } }")
        r = requests.get(srv.endpoint, params={"query": q})
        assert r.status_code == 200, r.text
        assert [b["l"]["value"] for b in r.json()["results"]["bindings"]] == ["NASA"]
        r = requests.get(live_server.endpoint, params={"query": q})  # not allowed there
        assert r.status_code == 403
    finally:
        srv.stop()


def _stamp(store_dir):
    return json.loads((store_dir / "spacekg-source.json").read_text())


def test_on_disk_store_is_reused_and_reloaded_when_the_source_changes(tmp_path):
    data = tmp_path / "d.ttl"
    data.write_text('<http://example.org/a> <http://example.org/p> "one" .\n')
    store = tmp_path / "store"
    q = {"query": "SELECT ?o WHERE { <http://example.org/a> <http://example.org/p> ?o }"}
    srv = LiveServer(["--data", str(data), "--store", str(store)], cwd=tmp_path)
    try:
        assert requests.get(srv.endpoint, params=q).json()["results"]["bindings"][0]["o"]["value"] == "one"
    finally:
        srv.stop()
    first = _stamp(store)
    srv = LiveServer(["--data", str(data), "--store", str(store)], cwd=tmp_path)
    srv.stop()
    assert _stamp(store)["loaded_at"] == first["loaded_at"]  # reused, not reloaded
    time.sleep(0.01)
    data.write_text('<http://example.org/a> <http://example.org/p> "two" .\n')
    os.utime(data)
    srv = LiveServer(["--data", str(data), "--store", str(store)], cwd=tmp_path)
    try:
        vals = [b["o"]["value"] for b in requests.get(srv.endpoint, params=q).json()["results"]["bindings"]]
        assert vals == ["two"]
    finally:
        srv.stop()
    assert _stamp(store)["files"][0]["sha256"] != first["files"][0]["sha256"]
