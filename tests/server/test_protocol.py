"""SPARQL 1.1 Protocol behaviour of /sparql and /store, in process (Flask test client)."""

from __future__ import annotations

import csv
import io
import json
import time
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import rdflib
from sparql_support import SAMPLE, SK, TOKEN

SELECT_ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
LABEL_Q = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
           f"SELECT ?l WHERE {{ <{SK}resource/slim> rdfs:label ?l }} ORDER BY ?l")
N_QUADS = sum(1 for _ in ox.parse(path=str(SAMPLE)))
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def bindings(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return json.loads(resp.get_data())["results"]["bindings"]


def count(client, query, **params):
    resp = client.get("/sparql", query_string={"query": query, **params})
    rows = bindings(resp)
    return int(rows[0]["n"]["value"])


# ------------------------------------------------------------------ query forms and methods


def test_get_post_form_and_post_direct_agree(client):
    a = bindings(client.get("/sparql", query_string={"query": LABEL_Q}))
    b = bindings(client.post("/sparql", data={"query": LABEL_Q}))
    c = bindings(client.post("/sparql", data=LABEL_Q.encode(), content_type="application/sparql-query"))
    assert a == b == c
    labels = {(r["l"]["value"], r["l"].get("xml:lang")) for r in a}
    assert labels == {("小型月着陸実証機", "ja"), ("Smart Lander for Investigating Moon", "en")}


def test_default_graph_is_union_of_all_named_graphs(client):
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == N_QUADS
    # every named graph also reachable with GRAPH
    graphs = bindings(client.get("/sparql", query_string={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"}))
    assert [r["g"]["value"] for r in graphs] == sorted(
        SK + "graph/" + n for n in ("ontology", "entities", "stated", "evidence", "mentions", "inferred"))


def test_default_graph_configurable(make_app):
    stated = SK + "graph/stated"
    c = make_app(SPACEKG_DEFAULT_GRAPH=[stated, SK + "graph/inferred"]).test_client()
    assert count(c, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 5 + 2
    c = make_app(SPACEKG_DEFAULT_GRAPH="store").test_client()
    assert count(c, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 0


def test_protocol_dataset_overrides_and_from_is_respected(client):
    stated = SK + "graph/stated"
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(client, q, **{"default-graph-uri": stated}) == 5
    # FROM in the query wins over the server's union default
    assert count(client, f"SELECT (COUNT(*) AS ?n) FROM <{stated}> WHERE {{ ?s ?p ?o }}") == 5
    # named-graph-uri restricts GRAPH ?g
    resp = client.get("/sparql", query_string={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": stated})
    assert [r["g"]["value"] for r in bindings(resp)] == [stated]
    # protocol dataset beats FROM (SPARQL 1.1 Protocol 2.1.4)
    q = f"SELECT (COUNT(*) AS ?n) FROM <{stated}> WHERE {{ ?s ?p ?o }}"
    assert count(client, q, **{"default-graph-uri": SK + "graph/inferred"}) == 2


def test_relative_default_graph_uri_refused(client):
    resp = client.get("/sparql", query_string={"query": "ASK {}", "default-graph-uri": "stated"})
    assert resp.status_code == 400


# ------------------------------------------------------------------ content negotiation


@pytest.mark.parametrize("accept,expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/csv, application/sparql-results+json;q=0.1", "text/csv"),
    ("text/*;q=0.8, application/json;q=0.2", "text/csv"),
    ("application/json", "application/json"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/html, */*;q=0.1", "application/sparql-results+json"),
])
def test_select_negotiation(client, accept, expected):
    headers = {"Accept": accept} if accept else {}
    resp = client.get("/sparql", query_string={"query": LABEL_Q}, headers=headers)
    assert resp.status_code == 200
    assert resp.mimetype == expected
    assert "Accept" in resp.headers["Vary"]


def test_select_formats_carry_same_solutions(client):
    def get(fmt):
        return client.get("/sparql", query_string={"query": LABEL_Q, "format": fmt}).get_data()

    want = [("Smart Lander for Investigating Moon", "en"), ("小型月着陸実証機", "ja")]
    js = json.loads(get("json"))["results"]["bindings"]
    assert [(b["l"]["value"], b["l"]["xml:lang"]) for b in js] == want
    xml = list(ox.parse_query_results(get("xml"), format=ox.QueryResultsFormat.XML))
    assert [(s["l"].value, s["l"].language) for s in xml] == want
    tsv = list(ox.parse_query_results(get("tsv"), format=ox.QueryResultsFormat.TSV))
    assert [(s["l"].value, s["l"].language) for s in tsv] == want
    rows = list(csv.reader(io.StringIO(get("csv").decode())))
    assert rows == [["l"], [want[0][0]], [want[1][0]]]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_native_and_capped_writers_agree(client, fmt):
    """A final LIMIT under the row cap lets pyoxigraph write the answer; without it the
    server's own writer (which can cut rows) does: same solutions either way."""
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    a = client.get("/sparql", query_string={"query": q, "format": fmt}).get_data()
    b = client.get("/sparql", query_string={"query": q + " LIMIT 1000", "format": fmt}).get_data()
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(a.decode()))) == list(csv.reader(io.StringIO(b.decode())))
    else:
        f = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
             "tsv": ox.QueryResultsFormat.TSV}[fmt]
        sa = [[str(s[i]) for i in range(3)] for s in ox.parse_query_results(a, format=f)]
        sb = [[str(s[i]) for i in range(3)] for s in ox.parse_query_results(b, format=f)]
        assert sa == sb and len(sa) == N_QUADS
    from spacekg.server.sparqltext import final_limit

    assert final_limit(q + " LIMIT 1000") == 1000 and final_limit(q) is None
    assert final_limit(q + " # LIMIT 5") is None


def test_csv_quotes_commas_and_quotes(client):
    q = 'SELECT ?x WHERE { BIND("a, \\"b\\"\\nc" AS ?x) }'
    body = client.get("/sparql", query_string={"query": q, "format": "csv"}).get_data(as_text=True)
    assert list(csv.reader(io.StringIO(body))) == [["x"], ['a, "b"\nc']]


def test_ask_formats(client):
    q = f"ASK {{ <{SK}resource/jaxa> ?p ?o }}"
    assert json.loads(client.get("/sparql", query_string={"query": q}).get_data()) == \
        {"head": {}, "boolean": True}
    xml = client.get("/sparql", query_string={"query": q}, headers={"Accept": "application/sparql-results+xml"})
    assert bool(ox.parse_query_results(xml.get_data(), format=ox.QueryResultsFormat.XML)) is True


GRAPH_TYPES = {
    "text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
    "application/rdf+xml": "xml", "application/trig": "trig", "application/n-quads": "nquads",
}


@pytest.mark.parametrize("media", list(GRAPH_TYPES))
def test_construct_formats(client, media):
    q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{SK}graph/entities> {{ ?s ?p ?o }} }}"
    resp = client.get("/sparql", query_string={"query": q}, headers={"Accept": media})
    assert resp.status_code == 200 and resp.mimetype == media
    if GRAPH_TYPES[media] in ("trig", "nquads"):
        g = rdflib.Dataset()
    else:
        g = rdflib.Graph()
    g.parse(data=resp.get_data(), format=GRAPH_TYPES[media])
    assert len(g) == 20  # triples of graph/entities


def test_construct_defaults_to_turtle_and_describe_works(client):
    resp = client.get("/sparql", query_string={"query": f"DESCRIBE <{SK}resource/slim>"},
                      headers={"Accept": "*/*"})
    assert resp.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=resp.get_data(), format="turtle")
    assert (rdflib.URIRef(SK + "resource/slim"), None, None) in g


def test_406_when_nothing_acceptable(client):
    resp = client.get("/sparql", query_string={"query": LABEL_Q}, headers={"Accept": "image/png"})
    assert resp.status_code == 406
    assert "application/sparql-results+json" in resp.get_data(as_text=True)
    resp = client.get("/sparql", query_string={"query": LABEL_Q, "format": "turtle"})
    assert resp.status_code == 406


# ------------------------------------------------------------------ errors


def test_syntax_error_is_400_with_line_and_column(client):
    resp = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n ?s ?p }"})
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert "2:" in text and "error" in text and "Traceback" not in text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_405_with_allow(client, method):
    resp = client.open("/sparql", method=method, query_string={"query": "ASK {}"})
    assert resp.status_code == 405
    assert "POST" in resp.headers["Allow"]


@pytest.mark.parametrize("ctype,data", [
    ("text/plain", b"ASK {}"),
    (None, b"ASK {}"),
    ("application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16")),
    ("application/sparql-update; charset=ISO-8859-1", b"CLEAR ALL"),
])
def test_415_for_media_type_and_charset(client, ctype, data):
    headers = {"Content-Type": ctype} if ctype else {}
    resp = client.post("/sparql", data=data, headers=headers)
    assert resp.status_code == 415, resp.get_data(as_text=True)


def test_invalid_utf8_is_400(client):
    resp = client.post("/sparql", data=b"ASK { \xff }", content_type="application/sparql-query")
    assert resp.status_code == 400


def test_multiple_queries_400(client):
    resp = client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D")
    assert resp.status_code == 400
    resp = client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert resp.status_code == 400


def test_body_cap(make_app):
    c = make_app(MAX_CONTENT_LENGTH=2000).test_client()
    q = "ASK { " + "#" * 3000 + "\n }"
    resp = c.post("/sparql", data=q.encode(), content_type="application/sparql-query")
    assert resp.status_code == 413
    assert c.post("/sparql", data=b"ASK {}", content_type="application/sparql-query").status_code == 200


def test_server_fault_is_500_without_trace(app, monkeypatch):
    from spacekg.server.store import get_store

    with app.app_context():
        st = get_store()

    def boom(*a, **k):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(st, "execute", boom)
    resp = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert resp.status_code == 500
    body = resp.get_data(as_text=True)
    assert "secret internal detail" not in body and "Traceback" not in body


# ------------------------------------------------------------------ limits


def test_row_cap_is_signalled(make_app):
    c = make_app(SPACEKG_MAX_ROWS=5).test_client()
    resp = c.get("/sparql", query_string={"query": SELECT_ALL})
    assert resp.headers["X-SPARQL-Truncated"] == "true"
    data = json.loads(resp.get_data())
    assert len(data["results"]["bindings"]) == 5 and data["truncated"] is True
    resp = c.get("/sparql", query_string={"query": SELECT_ALL, "format": "xml"})
    assert b"#truncated" in resp.get_data() and resp.headers["X-SPARQL-Truncated"] == "true"
    resp = c.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert resp.headers["X-SPARQL-Truncated"] == "true"
    assert len(rdflib.Graph().parse(data=resp.get_data(), format="turtle")) == 5
    # under the cap: no signal
    resp = c.get("/sparql", query_string={"query": SELECT_ALL + " LIMIT 5"})
    assert "X-SPARQL-Truncated" not in resp.headers


CROSS = " ".join(str(i) for i in range(60))


@pytest.mark.parametrize("query", [
    # blocks inside the engine (aggregate): the request thread gives up
    f"SELECT (COUNT(*) AS ?n) {{ VALUES ?a {{{CROSS}}} VALUES ?b {{{CROSS}}} VALUES ?c {{{CROSS}}} "
    f"VALUES ?d {{{CROSS}}} }}",
    # streams rows: the worker stops at the deadline
    f"SELECT * {{ VALUES ?a {{{CROSS}}} VALUES ?b {{{CROSS}}} VALUES ?c {{{CROSS}}} VALUES ?d {{{CROSS}}} }}",
])
def test_timeout(make_app, query):
    c = make_app(SPACEKG_TIMEOUT=0.3, SPACEKG_MAX_ROWS=0).test_client()
    t0 = time.monotonic()
    resp = c.get("/sparql", query_string={"query": query})
    assert resp.status_code == 503
    assert "timed out after 0.3 s" in resp.get_data(as_text=True)
    assert time.monotonic() - t0 < 1.5


# ------------------------------------------------------------------ CORS


def test_cors_for_reads(client):
    resp = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://yasgui.org"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    pre = client.options("/sparql", headers={"Origin": "https://yasgui.org",
                                             "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "content-type" in pre.headers["Access-Control-Allow-Headers"].lower()
    # a browser on another origin cannot send the token
    assert "authorization" not in pre.headers["Access-Control-Allow-Headers"].lower()


# ------------------------------------------------------------------ SERVICE allow-list


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <https://evil.example/sparql> { ?s ?p ?o } }",
    "PREFIX e: <https://evil.example/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?u { <https://evil.example/> } SERVICE ?u { ?s ?p ?o } }",
    "SELECT * WHERE { service <https://query.wikidata.org/sparql?x=1> { ?s ?p ?o } }",
])
def test_service_outside_allow_list_refused(client, query):
    resp = client.get("/sparql", query_string={"query": query})
    assert resp.status_code == 403
    assert "SERVICE" in resp.get_data(as_text=True)


def test_service_word_in_string_or_comment_is_not_a_call(client):
    q = 'SELECT ?x WHERE { BIND("SERVICE <https://evil.example/>" AS ?x) } # SERVICE <https://evil.example/>'
    assert client.get("/sparql", query_string={"query": q}).status_code == 200


def test_service_refused_in_updates(client):
    u = "INSERT { ?s ?p ?o } WHERE { SERVICE <https://evil.example/sparql> { ?s ?p ?o } }"
    resp = client.post("/sparql", data={"update": u}, headers=AUTH)
    assert resp.status_code == 403


# ------------------------------------------------------------------ updates


INSERT = f'INSERT DATA {{ GRAPH <{SK}graph/stated> {{ <{SK}resource/x> <{SK}ontology#p> "new" }} }}'
HAS_X = f"ASK {{ <{SK}resource/x> ?p ?o }}"


def ask(client, q):
    return json.loads(client.get("/sparql", query_string={"query": q}).get_data())["boolean"]


def test_updates_need_the_token(client):
    assert client.post("/sparql", data={"update": INSERT}).status_code == 401
    r = client.post("/sparql", data={"update": INSERT}, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and "Bearer" in r.headers["WWW-Authenticate"]
    assert not ask(client, HAS_X)
    r = client.post("/sparql", data=INSERT.encode(), content_type="application/sparql-update", headers=AUTH)
    assert r.status_code == 204
    assert ask(client, HAS_X)


def test_updates_off_without_token(make_app):
    c = make_app(SPACEKG_UPDATE_TOKEN=None).test_client()
    r = c.post("/sparql", data={"update": INSERT}, headers=AUTH)
    assert r.status_code == 403
    assert c.put("/store?default", data=b"", headers=AUTH).status_code == 404


def test_get_never_updates(client):
    r = client.get("/sparql", query_string={"update": INSERT}, headers=AUTH)
    assert r.status_code == 400
    r = client.get("/sparql", query_string={"query": INSERT}, headers=AUTH)
    assert r.status_code == 400
    assert not ask(client, HAS_X)


def test_update_syntax_error_is_400(client):
    r = client.post("/sparql", data={"update": "CLEAR XYZ"}, headers=AUTH)
    assert r.status_code == 400 and "1:" in r.get_data(as_text=True)


def test_using_graph_uri(client):
    stated, target = SK + "graph/stated", "http://example.org/copy"
    u = f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    r = client.post(f"/sparql?using-graph-uri={quote(stated)}", data=u.encode(),
                    content_type="application/sparql-update", headers=AUTH)
    assert r.status_code == 204, r.get_data(as_text=True)
    assert count(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}") == 5
    conflict = f"WITH <{stated}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"
    r = client.post(f"/sparql?using-named-graph-uri={quote(stated)}", data=conflict.encode(),
                    content_type="application/sparql-update", headers=AUTH)
    assert r.status_code == 400


def test_relative_iris_resolve_against_the_endpoint(client):
    u = "INSERT DATA { GRAPH <http://example.org/b> { <http://example.org/s> <http://example.org/p> <test> } }"
    assert client.post("/sparql", data={"update": u}, headers=AUTH).status_code == 204
    rows = bindings(client.get("/sparql", query_string={
        "query": "SELECT ?o WHERE { GRAPH <http://example.org/b> { ?s ?p ?o } }"}))
    assert rows[0]["o"] == {"type": "uri", "value": "http://localhost/test"}


# ------------------------------------------------------------------ Graph Store Protocol


def test_graph_store_protocol(client):
    g = "http://example.org/gsp"
    ttl = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> ."
    assert client.put(f"/store?graph={quote(g)}", data=ttl, content_type="text/turtle").status_code == 401
    r = client.put(f"/store?graph={quote(g)}", data=ttl, content_type="text/turtle", headers=AUTH)
    assert r.status_code == 201
    r = client.put(f"/store?graph={quote(g)}", data=ttl, content_type="text/turtle", headers=AUTH)
    assert r.status_code == 204
    r = client.post(f"/store?graph={quote(g)}", data=b'<http://example.org/a> <http://example.org/b> "2" .',
                    content_type="application/n-triples", headers=AUTH)
    assert r.status_code == 204
    r = client.get(f"/store?graph={quote(g)}", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and len(r.get_data(as_text=True).strip().splitlines()) == 2
    r = client.put(f"/store?graph={quote(g)}", data=b"<a> <b>", content_type="text/turtle", headers=AUTH)
    assert r.status_code == 400
    r = client.put(f"/store?graph={quote(g)}", data=ttl, content_type="image/png", headers=AUTH)
    assert r.status_code == 415
    assert client.delete(f"/store?graph={quote(g)}", headers=AUTH).status_code == 204
    assert client.delete(f"/store?graph={quote(g)}", headers=AUTH).status_code == 404
    assert client.get(f"/store?graph={quote(g)}").status_code == 404


# ------------------------------------------------------------------ service description


def test_service_description_with_void(client):
    resp = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=resp.get_data(), format="turtle")
    SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
    svc = next(g.subjects(rdflib.RDF.type, SD.Service))
    assert (svc, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (svc, SD.feature, SD.UnionDefaultGraph) in g
    ds = g.value(svc, SD.defaultDataset)
    assert int(g.value(ds, VOID.triples)) == N_QUADS
    types = {q.object for q in ox.parse(path=str(SAMPLE)) if q.predicate.value == str(rdflib.RDF.type)}
    assert int(g.value(ds, VOID.classes)) == len(types) == 12
    names = {str(g.value(ng, SD.name)) for ng in g.objects(ds, SD.namedGraph)}
    assert names == {SK + "graph/" + n for n in
                     ("ontology", "entities", "stated", "evidence", "mentions", "inferred")}
    stated = next(ng for ng in g.objects(ds, SD.namedGraph) if str(g.value(ng, SD.name)).endswith("stated"))
    assert int(g.value(g.value(stated, SD.graph), VOID.triples)) == 5
