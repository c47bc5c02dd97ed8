"""Turn the short forms used in data files into RDF terms.

* entities: a lexicon id ``slim`` → ``{base}resource/slim``; ``doc:<id>`` → a source document;
  ``#name`` → a node minted by a curated statement (``{base}resource/{curation-id}-{name}``);
  ``sk:name`` → a concept or individual of the ontology (``sk:status-failed``);
* predicates: an sk: local name (``launchDate``) or a prefixed name (``rdfs:label``);
* literals in Turtle form: ``'"2024-01"^^xsd:gYearMonth'``, ``'"…"@ja'``, ``'"text"'``;
  ``{var}`` in a literal is replaced from a rule's string variables.
"""

from __future__ import annotations

import re

from rdflib import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD, Literal, Namespace, URIRef

from spacekg.config import ORG, PROV, SCHEMA, IRIs
from spacekg.ontology import Ontology

LITERAL = re.compile(r'^"(?P<lex>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z-]+)|\^\^(?P<dt>\S+))?$')
PREFIXES = {"rdf": RDF, "rdfs": RDFS, "owl": OWL, "skos": SKOS, "dcterms": DCTERMS, "xsd": XSD,
            "foaf": FOAF, "schema": SCHEMA, "prov": PROV, "org": ORG}


class UnknownTerm(KeyError):
    """A short form that names no entity, property or datatype (message says which)."""


class TermResolver:
    """Resolve short forms against the lexicon, the ontology and the document ids.

    Args:
        iris: namespaces.
        ontology: for predicate and datatype checks.
        entity_ids: the lexicon ids.
        doc_ids: the source document ids.
    """

    def __init__(self, iris: IRIs, ontology: Ontology, entity_ids, doc_ids):
        self.iris = iris
        self.ontology = ontology
        self.entity_ids = set(entity_ids)
        self.doc_ids = set(doc_ids)
        self.prefixes = {**PREFIXES, "sk": Namespace(str(iris.sk))}
        self.local_nodes: dict[str, URIRef] = {}

    def entity(self, eid: str) -> URIRef:
        """IRI of a lexicon entity.

        Raises:
            UnknownTerm: not a lexicon id.
        """
        if eid not in self.entity_ids:
            raise UnknownTerm(f"unknown entity id {eid!r}")
        return self.iris.res[eid]

    def predicate(self, name: str) -> URIRef:
        """IRI of a predicate written as an sk: local name or a prefixed name.

        Raises:
            UnknownTerm: unknown prefix or sk: property.
        """
        if ":" in name:
            prefix, local = name.split(":", 1)
            if prefix not in self.prefixes:
                raise UnknownTerm(f"unknown prefix in {name!r}")
            if prefix == "sk" and local not in self.ontology.properties:
                raise UnknownTerm(f"unknown property {name!r}")
            return URIRef(str(self.prefixes[prefix]) + local)
        if name == "a":
            return RDF.type
        if name not in self.ontology.properties:
            raise UnknownTerm(f"unknown property sk:{name}")
        return self.iris.sk[name]

    def literal(self, text: str, strings: dict[str, str] | None = None) -> Literal:
        """Parse a Turtle-form literal, filling ``{var}`` from ``strings``.

        Raises:
            UnknownTerm: not a literal, or an unknown datatype prefix.
        """
        m = LITERAL.match(text.strip())
        if not m:
            raise UnknownTerm(f"not a literal: {text!r}")
        lex = m.group("lex").replace('\\"', '"')
        if strings:
            lex = re.sub(r"\{(\w+)\}", lambda g: strings[g.group(1)], lex)
        if m.group("lang"):
            return Literal(lex, lang=m.group("lang"))
        if m.group("dt"):
            dt = m.group("dt")
            if dt.startswith("<") and dt.endswith(">"):
                return Literal(lex, datatype=URIRef(dt[1:-1]))
            prefix, local = dt.split(":", 1)
            if prefix not in self.prefixes:
                raise UnknownTerm(f"unknown datatype prefix in {dt!r}")
            lit = Literal(lex, datatype=URIRef(str(self.prefixes[prefix]) + local))
            return lit
        return Literal(lex)

    def node(self, text, env: dict | None = None, strings: dict | None = None):
        """Resolve a subject or object: variable, literal, ``doc:id``, ``#node`` or entity id.

        Raises:
            UnknownTerm: the form names nothing known.
        """
        if isinstance(text, (int, float)):
            return Literal(text)
        text = str(text)
        if env and text in env:
            return env[text]
        if text.startswith('"'):
            return self.literal(text, strings)
        if text.startswith("doc:"):
            doc = text[4:]
            if doc not in self.doc_ids:
                raise UnknownTerm(f"unknown document id {doc!r}")
            return self.iris.doc[doc]
        if text.startswith("sk:"):  # a concept or individual of the ontology (sk:status-failed)
            iri = self.iris.sk[text[3:]]
            if (iri, None, None) not in self.ontology.graph:
                raise UnknownTerm(f"unknown ontology term {text!r}")
            return iri
        if text.startswith("#"):
            if text not in self.local_nodes:
                raise UnknownTerm(f"unknown local node {text!r}")
            return self.local_nodes[text]
        return self.entity(text)
