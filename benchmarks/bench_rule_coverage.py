"""Benchmark: how much of tests/expected the extraction rules produce without curation.

Builds the corpus with the curated statements switched off (``build_dataset(curation=False)``:
data/curated is left untouched) and prints

* per document and per predicate, the share of the hand-checked facts of tests/expected that
  the rules alone state (a fact counts when the same triple is stated from the same document;
  one the hand list marks ``graph: inferred``, when the domain rules derive it);
* the overall share (the issue's target: at least 60 %);
* rule facts per rule, and rule facts that tests/expected does not list (for review: they are
  either facts the hand lists leave out or errors);
* the curated statements (data/curated) whose every triple the rules now produce from the same
  document, i.e. the statements that no longer need curating.

Not a test: figures only. Usage: python benchmarks/bench_rule_coverage.py [--misses] [--extra]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rdflib import Literal  # noqa: E402

from spacekg.build import Paths, build_dataset  # noqa: E402
from spacekg.config import IRIs  # noqa: E402
from spacekg.errors import CurationError, SpacekgError  # noqa: E402
from spacekg.yamlio import load_yaml_list  # noqa: E402


def expected_facts(resolver):
    """(doc, (s, p, o), raw) for every fact of tests/expected."""
    out = []
    for path in sorted((ROOT / "tests" / "expected").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for f in data.get("facts", []):
            o = resolver.node(f["o"])
            if isinstance(o, Literal) and o.datatype is not None:
                o = Literal(str(o), datatype=o.datatype)
            out.append((data["doc"], (resolver.node(f["s"]), resolver.predicate(f["p"]), o), f))
    return out


def short(term) -> str:
    s = str(term)
    return s.rsplit("/", 1)[-1].rsplit("#", 1)[-1] if not isinstance(term, Literal) else s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--misses", action="store_true", help="list the expected facts not produced")
    ap.add_argument("--extra", action="store_true", help="list rule facts not in tests/expected")
    args = ap.parse_args()

    t = time.perf_counter()
    result = build_dataset(Paths(), IRIs(), reason=True, curation=False)
    took = time.perf_counter() - t
    inferred = set(result.dataset.graph(result.pipeline.iris.graph["inferred"]))
    resolver = result.pipeline.resolver
    stated = defaultdict(set)  # doc -> triples
    by_rule = Counter()
    producers = defaultdict(set)
    for f in result.facts:
        key = (f.s, f.p, Literal(str(f.o), datatype=f.o.datatype) if isinstance(f.o, Literal) else f.o)
        stated[f.doc].add(key)
        by_rule[f.producer[1]] += 1
        producers[(f.doc, key)].add(f.producer[1])

    expected = expected_facts(resolver)
    per_doc, per_pred = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    misses = []
    exp_keys = set()
    for doc, key, raw in expected:
        # a fact the hand list marks graph: inferred (it only restates a name) counts when the
        # domain rules derive it from the rule facts; every other one must be stated by a rule
        hit = key in inferred if raw.get("graph") == "inferred" else key in stated[doc]
        exp_keys.add((doc, key))
        for table, k in ((per_doc, doc), (per_pred, raw["p"])):
            table[k][0] += hit
            table[k][1] += 1
        if not hit:
            misses.append((doc, raw))
    got = sum(v[0] for v in per_doc.values())
    print(f"rules-only build (with inference): {took:.1f} s, {len(result.facts)} rule facts "
          f"({len({(d, k) for d in stated for k in stated[d]})} distinct per document)")
    print("\n## coverage of tests/expected per document")
    for doc, (h, n) in sorted(per_doc.items()):
        print(f"{doc:60s} {h:4d}/{n:<4d} {100 * h / n:5.1f} %")
    print("\n## coverage per predicate")
    for p, (h, n) in sorted(per_pred.items(), key=lambda kv: -kv[1][1]):
        print(f"{p:28s} {h:4d}/{n:<4d} {100 * h / n:5.1f} %")
    print(f"\nOVERALL {got}/{len(expected)} = {100 * got / len(expected):.1f} % (target 60 %)")

    print("\n## rule facts per rule")
    for rule, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{rule:32s} {n}")

    extra = sorted({(d, k) for d in stated for k in stated[d]} - exp_keys,
                   key=lambda x: (x[0], str(x[1])))
    print(f"\nrule facts not in tests/expected: {len(extra)}")
    if args.extra:
        for d, (s, p, o) in extra:
            print(f"  {d[:24]:24s} {short(s)} {short(p)} {short(o)}  "
                  f"[{','.join(sorted(producers[(d, (s, p, o))]))}]")
    if args.misses:
        print("\n## expected facts the rules miss")
        for doc, raw in misses:
            print(f"  {doc[:24]:24s} {raw['s']} {raw['p']} {raw['o']}  « {raw['quote'][:50]} »")

    reproduced = []
    for path in sorted((ROOT / "data" / "curated").glob("*.yaml")):
        for st in load_yaml_list(path, CurationError):
            triples = []
            for s, p, o in st.get("triples", []):
                try:
                    oo = resolver.node(o)
                    if isinstance(oo, Literal) and oo.datatype is not None:
                        oo = Literal(str(oo), datatype=oo.datatype)
                    triples.append((resolver.node(s), resolver.predicate(p), oo))
                except (SpacekgError, KeyError, ValueError):
                    triples = []
                    break
            if triples and all(t in stated[st["doc"]] for t in triples):
                reproduced.append(f"{path.name}:{st['id']}")
    print(f"\ncurated statements fully reproduced by rules: {len(reproduced)}")
    for r in reproduced:
        print(f"  {r}")


if __name__ == "__main__":
    main()
