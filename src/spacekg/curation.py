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
    """

    s: object
    p: object
    o: object
    doc: str
    start: int
    end: int
    producer: tuple[str, str]
    qualifiers: frozenset = frozenset()


@dataclass
class MintedNode:
    """A node minted by a curated statement (Measurement, AgendaItem …)."""

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
            for triple in raw["triples"]:
                if not isinstance(triple, list) or len(triple) != 3:
                    fail(f"triples must be [subject, predicate, object], got {triple!r}")
                try:
                    s = resolver.node(triple[0])
                    p = resolver.predicate(str(triple[1]))
                    o = resolver.node(triple[2])
                except UnknownTerm as exc:
                    fail(str(exc.args[0]))
                facts.append(Fact(s, p, o, doc.id, span[0], span[1], ("curation", cid), quals))
            # minted nodes' type and labels are stated by the same passage
            for node in minted:
                if node.curation != cid:
                    continue
                for c in node.classes:
                    facts.append(Fact(node.iri, RDF.type, resolver.ontology.cls(c), doc.id,
                                      span[0], span[1], ("curation", cid), frozenset()))
                for lab, lang in ((node.ja, "ja"), (node.en, "en")):
                    if lab:
                        for p in (RDFS.label, SKOS.prefLabel):
                            facts.append(Fact(node.iri, p, Literal(lab, lang=lang), doc.id,
                                              span[0], span[1], ("curation", cid), frozenset()))
    return facts, minted
