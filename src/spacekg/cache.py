"""The extraction cache: one document's analysis, kept on disk, reused while nothing it
depends on has changed.

The unit is the per-document result of :meth:`spacekg.build.Pipeline.analyse` (a
``DocAnalysis``: normalised text, mentions, values, rule matches, candidates — whatever the
pipeline puts there), stored whole with :mod:`pickle`. Its key is the SHA-256 of

* the document: its id, the SHA-256 of its bytes and its ``sources.yaml`` entry;
* the pipeline's inputs: every file of the ontology folder, data/lexicon/ and data/rules/;
* the code version: every source file of the ``spacekg`` package except ``server/``.

So adding or changing one document re-extracts that one only; a change to the lexicon, the
rules, the ontology or the code re-extracts everything; a removed document is simply not
asked for (its entry stays on disk until ``spacekg build --prune-cache`` or the folder is
deleted). Entries are written atomically (temporary file + rename); an unreadable entry (a
Python upgrade, a truncated file) counts as a miss and is rewritten. An analysis that cannot
be pickled is not cached (logged once).

Folder: ``$SPACEKG_CACHE_DIR``, default ``.cache/spacekg/`` in the project.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import pickle
import tempfile
from pathlib import Path

from spacekg.config import ROOT

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent
#: bump to invalidate every entry when the entry format itself changes
FORMAT = "1"


def default_cache_dir() -> Path:
    """``$SPACEKG_CACHE_DIR`` or ``<project>/.cache/spacekg``."""
    env = os.environ.get("SPACEKG_CACHE_DIR")
    return Path(env) if env else ROOT / ".cache" / "spacekg"


def _hash_files(h, root: Path, files) -> None:
    for f in sorted(files):
        h.update(str(f.relative_to(root)).encode("utf-8") + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())


def code_version() -> str:
    """SHA-256 of the package's source files (``server/`` and caches left out)."""
    h = hashlib.sha256()
    files = [f for f in PACKAGE.rglob("*") if f.is_file() and "__pycache__" not in f.parts
             and f.relative_to(PACKAGE).parts[0] != "server" and f.suffix not in (".pyc",)]
    _hash_files(h, PACKAGE, files)
    return h.hexdigest()


def inputs_fingerprint(paths) -> str:
    """SHA-256 of what every document's analysis depends on besides the document itself:
    the ontology folder, the lexicon, the rules (``paths``: :class:`spacekg.build.Paths`) and
    :func:`code_version`."""
    h = hashlib.sha256(f"spacekg-extract-{FORMAT}\0{code_version()}\0".encode())
    for folder in (paths.ontology.parent, paths.lexicon, paths.rules):
        folder = Path(folder)
        h.update(f"{folder.name}\0".encode())
        if folder.exists():
            _hash_files(h, folder, [f for f in folder.rglob("*") if f.is_file()])
    return h.hexdigest()


class ExtractionCache:
    """Per-document analyses on disk.

    Args:
        directory: the cache folder (created on first write).
        fingerprint: :func:`inputs_fingerprint` of the pipeline the analyses come from.

    Attributes:
        hits, misses: counts since creation.
        used: keys read or written since creation (see :meth:`prune`).
    """

    def __init__(self, directory: Path, fingerprint: str):
        self.dir = Path(directory) / "extract"
        self.fingerprint = fingerprint
        self.hits = self.misses = 0
        self.used: set[str] = set()
        self._unpicklable_logged = False

    def key(self, source) -> str:
        """The entry key of a :class:`spacekg.sources.Source`."""
        meta = json.dumps(source.meta, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(f"{self.fingerprint}\0{source.id}\0{source.sha256}\0{meta}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.pickle"

    def analyse(self, pipeline, source):
        """The document's analysis: from the cache, else computed by ``pipeline.analyse`` and stored.

        Returns:
            A ``DocAnalysis`` whose ``source`` is ``source`` itself.
        """
        key = self.key(source)
        self.used.add(key)
        path = self._path(key)
        if path.exists():
            try:
                with open(path, "rb") as f:
                    analysis = pickle.load(f)
                self.hits += 1
                analysis = dataclasses.replace(analysis, source=source)
                if hasattr(pipeline, "restore"):
                    pipeline.restore(analysis)
                return analysis
            except Exception as exc:  # noqa: BLE001  (any unreadable entry is a miss)
                log.warning("extraction cache entry %s unreadable (%s); recomputing", path, exc)
        self.misses += 1
        analysis = pipeline.analyse(source)
        self._store(path, analysis)
        return analysis

    def _store(self, path: Path, analysis) -> None:
        try:
            data = pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001  (an analysis holding e.g. a parser object)
            if not self._unpicklable_logged:
                log.warning("document analyses cannot be cached: %s", exc)
                self._unpicklable_logged = True
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def prune(self) -> int:
        """Delete every entry not used since this object was created; returns how many."""
        n = 0
        if self.dir.exists():
            for f in self.dir.glob("*/*.pickle"):
                if f.stem not in self.used:
                    f.unlink(missing_ok=True)
                    n += 1
        return n


def build_inputs_hash(paths, *, base: str, options: str = "") -> str:
    """SHA-256 of everything a whole build reads: the ontology, data/ (corpus, lexicon, rules,
    curated statements, links), the shapes, the code version, the base IRI and ``options``.
    ``spacekg build`` records it in the output folder and skips a build whose hash is recorded."""
    h = hashlib.sha256(f"spacekg-build-{FORMAT}\0{code_version()}\0{base}\0{options}\0".encode())
    for folder in (paths.ontology.parent, paths.sources.parent, paths.shapes):
        folder = Path(folder)
        h.update(f"{folder.name}\0".encode())
        if folder.exists():
            _hash_files(h, folder, [f for f in folder.rglob("*") if f.is_file() and "__pycache__" not in f.parts])
    return h.hexdigest()
