"""Rule facts as records for review (``spacekg ingest --json``'s ``"facts"``).

Each record::

    {"subject": {"iri", "label", "span"},
     "predicate": IRI,
     "object": {"iri", "label", "span"} | {"value", "datatype"},
     "rule": rule id, "quote": original text of "span", "span": [start, end],
     "qualifiers": [...], "as_of": document date (plans only)}

Spans are ``[start, end)`` code-point offsets into the original file. A subject's or
object's ``span`` is the mention of that entity inside the fact's passage (the first one),
or, for a layout fact whose subject the title names, that mention in the title (the
record's ``quote`` is the fact's own line, not the title); ``None`` when the passage names it
only through a discourse rule (a dropped subject
filled from an earlier topic) or a constant of the rule. A planned fact (qualifier
``planned``) carries ``as_of``: the document's date, the date as of which the plan is stated
(:func:`spacekg.extract.discourse.document_date`).
"""

from __future__ import annotations

from rdflib import Literal


def _label(pipe, eid: str) -> str:
    entry = pipe.lexicon.get(eid)
    extras = getattr(pipe, "extras", None)
    if entry is None and extras is not None:  # a new entity found (or a node minted) by rules
        node = extras.found.get(eid) or extras.minted.get(eid)
        if node is not None:
            return node.ja
    return (entry.ja or entry.en) if entry is not None else eid


def _entity(pipe, analysis, iri, span) -> dict:
    prefix = str(pipe.iris.res)
    eid = str(iri)[len(prefix):] if str(iri).startswith(prefix) else None
    out = {"iri": str(iri), "label": _label(pipe, eid) if eid else str(iri), "span": None}
    if eid:
        for m in analysis.mentions:
            if span[0] <= m.start and m.end <= span[1] and eid in (m.entity, *m.alternatives):
                out["span"] = list(analysis.norm.to_original(m.start, m.end))
                break
    return out


def fact_records(pipe, analysis) -> list[dict]:
    """The facts of ``analysis.matches`` (a :class:`spacekg.build.DocAnalysis`) as records
    (module docstring), in text order."""
    from spacekg.extract.discourse import document_date

    out = []
    text = analysis.source.text
    as_of = document_date(analysis.source.meta, analysis.norm.text, analysis.values)
    titles = {(m.s, m.p, m.o, m.producer, m.qualifiers): m.span
              for m in analysis.matches if getattr(m, "subject_passage", False)}
    for m in analysis.matches:
        if getattr(m, "subject_passage", False):
            continue  # the title naming the subject: the record quotes the fact's own line
        s, e = analysis.norm.to_original(*m.span)
        if isinstance(m.o, Literal):
            obj = {"value": str(m.o), "datatype": str(m.o.datatype) if m.o.datatype else None}
        else:
            obj = _entity(pipe, analysis, m.o, m.span)
        subj = _entity(pipe, analysis, m.s, m.span)
        title = titles.get((m.s, m.p, m.o, m.producer, m.qualifiers))
        if subj["span"] is None and title is not None:
            subj = _entity(pipe, analysis, m.s, title)
        rec = {"subject": subj, "predicate": str(m.p),
               "object": obj, "rule": m.producer, "quote": text[s:e], "span": [s, e],
               "qualifiers": sorted(m.qualifiers)}
        if "planned" in m.qualifiers:
            rec["as_of"] = as_of
        out.append(rec)
    return out


def fact_line(rec: dict) -> str:
    """One line of the text form: ``rule: subject —predicate→ object «quote» [start-end]``."""
    o = rec["object"]
    obj = o["label"] if "label" in o else f'"{o["value"]}"^^<{o["datatype"]}>'
    pred = rec["predicate"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    q = f" ({', '.join(rec['qualifiers'])})" if rec.get("qualifiers") else ""
    if rec.get("as_of"):
        q += f" as of {rec['as_of']}"
    return (f"{rec['span'][0]:>6}-{rec['span'][1]:<6} {rec['rule']}: {rec['subject']['label']} "
            f"—{pred}→ {obj}{q}  «{rec['quote']}»")
