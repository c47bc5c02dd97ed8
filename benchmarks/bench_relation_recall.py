"""Relation recall of the built graph against the hand-made lists of tests/expected (issue 10).

For every fact of ``tests/expected/*.yaml`` (subject, property, object, quote) looks in the
built graph (``graph/stated`` ∪ ``graph/inferred`` of ``build/spacekg.nq``) for the same triple.
A date-valued fact also counts as found when the graph states the same subject and property
with a date whose interval lies inside the expected one (a finer precision of the same date:
``2029-04-13T21:46:00Z`` for ``2029``; bounds from :func:`spacekg.values.date_bounds`).

Prints, overall and per document: relation recall (facts whose object is a resource), dated or
numbered values recall (object a date or a number), all facts; then the facts missed.

Usage::

    python benchmarks/bench_relation_recall.py [--graph build/spacekg.nq] [--misses]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pyoxigraph as ox
import yaml

from spacekg.config import ROOT, IRIs, configured_base
from spacekg.values import DATE_TYPES, date_bounds

EXPECTED = ROOT / "tests" / "expected"
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMBER_TYPES = {XSD + t for t in ("integer", "decimal", "double", "positiveInteger",
                                  "nonNegativeInteger", "float")}
LITERAL = re.compile(r'^"(?P<v>.*)"\^\^(?P<pfx>xsd|sk):(?P<t>\w+)$')


def term(text: str, iris: IRIs, predicate: bool = False):
    """A term of the lists as a pyoxigraph term: ``id`` (a resource), ``doc:ID`` (a
    document), ``dcterms:x``/``sk:x``/``x`` (a property), ``"v"^^xsd:T`` (a literal).

    Raises:
        ValueError: a literal of an unknown prefix."""
    text = str(text)
    m = LITERAL.match(text)
    if m:
        dt = (XSD if m["pfx"] == "xsd" else f"{iris.base}ontology#") + m["t"]
        return ox.Literal(m["v"], datatype=ox.NamedNode(dt))
    if predicate:
        if text.startswith("dcterms:"):
            return ox.NamedNode("http://purl.org/dc/terms/" + text.split(":", 1)[1])
        return ox.NamedNode(f"{iris.base}ontology#{text.removeprefix('sk:')}")
    if text.startswith("doc:"):
        return ox.NamedNode(f"{iris.base}document/{text[4:]}")
    return ox.NamedNode(f"{iris.base}resource/{text}")


def kind(o) -> str:
    """``relation`` (object a resource), ``value`` (a date or a number) or ``other``."""
    if isinstance(o, ox.NamedNode):
        return "relation"
    dt = o.datatype.value if o.datatype else ""
    return "value" if dt in DATE_TYPES or dt in NUMBER_TYPES else "other"


def _bounds(lit):
    try:
        return date_bounds(lit.value, lit.datatype.value, frozenset())
    except (ValueError, KeyError):
        return None


def found(store: ox.Store, graphs, s, p, o) -> bool:
    """The triple is in one of ``graphs``, or (a date) a finer date of the same subject and
    property is."""
    for g in graphs:
        if next(iter(store.quads_for_pattern(s, p, o, g)), None) is not None:
            return True
    if isinstance(o, ox.Literal) and o.datatype and o.datatype.value in DATE_TYPES:
        want = _bounds(o)
        if want is None:
            return False
        for g in graphs:
            for q in store.quads_for_pattern(s, p, None, g):
                lit = q.object
                if isinstance(lit, ox.Literal) and lit.datatype and lit.datatype.value in DATE_TYPES:
                    got = _bounds(lit)
                    if got and None not in want and None not in got and want[0] <= got[0] and got[1] <= want[1]:
                        return True
    return False


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", default="build/spacekg.nq", type=Path)
    ap.add_argument("--misses", action="store_true", help="list the facts missed")
    args = ap.parse_args(argv)
    if not args.graph.exists():
        print(f"error: {args.graph} not found (run `spacekg build` first)", file=sys.stderr)
        return 2
    iris = IRIs(configured_base())
    store = ox.Store()
    store.bulk_load(path=str(args.graph), format=ox.RdfFormat.N_QUADS)
    graphs = [ox.NamedNode(f"{iris.base}graph/{n}") for n in ("stated", "inferred")]
    totals: dict[str, list[int]] = {}
    misses = []
    for path in sorted(EXPECTED.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for f in data.get("facts", []):
            s, p, o = term(f["s"], iris), term(f["p"], iris, True), term(f["o"], iris)
            ok = found(store, graphs, s, p, o)
            for key in ((path.stem, kind(o)), (path.stem, "all"), ("ALL", kind(o)), ("ALL", "all")):
                t = totals.setdefault(f"{key[0]}\t{key[1]}", [0, 0])
                t[0] += ok
                t[1] += 1
            if not ok:
                misses.append(f"{path.stem}: {f['s']} {f['p']} {f['o']}")

    def ratio(doc, k):
        hit, n = totals.get(f"{doc}\t{k}", [0, 0])
        return f"{hit / n:.3f} ({hit}/{n})" if n else "—"

    docs = sorted({k.split("\t")[0] for k in totals} - {"ALL"}) + ["ALL"]
    print(f"{'document':<22} {'relation recall':>18} {'dated/numbered':>18} {'all facts':>18}")
    for d in docs:
        print(f"{d:<22} {ratio(d, 'relation'):>18} {ratio(d, 'value'):>18} {ratio(d, 'all'):>18}")
    if args.misses:
        print("\nmissed:")
        print("\n".join(f"  {m}" for m in misses) or "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
