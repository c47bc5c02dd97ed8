"""Read side of the web browser: caches and SPARQL queries over the app's store.

Everything goes through ``spacekg.server.store.get_store()`` (``select``/``ask``/``construct``
with rdflib-term ``bindings``); user-supplied values are only ever passed as bindings. Labels,
types, documents and the per-document mention lists are read once per app and kept in
``app.extensions["spacekg_browse"]``; every write through the server drops them
(:func:`invalidate`). What grows with requests is bounded: the label and rendering memo is an
LRU of :data:`MEMO_SIZE` entries, document texts are kept only for the graph's documents.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from rdflib import RDF, RDFS, SKOS, Literal, URIRef
from rdflib.namespace import DCTERMS

from spacekg.config import ROOT, configured_base
from spacekg.server.sparqltext import ntriples_term

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_LOCK = threading.Lock()
#: entries of the label/term-view/document-rendering memo (least recently used dropped)
MEMO_SIZE = 20000


class BoundedMemo(OrderedDict):
    """A dict that keeps its ``maxsize`` most recently written or read entries.

    Args:
        maxsize: number of entries kept.
    """

    def __init__(self, maxsize: int = MEMO_SIZE):
        super().__init__()
        self.maxsize = maxsize
        self._lock = threading.Lock()

    def __getitem__(self, key):
        value = super().__getitem__(key)
        with self._lock:
            if key in self:
                self.move_to_end(key)
        return value

    def __setitem__(self, key, value):
        with self._lock:
            super().__setitem__(key, value)
            self.move_to_end(key)
            while len(self) > self.maxsize:
                self.popitem(last=False)


#: ORDER BY keys sorting an object ``?o`` the same way in every store: by its lexical form (its
#: first 500 characters: Virtuoso cannot sort on a longer string), then language tag and
#: datatype (SPARQL leaves the order of unlike literals and of IRIs against literals to the
#: store); blank nodes, whose labels differ from store to store, tie (their views are ordered
#: by content). Every ORDER BY of the browser sorts on such strings.
OBJECT_ORDER = 'SUBSTR(STR(?o), 1, 500) LANG(?o) COALESCE(STR(DATATYPE(?o)), "")'


def store():
    """Return the app's store (``spacekg.server.store.get_store()``)."""
    from spacekg.server.store import get_store

    return get_store()


def base() -> str:
    """The IRI base the server maps its paths to (``SPACEKG_BASE`` in the app config or env)."""
    return current_app.config.get("SPACEKG_BASE") or configured_base()


def graph_iri(name: str) -> URIRef:
    return URIRef(base() + "graph/" + name)


def sk(local: str) -> URIRef:
    return URIRef(base() + "ontology#" + local)


def sources_dir() -> Path:
    return Path(current_app.config.get("SPACEKG_SOURCES") or ROOT / "data" / "sources")


@dataclass
class Cache:
    """Per-app lookups read once from the store.

    Attributes:
        labels: IRI → list of (predicate local name, literal) for rdfs:label, skos:prefLabel,
            skos:altLabel and sk:kanaReading.
        types: IRI → list of class IRIs, stated or inferred (not counting evidence and mention
            annotations); ``stated_types`` the same without graph/inferred.
        docs: document IRI → dict of metadata (``id``, ``title``, ``date``, ``date_note``, …).
        mentions: document IRI → sorted list of (start, end, entity IRI), filled lazily.
        evidence: document IRI → sorted list of (start, end), filled lazily.
    """

    labels: dict = field(default_factory=dict)
    types: dict = field(default_factory=dict)
    stated_types: dict = field(default_factory=dict)
    docs: dict = field(default_factory=dict)
    mentions: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    search: object = None
    mention_index: dict | None = None
    evidence_index: dict | None = None
    heading_index: dict | None = None
    label_memo: dict = field(default_factory=BoundedMemo)
    texts: dict = field(default_factory=dict)


def invalidate(app=None) -> None:
    """Drop the app's :class:`Cache` (after a write): the next request reads labels, types and
    documents again."""
    app = app or current_app
    app.extensions.setdefault("spacekg_browse", {}).pop("cache", None)


def cache() -> Cache:
    """Return the app's :class:`Cache`, reading labels, types and documents on first use."""
    ext = current_app.extensions.setdefault("spacekg_browse", {})
    c = ext.get("cache")
    if c is not None:
        return c
    with _LOCK:
        c = ext.get("cache")
        if c is None:
            c = _load_cache()
            ext["cache"] = c
    return c


def _load_cache() -> Cache:
    st = store()
    c = Cache()
    label_preds = {RDFS.label: "label", SKOS.prefLabel: "prefLabel", SKOS.altLabel: "altLabel",
                   sk("kanaReading"): "kana"}
    # labels as stated (not the entailed copies in graph/inferred, e.g. kana readings as altLabels)
    query = """SELECT DISTINCT ?s ?p ?l ?inf ?p1 ?p2 ?p3 ?p4 WHERE { GRAPH ?g { ?s ?p ?l }
               FILTER(?g != ?inf && ?p IN (?p1, ?p2, ?p3, ?p4)) }
               ORDER BY STR(?s) STR(?p) STR(?l) LANG(?l)"""
    for row in st.select(query, {"inf": graph_iri("inferred"), "p1": RDFS.label, "p2": SKOS.prefLabel,
                                 "p3": SKOS.altLabel, "p4": sk("kanaReading")}):
        if isinstance(row["l"], Literal):
            c.labels.setdefault(row["s"], []).append((label_preds[row["p"]], row["l"]))
    query = """SELECT ?s ?t ?g ?ev ?men WHERE { GRAPH ?g { ?s a ?t } FILTER(?g != ?ev && ?g != ?men) }
               ORDER BY STR(?s) STR(?t) STR(?g)"""
    for row in st.select(query, {"ev": graph_iri("evidence"), "men": graph_iri("mentions")}):
        for target in (c.types, c.stated_types) if row["g"] != graph_iri("inferred") else (c.types,):
            lst = target.setdefault(row["s"], [])
            if row["t"] not in lst:
                lst.append(row["t"])
    rows = st.select("SELECT ?d ?p ?o ?g ?cls WHERE { GRAPH ?g { ?d a ?cls ; ?p ?o } } "
                     f"ORDER BY STR(?d) STR(?p) {OBJECT_ORDER}",
                     {"g": graph_iri("documents"), "cls": sk("Document")})
    for row in rows:
        d = c.docs.setdefault(row["d"], {"iri": row["d"], "id": str(row["d"]).rsplit("/", 1)[-1],
                                         "props": []})
        d["props"].append((row["p"], row["o"]))
        key = {DCTERMS.title: "title", DCTERMS.date: "date", sk("dateNote"): "date_note",
               DCTERMS.publisher: "publisher", sk("dateQualifier"): "qualifier",
               URIRef("https://schema.org/sha256"): "sha256", DCTERMS.source: "source"}.get(row["p"])
        if row["p"] == SKOS.editorialNote:
            d.setdefault("notes", []).append(row["o"])
        if isinstance(row["o"], Literal) and row["o"].language in ("ja", "en") and \
                row["p"] in (DCTERMS.title, DCTERMS.creator):
            d.setdefault(f"{'title' if row['p'] == DCTERMS.title else 'creator'}_{row['o'].language}", row["o"])
        if key and (key not in d or (isinstance(row["o"], Literal) and row["o"].language == "ja")):
            d[key] = row["o"]
    return c


def doc_date_text(meta: dict, lang: str) -> str:
    """The date of a document for display: its ``dcterms:date`` (marked approximate when its
    ``sk:dateQualifier`` says so) or "undated"/"日付なし" when the document prints none."""
    date = meta.get("date")
    qual = str(meta.get("qualifier", ""))
    if date is not None and str(date):
        words = {"approximate": ("推定", "approx."), "not-printed": ("文書に記載なし", "not printed")}.get(qual)
        if words:
            return f"{date} ({words[0] if lang == 'ja' else words[1]})"
        return str(date)
    return "日付なし" if lang == "ja" else "undated"


def doc_title(meta: dict, lang: str) -> str:
    """A document's title in ``lang`` when it has one, else its other title, else its id."""
    return str(meta.get(f"title_{lang}") or meta.get("title") or meta.get("id", ""))


def label(iri, lang: str = "ja", fallback: bool = True) -> str:
    """Best label of ``iri`` in ``lang``: skos:prefLabel, then rdfs:label, then any language.

    Returns the local name of the IRI when it has no label and ``fallback`` is true, else "".
    """
    c = cache()
    key = (iri, lang, fallback)
    if key not in c.label_memo:
        c.label_memo[key] = _label(c, iri, lang, fallback)
    return c.label_memo[key]


def _label(c: Cache, iri, lang: str, fallback: bool) -> str:
    entries = c.labels.get(iri, ())
    for kind in ("prefLabel", "label"):
        for k, lit in entries:
            if k == kind and lit.language == lang:
                return str(lit)
    for kind in ("prefLabel", "label"):
        for k, lit in entries:
            if k == kind and (lit.language or "") not in ("ja-hrkt", "ja-Hrkt"):
                return str(lit)
    if not fallback:
        return ""
    s = str(iri)
    return re.split(r"[/#]", s.rstrip("/#"))[-1] or s


def doc_text(doc_iri) -> str | None:
    """Full text of a source document (data/sources/<id>.txt), or None when absent."""
    doc_id = str(doc_iri).rsplit("/", 1)[-1]
    if not str(doc_iri).startswith(base() + "document/") or not DOC_ID.match(doc_id):
        return None
    c = cache()
    if doc_id not in c.texts:
        path = sources_dir() / f"{doc_id}.txt"
        if not path.is_file():
            return None  # unknown ids are not remembered: the cache holds real documents only
        c.texts[doc_id] = path.read_text(encoding="utf-8")
    return c.texts[doc_id]


SPAN_QUERY = PREFIXES + """SELECT ?a ?body ?start ?end ?g ?doc WHERE { GRAPH ?g {
  ?t oa:hasSource ?doc ; oa:hasSelector ?sel . ?a oa:hasTarget ?t .
  ?sel oa:start ?start ; oa:end ?end . OPTIONAL { ?a oa:hasBody ?body } } }"""


def doc_mentions(doc_iri) -> list[tuple[int, int, URIRef]]:
    """Mentions in a document as sorted (start, end, entity) tuples (graph/mentions)."""
    c = cache()
    if doc_iri not in c.mentions:
        rows = store().select(SPAN_QUERY, {"g": graph_iri("mentions"), "doc": doc_iri})
        c.mentions[doc_iri] = sorted({(int(r["start"]), int(r["end"]), r["body"]) for r in rows
                                      if "body" in r})
    return c.mentions[doc_iri]


def doc_evidence(doc_iri) -> list[tuple[int, int]]:
    """Evidence spans in a document as sorted (start, end) tuples (graph/evidence)."""
    c = cache()
    if doc_iri not in c.evidence:
        rows = store().select(SPAN_QUERY, {"g": graph_iri("evidence"), "doc": doc_iri})
        c.evidence[doc_iri] = sorted({(int(r["start"]), int(r["end"])) for r in rows})
    return c.evidence[doc_iri]


_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def valid_iri(iri) -> bool:
    """True for an absolute IRI the engine accepts (RFC 3987 as pyoxigraph checks it) without
    the characters SPARQL and N-Triples forbid."""
    import pyoxigraph as ox

    s = str(iri)
    if not s or len(s) >= 4000 or ":" not in s or _BAD_IRI.search(s):
        return False
    try:
        ox.NamedNode(s)
    except ValueError:
        return False
    return True


def exists(iri) -> bool:
    """True when the IRI is valid and occurs as a subject or object in any graph."""
    if not valid_iri(iri):
        return False
    return store().ask("ASK { ?s ?p ?o }", {"s": iri}) or store().ask("ASK { ?x ?q ?s }", {"s": iri})


def outgoing(iri) -> list[dict]:
    """Triples with ``iri`` as subject, with their graph: rows of ``g``, ``p``, ``o``."""
    return store().select("SELECT ?g ?p ?o ?s WHERE { GRAPH ?g { ?s ?p ?o } } "
                          f"ORDER BY STR(?g) STR(?p) {OBJECT_ORDER}", {"s": iri})


def incoming(iri, limit: int, offset: int) -> tuple[int, list[dict]]:
    """Links into ``iri`` from named subjects, paged; mentions, blank nodes and the
    ``rdf:subject``/``rdf:object`` of statement nodes and ``oa:hasSource`` of annotation
    targets are left out (the document page shows those spans; evidence annotations
    still link to the rule or curation that generated them).

    Returns (total count, rows of ``s``, ``p``, ``g`` ordered by property then subject).
    """
    where = """WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != ?men)
               FILTER(?p != ?rdfsub && ?p != ?rdfobj && ?p != ?hassrc && !isBlank(?s)) }"""
    b = {"o": iri, "men": graph_iri("mentions"), "rdfsub": RDF.subject, "rdfobj": RDF.object,
         "hassrc": URIRef("http://www.w3.org/ns/oa#hasSource")}
    keys = "?o ?men ?rdfsub ?rdfobj ?hassrc"
    total = store().select(f"SELECT {keys} (COUNT(*) AS ?n) {where} GROUP BY {keys}", b)
    n = int(total[0]["n"]) if total else 0
    rows = store().select(f"SELECT ?s ?p ?g {keys} {where} ORDER BY STR(?p) STR(?s) STR(?g) LIMIT {int(limit)} OFFSET {int(offset)}", b)
    return n, rows


EVIDENCE_QUERY = PREFIXES + """
SELECT ?subject ?p ?o ?st ?ev ?doc ?start ?end ?exact ?prefix ?suffix ?gen ?qual ?g WHERE { GRAPH ?g {
  ?st rdf:subject ?subject ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?ev .
  ?ev oa:hasTarget ?t . ?t oa:hasSource ?doc ; oa:hasSelector ?pos , ?q .
  ?pos oa:start ?start ; oa:end ?end . ?q oa:exact ?exact .
  OPTIONAL { ?ev prov:wasGeneratedBy ?gen } OPTIONAL { ?st {qualifier} ?qual }
  OPTIONAL { ?q oa:prefix ?prefix } OPTIONAL { ?q oa:suffix ?suffix } } }
ORDER BY STR(?subject) STR(?p) """ + OBJECT_ORDER + """ STR(?doc) ?start ?end STR(?st) STR(?ev) STR(?qual)"""


def evidence_for(subject) -> dict[tuple, list[dict]]:
    """Evidence of the stated facts of ``subject``, keyed by (predicate, object).

    All evidence is read with one query on first use and indexed by subject (graph/evidence
    holds a few thousand statement nodes), so entity pages need no evidence query.
    """
    c = cache()
    if c.evidence_index is None:
        with _LOCK:
            if c.evidence_index is None:
                c.evidence_index = _load_evidence()
    return c.evidence_index.get(subject, {})


def _load_evidence() -> dict:
    # the qualifier property is written into the text (from the configured base, not user input):
    # a remote store binds with VALUES, which does not reach inside OPTIONAL
    query = EVIDENCE_QUERY.replace("{qualifier}", ntriples_term(sk("dateQualifier")))
    rows = store().select(query, {"g": graph_iri("evidence")})
    index: dict = {}
    seen: dict = {}
    for r in rows:
        key = (r["p"], r["o"])
        sig = (r["subject"], key, r["ev"])
        qual = r.get("qual")
        if sig in seen:  # one row per evidence; date qualifiers (possibly several) collected
            if qual is not None and qual not in seen[sig]["quals"]:
                seen[sig]["quals"].append(qual)
            continue
        r["quals"] = [qual] if qual is not None else []
        seen[sig] = r
        index.setdefault(r["subject"], {}).setdefault(key, []).append(r)
    for by_fact in index.values():
        for lst in by_fact.values():
            lst.sort(key=lambda r: (str(r["doc"]), int(r["start"])))
    return index


HEADINGS_QUERY = PREFIXES + """
SELECT ?ev ?role ?exact ?start ?motive WHERE { GRAPH ?g {
  ?ev oa:hasTarget ?t ; oa:motivatedBy ?motive . ?t ?role ?h . ?h oa:exact ?exact ; oa:start ?start .
  FILTER(?role IN ({roles})) } } ORDER BY STR(?ev) ?start STR(?role) SUBSTR(STR(?exact), 1, 500)"""


def headings_for(annotation) -> dict:
    """The heading path and chart headings of an evidence annotation (docs/DESIGN.md):
    ``{"headings": [text, …] (outermost first), "rows": [...], "columns": [...],
    "chart": bool}``. Read for all annotations with one query on first use."""
    c = cache()
    if c.heading_index is None:
        with _LOCK:
            if c.heading_index is None:
                c.heading_index = _load_headings()
    return c.heading_index.get(annotation, {"headings": [], "rows": [], "columns": [], "chart": False})


def _load_headings() -> dict:
    b = {"g": graph_iri("evidence"), "heading": sk("headingSelector"), "row": sk("rowHeading"),
         "column": sk("columnHeading")}
    # constants are written into the text (from the configured base, not user input)
    roles = ", ".join(ntriples_term(b[k]) for k in ("heading", "row", "column"))
    query = HEADINGS_QUERY.replace("{roles}", roles)
    rows = store().select(query, {"g": b["g"]})
    out: dict = {}
    key = {b["heading"]: "headings", b["row"]: "rows", b["column"]: "columns"}
    for r in sorted(rows, key=lambda r: int(r["start"])):
        e = out.setdefault(r["ev"], {"headings": [], "rows": [], "columns": [], "chart": False})
        e["chart"] = e["chart"] or r["motive"] == sk("chartReading")
        lst = e[key[r["role"]]]
        if str(r["exact"]) not in lst:
            lst.append(str(r["exact"]))
    return out


DATED_QUERY = PREFIXES + """PREFIX time: <http://www.w3.org/2006/time#>
SELECT ?s ?p ?d ?begin ?end ?asof ?doc WHERE { GRAPH ?g {
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?d ; ?interval ?i .
  OPTIONAL { ?i time:hasBeginning/time:inXSDDate ?begin }
  OPTIONAL { ?i time:hasEnd/time:inXSDDate ?end }
  OPTIONAL { ?st ?asofp/?printed ?asof }
  OPTIONAL { ?st prov:wasDerivedFrom/oa:hasTarget/oa:hasSource ?doc } } }
ORDER BY STR(?s) STR(?p) STR(?d) STR(?begin) STR(?end) STR(?asof) STR(?doc)"""


INFERRED_QUERY = PREFIXES + """SELECT ?p ?o ?st ?gen ?from ?s ?g WHERE { GRAPH ?g {
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
  OPTIONAL { ?st prov:wasGeneratedBy ?gen } OPTIONAL { ?st prov:wasDerivedFrom ?from } } }
ORDER BY STR(?p) """ + OBJECT_ORDER + """ STR(?st) STR(?gen) STR(?from)"""


def inferred_provenance(subject) -> dict[tuple, list[dict]]:
    """Rule (and premises) of each inferred fact of ``subject`` (statement nodes in graph/inferred)."""
    out: dict[tuple, list[dict]] = {}
    # the subject and graph are written into the text (ntriples_term escapes them): Virtuoso
    # plans a VALUES block (a remote store's bindings) with this ORDER BY so badly that the
    # query runs past any timeout on some entities (0.03 s written in)
    query = INFERRED_QUERY.replace("rdf:subject ?s", "rdf:subject " + ntriples_term(URIRef(subject))).replace(
        "GRAPH ?g", "GRAPH " + ntriples_term(graph_iri("inferred")))
    for r in store().select(query):
        out.setdefault((r["p"], r["o"]), []).append(r)
    return out


def mentioned_in(entity) -> list[dict]:
    """Documents mentioning ``entity``: dicts of ``doc``, ``n`` (mentions), ``first`` (offset),
    most mentions first. Built from the cached mention lists of all documents."""
    c = cache()
    if c.mention_index is None:
        index: dict = {}
        for doc in c.docs:
            for start, _end, ent in doc_mentions(doc):
                n, first = index.setdefault(ent, {}).get(doc, (0, start))
                index[ent][doc] = (n + 1, min(first, start))
        c.mention_index = index
    rows = [{"doc": d, "n": n, "first": f} for d, (n, f) in c.mention_index.get(entity, {}).items()]
    return sorted(rows, key=lambda r: (-r["n"], str(r["doc"])))


def instances(cls) -> list[URIRef]:
    """IRIs typed ``cls`` (stated or inferred), from the cached types."""
    return [s for s, ts in cache().types.items() if cls in ts and isinstance(s, URIRef)]


def class_counts() -> list[tuple[URIRef, int]]:
    """(class IRI, number of instances) for the ontology's classes, most instances first."""
    counts: dict = {}
    prefix = base() + "ontology#"
    for s, ts in cache().types.items():
        if not isinstance(s, URIRef):
            continue
        for t in ts:
            if str(t).startswith(prefix):
                counts[t] = counts.get(t, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))


DATE_PROPS = ("date", "startDate", "endDate", "launchDate", "plannedLaunchDate", "landingDate",
              "closestApproachDate", "announcementDate", "signingDate")


def dated_facts() -> list[dict]:
    """Stated facts whose object is a date: rows of ``s``, ``p``, ``d`` (the printed date),
    ``begin``/``end`` (xsd:date bounds of its interval, either may be missing when open),
    ``asof`` (the stating document's date as printed) and ``doc`` (the stating document).
    Read from the statement nodes of graph/evidence (``sk:dateInterval``, ``sk:statedAsOf``)."""
    query = DATED_QUERY.replace("?interval", ntriples_term(sk("dateInterval"))).replace(
        "?asofp", ntriples_term(sk("statedAsOf"))).replace("?printed", ntriples_term(sk("printedDate")))
    return store().select(query, {"g": graph_iri("evidence")})


def graph_names() -> tuple[str, ...]:
    """Short names of the named graphs (docs/DESIGN.md)."""
    from spacekg.config import GRAPH_NAMES

    return GRAPH_NAMES

