"""N-Quads streams: the build's output written and merged line by line, so no stage holds the
whole graph.

A build's quads come from two places: the *core* named graphs held in memory (ontology,
documents, entities, stated, inferred: what reasoning and the DL check need, which grow with
the number of distinct facts) and one *part* per document (its evidence and mentions, the bulk
of the graph, which grows with the corpus), written as a file of sorted, unique N-Quads lines
(:class:`PartStore`, cached by what the part is made from). :func:`merge_sorted` joins them into
one sorted, duplicate-free N-Quads file (a statement node shared by several documents is
written once) with a k-way merge, holding one line per input; :func:`sorted_unique_lines` sorts
a stream larger than memory the same way (external merge sort), for the Turtle union.

Line form: N-Triples terms (:func:`term_nt`), ``s p o g .``; sorting the lines sorts by subject,
then predicate, object and graph, so every quad of one subject is contiguous (the validation
step partitions on that).
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from rdflib import BNode, Literal

#: at most this many files are open at once in a merge (the rest merged in rounds)
FAN_IN = 128
#: lines sorted in memory per run of :func:`sorted_unique_lines`
RUN_LINES = 250_000


def term_nt(term) -> str:
    """N-Triples form of an rdflib term (rdflib's ``n3()`` may abbreviate numbers; N-Triples
    must not; ``xsd:string`` literals are written plain, as RDF 1.1 defines them)."""
    if isinstance(term, Literal):
        lex = (str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r"))
        if term.language:
            return f'"{lex}"@{term.language}'
        if term.datatype and str(term.datatype) != "http://www.w3.org/2001/XMLSchema#string":
            return f'"{lex}"^^<{term.datatype}>'
        return f'"{lex}"'
    return term.n3()


def dataset_lines(ds, graphs=None) -> set[str]:
    """The quads of the named graphs of ``ds`` (all, or those whose identifier is in
    ``graphs``) as N-Quads lines (without newline), as a set.

    Blank nodes (the ontology's ``owl:unionOf`` lists) get canonical labels
    (:func:`rdflib.compare.to_canonical_graph`), so the lines do not depend on the parse.
    """
    from rdflib.compare import to_canonical_graph

    lines: set[str] = set()
    # terms recur (predicates, classes, documents): each is written once (rdflib's n3() checks
    # every IRI, the slowest part on large graphs)
    iri_text: dict = {}
    obj_text: dict = {}
    for graph in ds.graphs():
        gid = graph.identifier
        if isinstance(gid, BNode) or len(graph) == 0 or (graphs is not None and gid not in graphs):
            continue
        has_bnodes = any(isinstance(t, BNode) for triple in graph for t in triple)
        triples = to_canonical_graph(graph) if has_bnodes else graph
        lines |= triple_lines(triples, gid, iri_text, obj_text)
    return lines


def triple_lines(triples, gid, iri_text: dict | None = None, obj_text: dict | None = None) -> set[str]:
    """N-Quads lines of ``triples`` (rdflib terms, no blank nodes to relabel) in graph ``gid``.

    ``iri_text``/``obj_text``: caches of written terms, shared between calls."""
    iri_text = {} if iri_text is None else iri_text
    obj_text = {} if obj_text is None else obj_text
    g = gid.n3()
    lines = set()
    for s, p, o in triples:
        st = iri_text.get(s)
        if st is None:
            st = iri_text[s] = s.n3()
        pt = iri_text.get(p)
        if pt is None:
            pt = iri_text[p] = p.n3()
        # literals keyed by their exact form: rdflib's equality ignores the case of
        # language tags, and the output must keep each literal as it is
        key = (str(o), o.language, o.datatype) if isinstance(o, Literal) else o
        ot = obj_text.get(key)
        if ot is None:
            ot = obj_text[key] = term_nt(o)
        lines.add(f"{st} {pt} {ot} {g} .")
    return lines


class TripleSet:
    """A set of triples with the part of ``rdflib.Graph``'s interface that graph writers use
    (``add``, ``in``, iteration, ``len``, ``triples``, ``value``, ``remove``, ``set``), about 50
    times faster to fill than an rdflib memory store: the per-document evidence and mentions
    are written into these (pattern lookups scan every triple: for small graphs)."""

    def __init__(self):
        self._t: set = set()

    def add(self, triple) -> TripleSet:
        self._t.add(tuple(triple))
        return self

    def __contains__(self, triple) -> bool:
        return tuple(triple) in self._t

    def __iter__(self):
        return iter(self._t)

    def __len__(self) -> int:
        return len(self._t)

    def triples(self, pattern):
        s, p, o = pattern
        if s is not None and p is not None and o is not None:
            if (s, p, o) in self._t:
                yield (s, p, o)
            return
        for t in list(self._t):
            if (s is None or t[0] == s) and (p is None or t[1] == p) and (o is None or t[2] == o):
                yield t

    def value(self, subject=None, predicate=None, object=None, default=None, any=True):  # noqa: A002
        for s, p, o in self.triples((subject, predicate, object)):
            return o if object is None else (s if subject is None else p)
        return default

    def remove(self, pattern) -> TripleSet:
        for t in list(self.triples(pattern)):
            self._t.discard(t)
        return self

    def set(self, triple) -> TripleSet:
        s, p, _ = triple
        self.remove((s, p, None))
        return self.add(triple)


def graph_of(line: str) -> str:
    """The graph IRI (without brackets) of an N-Quads line ``s p o <g> .``."""
    return line[line.rindex(" <") + 2:line.rindex(">")]


def triple_of(line: str) -> str:
    """The N-Triples line (``s p o .``) of an N-Quads line with a named graph."""
    return line[:line.rindex(" <")] + " ."


def subject_of(line: str) -> str:
    """The subject term of an N-Quads line (an IRI ``<…>`` or a blank node label)."""
    return line[:line.index(" ")]


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` (no newlines) to ``path`` atomically, one per line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            for line in lines:
                f.write(line)
                f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8", newline="\n") as f:
        for line in f:
            yield line.rstrip("\n")


def _unique(lines: Iterable[str]) -> Iterator[str]:
    prev = None
    for line in lines:
        if line != prev:
            yield line
            prev = line


def merge_sorted(sources: list, out: Path, *, count_graphs: bool = True) -> Counter:
    """Merge sorted line sources into one sorted file without duplicate lines.

    Args:
        sources: each a path of a file of sorted lines, or an in-memory sorted list of lines.
        out: the output file (written atomically).
        count_graphs: count the quads per graph IRI (N-Quads lines with a named graph).

    Returns:
        graph IRI → number of (unique) quads written (empty when ``count_graphs`` is false).

    Memory: one line per source; more than :data:`FAN_IN` files are merged in rounds through
    temporary files beside ``out``.
    """
    out = Path(out)
    counts: Counter = Counter()
    files = [s for s in sources if not isinstance(s, list)]
    lists = [s for s in sources if isinstance(s, list)]
    temps: list[Path] = []
    try:
        while len(files) > FAN_IN:
            batch, files = files[:FAN_IN], files[FAN_IN:]
            fd, name = tempfile.mkstemp(dir=out.parent, prefix=".merge-")
            os.close(fd)
            temps.append(Path(name))
            _merge_into(batch, [], Path(name), None)
            files.append(Path(name))
        _merge_into(files, lists, out, counts if count_graphs else None)
    finally:
        for t in temps:
            t.unlink(missing_ok=True)
    return counts


def _merge_into(files: list, lists: list, out: Path, counts: Counter | None) -> None:
    handles = [open(p, encoding="utf-8", newline="\n") for p in files]
    try:
        streams = [(line.rstrip("\n") for line in h) for h in handles] + [iter(x) for x in lists]
        merged = _unique(heapq.merge(*streams))
        if counts is None:
            write_lines(out, merged)
            return

        def counted():
            last_g, n = None, 0
            for line in merged:
                g = graph_of(line)
                if g != last_g:
                    if last_g is not None:
                        counts[last_g] += n
                    last_g, n = g, 0
                n += 1
                yield line
            if last_g is not None:
                counts[last_g] += n

        write_lines(out, counted())
    finally:
        for h in handles:
            h.close()


def sorted_unique_lines(lines: Iterable[str], workdir: Path) -> Iterator[str]:
    """``sorted(set(lines))`` for a stream larger than memory: runs of :data:`RUN_LINES` lines
    sorted in memory and written to ``workdir``, then merged (the run files are deleted when
    the iterator is exhausted or closed)."""
    runs: list[Path] = []
    it = iter(lines)
    try:
        while True:
            chunk = sorted(set(itertools.islice(it, RUN_LINES)))
            if not chunk:
                break
            fd, name = tempfile.mkstemp(dir=workdir, prefix=".run-")
            os.close(fd)
            runs.append(Path(name))
            write_lines(Path(name), chunk)
            del chunk
        if len(runs) > FAN_IN:
            merged = Path(tempfile.mkstemp(dir=workdir, prefix=".run-")[1])
            merge_sorted(runs, merged, count_graphs=False)
            for r in runs:
                r.unlink(missing_ok=True)
            runs = [merged]
        handles = [open(p, encoding="utf-8", newline="\n") for p in runs]
        try:
            yield from _unique(heapq.merge(*[(x.rstrip("\n") for x in h) for h in handles]))
        finally:
            for h in handles:
                h.close()
    finally:
        for r in runs:
            r.unlink(missing_ok=True)


def canonical(value) -> str:
    """A stable text form of a value for hashing: rdflib terms in N-Triples form, sets and
    frozensets sorted, dataclasses field by field (used for cache keys)."""
    import dataclasses

    if hasattr(value, "n3") and not isinstance(value, type):
        return term_nt(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__ + "("
                + ",".join(f"{f.name}={canonical(getattr(value, f.name))}" for f in dataclasses.fields(value))
                + ")")
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(canonical(v) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(sorted(f"{canonical(k)}:{canonical(v)}" for k, v in value.items())) + "}"
    return repr(value)


class PartStore:
    """Per-document parts of a build: files of sorted N-Quads lines, one per key.

    Args:
        directory: the folder (created on first write). With the extraction cache it is
            ``<cache>/graphs``, so an unchanged document's part is reused by the next build;
            without it a temporary folder of the build.

        persistent: the folder outlives the build (a cache), so results derived from the parts
            (the SHACL results of each document) may be stored beside it.

    Attributes:
        hits, misses: parts reused / written since creation.
        used: keys asked for since creation (see :meth:`prune`).
    """

    def __init__(self, directory: Path, persistent: bool = True):
        self.dir = Path(directory)
        self.persistent = persistent
        self.hits = self.misses = 0
        self.used: set[str] = set()

    @staticmethod
    def key(*inputs) -> str:
        """SHA-256 of the :func:`canonical` forms of ``inputs``."""
        h = hashlib.sha256()
        for x in inputs:
            h.update(canonical(x).encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()

    def path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.nq"

    def get(self, key: str) -> Path | None:
        """The part's file, or None when it has not been written."""
        self.used.add(key)
        p = self.path(key)
        if p.is_file():
            self.hits += 1
            return p
        return None

    def put(self, key: str, lines: Iterable[str]) -> Path:
        """Write a part (``lines`` sorted and unique) and return its file."""
        self.used.add(key)
        self.misses += 1
        p = self.path(key)
        write_lines(p, lines)
        return p

    def prune(self) -> int:
        """Delete every part not used since this object was created; returns how many."""
        n = 0
        if self.dir.exists():
            for f in self.dir.glob("*/*.nq"):
                if f.stem not in self.used:
                    f.unlink(missing_ok=True)
                    n += 1
        return n


__all__ = ["PartStore", "TripleSet", "dataset_lines", "triple_lines", "merge_sorted", "sorted_unique_lines", "term_nt",
           "graph_of", "triple_of", "subject_of", "canonical"]
