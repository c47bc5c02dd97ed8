"""``spacekg links check|suggest|sssom``: Wikidata links (issue 6).

``check`` (and ``suggest --online``) read Wikidata over the network and change nothing; without
network they fail with exit code 2 and a message saying so. ``suggest`` works offline by default,
against the public records held in data/links/records.tsv. ``sssom`` writes (or with ``--check``
verifies) data/links/spacekg.sssom.tsv from the links file and the ontology alignments.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from spacekg.config import ROOT, IRIs, configured_base
from spacekg.errors import ValidationFailed

SSSOM_PATH = ROOT / "data" / "links" / "spacekg.sssom.tsv"


def _load(base: str | None = None):
    from spacekg.build import Paths
    from spacekg.lexicon import load_lexicon
    from spacekg.ontology import load_ontology

    paths = Paths()
    ontology = load_ontology(paths.ontology, IRIs(base or configured_base()))
    return load_lexicon(paths.lexicon, ontology), ontology


@click.group("links")
def links_group():
    """Check, suggest and publish the graph's links to Wikidata."""


@links_group.command("check")
@click.argument("ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--api", default=None, help="Wikidata API endpoint (default: www.wikidata.org).")
@click.option("--wdqs", default=None, help="SPARQL endpoint (default: query.wikidata.org).")
def check_cmd(ids: tuple[str, ...], as_json: bool, api: str | None, wdqs: str | None):
    """Ask Wikidata about every linked entity (or IDS): do labels and type agree?

    Exit 0 when every link agrees, 1 when a link disagrees (label, type, missing or merged
    item), 2 when Wikidata cannot be reached.
    """
    from spacekg.links import API, WDQS, WikidataClient, check_links

    entries, ontology = _load()
    client = WikidataClient(api=api or API, wdqs=wdqs or WDQS)
    results = check_links(entries.values(), ontology, client, set(ids) or None)
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in results], ensure_ascii=False, indent=1))
    else:
        for r in results:
            checked = "checked" if entries[r.id].wikidata_check else "UNCHECKED"
            label = r.wikidata_labels.get("en") or r.wikidata_labels.get("ja") or ""
            click.echo(f"{r.status:24} {r.id:32} {r.qid:11} {checked:9} {label}"
                       + (f"  (merged into {r.redirected_to})" if r.redirected_to else ""))
    bad = [r for r in results if not r.ok]
    click.echo(f"{len(results)} links checked, {len(bad)} disagree", err=True)
    if bad:
        raise ValidationFailed(f"{len(bad)} Wikidata links disagree: "
                               + ", ".join(f"{r.id} ({r.status})" for r in bad))


@links_group.command("suggest")
@click.argument("ids", nargs=-1)
@click.option("--name", "names", multiple=True,
              help="Also suggest for this name (e.g. a candidate new entity from `spacekg ingest`); "
                   "repeatable.")
@click.option("--online", is_flag=True,
              help="Ask Wikidata (wbsearchentities + type test) instead of the records held in "
                   "data/links/records.tsv.")
@click.option("--limit", default=5, show_default=True, help="Candidates per search (--online).")
@click.option("--all-types", is_flag=True, help="Also show candidates of other types.")
@click.option("--api", default=None, help="Wikidata API endpoint (--online).")
@click.option("--wdqs", default=None, help="SPARQL endpoint (--online).")
def suggest_cmd(ids: tuple[str, ...], names: tuple[str, ...], online: bool, limit: int,
                all_types: bool, api: str | None, wdqs: str | None):
    """Propose Wikidata items for IDS (default: every unlinked entity) for a person to review.

    Offline by default: matches the entities' names against the public records held in
    data/links/records.tsv (label match, type agreement from the record's context). With
    --online, asks Wikidata. Prints candidates as comments; nothing is written.
    """
    entries, ontology = _load()
    unknown = [i for i in ids if i not in entries]
    if unknown:
        raise click.BadParameter(f"unknown lexicon ids: {', '.join(unknown)}")
    targets = [entries[i] for i in ids] if ids or names else \
        [e for e in entries.values() if not e.wikidata_check]
    if online:
        from spacekg.links import API, WDQS, WikidataClient, suggest_links

        client = WikidataClient(api=api or API, wdqs=wdqs or WDQS)
        for e in targets:
            found = suggest_links(e, ontology, client, limit, keep_other_types=all_types)
            click.echo(f"# {e.id} ({e.ja} / {e.en}; {', '.join(e.classes)}): {len(found)} candidates")
            for s in found:
                typ = {True: "type ok", False: "OTHER TYPE", None: "type not tested"}[s.type_ok]
                click.echo(f"#   {s.qid:11} {s.label} — {s.description} [{typ}; {' '.join(s.found_by)}]")
        return
    from spacekg.linkrecords import load_records, suggest_offline

    records = load_records()
    jobs = [(e.id, f"{e.ja} / {e.en}; {', '.join(e.classes)}", e.surface_forms(), e.classes) for e in targets]
    jobs += [(f"name:{n}", "", [n], []) for n in names]
    shown = 0
    for key, desc, forms, classes in jobs:
        found = [s for s in suggest_offline(forms, records, classes, ontology)
                 if all_types or s.type_ok is not False]
        if not found and not (ids or names):
            continue
        shown += bool(found)
        click.echo(f"# {key}" + (f" ({desc})" if desc else "") + f": {len(found)} candidates")
        for s in found:
            typ = {True: "type ok", False: "OTHER TYPE", None: "type not tested"}[s.type_ok]
            click.echo(f"#   {s.record.qid:11} {s.record.label} [{s.match}; {typ}; kind {s.record.kind or '-'}] "
                       f"{s.record.source}")
    click.echo(f"{shown} of {len(jobs)} names have candidates in {len(records)} records", err=True)


@links_group.command("sssom")
@click.option("--out", type=click.Path(path_type=Path), default=SSSOM_PATH, show_default=True)
@click.option("--check", is_flag=True, help="Only verify that OUT is up to date (exit 1 if not).")
def sssom_cmd(out: Path, check: bool):
    """Write the SSSOM mapping table of every checked link and ontology alignment."""
    from spacekg.links import sssom_tsv

    entries, ontology = _load()
    text = sssom_tsv(entries, ontology)
    if check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            raise ValidationFailed(f"{out} is out of date: run `spacekg links sssom`")
        click.echo(f"{out} is up to date", err=True)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out} ({text.count(chr(10)) - text.count(chr(10) + '#') - 2} mappings)",
               err=True)


COMMANDS = [links_group]
