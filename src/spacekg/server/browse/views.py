"""Neighbourhood graph (JSON for the Cytoscape view) and the timeline of dated facts."""

from __future__ import annotations

from rdflib import Literal, URIRef

from spacekg.server.browse import data as data
from spacekg.server.browse.util import local_path, term_view

EDGE_QUERY = """SELECT ?s ?p ?o ?g WHERE { { GRAPH ?g { ?x ?p ?o } BIND(?x AS ?s) }
  UNION { GRAPH ?g { ?s ?p ?x } BIND(?x AS ?o) }
  FILTER(isIRI(?s) && isIRI(?o) && (?g = ?stated || ?g = ?inferred) && STRSTARTS(STR(?s), ?res)
         && STRSTARTS(STR(?o), ?res) && ?s != ?o) } ORDER BY STR(?s) STR(?p) STR(?o) STR(?g) LIMIT 2000"""
#: super-properties whose edges repeat a more specific one (shown only when nothing else links the pair)
GENERIC = ("relatedTo",)
#: beyond the first ring, new neighbours drawn per node (hubs such as JAXA would fill the view)
PER_NODE = 8


def entity_iri(iri) -> bool:
    """True for the IRI of an entity of the graph (``{base}resource/…``), the only nodes of the
    graph view (not statement, evidence, mention, rule, curation or ontology IRIs)."""
    return str(iri).startswith(data.base() + "resource/") and "#" not in str(iri)


def neighbourhood(iri: URIRef, lang: str, limit: int, depth: int = 1) -> dict:
    """Entities within ``depth`` links of ``iri`` in graph/stated and graph/inferred.

    Nodes are entities only (beyond depth 1 at most :data:`PER_NODE` new ones per node, stated
    links first); edges are labelled with their property in ``lang``. Between two
    entities the stated edges are kept, and inferred ones only when no stated edge joins the
    pair (an inverse or super-property of a stated edge adds nothing to the picture).

    Returns:
        ``{"nodes": [{"id", "label", "href", "center", "depth", "classes"}], "edges": [{"id",
        "source", "target", "label", "inferred"}], "truncated": bool, "depth": int}``; at most
        ``limit`` nodes.
    """
    bindings = {"stated": data.graph_iri("stated"), "inferred": data.graph_iri("inferred"),
                "res": Literal(data.base() + "resource/")}
    nodes = {str(iri): _node(iri, lang, 0)}
    found: dict[tuple, bool] = {}  # (s, p, o) -> inferred
    frontier, truncated = [iri], False
    for level in range(1, depth + 1):
        nxt = []
        for n in frontier:
            rows = data.store().select(EDGE_QUERY, {"x": n, **bindings})
            rows.sort(key=lambda r: (r["g"] != bindings["stated"], str(r["p"]), str(r["s"]), str(r["o"])))
            added = 0
            for r in rows:
                key = (r["s"], r["p"], r["o"])
                other = r["o"] if r["s"] == n else r["s"]
                if str(other) not in nodes:
                    if len(nodes) >= limit or (level > 1 and added >= PER_NODE):
                        truncated = True
                        continue
                    nodes[str(other)] = _node(other, lang, level)
                    nxt.append(other)
                    added += 1
                inferred = r["g"] == bindings["inferred"]
                found[key] = found.get(key, True) and inferred
        frontier = nxt
    stated_pairs = {frozenset((s, o)) for (s, _p, o), inf in found.items() if not inf}
    specific_pairs = {frozenset((s, o)) for (s, p, o) in found if _local(p) not in GENERIC}
    edges = []
    for (s, p, o), inf in sorted(found.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]), str(kv[0][2]))):
        pair = frozenset((s, o))
        if str(s) not in nodes or str(o) not in nodes:
            continue
        if inf and pair in stated_pairs:
            continue
        if _local(p) in GENERIC and pair in specific_pairs:
            continue
        edges.append({"id": f"e{len(edges)}", "source": str(s), "target": str(o),
                      "label": data.label(p, lang), "inferred": inf})
    # one edge per direction and property label: inverse duplicates among inferred edges go
    seen, unique = set(), []
    for e in edges:
        k = (frozenset((e["source"], e["target"])), e["inferred"]) if e["inferred"] else None
        if k is not None and k in seen:
            continue
        if k is not None:
            seen.add(k)
        unique.append(e)
    return {"nodes": list(nodes.values()), "edges": unique, "truncated": truncated, "depth": depth}


def _local(p) -> str:
    return str(p).rsplit("#", 1)[-1]


def _node(n, lang: str, depth: int) -> dict:
    classes = [data.label(t, lang) for t in data.cache().stated_types.get(n, ())
               if str(t).startswith(data.base() + "ontology#")][:2]
    return {"id": str(n), "label": data.label(n, lang), "href": local_path(n), "center": depth == 0,
            "depth": depth, "classes": classes}


def start_entities(lang: str, n: int = 24) -> list[dict]:
    """Entities for the graph view's start page: the most mentioned ones of the corpus."""
    c = data.cache()
    data.mentioned_in(URIRef(data.base() + "resource/"))  # fills the mention index
    counts = sorted(((sum(x[0] for x in docs.values()), e) for e, docs in (c.mention_index or {}).items()
                     if entity_iri(e)), key=lambda t: (-t[0], str(t[1])))
    return [dict(term_view(e, lang), count=k) for k, e in counts[:n]]


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
