"""The curated lexicon: the catalogue of entities (data/lexicon/*.yaml).

Each entry becomes ``{base}resource/{id}`` in ``graph/entities`` with ``rdf:type``,
``rdfs:label`` and ``skos:prefLabel`` (ja, en), ``skos:altLabel`` (aliases), ``sk:kanaReading``
(@ja-Hrkt), ``skos:definition`` (@en) and, where checked, a Wikidata link. Format: see
docs/DESIGN.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from spacekg.errors import LexiconError
from spacekg.ontology import Ontology
from spacekg.yamlio import load_yaml_list

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
QID_RE = re.compile(r"^Q[1-9][0-9]*$")


@dataclass
class Entry:
    """One lexicon entry.

    Attributes:
        id: slug (``[a-z0-9-]``), the last segment of the entity IRI.
        classes: sk: class local names.
        ja, en: preferred labels.
        kana: hiragana reading or None.
        aliases: surface forms (the labels are matched too).
        short: allow 1-character aliases to match.
        definition: one-line English definition or None.
        wikidata: Wikidata item id (``Q…``) or None.
        wikidata_check: how the link was checked (mapping) or None.
        source: ``file:line`` of the entry.
    """

    id: str
    classes: list[str]
    ja: str
    en: str
    kana: str | None = None
    aliases: list[str] = field(default_factory=list)
    short: bool = False
    definition: str | None = None
    definition_ja: str | None = None
    wikidata: str | None = None
    wikidata_check: dict | None = None
    source: str = ""
    extra: dict = field(default_factory=dict)

    def surface_forms(self) -> list[str]:
        """Labels and aliases, de-duplicated, in a stable order."""
        seen, out = set(), []
        for s in [self.ja, self.en, *self.aliases]:
            if s and s not in seen:
                seen.add(s)
                out.append(s)
        return out


def load_lexicon(folder: Path, ontology: Ontology | None = None) -> dict[str, Entry]:
    """Load and check every ``*.yaml`` file of ``folder`` (sorted by name).

    Args:
        folder: ``data/lexicon``.
        ontology: when given, every class name must be an ontology class.

    Returns:
        id → Entry, in file order.

    Raises:
        LexiconError: malformed entry, duplicate id, unknown class, bad Wikidata id
            (the message names the file and line).
    """
    entries: dict[str, Entry] = {}
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise LexiconError("no lexicon files", path=str(folder))
    for path in files:
        for raw in load_yaml_list(path, LexiconError):
            line = raw.get("__line__")

            def fail(msg, _path=path, _line=line):
                raise LexiconError(msg, path=str(_path), line=_line)

            for key in ("id", "class", "ja", "en"):
                if not raw.get(key):
                    fail(f"entry lacks {key!r}")
            eid = str(raw["id"])
            if not ID_RE.match(eid):
                fail(f"id {eid!r} must be lowercase ASCII letters, digits and '-'")
            if eid in entries:
                fail(f"duplicate id {eid!r} (first defined at {entries[eid].source})")
            classes = raw["class"] if isinstance(raw["class"], list) else [raw["class"]]
            if ontology is not None:
                for c in classes:
                    if c not in ontology.superclasses:
                        fail(f"unknown class {c!r} for {eid!r}")
            qid = raw.get("wikidata")
            if qid is not None and not QID_RE.match(str(qid)):
                fail(f"wikidata {qid!r} is not a Wikidata item id (Q…)")
            aliases = raw.get("aliases") or []
            if not isinstance(aliases, list):
                fail("aliases must be a list")
            known = {"id", "class", "ja", "en", "kana", "aliases", "short", "definition",
                     "definition_ja", "wikidata", "wikidata_check", "docs", "__line__"}
            entries[eid] = Entry(
                id=eid, classes=[str(c) for c in classes], ja=str(raw["ja"]), en=str(raw["en"]),
                kana=raw.get("kana"), aliases=[str(a) for a in aliases],
                short=bool(raw.get("short", False)), definition=raw.get("definition"),
                definition_ja=raw.get("definition_ja"),
                wikidata=str(qid) if qid else None, wikidata_check=raw.get("wikidata_check"),
                source=f"{path}:{line}",
                extra={k: v for k, v in raw.items() if k not in known},
            )
    return entries
