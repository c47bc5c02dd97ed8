"""The same pages from every store: `spacekg serve` over the embedded store and over Virtuoso
(and an Oxigraph server) loaded by `spacekg publish` gives the same HTML and JSON, byte for byte
once the server's own URL is taken out, and the same RDF.

A store returns rows in its own order and names blank nodes its own way, so every list, table,
fact, evidence passage, timeline and search result sorts with ORDER BY (and a tiebreak), and RDF
descriptions relabel their blank nodes from their content (spacekg.server.browse.rdf).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic
from sparql_support import LiveServer
from store_servers import ISQL, OXIGRAPH, VIRTUOSO, OxigraphServer, VirtuosoServer
from test_publish import spacekg

pytestmark = pytest.mark.slow
R = "https://w3id.org/spacekg/resource/"
QUERY = ("PREFIX sk: <https://w3id.org/spacekg/ontology#> "
         "SELECT ?m ?p ?d (COUNT(?x) AS ?n) WHERE { ?m a sk:Mission ; ?p ?d . OPTIONAL { ?m sk:target ?x } "
         "FILTER(isLiteral(?d)) } GROUP BY ?m ?p ?d "
         'ORDER BY STR(?m) STR(?p) STR(?d) LANG(?d) COALESCE(STR(DATATYPE(?d)), "")')
#: the pages the issue names: home, entities, a document, class tables, timeline, search, the
#: graph view's data, reconciliation, the query page; and the RDF descriptions
PAGES = [
    "/", "/resource/slim", "/resource/jaxa", "/resource/jaxa?page=2", "/resource/japan?lang=ja",
    "/document/mext-2018-iss-exploration-subcommittee-interim-summary",
    "/document/mext-2026-03-27-lunar-exploration-followup",
    "/class/Mission", "/class/Organization", "/class/Meeting", "/timeline", "/timeline?lang=ja",
    "/search?q=JAXA", "/search?q=%E3%81%AF%E3%82%84%E3%81%B6%E3%81%95", "/api/search?q=%E6%9C%88",
    "/explore", f"/api/neighbourhood?iri={R}slim&depth=2", f"/api/neighbourhood?iri={R}jaxa",
    "/ontology", "/rule/cax-sco", "/rule/prp-inv2", "/void",
    f"/reconcile/preview?id={R}slim", "/reconcile/suggest/entity?prefix=SL",
    "/reconcile/propose_properties?type=Mission",
    "/reconcile?queries=" + quote('{"q0":{"query":"JAXA"},"q1":{"query":"はやぶさ","type":"Mission"},'
                                  '"q2":{"query":"月","properties":[{"pid":"country","v":"日本"}]}}'),
    "/reconcile?extend=" + quote(f'{{"ids":["{R}slim","{R}hayabusa2"],"properties":[{{"id":"launchDate"}},'
                                 '{"id":"developedBy"},{"id":"target"},{"id":"skos:exactMatch"}]}'),
    "/query?run=1&query=" + quote(QUERY),
    "/resource/slim.ttl", "/resource/slim.nt", "/resource/slim.jsonld", "/resource/slim?format=nq",
    "/resource/slim?format=trig", "/ontology.ttl", "/ontology.nt", "/ontology.jsonld",
]


@pytest.fixture(scope="module")
def embedded(built_nq, tmp_path_factory):
    d = tmp_path_factory.mktemp("parity-embedded")
    srv = LiveServer(["--build-dir", str(built_nq.parent), "--store", str(d / "store")], cwd=d)
    yield srv
    srv.stop()


@pytest.fixture(scope="module", params=["virtuoso", "oxigraph"])
def from_store(request, built_nq, tmp_path_factory):
    """`spacekg serve --store-url` over a store `spacekg publish` loaded with the build."""
    d = tmp_path_factory.mktemp(f"parity-{request.param}")
    if request.param == "virtuoso":
        if VIRTUOSO is None or ISQL is None:
            pytest.skip("virtuoso-t/isql-vt absent: apt-get install virtuoso-opensource")
        store = VirtuosoServer(d / "db", memory_mib=512)
        query, publish = store.sparql, ["--store-url", store.sparql, "--graph-store", store.graph_store]
    else:
        if OXIGRAPH is None:
            pytest.skip("the oxigraph server is absent")
        store = OxigraphServer(d / "db")
        query, publish = store.query, ["--store-url", store.query, "--update-url", store.update]
    try:
        proc = spacekg("publish", *publish, "--build-dir", str(built_nq.parent), "--quiet")
        assert proc.returncode == 0, proc.stderr
        srv = LiveServer(["--store-url", query], cwd=d)
        try:
            yield srv
        finally:
            srv.stop()
    finally:
        store.stop()


def fetch(srv: LiveServer, path: str) -> tuple[int, str]:
    r = requests.get(srv.url + path, timeout=120)
    return r.status_code, r.text.replace(srv.url, "http://SERVER")


@pytest.mark.parametrize("path", PAGES)
def test_same_page_from_every_store(embedded, from_store, path):
    a, b = fetch(embedded, path), fetch(from_store, path)
    assert a[0] == 200, (path, a[1][-500:])
    if a != b:  # the first differing line, for the report
        la, lb = a[1].splitlines(), b[1].splitlines()
        first = next((i for i, (x, y) in enumerate(zip(la, lb, strict=False)) if x != y), min(len(la), len(lb)))
        pytest.fail(f"{path}: {a[0]} vs {b[0]}; line {first + 1}:\n"
                    f"embedded: {la[first][:300] if first < len(la) else '<end>'}\n"
                    f"store:    {lb[first][:300] if first < len(lb) else '<end>'}")


def test_statement_and_curation_pages(embedded, from_store):
    """Provenance pages linked from an entity page (statements, curated statements)."""
    _, page = fetch(embedded, "/resource/slim")
    links = sorted(set(re.findall(r'href="(/(?:statement|curated)/[^"#?]+)"', page)))
    assert any(p.startswith("/statement/") for p in links), links[:5]
    for path in links[:12]:
        assert fetch(embedded, path) == fetch(from_store, path), path


def test_rdf_xml_is_the_same_graph(embedded, from_store):
    """RDF/XML holds the same graph from both stores, and the whole graph (the N-Triples one;
    rdflib's pretty-xml lost the ontology's lists of literals)."""
    for path in ("/resource/slim", "/ontology"):
        a, b = fetch(embedded, path + ".rdf"), fetch(from_store, path + ".rdf")
        assert a[0] == b[0] == 200
        ga, gb = Graph().parse(data=a[1], format="xml"), Graph().parse(data=b[1], format="xml")
        assert isomorphic(ga, gb), path
        assert isomorphic(ga, Graph().parse(data=fetch(embedded, path + ".nt")[1], format="nt")), path


def test_match_v1(embedded, from_store):
    body = {"queries": [{"conditions": [{"matchType": "name", "propertyValue": "SLIM"}]},
                        {"type": "Organization",
                         "conditions": [{"matchType": "name", "propertyValue": "宇宙航空研究開発機構"}]}]}
    a = requests.post(embedded.url + "/reconcile/v1/match", json=body, timeout=60)
    b = requests.post(from_store.url + "/reconcile/v1/match", json=body, timeout=60)
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json() and a.json()["results"][0]["candidates"]
