"""HTML pages of the browser: home, entity, document, class, ontology, timeline, graph view."""

from __future__ import annotations

import html
import re

import yaml
from helpers import BASE, one_evidenced_fact, select
from rdflib import URIRef

from spacekg.config import ROOT


def test_home_lists_documents_classes_examples_and_dumps(app, client):
    r = client.get("/", headers={"Accept-Language": "en"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    docs = select(app, "SELECT ?d WHERE { GRAPH <https://w3id.org/spacekg/graph/documents> "
                       "{ ?d a <https://w3id.org/spacekg/ontology#Document> } }")
    assert docs
    for row in docs:
        assert f'href="{str(row["d"])[len(BASE) - 1:]}"' in page
    assert "/class/Mission" in page
    assert "/query?example=" in page and "run=1" in page
    for ext in ("nq", "trig", "ttl"):
        assert f"/dump/spacekg.{ext}" in page
    assert "/void" in page or "/.well-known/void" in page


def test_entity_page_shows_labels_classes_wikidata_and_evidence(app, client):
    fact = one_evidenced_fact(app)
    path = str(fact["s"])[len(BASE) - 1:]
    r = client.get(path, headers={"Accept-Language": "ja"})
    assert r.status_code == 200
    assert r.headers["Content-Language"] == "ja"
    page = r.get_data(as_text=True)
    labels = select(app, "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }",
                    {"s": fact["s"]})
    for row in labels:
        assert html.escape(str(row["l"]), quote=False) in page
    # the evidence: the quoted text in <mark>, linking to the passage in the document
    start, end = int(fact["start"]), int(fact["end"])
    doc_path = str(fact["doc"])[len(BASE) - 1:]
    assert f'href="{doc_path}?hl={start}-{end}#ev-{start}-{end}"' in page
    marked = re.findall(r"<mark>(.*?)</mark>", page, re.S)
    plain = [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in marked]
    assert " ".join(str(fact["exact"]).split()) in [" ".join(p.split()) for p in plain]


def test_entity_page_language_switch_and_cookie(client, app):
    fact = one_evidenced_fact(app)
    path = str(fact["s"])[len(BASE) - 1:]
    r = client.get(path + "?lang=en", headers={"Accept-Language": "ja"})
    assert r.headers["Content-Language"] == "en"
    assert '<html lang="en">' in r.get_data(as_text=True)
    assert "lang=en" in r.headers.get("Set-Cookie", "")
    r2 = client.get(path)  # the cookie keeps English
    assert r2.headers["Content-Language"] == "en"


def test_document_page_highlights_passage_and_links_mentions(app, client):
    fact = one_evidenced_fact(app)
    start, end = int(fact["start"]), int(fact["end"])
    doc_path = str(fact["doc"])[len(BASE) - 1:]
    r = client.get(f"{doc_path}?hl={start}-{end}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert f'id="ev-{start}-{end}"' in page
    marked = "".join(re.sub(r"<[^>]+>", "", m) for m in re.findall(r"<mark>(.*?)</mark>", page, re.S))
    assert html.unescape(marked) == str(fact["exact"])
    # the full text is there (escaped) and mentions link to entity pages
    text = (ROOT / "data" / "sources" / f"{doc_path.rsplit('/', 1)[-1]}.txt").read_text(encoding="utf-8")
    body = re.search(r'<pre class="doc-text"[^>]*>(.*)</pre>', page, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", body)) == text
    assert 'class="mention" href="/resource/' in body


def test_class_page_sorted_and_paged(client):
    r = client.get("/class/Mission?sort=label&lang=en")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    rows = re.findall(r'<th scope="row"><a href="[^"]+" title="[^"]+">(.*?)</a>', page)
    assert rows, "no Mission instances listed"
    keys = [html.unescape(x).casefold() for x in rows if x]
    assert keys == sorted(keys)
    r = client.get("/class/Mission?sort=label&desc=1&lang=en")
    rows = re.findall(r'<th scope="row"><a href="[^"]+" title="[^"]+">(.*?)</a>', r.get_data(as_text=True))
    desc = [html.unescape(x).casefold() for x in rows if x]
    assert desc and desc == sorted(desc, reverse=True)
    assert client.get("/class/NoSuchClass").status_code == 404


def test_ontology_page_lists_classes(client):
    r = client.get("/ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "/class/Mission" in r.get_data(as_text=True)


def test_page_for_any_iri_and_unknown_iri_404_with_search(client):
    r = client.get("/page", query_string={"iri": BASE + "ontology#Mission"})
    assert r.status_code == 200
    r = client.get("/resource/no-such-entity-xyz")
    assert r.status_code == 404
    page = r.get_data(as_text=True)
    assert 'action="/search"' in page and 'name="q"' in page
    assert client.get("/page", query_string={"iri": "javascript:alert(1)"}).status_code == 404


def test_timeline_lists_dated_facts_in_order(client):
    """Facts sort by the first day of the interval their date stands for (any precision), and
    each says the date of the document that states it and names that document."""
    r = client.get("/timeline")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    begins = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})"', page)
    assert begins and begins == sorted(begins)
    assert re.search(r"(as of|記載時点) 2026-03-27", page)


def test_entity_page_shows_heading_path_and_as_of(client):
    """The passage of SLIM's landing date is shown under its headings (3. … › (3) …), with the
    date of the stating document."""
    page = client.get("/resource/slim", query_string={"lang": "en"}).get_data(as_text=True)
    assert 'class="heading-path"' in page
    assert "月面への輸送能力・機会の確保" in page
    assert "as of 2026-03-27" in page


def test_graph_view_and_neighbourhood_json(app, client):
    fact = one_evidenced_fact(app)
    r = client.get("/explore", query_string={"iri": str(fact["s"])})
    assert r.status_code == 200
    assert "cytoscape.min.js" in r.get_data(as_text=True)
    j = client.get("/api/neighbourhood", query_string={"iri": str(fact["s"])}).get_json()
    ids = {n["id"] for n in j["nodes"]}
    assert str(fact["s"]) in ids
    if isinstance(fact["o"], URIRef):
        assert str(fact["o"]) in ids
        assert any(e["source"] == str(fact["s"]) and e["target"] == str(fact["o"]) for e in j["edges"])
    assert client.get("/explore", query_string={"iri": BASE + "resource/nothing-here"}).status_code == 404


def test_incoming_links_counted(app, client):
    rows = select(app, """SELECT ?o (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/spacekg/graph/stated>
        { ?s ?p ?o FILTER(isIRI(?o) && STRSTARTS(STR(?o), "https://w3id.org/spacekg/resource/")) } }
        GROUP BY ?o ORDER BY DESC(?n) LIMIT 1""")
    target = rows[0]["o"]
    page = client.get(str(target)[len(BASE) - 1:]).get_data(as_text=True)
    m = re.search(r'id="incoming-h">[^<(]*\((\d+)\)', page)
    assert m and int(m.group(1)) >= int(rows[0]["n"])


def test_rule_page_says_the_rule_and_lists_its_conclusions(app, client):
    rows = select(app, """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?rule (COUNT(DISTINCT ?st) AS ?n) WHERE { GRAPH <https://w3id.org/spacekg/graph/evidence>
        { ?ev <http://www.w3.org/ns/prov#wasGeneratedBy> ?rule . ?st <http://www.w3.org/ns/prov#wasDerivedFrom> ?ev ;
          rdf:subject ?s } FILTER(CONTAINS(STR(?rule), "/rule/")) } GROUP BY ?rule ORDER BY DESC(?n) ?rule LIMIT 1""")
    rule = rows[0]["rule"]
    r = client.get(str(rule)[len(BASE) - 1:] + "?lang=en")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    rid = str(rule).rsplit("/", 1)[-1]
    statement = next((x["statement"] for f in (ROOT / "data" / "rules").glob("*.yaml")
                      for x in yaml.safe_load(f.read_text(encoding="utf-8")) if x["id"] == rid), None)
    assert statement and statement in html.unescape(page)  # the rule in words, from data/rules
    m = re.search(r"Conclusions of this rule \((\d+)\)", page)
    assert m and int(m.group(1)) >= 1
    assert page.count('<a class="why" href="/statement/') == min(50, int(m.group(1)))
    assert not re.search(r">[0-9a-f]{16}<", page), "conclusions are labelled, not hashes"


def test_inferred_facts_shown_apart_with_rule(app, client):
    import pytest

    rows = select(app, """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?s ?p ?o ?rule WHERE { GRAPH <https://w3id.org/spacekg/graph/inferred> {
          ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
              <http://www.w3.org/ns/prov#wasGeneratedBy> ?rule }
          FILTER(STRSTARTS(STR(?s), "https://w3id.org/spacekg/resource/"))
          FILTER NOT EXISTS { GRAPH <https://w3id.org/spacekg/graph/stated> { ?s ?p ?o } } }
        ORDER BY ?s ?p ?o LIMIT 1""")
    if not rows:
        pytest.skip("the graph under test has no inferred statement nodes yet")
    row = rows[0]
    page = client.get(str(row["s"])[len(BASE) - 1:]).get_data(as_text=True)
    section = page.split('id="inferred-h"', 1)
    assert len(section) == 2, "no inferred section"
    inferred = section[1].split("</section>\n</section>", 1)[0]
    rule_path = str(row["rule"])[len(BASE) - 1:] if str(row["rule"]).startswith(BASE) else str(row["rule"])
    assert rule_path in inferred
    if isinstance(row["o"], URIRef) and str(row["o"]).startswith(BASE):
        assert f'href="{str(row["o"])[len(BASE) - 1:]}"' in inferred
