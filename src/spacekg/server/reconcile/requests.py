"""Parsing of reconciliation requests (query batches, data extension queries) for both versions.

The request rules are those of the W3C Entity Reconciliation Community Group's Reconciliation
Service API, versions 0.2 (https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/)
and the 1.0 draft (https://reconciliation-api.github.io/specs/draft/): sections "Structure of a
Reconciliation Query" and "Data Extension Query Requests". They are written below as JSON
Schemas and checked with the ``jsonschema`` library; a payload they refuse raises
:class:`BadRequest` with the validator's message and the path of the offending member.
Both versions parse to the same :class:`Query` list, so matching is written once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from jsonschema import Draft7Validator

_VALUE = {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"},
                    {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                     "required": ["id"]}]}
_VALUES = {"oneOf": [_VALUE, {"type": "array", "items": _VALUE}]}

#: 0.2: an object of named queries, each with ``query`` or a non-empty ``properties`` list.
QUERY_BATCH_02 = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "type": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "limit": {"type": "number"},
            "properties": {"type": "array", "items": {
                "type": "object", "properties": {"pid": {"type": "string"}, "v": _VALUES},
                "required": ["pid", "v"]}},
            "type_strict": {"enum": ["any", "should", "all"]},
        },
        "anyOf": [{"required": ["query"]},
                  {"required": ["properties"], "properties": {"properties": {"minItems": 1}}}],
        "additionalProperties": False,
    },
}
#: 1.0 draft: ``{"queries": [...]}``, each query with at least one condition.
QUERY_BATCH_10 = {
    "type": "object",
    "required": ["queries"],
    "properties": {"queries": {"type": "array", "items": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "limit": {"type": "number"},
            "lang": {"type": "string"},
            "dir": {"enum": ["ltr", "rtl", "auto"]},
            "conditions": {"type": "array", "minItems": 1, "items": {
                "type": "object",
                "properties": {
                    "matchType": {"enum": ["name", "id", "property"]},
                    "propertyId": {"type": "string"},
                    "propertyValue": _VALUES,
                    "required": {"type": "boolean"},
                    "matchQuantifier": {"enum": ["any", "all", "none"]},
                    "matchQualifier": {"type": "string"},
                },
                "required": ["matchType", "propertyValue"],
                "if": {"properties": {"matchType": {"const": "property"}}},
                "then": {"required": ["propertyId"]},
            }},
        },
        "required": ["conditions"],
        "additionalProperties": False,
    }}},
}
#: both versions: ``{"ids": [...], "properties": [{"id": …, "settings": {…}}]}``
EXTEND_QUERY = {
    "type": "object",
    "required": ["ids", "properties"],
    "properties": {
        "ids": {"type": "array", "items": {"type": "string"}},
        "properties": {"type": "array", "items": {
            "type": "object", "properties": {"id": {"type": "string"}, "settings": {"type": "object"}},
            "required": ["id"]}},
    },
}
_VALIDATORS = {name: Draft7Validator(s) for name, s in
               (("0.2", QUERY_BATCH_02), ("1.0", QUERY_BATCH_10), ("extend", EXTEND_QUERY))}


class BadRequest(ValueError):
    """The request cannot be parsed or breaks the protocol; the message says where (HTTP 400)."""


@dataclass
class Condition:
    """One constraint: ``kind`` ``name`` | ``id`` | ``property``; ``values`` are strings,
    numbers, booleans or ``{"id", "name"}`` dicts; ``quantifier`` ``any`` | ``all`` | ``none``."""

    kind: str
    values: list
    prop: str | None = None
    required: bool = False
    quantifier: str = "any"


@dataclass
class Query:
    """A version-neutral reconciliation query: ``key`` (0.2 name or 1.0 position), ``text`` (the
    name searched, or None), ``types`` (as given), ``type_strict``, ``limit``, ``lang`` and the
    property/id ``conditions``."""

    key: str
    text: str | None
    types: list[str] = field(default_factory=list)
    type_strict: str = "any"
    limit: int = 10
    lang: str | None = None
    conditions: list[Condition] = field(default_factory=list)


def load_json(raw: str | bytes | None, what: str):
    """Parse a JSON request member; :class:`BadRequest` names ``what`` and the parser's message."""
    if raw is None or (isinstance(raw, (str, bytes)) and not raw.strip()):
        raise BadRequest(f"{what}: empty; a JSON document is required")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"{what}: malformed JSON ({exc})") from None


def check(kind: str, payload) -> None:
    """Validate ``payload`` against the request schema ``kind`` (``0.2``, ``1.0``, ``extend``).

    Raises:
        BadRequest: the first error by path, e.g. ``queries/0/conditions: [] is too short``.
    """
    errors = sorted(_VALIDATORS[kind].iter_errors(payload), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        raise BadRequest(f"invalid {'data extension query' if kind == 'extend' else 'query batch'} "
                         f"at {where}: {e.message}")


def _limit(value) -> int:
    if value is None:
        return 10
    if value != value or value < 1:  # NaN or not positive
        raise BadRequest(f"limit must be a positive number, not {value!r}")
    return min(int(value), 100)


def _listed(v) -> list:
    return list(v) if isinstance(v, list) else [v]


def parse_batch_02(payload) -> list[Query]:
    """A 0.2 query batch (``{"q0": {"query": …, "type": …, "properties": […]}, …}``) as queries.

    Raises:
        BadRequest: the batch breaks the 0.2 rules.
    """
    check("0.2", payload)
    out = []
    for key, q in payload.items():
        conds = [Condition("property", _listed(p["v"]), prop=p["pid"]) for p in q.get("properties", ())]
        out.append(Query(key, q.get("query"), _listed(q["type"]) if "type" in q else [],
                         q.get("type_strict", "any"), _limit(q.get("limit")), None, conds))
    return out


def parse_batch_10(payload) -> list[Query]:
    """A 1.0-draft query batch (``{"queries": [{"conditions": […], "type": …}]}``) as queries.

    The name conditions' values are joined into the searched text; ``id`` and ``property``
    conditions are kept as conditions.

    Raises:
        BadRequest: the batch breaks the 1.0-draft rules.
    """
    check("1.0", payload)
    out = []
    for i, q in enumerate(payload["queries"]):
        names, conds = [], []
        for c in q["conditions"]:
            values = _listed(c["propertyValue"])
            if c["matchType"] == "name":
                names.extend(str(v.get("name", v["id"]) if isinstance(v, dict) else v) for v in values)
            else:
                conds.append(Condition(c["matchType"], values, c.get("propertyId"),
                                       bool(c.get("required", False)), c.get("matchQuantifier", "any")))
        out.append(Query(str(i), " ".join(names) if names else None,
                         [q["type"]] if "type" in q else [], "any", _limit(q.get("limit")),
                         q.get("lang"), conds))
    return out


def parse_extend(payload) -> tuple[list[str], list[dict]]:
    """A data extension query as (ids, properties with ``id`` and optional ``settings``).

    Raises:
        BadRequest: the query breaks the rules of either version (they are the same).
    """
    check("extend", payload)
    return list(payload["ids"]), list(payload["properties"])
