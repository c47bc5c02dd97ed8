"""What ``spacekg ingest`` reports about new entities, and the draft of curated statements.

* :func:`entities_json` — the new entities of an analysed document, for ``ingest --json``.
* :func:`draft_statements` / :func:`write_draft` — the facts and new entities of a document in
  the curated-statement format of data/curated (docs/DESIGN.md), each with its quote, for an
  analyst to correct and keep. A fact about a new entity names it by its ``found-…`` id: the
  build finds the same entity again in the same document (ids are hashes of the normalised
  name), so the draft loads as a curated file once the document is in data/sources. Nodes a
  layout rule minted (agenda items, handouts) become ``nodes`` of the statement.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from rdflib import RDF, RDFS, SKOS, Literal

from spacekg.normalise import count_quote, search_key
from spacekg.terms import PREFIXES


def entities_json(analysis, pipe) -> list[dict]:
    """New entities of ``analysis`` as JSON-ready dicts, in text order.

    Each: ``iri``, ``id``, ``label`` (ja), ``labels`` ({ja, en}), ``class`` (first class),
    ``classes``, ``aliases``, ``role`` (persons), ``rules`` (discovery rule ids), ``span`` of the
    first mention in the original file, ``mentions`` (how many), ``status`` ``"found"``.
    """
    counts: dict[str, list] = {}
    for m in analysis.mentions:
        if m.entity in analysis.entities:
            counts.setdefault(m.entity, []).append(m)
    out = []
    for ent in analysis.entities.values():
        ms = counts.get(ent.id, [])
        first = ms[0] if ms else None
        span = list(analysis.norm.to_original(first.start, first.end) if first
                    else analysis.norm.to_original(*ent.span))
        out.append({"iri": str(pipe.iris.res[ent.id]), "id": ent.id, "label": ent.ja,
                    "labels": {"ja": ent.ja, "en": ent.en}, "class": ent.classes[0],
                    "classes": list(ent.classes), "aliases": list(ent.aliases), "role": ent.role,
                    "rules": list(ent.rules), "span": span, "mentions": len(ms), "status": "found"})
    return out


def short_term(term, pipe, local: dict) -> str:
    """A term in the short form of curated files (lexicon or found id, ``doc:id``, ``#node``,
    Turtle literal), registering minted nodes in ``local`` (IRI → node name)."""
    iris = pipe.iris
    if isinstance(term, Literal):
        lex = str(term).replace('"', '\\"')
        if term.language:
            return f'"{lex}"@{term.language}'
        if term.datatype:
            dt = short_predicate(term.datatype, pipe)
            return f'"{lex}"^^{dt if ":" in dt else "sk:" + dt}'
        return f'"{lex}"'
    s = str(term)
    if s.startswith(str(iris.doc)):
        return "doc:" + s[len(str(iris.doc)):]
    if s.startswith(str(iris.res)):
        eid = s[len(str(iris.res)):]
        if eid in pipe.resolver.entity_ids:
            return eid
        return local.setdefault(s, "#" + re.sub(r"^found-[0-9a-f]+-", "", eid))
    return short_predicate(term, pipe)


def short_predicate(term, pipe) -> str:
    """``launchDate`` for an sk: term, ``dcterms:issued`` for another known namespace."""
    s = str(term)
    if s.startswith(str(pipe.iris.sk)):
        return s[len(str(pipe.iris.sk)):]
    for prefix, ns in sorted(PREFIXES.items()):
        if s.startswith(str(ns)):
            return f"{prefix}:{s[len(str(ns)):]}"
    return f"<{s}>"


def _occurrence(original: str, start: int, quote: str) -> int:
    """Which occurrence of ``quote`` (as :func:`find_quote` counts) starts at ``start``."""
    key, index = search_key(original)
    qkey, _ = search_key(quote)
    n, at = 0, key.find(qkey)
    while at >= 0:
        n += 1
        if index[at] >= start:
            return n
        at = key.find(qkey, at + 1)
    return max(n, 1)


def draft_statements(analysis, pipe, prefix: str | None = None) -> list[dict]:
    """Curated statements for the facts and new entities of ``analysis`` (see module docstring).

    Returns:
        A list of mappings in the data/curated format, in text order: first one per new entity
        (its label, quoting its first mention; ``entity`` records class and discovery rules),
        then one per passage with the rule facts it supports (``rule`` records the producer).
    """
    src, norm = analysis.source, analysis.norm
    tag = prefix or re.sub(r"[^A-Z0-9]+", "-", src.id.upper()).strip("-")[:24]
    out: list[dict] = []
    for i, ent in enumerate(entities_json(analysis, pipe), 1):
        s, e = ent["span"]
        quote = src.text[s:e]
        st = {"id": f"D-{tag}-E{i:03d}", "doc": src.id, "quote": quote,
              "entity": {"id": ent["id"], "class": ent["class"], "ja": ent["label"],
                         "en": ent["labels"]["en"], "found_by": ent["rules"]},
              "triples": [[ent["id"], "rdfs:label", short_term(Literal(ent["label"], lang="ja"), pipe, {})]]}
        _set_occurrence(st, src.text, s, quote)
        out.append(st)
    groups: dict[tuple, dict] = {}
    for m in analysis.matches:
        if m.subject_passage:  # the title naming a layout fact's subject: the fact's line is quoted
            continue
        s, e = norm.to_original(*m.span)
        key = (s, e, m.producer, tuple(sorted(m.qualifiers)))
        groups.setdefault(key, {"matches": [], "span": (s, e)})["matches"].append(m)
    for i, ((s, e, producer, quals), grp) in enumerate(sorted(groups.items(), key=lambda kv: kv[0]), 1):
        local: dict[str, str] = {}
        triples, minted = [], {}
        for m in grp["matches"]:
            subj = short_term(m.s, pipe, local)
            if subj.startswith("#") and m.p in (RDF.type, RDFS.label, SKOS.prefLabel):
                node = minted.setdefault(subj[1:], {})
                if m.p == RDF.type:
                    node["class"] = short_predicate(m.o, pipe)
                elif m.p == RDFS.label:
                    node["ja"] = str(m.o)
                continue
            if m.p == RDF.type:
                continue
            triple = [subj, short_predicate(m.p, pipe), short_term(m.o, pipe, local)]
            if triple not in triples:
                triples.append(triple)
        # a node minted by another passage of the same rule is not defined here
        triples = [t for t in triples if not any(str(x).startswith("#") and str(x)[1:] not in minted
                                                 for x in (t[0], t[2]))]
        if not triples:
            continue
        quote = src.text[s:e]
        st = {"id": f"D-{tag}-F{i:03d}", "doc": src.id, "quote": quote, "rule": producer,
              "triples": triples}
        if minted:
            st["nodes"] = {name: {k: v for k, v in spec.items()} for name, spec in sorted(minted.items())}
        if quals:
            st["qualifier"] = list(quals) if len(quals) > 1 else quals[0]
        _set_occurrence(st, src.text, s, quote)
        out.append(st)
    return out


def _set_occurrence(st: dict, original: str, start: int, quote: str) -> None:
    if count_quote(original, quote) > 1:
        st["occurrence"] = _occurrence(original, start, quote)


def write_draft(path: Path, statements: list[dict], source) -> None:
    """Write the draft YAML (a header comment naming the document, then the statements)."""
    head = (f"# Draft curated statements for {source.id} ({source.path.name}), written by\n"
            "# `spacekg ingest --draft`: facts the rules extracted and new entities, each with its\n"
            "# quote. Check every one, correct or delete it, then move the file to data/curated/.\n"
            "# `rule` and `entity` record what produced each statement; the build ignores them.\n")
    body = yaml.safe_dump(statements, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(head + body, encoding="utf-8")


