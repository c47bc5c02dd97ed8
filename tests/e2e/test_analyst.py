"""End-to-end, in headless Chromium: the analyst's path through the browser.

home → search 「SLIM」 → entity page → a stated fact's passage in its document → the rule or
curated statement behind it; an inferred fact's OWL 2 RL rule; the graph view (/explore and
its start page); a class table. Every step checks that the page shows readable text (no
16-hex-digit hash used as a label) and that its Japanese text is drawn with a CJK font:
``document.fonts.check`` is asked as well, but it answers true for any font that needs no
download, so the real check asks Chromium (DevTools ``CSS.getPlatformFontsForNode``) which
platform font drew the glyphs. Needs Debian's chromium and fonts-noto-cjk (``make test``
installs them as root).
"""

from __future__ import annotations

import re

import pytest

HASH_LABEL = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{16}(?![0-9A-Za-z])")
CJK_FAMILIES = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "Hiragino", "Yu Gothic", "Meiryo")
SLIM = "https://w3id.org/spacekg/resource/slim"


def visible_text(page) -> str:
    """The text a reader sees in <main>, without IRIs shown as code."""
    return page.evaluate("""() => { const m = document.querySelector('main').cloneNode(true);
        m.querySelectorAll('code, script, .visually-hidden').forEach(e => e.remove());
        return m.innerText; }""")


def platform_fonts(page, selector: str) -> list[str]:
    """Family names of the fonts Chromium used to draw the text of the first ``selector``."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"no element {selector}"
        return [f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]]
    finally:
        cdp.detach()


def assert_readable(page, japanese_selector: str | None = None):
    """Visible text, no hash labels, and Japanese drawn in a CJK font (see the module doc)."""
    text = visible_text(page)
    assert len(text.strip()) > 40, f"{page.url} shows almost no text"
    hashes = HASH_LABEL.findall(text)
    assert not hashes, f"{page.url} labels things with hashes: {hashes[:5]}"
    if japanese_selector:
        el = page.locator(japanese_selector).first
        sample = el.inner_text()
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", sample), f"{japanese_selector} has no Japanese: {sample!r}"
        assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK JP\"', '月面')")
        fonts = platform_fonts(page, japanese_selector)
        assert any(f.startswith(CJK_FAMILIES) for f in fonts), \
            f"Japanese on {page.url} is drawn with {fonts}, not a CJK font (apt-get install fonts-noto-cjk)"
    assert not [p for p in page.problems if "favicon" not in p], page.problems


def test_css_names_the_noto_cjk_font(server, page):
    page.goto(server + "/")
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Sans CJK JP" in family


def test_analyst_path_search_entity_passage_and_its_source(server, page):
    # home → search 「SLIM」
    page.goto(server + "/")
    assert_readable(page, "p.lead")
    page.fill("#home-q", "SLIM")
    page.press("#home-q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=SLIM"))
    result = page.locator("ol.results li a").first
    assert "小型月着陸実証機" in result.inner_text()
    assert_readable(page, "ol.results li a")
    result.click()
    # → entity
    page.wait_for_url(re.compile(r"/resource/slim$"))
    assert page.locator("h1").inner_text() == "小型月着陸実証機"
    assert_readable(page, "h1")
    assert "2024年1月" in page.locator("section.facts.stated").inner_text()
    # → a stated fact's passage in its document: the landing date, stated by an extraction rule
    fact = page.locator("li.fact", has_text="2024-01").first
    ev = fact.locator("ul.evidence > li").filter(has=page.locator("a[href^='/rule/']")).first
    quote = re.sub(r"\s+", " ", ev.locator("blockquote mark").inner_text())
    rule_href = ev.locator("a[href^='/rule/']").first.get_attribute("href")
    ev.locator("a.evidence-link").click()
    page.wait_for_url(re.compile(r"/document/.+\?hl=\d+-\d+#ev-\d+-\d+$"))
    marked = re.sub(r"\s+", " ", "".join(page.locator("pre.doc-text mark").all_inner_texts()))
    assert marked == quote
    # metadata first: title, issuer, date, source, hash; then the text (no schema:text dump)
    meta = page.locator("dl.doc-meta")
    assert meta.is_visible()
    assert page.evaluate("""() => document.querySelector('dl.doc-meta').compareDocumentPosition(
        document.querySelector('pre.doc-text')) & Node.DOCUMENT_POSITION_FOLLOWING""")
    assert re.search(r"[0-9a-f]{64}", meta.inner_text())
    assert meta.inner_text().count("ピンポイント着陸") == 0
    assert_readable(page, "pre.doc-text")
    # → the rule behind it, said in words, with its conclusions by label
    page.go_back()
    page.wait_for_url(re.compile(r"/resource/slim$"))
    page.locator(f"a[href='{rule_href}']").first.click()
    page.wait_for_url(re.compile(re.escape(rule_href) + "$"))
    sentence = page.locator(".rule-sentence").inner_text()
    assert sentence.startswith("If ") and " then " in sentence
    rows = page.locator("table.triples tbody tr")
    assert rows.count() >= 1 and "小型月着陸実証機" in page.locator("table.triples").inner_text()
    assert_readable(page, "table.triples tbody td a")


def test_curated_fact_leads_to_its_quote_and_triples(server, page):
    page.goto(server + "/resource/slim")
    link = page.locator("ul.evidence a[href^='/curation/']").first
    cid = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/curation/C-[A-Z0-9-]+$"))
    assert cid in page.locator("h1").inner_text()
    quote = page.locator("figure.passage blockquote").first
    assert quote.locator("mark").inner_text().strip()
    assert len(quote.inner_text()) > len(quote.locator("mark").inner_text()) + 20, "the quote has context"
    assert "小型月着陸実証機" in page.locator("table.triples").first.inner_text()
    assert_readable(page, "figure.passage blockquote")


def test_inferred_fact_names_its_owl2rl_rule_in_words(server, page):
    page.goto(server + "/resource/slim?lang=en")
    link = page.locator("section.facts.inferred a[href='/rule/cax-sco']").first
    link.click()
    page.wait_for_url(re.compile(r"/rule/cax-sco$"))
    assert "subclass" in page.locator(".rule-sentence").inner_text()
    assert "T(?x, rdf:type, ?c2)" in page.locator("dl.rule-if-then").inner_text()
    total = int(re.search(r"\((\d+)\)", page.locator("h2", has_text="Conclusions").inner_text()).group(1))
    assert total > 50 and page.locator("table.triples tbody tr").count() == 50  # paged
    assert page.locator("nav.pager a[rel=next]").count() == 1
    assert_readable(page, "table.triples tbody td .alt-label")


def test_explore_start_page_and_graph_of_entities(server, page):
    page.goto(server + "/explore")
    assert_readable(page, "ul.explore-start a")
    page.goto(server + "/explore?iri=" + SLIM)
    page.locator("#cy[data-ready='1']").wait_for(state="attached")
    graph = page.evaluate("""() => { const cy = window.spacekgGraph;
        return { nodes: cy.nodes().map(n => ({ id: n.id(), label: n.data('label'),
                   box: n.renderedBoundingBox({ includeLabels: false }) })),
                 edges: cy.edges().map(e => ({ label: e.data('label'), inferred: e.hasClass('inferred') })) }; }""")
    ids = [n["id"] for n in graph["nodes"]]
    assert SLIM in ids and len(ids) > 3
    assert all("/resource/" in i for i in ids), "entities only, no statement nodes"
    labels = [n["label"] for n in graph["nodes"]]
    assert "月" in labels and "日本" in labels  # labels in the page's language
    assert not [x for x in labels if HASH_LABEL.search(x)]
    assert all(e["label"] for e in graph["edges"]) and "探査対象" in [e["label"] for e in graph["edges"]]
    boxes = [n["box"] for n in graph["nodes"]]
    for i, a in enumerate(boxes):  # node bodies do not overlap
        for b in boxes[i + 1:]:
            assert a["x2"] <= b["x1"] or b["x2"] <= a["x1"] or a["y2"] <= b["y1"] or b["y2"] <= a["y1"], (a, b)
    legend = page.locator("aside.legend").inner_text()
    assert "推論された関係" in legend and "文書が述べる関係" in legend
    assert_readable(page, "aside.legend li")
    page.select_option("#depth", "2")
    page.click(".explore-controls button")
    page.wait_for_url(re.compile(r"depth=2"))
    page.locator("#cy[data-ready='1']").wait_for(state="attached")
    n2 = page.evaluate("window.spacekgGraph.nodes().length")
    assert n2 > len(ids)


def test_class_table_has_the_columns_of_missions_and_sorts(server, page):
    page.goto(server + "/class/Mission?lang=en")
    heads = [h.strip(" ▲▼") for h in page.locator("table.instances thead th").all_inner_texts()]
    for col in ("target", "launch date", "developed by"):
        assert col in heads, heads
    assert any(h.startswith("status") for h in heads)
    assert "https://w3id.org/" not in visible_text(page), "no raw IRIs in the table"
    col = heads.index("launch date")
    page.locator("table.instances thead th").nth(col).locator("a").click()
    page.wait_for_url(re.compile(r"sort=launchDate"))
    cells = [c.split("\n")[0].strip() for c in
             page.locator(f"table.instances tbody tr td:nth-child({col + 1})").all_inner_texts()]
    dated = [c for c in cells if c]
    assert dated and dated == sorted(dated) and cells[: len(dated)] == dated  # empty cells last
    page.locator("table.instances thead th").nth(col).locator("a").click()
    page.wait_for_url(re.compile(r"desc=1"))
    cells = [c.split("\n")[0].strip() for c in
             page.locator(f"table.instances tbody tr td:nth-child({col + 1})").all_inner_texts()]
    dated = [c for c in cells if c]
    assert dated == sorted(dated, reverse=True)
    page.goto(server + "/class/Mission?lang=ja")
    assert_readable(page, "table.instances tbody th a")


@pytest.mark.parametrize("path", ["/sparql"])
def test_a_browser_opening_the_endpoint_gets_the_query_page(server, page, path):
    page.goto(server + path)
    page.wait_for_url(re.compile(r"/query$"))
    page.locator(".yasqe .CodeMirror").wait_for(state="visible")


def test_font_check_fails_when_no_cjk_font_is_installed(server, browser, chromium_launch, tmp_path):
    """The CJK check above can fail: Chromium with a font configuration holding only DejaVu
    (as on a server without fonts-noto-cjk) draws the home page's Japanese with a non-CJK
    font, which ``platform_fonts`` reports, while ``document.fonts.check`` still says true."""
    import os
    from pathlib import Path

    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        pytest.skip("no DejaVu fonts to stand in for a machine without CJK fonts")
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><dir>{dejavu}</dir>'
                    f'<cachedir>{tmp_path / "cache"}</cachedir></fontconfig>')
    exe, args = chromium_launch
    b = browser.browser_type.launch(executable_path=exe, args=args,
                                    env=dict(os.environ, FONTCONFIG_FILE=str(conf)))
    try:
        page = b.new_page(locale="ja-JP")
        page.goto(server + "/?lang=ja")
        assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK JP\"', '月面')")  # fooled
        fonts = platform_fonts(page, "p.lead")
        assert fonts and not any(f.startswith(CJK_FAMILIES) for f in fonts), fonts
    finally:
        b.close()


def test_query_results_show_prefixed_datatypes(server, page):
    from urllib.parse import urlencode

    q = ("SELECT ?d WHERE { <https://w3id.org/spacekg/resource/slim> "
         "<https://w3id.org/spacekg/ontology#landingDate> ?d }")
    page.goto(server + "/query?" + urlencode({"query": q, "run": "1"}))
    page.locator(".yasr table .nonIri").first.wait_for(state="visible")
    table = page.locator(".yasr table").inner_text()
    assert "2024-01" in table and "xsd:gYearMonth" in table and "XMLSchema#" not in table
