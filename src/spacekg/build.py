"""The build: every stage from sources to named graphs, in order.

load sources → normalise → find mentions and values → apply extraction rules → curated
statements → attach evidence → reason → validate → (publish, in :mod:`spacekg.publish`).

Output: an rdflib ``Dataset`` with the named graphs of docs/DESIGN.md and a report.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import Dataset

from spacekg import candidates as cand
from spacekg.config import ROOT, IRIs
from spacekg.curation import Fact, describe_minted, load_curated
from spacekg.describe import (
    describe_documents,
    describe_entities,
    describe_quantity_kinds,
    describe_technology_areas,
)
from spacekg.evidence import attach_evidence, document_dates, record_mentions
from spacekg.lexicon import Entry, load_lexicon
from spacekg.mentions import Mention, MentionFinder
from spacekg.normalise import Normalised, normalise
from spacekg.ontology import Ontology, load_ontology
from spacekg.rules import Match, RuleEngine, load_rules
from spacekg.sources import Source, load_sources
from spacekg.terms import TermResolver
from spacekg.values import find_values

log = logging.getLogger(__name__)


@dataclass
class Paths:
    """Where the inputs are (defaults: the repository's folders)."""

    root: Path = ROOT

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "spacekg.ttl"

    @property
    def sources(self) -> Path:
        return self.root / "data" / "sources"

    @property
    def lexicon(self) -> Path:
        return self.root / "data" / "lexicon"

    @property
    def curated(self) -> Path:
        return self.root / "data" / "curated"

    @property
    def technology_areas(self) -> Path:
        return self.root / "data" / "technology-areas.yaml"

    @property
    def quantity_kinds(self) -> Path:
        return self.root / "data" / "quantity-kinds.yaml"

    @property
    def rules(self) -> Path:
        return self.root / "data" / "rules"

    @property
    def syntax_rules(self) -> Path:
        return self.root / "data" / "rules" / "syntax"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes"


@dataclass
class DocAnalysis:
    """What the pipeline found in one document (normalised-text offsets)."""

    source: Source
    norm: Normalised
    mentions: list[Mention]
    values: list
    matches: list[Match]
    candidates: list
    entities: dict = field(default_factory=dict)  # new entities found in it (extract.entities)
    minted_ids: frozenset = frozenset()  # which of ``entities`` layout rules minted


@dataclass
class Pipeline:
    """The loaded inputs every document is processed with.

    Attributes:
        iris, ontology, lexicon, rules, finder, resolver, engine: see their modules.
    """

    iris: IRIs
    ontology: Ontology
    lexicon: dict[str, Entry]
    finder: MentionFinder
    resolver: TermResolver
    engine: RuleEngine
    classes_of: dict[str, list[str]] = field(default_factory=dict)
    syntax: object | None = None  # spacekg.extract.syntax.SyntaxEngine
    extras: object = None  # spacekg.extract.discover.Extras: new entities and layout rules

    @classmethod
    def load(cls, paths: Paths, iris: IRIs, doc_ids=()) -> Pipeline:
        """Load ontology, lexicon and rules.

        Raises:
            SpacekgError: any malformed input (file and line named).
        """
        snapshot_entry_points()
        ontology = load_ontology(paths.ontology, iris)
        lexicon = load_lexicon(paths.lexicon, ontology)
        classes_of = {eid: sorted(set().union(*(ontology.superclasses.get(c, {c}) for c in e.classes)))
                      for eid, e in lexicon.items()}
        resolver = TermResolver(iris, ontology, lexicon.keys(), doc_ids)
        rules = load_rules(paths.rules, ontology)
        for rule in rules:  # constants in produce must resolve
            for triple in rule.produce:
                resolver.predicate(str(triple[1]))
        engine = RuleEngine(rules, resolver, classes_of)
        syntax = load_syntax_engine(paths.syntax_rules, ontology, resolver, classes_of)
        pipe = cls(iris, ontology, lexicon, MentionFinder(lexicon), resolver, engine, classes_of,
                   syntax)
        pipe.extras = _load_extras(paths, pipe)
        return pipe

    def analyse(self, source: Source) -> DocAnalysis:
        """Normalise one document and find its mentions, values, rule matches, candidates."""
        norm = normalise(source.text)
        values = find_values(norm.text)
        mentions = drop_short_in_values(self.finder.find(norm.text), values)
        parsed = self.parse(source, norm) if self.syntax is not None else None
        extra = _run_extras(self, source, norm, mentions, values, parsed)
        mentions = extra.mentions if extra else mentions
        matches = self.engine.apply(norm.text, mentions, values)
        if self.syntax is not None:
            matches = set(matches) | set(self.syntax_matches(source, norm, mentions, values, parsed))
        if extra and extra.matches:
            matches = set(matches) | set(extra.matches)
        matches = sorted(matches, key=lambda m: (m.span, m.producer, str(m.s), str(m.p), str(m.o)))
        found = cand.find_candidates(norm.text, mentions)
        return DocAnalysis(source, norm, mentions, values, matches, found,
                           extra.entities if extra else {}, extra.minted_ids if extra else frozenset())

    def restore(self, analysis: DocAnalysis) -> None:
        """Register the new entities of a cached ``analysis`` with this pipeline, as
        :meth:`analyse` did when it made it (:class:`spacekg.cache.ExtractionCache` calls this)."""
        if self.extras is not None and analysis.entities:
            self.extras.restore(analysis.entities, analysis.minted_ids)


    def parse(self, source: Source, norm: Normalised):
        """The document's GiNZA parse (:func:`spacekg.extract.parse.parse_document`, cached)."""
        from spacekg.extract.parse import parse_document

        return parse_document(source.id, norm)

    def syntax_matches(self, source: Source, norm: Normalised, mentions: list[Mention],
                       values: list, parsed=None) -> list[Match]:
        """Facts of the syntactic and discourse rules (:mod:`spacekg.extract`) for one
        document: its GiNZA parse (cached), its values anchored to the document's date."""
        from spacekg.extract.discourse import anchor_values, document_date
        from spacekg.extract.parse import parse_document

        parsed = parsed if parsed is not None else parse_document(source.id, norm)
        doc_date = document_date(source.meta, norm.text, values)
        anchored = anchor_values(norm.text, values, doc_date)
        return self.syntax.apply(parsed, mentions, anchored, doc_date)


def snapshot_entry_points() -> None:
    """Make the package entry points that ``catalogue`` registries look up a per-group
    snapshot, taken once per process.

    spaCy's ``DocBin.get_docs`` (reading a cached GiNZA parse) calls ``srsly.msgpack_loads``
    once per parsed chunk, and each call asks ``catalogue`` for the msgpack encoders and
    decoders, which scans every installed package's entry points (about 3 ms in this
    environment; 35% of a cached document's analysis). ``catalogue`` accepts a mapping
    group → entry points in place of the scan; the snapshot holds the same entry points as
    long as no package is installed while the process runs.
    """
    try:
        import catalogue
    except ImportError:
        return
    eps = catalogue.AVAILABLE_ENTRY_POINTS
    if isinstance(eps, dict) or not hasattr(eps, "select") or not hasattr(eps, "groups"):
        return
    catalogue.AVAILABLE_ENTRY_POINTS = {group: list(eps.select(group=group)) for group in eps.groups}


def _load_extras(paths: Paths, pipe: Pipeline):
    """New-entity discovery and layout rules (data/rules/entities, data/rules/layout)."""
    from spacekg.extract.discover import Extras

    return Extras(paths.rules, pipe.ontology, pipe.lexicon, pipe.classes_of, pipe.resolver)


def _run_extras(pipe: Pipeline, source: Source, norm: Normalised, mentions, values, parsed=None):
    """Find new entities (registered with the pipeline) and layout facts, before the rules."""
    if pipe.extras is None:
        return None
    return pipe.extras.run(norm, mentions, values, pipe.iris.doc[source.id], source.id, parsed,
                           pipe.finder)


def load_syntax_engine(folder: Path, ontology: Ontology, resolver: TermResolver, classes_of):
    """The syntactic rule engine over every ``*.yaml`` of ``folder`` (None if there are none).

    Raises:
        RuleError: a malformed rule (file and line named) or an unknown predicate.
    """
    from spacekg.errors import RuleError

    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        return None
    from spacekg.extract.parse import nlp
    from spacekg.extract.syntax import SyntaxEngine, load_syntax_rules

    rules, seen = [], {}
    for path in files:
        for rule in load_syntax_rules(path, ontology):
            if rule.id in seen:
                raise RuleError(f"duplicate rule id {rule.id} (first at {seen[rule.id]})", path=str(path))
            seen[rule.id] = rule.source
            for triple in rule.produce + rule.plan:
                if triple[1] not in rule.frame:
                    try:
                        resolver.predicate(str(triple[1]))
                    except KeyError as exc:
                        raise RuleError(f"rule {rule.id}: unknown predicate {triple[1]!r}",
                                        path=rule.source.rpartition(":")[0]) from exc
            rules.append(rule)
    return SyntaxEngine(rules, resolver, classes_of, nlp().vocab)


def drop_short_in_values(mentions: list[Mention], values: list) -> list[Mention]:
    """Drop mentions of at most 2 characters that fall inside a recognised value
    (``月`` in ``2018年3月`` is a month, not the Moon)."""
    spans = [(v.start, v.end) for v in values]
    return [m for m in mentions
            if m.end - m.start > 2 or not any(s <= m.start and m.end <= e for s, e in spans)]


_PRECISION = {"gYear": 1, "gYearMonth": 2, "date": 3, "dateTime": 4}


def prune_subsumed_dates(facts: list[Fact]) -> list[Fact]:
    """Drop a date that a more precise date of the same subject and property, stated by the
    same document, contains.

    ``isef2 date 2018-03`` (from a chart label) is dropped when the same document also states
    ``isef2 date 2018-03-03``; values of other calendars (fiscal years, decades) are kept, and
    so is a less precise date that another document states (its evidence is its own).
    """
    from collections import defaultdict

    by_key = defaultdict(set)
    for f in facts:
        dt = str(getattr(f.o, "datatype", "") or "").rsplit("#", 1)[-1]
        if dt in _PRECISION:
            by_key[(f.doc, f.s, f.p)].add((str(f.o), _PRECISION[dt]))

    def subsumed(f: Fact) -> bool:
        dt = str(getattr(f.o, "datatype", "") or "").rsplit("#", 1)[-1]
        if dt not in _PRECISION:
            return False
        lex, prec = str(f.o), _PRECISION[dt]
        return any(p > prec and other.startswith(lex) for other, p in by_key[(f.doc, f.s, f.p)])

    return [f for f in facts if not subsumed(f)]


def rule_facts(analysis: DocAnalysis) -> list[Fact]:
    """Rule matches as facts with spans in the original text."""
    out = []
    for m in analysis.matches:
        s, e = analysis.norm.to_original(*m.span)
        heads = tuple((role, analysis.norm.to_original(*span)) for role, span in m.table_headings)
        out.append(Fact(m.s, m.p, m.o, analysis.source.id, s, e, ("rule", m.producer), m.qualifiers,
                        m.reading, heads))
    return out


@dataclass
class BuildResult:
    """The built graph, the analyses and the report data.

    Attributes:
        core: rdflib ``Dataset`` of the named graphs held in memory — ontology, documents,
            entities, stated, inferred — (and the empty graphs ``evidence`` and ``mentions``).
        parts: per document (in corpus order) the file of its evidence and mentions quads,
            sorted N-Quads lines, in ``part_store`` (:class:`spacekg.nquads.PartStore`: how
            many were reused, how many written).
        analyses, facts, pipeline: what the stages worked on.
        timings: seconds per stage.
        peaks: peak resident memory (MiB) during each stage (:func:`peak_memory_mib`).
    """

    core: Dataset
    analyses: list[DocAnalysis]
    facts: list[Fact]
    pipeline: Pipeline
    timings: dict[str, float]
    parts: list[Path] = field(default_factory=list)
    peaks: dict[str, float] = field(default_factory=dict)
    part_store: object = None
    workdir: Path | None = None
    _merged: tuple | None = field(default=None, repr=False)
    _materialised: bool = field(default=False, repr=False)

    @property
    def dataset(self) -> Dataset:
        """The whole graph as one rdflib ``Dataset``: :attr:`core` with every part parsed into
        it (on first use). Memory grows with the corpus (about 1 KiB per quad): for tests and
        small corpora; the build itself streams (:meth:`nquads`)."""
        if not self._materialised:
            for part in self.parts:
                self.core.parse(str(part), format="nquads")
            self._materialised = True
        return self.core

    def nquads(self) -> tuple[Path, Counter]:
        """The whole graph as one sorted, duplicate-free N-Quads file (merged from the core
        and the parts on first use, into :attr:`workdir`), and its number of quads per graph IRI.

        Raises:
            OSError: the work folder cannot be written.
        """
        if self._merged is None:
            from spacekg.nquads import dataset_lines, merge_sorted

            if self.workdir is None:
                self.workdir = _workdir(self)
            out = self.workdir / "merged.nq"
            core = sorted(dataset_lines(self.core))
            counts = merge_sorted([core] + ([] if self._materialised else list(self.parts)), out)
            self._merged = (out, counts)
        return self._merged


def _workdir(owner) -> Path:
    """A temporary folder deleted when ``owner`` is garbage-collected (or at exit)."""
    import shutil
    import tempfile
    import weakref

    path = Path(tempfile.mkdtemp(prefix="spacekg-build-"))
    weakref.finalize(owner, shutil.rmtree, path, ignore_errors=True)
    return path


def reset_peak_memory() -> None:
    """Start a new peak-memory measurement for :func:`peak_memory_mib` (Linux: resets the
    process's VmHWM through ``/proc/self/clear_refs``; elsewhere the peak stays the process's)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_memory_mib() -> float:
    """Peak resident memory (MiB) since the last :func:`reset_peak_memory` (Linux VmHWM), or
    since the process started (``ru_maxrss``) where that is not available."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: bump when the form of a document's part changes (invalidates every cached part)
PART_FORMAT = "1"


def build_dataset(paths: Paths | None = None, iris: IRIs | None = None, *,
                  progress=None, reason: bool = True, curation: bool = True, cache=None) -> BuildResult:
    """Run the pipeline over the corpus and return the named graphs.

    Memory: the core graphs (ontology, documents, entities, stated, inferred) are held in an
    rdflib ``Dataset``; each document's evidence and mentions are written to its own file of
    sorted N-Quads lines (see :class:`BuildResult`) and cached beside the extraction cache,
    keyed by everything they are made from, so an unchanged document is neither analysed nor
    described again.

    Args:
        paths: input folders (default: the repository).
        iris: namespaces (default base).
        progress: optional callable ``(message: str)`` for progress lines.
        reason: run the inference stage when it is available.
        curation: load the curated statements of ``paths.curated``; ``False`` builds from the
            rules alone (benchmarks/bench_rule_coverage.py), leaving the files untouched.
        cache: an :class:`spacekg.cache.ExtractionCache` (``True``: the default folder) to
            reuse the analyses and parts of unchanged documents; ``None``: analyse every
            document (parts go to a temporary folder).

    Raises:
        SpacekgError: a malformed input; the message names the file and line.
    """
    paths = paths or Paths()
    iris = iris or IRIs()
    say = progress or (lambda msg: None)
    timings: dict[str, float] = {}
    peaks: dict[str, float] = {}  # stage → peak resident memory (MiB) during it
    t0 = time.perf_counter()
    reset_peak_memory()
    sources = load_sources(paths.sources)
    say(f"loaded {len(sources)} source documents")
    pipe = Pipeline.load(paths, iris, [s.id for s in sources])
    say(f"loaded ontology, {len(pipe.lexicon)} lexicon entries, {len(pipe.engine.rules)} rules")
    timings["load"] = time.perf_counter() - t0
    peaks["load"] = peak_memory_mib()
    reset_peak_memory()

    t = time.perf_counter()
    if cache is True:
        from spacekg.cache import ExtractionCache, default_cache_dir, inputs_fingerprint

        cache = ExtractionCache(default_cache_dir(), inputs_fingerprint(paths))
    analyse = pipe.analyse if cache is None else (lambda src: cache.analyse(pipe, src))
    analyses = []
    for i, src in enumerate(sources, 1):
        analyses.append(analyse(src))
        say(f"[{i}/{len(sources)}] {src.id}: {len(analyses[-1].mentions)} mentions, "
            f"{len(analyses[-1].matches)} rule matches")
    timings["extract"] = time.perf_counter() - t
    peaks["extract"] = peak_memory_mib()
    reset_peak_memory()
    if cache is not None:
        say(f"extraction cache: {cache.hits} documents reused, {cache.misses} analysed")

    t = time.perf_counter()
    by_id = {s.id: s for s in sources}
    curated, minted = load_curated(paths.curated, by_id, pipe.resolver) if curation else ([], [])
    say(f"located {len(curated)} curated triples")
    facts = prune_subsumed_dates([f for a in analyses for f in rule_facts(a)] + curated)
    facts.sort(key=lambda f: (f.doc, f.start, f.end, f.producer, str(f.s), str(f.p), str(f.o)))
    timings["curate"] = time.perf_counter() - t
    peaks["curate"] = peak_memory_mib()
    reset_peak_memory()

    t = time.perf_counter()
    ds = Dataset()
    g = {name: ds.graph(iris.graph[name]) for name in
         ("ontology", "documents", "entities", "stated", "evidence", "mentions")}
    for triple in pipe.ontology.graph:
        g["ontology"].add(triple)
    describe_documents(sources, pipe.ontology, g["documents"], set(pipe.lexicon))
    describe_entities(pipe.lexicon, pipe.ontology, g["entities"])
    describe_minted(minted, pipe.ontology, g["entities"])
    if pipe.extras is not None:
        from spacekg.extract.discover import describe_found, label_key

        taken = {(label_key(lab), lang) for e in pipe.lexicon.values()
                 for lab, lang in ((e.ja, "ja"), (e.en, "en")) if lab}
        describe_found({**pipe.extras.found, **pipe.extras.minted}, pipe.ontology, g["entities"], taken)
    if paths.technology_areas.exists():
        areas = yaml.safe_load(paths.technology_areas.read_text(encoding="utf-8")) or {}
        describe_technology_areas(areas, pipe.lexicon, pipe.ontology, g["entities"],
                                  str(paths.technology_areas))
    if paths.quantity_kinds.exists():
        kinds = yaml.safe_load(paths.quantity_kinds.read_text(encoding="utf-8")) or {}
        for text in describe_quantity_kinds(kinds, facts, pipe.ontology, g["entities"],
                                            str(paths.quantity_kinds)):
            log.warning("measured quantity not in %s: %s", paths.quantity_kinds.name, text)
    timings["graph"] = time.perf_counter() - t
    peaks["graph"] = peak_memory_mib()
    reset_peak_memory()

    t = time.perf_counter()
    result = BuildResult(ds, analyses, facts, pipe, timings, peaks=peaks)
    store = result.part_store = _part_store(cache, result)
    dates = document_dates(g["documents"], iris, [s.id for s in sources])
    result.parts = _parts(analyses, facts, dates, iris, store, g["stated"], cache)
    timings["evidence"] = time.perf_counter() - t
    peaks["evidence"] = peak_memory_mib()
    reset_peak_memory()
    say(f"evidence and mentions: {store.hits} document parts reused, {store.misses} written")

    if reason:
        t = time.perf_counter()
        try:
            from spacekg import reason as reasoning
        except ImportError:
            reasoning = None
        if reasoning is not None and hasattr(reasoning, "infer"):
            say("reasoning (OWL 2 RL + domain rules)")
            reasoning.infer(ds, pipe.ontology, paths=paths)
        timings["reason"] = time.perf_counter() - t
        peaks["reason"] = peak_memory_mib()
        reset_peak_memory()
    timings["total"] = time.perf_counter() - t0
    return result


def _by_doc(facts: list[Fact]) -> dict[str, list[Fact]]:
    out: dict[str, list[Fact]] = {}
    for f in facts:
        out.setdefault(f.doc, []).append(f)
    return out


def _parts(analyses, facts, dates, iris, store, stated, cache=None) -> list[Path]:
    by_doc = _by_doc(facts)
    known = {a.source.id for a in analyses}
    orphans = sorted(d for d in by_doc if d not in known)
    if orphans:  # load_curated refuses statements about documents outside the corpus
        from spacekg.errors import SpacekgError

        raise SpacekgError(f"facts of documents outside the corpus: {', '.join(orphans)}")
    keyed = cache is not None and hasattr(cache, "key")
    return [describe_document_part(a, by_doc.get(a.source.id, []), dates.get(a.source.id), iris,
                                   store, stated, cache.key(a.source) if keyed else None)
            for a in analyses]


def _part_store(cache, owner):
    """Where the document parts go: beside the extraction cache, else a temporary folder."""
    from spacekg.nquads import PartStore

    if cache is not None and hasattr(cache, "dir"):
        return PartStore(Path(cache.dir).parent / "graphs")
    owner.workdir = _workdir(owner)
    return PartStore(owner.workdir / "parts", persistent=False)


def describe_document_part(analysis: DocAnalysis, facts: list[Fact], doc_date, iris: IRIs,
                           store, stated, analysis_key: str | None = None) -> Path:
    """Write one document's evidence (:func:`spacekg.evidence.attach_evidence`) and mentions
    (:func:`spacekg.evidence.record_mentions`) as its part, unless the part for the same inputs
    is already in ``store``; add its facts' triples to ``stated`` (mutated) either way.

    The part's key is the SHA-256 of the part format, the code version, the base IRI, the
    document (id and SHA-256 of its text), its date, its facts and its mention spans — all
    that the two functions read. With ``analysis_key`` (the extraction cache's key of the
    analysis, which determines its rule facts and mentions) the rule facts and mentions are
    represented by that key, and only the other facts (curated) are hashed.

    Returns:
        the part's file (sorted, unique N-Quads lines of ``graph/evidence`` and ``graph/mentions``).
    """
    from spacekg.cache import code_version
    from spacekg.nquads import PartStore, TripleSet, triple_lines

    src = analysis.source

    def mention_spans():
        return [(*analysis.norm.to_original(m.start, m.end), m.entity) for m in analysis.mentions]

    spans = mention_spans() if analysis_key is None else None
    if analysis_key is not None:
        key = PartStore.key(PART_FORMAT, _code_version(code_version), iris.base, src.id, src.sha256,
                            doc_date, analysis_key, [f for f in facts if f.producer[0] != "rule"])
    else:
        key = PartStore.key(PART_FORMAT, _code_version(code_version), iris.base, src.id, src.sha256,
                            doc_date, facts, spans)
    path = store.get(key)
    if path is not None:
        for f in facts:
            stated.add((f.s, f.p, f.o))
        return path
    own_stated, evidence, mentions = TripleSet(), TripleSet(), TripleSet()
    attach_evidence(facts, {src.id: src.text}, iris, own_stated, evidence,
                    {src.id: doc_date} if doc_date is not None else {})
    record_mentions(src.id, src.text, spans if spans is not None else mention_spans(), iris, mentions)
    for triple in own_stated:
        stated.add(triple)
    iri_text: dict = {}
    obj_text: dict = {}
    lines = triple_lines(evidence, iris.graph["evidence"], iri_text, obj_text)
    lines |= triple_lines(mentions, iris.graph["mentions"], iri_text, obj_text)
    return store.put(key, sorted(lines))


_CODE_VERSION: list[str] = []


def _code_version(compute) -> str:
    """:func:`spacekg.cache.code_version`, computed once per process."""
    if not _CODE_VERSION:
        _CODE_VERSION.append(compute())
    return _CODE_VERSION[0]


__all__ = ["build_dataset", "BuildResult", "Paths", "Pipeline"]
