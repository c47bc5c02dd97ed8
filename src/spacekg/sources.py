"""Stage 1: load the source documents and check them against their recorded SHA-256.

Input: ``data/sources/sources.yaml`` (one entry per document, see that file) and the text
files beside it. Output: :class:`Source` objects holding the exact original text, whose
``str`` indices are the character offsets used by every evidence selector.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from spacekg.errors import SourceError

REQUIRED = ("id", "file", "title_ja", "issuer", "language")


@dataclass(frozen=True)
class Source:
    """One source document.

    Attributes:
        id: document id (file name without ``.txt``), the last segment of its IRI.
        path: the file.
        text: the whole file decoded as UTF-8 (offsets are indices into this string).
        sha256: hex digest of the file's bytes.
        meta: the entry of ``sources.yaml`` (title_ja, title_en, issuer, date or
            date_approx + date_note, language, class …).
    """

    id: str
    path: Path
    text: str
    sha256: str
    meta: dict = field(hash=False, compare=False)


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest(manifest: Path) -> list[dict]:
    """Read ``sources.yaml``.

    Raises:
        SourceError: the file is missing, not YAML, or an entry lacks a required field.
    """
    if not manifest.exists():
        raise SourceError("source manifest not found", path=str(manifest))
    try:
        entries = yaml.safe_load(manifest.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise SourceError(f"not valid YAML: {exc}", path=str(manifest),
                          line=line + 1 if line is not None else None) from exc
    seen = set()
    for i, entry in enumerate(entries):
        missing = [k for k in REQUIRED if k not in entry]
        if missing:
            raise SourceError(f"entry {i + 1} lacks {', '.join(missing)}", path=str(manifest))
        if entry["id"] in seen:
            raise SourceError(f"duplicate document id {entry['id']!r}", path=str(manifest))
        seen.add(entry["id"])
    return entries


def load_sources(folder: Path, *, check_hash: bool = True) -> list[Source]:
    """Load every document listed in ``folder/sources.yaml``, sorted by id.

    A ``*.txt`` file of the folder that ``sources.yaml`` does not list is loaded too, as a new
    document with minimal metadata (its id is the file name without ``.txt``), so that a
    document dropped into the folder is part of the next build.

    Args:
        folder: the sources folder (``data/sources``).
        check_hash: refuse a file whose SHA-256 differs from the manifest (default).

    Raises:
        SourceError: a file is missing, not UTF-8, or its hash changed.
    """
    manifest = folder / "sources.yaml"
    sources = []
    for entry in load_manifest(manifest):
        path = folder / entry["file"]
        if not path.exists():
            raise SourceError("source file listed in sources.yaml is missing", path=str(path))
        digest = sha256_of(path)
        if check_hash and entry.get("sha256") and digest != entry["sha256"]:
            raise SourceError(
                f"SHA-256 changed: expected {entry['sha256']}, found {digest}; the evidence offsets "
                "point into the recorded version, so the build refuses it", path=str(path))
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(f"not UTF-8: {exc}", path=str(path)) from exc
        sources.append(Source(entry["id"], path, text, digest, entry))
    listed = {s.path.name for s in sources}
    for path in sorted(folder.glob("*.txt")):
        if path.name not in listed:  # a new document not yet described in sources.yaml
            src = adhoc_source(path)
            src.meta["title_note"] = "Not described in sources.yaml yet: metadata to be added."
            sources.append(src)
    return sorted(sources, key=lambda s: s.id)


def adhoc_source(path: Path) -> Source:
    """Wrap a document that is not in the corpus (for ``spacekg ingest``).

    Raises:
        SourceError: the file is missing or not UTF-8.
    """
    if not path.exists():
        raise SourceError("file not found", path=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8: {exc}", path=str(path)) from exc
    doc_id = path.stem
    meta = {"id": doc_id, "file": path.name, "title_ja": doc_id, "issuer": None, "language": "ja",
            "class": "Document"}
    return Source(doc_id, path, text, sha256_of(path), meta)
