"""Matching reconciliation queries against the graph's entities.

Names are matched with the browser's search (:mod:`spacekg.server.browse.search`: NFKC, case,
width and kana folded, so ``ＪＡＸＡ``, ``jaxa``, ``ハヤブサ2`` and ``はやぶさ２`` are the same key),
over preferred labels, alternative labels (abbreviations, other spellings) and kana readings.

Score (0–100, the 1.0 draft's ``standardizedScore``): an exact match of a preferred label 100,
of another label 95; a prefix of a label ``50 + 40·|query|/|label|`` (45 + … for another
label); a substring ``30 + 40·|query|/|label|``. Each property condition not met takes 25 off
(a ``required`` one, 1.0 draft, removes the candidate). A type removes candidates that are not
instances of it or of one of its subclasses (``type_strict`` ``all``: of every type given).
``match`` is true for one candidate only: the single candidate whose name matched exactly and
whose property conditions all hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from spacekg.server.browse.search import normalise
from spacekg.server.reconcile.graph import WIKIDATA, Graph
from spacekg.server.reconcile.requests import BadRequest, Condition, Query

_NAME_SCORE = {0: 100.0, 1: 95.0}
_QID = re.compile(r"^Q[1-9][0-9]*$")


@dataclass
class Candidate:
    """One candidate: entity IRI, score, whether it is the match, and the features behind it."""

    iri: str
    score: float
    name_rank: int | None
    matched: str = ""
    match: bool = False
    properties_met: int = 0
    properties_failed: int = 0
    types: list[str] = field(default_factory=list)


def resolve_types(g: Graph, types: list[str]) -> list[str]:
    """Class IRIs of the types given (IRI, ``sk:Name``, ``Name`` or label).

    Raises:
        BadRequest: a type the ontology does not define.
    """
    out = []
    for t in types:
        iri = g.resolve_class(t)
        if iri is None:
            raise BadRequest(f"unknown type {t!r}: not a class of the ontology "
                             "(see /reconcile/suggest/type)")
        out.append(iri)
    return out


def resolve_conditions(g: Graph, conds: list[Condition]) -> list[Condition]:
    """The conditions with property ids resolved to IRIs.

    Raises:
        BadRequest: an unknown property.
    """
    out = []
    for c in conds:
        if c.kind == "property":
            iri = g.resolve_property(c.prop or "")
            if iri is None:
                raise BadRequest(f"unknown property {c.prop!r} (see /reconcile/suggest/property)")
            c = Condition(c.kind, c.values, iri, c.required, c.quantifier)
        out.append(c)
    return out


def _value_matches(g: Graph, obj, value) -> bool:
    """Does one fact object equal one query value? Entities by IRI, slug, Q-id or any label;
    dates by prefix (``2014`` matches ``2014-12-03``); numbers numerically; text folded."""
    if isinstance(value, dict):
        ident = value.get("id", "")
        if isinstance(obj, URIRef) and (str(obj) == ident or g.resolve_entity(ident) == str(obj)
                                        or str(obj) == WIKIDATA + ident):
            return True
        value = value.get("name", ident)
    if isinstance(value, bool):
        return isinstance(obj, Literal) and obj.toPython() is value
    if isinstance(value, (int, float)):
        py = obj.toPython() if isinstance(obj, Literal) else None
        if isinstance(py, (int, float)) and not isinstance(py, bool):
            return float(py) == float(value)
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = str(value).strip()
    if isinstance(obj, URIRef):
        s = str(obj)
        if s == text or (s.startswith(WIKIDATA) and _QID.match(text) and s == WIKIDATA + text):
            return True
        return s in g.exact.get(normalise(text), ()) or g.resolve_entity(text) == s
    lex = str(obj)
    if obj.datatype is not None and str(obj.datatype).endswith(("#date", "#dateTime", "#gYear", "#gYearMonth")):
        return bool(text) and lex.startswith(text)
    return normalise(lex) == normalise(text)


def condition_holds(g: Graph, iri: str, c: Condition) -> bool:
    """True when the entity satisfies the condition (``any``/``all``/``none`` of its values)."""
    if c.kind == "id":
        hits = [g.resolve_entity(str(v.get("id") if isinstance(v, dict) else v)) == iri for v in c.values]
    else:
        objs = g.facts.get(iri, {}).get(c.prop or "", [])
        hits = [any(_value_matches(g, o, v) for o in objs) for v in c.values]
    if c.quantifier == "all":
        return all(hits)
    if c.quantifier == "none":
        return not any(hits)
    return any(hits)


def _name_score(rank: int, query_key: str, label: str) -> float:
    if rank in _NAME_SCORE:
        return _NAME_SCORE[rank]
    ratio = len(query_key) / max(len(normalise(label)), 1)
    return round({2: 50.0, 3: 45.0}.get(rank, 30.0) + 40.0 * ratio, 1)


def reconcile(g: Graph, q: Query) -> list[Candidate]:
    """Candidates for one query, best first, at most ``q.limit``.

    Raises:
        BadRequest: unknown type or property.
    """
    types = resolve_types(g, q.types)
    conds = resolve_conditions(g, q.conditions)
    pool: dict[str, Candidate] = {}
    if q.text is not None and q.text.strip():
        key = normalise(q.text)
        direct = g.resolve_entity(q.text.strip())
        if direct:
            pool[direct] = Candidate(direct, 100.0, 0, q.text.strip())
        for iri, rank, label in g.index.search(q.text, limit=max(q.limit * 5, 50)):
            iri = str(iri)
            if iri not in pool:
                pool[iri] = Candidate(iri, _name_score(rank, key, label), rank, label)
    elif conds:  # no name: every entity (of the type) is a candidate, judged by its properties
        pool = {iri: Candidate(iri, 100.0, None) for iri in g.facts}
    out = []
    for cand in pool.values():
        if types:
            test = all if q.type_strict == "all" else any
            if not test(g.has_type(cand.iri, t) for t in types):
                continue
        dropped = False
        for c in conds:
            if condition_holds(g, cand.iri, c):
                cand.properties_met += 1
            elif c.required or (q.text is None and c.kind != "name"):
                dropped = True
                break
            else:
                cand.properties_failed += 1
        if dropped:
            continue
        cand.score = max(0.0, cand.score - 25.0 * cand.properties_failed)
        out.append(cand)
    out.sort(key=lambda c: (-c.score, c.name_rank if c.name_rank is not None else 9, c.iri))
    exact = [c for c in out if c.name_rank in (0, 1) and c.properties_failed == 0]
    if len(exact) == 1 and q.text:
        exact[0].match = True
    for cand in out[:q.limit]:
        cand.types = g.entity_types(cand.iri)
    return out[:q.limit]
