"""Load the OWL ontology (ontology/spacekg.ttl), the single source of truth for terms.

The file is written with :data:`spacekg.config.DEFAULT_BASE`; when another base is configured
its IRIs are rewritten on load. The pipeline asks this module which classes and properties
exist, so a misspelt term in a data file fails the build with the file and line at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, URIRef

from spacekg.config import DEFAULT_BASE, IRIs
from spacekg.errors import OntologyError


@dataclass
class Ontology:
    """The parsed ontology and the indexes the pipeline needs.

    Attributes:
        graph: the ontology triples (with the configured base).
        iris: the namespaces.
        superclasses: local class name → set of the local names of itself and all its
            sk: superclasses (reflexive, transitive closure of rdfs:subClassOf).
        properties: local name → ``"object"``, ``"datatype"`` or ``"annotation"``.
    """

    graph: Graph
    iris: IRIs
    superclasses: dict[str, set[str]]
    properties: dict[str, str]

    def cls(self, name: str) -> URIRef:
        """IRI of the class ``name``.

        Raises:
            OntologyError: no such class in the ontology.
        """
        return self._term(name, self.superclasses, "class")

    def prop(self, name: str) -> URIRef:
        """IRI of the property ``name``.

        Raises:
            OntologyError: no such property in the ontology.
        """
        return self._term(name, self.properties, "property")

    def _term(self, name: str, known, kind: str) -> URIRef:
        if name not in known:
            raise OntologyError(f"unknown {kind} sk:{name}")
        return self.iris.sk[name]

    def is_a(self, classes: list[str] | set[str], wanted: str) -> bool:
        """True if any of ``classes`` is ``wanted`` or a subclass of it."""
        return any(wanted in self.superclasses.get(c, {c}) for c in classes)


def ontology_files(path: Path) -> list[Path]:
    """The main ontology file followed by the other ``*.ttl`` files of its folder (sorted):
    extensions and alignments (e.g. ``extensions.ttl``, ``wikidata-alignment.ttl``)."""
    return [path] + sorted(p for p in path.parent.glob("*.ttl") if p != path)


def load_ontology(path: Path, iris: IRIs) -> Ontology:
    """Parse the ontology Turtle file (and the other ``*.ttl`` files beside it) and index its
    classes and properties.

    Raises:
        OntologyError: a file is missing or not valid Turtle (message names the file and line).
    """
    if not path.exists():
        raise OntologyError("ontology file not found", path=str(path))
    graph = Graph()
    for file in ontology_files(path):
        text = file.read_text(encoding="utf-8")
        if iris.base != DEFAULT_BASE:
            text = text.replace(DEFAULT_BASE, iris.base)
        try:
            graph.parse(data=text, format="turtle", publicID=iris.ontology)
        except Exception as exc:  # rdflib raises several parser exception types
            raise OntologyError(f"not valid Turtle: {exc}", path=str(file)) from exc
    ns = str(iris.sk)

    def local(term) -> str | None:
        s = str(term)
        return s[len(ns):] if s.startswith(ns) else None

    direct: dict[str, set[str]] = {}
    for c in set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDF.type, RDFS.Class)):
        name = local(c)
        if name:
            direct.setdefault(name, set())
    for c, sup in graph.subject_objects(RDFS.subClassOf):
        a, b = local(c), local(sup)
        if a and b:
            direct.setdefault(a, set()).add(b)
            direct.setdefault(b, set())
    closure: dict[str, set[str]] = {}

    def up(name: str, seen: frozenset = frozenset()) -> set[str]:
        if name in closure:
            return closure[name]
        result = {name}
        for parent in direct.get(name, ()):
            if parent not in seen:
                result |= up(parent, seen | {name})
        closure[name] = result
        return result

    for name in direct:
        up(name)
    properties: dict[str, str] = {}
    for kind, cls in (("object", OWL.ObjectProperty), ("datatype", OWL.DatatypeProperty),
                      ("annotation", OWL.AnnotationProperty), ("object", OWL.TransitiveProperty),
                      ("object", OWL.SymmetricProperty)):
        for p in graph.subjects(RDF.type, cls):
            name = local(p)
            if name:
                properties.setdefault(name, kind)
    return Ontology(graph, iris, closure, properties)
