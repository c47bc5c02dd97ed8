"""How many stated facts name both their subject and their object in the passage shown (issue 10).

A mechanical companion to the hand check (benchmarks/sample_stated_facts.py): for every
triple of ``graph/stated`` whose subject and object are entities of the lexicon, looks for a
mention of each (``graph/mentions``, by offsets) inside the spans a reader is shown with it —
the quote, its heading path, a chart's row, column and title. A fact whose subject or object
is mentioned in none of its passages is listed: its quote may stop short of its subject, or
the fact rests on a name the passage does not print. Entities not in the lexicon (measurement
nodes, literals, documents) are not checked.

Usage::

    python benchmarks/bench_evidence_shows.py [--graph build/spacekg.nq] [--list N]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pyoxigraph as ox

from spacekg.config import IRIs, configured_base

SPANS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX sk: <{base}ontology#>
SELECT ?s ?p ?o ?ev ?doc ?start ?end ?producer WHERE {{
  GRAPH <{base}graph/evidence> {{
    ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?ev .
    ?ev oa:hasTarget ?t ; prov:wasGeneratedBy ?producer .
    ?t oa:hasSource ?doc .
    {{ ?t oa:hasSelector ?sel . ?sel a oa:TextPositionSelector }}
    UNION {{ VALUES ?role {{ sk:headingSelector sk:rowHeading sk:columnHeading }} ?t ?role ?sel }}
    ?sel oa:start ?start ; oa:end ?end .
  }}
}}
"""

MENTIONS = """
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?e ?doc ?start ?end WHERE {{
  GRAPH <{base}graph/mentions> {{
    ?m oa:hasBody ?e ; oa:hasTarget ?t . ?t oa:hasSource ?doc ; oa:hasSelector ?sel .
    ?sel oa:start ?start ; oa:end ?end .
  }}
}}
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", default="build/spacekg.nq", type=Path)
    ap.add_argument("--list", type=int, default=40, help="how many unshown facts to list")
    args = ap.parse_args(argv)
    if not args.graph.exists():
        print(f"error: {args.graph} not found (run `spacekg build` first)", file=sys.stderr)
        return 2
    base = IRIs(configured_base()).base
    store = ox.Store()
    store.bulk_load(path=str(args.graph), format=ox.RdfFormat.N_QUADS)
    lexicon = {q.subject for q in store.quads_for_pattern(
        None, ox.NamedNode(f"{base}ontology#mentionedIn"), None)}
    mentions = defaultdict(list)  # (entity, doc) -> [(start, end)]
    for r in store.query(MENTIONS.format(base=base)):
        mentions[(r["e"], r["doc"])].append((int(r["start"].value), int(r["end"].value)))
    spans = defaultdict(list)  # (s, p, o) -> [(doc, start, end, producer)]
    for r in store.query(SPANS.format(base=base)):
        spans[(r["s"], r["p"], r["o"])].append(
            (r["doc"], int(r["start"].value), int(r["end"].value), r["producer"].value.rsplit("/", 1)[-1]))

    def shown(entity, rows) -> bool:
        return any(a <= ms and me <= b for doc, a, b, _ in rows for ms, me in mentions[(entity, doc)])

    checked, unshown = 0, []
    for (s, p, o), rows in spans.items():
        ends = [e for e in (s, o) if isinstance(e, ox.NamedNode) and e in lexicon]
        if len(ends) < 2:
            continue
        checked += 1
        missing = [e for e in ends if not shown(e, rows)]
        if missing:
            unshown.append((s, p, o, missing, sorted({r[3] for r in rows})))
    local = lambda t: t.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]  # noqa: E731
    print(f"stated facts between two lexicon entities: {checked}")
    print(f"  both named in a passage shown with them: {checked - len(unshown)} "
          f"({(checked - len(unshown)) / max(checked, 1):.1%})")
    print(f"  subject or object named in none: {len(unshown)}")
    by_producer = Counter(pid.rsplit("-", 1)[0] for *_, prods in unshown for pid in prods[:1])
    print("  by producer family: " + ", ".join(f"{k} {v}" for k, v in by_producer.most_common()))
    for s, p, o, missing, prods in sorted(unshown, key=lambda u: u[4])[:args.list]:
        print(f"    {local(s)} {local(p)} {local(o)}   missing: {', '.join(map(local, missing))}   "
              f"({', '.join(prods)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
