"""``spacekg build`` and ``spacekg ingest``."""

from __future__ import annotations

import functools
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
        used = {p.resolve() for p in result.parts}
        graphs = cache.dir.parent / "graphs"
        stale = [f for f in graphs.glob("*/*.nq") if f.resolve() not in used] if graphs.exists() else []
        for f in stale:
            f.unlink(missing_ok=True)
        say(f"document parts: {len(stale)} unused parts deleted")
    if not no_validate:
        try:
            from spacekg import validate as validation
        except ImportError:
            validation = None
        if validation is not None and hasattr(validation, "gate"):
            say("validating (SHACL shapes, violation queries)")
            validation.gate(result, progress=say)
    data = publish(result, out, extra={"inputs.sha256": inputs + "\n"})
    _refresh_sssom(out, iris, say)
    say(f"wrote {out}/spacekg.nq ({data['triples']} quads, {data['entities']} entities, "
        f"{data['stated_facts']} stated facts) in {result.timings['total']:.1f} s")
    click.echo(f"{out}/spacekg.nq")


def _refresh_sssom(out: Path, iris: IRIs, say) -> None:
    """Keep data/links/spacekg.sssom.tsv (the committed mapping table) equal to the one the
    build published, when the build used the default base IRI the table is written for."""
    from spacekg.commands.links import SSSOM_PATH
    from spacekg.config import DEFAULT_BASE

    if iris.base != DEFAULT_BASE:
        return
    text = (out / "spacekg.sssom.tsv").read_text(encoding="utf-8")
    if not SSSOM_PATH.exists() or SSSOM_PATH.read_text(encoding="utf-8") != text:
        SSSOM_PATH.write_text(text, encoding="utf-8")
        say(f"refreshed {SSSOM_PATH} from the build")


@functools.lru_cache(maxsize=1)
def _records():
    from spacekg.linkrecords import load_records

    return load_records()


def _record_candidates(name: str) -> list[dict]:
    """Wikidata items the held public records (data/links/records.tsv) pair with exactly this
    name: candidate links of a new entity, for review."""
    from spacekg.linkrecords import suggest_offline

    return [{"qid": s.record.qid, "label": s.record.label, "kind": s.record.kind, "source": s.record.source}
            for s in suggest_offline([name], _records(), partial=False)]


@click.command("ingest")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--draft", "draft", type=click.Path(path_type=Path), default=None,
              help="Also write the facts and new entities as draft curated statements (YAML) to this file.")
def ingest_cmd(file: Path, as_json: bool, draft: Path | None):
    """Run the pipeline on FILE (not in the corpus) without changing the graph; print what it finds."""
    from spacekg.build import Paths, Pipeline
    from spacekg.extract.facts import fact_line, fact_records
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
        "facts": fact_records(pipe, a),
        "candidates": [{"text": c.text, "heuristic": c.heuristic, "span": orig(c.start, c.end),
                        "wikidata": _record_candidates(c.text)} for c in a.candidates],
    }
    data["entities"] = _new_entities(a, pipe)
    if draft is not None:
        _write_draft(draft, a, pipe)
    if as_json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    click.echo(f"# {file}: {len(data['mentions'])} mentions, {len(data['values'])} values, "
               f"{len(data['facts'])} facts, {len(data['candidates'])} candidates")
    click.echo("\n## Mentions")
    for m in data["mentions"]:
        click.echo(f"{m['span'][0]:>6}-{m['span'][1]:<6} {m['entity']:<32} {m['text']}")
    click.echo("\n## Values")
    for v in data["values"]:
        click.echo(f"{v['span'][0]:>6}-{v['span'][1]:<6} {v['kind']:<9} {v['lexical']:<12} {v['text']}")
    click.echo("\n## Facts (rule: subject —predicate→ object «passage»)")
    for rec in data["facts"]:
        click.echo(fact_line(rec))
    click.echo("\n## New entities (found by rules, not curated)")
    for e in data["entities"]:
        click.echo(f"{e['span'][0]:>6}-{e['span'][1]:<6} {e['class']:<20} {e['label']}"
                   f"{' (' + ', '.join(e['aliases']) + ')' if e['aliases'] else ''}  [{', '.join(e['rules'])}]")
    click.echo("\n## Candidate new entities (review)")
    for c in data["candidates"]:
        wd = "  " + ", ".join(f"{w['qid']} ({w['label']})" for w in c["wikidata"]) if c["wikidata"] else ""
        click.echo(f"{c['span'][0]:>6}-{c['span'][1]:<6} {c['heuristic']:<12} {c['text']}{wd}")


def _new_entities(analysis, pipe) -> list[dict]:
    """``ingest``'s "entities": the names the lexicon lacks that the discovery rules found."""
    from spacekg.extract.draft import entities_json

    return entities_json(analysis, pipe)


def _write_draft(path: Path, analysis, pipe) -> None:
    """``ingest --draft``: facts and new entities as curated statements for review."""
    from spacekg.extract.draft import draft_statements, write_draft

    statements = draft_statements(analysis, pipe)
    write_draft(path, statements, analysis.source)
    click.echo(f"wrote {len(statements)} draft statements to {path}", err=True)


COMMANDS = [build_cmd, ingest_cmd]
