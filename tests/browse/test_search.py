"""Search: normalisation, ranking, the HTML page and the JSON endpoint."""

from __future__ import annotations

import re

import pytest
from helpers import BASE, select

from spacekg.server.browse.search import Index, normalise


@pytest.mark.parametrize("a,b", [
    ("ＨＴＶ－Ｘ", "HTV-X"), ("はやぶさ２", "はやぶさ2"), ("ハヤブサ", "はやぶさ"), ("slim", "ＳＬＩＭ"),
    ("国際宇宙ステーション", "国際宇宙ｽﾃｰｼｮﾝ"), ("Kibo-ABC", "kibo abc"), ("プラネタリー・ディフェンス", "ぷらねたりーでぃふぇんす"),
])
def test_normalise_folds_width_case_kana_and_separators(a, b):
    assert normalise(a) == normalise(b)


def test_normalise_keeps_distinct_words_apart():
    assert normalise("はやぶさ2") != normalise("はやぶさ")
    assert normalise("月") != normalise("火星")


def test_index_ranks_exact_before_prefix_before_substring():
    from rdflib import Literal, URIRef

    a, b, c = URIRef("x:a"), URIRef("x:b"), URIRef("x:c")
    idx = Index({a: [("prefLabel", Literal("はやぶさ2", lang="ja"))],
                 b: [("prefLabel", Literal("はやぶさ", lang="ja"))],
                 c: [("prefLabel", Literal("小惑星探査機はやぶさ", lang="ja"))]})
    ranked = [iri for iri, _rank, _m in idx.search("ハヤブサ")]
    assert ranked == [b, a, c]


LABEL_OF = "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }"


@pytest.mark.parametrize("query,slug", [
    ("SLIM", "slim"), ("slim", "slim"), ("小型月着陸実証機", "slim"), ("はやぶさ２", "hayabusa2"),
    ("Hayabusa2", "hayabusa2"), ("ＨＴＶ－Ｘ", "htv-x"), ("htv-x", "htv-x"), ("JAXA", "jaxa"),
    ("こがたつき", "slim"),
])
def test_api_search_finds_entity_first(app, client, query, slug):
    iri = BASE + "resource/" + slug
    j = client.get("/api/search", query_string={"q": query}).get_json()
    assert j["results"], query
    assert j["results"][0]["iri"] == iri, (query, [r["iri"] for r in j["results"][:5]])
    top = j["results"][0]
    from rdflib import URIRef

    labels = {str(r["l"]) for r in select(app, LABEL_OF, {"s": URIRef(iri)})}
    assert top["ja"] in labels and top["en"] in labels
    assert top["classes"] and top["path"] == "/resource/" + slug


def test_prefix_match_as_you_type(client):
    j = client.get("/api/search", query_string={"q": "Haya"}).get_json()
    assert any(r["iri"].endswith("/hayabusa2") for r in j["results"])
    assert all(r["rank"] >= 2 for r in j["results"])  # no exact match for a prefix


def test_search_page_without_javascript(client):
    r = client.get("/search", query_string={"q": "はやぶさ２", "lang": "en"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    first = re.search(r'<ol class="results">\s*<li><a href="([^"]+)"', page)
    assert first and first.group(1) == "/resource/hayabusa2"
    assert client.get("/search").status_code == 200
    assert client.get("/api/search", query_string={"q": ""}).get_json()["results"] == []
