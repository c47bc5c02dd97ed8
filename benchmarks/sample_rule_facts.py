"""Draw a fixed random sample of facts produced by extraction rules, for a hand check.

Issue 9 asks that a hand check of 100 random rule facts finds at least 90 right. The pool is
every distinct rule fact (not curated statements) of

* the corpus build: each document of data/sources analysed by the build's pipeline
  (:meth:`spacekg.build.Pipeline.analyse`; offsets in the normalised text), and
* the development set: ``spacekg ingest --json`` on each saved text of data/devset
  (offsets as ingest prints them),

deduplicated per (document, subject, predicate, object) and sorted, so the same seed draws the
same sample from the same rules. ``--show`` prints every drawn fact with its passage, for the
reader; the TSV it writes (``--out``) never holds third-party text: for dev-set facts only the
document id, offsets and rule (the verdict columns are filled by hand; existing verdicts in
``--out`` are kept by sample number, document, offsets and rule).

    PYTHONPATH=src python benchmarks/sample_rule_facts.py --show
    PYTHONPATH=src python benchmarks/sample_rule_facts.py --out benchmarks/rule_fact_check.tsv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_extraction import run_ingest  # noqa: E402
from rdflib import Literal  # noqa: E402

from spacekg.build import Paths, Pipeline  # noqa: E402
from spacekg.config import IRIs  # noqa: E402
from spacekg.devset import default_texts_dir, load_sources, locate_texts  # noqa: E402
from spacekg.sources import load_sources as load_corpus  # noqa: E402

COLUMNS = ["n", "source", "doc", "start", "end", "rule", "fact", "verdict", "reason"]


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def corpus_facts() -> list[dict]:
    """Rule facts of the corpus build's pipeline, one dict per distinct fact of a document."""
    paths = Paths()
    sources = load_corpus(paths.sources)
    pipe = Pipeline.load(paths, IRIs(), sources)
    labels = {pipe.resolver.entity(i): e.ja for i, e in pipe.lexicon.items()}
    out = []
    for src in sources:
        a = pipe.analyse(src)
        local = {pipe.resolver.entity(e.id): e.ja for e in a.entities.values()}

        def name(term, local=local):
            if isinstance(term, Literal):
                return f'"{term}"' + (f"^^{_local(str(term.datatype))}" if term.datatype else "")
            return local.get(term) or labels.get(term) or _local(str(term))

        for m in a.matches:
            if m.producer.startswith("C-"):
                continue
            fact = f"{name(m.s)} —{_local(str(m.p))}→ {name(m.o)}"
            out.append({"source": "corpus", "doc": src.id, "start": m.span[0], "end": m.span[1],
                        "rule": m.producer, "fact": fact,
                        "quote": a.norm.text[m.span[0]:m.span[1]]})
    return out


def devset_facts(texts: Path) -> list[dict]:
    """Facts ``spacekg ingest --json`` prints for each saved dev-set text."""
    sources = load_sources(ROOT / "data" / "devset" / "sources.yaml")
    status = locate_texts([s["id"] for s in sources], texts, sources)
    out = []
    for doc, path in sorted(status.found.items()):
        data = run_ingest(path)
        for f in data.get("facts", []):
            o = f["object"]
            obj = o.get("label") or o.get("iri") or o.get("value")
            fact = f"{f['subject'].get('label') or f['subject'].get('iri')} —{_local(f['predicate'])}→ {obj}"
            start, end = f["span"]
            out.append({"source": "devset", "doc": doc, "start": start, "end": end, "rule": f["rule"],
                        "fact": fact, "quote": f.get("quote", "")})
    return out


def pool(texts: Path) -> list[dict]:
    """Every distinct rule fact, sorted (document, fact, offsets)."""
    seen, out = set(), []
    for f in corpus_facts() + devset_facts(texts):
        key = (f["source"], f["doc"], f["fact"])
        if key not in seen:
            seen.add(key)
            out.append(f)
    return sorted(out, key=lambda f: (f["source"], f["doc"], f["fact"], f["start"]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--texts", type=Path, default=None, help="folder of the dev-set texts")
    ap.add_argument("--out", type=Path, default=None, help="TSV to write (verdicts already in it are kept)")
    ap.add_argument("--show", action="store_true", help="print each drawn fact with its passage")
    args = ap.parse_args(argv)
    facts = pool(args.texts or default_texts_dir(ROOT))
    sample = random.Random(args.seed).sample(facts, min(args.n, len(facts)))
    n_corpus = sum(f["source"] == "corpus" for f in facts)
    print(f"pool: {len(facts)} rule facts ({n_corpus} corpus, {len(facts) - n_corpus} dev set); "
          f"sample of {len(sample)} with seed {args.seed}")
    old = {}
    if args.out and args.out.exists():
        with args.out.open(encoding="utf-8") as fh:
            for row in csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"):
                old[(row["n"], row["doc"], row["start"], row["end"], row["rule"])] = row
    rows = []
    for i, f in enumerate(sample, 1):
        key = (str(i), f["doc"], str(f["start"]), str(f["end"]), f["rule"])
        prev = old.get(key, {})
        rows.append({"n": i, "source": f["source"], "doc": f["doc"], "start": f["start"], "end": f["end"],
                     "rule": f["rule"], "fact": f["fact"] if f["source"] == "corpus" else "",
                     "verdict": prev.get("verdict", ""), "reason": prev.get("reason", "")})
        if args.show:
            print(f"{i:3} {f['source']} {f['doc']} {f['start']}-{f['end']} {f['rule']}\n    {f['fact']}\n"
                  f"    «{f['quote'][:300]}»  [{prev.get('verdict', '')}]")
    if args.out:
        with args.out.open("w", encoding="utf-8", newline="") as fh:
            fh.write("# Hand check of rule facts (issue 9): drawn by benchmarks/sample_rule_facts.py "
                     f"--seed {args.seed} -n {args.n}.\n# Dev-set rows name no third-party text: "
                     "document id, offsets (as ingest prints them) and rule only.\n")
            w = csv.DictWriter(fh, COLUMNS, delimiter="\t", lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    done = [r for r in rows if r["verdict"]]
    if done:
        right = sum(r["verdict"] == "right" for r in done)
        print(f"verdicts: {right} right of {len(done)} judged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
