"""View models of the entity, document and class pages (plain dicts for the templates)."""

from __future__ import annotations

import bisect

from rdflib import OWL, RDF, RDFS, SKOS, BNode, Literal, URIRef

from spacekg.server.browse import data as data
from spacekg.server.browse.text import anchor_id, render_passage
from spacekg.server.browse.util import local_path, provenance_label, term_view

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
    title = data.label(iri, lang) if entries else (provenance_label(iri, lang) or data.label(iri, lang))
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
        "definitions": [{"text": str(d), "lang": d.language or "", "other_lang": bool(d.language) and d.language != lang}
                        for d in defs if d.language in (lang, None, "") or not any(x.language == lang for x in defs)],
        "wikidata": [{"iri": w, "qid": w[len(WIKIDATA):]} for w in wikidata],
        "rows": rows,
    }


def _date_num(text: str) -> int:
    """``"2026-03-27"`` → 20260327, ``"2018-12"`` → 20181200; 0 when it is not a date."""
    digits = "".join(ch for ch in text[:10] if ch.isdigit())
    return int(digits.ljust(8, "0")) if text[:4].isdigit() else 0


def _evidence_view(ev: dict, subject, obj, lang: str, context: int = 40) -> dict:
    """One evidence passage for display: the quote in ``context`` characters of context (the
    mentions of ``subject`` and ``obj`` in bold), its document, span and generating rule."""
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
                                  str(ev.get("prefix", "")), str(ev.get("suffix", "")), marks,
                                  context=context),
        "doc_title": data.doc_title(meta, lang) if meta else data.label(doc, lang),
        "doc_date": data.doc_date_text(meta, lang),
        "href": f"{local_path(doc)}?hl={start}-{end}#{anchor_id(start, end)}",
        "span": f"{start}–{end}",
        "generator": term_view(gen, lang) if gen is not None else None,
        "generator_kind": "curation" if gen is not None and "/curation/" in str(gen) else "rule",
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
        elif (p in HEADER_PREDS and g != data.graph_iri("ontology")) or p == data.sk("mentionedIn"):
            continue  # shown in the header / in "Mentioned in" with counts
        else:
            kind = "other"
        if (kind, p, o) in seen:
            continue
        seen.add((kind, p, o))
        item = {"value": _bnode_view(iri, p, o, lang) if isinstance(o, BNode) else term_view(o, lang),
                "sort": (0, _sort_key(lang)(o))}
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
        for i, grp in enumerate(lst):
            grp["items"].sort(key=lambda it: it["sort"])
            grp["anchor"] = f"{kind}-{i + 1}"
        out[kind] = lst
    return out


BNODE_LIST = """SELECT ?d ?kind ?m WHERE { ?s ?p ?d . FILTER(isBlank(?d))
  ?d ?kind ?list . FILTER(?kind IN (?union, ?inter, ?oneof)) ?list rdf:rest*/rdf:first ?m }
  ORDER BY STR(?d) STR(?kind) STR(?m)"""


def _bnode_view(subject, p, node, lang: str) -> dict:
    """A blank-node value shown by what it is: an OWL class or datatype expression
    ``owl:unionOf`` / ``owl:intersectionOf`` / ``owl:oneOf`` becomes "A or B or C" (its members
    labelled); any other blank node its local id."""
    rows = data.store().select(data.PREFIXES + BNODE_LIST, {
        "s": subject, "p": p, "union": OWL.unionOf, "inter": OWL.intersectionOf, "oneof": OWL.oneOf})
    rows = [r for r in rows if str(r["d"]) == str(node)] or rows
    if not rows:
        return term_view(node, lang)
    kind = rows[0]["kind"]
    sep = {OWL.unionOf: ("または", "or"), OWL.intersectionOf: ("かつ", "and"),
           OWL.oneOf: ("、", ",")}[kind][0 if lang == "ja" else 1]
    members = [term_view(m, lang) for m in dict.fromkeys(r["m"] for r in rows if r["kind"] == kind)]
    members.sort(key=lambda v: v["text"].casefold())
    return {"kind": "list", "items": members, "sep": sep, "text": f" {sep} ".join(m["text"] for m in members)}


def incoming_view(iri, page: int, lang: str) -> dict:
    total, rows = data.incoming(iri, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return {"total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
            "rows": [{"subject": term_view(r["s"], lang), "prop": term_view(r["p"], lang),
                      "inferred": r["g"] == data.graph_iri("inferred")} for r in rows]}


def mentions_view(iri, lang: str) -> list[dict]:
    out = []
    for r in data.mentioned_in(iri):
        meta = data.cache().docs.get(r["doc"], {})
        out.append({"doc": term_view(r["doc"], lang), "title": data.doc_title(meta, lang) if meta else "",
                    "count": int(r["n"]), "first": int(r["first"])})
    return out


#: properties a class table prefers as columns, in this order (when its instances use them)
COLUMN_ORDER = ("target", "launchDate", "developedBy", "date", "plannedLaunchDate", "landingDate", "startDate",
                "endDate", "operatedBy", "ledBy", "country", "issuedBy", "heldBy", "partOf", "inProgram",
                "meetingNumber", "fiscalYear", "presentedBy", "agendaItemOf", "memberOf", "participatesIn",
                "technologyArea", "successorOf", "value", "unit", "measuredQuantity", "measuredEntity", "asOf")
SKIP_COLUMNS = {"mentionedIn", "relatedTo", "kanaReading", "dateQualifier", "about", "hasPart", "linkCheck",
                "checkedLink", "checkMethod"}
MAX_COLUMNS = 6
CLASS_ROWS = """SELECT DISTINCT ?s ?p ?o WHERE { ?s a ?cls . GRAPH ?g { ?s ?p ?o }
  FILTER((?g = ?stated || ?g = ?inferred) && STRSTARTS(STR(?p), ?ns)) }
  ORDER BY STR(?s) STR(?p) """ + data.OBJECT_ORDER
STATUS = {"ended": ("運用終了", "ended"), "landed": ("着陸", "landed"), "launched": ("打上げ済み", "launched"),
          "planned": ("計画中", "planned")}


def _status(props: dict, lang: str) -> str:
    """A mission's status read from its dates (no status property exists): ended, landed,
    launched or planned; "" when it has none of those dates."""
    for key, local in (("ended", "endDate"), ("landed", "landingDate"), ("launched", "launchDate"),
                       ("planned", "plannedLaunchDate")):
        if props.get(local):
            return STATUS[key][0 if lang == "ja" else 1]
    return ""


def class_view(cls, lang: str, sort: str, page: int, desc: bool = False) -> dict:
    """Instances of a class as a table: label, then the properties that matter for the class
    (those of :data:`COLUMN_ORDER` that a few use, others that a fifth use, at most six, stated or inferred), and a
    status for missions; sorted by ``sort`` (``label`` or a column key) and paged.

    Returns:
        ``{"total", "page", "pages", "columns": [{"key", "label"}], "items": [{"href", "label",
        "alt", "iri", "cells": {key: [term views]}}], "sort", "desc"}``.
    """
    instances = data.instances(cls)
    ns = data.base() + "ontology#"
    props: dict = {i: {} for i in instances}
    if instances:
        rows = data.store().select(CLASS_ROWS, {"cls": cls, "stated": data.graph_iri("stated"),
                                                "inferred": data.graph_iri("inferred"), "ns": Literal(ns)})
        for r in rows:
            if r["s"] in props:
                local = str(r["p"])[len(ns):]
                props[r["s"]].setdefault(local, []).append(r["o"])
    usage: dict[str, int] = {}
    for ps in props.values():
        for local in ps:
            if local not in SKIP_COLUMNS:
                usage[local] = usage.get(local, 0) + 1
    need, need_preferred = max(1, len(instances) // 5), max(1, min(3, len(instances) // 10))
    chosen = [k for k in usage if usage[k] >= (need_preferred if k in COLUMN_ORDER else need)]
    chosen.sort(key=lambda k: (COLUMN_ORDER.index(k) if k in COLUMN_ORDER else len(COLUMN_ORDER), -usage[k], k))
    chosen = chosen[:MAX_COLUMNS]
    columns = [{"key": k, "label": term_view(data.sk(k), lang)["text"]} for k in chosen]
    with_status = any(k in usage for k in ("launchDate", "plannedLaunchDate", "landingDate", "endDate")) and \
        data.sk("Mission") in {cls, *data.cache().types.get(cls, ())} | set(_superclasses(cls))
    if with_status:
        columns.append({"key": "status", "label": "状態（日付から）" if lang == "ja" else "status (from dates)"})
    items = []
    for i in instances:
        cells = {k: sorted((term_view(o, lang) for o in dict.fromkeys(props[i].get(k, ()))),
                           key=lambda v: v["text"]) for k in chosen}
        if with_status:
            st = _status(props[i], lang)
            cells["status"] = [{"kind": "literal", "text": st, "extra": "", "lang": ""}] if st else []
        other = "en" if lang == "ja" else "ja"
        items.append({"iri": str(i), "href": local_path(i), "label": data.label(i, lang),
                      "alt": data.label(i, other, fallback=False), "cells": cells})
    keys = {"label", *(c["key"] for c in columns)}
    sort = sort if sort in keys else "label"

    def key(it):
        if sort == "label":
            return (False, it["label"].casefold())
        vals = it["cells"].get(sort) or []
        return (not vals, vals[0]["text"].casefold() if vals else "")

    items.sort(key=lambda it: it["iri"])
    items.sort(key=key, reverse=desc)
    if desc:  # empty cells last either way
        items.sort(key=lambda it: sort != "label" and not it["cells"].get(sort))
    total = len(items)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    return {"total": total, "page": page, "pages": pages, "columns": columns, "sort": sort, "desc": desc,
            "items": items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]}


def _superclasses(cls) -> list:
    rows = data.store().select("SELECT ?sup WHERE { ?cls <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?sup } "
                               "ORDER BY STR(?sup)",
                               {"cls": cls})
    return [r["sup"] for r in rows]


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


SCHEMA_TEXT = URIRef("https://schema.org/text")
DOC_HEAD_PREDS = {str(p) for p in (RDF.type, RDFS.label)}


def document_meta(meta: dict, lang: str) -> dict:
    """The metadata block of a document page: title, issuer, date (or "undated" and why),
    source (URL when the graph records one, else the file), SHA-256, and the remaining
    properties (never ``schema:text``, the whole text, which the page shows below)."""
    from rdflib.namespace import DCTERMS

    publisher = meta.get("publisher")
    source = meta.get("source")
    url = str(source) if isinstance(source, URIRef) or str(source or "").startswith(("http://", "https://")) \
        else None
    shown = {DCTERMS.title, DCTERMS.publisher, DCTERMS.date, DCTERMS.source, SCHEMA_TEXT,
             URIRef("https://schema.org/sha256"), data.sk("dateQualifier"), SKOS.editorialNote, RDFS.label}
    rest = [(term_view(p, lang), term_view(o, lang)) for p, o in meta.get("props", ())
            if p not in shown and not (isinstance(o, Literal) and o.language and o.language != lang
                                       and any(q == p and getattr(x, "language", None) == lang
                                               for q, x in meta.get("props", ())))]
    rest.sort(key=lambda pv: (pv[0]["text"].casefold(), pv[1]["text"]))
    other_title = meta.get("title_en" if lang == "ja" else "title_ja")
    return {"title": data.doc_title(meta, lang), "other_title": str(other_title or ""),
            "issuer": term_view(publisher, lang) if publisher is not None else None,
            "creator": str(meta.get(f"creator_{lang}") or ""),
            "date": data.doc_date_text(meta, lang), "dated": meta.get("date") is not None,
            "notes": [str(n) for n in meta.get("notes", ())],
            "url": url, "file": None if url else (str(source) if source else None),
            "sha256": str(meta.get("sha256", "")), "rest": rest}
