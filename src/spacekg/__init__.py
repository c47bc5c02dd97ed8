"""spacekg: a linked-data knowledge graph of Japan's space-exploration policy.

The package turns the committee documents in ``data/sources/`` into RDF named graphs
(see ``docs/DESIGN.md``): ontology, document metadata, lexicon entities, stated facts with
evidence, mentions and inferred facts.
"""

__version__ = "0.1.0"
