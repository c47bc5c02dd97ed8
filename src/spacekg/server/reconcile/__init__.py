"""The Reconciliation Service API (W3C Entity Reconciliation Community Group) at ``/reconcile``.

Two versions, chosen by path (the 1.0 draft puts every route under the service's root URL, so
each version has its own root):

* ``/reconcile`` — version 0.2, what OpenRefine 3.x speaks: GET without parameters returns the
  manifest; ``queries`` (GET or POST form) a batch of named queries; ``extend`` a data
  extension query; ``callback`` wraps any answer as JSONP. Suggest at
  ``/reconcile/suggest/{entity,type,property}?prefix=&cursor=``, preview at
  ``/reconcile/preview?id=``, property proposals at ``/reconcile/propose_properties?type=``.
* ``/reconcile/v1`` — the 1.0 draft: GET the manifest, POST ``/match`` and ``/extend``
  (JSON bodies; a ``queries``/``extend`` form member is read too), GET ``/suggest/…?prefix=&offset=``,
  ``/preview?id=``, ``/extend/propose?type=``.

Identifiers are full IRIs: entities ``{base}resource/…`` (a slug such as ``slim`` is accepted in
input), types ``{base}ontology#Mission`` (``sk:Mission``, ``Mission`` or a label accepted),
properties ``{base}ontology#launchDate`` (likewise; ``wikidata`` for the Wikidata item). Every
route answers CORS requests. Bad input (malformed JSON, a batch breaking the protocol, an unknown
type or property) is a 400 with ``{"error": message}``; a batch of more than
:data:`BATCH_SIZE` queries a 413. All data comes from :mod:`spacekg.server.reconcile.graph`.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, request

from spacekg.server.reconcile import extend as ext
from spacekg.server.reconcile import suggest as sug
from spacekg.server.reconcile.graph import Graph, graph
from spacekg.server.reconcile.match import Candidate, reconcile, resolve_types
from spacekg.server.reconcile.preview import card
from spacekg.server.reconcile.requests import (
    BadRequest,
    load_json,
    parse_batch_02,
    parse_batch_10,
    parse_extend,
)

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")

BATCH_SIZE = 100
PREVIEW = (400, 140)
DEFAULT_TYPES = ("Mission", "Spacecraft", "LaunchVehicle", "SpaceAgency", "Organization", "Program",
                 "Country", "Person", "CelestialBody", "Facility")
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Accept, Content-Type", "Access-Control-Max-Age": "86400"}
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


class TooLarge(BadRequest):
    """More queries in one batch than the service takes (HTTP 413)."""


def _lang(text: str | None, asked: str | None = None) -> str:
    """The language to name things in: asked (ja/en), else ja for Japanese script, else en."""
    if asked in ("ja", "en"):
        return asked
    return "ja" if text and _JA.search(text) else "en"


def _json(obj, status: int = 200, version: str = "0.2") -> Response:
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    cb = request.values.get("callback") if version == "0.2" else None
    if cb:
        if not _CALLBACK.match(cb) or len(cb) > 100:
            body, status, cb = json.dumps({"error": "callback must be a JavaScript identifier"}), 400, None
        else:
            return Response(f"/**/{cb}({body});", status, content_type="application/javascript; charset=utf-8",
                            headers=CORS)
    return Response(body, status, content_type="application/json; charset=utf-8", headers=CORS)


@bp.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    return _json({"error": str(exc)}, 413 if isinstance(exc, TooLarge) else 400,
                 "1.0" if request.path.startswith("/reconcile/v1") else "0.2")


@bp.after_request
def _cors(resp: Response) -> Response:
    """CORS on every response of the service, Flask's automatic OPTIONS answers included."""
    for k, v in CORS.items():
        resp.headers.setdefault(k, v)
    return resp


def _root() -> str:
    return request.url_root.rstrip("/") + bp.url_prefix


def _type_obj(g: Graph, iri: str, lang: str = "en") -> dict:
    return {"id": iri, "name": g.classes[iri].name(lang)}


def _default_types(g: Graph) -> list[dict]:
    sk = g.base + "ontology#"
    return [_type_obj(g, sk + n) for n in DEFAULT_TYPES if sk + n in g.classes]


def _description(g: Graph, iri: str, lang: str) -> str:
    other = g.label(iri, "en" if lang == "ja" else "ja")
    types = g.entity_types(iri)
    cls = g.classes[types[0]].name(lang) if types else ""
    return " · ".join(x for x in (other if other != g.label(iri, lang) else "", cls) if x)


def _candidate(g: Graph, c: Candidate, lang: str, v1: bool) -> dict:
    feats = [("name_rank", "name match rank (0 exact preferred label … 4 substring)",
              c.name_rank if c.name_rank is not None else 5),
             ("properties_met", "property conditions met", c.properties_met),
             ("properties_failed", "property conditions not met", c.properties_failed)]
    return {"id": c.iri, "name": g.label(c.iri, lang), "description": _description(g, c.iri, lang),
            "score": c.score, "match": c.match, "type": [_type_obj(g, t, lang) for t in c.types],
            "features": [{"id": i, "name": n, "value": v} if v1 else {"id": i, "value": v}
                         for i, n, v in feats]}


def _batch(raw, kind: str):
    payload = load_json(raw, "queries")
    queries = parse_batch_02(payload) if kind == "0.2" else parse_batch_10(payload)
    if len(queries) > BATCH_SIZE:
        raise TooLarge(f"{len(queries)} queries in one batch; at most {BATCH_SIZE}")
    g = graph()
    return g, [(q, reconcile(g, q)) for q in queries]


# ------------------------------------------------------------------ 0.2
def manifest_02() -> dict:
    """The 0.2 service manifest (absolute service URLs from the request)."""
    g, root = graph(), _root()
    return {
        "versions": ["0.2"],
        "name": "spacekg — Japan's space-exploration policy (日本の宇宙探査政策)",
        "identifierSpace": g.base + "resource/",
        "schemaSpace": g.base + "ontology#",
        "documentation": root + "/v1",
        "view": {"url": "{{id}}"},
        "defaultTypes": _default_types(g),
        "suggest": {k: {"service_url": root, "service_path": f"/suggest/{k}"}
                    for k in ("entity", "type", "property")},
        "preview": {"url": root + "/preview?id={{id}}", "width": PREVIEW[0], "height": PREVIEW[1]},
        "extend": {"propose_properties": {"service_url": root, "service_path": "/propose_properties"},
                   "property_settings": [{"type": "number", "default": 0, "label": "Limit", "name": "limit",
                                          "help_text": "Maximum number of values (0: all)"}]},
    }


@bp.route("", methods=["GET", "POST"])
def service_02():
    """0.2: manifest, query batch (``queries``), single query (``query``) or extension (``extend``)."""
    if "queries" in request.values:
        g, results = _batch(request.values["queries"], "0.2")
        return _json({q.key: {"result": [_candidate(g, c, _lang(q.text), False) for c in cands]}
                      for q, cands in results})
    if "query" in request.values:  # the single-query form of early clients: a JSON query or a name
        raw = request.values["query"]
        q = load_json(raw, "query") if raw.lstrip().startswith("{") else {"query": raw}
        g, results = _batch(json.dumps({"q0": q}), "0.2")
        q0, cands = results[0]
        return _json({"result": [_candidate(g, c, _lang(q0.text), False) for c in cands]})
    if "extend" in request.values:
        ids, props = parse_extend(load_json(request.values["extend"], "extend"))
        meta, rows = ext.extend(graph(), ids, props)
        return _json({"meta": meta, "rows": rows})
    return _json(manifest_02())


def _paging(offset_name: str) -> tuple[str, int, int]:
    prefix = request.args.get("prefix", "")
    try:
        offset = max(int(request.args.get(offset_name, 0) or 0), 0)
        limit = min(max(int(request.args.get("limit", 10) or 10), 1), 100)
    except ValueError:
        raise BadRequest(f"{offset_name} and limit must be integers") from None
    return prefix, offset, limit


def _suggest(kind: str, offset_name: str, v1: bool):
    g = graph()
    prefix, offset, limit = _paging(offset_name)
    lang = _lang(prefix, request.args.get("lang"))
    if kind == "entity":
        cls = resolve_types(g, [request.args["type"]])[0] if request.args.get("type") else None
        result = [{"id": i, "name": g.label(i, lang), "description": _description(g, i, lang),
                   "notable": [_type_obj(g, t, lang) for t in g.entity_types(i)[:2]]}
                  for i in sug.entities(g, prefix, offset, limit, cls)]
    else:
        pool = g.classes if kind == "type" else g.properties
        result = []
        for t in sug.terms(g, pool, prefix, offset, limit):
            item = {"id": t.iri, "name": t.name(lang)}
            if t.description:
                item["description"] = t.description
            if kind == "type" and t.parents:
                item["broader"] = [_type_obj(g, p, lang) for p in t.parents if p in g.classes]
            result.append(item)
    return _json({"result": result}, version="1.0" if v1 else "0.2")


@bp.route("/suggest/<any('entity', 'type', 'property'):kind>")
def suggest_02(kind: str):
    """0.2 suggest: ``prefix``, ``cursor`` (offset), ``limit``; entities also by ``type``."""
    return _suggest(kind, "cursor", False)


def _preview(v1: bool):
    g = graph()
    ident = request.args.get("id", "")
    iri = g.resolve_entity(ident)
    if iri is None:
        return Response(f"no entity {ident!r} in this graph", 404, content_type="text/plain; charset=utf-8",
                        headers=CORS)
    from spacekg.server.browse.util import local_path

    html = card(g, iri, PREVIEW[0], PREVIEW[1], local_path(iri))
    return Response(html, content_type="text/html; charset=utf-8",
                    headers={**CORS, "Content-Security-Policy":
                             "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *"})


@bp.route("/preview")
def preview_02():
    """Preview card of ``id`` (both versions use ``?id=``)."""
    return _preview(False)


def _propose(v1: bool):
    g = graph()
    raw = request.args.get("type", "")
    if not raw:
        raise BadRequest("type is required")
    cls = resolve_types(g, [raw])[0]
    try:
        limit = min(max(int(request.args.get("limit", 20) or 20), 1), 100)
    except ValueError:
        raise BadRequest("limit must be an integer") from None
    props = [{"id": p, "name": g.label(p, "en"), "description": g.properties[p].description}
             for p in ext.propose(g, cls, limit)]
    for p in props:
        if not p["description"]:
            del p["description"]
    return _json({"type": raw, "limit": limit, "properties": props}, version="1.0" if v1 else "0.2")


@bp.route("/propose_properties")
def propose_02():
    """0.2 property proposals for ``type`` (``limit`` optional)."""
    return _propose(False)


# ------------------------------------------------------------------ 1.0 draft
def manifest_10() -> dict:
    """The 1.0-draft service manifest."""
    g = graph()
    return {
        "versions": ["1.0-draft"],
        "name": "spacekg — Japan's space-exploration policy (日本の宇宙探査政策)",
        "documentation": _root() + "/v1",
        "view": {"url": "{id}"},
        "defaultTypes": _default_types(g),
        "suggest": {"entity": True, "property": True, "type": True},
        "preview": {"width": PREVIEW[0], "height": PREVIEW[1]},
        "extend": {"proposeProperties": True,
                   "propertySettings": [{"type": "number", "default": 0, "id": "limit", "name": "Limit",
                                         "helpText": "Maximum number of values (0: all)"}]},
        "standardizedScore": True,
        "batchSize": BATCH_SIZE,
    }


def _body(member: str):
    if request.is_json or (request.mimetype or "").endswith("+json"):
        return request.get_data(as_text=True)
    if member in request.values:
        return request.values[member]
    return request.get_data(as_text=True)


@bp.route("/v1")
def manifest_v1():
    """1.0 draft: the service manifest."""
    return _json(manifest_10(), version="1.0")


@bp.route("/v1/match", methods=["POST"])
def match_v1():
    """1.0 draft: a query batch as a JSON body; results in the same order."""
    g, results = _batch(_body("queries"), "1.0")
    return _json({"results": [{"candidates": [_candidate(g, c, _lang(q.text, q.lang), True) for c in cands]}
                              for q, cands in results]}, version="1.0")


@bp.route("/v1/extend", methods=["POST"])
def extend_v1():
    """1.0 draft: a data extension query as a JSON body."""
    ids, props = parse_extend(load_json(_body("extend"), "extend"))
    meta, rows = ext.extend(graph(), ids, props)
    return _json({"meta": meta, "rows": [{"id": i, "properties": [{"id": pid, "values": vals}
                                                                  for pid, vals in by_prop.items()]}
                                         for i, by_prop in rows.items()]}, version="1.0")


@bp.route("/v1/extend/propose")
def propose_v1():
    """1.0 draft: properties proposed for data extension of a type (``?type=``)."""
    return _propose(True)


@bp.route("/v1/suggest/<any('entity', 'type', 'property'):kind>")
def suggest_v1(kind: str):
    """1.0 draft: suggest entities, types or properties from a prefix (``?prefix=``)."""
    return _suggest(kind, "offset", True)


@bp.route("/v1/preview")
def preview_v1():
    """1.0 draft: an HTML card of one entity (``?id=``)."""
    return _preview(True)
