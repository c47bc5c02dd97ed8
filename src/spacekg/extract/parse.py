"""The Japanese language layer: GiNZA parses of normalised text, cached, with exact offsets.

GiNZA (``ja_ginza``: spaCy + SudachiPy, https://megagonlabs.github.io/ginza/) gives tokens,
lemmas, parts of speech (UD and the Sudachi tag in ``token.tag_``), the dependency parse,
bunsetsu (``ginza.bunsetu_spans``) and named entities.

**Chunks.** The documents are PDF-flattened text; :mod:`spacekg.normalise` has already joined
wrapped prose, so each non-blank line of the normalised text is a paragraph, a heading or a
slide line. Each is parsed on its own (a line longer than :data:`CHUNK_MAX` characters is cut
after a 。), which keeps memory bounded and lets :func:`parse_document` stream them through
``nlp.pipe``. A chunk's ``start`` is its offset in the normalised text, so the token ``t`` of a
chunk ``c`` spans ``[c.start + t.idx, c.start + t.idx + len(t))`` in the normalised text and
``norm.to_original`` of that span in the original file.

**Masking.** Footnote marks (``[1]``, ``[注2]``) are replaced by as many spaces before
parsing, so offsets are unchanged; such a chunk's ``doc.text`` then differs from the text at
those positions only (:data:`MASK`).

**Cache.** Parses are stored as a spaCy ``DocBin`` under :func:`cache_dir` (default
``<project>/.cache/spacekg/parse``, or ``$SPACEKG_CACHE_DIR``), keyed by the SHA-256 of the
normalised text, the model name and version, and :data:`CHUNKING` (the chunking scheme), so a
rebuild does not parse again and a new model or chunking parses afresh. A corrupt or
mismatched cache file is ignored and rewritten.

The model is loaded once per process (:func:`nlp`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from spacekg.config import ROOT
from spacekg.normalise import Normalised

log = logging.getLogger(__name__)

#: The spaCy package of the model.
MODEL = "ja_ginza"
#: A line longer than this (characters) is parsed in pieces cut after 。.
CHUNK_MAX = 800
#: Version of the chunking scheme (part of the cache key).
CHUNKING = "lines-2"
#: Footnote and citation marks (「打ち上げられた[1]。」) are blanked, character for character,
#: before parsing: they are not words and they break the parse of the clause they follow.
MASK = re.compile(r"\[(?:\d{1,3}|注\s*\d{1,3}|要出典)\]")

_NLP = None
_LOCK = threading.Lock()


def nlp():
    """The loaded GiNZA pipeline (loaded on first call, then shared by the process).

    Raises:
        OSError: the ``ja_ginza`` package is not installed (``pip install ja-ginza``).
    """
    global _NLP
    with _LOCK:
        if _NLP is None:
            import spacy

            log.info("loading %s", MODEL)
            _NLP = spacy.load(MODEL)
        return _NLP


def model_id() -> str:
    """``<lang>_<name>-<version>`` of the loaded model, e.g. ``ja_ginza-5.3.0``."""
    meta = nlp().meta
    return f"{meta.get('lang', 'ja')}_{meta.get('name', MODEL)}-{meta.get('version', '0')}"


def cache_dir() -> Path:
    """Folder of the parse cache: ``$SPACEKG_CACHE_DIR`` or ``<project>/.cache/spacekg/parse``."""
    env = os.environ.get("SPACEKG_CACHE_DIR")
    return Path(env) if env else ROOT / ".cache" / "spacekg" / "parse"


@dataclass
class Chunk:
    """One parsed piece of a document.

    Attributes:
        start: offset of ``doc.text[0]`` in the normalised text.
        doc: the spaCy ``Doc`` (``doc.text`` equals the normalised text of the chunk, with
            footnote marks blanked: :data:`MASK`).
    """

    start: int
    doc: object

    @property
    def end(self) -> int:
        return self.start + len(self.doc.text)

    def span(self, token) -> tuple[int, int]:
        """Normalised-text span ``(start, end)`` of a token (or a spaCy ``Span``) of this chunk."""
        if hasattr(token, "start_char"):
            return self.start + token.start_char, self.start + token.end_char
        return self.start + token.idx, self.start + token.idx + len(token.text)


@dataclass
class ParsedDocument:
    """A document's parse: its chunks in text order.

    Attributes:
        doc_id: the document id.
        chunks: parsed chunks (non-overlapping, sorted by ``start``).
        model: :func:`model_id` of the parser.
        norm: the :class:`~spacekg.normalise.Normalised` text when given (for original offsets).
    """

    doc_id: str
    chunks: list[Chunk]
    model: str
    norm: Normalised | None = None

    def tokens(self) -> Iterator[tuple[Chunk, object]]:
        """Every ``(chunk, token)`` in text order."""
        for c in self.chunks:
            for t in c.doc:
                yield c, t

    def original_span(self, chunk: Chunk, token) -> tuple[int, int]:
        """Original-file span of a token or ``Span`` of ``chunk``.

        Raises:
            ValueError: the document was parsed from a plain string (no offset map).
        """
        if self.norm is None:
            raise ValueError("parsed without a Normalised text: no original offsets")
        return self.norm.to_original(*chunk.span(token))


_SENT_END = re.compile(r"(?<=[。．!?！？])")


def chunk_spans(text: str, limit: int = CHUNK_MAX) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the pieces of ``text`` to parse: non-blank lines, trimmed of
    white space; a line over ``limit`` characters is cut after sentence ends (or, lacking
    them, every ``limit`` characters)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s == e:
            continue
        while e - s > limit:
            cut = None
            for m in _SENT_END.finditer(text, s + 1, s + limit):
                cut = m.end()
            cut = cut if cut and cut > s else s + limit
            out.append((s, cut))
            s = cut
            while s < e and text[s].isspace():
                s += 1
        if s < e:
            out.append((s, e))
    return out


def _key(text: str, model: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", model)
    return f"{digest}-{safe}-{CHUNKING}-{CHUNK_MAX}"


def _load_cached(path: Path, spans, vocab) -> list | None:
    from spacy.tokens import DocBin

    try:
        docs = list(DocBin().from_disk(path).get_docs(vocab))
    except Exception as exc:  # noqa: BLE001 - a corrupt cache file is re-parsed
        log.warning("ignoring unreadable parse cache %s: %s", path, exc)
        return None
    if len(docs) != len(spans):
        return None
    return docs


def parse_document(doc_id: str, text: Normalised | str, *, use_cache: bool = True,
                   batch_size: int = 64) -> ParsedDocument:
    """Parse a document's normalised text with GiNZA, chunk by chunk, through the cache.

    Args:
        doc_id: document id (for messages and the result).
        text: the normalised text (a :class:`Normalised`, which also gives original offsets,
            or the normalised string itself).
        use_cache: read and write the on-disk cache (:func:`cache_dir`).
        batch_size: chunks per ``nlp.pipe`` batch.

    Returns:
        A :class:`ParsedDocument`; ``chunk.doc.text == normalised[chunk.start:chunk.end]``.
    """
    norm = text if isinstance(text, Normalised) else None
    string = norm.text if norm is not None else text
    pipeline = nlp()
    model = model_id()
    spans = chunk_spans(string)
    path = cache_dir() / f"{_key(string, model)}.spacy"
    docs = _load_cached(path, spans, pipeline.vocab) if use_cache and path.exists() else None
    if docs is None:
        docs = list(pipeline.pipe((_masked(string[s:e]) for s, e in spans), batch_size=batch_size))
        if use_cache:
            _store(path, docs)
    chunks = []
    for (s, e), d in zip(spans, docs, strict=True):
        if d.text != _masked(string[s:e]):  # never expected: spaCy keeps the text verbatim
            raise ValueError(f"{doc_id}: parse of [{s}, {e}) does not reproduce its text")
        chunks.append(Chunk(s, d))
    return ParsedDocument(doc_id, chunks, model, norm)


def _masked(text: str) -> str:
    return MASK.sub(lambda m: " " * len(m.group()), text)


def parse_text(text: str) -> ParsedDocument:
    """Parse a short text without the cache (rule examples, tests)."""
    return parse_document("<text>", text, use_cache=False)


def _store(path: Path, docs: list) -> None:
    from spacy.tokens import DocBin

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        DocBin(docs=docs, store_user_data=True).to_disk(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not write parse cache %s: %s", path, exc)


__all__ = ["Chunk", "ParsedDocument", "parse_document", "parse_text", "chunk_spans", "nlp",
           "model_id", "cache_dir", "MODEL"]
