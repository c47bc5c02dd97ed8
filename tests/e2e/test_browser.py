"""End-to-end: search (ja and en), entity page, evidence link to the highlighted passage,
SPARQL editor example and result link, Turtle by content negotiation — in headless Chromium
against ``spacekg serve`` on the real build."""

from __future__ import annotations

import re
import urllib.request

from rdflib import RDF, SKOS, Graph, Literal, URIRef

BASE = "https://w3id.org/spacekg/"
SLIM = URIRef(BASE + "resource/slim")


def test_search_in_japanese_with_suggestions_opens_entity(server, page):
    page.goto(server + "/")
    box = page.locator("#home-q")
    box.click()
    box.type("小型月着陸", delay=30)
    option = page.locator("#home-q-list li a", has_text="小型月着陸実証機").first
    option.wait_for(state="visible")
    option.click()
    page.wait_for_url(re.compile(r"/resource/slim$"))
    assert page.locator("h1").inner_text() == "小型月着陸実証機"  # Japanese by default (ja-JP browser)
    assert page.locator("html").get_attribute("lang") == "ja"
    assert not page.problems, page.problems


def test_search_in_english_without_suggestions(server, page):
    page.goto(server + "/search?lang=en")
    page.fill("#search-q", "Hayabusa2")
    page.press("#search-q", "Enter")  # no suggestion selected: the form is submitted
    page.wait_for_url(re.compile(r"/search\?q=Hayabusa2"))
    first = page.locator("ol.results li a").first
    assert first.get_attribute("href") == "/resource/hayabusa2"
    first.click()
    page.wait_for_url(re.compile(r"/resource/hayabusa2$"))
    assert page.locator("h1").inner_text() == "Hayabusa2"


def test_evidence_link_opens_highlighted_passage(server, page):
    page.goto(server + "/resource/slim")
    ev = page.locator("ul.evidence li").first
    quote = ev.locator("blockquote mark").inner_text()
    link = ev.locator("a.evidence-link")
    href = link.get_attribute("href")
    m = re.search(r"\?hl=(\d+)-(\d+)#ev-(\d+)-(\d+)$", href)
    assert m and m.group(1) == m.group(3) and m.group(2) == m.group(4)
    link.click()
    page.wait_for_url(re.compile(r"/document/.+#ev-\d+-\d+$"))
    marked = page.locator("pre.doc-text mark")
    assert marked.count() > 0
    assert re.sub(r"\s+", " ", "".join(marked.all_inner_texts())) == re.sub(r"\s+", " ", quote)
    anchor = page.locator(f"#ev-{m.group(1)}-{m.group(2)}")
    assert anchor.count() == 1
    marked.first.wait_for(state="visible")
    box = marked.first.bounding_box()
    viewport = page.viewport_size
    assert box and 0 <= box["y"] <= viewport["height"], "the passage is scrolled into view"
    assert not page.problems, page.problems


def test_sparql_editor_runs_example_and_result_links_to_entity(server, page):
    page.goto(server + "/query")
    page.locator(".yasqe .CodeMirror").wait_for(state="visible")
    assert page.locator("#plain-query").is_hidden()  # the editor replaces the plain form
    page.click("a[data-example=missions]")
    results = page.locator(".yasr table a[href^='https://w3id.org/spacekg/resource/']")
    results.first.wait_for(state="visible")
    assert results.count() > 0
    iri = results.first.get_attribute("href")
    results.first.click()
    page.wait_for_url(server + "/resource/" + iri.rsplit("/", 1)[-1])
    assert page.locator("h1").inner_text().strip()
    assert page.locator("dd.classes a[href='/class/Mission']").count() == 1
    assert not [p for p in page.problems if "Refused" in p or "Content Security Policy" in p], page.problems


def test_graph_view_draws_neighbourhood(server, page):
    page.goto(server + "/explore?iri=" + str(SLIM))
    page.locator("#cy canvas").first.wait_for(state="attached")
    assert page.locator("#cy canvas").count() >= 1
    assert not page.problems, page.problems


def test_entity_iri_with_accept_turtle_parses(server):
    req = urllib.request.Request(server + "/resource/slim", headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.headers.get_content_type() == "text/turtle"
        body = resp.read()
    g = Graph().parse(data=body, format="turtle")
    assert (SLIM, SKOS.prefLabel, Literal("小型月着陸実証機", lang="ja")) in g
    assert (SLIM, RDF.type, URIRef(BASE + "ontology#Lander")) in g


def test_browsing_works_without_javascript(server, browser):
    ctx = browser.new_context(java_script_enabled=False, locale="en-US")
    page = ctx.new_page()
    try:
        page.goto(server + "/")
        page.fill("#home-q", "ＨＴＶ－Ｘ")
        page.press("#home-q", "Enter")
        page.wait_for_url(re.compile(r"/search\?q="))
        page.locator("ol.results li a").first.click()
        page.wait_for_url(re.compile(r"/resource/htv-x$"))
        assert page.locator("h1").inner_text() == "HTV-X"
        page.locator("a.evidence-link").first.click()
        page.wait_for_url(re.compile(r"/document/.+\?hl=\d+-\d+#ev-\d+-\d+$"))
        assert page.locator("pre.doc-text mark").count() > 0
        # the SPARQL page without the editor: the plain form runs the query on the server
        page.goto(server + "/query?example=missions&run=1")
        assert page.locator("#plain-query textarea").is_visible()
        link = page.locator("table.results a[href^='/resource/']").first
        href = link.get_attribute("href")
        link.click()
        page.wait_for_url(server + href)
        assert page.locator("h1").inner_text().strip()
    finally:
        ctx.close()
