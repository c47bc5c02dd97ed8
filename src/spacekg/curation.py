"""Curated statements (data/curated/*.yaml): facts no rule reaches, each quoting its passage.

The build locates every quote in its document (NFKC, white space ignored; see
:func:`spacekg.normalise.find_quote`) and fails, naming the file and line, if it cannot.
Format: docs/DESIGN.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Literal

from spacekg.errors import CurationError
from spacekg.normalise import count_quote, find_quote
from spacekg.sources import Source
from spacekg.terms import TermResolver, UnknownTerm
from spacekg.yamlio import load_yaml_list

CID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Fact:
    """A stated triple with the passage that supports it.

    Attributes:
        s, p, o: the triple (rdflib terms).
        doc: source document id.
        start, end: span in the ORIGINAL text of the document (end exclusive).
        producer: ``("rule", id)`` or ``("curation", id)``.
        qualifiers: sk:dateQualifier values for the statement node.
        reading: ``"text"`` (the passage says it) or ``"chart"`` (read from a position in a
            chart or table: the passage is a cell, ``table_headings`` its row/column headings).
        table_headings: ``(("caption" | "row" | "column", (start, end)), …)``: the chart's
            title and the cell's row and column headings, spans in the original text.
    """

    s: object
    p: object
    o: object
    doc: str
    start: int
    end: int
    producer: tuple[str, str]
    qualifiers: frozenset = frozenset()
    reading: str = "text"
    table_headings: tuple = ()


@dataclass
class MintedNode:
    """A node minted by a curated statement (Measurement, AgendaItem …).

    Its classes and labels are a description of the node (written to graph/entities by
    :func:`describe_minted`), not facts with evidence.
    """

    iri: object
    classes: list[str]
    ja: str | None
    en: str | None
    curation: str


def load_curated(folder: Path, sources: dict[str, Source], resolver: TermResolver
                 ) -> tuple[list[Fact], list[MintedNode]]:
    """Load every curated statement, locate its quote and resolve its triples.

    Args:
        folder: ``data/curated``.
        sources: document id → Source.
        resolver: term resolver (its ``local_nodes`` are filled with minted nodes).

    Returns:
        ``(facts, minted_nodes)``, in file order.

    Raises:
        CurationError: malformed entry, unknown document/entity/property, or a quote that is
            not found (message names the file and line).
    """
    facts: list[Fact] = []
    minted: list[MintedNode] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        for raw in load_yaml_list(path, CurationError):
            line = raw.get("__line__")
            raw_id = raw.get("id", "?")

            def fail(msg, _p=path, _l=line, _id=raw_id):
                raise CurationError(f"{_id}: {msg}", path=str(_p), line=_l)

            for key in ("id", "doc", "quote", "triples"):
                if not raw.get(key):
                    fail(f"lacks {key!r}")
            cid = str(raw["id"])
            if not CID_RE.match(cid):
                fail("id must be letters, digits, '-', '_' or '.'")
            if cid in seen:
                fail(f"duplicate id (first at {seen[cid]})")
            seen[cid] = f"{path}:{line}"
            doc = sources.get(raw["doc"])
            if doc is None:
                fail(f"unknown document {raw['doc']!r}")
            quote = str(raw["quote"])
            occurrence = int(raw.get("occurrence", 1))
            span = find_quote(doc.text, quote, occurrence)
            if span is None:
                fail(f"quote not found in {doc.id}: {quote!r}")
            if "occurrence" not in raw and count_quote(doc.text, quote) > 1:
                pass  # first occurrence is used; the build report lists ambiguous quotes
            resolver.local_nodes = {}
            for name, spec in (raw.get("nodes") or {}).items():
                if name == "__line__":
                    continue
                iri = resolver.iris.res[f"{cid.lower()}-{name}"]
                resolver.local_nodes[f"#{name}"] = iri
                classes = spec.get("class") or ["Measurement"]
                classes = classes if isinstance(classes, list) else [classes]
                for c in classes:
                    if c not in resolver.ontology.superclasses:
                        fail(f"unknown class {c!r} for node #{name}")
                minted.append(MintedNode(iri, classes, spec.get("ja"), spec.get("en"), cid))
            quals = raw.get("qualifier")
            quals = frozenset([quals] if isinstance(quals, str) else (quals or []))
            reading = str(raw.get("reading", "text"))
            if reading not in ("text", "chart"):
                fail(f"reading must be 'text' or 'chart', got {reading!r}")
            heads = []
            for role in ("caption", "row", "column"):
                for hq in _as_list(raw.get(role)):
                    hspan = _nearest(doc.text, str(hq), span[0])
                    if hspan is None:
                        fail(f"{role} heading not found in {doc.id}: {hq!r}")
                    heads.append((role, hspan))
            if heads and reading != "chart":
                fail("caption/row/column headings are given only with reading: chart")
            for triple in raw["triples"]:
                if not isinstance(triple, list) or len(triple) != 3:
                    fail(f"triples must be [subject, predicate, object], got {triple!r}")
                try:
                    s = resolver.node(triple[0])
                    p = resolver.predicate(str(triple[1]))
                    o = resolver.node(triple[2])
                except UnknownTerm as exc:
                    fail(str(exc.args[0]))
                facts.append(Fact(s, p, o, doc.id, span[0], span[1], ("curation", cid), quals,
                                  reading, tuple(heads)))
    return facts, minted


def _nearest(text: str, quote: str, at: int) -> tuple[int, int] | None:
    """The occurrence of ``quote`` nearest to offset ``at`` (a chart's row labels repeat, and
    its title may follow its cells once flattened)."""
    spans = [find_quote(text, quote, i) for i in range(1, count_quote(text, quote) + 1)]
    spans = [sp for sp in spans if sp is not None]
    return min(spans, key=lambda sp: (abs(sp[0] - at), sp[0])) if spans else None


def _as_list(value) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


def describe_minted(minted: list[MintedNode], ontology, graph) -> None:
    """Describe minted nodes in ``graph`` (graph/entities): ``rdf:type`` each class,
    ``rdfs:label``/``skos:prefLabel`` @ja/@en, ``prov:wasGeneratedBy`` the curated statement
    that minted it. These are descriptions of generated nodes, not stated facts."""
    from spacekg.config import PROV

    for node in minted:
        for c in node.classes:
            graph.add((node.iri, RDF.type, ontology.cls(c)))
        for lab, lang in ((node.ja, "ja"), (node.en, "en")):
            if lab:
                graph.add((node.iri, RDFS.label, Literal(lab, lang=lang)))
                graph.add((node.iri, SKOS.prefLabel, Literal(lab, lang=lang)))
        graph.add((node.iri, PROV.wasGeneratedBy, ontology.iris.curation[node.curation]))
