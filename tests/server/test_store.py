"""The store accessor the browser codes against, and the SPARQL text helpers behind it."""

from __future__ import annotations

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from sparql_support import SAMPLE, SK, TOKEN

from spacekg.server import create_app
from spacekg.server.sparqltext import analyze, inject_using, inject_values, ntriples_term
from spacekg.server.store import EmbeddedStore, QueryError, get_store

SLIM = URIRef(SK + "resource/slim")
LABEL = rdflib.RDFS.label


@pytest.fixture
def store():
    app = create_app({"SPACEKG_DATA": [str(SAMPLE)]})
    with app.app_context():
        st = get_store()
        assert get_store() is st and app.extensions["spacekg_store"] is st  # one per app
        yield st


def test_select_returns_rdflib_terms(store):
    assert isinstance(store, EmbeddedStore)
    rows = store.select("SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l",
                        {"s": SLIM})
    assert rows == [{"l": Literal("Smart Lander for Investigating Moon", lang="en")},
                    {"l": Literal("小型月着陸実証機", lang="ja")}]
    rows = store.select(f"SELECT ?d WHERE {{ <{SLIM}> <{SK}ontology#launchDate> ?d }}")
    assert rows == [{"d": Literal("2023-09-07", datatype=rdflib.XSD.date)}]
    alt = store.select("SELECT ?a WHERE { ?s <http://www.w3.org/2004/02/skos/core#altLabel> ?a }", {"s": SLIM})
    assert alt == [{"a": Literal("SLIM")}]  # xsd:string comes back as a plain literal


def test_bindings_of_variables_not_projected(store):
    # SEP-0007 substitution needs projected variables; the accessor falls back to VALUES
    rows = store.select("SELECT ?g ?p WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?p", {"s": URIRef(SK + "resource/jaxa")})
    assert {(str(r["g"]).rsplit("/", 1)[-1], str(r["p"]).rsplit("#", 1)[-1]) for r in rows} == {
        ("entities", "type"), ("entities", "label"), ("stated", "cooperatesWith")}


def test_bindings_are_not_text(store):
    evil = Literal('x" } } ; DROP ALL ; SELECT * { ?s ?p "')
    assert store.select("SELECT ?s WHERE { ?s ?p ?o }", {"o": evil}) == []
    assert store.select("SELECT ?p WHERE { ?s ?p ?o }", {"o": evil}) == []  # VALUES path
    assert store.ask("ASK { ?s ?p ?o }")  # data intact


def test_ask_and_construct(store):
    assert store.ask("ASK { ?s ?p ?o }", {"s": SLIM}) is True
    assert store.ask("ASK { ?s ?p ?o }", {"s": URIRef("http://example.org/none")}) is False
    g = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                        {"g": URIRef(SK + "graph/inferred")})
    assert isinstance(g, rdflib.Graph) and len(g) == 2
    assert (URIRef(SK + "resource/nasa"), URIRef(SK + "ontology#cooperatesWith"),
            URIRef(SK + "resource/jaxa")) in g


def test_wrong_form_and_bad_query(store):
    with pytest.raises(QueryError):
        store.select("ASK {}")
    with pytest.raises(QueryError):
        store.ask("SELECT * {}")
    with pytest.raises(QueryError, match="1:"):
        store.select("SELECT * WHERE {")


def test_analyze_ignores_strings_and_comments():
    info = analyze('PREFIX w: <https://query.wikidata.org/> # SERVICE <http://a/>\n'
                   'SELECT * FROM <http://g> WHERE { BIND("SERVICE <http://b/>" AS ?x) '
                   'SERVICE SILENT w:sparql { ?s ?p ?o } SERVICE ?v { } } ORDER BY ?x')
    assert info.form == "SELECT" and info.has_dataset and info.ordered
    assert not analyze('SELECT * { ?s ?p "FROM" }').has_dataset


def test_inject_values_places_block_in_the_where_group():
    q = inject_values("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": SLIM})
    assert q == f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES (?s) {{ (<{SLIM}>) }}  ?s ?p ?o }}"
    q = inject_values("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", {"o": Literal('a"\n', lang="ja")})
    assert 'VALUES (?o) { ("a\\"\\n"@ja) }' in q
    with pytest.raises(ValueError):
        inject_values("SELECT * {}", {"x y": SLIM})
    with pytest.raises(ValueError):
        ntriples_term(BNode())
    with pytest.raises(ValueError):
        ntriples_term(Literal("x", lang="en} DROP"))


def test_inject_using_skips_delete_where_and_data():
    u = "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o } ; DELETE WHERE { ?a ?b ?c }"
    out = inject_using(u, ["http://g/1"], ["http://g/2"])
    assert out.count("USING <http://g/1> USING NAMED <http://g/2> WHERE") == 1
    assert "DELETE WHERE { ?a ?b ?c }" in out


def test_result_cache_is_bounded_and_cleared():
    from spacekg.server.sparql import ResultCache

    c = ResultCache(16 * 100)  # entries over 100 bytes are not kept
    for i in range(100):
        c.put((f"q{i}",), ([], b"x" * 90))
    assert c.size <= 1600 and len(c.items) < 100
    assert c.get(("q99",)) is not None and c.get(("q0",)) is None  # least recently used went first
    c.put(("big",), ([], b"x" * 200))
    assert c.get(("big",)) is None
    c.clear()
    assert c.size == 0 and c.get(("q99",)) is None


def test_answers_are_cached_until_a_write(make_app):
    app = make_app()
    client = app.test_client()
    q = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    first = client.get("/sparql", query_string=q).get_data()
    cache = app.extensions["spacekg_cache"]
    hits = cache.hits
    assert client.get("/sparql", query_string=q).get_data() == first and cache.hits == hits + 1
    r = client.post("/sparql", data={"update": "INSERT DATA { <http://e/a> <http://e/b> 1 }"},
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204
    assert client.get("/sparql", query_string=q).get_data() != first


def test_service_allow_list_holds_for_every_caller(store):
    """The browser runs users' queries through the accessor: the allow-list is enforced there too."""
    from spacekg.server.store import ServiceNotAllowed

    assert store.service_allow == ["https://query.wikidata.org/sparql"]
    from spacekg.server.policy import REFUSED

    with pytest.raises(ServiceNotAllowed) as refused:
        store.select("SELECT * WHERE { SERVICE <https://evil.example/sparql> { ?s ?p ?o } }")
    assert str(refused.value) == REFUSED  # the same message whatever the target
    with pytest.raises(ServiceNotAllowed):  # an escape hides the keyword from a naive scan
        store.select("SELECT * WHERE { SERV\\u0049CE <https://evil.example/sparql> { ?s ?p ?o } }")
    with pytest.raises(ServiceNotAllowed):
        store.update("LOAD <file:///etc/passwd>")
    with pytest.raises(ServiceNotAllowed):
        store.ask("ASK { SERVICE ?endpoint { ?s ?p ?o } }")
    with pytest.raises(ServiceNotAllowed):
        store.update("INSERT { ?s ?p ?o } WHERE { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }")
