"""Data extension: properties proposed per type, and property values of entities.

Proposals for a type are the properties its instances (with subclasses) actually carry in the
graph, most used first, with the Wikidata item (``skos:exactMatch``) always offered. Values:
entities as ``{"id", "name"}`` (Wikidata items as ``Q…`` ids, served by Wikidata's
reconciliation service, named in ``meta``), ``xsd:date``/``dateTime`` as ``{"date"}``,
integers as ``{"int"}``, decimals as ``{"float"}``, other literals (``gYear`` …) as ``{"str"}``.
The ``limit`` setting caps the values per property.
"""

from __future__ import annotations

from rdflib import SKOS, XSD, Literal, URIRef

from spacekg.server.reconcile.graph import WIKIDATA, Graph
from spacekg.server.reconcile.requests import BadRequest

#: reconciliation service whose identifiers the Wikidata-item values are (Wikidata's own)
WIKIDATA_SERVICE = "https://wikidata.reconci.link/en/api"


def propose(g: Graph, cls: str, limit: int) -> list[str]:
    """Property IRIs for instances of ``cls``, most used first (Wikidata item first)."""
    counts: dict[str, int] = {}
    for iri, by_prop in g.facts.items():
        if g.has_type(iri, cls):
            for p in by_prop:
                counts[p] = counts.get(p, 0) + 1
    wd = str(SKOS.exactMatch)
    ranked = [wd] + sorted((p for p in counts if p != wd), key=lambda p: (-counts[p], p))
    return ranked[:limit]


def value(g: Graph, obj, lang: str) -> dict:
    """One extension value as the protocol's cell object."""
    if isinstance(obj, URIRef):
        s = str(obj)
        if s.startswith(WIKIDATA):
            return {"id": s[len(WIKIDATA):], "name": s[len(WIKIDATA):]}
        return {"id": s, "name": g.label(s, lang)}
    if isinstance(obj, Literal):
        dt = obj.datatype
        if dt == XSD.date and len(str(obj)) == 10:
            return {"date": f"{obj}T00:00:00Z"}
        if dt == XSD.dateTime:
            text = str(obj)
            return {"date": text if text.endswith("Z") or "+" in text[10:] else text + "Z"}
        if dt in (XSD.integer, XSD.int, XSD.long, XSD.nonNegativeInteger, XSD.positiveInteger):
            return {"int": int(obj)}
        if dt in (XSD.decimal, XSD.double, XSD.float):
            return {"float": float(obj)}
        return {"str": str(obj)}
    return {"str": str(obj)}


def extend(g: Graph, ids: list[str], props: list[dict], lang: str = "en"):
    """Values of ``props`` for ``ids``.

    Returns:
        (meta, rows): ``meta`` a list of ``{"id", "name"[, "service"]}``, ``rows`` entity id →
        property id (as asked) → list of cell objects; an unknown entity gets empty lists.

    Raises:
        BadRequest: an unknown property, or a ``limit`` setting that is not a positive integer.
    """
    resolved = []
    meta = []
    for p in props:
        iri = g.resolve_property(p["id"])
        if iri is None:
            raise BadRequest(f"unknown property {p['id']!r} (see the property proposals)")
        raw = (p.get("settings") or {}).get("limit", 0)
        try:
            cap = int(raw)
        except (TypeError, ValueError):
            raise BadRequest(f"setting limit of {p['id']!r} must be an integer, not {raw!r}") from None
        resolved.append((p["id"], iri, cap if cap > 0 else None))
        m = {"id": p["id"], "name": g.label(iri, lang)}
        if iri == str(SKOS.exactMatch):
            m["service"] = WIKIDATA_SERVICE
        meta.append(m)
    rows: dict[str, dict[str, list]] = {}
    for ident in ids:
        iri = g.resolve_entity(ident)
        by_prop = g.facts.get(iri, {}) if iri else {}
        rows[ident] = {pid: [value(g, o, lang) for o in by_prop.get(piri, [])][:cap]
                       for pid, piri, cap in resolved}
    return meta, rows
