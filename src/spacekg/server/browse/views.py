"""Neighbourhood graph (JSON for the Cytoscape view) and the timeline of dated facts."""

from __future__ import annotations

from rdflib import URIRef

from spacekg.server.browse import data as data
from spacekg.server.browse.util import local_path, term_view

OUT_QUERY = """SELECT ?s ?p ?o ?g ?stated ?inferred WHERE { GRAPH ?g { ?s ?p ?o }
  FILTER(isIRI(?o) && (?g = ?stated || ?g = ?inferred)) } LIMIT 1000"""
IN_QUERY = """SELECT ?s ?p ?o ?g ?stated ?inferred WHERE { GRAPH ?g { ?s ?p ?o }
  FILTER(isIRI(?s) && (?g = ?stated || ?g = ?inferred)) } LIMIT 1000"""


def neighbourhood(iri: URIRef, lang: str, limit: int) -> dict:
    """Nodes and edges around ``iri`` from graph/stated and graph/inferred.

    Returns:
        ``{"nodes": [{"id", "label", "href", "center"}], "edges": [{"id", "source", "target",
        "label", "inferred"}], "truncated": bool}``; at most ``limit`` neighbours.
    """
    graphs = {"stated": data.graph_iri("stated"), "inferred": data.graph_iri("inferred")}
    rows = data.store().select(OUT_QUERY, {"s": iri, **graphs}) + data.store().select(IN_QUERY, {"o": iri, **graphs})
    nodes = {str(iri): {"id": str(iri), "label": data.label(iri, lang), "href": local_path(iri), "center": True}}
    edges = {}
    truncated = False
    for r in rows:
        for n in (r["s"], r["o"]):
            if str(n) not in nodes:
                if len(nodes) > limit:
                    truncated = True
                    break
                nodes[str(n)] = {"id": str(n), "label": data.label(n, lang), "href": local_path(n),
                                 "center": False}
        if str(r["s"]) not in nodes or str(r["o"]) not in nodes:
            continue
        key = (str(r["s"]), str(r["p"]), str(r["o"]))
        inferred = r["g"] == data.graph_iri("inferred")
        if key in edges:
            edges[key]["inferred"] = edges[key]["inferred"] and inferred
            continue
        edges[key] = {"id": f"e{len(edges)}", "source": key[0], "target": key[2],
                      "label": data.label(r["p"], lang), "inferred": inferred}
    return {"nodes": list(nodes.values()), "edges": list(edges.values()), "truncated": truncated}


def timeline(lang: str) -> list[tuple[str, list[dict]]]:
    """Dated facts grouped by year, each with the interval it stands for, the date of the
    document that states it ("as of") and that document; and the documents themselves.

    Facts sort by the beginning of their interval (the end when the beginning is open, as in
    "by 2030"); the same fact stated by several documents is listed once per document, newest
    statement first, so a plan of 2018 reads as such beside what a 2026 document says.
    """
    items = []
    for r in data.dated_facts():
        begin, end = r.get("begin"), r.get("end")
        key = str(begin or end or r["d"])
        doc = r.get("doc")
        items.append({"date": str(r["d"]), "key": key, "begin": str(begin or ""), "end": str(end or ""),
                      "asof": str(r.get("asof") or ""),
                      "source": term_view(doc, lang) if doc is not None else None,
                      "subject": term_view(r["s"], lang), "prop": term_view(r["p"], lang),
                      "classes": [term_view(t, lang) for t in data.cache().stated_types.get(r["s"], ())
                                  if str(t).startswith(data.base())][:3]})
    for doc in data.cache().docs.values():
        if "date" in doc:
            items.append({"date": str(doc["date"]), "key": str(doc["date"]), "begin": "", "end": "",
                          "asof": "", "source": None, "subject": term_view(doc["iri"], lang),
                          "prop": {"kind": "iri", "text": "document" if lang == "en" else "文書"},
                          "classes": []})
    items.sort(key=lambda it: (it["key"], it["subject"]["text"], it["prop"]["text"],
                               _neg(it["asof"])))
    years: dict[str, list] = {}
    for it in items:
        years.setdefault(it["key"][:4], []).append(it)
    return list(years.items())


def _neg(date: str) -> int:
    """Sort key putting the newest as-of date first (``""`` last)."""
    digits = "".join(ch for ch in date if ch.isdigit())
    return -int(digits) if digits else 0
