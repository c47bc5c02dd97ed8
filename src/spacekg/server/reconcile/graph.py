"""What the reconciliation service knows of the graph, read once per app: the one place where it
touches the store.

Labels and types come from the browser's cache (:func:`spacekg.server.browse.data.cache`, read
through :func:`spacekg.server.store.get_store`, embedded or remote); the ontology's classes,
their ``rdfs:subClassOf`` closure, the properties and the facts of every entity come from three
SELECT queries here, also through ``get_store()``. So the service works over any store the
browser works over, and a query policy put in front of the store (timeout, row cap) applies to
it unchanged. The graph is read-only while the server runs, so nothing here is refreshed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import current_app
from rdflib import OWL, RDF, RDFS, SKOS, Literal, URIRef

from spacekg.server.browse import data as browse_data
from spacekg.server.browse import search as browse_search

_LOCK = threading.Lock()
WIKIDATA = "http://www.wikidata.org/entity/"
#: properties of an entity that the service never proposes for extension (labels are the name;
#: link checks and kana readings are bookkeeping), by IRI and by local name of the ontology
HIDDEN = {str(RDF.type), str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel)}
HIDDEN_LOCAL = ("linkCheck", "checkedLink", "kanaReading")


@dataclass
class Term:
    """A class or property of the ontology: IRI, ja/en labels, definition, direct parents."""

    iri: str
    ja: str
    en: str
    description: str = ""
    parents: list[str] = field(default_factory=list)
    kind: str = "class"  # class | object | datatype | annotation

    def name(self, lang: str = "en") -> str:
        """The label in ``lang`` (``en`` or ``ja``), else the other one, else the local name."""
        first, second = (self.ja, self.en) if lang == "ja" else (self.en, self.ja)
        return first or second or self.iri.rsplit("#", 1)[-1]


@dataclass
class Graph:
    """The reconciliation view of one store.

    Attributes:
        base: the IRI base (``…/resource/``, ``…/ontology#`` live under it).
        classes: class IRI → :class:`Term` (classes of the ontology namespace).
        subclasses: class IRI → itself and all its subclasses (``rdfs:subClassOf*``).
        properties: property IRI → :class:`Term` (ontology properties and ``skos:exactMatch``).
        facts: entity IRI → property IRI → list of objects (rdflib terms), from the graphs
            ``entities``, ``stated`` and ``inferred``; labels are not repeated here.
        types: entity IRI → class IRIs (stated and inferred), from the browser's cache.
        index: the browser's search index (:class:`spacekg.server.browse.search.Index`).
        exact: normalised label → entity IRIs, built from ``index.entries``.
    """

    base: str
    classes: dict[str, Term]
    subclasses: dict[str, set[str]]
    properties: dict[str, Term]
    facts: dict[str, dict[str, list]]
    types: dict[str, list[str]]
    index: browse_search.Index
    exact: dict[str, set[str]]
    _types_memo: dict[str, list[str]] = field(default_factory=dict)
    _ancestors: dict[str, set[str]] = field(default_factory=dict)

    # ------------------------------------------------------------------ lookups
    def is_entity(self, iri: str) -> bool:
        """True for an entity or document of the graph (it has a label in the index)."""
        return iri in self.types or iri in self.facts

    def label(self, iri: str, lang: str = "en") -> str:
        """Best label of any IRI (entity, class, property) in ``lang``, with fallbacks."""
        term = self.classes.get(iri) or self.properties.get(iri)
        if term is not None:
            return term.name(lang)
        return browse_data.label(URIRef(iri), lang)

    def entity_types(self, iri: str) -> list[str]:
        """The entity's most specific classes of the ontology namespace (no superclass of
        another one listed), deepest first (memoised: the graph does not change)."""
        memo = self._types_memo.get(iri)
        if memo is None:
            ts = {t for t in self.types.get(iri, ()) if t in self.classes}
            ts = {t for t in ts if not any(o != t and o in self.subclasses[t] for o in ts)}
            memo = self._types_memo[iri] = sorted(ts, key=lambda t: (-len(self.ancestors(t)), t))
        return memo

    def ancestors(self, cls: str) -> set[str]:
        """``cls`` and its superclasses."""
        if cls not in self._ancestors:
            self._ancestors[cls] = {c for c, subs in self.subclasses.items() if cls in subs}
        return self._ancestors[cls]

    def has_type(self, iri: str, cls: str) -> bool:
        """True when ``iri`` is an instance of ``cls`` or of one of its subclasses."""
        subs = self.subclasses.get(cls, {cls})
        return any(t in subs for t in self.types.get(iri, ()))

    def resolve_class(self, text: str) -> str | None:
        """A class IRI from a full IRI, ``sk:Name``, ``Name`` or an exact ja/en label."""
        return _resolve(text, self.classes, self.base + "ontology#")

    def resolve_property(self, text: str) -> str | None:
        """A property IRI from a full IRI, ``sk:name``, ``name``, a label, or ``wikidata``."""
        if text in ("wikidata", "skos:exactMatch"):
            return str(SKOS.exactMatch)
        return _resolve(text, self.properties, self.base + "ontology#")

    def resolve_entity(self, text: str) -> str | None:
        """An entity IRI from a full IRI or a ``resource/`` slug (``slim``), else None."""
        if self.is_entity(text):
            return text
        guess = self.base + "resource/" + text
        return guess if self.is_entity(guess) else None


def _resolve(text: str, terms: dict[str, Term], ns: str) -> str | None:
    if text in terms:
        return text
    local = text[3:] if text.startswith("sk:") else text
    if ns + local in terms:
        return ns + local
    key = browse_search.normalise(text)
    for iri, t in sorted(terms.items()):
        if key and key in (browse_search.normalise(t.en), browse_search.normalise(t.ja)):
            return iri
    return None


def graph() -> Graph:
    """The app's :class:`Graph`, read on first use (thread-safe) and kept in ``app.extensions``."""
    ext = current_app.extensions.setdefault("spacekg_reconcile", {})
    g = ext.get("graph")
    if g is None:
        with _LOCK:
            g = ext.get("graph")
            if g is None:
                g = ext["graph"] = _load()
    return g


# (bindings stay outside OPTIONAL: a remote store binds them with a VALUES block)
TERMS_QUERY = """SELECT ?t ?kind WHERE { GRAPH ?g { ?t a ?kind } FILTER(?kind IN (?class, ?op, ?dp)) }
  ORDER BY STR(?t) STR(?kind)"""
ANNOTATIONS_QUERY = """SELECT ?t ?p ?o WHERE { GRAPH ?g { ?t ?p ?o }
  FILTER(?p IN (?label, ?pref, ?sub, ?subp, ?def, ?comment)) } ORDER BY STR(?t) STR(?p) """ + browse_data.OBJECT_ORDER
FACTS_QUERY = """SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g IN (?ge, ?gs, ?gi))
  FILTER(STRSTARTS(STR(?s), ?res)) FILTER(!CONTAINS(STR(?s), "#")) }
  ORDER BY STR(?s) STR(?p) """ + browse_data.OBJECT_ORDER


def _load() -> Graph:
    store = browse_data.store()
    base = browse_data.base()
    sk_ns = base + "ontology#"
    cache = browse_data.cache()
    onto = browse_data.graph_iri("ontology")
    kinds = {OWL.Class: "class", OWL.ObjectProperty: "object", OWL.DatatypeProperty: "datatype"}
    terms: dict[str, Term] = {}
    for r in store.select(TERMS_QUERY, {"g": onto, "class": OWL.Class, "op": OWL.ObjectProperty,
                                        "dp": OWL.DatatypeProperty}):
        if str(r["t"]).startswith(sk_ns):
            terms.setdefault(str(r["t"]), Term(str(r["t"]), "", "", kind=kinds[r["kind"]]))
    rows = store.select(ANNOTATIONS_QUERY, {
        "g": onto, "label": RDFS.label, "pref": SKOS.prefLabel, "sub": RDFS.subClassOf,
        "subp": RDFS.subPropertyOf, "def": SKOS.definition, "comment": RDFS.comment})
    for r in sorted(rows, key=lambda r: (str(r["t"]), str(r["p"]), str(r["o"]))):
        t = terms.get(str(r["t"]))
        if t is None:
            continue
        p, o = r["p"], r["o"]
        if isinstance(o, Literal) and p in (RDFS.label, SKOS.prefLabel):
            if o.language == "ja" and not t.ja:
                t.ja = str(o)
            elif o.language in ("en", None) and not t.en:
                t.en = str(o)
        elif isinstance(o, Literal) and p in (SKOS.definition, RDFS.comment):
            if o.language in ("en", None) or not t.description:
                t.description = str(o)
        elif p in (RDFS.subClassOf, RDFS.subPropertyOf) and str(o).startswith(sk_ns):
            t.parents.append(str(o))
    classes = {i: t for i, t in terms.items() if t.kind == "class"}
    properties = {i: t for i, t in terms.items() if t.kind in ("object", "datatype")}
    properties[str(SKOS.exactMatch)] = Term(str(SKOS.exactMatch), "Wikidata項目", "Wikidata item",
                                            "The entity's Wikidata item (checked link).",
                                            kind="object")
    subclasses: dict[str, set[str]] = {c: {c} for c in classes}
    changed = True
    while changed:  # rdfs:subClassOf* closure (a few dozen classes)
        changed = False
        for c, t in classes.items():
            for parent in t.parents:
                if parent in subclasses and not subclasses[c] <= subclasses[parent]:
                    subclasses[parent] |= subclasses[c]
                    changed = True
    facts: dict[str, dict[str, list]] = {}
    for r in store.select(FACTS_QUERY, {"ge": browse_data.graph_iri("entities"),
                                        "gs": browse_data.graph_iri("stated"),
                                        "gi": browse_data.graph_iri("inferred"),
                                        "res": Literal(base + "resource/")}):
        p = str(r["p"])
        if (p in HIDDEN or p.rsplit("#", 1)[-1] in HIDDEN_LOCAL
                or (p != str(SKOS.exactMatch) and p not in properties)):
            continue
        objs = facts.setdefault(str(r["s"]), {}).setdefault(p, [])
        if r["o"] not in objs:
            objs.append(r["o"])
    for by_prop in facts.values():
        for objs in by_prop.values():
            objs.sort(key=str)
    types = {str(s): [str(t) for t in ts] for s, ts in cache.types.items() if isinstance(s, URIRef)}
    index = browse_search.index()
    exact: dict[str, set[str]] = {}
    for e in index.entries:
        exact.setdefault(e.key, set()).add(str(e.iri))
    return Graph(base, classes, subclasses, properties, facts, types, index, exact)
