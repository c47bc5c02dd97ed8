"""Benchmark of extraction on the development set: documents outside the corpus.

For each document listed in ``data/devset/facts/`` whose saved text is available, runs the same
code as ``spacekg ingest FILE --json`` (the click command, in process) and compares its facts and
entities with the hand-made list (matching rules: ``spacekg.devset`` and data/devset/README.md).
Prints per document and overall (micro: pooled counts; macro: mean of the documents) precision
and recall of facts and of entities, then, per document, the facts missed, the extracted facts
that are not in the list and the entities missed, for whoever writes the rules.

The texts are third-party and not in git: they are read from ``--texts DIR`` (default
``$SPACEKG_DEVSET_DIR``, else /work/devset/texts, else data/devset/texts). The benchmark says
which texts it could not find and which differ from the SHA-256 recorded in
data/devset/sources.yaml.

Usage::

    python benchmarks/bench_extraction.py [--texts DIR] [--doc ID ...] [--summary] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from spacekg.build import Paths
from spacekg.commands.build import ingest_cmd
from spacekg.config import ROOT, IRIs, configured_base
from spacekg.devset import (
    DocScore,
    Resolver,
    default_texts_dir,
    load_fact_list,
    load_sources,
    locate_texts,
    ontology_axioms,
    ratio,
    score_document,
)
from spacekg.lexicon import load_lexicon
from spacekg.ontology import load_ontology

DEVSET = ROOT / "data" / "devset"


def run_ingest(path: Path) -> dict:
    """``spacekg ingest PATH --json``, in process; returns the parsed JSON.

    Raises:
        RuntimeError: the command failed (its message and exit code).
    """
    result = CliRunner().invoke(ingest_cmd, [str(path), "--json"], catch_exceptions=True)
    if result.exit_code != 0:
        detail = result.exception if result.exception else result.output[-500:]
        raise RuntimeError(f"ingest exited {result.exit_code}: {detail}")
    return json.loads(result.stdout)


def fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:5.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--texts", type=Path, default=None, help="folder of the saved texts (<id>.txt)")
    ap.add_argument("--facts", type=Path, default=DEVSET / "facts", help="folder of the hand-made lists")
    ap.add_argument("--sources", type=Path, default=DEVSET / "sources.yaml")
    ap.add_argument("--doc", action="append", default=[], help="only this document id (repeatable)")
    ap.add_argument("--summary", action="store_true", help="no per-document lists of misses")
    ap.add_argument("--json", type=Path, default=None, help="also write the scores as JSON here")
    args = ap.parse_args(argv)

    texts_dir = args.texts or default_texts_dir(ROOT)
    paths = Paths()
    ontology = load_ontology(paths.ontology, IRIs(configured_base()))
    inverse, symmetric = ontology_axioms(ontology.graph)
    classes, properties = set(ontology.superclasses), set(ontology.properties)
    lexicon = {i: e.surface_forms() for i, e in load_lexicon(paths.lexicon).items()}
    sources = load_sources(args.sources)
    titles = {s["id"]: s.get("title") for s in sources}
    kinds = {s["id"]: s.get("kind", "?") for s in sources}
    lists = {fl.doc: fl for fl in (load_fact_list(p, classes, properties)
                                   for p in sorted(args.facts.glob("*.yaml")))}
    ids = [d for d in lists if not args.doc or d in args.doc]
    status = locate_texts(ids, texts_dir, sources)
    print(f"devset: {len(ids)} documents listed, {len(status.found)} texts found in {texts_dir}")
    if status.missing:
        print(f"  texts not found ({len(status.missing)}): {', '.join(status.missing)}")
    if status.changed:
        print(f"  texts that differ from the recorded SHA-256 ({len(status.changed)}): "
              f"{', '.join(status.changed)}")

    scores: list[DocScore] = []
    no_facts = []
    started = time.perf_counter()
    for doc, path in status.found.items():
        fl = lists[doc]
        try:
            data = run_ingest(path)
        except (RuntimeError, ValueError) as exc:
            s = DocScore(doc, facts_hand=len(fl.facts), entities_hand=len(fl.entities), error=str(exc))
            s.missed_facts = ["(ingest failed)"]
            scores.append(s)
            continue
        if "facts" not in data:
            no_facts.append(doc)
        scores.append(score_document(fl, data, Resolver(fl, lexicon, titles.get(doc)), inverse, symmetric,
                                     properties))
    elapsed = time.perf_counter() - started
    if no_facts:
        print(f"  ingest's JSON has no 'facts' key for {len(no_facts)} of {len(scores)} documents "
              f"(nothing extracted: fact recall 0)")

    head = (f"{'document':<34} {'facts':>5} {'extr':>5} {'tp':>4} {'P':>5} {'R':>5}   "
            f"{'ents':>4} {'lex':>4} {'new':>4} {'found':>5} {'Pnew':>5} {'R':>5}")
    print()
    print(head)
    print("-" * len(head))
    for s in scores:
        print(f"{s.doc:<34} {s.facts_hand:>5} {s.facts_extracted:>5} {s.facts_tp:>4} "
              f"{fmt(ratio(s.facts_correct, s.facts_extracted))} {fmt(ratio(s.facts_tp, s.facts_hand))}   "
              f"{s.entities_hand:>4} {s.entities_known:>4} {s.entities_new:>4} {s.entities_found:>5} "
              f"{fmt(ratio(s.entities_new_tp, s.entities_new))} "
              f"{fmt(ratio(s.entities_found, s.entities_hand))}"
              + (f"   ERROR {s.error[:80]}" if s.error else ""))
    print("-" * len(head))

    def total(attr):
        return sum(getattr(s, attr) for s in scores)

    def mean(values):
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else None

    micro = {"fact_precision": ratio(total("facts_correct"), total("facts_extracted")),
             "fact_recall": ratio(total("facts_tp"), total("facts_hand")),
             "new_entity_precision": ratio(total("entities_new_tp"), total("entities_new")),
             "entity_recall": ratio(total("entities_found"), total("entities_hand"))}
    macro = {"fact_precision": mean(ratio(s.facts_correct, s.facts_extracted) for s in scores),
             "fact_recall": mean(ratio(s.facts_tp, s.facts_hand) for s in scores),
             "new_entity_precision": mean(ratio(s.entities_new_tp, s.entities_new) for s in scores),
             "entity_recall": mean(ratio(s.entities_found, s.entities_hand) for s in scores)}
    print(f"{'overall (micro)':<34} {total('facts_hand'):>5} {total('facts_extracted'):>5} "
          f"{total('facts_tp'):>4} {fmt(micro['fact_precision'])} {fmt(micro['fact_recall'])}   "
          f"{total('entities_hand'):>4} {total('entities_known'):>4} {total('entities_new'):>4} "
          f"{total('entities_found'):>5} {fmt(micro['new_entity_precision'])} {fmt(micro['entity_recall'])}")
    print(f"{'overall (macro, mean of documents)':<34} {'':>5} {'':>5} {'':>4} "
          f"{fmt(macro['fact_precision'])} {fmt(macro['fact_recall'])}   {'':>4} {'':>4} {'':>4} {'':>5} "
          f"{fmt(macro['new_entity_precision'])} {fmt(macro['entity_recall'])}")
    by_kind = {}
    for s in scores:
        by_kind.setdefault(kinds.get(s.doc, "?"), []).append(s)
    for kind, group in sorted(by_kind.items()) if set(by_kind) != {"?"} else ():
        def t(attr, group=group):
            return sum(getattr(x, attr) for x in group)
        print(f"{'  ' + kind + f' ({len(group)})':<34} {t('facts_hand'):>5} {t('facts_extracted'):>5} "
              f"{t('facts_tp'):>4} {fmt(ratio(t('facts_correct'), t('facts_extracted')))} "
              f"{fmt(ratio(t('facts_tp'), t('facts_hand')))}   {t('entities_hand'):>4} {t('entities_known'):>4} "
              f"{t('entities_new'):>4} {t('entities_found'):>5} {fmt(ratio(t('entities_new_tp'), t('entities_new')))} "
              f"{fmt(ratio(t('entities_found'), t('entities_hand')))}")
    total_violations = sum(len(s.violations) for s in scores)
    if any(fl.absent or fl.absent_entities for fl in lists.values()):
        print("absent facts or entities extracted (planned read as done, negated, not an entity): "
              f"{total_violations}")
    print("Columns: facts listed, distinct facts extracted, listed facts extracted, precision (extracted\n"
          "facts listed or entailing a listed one), recall; entities listed,\n"
          "lexicon entities mentioned, new entities printed, listed entities found (mention or new),\n"
          "precision of the new entities, recall of the listed entities.")
    ignored = sum(s.facts_ignored for s in scores)
    if ignored:
        print(f"{ignored} extracted triples with a predicate outside the ontology's properties "
              "(rdf:type, rdfs:label, dcterms:issued …) were not scored.")
    print(f"\n{len(scores)} documents scored in {elapsed:.1f} s (ingest included). Targets (issue 9): "
          f"fact recall ≥ 0.6 with precision ≥ 0.9, entity recall ≥ 0.9.")

    if not args.summary:
        for s in scores:
            if not (s.missed_facts or s.unexpected_facts or s.missed_entities or s.unexpected_entities
                    or s.violations):
                continue
            print(f"\n## {s.doc}")
            for title, items in (("MUST NOT be extracted", s.violations),
                                 ("facts missed", s.missed_facts),
                                 ("extracted facts not in the list", s.unexpected_facts),
                                 ("entities missed", s.missed_entities),
                                 ("new entities not in the list", s.unexpected_entities)):
                if items:
                    print(f"### {title} ({len(items)})")
                    for item in items:
                        print(f"  {item}")
    if args.json:
        args.json.write_text(json.dumps({
            "texts": str(texts_dir), "missing": status.missing, "changed": status.changed,
            "micro": micro, "macro": macro, "violations": total_violations,
            "documents": [s.__dict__ for s in scores]}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
