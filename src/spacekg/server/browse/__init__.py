"""The web browser of the graph, one module per concern.

``routes`` holds the Flask blueprint ``bp`` (registered by :func:`spacekg.server.create_app`) and
the entity, document and provenance pages; ``tools`` registers search, query, explore, timeline
and dumps on it. ``data`` reads the store, ``pages``/``views`` shape what templates show,
``rdf`` serves RDF by content negotiation, ``text`` renders documents with mentions and
evidence, ``search`` is the ja/en label index, ``dataset`` the dumps and VoID, ``examples`` the
home page's example questions, ``util`` shared helpers.
"""

from spacekg.server.browse.routes import bp

__all__ = ["bp"]
