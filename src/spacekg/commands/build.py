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
@click.option("--quiet", is_flag=True, help="No progress lines.")
def build_cmd(out: Path, base: str | None, no_reason: bool, no_validate: bool, quiet: bool):
    """Build the knowledge graph from data/sources into OUT (N-Quads, TriG, Turtle, JSON-LD, report)."""
    from spacekg.build import build_dataset
    from spacekg.publish import publish

    def say(msg):
        if not quiet:
            click.echo(f"· {msg}", err=True)

    iris = IRIs(base or configured_base())
    result = build_dataset(iris=iris, progress=say, reason=not no_reason)
    if not no_validate:
        try:
            from spacekg import validate as validation
        except ImportError:
            validation = None
        if validation is not None and hasattr(validation, "gate"):
            say("validating (SHACL shapes, violation queries)")
            validation.gate(result, progress=say)
    data = publish(result, out)
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
        "candidates": [{"text": c.text, "heuristic": c.heuristic, "span": orig(c.start, c.end),
                        "wikidata": _record_candidates(c.text)} for c in a.candidates],
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
        wd = "  " + ", ".join(f"{w['qid']} ({w['label']})" for w in c["wikidata"]) if c["wikidata"] else ""
        click.echo(f"{c['span'][0]:>6}-{c['span'][1]:<6} {c['heuristic']:<12} {c['text']}{wd}")


COMMANDS = [build_cmd, ingest_cmd]
