"""Project paths, the IRI base and the namespaces derived from it.

The base IRI is configurable (``SPACEKG_BASE`` or ``spacekg build --base``); every IRI the
project mints lives under it (see docs/DESIGN.md). The ontology file is written with
:data:`DEFAULT_BASE` and rewritten to the configured base when loaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rdflib import Namespace

DEFAULT_BASE = "https://w3id.org/spacekg/"

#: Repository root (the folder holding ontology/, data/, shapes/ …).
ROOT = Path(os.environ.get("SPACEKG_ROOT", Path(__file__).resolve().parents[2]))

OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


@dataclass(frozen=True)
class IRIs:
    """The namespaces minted under one base IRI.

    Args:
        base: the base IRI, ending in ``/`` (e.g. ``https://w3id.org/spacekg/``).

    Attributes are rdflib ``Namespace`` objects: ``sk`` (ontology terms), ``res`` (entities),
    ``doc`` (source documents), ``graph`` (named graphs), ``rule``, ``curation``,
    ``statement``, ``evidence``, ``mention``.
    """

    base: str = DEFAULT_BASE

    def __post_init__(self):
        if not self.base.endswith(("/", "#")):
            raise ValueError(f"base IRI must end with '/' or '#': {self.base!r}")

    @property
    def sk(self) -> Namespace:
        return Namespace(self.base + "ontology#")

    @property
    def ontology(self) -> str:
        return self.base + "ontology"

    @property
    def res(self) -> Namespace:
        return Namespace(self.base + "resource/")

    @property
    def doc(self) -> Namespace:
        return Namespace(self.base + "document/")

    @property
    def graph(self) -> Namespace:
        return Namespace(self.base + "graph/")

    @property
    def rule(self) -> Namespace:
        return Namespace(self.base + "rule/")

    @property
    def curation(self) -> Namespace:
        return Namespace(self.base + "curation/")

    @property
    def statement(self) -> Namespace:
        return Namespace(self.base + "statement/")

    @property
    def evidence(self) -> Namespace:
        return Namespace(self.base + "evidence/")

    @property
    def mention(self) -> Namespace:
        return Namespace(self.base + "mention/")


def configured_base() -> str:
    """Return the base IRI from ``SPACEKG_BASE`` or the default."""
    return os.environ.get("SPACEKG_BASE", DEFAULT_BASE)


#: Named graphs, by short name (see docs/DESIGN.md).
GRAPH_NAMES = ("ontology", "documents", "entities", "stated", "evidence", "mentions", "inferred")
