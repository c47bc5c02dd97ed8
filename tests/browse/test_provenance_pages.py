"""Provenance pages end in text; document metadata first; graph view of entities; class
columns; small defects of issue 11 — on the real build or the fixture graph (conftest)."""

from __future__ import annotations

import html
import re

from helpers import BASE, one_evidenced_fact, select
from rdflib import URIRef

HEX16 = re.compile(r">[^<]*(?<![0-9A-Za-z/])[0-9a-f]{16}(?![0-9A-Za-z])[^<]*<")
STATEMENTS = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?st ?s ?ev ?gen WHERE { GRAPH <https://w3id.org/spacekg/graph/evidence> {
  ?st rdf:subject ?s ; prov:wasDerivedFrom ?ev . ?ev prov:wasGeneratedBy ?gen }
  FILTER(CONTAINS(STR(?gen), ?kind)) } ORDER BY ?st LIMIT 1"""


def path(iri) -> str:
    return str(iri)[len(BASE) - 1:]


def visible(page: str) -> str:
    """Page text without tags, scripts and <code> (IRIs shown as code are not labels)."""
    page = re.sub(r"<(script|code)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_statement_page_shows_its_triple_by_labels_and_its_passage(app, client):
    fact = one_evidenced_fact(app)
    row = select(app, STATEMENTS.replace("?kind", '"/"'))[0]
    page = client.get(path(row["st"]) + "?lang=ja").get_data(as_text=True)
    assert 'class="statement"' in page and "<blockquote" in page and "<mark>" in page
    quote = select(app, """PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?exact WHERE { ?ev oa:hasTarget/oa:hasSelector/oa:exact ?exact }""", {"ev": row["ev"]})[0]["exact"]
    marked = "".join(re.findall(r"<mark>(.*?)</mark>", page, re.S))
    assert re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", marked))) == re.sub(r"\s+", " ", str(quote))
    assert not HEX16.search(re.sub(r"<code\b.*?</code>", "", page)), "no hash labels"
    assert fact  # the graph has evidenced facts at all


def test_curation_page_shows_quote_in_context_and_its_triples(app, client):
    row = select(app, STATEMENTS.replace("?kind", '"/curation/"'))[0]
    page = client.get(path(row["gen"]) + "?lang=en").get_data(as_text=True)
    assert "Curated statement" in page
    quote = re.search(r'<blockquote lang="ja">(.*?)</blockquote>', page, re.S).group(1)
    before, mark = quote.split("<mark>", 1)
    assert len(visible(before).strip(" …")) > 10 and visible(mark).strip(), "quote with its context"
    table = re.search(r'<table class="triples">(.*?)</table>', page, re.S).group(1)
    subject_label = select(app, """SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l
        FILTER(LANG(?l) = "en") } LIMIT 1""", {"s": row["s"]})[0]["l"]
    assert html.escape(str(subject_label)) in table
    assert 'class="why" href="/statement/' in table


def test_owl2rl_rule_page_says_the_rule_from_the_w3c_table(app, client):
    rows = select(app, """SELECT ?rule WHERE { GRAPH <https://w3id.org/spacekg/graph/inferred> {
        ?st <http://www.w3.org/ns/prov#wasGeneratedBy> ?rule } FILTER(REGEX(STR(?rule), "/rule/[a-z]")) }
        ORDER BY ?rule LIMIT 1""")
    rule = rows[0]["rule"]
    rid = str(rule).rsplit("/", 1)[-1]
    from spacekg.server.browse.ruletext import OWL2RL

    assert rid in OWL2RL, f"{rid} is not an OWL 2 RL rule name of the W3C profile"
    page = client.get(path(rule) + "?lang=en").get_data(as_text=True)
    table, if_, then, _ja, en = OWL2RL[rid]
    text = html.unescape(page)
    assert en in text and if_ in text and then in text
    assert "owl2-profiles" in page and table in page
    m = re.search(r"Conclusions of this rule \((\d+)\)", page)
    assert m and int(m.group(1)) >= 1
    assert not HEX16.search(re.sub(r"<code\b.*?</code>", "", page))


def test_every_rule_of_the_graph_can_be_said_in_words(app):
    from spacekg.server.browse.ruletext import describe_rule

    rows = select(app, """SELECT DISTINCT ?rule WHERE { ?x <http://www.w3.org/ns/prov#wasGeneratedBy> ?rule
        FILTER(CONTAINS(STR(?rule), "/rule/")) }""")
    unknown = [str(r["rule"]) for r in rows if describe_rule(str(r["rule"]).rsplit("/", 1)[-1], "en")["kind"] == "unknown"]
    assert rows and not unknown


def test_entity_links_to_provenance_are_labelled_not_hashed(app, client):
    fact = one_evidenced_fact(app)
    page = client.get(path(fact["s"])).get_data(as_text=True)
    assert not HEX16.search(re.sub(r"<code\b.*?</code>", "", page))


def test_document_page_metadata_first_without_the_text_dump(app, client):
    fact = one_evidenced_fact(app)
    page = client.get(path(fact["doc"]) + "?lang=en").get_data(as_text=True)
    meta_at, text_at = page.index('class="labels doc-meta"'), page.index('<pre class="doc-text"')
    assert meta_at < text_at
    meta = page[meta_at:text_at]
    for head in ("Date", "Source URL"):
        assert f"<dt>{head}</dt>" in meta
    assert "schema.org/text" not in page, "the full text is not repeated as a property"
    src = re.search(r'href="(/source/[^"]+\.txt)"', meta).group(1)
    body = client.get(src)
    assert body.status_code == 200 and body.mimetype == "text/plain"
    assert str(fact["exact"]) in body.get_data(as_text=True)


def test_undated_documents_say_so(app, client):
    undated = select(app, """SELECT ?d WHERE { GRAPH <https://w3id.org/spacekg/graph/documents> {
        ?d a <https://w3id.org/spacekg/ontology#Document> FILTER NOT EXISTS { ?d <http://purl.org/dc/terms/date> ?x } } }""")
    assert undated, "the graph under test has an undated document"
    home = client.get("/?lang=en").get_data(as_text=True)
    assert "<small>undated</small>" in home and "<small></small>" not in home
    page = client.get(path(undated[0]["d"]) + "?lang=ja").get_data(as_text=True)
    assert '<dd class="doc-date">日付なし</dd>' in page


def test_mentions_counted_in_words_and_listed_once(app, client):
    fact = one_evidenced_fact(app)
    page = client.get(path(fact["s"]) + "?lang=en").get_data(as_text=True)
    assert not re.search(r"\b1 [Mm]entions\b", page)
    assert re.search(r"\d+ mentions?\b", page)
    assert page.count("mentionedIn") == 0, "'mentioned in' appears once, as its own section"
    assert page.count('id="mentions-h"') == 1


def test_property_with_a_class_expression_domain_shows_its_members(app, client):
    rows = select(app, """PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?p WHERE { ?p rdfs:domain ?d . ?d owl:unionOf ?l } ORDER BY ?p LIMIT 1""")
    assert rows
    page = client.get("/page", query_string={"iri": str(rows[0]["p"]), "lang": "en"}).get_data(as_text=True)
    row = re.search(r">domain</a>.*?</tr>", page, re.S).group(0)
    assert 'class="bnode"' not in row and "_:" not in row
    assert '<span class="sep">or</span>' in row and row.count('href="/class/') >= 2


def test_explore_start_page_and_entities_only_neighbourhood(app, client):
    page = client.get("/explore?lang=ja").get_data(as_text=True)
    assert page.count('href="/explore?iri=') >= 3
    j = client.get("/api/neighbourhood", query_string={"iri": BASE + "resource/slim", "lang": "ja"}).get_json()
    assert all(n["id"].startswith(BASE + "resource/") for n in j["nodes"])
    assert {n["label"] for n in j["nodes"]} >= {"小型月着陸実証機", "月"}
    assert all(e["label"] and not e["label"].startswith("http") for e in j["edges"])
    stated = {(e["source"], e["target"]) for e in j["edges"] if not e["inferred"]}
    for e in j["edges"]:
        if e["inferred"]:  # inferred edges only where no stated edge joins the pair
            assert (e["source"], e["target"]) not in stated and (e["target"], e["source"]) not in stated
    deeper = client.get("/api/neighbourhood", query_string={"iri": BASE + "resource/slim", "depth": 2}).get_json()
    assert deeper["depth"] == 2 and len(deeper["nodes"]) >= len(j["nodes"])


def test_class_table_columns_for_missions(client):
    page = client.get("/class/Mission?lang=en").get_data(as_text=True)
    heads = re.findall(r'<th scope="col"[^>]*>\s*<a href="[^"]*sort=([A-Za-z]+)', page)
    assert heads[0] == "label" and "target" in heads
    assert "<code>" not in page.split('<table class="instances', 1)[1], "no IRI column"


def test_sparql_endpoint_sends_browsers_to_the_query_page(client):
    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/query")
    assert client.get("/sparql", headers={"Accept": "text/html"}).status_code == 303
    r = client.get("/sparql", headers={"Accept": "*/*"})  # tools still get the service description
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert client.get("/sparql", headers={"Accept": "text/turtle"}).mimetype == "text/turtle"


def test_entity_as_trig_and_nquads_keeps_graphs(app, client):
    from rdflib import Dataset

    fact = one_evidenced_fact(app)
    for kw in ({"headers": {"Accept": "application/trig"}}, {"query_string": {"format": "trig"}}):
        r = client.get(path(fact["s"]), **kw)
        assert r.status_code == 200 and r.mimetype == "application/trig"
        ds = Dataset()
        ds.parse(data=r.get_data(as_text=True), format="trig")
        assert (fact["s"], fact["p"], fact["o"], URIRef(BASE + "graph/stated")) in ds
    r = client.get(path(fact["s"]) + ".nq")
    assert r.status_code == 200 and r.mimetype == "application/n-quads"
    assert client.get(path(fact["s"]), query_string={"format": "nonsense"}).status_code == 406


def test_query_link_opened_by_an_html_only_browser_runs_on_the_query_page(client):
    """``/sparql?query=…`` asked for HTML alone is sent to the query page, which runs it; any
    other Accept (a wildcard, a result syntax) still gets the protocol's answer."""
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": "text/html"})
    assert r.status_code == 303
    loc = r.headers["Location"]
    assert "/query?" in loc and "run=1" in loc
    page = client.get(loc).get_data(as_text=True)
    assert "COUNT" in page
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": "text/html, */*;q=0.1"})
    assert r.status_code == 200 and r.mimetype == "application/sparql-results+json"
