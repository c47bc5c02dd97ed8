"""Run the whole pipeline (lexicon, new entities, pattern and layout rules) on a test text."""

from __future__ import annotations

import hashlib
from pathlib import Path

from spacekg.sources import Source


def analyse_text(pipeline, text: str, doc_id: str = "test-doc"):
    """The :class:`~spacekg.build.DocAnalysis` of ``text`` as if it were a document."""
    src = Source(doc_id, Path(f"{doc_id}.txt"), text, hashlib.sha256(text.encode()).hexdigest(),
                 {"id": doc_id, "title_ja": doc_id, "issuer": None, "language": "ja"})
    pipeline.resolver.doc_ids.add(doc_id)
    return pipeline.analyse(src)


def term(pipeline, analysis, name, triples=()):
    """An rdflib term for a test's short form: lexicon id, ``doc``, a Turtle literal, a prefixed
    predicate, ``#suffix`` (a minted node whose IRI ends in ``-suffix``) or the label of an
    entity found in the text."""
    from rdflib import URIRef

    name = str(name)
    if name == "doc":
        return pipeline.iris.doc[analysis.source.id]
    if name.startswith("#"):
        nodes = {t for tr in triples for t in (tr[0], tr[2]) if isinstance(t, URIRef)}
        hit = sorted(n for n in nodes if str(n).endswith("-" + name[1:]))
        return hit[0] if hit else URIRef("urn:missing:" + name)
    if name.startswith('"') or name in pipeline.lexicon:
        return pipeline.resolver.node(name)
    for ent in analysis.entities.values():
        if name == ent.ja or name in ent.aliases:
            return pipeline.iris.res[ent.id]
    return URIRef("urn:missing:" + name)


def rule_facts(pipeline, text: str, rule_id: str):
    """Run ``text`` through the pipeline and keep the matches of one rule.

    Returns ``(analysis, matches, {(s, p, o), …})`` for the rule ``rule_id``."""
    a = analyse_text(pipeline, text)
    ms = [m for m in a.matches if m.producer == rule_id]
    return a, ms, {(m.s, m.p, m.o) for m in ms}


def expected_triple(pipeline, analysis, t, got=()):
    """A rule example's ``[s, p, o]`` in short form as rdflib terms (see :func:`term`);
    ``got`` is the triples produced, used to resolve ``#suffix`` names of minted nodes."""
    return (term(pipeline, analysis, t[0], got), pipeline.resolver.predicate(str(t[1])),
            term(pipeline, analysis, t[2], got))
