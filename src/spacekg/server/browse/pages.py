"""View models of the entity, document and class pages (plain dicts for the templates)."""

from __future__ import annotations

import bisect

from rdflib import OWL, RDF, RDFS, SKOS, Literal, URIRef

from spacekg.server.browse import data as data
from spacekg.server.browse.text import anchor_id, render_passage
from spacekg.server.browse.util import local_path, term_view

WIKIDATA = "http://www.wikidata.org/entity/"
LABEL_PREDS = {RDFS.label, SKOS.prefLabel, SKOS.altLabel}
HEADER_PREDS = {RDFS.label, SKOS.prefLabel, SKOS.altLabel, RDF.type, SKOS.definition, RDFS.comment}
PAGE_SIZE = 50


def _sort_key(lang):
    return lambda t: (str(data.label(t, lang)).casefold() if isinstance(t, URIRef) else str(t))


def header(iri, lang: str) -> dict:
    """Labels (ja, en), alternative labels, kana, classes, definitions and Wikidata links."""
    c = data.cache()
    entries = c.labels.get(iri, ())
    rows = data.outgoing(iri)
    defs = [r["o"] for r in rows if r["p"] in (SKOS.definition, RDFS.comment) and isinstance(r["o"], Literal)]
    defs.sort(key=lambda lit: (lit.language != lang, lit.language or ""))
    wikidata = sorted({str(r["o"]) for r in rows if str(r["o"]).startswith(WIKIDATA)
                       and r["p"] in (OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch)})
    title = data.label(iri, lang)
    spo = {r["p"]: r["o"] for r in rows if r["p"] in (RDF.subject, RDF.predicate, RDF.object)}
    if len(spo) == 3 and not entries:  # a statement node: title it with its triple
        title = " — ".join(data.label(spo[k], lang) if isinstance(spo[k], URIRef) else str(spo[k])
                           for k in (RDF.subject, RDF.predicate, RDF.object))
    classes = c.stated_types.get(iri) or c.types.get(iri) or list(dict.fromkeys(
        r["o"] for r in rows if r["p"] == RDF.type))
    return {
        "iri": str(iri),
        "ja": data.label(iri, "ja", fallback=False),
        "en": data.label(iri, "en", fallback=False),
        "title": title,
        "alt": sorted({str(lit) for k, lit in entries if k == "altLabel"}),
        "kana": sorted({str(lit) for k, lit in entries if k == "kana"}),
        "classes": [term_view(t, lang) for t in classes],
        "definitions": [{"text": str(d), "lang": d.language or ""} for d in defs],
        "wikidata": [{"iri": w, "qid": w[len(WIKIDATA):]} for w in wikidata],
        "rows": rows,
    }


def _date_num(text: str) -> int:
    """``"2026-03-27"`` → 20260327, ``"2018-12"`` → 20181200; 0 when it is not a date."""
    digits = "".join(ch for ch in text[:10] if ch.isdigit())
    return int(digits.ljust(8, "0")) if text[:4].isdigit() else 0


def _evidence_view(ev: dict, subject, obj, lang: str) -> dict:
    doc = ev["doc"]
    start, end = int(ev["start"]), int(ev["end"])
    meta = data.cache().docs.get(doc, {})
    targets = {subject, obj}
    mentions = data.doc_mentions(doc)
    i = bisect.bisect_left(mentions, (start,))
    marks = []
    while i < len(mentions) and mentions[i][0] < end:
        if mentions[i][2] in targets:
            marks.append(mentions[i][:2])
        i += 1
    gen = ev.get("gen")
    heads = data.headings_for(ev["ev"])
    return {
        "headings": heads["headings"],
        "rows": heads["rows"],
        "columns": heads["columns"],
        "chart": heads["chart"],
        "passage": render_passage(data.doc_text(doc), start, end, str(ev["exact"]),
                                  str(ev.get("prefix", "")), str(ev.get("suffix", "")), marks),
        "doc_title": str(meta.get("title", "")) or data.label(doc, lang),
        "doc_date": str(meta.get("date", "")) or str(meta.get("date_note", "")),
        "href": f"{local_path(doc)}?hl={start}-{end}#{anchor_id(start, end)}",
        "span": f"{start}–{end}",
        "generator": term_view(gen, lang) if gen is not None else None,
        "qualifier": ", ".join(sorted(str(q) for q in ev.get("quals", ()))),
        "annotation": local_path(ev["ev"]),
    }


def facts(iri, rows: list[dict], lang: str) -> dict:
    """Outgoing facts grouped by property: ``stated`` (with evidence), ``inferred`` (with rule),
    ``other`` (descriptions from the lexicon, document metadata, evidence nodes …)."""
    stated_g, inferred_g = data.graph_iri("stated"), data.graph_iri("inferred")
    stated_pairs = {(r["p"], r["o"]) for r in rows if r["g"] == stated_g}
    evidence = data.evidence_for(iri) if stated_pairs else {}
    has_inferred = any(r["g"] == inferred_g for r in rows)
    provenance = data.inferred_provenance(iri) if has_inferred else {}
    groups: dict[str, dict] = {"stated": {}, "inferred": {}, "other": {}}
    seen = set()
    for r in rows:
        p, o, g = r["p"], r["o"], r["g"]
        if g == stated_g:
            kind = "stated"
        elif g == inferred_g:
            if (p, o) in stated_pairs or p in LABEL_PREDS:
                continue  # entailed copies of labels (e.g. kana readings as altLabel) add nothing
            kind = "inferred"
        elif p in HEADER_PREDS and g != data.graph_iri("ontology"):
            continue
        else:
            kind = "other"
        if (kind, p, o) in seen:
            continue
        seen.add((kind, p, o))
        item = {"value": term_view(o, lang), "sort": (0, _sort_key(lang)(o))}
        if kind == "stated":
            item["evidence"] = [_evidence_view(ev, iri, o, lang) for ev in evidence.get((p, o), ())]
            # newest statement first: a plan said in 2018 reads below what a 2026 document says
            item["evidence"].sort(key=lambda e: -_date_num(e["doc_date"]))
            newest = max((_date_num(e["doc_date"]) for e in item["evidence"]), default=0)
            item["sort"] = (-newest, item["sort"][1])
        elif kind == "inferred":
            prov = provenance.get((p, o), ())
            item["rules"] = [term_view(r, lang) for r in dict.fromkeys(x["gen"] for x in prov if "gen" in x)]
            item["premises"] = [local_path(f) for f in dict.fromkeys(x["from"] for x in prov if "from" in x)]
        groups[kind].setdefault(p, {"prop": term_view(p, lang), "items": []})["items"].append(item)
    out = {}
    for kind, by_prop in groups.items():
        lst = sorted(by_prop.values(), key=lambda grp: grp["prop"]["text"].casefold())
        for grp in lst:
            grp["items"].sort(key=lambda it: it["sort"])
        out[kind] = lst
    return out


def incoming_view(iri, page: int, lang: str) -> dict:
    total, rows = data.incoming(iri, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return {"total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
            "rows": [{"subject": term_view(r["s"], lang), "prop": term_view(r["p"], lang),
                      "inferred": r["g"] == data.graph_iri("inferred")} for r in rows]}


def mentions_view(iri, lang: str) -> list[dict]:
    out = []
    for r in data.mentioned_in(iri):
        meta = data.cache().docs.get(r["doc"], {})
        out.append({"doc": term_view(r["doc"], lang), "title": str(meta.get("title", "")),
                    "count": int(r["n"]), "first": int(r["first"])})
    return out


def class_view(cls, lang: str, sort: str, page: int) -> dict:
    """Instances of a class with both labels, sorted by ``sort`` (ja, en or iri) and paged."""
    items = [{"iri": str(i), "href": local_path(i), "ja": data.label(i, "ja", fallback=False),
              "en": data.label(i, "en", fallback=False)} for i in data.instances(cls)]
    if sort in ("ja", "en"):
        items.sort(key=lambda it: (not it[sort], it[sort].casefold(), it["iri"]))
    else:
        items.sort(key=lambda it: it["iri"])
    total = len(items)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    return {"total": total, "page": page, "pages": pages,
            "items": items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]}


def ontology_view(lang: str, counts: dict) -> dict:
    """Classes (with instance counts) and properties of the ontology, sorted by label."""
    types = data.cache().types
    classes, props = [], []
    for iri, ts in types.items():
        if not str(iri).startswith(data.base() + "ontology#"):
            continue
        view = term_view(iri, lang)
        if OWL.Class in ts or RDFS.Class in ts:
            view["count"] = counts.get(iri, 0)
            classes.append(view)
        elif OWL.ObjectProperty in ts or OWL.DatatypeProperty in ts or RDF.Property in ts:
            view["type"] = "object" if OWL.ObjectProperty in ts else "datatype"
            props.append(view)
    classes.sort(key=lambda v: v["text"].casefold())
    props.sort(key=lambda v: v["text"].casefold())
    return {"classes": classes, "properties": props}
