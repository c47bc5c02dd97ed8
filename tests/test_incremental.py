"""Incremental builds: the extraction cache reuses the analysis of every unchanged document,
and the output is byte-identical to a cold build of the same inputs."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from spacekg.build import Paths, build_dataset
from spacekg.cache import ExtractionCache, inputs_fingerprint
from spacekg.config import ROOT, IRIs
from spacekg.publish import sorted_nquads

DOC = "mext-2018-iss-exploration-subcommittee-interim-summary"


@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of the project's inputs (ontology, data) to change."""
    for sub in ("ontology", "data"):
        shutil.copytree(ROOT / sub, tmp_path / "repo" / sub)
    return tmp_path / "repo"


def manifest(repo: Path) -> list[dict]:
    return yaml.safe_load((repo / "data/sources/sources.yaml").read_text(encoding="utf-8"))


def write_manifest(repo: Path, entries: list[dict]) -> None:
    (repo / "data/sources/sources.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")


def warm(repo: Path, cache_dir: Path) -> tuple[str, ExtractionCache]:
    paths = Paths(repo)
    cache = ExtractionCache(cache_dir, inputs_fingerprint(paths))
    return sorted_nquads(build_dataset(paths, IRIs(), reason=False, cache=cache).dataset), cache


def cold(repo: Path) -> str:
    return sorted_nquads(build_dataset(Paths(repo), IRIs(), reason=False).dataset)


def test_add_change_remove_one_document(repo, tmp_path):
    cache_dir = tmp_path / "cache"
    first, c = warm(repo, cache_dir)
    n = len(manifest(repo))
    assert (c.hits, c.misses) == (0, n)
    assert first == cold(repo)

    # add one document (a renamed copy): only it is analysed
    entries = manifest(repo)
    new = dict(next(e for e in entries if e["id"] == DOC), id=f"{DOC}-copy", file=f"{DOC}-copy.txt")
    shutil.copy(repo / "data/sources" / f"{DOC}.txt", repo / "data/sources" / new["file"])
    write_manifest(repo, entries + [new])
    added, c = warm(repo, cache_dir)
    assert (c.hits, c.misses) == (n, 1)
    assert added == cold(repo)
    assert f"document/{DOC}-copy>" in added and added != first

    # change one document's text: only it is analysed again
    path = repo / "data/sources" / new["file"]
    path.write_text(path.read_text(encoding="utf-8") + "\n小型月着陸実証機（SLIM）は2024年1月20日に月面に着陸した。\n",
                    encoding="utf-8")
    entries = manifest(repo)
    entries[-1]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    write_manifest(repo, entries)
    changed, c = warm(repo, cache_dir)
    assert (c.hits, c.misses) == (n, 1)
    assert changed == cold(repo) and changed != added

    # remove it again: nothing analysed, and the graph is the first one, byte for byte
    write_manifest(repo, entries[:-1])
    path.unlink()
    removed, c = warm(repo, cache_dir)
    assert (c.hits, c.misses) == (n, 0)
    assert removed == first
    assert f"{DOC}-copy" not in removed


def test_lexicon_change_invalidates_every_entry(repo, tmp_path):
    cache_dir = tmp_path / "cache"
    warm(repo, cache_dir)
    lex = repo / "data/lexicon/core.yaml"
    lex.write_text(lex.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _, c = warm(repo, cache_dir)
    assert c.hits == 0 and c.misses == len(manifest(repo))


def test_unreadable_entry_is_recomputed(repo, tmp_path):
    cache_dir = tmp_path / "cache"
    first, _ = warm(repo, cache_dir)
    victim = next((cache_dir / "extract").glob("*/*.pickle"))
    victim.write_bytes(b"not a pickle")
    again, c = warm(repo, cache_dir)
    assert c.misses == 1 and again == first
    assert c.prune() == 0


def test_cached_document_keeps_its_new_entities(repo, tmp_path):
    """A document whose names the lexicon lacks (found entities, nodes minted by layout rules)
    built from the cache describes the same entities as a cold build: the cached analysis
    registers them with the pipeline again."""
    texts = ROOT / "tests/data/texts"
    entries = manifest(repo)
    for name in ("press-release-arrangement", "minutes-header"):
        shutil.copy(texts / f"{name}.txt", repo / "data/sources" / f"test-{name}.txt")
        entries.append({"id": f"test-{name}", "file": f"test-{name}.txt", "class": "Document",
                        "title_ja": name, "issuer": "jaxa", "language": "ja", "date_approx": "2025",
                        "date_note": "test text",
                        "sha256": hashlib.sha256((texts / f"{name}.txt").read_bytes()).hexdigest()})
    write_manifest(repo, entries)
    cache_dir = tmp_path / "cache"
    first, c = warm(repo, cache_dir)
    assert c.misses == len(entries)
    assert "/resource/found-" in first, "the test texts should name entities the lexicon lacks"
    again, c = warm(repo, cache_dir)
    assert (c.hits, c.misses) == (len(entries), 0)
    assert again == first == cold(repo)


def test_document_parts_are_reused_and_merged(repo, tmp_path):
    """Each document's evidence and mentions are a part of sorted N-Quads lines, cached: adding
    a document writes one part, and the merged N-Quads of the build (what is published) equal
    the whole graph sorted."""
    paths = Paths(repo)
    cache_dir = tmp_path / "cache"
    first = build_dataset(paths, IRIs(), reason=False, cache=ExtractionCache(cache_dir, inputs_fingerprint(paths)))
    n = len(manifest(repo))
    assert (first.part_store.hits, first.part_store.misses) == (0, n)
    merged, counts = first.nquads()
    text = merged.read_text(encoding="utf-8")
    assert text == sorted_nquads(first.dataset)
    assert sum(counts.values()) == text.count("\n")
    assert counts[str(IRIs().graph["evidence"])] > 0 and counts[str(IRIs().graph["mentions"])] > 0
    for part in first.parts:  # a part holds evidence and mentions only, sorted, each line once
        lines = part.read_text(encoding="utf-8").splitlines()
        assert lines == sorted(set(lines))
        assert {ln.rsplit(" ", 2)[1] for ln in lines} <= {f"<{IRIs().graph['evidence']}>",
                                                          f"<{IRIs().graph['mentions']}>"}

    entries = manifest(repo)
    new = dict(next(e for e in entries if e["id"] == DOC), id=f"{DOC}-copy", file=f"{DOC}-copy.txt")
    shutil.copy(repo / "data/sources" / f"{DOC}.txt", repo / "data/sources" / new["file"])
    write_manifest(repo, entries + [new])
    added = build_dataset(paths, IRIs(), reason=False, cache=ExtractionCache(cache_dir, inputs_fingerprint(paths)))
    assert (added.part_store.hits, added.part_store.misses) == (n, 1)
    assert added.nquads()[0].read_text(encoding="utf-8") == cold(repo)
