"""The public records held offline: Wikidata Q-ids paired with names (data/links/records.tsv).

Each row is ``qid``, ``label`` (the name as the record gives it), ``kind`` (the spacekg class the
record's context implies: an operator table, a rocket-family list, a coordinate-globe list …;
empty when it implies none) and ``source`` (a key of a ``# source KEY = github:…`` header line).
:func:`suggest_offline` proposes items for a lexicon entry or for any name (a candidate new
entity found by ``spacekg ingest``) by label match and type agreement, without the network.
Nothing here writes a link: suggestions are for review (data/links/wikidata.yaml holds the links).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from spacekg.config import ROOT
from spacekg.errors import LexiconError
from spacekg.lexicon import Entry
from spacekg.links import QID, normalise_label
from spacekg.ontology import Ontology

RECORDS = ROOT / "data" / "links" / "records.tsv"
_SOURCE = re.compile(r"^#\s*source\s+(\S+)\s*=\s*(\S.*)$")


@dataclass(frozen=True)
class Record:
    """One row: the item, the name the record pairs with it, the implied class, the record."""

    qid: str
    label: str
    kind: str
    source: str


@dataclass(frozen=True)
class OfflineSuggestion:
    """A record proposed for a name: ``match`` is ``exact`` (normalised label equal to one of
    the names) or ``partial`` (the label is a run of whole words of a name, e.g. ``Progress`` in
    ``Progress (cargo spacecraft)``); ``type_ok`` is None when the record implies no class or
    no classes were given."""

    name: str
    record: Record
    match: str
    type_ok: bool | None


def load_records(path: Path = RECORDS) -> list[Record]:
    """Read the records table.

    Raises:
        LexiconError: a row without four columns, a malformed Q-id or an undeclared source,
            naming the file and line.
    """
    sources: dict[str, str] = {}
    rows: list[Record] = []
    with path.open(encoding="utf-8", newline="") as fh:
        lines = fh.read().splitlines()
    header_seen = False
    for n, line in enumerate(lines, 1):
        if line.startswith("#"):
            m = _SOURCE.match(line)
            if m:
                sources[m.group(1)] = m.group(2)
            continue
        if not line.strip():
            continue
        cols = next(csv.reader([line], delimiter="\t"))
        if not header_seen:
            header_seen = True
            if cols != ["qid", "label", "kind", "source"]:
                raise LexiconError(f"{path}:{n}: header must be qid, label, kind, source")
            continue
        if len(cols) != 4:
            raise LexiconError(f"{path}:{n}: {len(cols)} columns, 4 expected")
        qid, label, kind, src = cols
        if not QID.match(qid):
            raise LexiconError(f"{path}:{n}: {qid!r} is not a Wikidata item id (Q…)")
        if src not in sources:
            raise LexiconError(f"{path}:{n}: source {src!r} is not declared in a '# source' line")
        rows.append(Record(qid, label, kind, sources[src]))
    return rows


def _type_ok(kind: str, classes: list[str], ontology: Ontology | None) -> bool | None:
    if not kind or not classes or ontology is None:
        return None
    for c in classes:
        supers = ontology.superclasses.get(c, {c})
        if kind in supers or c in ontology.superclasses.get(kind, {kind}):
            return True
    return False


def suggest_offline(names: list[str], records: list[Record], classes: list[str] | None = None,
                    ontology: Ontology | None = None, partial: bool = True) -> list[OfflineSuggestion]:
    """Records whose label matches one of ``names`` (normalised: NFKC, case, spaces, dots, hyphens).

    Args:
        names: the entity's labels and aliases, or a candidate name.
        records: from :func:`load_records`.
        classes: spacekg classes of the entity (for ``type_ok``), if known.
        ontology: for the class hierarchy (a record of kind ``Organization`` agrees with a
            ``SpaceAgency``; a ``SupplyShip`` record with a ``Spacecraft`` entity).
        partial: also propose records whose label contains, or is contained in, a name.

    Returns:
        Exact matches first, then partial; type-agreeing first within each; one per Q-id.
    """
    keys = {normalise_label(n): n for n in names if normalise_label(n)}
    runs = {run: n for n in names for run in _word_runs(n)} if partial else {}
    found: dict[str, OfflineSuggestion] = {}
    for r in records:
        rk = normalise_label(r.label)
        if not rk:
            continue
        match = None
        if rk in keys:
            match, name = "exact", keys[rk]
        elif len(rk) >= 3 and rk in runs:
            match, name = "partial", runs[rk]
        if match is None:
            continue
        s = OfflineSuggestion(name, r, match, _type_ok(r.kind, classes or [], ontology))
        old = found.get(r.qid)
        if old is None or (old.match, old.type_ok is not True) > (s.match, s.type_ok is not True):
            found[r.qid] = s
    return sorted(found.values(), key=lambda s: (s.match != "exact", s.type_ok is not True, s.record.qid))


_WORD = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*")


def _word_runs(name: str) -> set[str]:
    """Normalised keys of every run of whole words of ``name`` shorter than the whole name."""
    words = _WORD.findall(name)
    out = set()
    for i in range(len(words)):
        for j in range(i + 1, len(words) + 1):
            if j - i < len(words):
                out.add(normalise_label(" ".join(words[i:j])))
    return out


def suggest_for_entry(entry: Entry, records: list[Record], ontology: Ontology) -> list[OfflineSuggestion]:
    """:func:`suggest_offline` with the entry's names and classes."""
    return suggest_offline(entry.surface_forms(), records, entry.classes, ontology)
