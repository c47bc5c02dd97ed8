"""The curated lexicon: the catalogue of entities (data/lexicon/*.yaml).

Each entry becomes ``{base}resource/{id}`` in ``graph/entities`` with ``rdf:type``,
``rdfs:label`` and ``skos:prefLabel`` (ja, en), ``skos:altLabel`` (aliases), ``sk:kanaReading``
(@ja-Hrkt), ``skos:definition`` (@en) and, where checked, a Wikidata link. Format: see
docs/DESIGN.md.

Wikidata links: an entry may carry ``wikidata: Q…`` itself, but the checked links live in
``data/links/wikidata.yaml`` (a YAML list of ``{id, wikidata, check: {method, source, date,
label, note}}``), merged into the entries at load time by :func:`apply_links`: a link there
sets or overrides the entry's ``wikidata`` and gives it its ``wikidata_check``. An entry whose
``wikidata`` has no check anywhere keeps it, but the build does not publish it.
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
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
CHECK_REQUIRED = ("method", "source", "date", "label")
CHECK_FIELDS = (*CHECK_REQUIRED, "note")
CHECK_METHODS = ("ror-record", "registry-record", "registry-label", "wikidata-label-type", "wikidata-label",
                 "review")
#: methods whose record does not show the item's type: a weaker check (SSSOM confidence 0.9)
WEAK_CHECK_METHODS = ("registry-label", "wikidata-label")


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


def default_links_path(folder: Path) -> Path:
    """The checked-links file that goes with a lexicon folder: ``{folder}/../links/wikidata.yaml``."""
    return folder.parent / "links" / "wikidata.yaml"


def load_lexicon(folder: Path, ontology: Ontology | None = None,
                 links: Path | None = None) -> dict[str, Entry]:
    """Load and check every ``*.yaml`` file of ``folder`` (sorted by name), then merge links.

    Args:
        folder: ``data/lexicon``.
        ontology: when given, every class name must be an ontology class.
        links: the checked Wikidata links file; default :func:`default_links_path` (skipped
            when that file does not exist).

    Returns:
        id → Entry, in file order, with ``wikidata``/``wikidata_check`` set from the links.

    Raises:
        LexiconError: malformed entry, duplicate id, unknown class, bad Wikidata id, or a
            malformed link (the message names the file and line).
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
    links_path = links if links is not None else default_links_path(folder)
    if links is not None or links_path.exists():
        apply_links(entries, load_links(links_path))
    return entries


@dataclass
class Link:
    """One checked Wikidata link (a row of ``data/links/wikidata.yaml``).

    Attributes:
        id: the lexicon id.
        wikidata: the item id ``Q…``.
        check: ``method`` (one of :data:`CHECK_METHODS`), ``source`` (the record that pairs the
            name with the item), ``date`` (YYYY-MM-DD of the check), ``label`` (the item's label
            as the record gives it), optional ``note``.
        source: ``file:line`` of the row.
    """

    id: str
    wikidata: str
    check: dict
    source: str = ""


def load_links(path: Path) -> dict[str, Link]:
    """Load and check the Wikidata links file.

    Args:
        path: ``data/links/wikidata.yaml``, a YAML list of
            ``{id, wikidata: Q…, check: {method, source, date, label, note?}}``.

    Returns:
        id → Link, in file order.

    Raises:
        LexiconError: a missing or malformed field, an unknown method, a duplicate id, or two
            ids linked to the same item (file and line named).
    """
    if not path.exists():
        raise LexiconError("links file not found", path=str(path))
    links: dict[str, Link] = {}
    by_item: dict[str, str] = {}
    for raw in load_yaml_list(path, LexiconError):
        line = raw.get("__line__")

        def fail(msg, _line=line):
            raise LexiconError(msg, path=str(path), line=_line)

        eid, qid, check = raw.get("id"), raw.get("wikidata"), raw.get("check")
        if not eid or not ID_RE.match(str(eid)):
            fail(f"link lacks a valid 'id' (got {eid!r})")
        eid = str(eid)
        if eid in links:
            fail(f"duplicate link for {eid!r} (first at {links[eid].source})")
        if not qid or not QID_RE.match(str(qid)):
            fail(f"wikidata {qid!r} of {eid!r} is not a Wikidata item id (Q…)")
        qid = str(qid)
        if qid in by_item:
            fail(f"{qid} is linked from both {by_item[qid]!r} and {eid!r}")
        if not isinstance(check, dict):
            fail(f"link {eid!r} has no 'check' mapping: an unchecked link is not allowed here")
        check = {k: v for k, v in check.items() if k != "__line__"}
        for key in CHECK_REQUIRED:
            if not check.get(key):
                fail(f"check of {eid!r} lacks {key!r}")
        unknown = set(check) - set(CHECK_FIELDS)
        if unknown:
            fail(f"check of {eid!r} has unknown fields {sorted(unknown)}")
        if check["method"] not in CHECK_METHODS:
            fail(f"check method {check['method']!r} of {eid!r} is not one of {CHECK_METHODS}")
        check["date"] = str(check["date"])
        if not DATE_RE.match(check["date"]):
            fail(f"check date {check['date']!r} of {eid!r} is not YYYY-MM-DD")
        by_item[qid] = eid
        links[eid] = Link(eid, qid, {k: str(v) for k, v in check.items()}, f"{path}:{line}")
    return links


def apply_links(entries: dict[str, Entry], links: dict[str, Link]) -> None:
    """Set ``wikidata`` and ``wikidata_check`` of each linked entry (in place).

    A link overrides the lexicon's own ``wikidata``; entries without a link keep theirs
    (unpublished unless the lexicon itself records a check).

    Raises:
        LexiconError: a link names an id that is not in the lexicon.
    """
    for link in links.values():
        entry = entries.get(link.id)
        if entry is None:
            path, _, line = link.source.rpartition(":")
            raise LexiconError(f"link for unknown lexicon id {link.id!r}", path=path,
                               line=int(line) if line.isdigit() else None)
        entry.wikidata = link.wikidata
        entry.wikidata_check = dict(link.check)
