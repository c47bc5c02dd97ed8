"""OpenRefine's sequence of calls against the real graph, through the embedded store and through
a remote SPARQL store (an ``oxigraph serve`` over the same build).

manifest → one batch of 20 names in mixed Japanese/English forms (full-width, katakana, kana
readings, abbreviations) with a type → suggest (entity, type, property) → preview of each
chosen entity → data extension with the properties proposed for the type. Every answer is
validated against the 0.2 schemas; at least 18 of the 20 names must resolve to the right IRI
(``match: true`` or the right top candidate).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))  # sparql_support

R = "https://w3id.org/spacekg/resource/"
SK = "https://w3id.org/spacekg/ontology#"
#: (name as a spreadsheet might hold it, expected entity slug)
NAMES = [("はやぶさ２", "hayabusa2"), ("Hayabusa", "hayabusa"), ("ハヤブサ2", "hayabusa2"),
         ("SLIM", "slim"), ("こがたつきちゃくりくじっしょうき", "slim"), ("MMX", "mmx"),
         ("火星衛星探査計画", "mmx"), ("Chandrayaan-3", "chandrayaan-3"),
         ("チャンドラヤーン2号", "chandrayaan-2"), ("嫦娥5号", "chang-e-5"), ("Chang'e 4", "chang-e-4"),
         ("LUPEX", "lupex"), ("OSIRIS-REx", "osiris-rex"), ("インサイト", "insight"), ("SELENE", "kaguya"),
         ("ＭＡＶＥＮ", "maven"), ("mars 2020", "mars-2020"), ("Mars Orbiter Mission", "mom"),
         ("フォボス・グルント", "phobos-grunt"), ("Artemis II", "artemis-ii")]


def play(client, schemas) -> dict:
    """The whole sequence; returns the figures the tests check."""
    s = schemas["0.2"]
    manifest = client.get("/reconcile").get_json()
    s.validate("manifest", manifest)
    mission = next(t["id"] for t in manifest["defaultTypes"] if t["id"] == SK + "Mission")
    queries = {f"q{i}": {"query": name, "type": mission, "type_strict": "should"}
               for i, (name, _slug) in enumerate(NAMES)}
    r = client.post("/reconcile", data={"queries": json.dumps(queries, ensure_ascii=False)})
    assert r.status_code == 200, r.get_data(as_text=True)
    results = r.get_json()
    s.validate("reconciliation-result-batch", results)
    right, chosen = 0, []
    for i, (_name, slug) in enumerate(NAMES):
        cands = results[f"q{i}"]["result"]
        matched = [c for c in cands if c["match"]]
        pick = matched[0] if matched else (cands[0] if cands else None)
        if pick and pick["id"] == R + slug:
            right += 1
            chosen.append(pick["id"])
    sugg = client.get("/reconcile" + manifest["suggest"]["entity"]["service_path"],
                      query_string={"prefix": "はやぶ"}).get_json()
    s.validate("suggest-entities-response", sugg)
    types = client.get("/reconcile" + manifest["suggest"]["type"]["service_path"],
                       query_string={"prefix": "ミッション"}).get_json()
    s.validate("suggest-types-response", types)
    props = client.get("/reconcile" + manifest["suggest"]["property"]["service_path"],
                       query_string={"prefix": "打上げ"}).get_json()
    s.validate("suggest-properties-response", props)
    previews = []
    for iri in chosen[:5]:
        url = manifest["preview"]["url"].replace("{{id}}", quote(iri, safe=""))  # as OpenRefine does
        resp = client.get(url[url.index("/reconcile"):])
        assert resp.status_code == 200
        previews.append(resp.get_data(as_text=True))
    proposed = client.get("/reconcile" + manifest["extend"]["propose_properties"]["service_path"],
                          query_string={"type": mission}).get_json()
    s.validate("data-extension-property-proposal", proposed)
    wanted = [p["id"] for p in proposed["properties"]]
    ext = client.post("/reconcile", data={"extend": json.dumps(
        {"ids": chosen, "properties": [{"id": p} for p in wanted]})})
    assert ext.status_code == 200, ext.get_data(as_text=True)
    s.validate("data-extension-response", ext.get_json())
    return {"right": right, "suggest": sugg, "types": types, "props": props, "previews": previews,
            "proposed": wanted, "extension": ext.get_json()}


def stated_developers(graph_file: Path, slug: str) -> set[str]:
    """The developers the build states for ``slug`` (``sk:developedBy`` or ``sk:develops``)."""
    import pyoxigraph as ox

    st = ox.Store()
    st.bulk_load(path=str(graph_file), format=ox.RdfFormat.N_QUADS)
    q = (f"SELECT DISTINCT ?d WHERE {{ GRAPH ?g {{ {{ <{R}{slug}> <{SK}developedBy> ?d }} "
         f"UNION {{ ?d <{SK}develops> <{R}{slug}> }} }} }}")
    return {sol["d"].value for sol in st.query(q)}


def check(figures: dict, developers: set[str]) -> None:
    assert figures["right"] >= 18, figures["right"]
    assert R + "hayabusa" in [x["id"] for x in figures["suggest"]["result"]]
    assert SK + "Mission" in [x["id"] for x in figures["types"]["result"]]
    assert SK + "launchDate" in [x["id"] for x in figures["props"]["result"]]
    assert all("<h1>" in p for p in figures["previews"]) and len(figures["previews"]) == 5
    for p in ("launchDate", "target", "developedBy"):
        assert SK + p in figures["proposed"], p
    assert "http://www.w3.org/2004/02/skos/core#exactMatch" in figures["proposed"]
    rows = figures["extension"]["rows"]
    assert rows[R + "mom"][SK + "launchDate"] == [{"str": "2013"}]
    assert {"id": R + "moon", "name": "Moon"} in rows[R + "slim"][SK + "target"]
    assert developers, "the build should state who developed SLIM"
    assert developers <= {v["id"] for v in rows[R + "slim"][SK + "developedBy"]}


def test_openrefine_sequence_embedded(client, schemas, graph_file):
    check(play(client, schemas), stated_developers(graph_file, "slim"))


@pytest.mark.skipif(shutil.which("oxigraph") is None, reason="the `oxigraph` server binary is absent")
def test_openrefine_sequence_through_a_remote_store(graph_file, schemas, tmp_path):
    from test_remote import OxigraphServer  # tests/server/test_remote.py

    from spacekg.server import create_app

    srv = OxigraphServer(tmp_path / "db", [graph_file])
    try:
        app = create_app({"TESTING": True, "SPACEKG_BASE": "https://w3id.org/spacekg/",
                          "SPACEKG_STORE_URL": srv.url + "/query", "SPACEKG_DATA": None})
        check(play(app.test_client(), schemas), stated_developers(graph_file, "slim"))
    finally:
        srv.stop()
