"""Suggest services (auto-complete) for entities, types and properties.

Entities: the browser's search index (exact, then prefix, then substring; width/case/kana
folded), optionally limited to a ``type``. Types and properties: the ontology's classes and
properties whose IRI, local name or ja/en label starts with (then contains) the prefix, after the
same folding. An empty prefix lists everything, as the 1.0 draft allows.
"""

from __future__ import annotations

from spacekg.server.browse.search import normalise
from spacekg.server.reconcile.graph import Graph, Term


def _term_rank(prefix_key: str, raw: str, t: Term) -> int | None:
    if raw and raw in (t.iri, "sk:" + t.iri.rsplit("#", 1)[-1]):
        return 0
    keys = [normalise(t.en), normalise(t.ja), normalise(t.iri.rsplit("#", 1)[-1])]
    if not prefix_key:
        return 3
    if prefix_key in keys:
        return 0
    if any(k.startswith(prefix_key) for k in keys):
        return 1
    if any(prefix_key in k for k in keys):
        return 2
    return None


def terms(g: Graph, pool: dict[str, Term], prefix: str, offset: int, limit: int) -> list[Term]:
    """Terms of ``pool`` matching ``prefix``: exact, then prefix, then substring; by name."""
    key = normalise(prefix)
    ranked = []
    for t in pool.values():
        r = _term_rank(key, prefix.strip(), t)
        if r is not None:
            ranked.append((r, t.name("en").casefold(), t.iri, t))
    ranked.sort(key=lambda x: x[:3])
    return [x[3] for x in ranked[offset:offset + limit]]


def entities(g: Graph, prefix: str, offset: int, limit: int, cls: str | None = None) -> list[str]:
    """Entity IRIs for ``prefix`` (an IRI or slug first), restricted to ``cls`` and its subclasses."""
    out: list[str] = []
    direct = g.resolve_entity(prefix.strip()) if prefix.strip() else None
    if direct:
        out.append(direct)
    if normalise(prefix):
        hits = [str(i) for i, _r, _l in g.index.search(prefix, limit=offset + limit + 200)]
    else:
        hits = sorted(g.types)
    for iri in hits:
        if iri not in out and (cls is None or g.has_type(iri, cls)):
            out.append(iri)
    return out[offset:offset + limit]
