"""``spacekg build`` and ``spacekg ingest``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from spacekg.config import IRIs, configured_base


@click.command("build")
@click.option("--out", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="Output folder (replaced only when the build succeeds).")
@click.option("--base", default=None, help="Base IRI (default: $SPACEKG_BASE or https://w3id.org/spacekg/).")
@click.option("--no-reason", is_flag=True, help="Skip the inference stage.")
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation (not for publishing).")
@click.option("--no-cache", is_flag=True,
              help="Analyse every document again instead of reusing the extraction cache "
                   "($SPACEKG_CACHE_DIR, default .cache/spacekg/).")
@click.option("--prune-cache", is_flag=True, help="Delete the cache entries this build did not use.")
@click.option("--force", is_flag=True, help="Build even when OUT was built from the same inputs.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def build_cmd(out: Path, base: str | None, no_reason: bool, no_validate: bool, no_cache: bool,
              prune_cache: bool, force: bool, quiet: bool):
    """Build the knowledge graph from data/sources into OUT (N-Quads, TriG, Turtle, JSON-LD, report).

    Documents whose analysis is in the extraction cache (same document, lexicon, rules,
    ontology and code) are not analysed again; the output is the same as without the cache.
    When OUT was built from exactly the same inputs, code and options, nothing is done.
    """
    from spacekg.build import Paths, build_dataset
    from spacekg.publish import publish

    def say(msg):
        if not quiet:
            click.echo(f"· {msg}", err=True)

    from spacekg.cache import build_inputs_hash

    iris = IRIs(base or configured_base())
    stamp = out / "inputs.sha256"
    inputs = build_inputs_hash(Paths(), base=iris.base,
                               options=f"reason={not no_reason} validate={not no_validate}")
    if not force and (out / "spacekg.nq").is_file() and stamp.is_file() \
            and stamp.read_text(encoding="ascii").strip() == inputs:
        say(f"{out} is up to date (same inputs, code and options; --force rebuilds)")
        click.echo(f"{out}/spacekg.nq")
        return
    cache = None
    if not no_cache:
        from spacekg.cache import ExtractionCache, default_cache_dir, inputs_fingerprint

        cache = ExtractionCache(default_cache_dir(), inputs_fingerprint(Paths()))
    result = build_dataset(iris=iris, progress=say, reason=not no_reason, cache=cache)
    if cache is not None and prune_cache:
        say(f"extraction cache: {cache.prune()} unused entries deleted")
    if not no_validate:
        try:
            from spacekg import validate as validation
        except ImportError:
            validation = None
        if validation is not None and hasattr(validation, "gate"):
            say("validating (SHACL shapes, violation queries)")
            validation.gate(result, progress=say)
    data = publish(result, out, extra={"inputs.sha256": inputs + "\n"})
    say(f"wrote {out}/spacekg.nq ({data['triples']} quads, {data['entities']} entities, "
        f"{data['stated_facts']} stated facts) in {result.timings['total']:.1f} s")
    click.echo(f"{out}/spacekg.nq")


@click.command("ingest")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def ingest_cmd(file: Path, as_json: bool):
    """Run the pipeline on FILE (not in the corpus) without changing the graph; print what it finds."""
    from spacekg.build import Paths, Pipeline
    from spacekg.sources import adhoc_source

    src = adhoc_source(file)
    pipe = Pipeline.load(Paths(), IRIs(configured_base()), [src.id])
    a = pipe.analyse(src)

    def orig(s, e):
        return list(a.norm.to_original(s, e))

    data = {
        "document": str(file),
        "mentions": [{"entity": m.entity, "iri": str(pipe.iris.res[m.entity]), "text": m.surface,
                      "span": orig(m.start, m.end)} for m in a.mentions],
        "values": [{"text": v.surface, "kind": v.kind, "lexical": v.lexical, "datatype": str(v.datatype),
                    "unit": v.unit, "qualifiers": sorted(v.qualifiers), "span": orig(v.start, v.end)}
                   for v in a.values],
        "rule_matches": [{"rule": m.producer, "subject": str(m.s), "predicate": str(m.p),
                          "object": str(m.o), "span": orig(*m.span),
                          "quote": src.text[slice(*orig(*m.span))]} for m in a.matches],
        "candidates": [{"text": c.text, "heuristic": c.heuristic, "span": orig(c.start, c.end)}
                       for c in a.candidates],
    }
    if as_json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    click.echo(f"# {file}: {len(data['mentions'])} mentions, {len(data['values'])} values, "
               f"{len(data['rule_matches'])} rule matches, {len(data['candidates'])} candidates")
    click.echo("\n## Mentions")
    for m in data["mentions"]:
        click.echo(f"{m['span'][0]:>6}-{m['span'][1]:<6} {m['entity']:<32} {m['text']}")
    click.echo("\n## Values")
    for v in data["values"]:
        click.echo(f"{v['span'][0]:>6}-{v['span'][1]:<6} {v['kind']:<9} {v['lexical']:<12} {v['text']}")
    click.echo("\n## Rule matches")
    for m in data["rule_matches"]:
        click.echo(f"{m['rule']}: <{m['subject']}> <{m['predicate']}> {m['object']}  «{m['quote']}»")
    click.echo("\n## Candidate new entities (review)")
    for c in data["candidates"]:
        click.echo(f"{c['span'][0]:>6}-{c['span'][1]:<6} {c['heuristic']:<12} {c['text']}")


COMMANDS = [build_cmd, ingest_cmd]
