"""Draw random stated facts with their passages, for a hand check (issue 10).

Reads a built graph (``build/spacekg.nq`` by default; ``spacekg build`` makes it), draws
``--n`` triples of ``graph/stated`` with a fixed ``--seed`` (Python's ``random.Random``, over
the triples sorted by their N-Triples form, so the same graph and seed give the same sample)
and prints each as the reader of an entity page sees it: subject, property and object by their
labels, then for each evidence annotation the document, the motivation (``describing`` or
``chartReading``), the heading path (outermost first), the row and column headings of a chart
reading, and the quote. ``--tsv OUT`` writes the same as a table with empty ``verdict`` and
``reason`` columns to fill in (docs/handcheck/).

Usage::

    python benchmarks/sample_stated_facts.py [--graph build/spacekg.nq] [--n 100] [--seed 10]
        [--tsv docs/handcheck/stated-facts-SEED.tsv]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

import pyoxigraph as ox

from spacekg.config import IRIs, configured_base

QUERY = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX sk: <{base}ontology#>
SELECT ?ev ?doc ?motive ?quote ?start ?producer WHERE {{
  GRAPH <{base}graph/evidence> {{
    ?st rdf:subject {s} ; rdf:predicate {p} ; rdf:object {o} ; prov:wasDerivedFrom ?ev .
    ?ev oa:hasTarget ?t ; oa:motivatedBy ?motive ; prov:wasGeneratedBy ?producer .
    ?t oa:hasSource ?doc ; oa:hasSelector ?q, ?pos .
    ?q a oa:TextQuoteSelector ; oa:exact ?quote .
    ?pos a oa:TextPositionSelector ; oa:start ?start .
  }}
}} ORDER BY ?doc ?start ?producer
"""

HEADINGS = """
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX sk: <{base}ontology#>
SELECT ?role ?text ?start WHERE {{
  GRAPH <{base}graph/evidence> {{
    {ev} oa:hasTarget ?t .
    VALUES ?role {{ sk:headingSelector sk:rowHeading sk:columnHeading }}
    ?t ?role ?h . ?h oa:exact ?text ; oa:start ?start .
  }}
}} ORDER BY ?start
"""


def label(store: ox.Store, term, base: str) -> str:
    """A term as a reader sees it: a literal's value (with its datatype's local name), or a
    resource's Japanese label and its local name."""
    if isinstance(term, ox.Literal):
        dt = term.datatype.value.rsplit("#", 1)[-1] if term.datatype else ""
        return f'"{term.value}"' + (f"^^{dt}" if dt and dt not in ("string", "langString") else "")
    iri = term.value
    local = iri.rsplit("#", 1)[-1] if "#" in iri else iri.rsplit("/", 1)[-1]
    names = [q.object for q in store.quads_for_pattern(
        term, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None)]
    ja = next((n.value for n in names if getattr(n, "language", None) == "ja"), None)
    return f"{local} ({ja})" if ja else local


def sample(store: ox.Store, base: str, n: int, seed: int) -> list[dict]:
    """``n`` stated triples drawn with ``seed``, each with its evidence rows.

    Returns: a list of dicts ``{s, p, o, evidence: [{doc, motive, producer, quote, headings,
    rows, columns}]}`` (labels as printed)."""
    stated = ox.NamedNode(f"{base}graph/stated")
    triples = sorted(((q.subject, q.predicate, q.object)
                      for q in store.quads_for_pattern(None, None, None, stated)),
                     key=lambda t: f"{t[0]} {t[1]} {t[2]}")
    picked = random.Random(seed).sample(triples, min(n, len(triples)))
    out = []
    for s, p, o in picked:
        rows = list(store.query(QUERY.format(base=base, s=s, p=p, o=o)))
        evidence = []
        for r in rows:
            heads = list(store.query(HEADINGS.format(base=base, ev=r["ev"])))
            kind = {"headingSelector": [], "rowHeading": [], "columnHeading": []}
            for h in heads:
                kind[h["role"].value.rsplit("#", 1)[-1]].append(h["text"].value)
            evidence.append({
                "doc": r["doc"].value.rsplit("/", 1)[-1],
                "motive": r["motive"].value.rsplit("#", 1)[-1],
                "producer": r["producer"].value.rsplit("/", 1)[-1],
                "quote": r["quote"].value,
                "headings": kind["headingSelector"], "rows": kind["rowHeading"],
                "columns": kind["columnHeading"]})
        out.append({"s": label(store, s, base), "p": label(store, p, base),
                    "o": label(store, o, base), "evidence": evidence})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", default="build/spacekg.nq", type=Path)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--tsv", type=Path)
    args = ap.parse_args(argv)
    if not args.graph.exists():
        print(f"error: {args.graph} not found (run `spacekg build` first)", file=sys.stderr)
        return 2
    base = IRIs(configured_base()).base
    store = ox.Store()
    store.bulk_load(path=str(args.graph), format=ox.RdfFormat.N_QUADS)
    facts = sample(store, base, args.n, args.seed)
    rows = []
    for i, f in enumerate(facts, 1):
        print(f"[{i}] {f['s']}  {f['p']}  {f['o']}")
        for e in f["evidence"]:
            print(f"    {e['doc']} · {e['motive']} · {e['producer']}")
            if e["headings"]:
                print("    under: " + " › ".join(e["headings"]))
            if e["rows"] or e["columns"]:
                print(f"    row: {' / '.join(e['rows'])}   column: {' / '.join(e['columns'])}")
            print(f"    「{e['quote']}」")
        first = f["evidence"][0] if f["evidence"] else {}
        rows.append([i, f"{f['s']} | {f['p']} | {f['o']}", first.get("doc", ""),
                     first.get("producer", ""), first.get("quote", ""),
                     " › ".join(first.get("headings", [])),
                     " / ".join(first.get("rows", []) + first.get("columns", [])), "", ""])
    if args.tsv:
        args.tsv.parent.mkdir(parents=True, exist_ok=True)
        with args.tsv.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter="\t", lineterminator="\n")
            w.writerow(["n", "fact", "doc", "producer", "quote", "heading path",
                        "row/column headings", "verdict", "reason"])
            w.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
