"""The SPARQL page (editor served locally, server-side results without JS) and safety:
escaping, Content-Security-Policy, no stack traces."""

from __future__ import annotations

import html
import re

from helpers import BASE

from spacekg.server.browse.examples import examples


def test_query_page_serves_yasgui_locally(client):
    r = client.get("/query")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert any(s.endswith("yasgui.min.js") for s in srcs)
    assert all(not s.startswith(("http:", "https:", "//")) for s in srcs)  # no CDN
    assert '<textarea id="query-text" name="query"' in page and '<label for="query-text">' in page


def test_every_example_runs_and_links_iris_locally(client):
    for ex in examples(BASE):
        r = client.get("/query", query_string={"example": ex["id"], "run": "1"})
        assert r.status_code == 200, ex["id"]
        page = r.get_data(as_text=True)
        assert 'class="error"' not in page, (ex["id"], re.findall(r'class="error"[^>]*>(.*?)</p>', page))
        assert 'class="results"' in page, ex["id"]
        assert not re.search(r'href="https://w3id\.org/spacekg/', page), ex["id"]


def test_example_results_and_downloads(client):
    r = client.get("/query", query_string={"example": "missions", "run": "1"})
    page = r.get_data(as_text=True)
    assert 'href="/resource/slim"' in page  # SLIM is a Mission in the lexicon
    downloads = re.findall(r'<a href="(/sparql\?[^"]+)" download>(\w+)</a>', page)
    assert {fmt for _h, fmt in downloads} == {"json", "xml", "csv", "tsv"}
    href = downloads[0][0].replace("&amp;", "&")
    resp = client.get(href)
    assert resp.status_code == 200


def test_bad_query_shows_message_not_traceback(client):
    r = client.get("/query", query_string={"query": "SELECT * WHERE { ?s ?p }", "run": "1"})
    assert r.status_code == 400  # as the endpoint answers the same query
    page = r.get_data(as_text=True)
    assert 'class="error"' in page
    endpoint = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert endpoint.status_code == 400
    # the parser's message (its first line names the position) is on the page
    first = endpoint.get_data(as_text=True).strip().splitlines()[0].removeprefix("bad query: ")
    assert html.escape(first, quote=False) in page, (first, page[-1500:])
    r = client.get("/query", query_string={"run": "1", "query":
                                           "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"})
    assert r.status_code == 403 and 'class="error"' in r.get_data(as_text=True)
    assert "Traceback" not in page and "File \"" not in page


def test_user_text_is_escaped(client):
    evil = '<script>alert("x")</script>'
    for url, qs in (("/search", {"q": evil}), ("/query", {"query": evil, "run": "1"}),
                    ("/resource/" + evil, {})):
        page = client.get(url, query_string=qs).get_data(as_text=True)
        assert "<script>alert" not in page, url
    j = client.get("/api/search", query_string={"q": evil}).get_json()
    assert j["query"] == evil  # JSON carries it as data


def test_security_headers_everywhere(client):
    for url in ("/", "/search?q=x", "/query", "/resource/nothing", "/api/search?q=x", "/timeline"):
        r = client.get(url)
        csp = r.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp, url
        assert r.headers.get("X-Content-Type-Options") == "nosniff"


def test_server_error_page_has_no_traceback(app, client, monkeypatch):
    from spacekg.server.browse import pages as browse_pages

    def boom(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(browse_pages, "header", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        r = client.get("/resource/slim")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert r.status_code == 500
    page = r.get_data(as_text=True)
    assert "secret internals" not in page and "Traceback" not in page


def test_static_vendor_files_present(client):
    for name in ("yasgui.min.js", "yasgui.min.css", "cytoscape.min.js"):
        r = client.get("/assets/vendor/" + name)
        assert r.status_code == 200, f"{name} missing: run `npm ci && node copy-vendor.js` in server/"
