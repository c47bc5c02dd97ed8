"""``spacekg add``: put a new document into data/sources with its metadata and SHA-256.

Accepted: a UTF-8 text file, or an HTML page (its text is taken with Beautiful Soup, see
:mod:`spacekg.extract.html`, and stored as ``<id>.txt``; the page's own SHA-256 is recorded as
``source_sha256``). Refused with a clear error, changing nothing: a missing or empty file, a
PDF, any other binary or non-UTF-8 file, an id or a text already in the corpus, a malformed
``--date`` or ``--url``. The next ``spacekg build`` extracts the document like the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import click
import yaml

from spacekg.errors import SourceError

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _read_document(path: Path) -> tuple[str, str, str | None]:
    """``(text, format, html_title)`` of the file to add.

    Raises:
        SourceError: missing, empty, PDF, binary or not UTF-8.
    """
    from spacekg.extract.html import html_text, looks_like_html

    if not path.is_file():
        raise SourceError("file not found", path=str(path))
    data = path.read_bytes()
    if not data.strip():
        raise SourceError("the file is empty", path=str(path))
    if data.startswith(b"%PDF"):
        raise SourceError("a PDF: extract its text first (e.g. pdftotext) and add the .txt", path=str(path))
    if b"\x00" in data[:8192]:
        raise SourceError("a binary file: only text files and HTML pages can be added", path=str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8 ({exc.reason} at byte {exc.start}): convert it to UTF-8 first",
                          path=str(path)) from exc
    if path.suffix.lower() in (".html", ".htm", ".xhtml") or looks_like_html(data):
        body, title = html_text(text)
        if not body.strip():
            raise SourceError("the HTML page has no text", path=str(path))
        return body, "text/html", title
    return text, "text/plain", None


def add_document(path: Path, sources_dir: Path, *, doc_id: str | None = None, title: str | None = None,
                 issuer: str | None = None, date: str | None = None, url: str | None = None,
                 lexicon: dict | None = None) -> dict:
    """Copy ``path`` into ``sources_dir`` and append its entry to ``sources.yaml``.

    Args:
        path: a text file or an HTML page.
        sources_dir: data/sources.
        doc_id: the document id (default: the file name without extension, lowercased).
        title: the Japanese title (default: the page title, else the first non-blank line).
        issuer: a lexicon id or the issuer's name (a name that normalises to a lexicon label is
            recorded as that entry's id; any other name as ``issuer_ja``).
        date: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (printed date of the document).
        url: where the document was published (http or https).
        lexicon: id → Entry, to resolve ``issuer`` (optional).

    Returns:
        The new entry of sources.yaml.

    Raises:
        SourceError: the document is refused (nothing is written).
    """
    from spacekg.extract.entities import fold
    from spacekg.sources import load_manifest, sha256_of

    text, fmt, html_title = _read_document(path)
    doc_id = doc_id or path.stem.lower()
    if not ID_RE.match(doc_id):
        raise SourceError(f"document id {doc_id!r} must be lowercase ASCII letters, digits and '-': "
                          "give one with --id", path=str(path))
    manifest = sources_dir / "sources.yaml"
    entries = load_manifest(manifest)
    target = sources_dir / f"{doc_id}.txt"
    if any(e["id"] == doc_id for e in entries) or target.exists():
        raise SourceError(f"a document with id {doc_id!r} is already in the corpus", path=str(manifest))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    for e in entries:
        f = sources_dir / e["file"]
        if e.get("sha256") == digest or (f.exists() and sha256_of(f) == digest):
            raise SourceError(f"the same text is already in the corpus as {e['id']!r}", path=str(path))
    entry: dict = {"id": doc_id, "file": target.name, "sha256": digest, "class": "Document"}
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), doc_id)
    entry["title_ja"] = title or html_title or first[:200]
    if title is None:
        entry["title_note"] = ("Taken from the page's <title>." if html_title else
                               "Taken from the first line of the document when it was added.")
    entry["issuer"] = None
    if issuer:
        known = {}
        for e in (lexicon or {}).values():
            for form in e.surface_forms():
                known.setdefault(fold(form), e.id)
        if lexicon and issuer in lexicon:
            entry["issuer"] = issuer
        elif fold(issuer) in known:
            entry["issuer"] = known[fold(issuer)]
            entry["issuer_ja"] = issuer
        else:
            entry["issuer_ja"] = issuer
    if date:
        if not _valid_date(date):
            raise SourceError(f"--date {date!r} is not YYYY-MM-DD, YYYY-MM or YYYY", path=str(path))
        if len(date) == 10:
            entry["date"] = date
        else:
            entry["date_approx"] = date
            entry["date_note"] = "Given when the document was added (spacekg add --date)."
    else:
        entry["date_note"] = "Not given when the document was added (spacekg add)."
    if url:
        if not re.match(r"^https?://[^\s/]+", url):
            raise SourceError(f"--url {url!r} is not an http(s) URL", path=str(path))
        entry["url"] = url
    entry["language"] = "ja"
    if fmt != "text/plain":
        entry["source_format"] = fmt
        entry["source_file"] = path.name
        entry["source_sha256"] = sha256_of(path)
    old = manifest.read_text(encoding="utf-8")
    block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    target.write_text(text, encoding="utf-8", newline="")
    base = old if entries else "".join(ln for ln in old.splitlines(True) if ln.lstrip().startswith("#"))
    try:
        manifest.write_text((base.rstrip("\n") + "\n" if base.strip() else "") + block, encoding="utf-8")
        load_manifest(manifest)
    except Exception:
        target.unlink(missing_ok=True)
        manifest.write_text(old, encoding="utf-8")
        raise
    return entry


def _valid_date(value: str) -> bool:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            dt.date.fromisoformat(value)
            return True
        if re.fullmatch(r"\d{4}-\d{2}", value):
            return 1 <= int(value[5:]) <= 12
        return bool(re.fullmatch(r"\d{4}", value))
    except ValueError:
        return False


@click.command("add")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--id", "doc_id", default=None, help="Document id (default: the file name, lowercased).")
@click.option("--title", default=None, help="Title (ja) as printed (default: <title> or first line).")
@click.option("--issuer", default=None, help="Issuer: a lexicon id or the issuer's name.")
@click.option("--date", default=None, help="Date of the document: YYYY-MM-DD (or YYYY-MM, YYYY).")
@click.option("--url", default=None, help="Where the document was published.")
@click.option("--sources", "sources_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The sources folder (default: data/sources of the project).")
def add_cmd(file: Path, doc_id, title, issuer, date, url, sources_dir):
    """Add FILE (text or HTML) to the corpus: copy it into data/sources and record its metadata
    and SHA-256 in sources.yaml. The next `spacekg build` extracts it."""
    from spacekg.build import Paths
    from spacekg.lexicon import load_lexicon

    paths = Paths()
    lexicon = load_lexicon(paths.lexicon) if paths.lexicon.is_dir() else {}
    entry = add_document(file, sources_dir or paths.sources, doc_id=doc_id, title=title, issuer=issuer,
                         date=date, url=url, lexicon=lexicon)
    click.echo(f"added {entry['id']} ({entry['file']}, sha256 {entry['sha256'][:12]}…); "
               "run `spacekg build` to extract it")


COMMANDS = [add_cmd]
