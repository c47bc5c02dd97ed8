"""The reconciliation service against the W3C Community Group's schemas, on the real graph.

Every response of every route, for both versions, is validated with ``jsonschema`` against the
schema of its version; the valid example requests of the shared folder parse and the invalid
ones are refused by the service's request parsing; matching, constraints and bad input are
checked on real entities of the graph.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from spacekg.server.reconcile import requests as rq

R = "https://w3id.org/spacekg/resource/"
SK = "https://w3id.org/spacekg/ontology#"


def batch02(client, queries: dict, method: str = "post", **extra):
    payload = {"queries": json.dumps(queries, ensure_ascii=False), **extra}
    r = client.post("/reconcile", data=payload) if method == "post" else \
        client.get("/reconcile", query_string=payload)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r


def match10(client, queries: list) -> dict:
    r = client.post("/reconcile/v1/match", json={"queries": queries})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


# ------------------------------------------------------------------ the examples of the spec
@pytest.mark.parametrize("version", ["0.2", "1.0"])
def test_example_query_batches_accepted_and_refused(schemas, version):
    parse = rq.parse_batch_02 if version == "0.2" else rq.parse_batch_10
    valid = schemas[version].examples("reconciliation-query-batch", "valid")
    invalid = schemas[version].examples("reconciliation-query-batch", "invalid")
    assert valid and invalid
    for path in valid:
        queries = parse(json.loads(path.read_text(encoding="utf-8")))
        assert queries, path.name
    for path in invalid:
        with pytest.raises(rq.BadRequest):
            parse(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("version", ["0.2", "1.0"])
def test_example_extension_queries_accepted(schemas, version):
    paths = schemas[version].examples("data-extension-query", "valid")
    assert paths
    for path in paths:
        ids, props = rq.parse_extend(json.loads(path.read_text(encoding="utf-8")))
        assert ids and props
    for bad in ({"ids": ["x"]}, {"ids": "x", "properties": []}, {"ids": [], "properties": [{"settings": {}}]}):
        with pytest.raises(rq.BadRequest):
            rq.parse_extend(bad)


@pytest.mark.parametrize("version", ["0.2", "1.0"])
def test_schema_wiring_accepts_valid_and_refuses_invalid_response_examples(schemas, version):
    """The validator set-up used below is sound: the spec's response examples come out right."""
    s = schemas[version]
    for kind in ("manifest", "reconciliation-result-batch", "data-extension-response",
                 "suggest-entities-response", "suggest-types-response", "suggest-properties-response",
                 "data-extension-property-proposal"):
        for path in s.examples(kind, "valid"):
            doc = json.loads(path.read_text(encoding="utf-8"))
            if "authentication" in doc:  # refers to the remote Swagger schema; not used here
                continue
            s.validate(kind, doc)
        for path in s.examples(kind, "invalid"):
            doc = json.loads(path.read_text(encoding="utf-8"))
            if "authentication" in doc:
                continue
            with pytest.raises(jsonschema.ValidationError):
                s.validate(kind, doc)


def test_valid_example_batches_through_http_give_clear_400_for_foreign_types(client, schemas):
    """The examples name types of another service: parsed, then refused by name."""
    path = schemas["0.2"].folder / "examples" / "reconciliation-query-batch" / "valid" / "example-full.json"
    r = client.post("/reconcile", data={"queries": path.read_text(encoding="utf-8")})
    assert r.status_code == 400 and "unknown type 'DifferentiatedPerson'" in r.get_json()["error"]
    path = schemas["0.2"].folder / "examples" / "reconciliation-query-batch" / "valid" / "example-min.json"
    r = client.post("/reconcile", data={"queries": path.read_text(encoding="utf-8")})
    assert r.status_code == 200
    schemas["0.2"].validate("reconciliation-result-batch", r.get_json())


# ------------------------------------------------------------------ every response validates
def test_manifests_validate(client, schemas):
    m02 = client.get("/reconcile").get_json()
    schemas["0.2"].validate("manifest", m02)
    assert m02["versions"] == ["0.2"] and m02["identifierSpace"] == R
    m10 = client.get("/reconcile/v1").get_json()
    schemas["1.0"].validate("manifest", m10)
    assert m10["versions"] == ["1.0-draft"] and m10["standardizedScore"] is True
    for t in m02["defaultTypes"]:
        assert t["id"].startswith(SK)


def test_responses_of_every_route_validate_02(client, schemas):
    s = schemas["0.2"]
    qs = {"q0": {"query": "はやぶさ２", "type": "Mission"}, "q1": {"query": "JAXA", "limit": 3},
          "q2": {"properties": [{"pid": "country", "v": "Japan"}], "type": "Organization"}}
    for method in ("post", "get"):
        s.validate("reconciliation-result-batch", batch02(client, qs, method).get_json())
    for kind, schema in (("entity", "suggest-entities-response"), ("type", "suggest-types-response"),
                         ("property", "suggest-properties-response")):
        for prefix in ("はや", "Miss", "launch", "", "ｊａｘａ"):
            r = client.get(f"/reconcile/suggest/{kind}", query_string={"prefix": prefix})
            assert r.status_code == 200
            s.validate(schema, r.get_json())
    r = client.get("/reconcile/propose_properties", query_string={"type": SK + "Mission"})
    s.validate("data-extension-property-proposal", r.get_json())
    ext = {"ids": [R + "slim", R + "jaxa", R + "no-such-thing"],
           "properties": [{"id": p["id"]} for p in r.get_json()["properties"]]}
    r = client.post("/reconcile", data={"extend": json.dumps(ext)})
    assert r.status_code == 200, r.get_data(as_text=True)
    s.validate("data-extension-response", r.get_json())


def test_responses_of_every_route_validate_10(client, schemas):
    s = schemas["1.0"]
    body = match10(client, [
        {"conditions": [{"matchType": "name", "propertyValue": "小型月着陸実証機"}], "type": "Mission"},
        {"conditions": [{"matchType": "name", "propertyValue": "Mars Orbiter Mission"},
                        {"matchType": "property", "propertyId": "launchDate", "propertyValue": "2013"}]},
        {"conditions": [{"matchType": "id", "propertyValue": "slim"}]},
        {"conditions": [{"matchType": "property", "propertyId": "country", "propertyValue": "日本",
                         "required": True}], "type": "Organization", "limit": 5}])
    s.validate("reconciliation-result-batch", body)
    assert len(body["results"]) == 4
    assert [c["id"] for c in body["results"][2]["candidates"]][:1] == [R + "slim"]
    for kind, schema in (("entity", "suggest-entities-response"), ("type", "suggest-types-response"),
                         ("property", "suggest-properties-response")):
        for prefix in ("かせい", "space", "target", ""):
            r = client.get(f"/reconcile/v1/suggest/{kind}", query_string={"prefix": prefix, "offset": 1})
            assert r.status_code == 200
            s.validate(schema, r.get_json())
    r = client.get("/reconcile/v1/extend/propose", query_string={"type": "sk:SpaceAgency", "limit": 5})
    s.validate("data-extension-property-proposal", r.get_json())
    assert len(r.get_json()["properties"]) <= 5
    r = client.post("/reconcile/v1/extend", json={"ids": [R + "slim", R + "artemis-program"],
                                                  "properties": [{"id": "target"}, {"id": "wikidata"},
                                                                 {"id": "landingDate", "settings": {"limit": 1}}]})
    assert r.status_code == 200, r.get_data(as_text=True)
    s.validate("data-extension-response", r.get_json())


# ------------------------------------------------------------------ matching
def test_width_case_kana_and_abbreviations_match_like_the_search(client):
    forms = {"hayabusa2": ["はやぶさ2", "ハヤブサ２", "HAYABUSA2", "はやぶさつー"],
             "jaxa": ["JAXA", "ｊａｘａ", "宇宙航空研究開発機構", "うちゅうこうくうけんきゅうかいはつきこう"],
             "slim": ["SLIM", "小型月着陸実証機", "Smart Lander for Investigating Moon"],
             "mext": ["文科省", "MEXT", "もんぶかがくしょう"]}
    qs = {f"{ent}-{i}": {"query": f} for ent, fs in forms.items() for i, f in enumerate(fs)}
    res = batch02(client, qs).get_json()
    for key, v in res.items():
        top = v["result"][0]
        assert top["id"] == R + key.rsplit("-", 1)[0], (qs[key], top)
        assert top["match"] is True and top["score"] >= 95


def test_type_constraint_includes_subclasses(client):
    res = batch02(client, {"org": {"query": "JAXA", "type": SK + "Organization"},
                           "agent": {"query": "JAXA", "type": "Agent"},
                           "mission": {"query": "JAXA", "type": "sk:Mission"},
                           "probe": {"query": "はやぶさ2", "type": "Spacecraft"}}).get_json()
    assert res["org"]["result"][0]["id"] == R + "jaxa" and res["org"]["result"][0]["match"]
    assert res["agent"]["result"][0]["id"] == R + "jaxa"
    assert R + "jaxa" not in [c["id"] for c in res["mission"]["result"]]
    assert res["probe"]["result"][0]["id"] == R + "hayabusa2"  # a Probe, subclass of Spacecraft


def test_property_constraints_launch_year_and_country(client):
    res = batch02(client, {
        "right-year": {"query": "Mars Orbiter Mission", "properties": [{"pid": "launchDate", "v": 2013}]},
        "wrong-year": {"query": "Mars Orbiter Mission", "properties": [{"pid": "sk:launchDate", "v": "2022"}]},
        "right-country": {"query": "Aeroflex", "properties": [{"pid": SK + "country", "v": "日本"}]},
        "wrong-country": {"query": "Aeroflex", "properties": [{"pid": "country", "v": "United States"}]},
        "country-id": {"query": "Aeroflex", "properties": [{"pid": "country", "v": {"id": R + "japan"}}]},
    }).get_json()
    for ok in ("right-year", "right-country", "country-id"):
        assert res[ok]["result"][0]["match"] is True, ok
    assert res["right-year"]["result"][0]["id"] == R + "mom"
    for bad in ("wrong-year", "wrong-country"):
        top = res[bad]["result"][0]
        assert top["match"] is False and top["score"] <= 75, bad
    # properties only (1.0 draft, required): every organisation whose country is the USA
    body = match10(client, [
        {"conditions": [{"matchType": "property", "propertyId": "country", "propertyValue": "United States",
                         "required": True}], "type": "Organization", "limit": 50}])
    ids = {c["id"] for c in body["results"][0]["candidates"]}
    assert {R + "exlabs", R + "astroforge"} <= ids and R + "aeroflex" not in ids


def test_match_only_for_a_single_exact_candidate(client, app):
    from spacekg.server.reconcile.graph import graph

    with app.test_request_context():
        g = graph()
        shared = sorted(k for k, v in g.exact.items() if len(v) > 1)
        label = next(e.text for e in g.index.entries if e.key == shared[0])
    res = batch02(client, {"shared": {"query": label}, "prefix": {"query": "はやぶ"}}).get_json()
    shared_result = res["shared"]["result"]
    assert len([c for c in shared_result if c["score"] >= 95]) >= 2
    assert not any(c["match"] for c in shared_result)
    assert res["prefix"]["result"] and not any(c["match"] for c in res["prefix"]["result"])


def test_jsonp_and_cors(client):
    r = client.get("/reconcile", query_string={"callback": "jQuery123_cb"})
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "application/javascript"
    assert text.startswith("/**/jQuery123_cb(") and text.endswith(");")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    pre = client.options("/reconcile/v1/match", headers={"Origin": "https://example.org",
                                                          "Access-Control-Request-Method": "POST"})
    assert pre.status_code in (200, 204) and "POST" in pre.headers["Access-Control-Allow-Methods"]
    r = client.get("/reconcile", query_string={"callback": "alert(1)//"})
    assert r.status_code == 400


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("path,data,needle", [
    ("/reconcile", {"queries": "{not json"}, "malformed JSON"),
    ("/reconcile", {"queries": '{"q0": {"query": "SLIM", "type": "Starship"}}'}, "unknown type 'Starship'"),
    ("/reconcile", {"queries": '{"q0": {"query": "SLIM", "properties": [{"pid": "colour", "v": "red"}]}}'},
     "unknown property 'colour'"),
    ("/reconcile", {"queries": '{"q0": {"limit": 3}}'}, "invalid query batch at q0"),
    ("/reconcile", {"queries": '{"q0": {"query": "SLIM", "limit": 0}}'}, "limit must be a positive"),
    ("/reconcile", {"extend": '{"ids": ["x"]}'}, "'properties' is a required property"),
    ("/reconcile", {"extend": '{"ids": [], "properties": [{"id": "nope"}]}'}, "unknown property 'nope'"),
])
def test_bad_input_is_400_with_message(client, path, data, needle):
    r = client.post(path, data=data)
    assert r.status_code == 400
    assert needle in r.get_json()["error"]


def test_bad_input_10_and_oversized_batch(client):
    r = client.post("/reconcile/v1/match", data="[1,", content_type="application/json")
    assert r.status_code == 400 and "malformed JSON" in r.get_json()["error"]
    r = client.post("/reconcile/v1/match", json={"queries": [{"conditions": []}]})
    assert r.status_code == 400 and "queries/0/conditions" in r.get_json()["error"]
    r = client.get("/reconcile/v1/extend/propose", query_string={"type": "Nothing"})
    assert r.status_code == 400
    r = client.post("/reconcile/v1/match", json={"queries": [
        {"conditions": [{"matchType": "name", "propertyValue": "SLIM"}]}] * 101})
    assert r.status_code == 413
    assert client.get("/reconcile/preview", query_string={"id": "no-such"}).status_code == 404


# ------------------------------------------------------------------ preview
def test_preview_card_shows_labels_class_facts_and_escapes(client, app):
    r = client.get("/reconcile/preview", query_string={"id": R + "slim"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "小型月着陸実証機" in html and "Smart Lander for Investigating Moon" in html
    assert "着陸機" in html or "Lander" in html
    assert "月" in html and "2024-01" in html  # target and landing date
    assert "frame-ancestors *" in r.headers["Content-Security-Policy"]
    from spacekg.server.reconcile.graph import graph
    from spacekg.server.reconcile.preview import card

    with app.test_request_context():
        g = graph()
        g_label = g.label
        try:
            g.label = lambda iri, lang="en": '<script>alert("x")</script>&'
            html = card(g, R + "slim", 400, 140, '/resource/slim"><script>')
        finally:
            g.label = g_label
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
