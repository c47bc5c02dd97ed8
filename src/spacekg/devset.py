"""The development set: hand-made fact lists for public documents outside the corpus, and the
scoring of what ``spacekg ingest FILE --json`` finds in them against those lists.

The third-party texts never enter git; ``data/devset/sources.yaml`` records where each came from
with its SHA-256, and ``data/devset/facts/<id>.yaml`` holds what a careful reader lists from it
(format: ``data/devset/README.md``). ``benchmarks/bench_extraction.py`` prints the scores.

Matching (source of the method: the usual set-based precision and recall of relation extraction,
e.g. the ACE/TAC slot-filling scorers, with entity nodes matched by name rather than by span):

- a label is normalised by :func:`norm` (NFKC, case folded, white space and enclosing quotes
  dropped), so that full-width/half-width and spacing variants are one name, and is also
  matched without its punctuation (:func:`name_keys`);
- an extracted node (``{"iri", "label"}``) is the hand-listed entity whose label or ``aka`` names
  share a normalised form with the node's label, or whose names are surface forms of the lexicon
  entry named by the node's IRI (``…/resource/<id>``);
- a literal matches by datatype and value (integer types compare as numbers, an ``xsd:dateTime``
  matches an ``xsd:date`` of the same day; ``sk:fiscalYear`` never matches ``xsd:gYear``);
- a fact is (subject, property, object) after inverse properties (``owl:inverseOf``) are turned to
  one direction and symmetric properties are ordered, so ``A partyTo X`` equals ``X hasParty A``.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import OWL, RDF

from spacekg.errors import SpacekgError

DOC = "$doc"
"""Subject name that stands for the document itself (e.g. ``$doc issuedBy JAXA``)."""
ANY = "*"
"""Object of an ``absent`` fact that stands for any value or entity."""

PREFIXES = {"xsd": "http://www.w3.org/2001/XMLSchema#", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
LITERAL_RE = re.compile(r'^"(?P<value>.*)"\^\^(?P<prefix>[A-Za-z]+):(?P<local>[A-Za-z]+)$', re.S)
LANG_RE = re.compile(r'^"(?P<value>.*)"@(?P<lang>[A-Za-z]+(-[A-Za-z0-9]+)*)$', re.S)
INTEGER_TYPES = {"integer", "positiveInteger", "nonNegativeInteger", "int", "long", "short"}
QUOTES = "「」『』\"'“”‘’〈〉《》【】"


class DevsetError(SpacekgError):
    """A development-set file (sources.yaml or a fact list) is malformed."""


@dataclass(frozen=True)
class Literal:
    """A typed value: ``value`` (lexical form) and ``datatype`` (local name, e.g. ``date``,
    ``gYearMonth``, ``fiscalYear``, ``positiveInteger``)."""

    value: str
    datatype: str

    def key(self) -> tuple[str, str]:
        """The comparison key: integer types as one type, numbers by value, dateTime as its day,
    strings by :func:`norm`."""
        dt, v = self.datatype, self.value.strip()
        if dt in INTEGER_TYPES or dt == "decimal":
            try:
                num = float(v.replace(",", ""))
                return ("number", f"{num:g}")
            except ValueError:
                return (dt, v)
        if dt == "dateTime":
            return ("date", v[:10])
        if dt in ("string", "langString"):
            return ("string", norm(v))
        return (dt, v)

    def __str__(self) -> str:
        return f'"{self.value}"^^{self.datatype}'


@dataclass
class HandEntity:
    """An entity a careful reader lists: ``label`` as printed, ``cls`` (ontology class local
    name) and ``aka`` (other names the same text prints for it)."""

    label: str
    cls: str
    aka: list[str] = field(default_factory=list)
    line: int | None = None

    def names(self) -> list[str]:
        return [self.label, *self.aka]


@dataclass
class HandFact:
    """A fact of the list: subject name, property local name, object name or :class:`Literal`,
    and the quote of the text that says it."""

    s: str
    p: str
    o: str | Literal
    quote: str = ""
    line: int | None = None


@dataclass
class FactList:
    """One ``data/devset/facts/<id>.yaml`` file."""

    doc: str
    entities: list[HandEntity]
    facts: list[HandFact]
    path: Path | None = None
    absent: list[HandFact] = field(default_factory=list)
    absent_entities: list[str] = field(default_factory=list)


def norm(text: str) -> str:
    """Normalised form of a name: NFKC, case folded, white space removed, enclosing quote
    marks and brackets of the kinds 「」『』“” stripped. ``norm("「ＳＬＩＭ」 ") == "slim"``."""
    t = unicodedata.normalize("NFKC", text or "").casefold()
    t = re.sub(r"\s+", "", t)
    return t.strip(QUOTES + "・、。,.:：")


def _loose(key: str) -> str:
    return re.sub(r"[\W_]", "", key)


ORDINAL_RE = re.compile(r"第(\d+)回")


def name_keys(label: str) -> set[str]:
    """The normalised forms a whole name is matched by: :func:`norm` of it, the same without
    punctuation (``小委員会(第44回)`` = ``小委員会 第44回``, ``H-IIA`` = ``HIIA``), and for a
    numbered meeting the ordinal moved to the front (``小委員会(第44回)`` = ``第44回小委員会``)."""
    k = norm(label)
    keys = {k, _loose(k)}
    m = ORDINAL_RE.search(k)
    if m:
        keys.add(f"第{m.group(1)}回" + _loose(k[:m.start()] + k[m.end():]))
    return {x for x in keys if x}


def part_keys(label: str) -> set[str]:
    """For a name printed as ``X(Y)`` or ``X（Y）`` (a name with its abbreviation), the keys of
    ``X`` and of ``Y``; these match only when no whole name does."""
    m = re.match(r"^(.+?)[(（](.+)[)）]$", unicodedata.normalize("NFKC", label or "").strip())
    return name_keys(m.group(1)) | name_keys(m.group(2)) if m else set()


def parse_literal(text: str) -> Literal | None:
    """``'"2023-09-07"^^xsd:date'`` → ``Literal("2023-09-07", "date")``, ``'"主査"@ja'`` →
    ``Literal("主査", "langString")``; None if not a literal."""
    if not isinstance(text, str):
        return None
    m = LITERAL_RE.match(text.strip())
    if m:
        return Literal(m.group("value"), m.group("local"))
    m = LANG_RE.match(text.strip())
    return Literal(m.group("value"), "langString") if m else None


def local_name(iri: str) -> str:
    """Last segment of an IRI or prefixed name: ``…/ontology#partyTo`` and ``sk:partyTo`` → ``partyTo``."""
    s = str(iri)
    for sep in ("#", "/", ":"):
        if sep in s:
            s = s.rsplit(sep, 1)[1]
    return s


def _line(raw) -> int | None:
    return raw.get("__line__") if isinstance(raw, dict) else None


class _LineLoader(yaml.SafeLoader):
    pass


def _mapping_with_line(loader, node):
    data = loader.construct_mapping(node, deep=True)
    data["__line__"] = node.start_mark.line + 1
    return data


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _load_yaml(path: Path):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DevsetError(f"not valid YAML: {getattr(exc, 'problem', exc)}", path=str(path),
                          line=mark.line + 1 if mark else None) from exc


def load_fact_list(path: Path, classes: set[str] | None = None,
                   properties: set[str] | None = None) -> FactList:
    """Load and check one fact list.

    Args:
        path: ``data/devset/facts/<id>.yaml``.
        classes, properties: the ontology's class and property local names; when given, every
            class and property used must be among them.

    Raises:
        DevsetError: malformed file, unknown class or property, a fact naming an entity the list
            does not have, or a malformed literal (the message names the file and line).
    """
    raw = _load_yaml(path)
    if not isinstance(raw, dict) or "doc" not in raw:
        raise DevsetError("expected a mapping with doc, entities, facts", path=str(path))

    def fail(msg, line=None):
        raise DevsetError(msg, path=str(path), line=line)

    entities = []
    for e in raw.get("entities") or []:
        if not isinstance(e, dict) or not e.get("label") or not e.get("class"):
            fail("an entity needs label and class", _line(e))
        if classes is not None and e["class"] not in classes:
            fail(f"unknown class {e['class']!r}", _line(e))
        aka = e.get("aka") or []
        if not isinstance(aka, list):
            fail("aka must be a list", _line(e))
        entities.append(HandEntity(str(e["label"]), str(e["class"]), [str(a) for a in aka], _line(e)))
    known = {norm(n) for e in entities for n in e.names()}

    def read_facts(key: str, wildcard: bool) -> list[HandFact]:
        out = []
        for f in raw.get(key) or []:
            line = _line(f)
            if not isinstance(f, dict) or not all(k in f for k in ("s", "p", "o")):
                fail(f"each of {key} needs s, p and o", line)
            if properties is not None and f["p"] not in properties:
                fail(f"unknown property {f['p']!r}", line)
            obj = str(f["o"])
            lit = parse_literal(obj)
            if lit is None and obj.startswith('"'):
                fail(f"malformed literal {obj!r} (want '\"value\"^^xsd:date')", line)
            names = [str(f["s"])] + ([] if lit or (wildcard and obj == ANY) else [obj])
            for name in names:
                if name != DOC and norm(name) not in known:
                    fail(f"{name!r} is not the label or aka of a listed entity", line)
            out.append(HandFact(str(f["s"]), str(f["p"]), lit or obj, str(f.get("quote") or ""), line))
        return out

    facts = read_facts("facts", False)
    absent = read_facts("absent", True)
    absent_entities = raw.get("absent_entities") or []
    if not isinstance(absent_entities, list):
        fail("absent_entities must be a list of names")
    return FactList(str(raw["doc"]), entities, facts, path, absent, [str(a) for a in absent_entities])


def load_sources(path: Path) -> list[dict]:
    """``data/devset/sources.yaml``: a list of mappings with id, title, publisher, url, kind,
    retrieved, sha256, length (characters).

    Raises:
        DevsetError: not a list of mappings, or an entry without id or sha256.
    """
    raw = _load_yaml(path)
    if not isinstance(raw, list):
        raise DevsetError("expected a list of sources", path=str(path))
    for s in raw:
        if not isinstance(s, dict) or not s.get("id") or not s.get("sha256"):
            raise DevsetError("a source needs id and sha256", path=str(path), line=_line(s))
    return raw


def default_texts_dir(root: Path) -> Path:
    """Where the saved texts are: ``$SPACEKG_DEVSET_DIR``, else ``/work/devset/texts`` if it
    exists, else ``<root>/data/devset/texts``."""
    env = os.environ.get("SPACEKG_DEVSET_DIR")
    if env:
        return Path(env)
    shared = Path("/work/devset/texts")
    return shared if shared.is_dir() else root / "data" / "devset" / "texts"


@dataclass
class TextStatus:
    """Which texts of the list are present (id → path), missing, or differ from the SHA-256
    recorded in sources.yaml (present but changed)."""

    found: dict[str, Path]
    missing: list[str]
    changed: list[str]


def locate_texts(ids: list[str], folder: Path, sources: list[dict]) -> TextStatus:
    """Find ``<folder>/<id>.txt`` for each id and check its SHA-256 against ``sources``."""
    sha = {s["id"]: s["sha256"] for s in sources}
    found, missing, changed = {}, [], []
    for i in ids:
        p = folder / f"{i}.txt"
        if not p.is_file():
            missing.append(i)
            continue
        found[i] = p
        if sha.get(i) and hashlib.sha256(p.read_bytes()).hexdigest() != sha[i]:
            changed.append(i)
    return TextStatus(found, missing, changed)


def ontology_axioms(graph) -> tuple[dict[str, str], set[str]]:
    """From the ontology graph: inverse pairs as {name: canonical name of the pair} for the
    non-canonical member (the canonical one is the alphabetically first) and the symmetric
    property names."""
    inverse: dict[str, str] = {}
    for a, b in graph.subject_objects(OWL.inverseOf):
        x, y = sorted((local_name(a), local_name(b)))
        if x != y:
            inverse[y] = x
    symmetric = {local_name(p) for p in graph.subjects(RDF.type, OWL.SymmetricProperty)}
    return inverse, symmetric


class Resolver:
    """Maps names and extracted nodes to the hand-listed entities of one document.

    A node is matched in this order, the first hit winning (entities in list order): a whole
    name of the node = a whole name (label or aka) of the entity; the node's lexicon entry =
    the lexicon entry one of the entity's names is a surface form of; a part of the node's
    name (``X(Y)``) = a whole name of the entity; a whole name of the node = a part of the
    entity's name. So 「国際宇宙ステーション・国際宇宙探査小委員会」 is the committee, not the meeting
    listed as 「国際宇宙ステーション・国際宇宙探査小委員会(第53回)」.

    Args:
        facts: the document's fact list.
        lexicon: lexicon id → surface forms (labels and aliases) of the project's lexicon.
        title: the document's title (an extracted node without IRI and with that label is the
            document; a node with an IRI is the document only if it is ``…/document/…``).
        labels: IRI → label for extracted nodes printed without a label (from the new
            entities and the label triples of the same ingest output).
    """

    def __init__(self, facts: FactList, lexicon: dict[str, list[str]], title: str | None = None,
                 labels: dict[str, str] | None = None):
        self.entities = facts.entities
        self.title = norm(title) if title else None
        self.lexicon = lexicon
        self.labels = labels or {}
        by_form: dict[str, set[str]] = {}
        for lid, forms in lexicon.items():
            for f in forms:
                by_form.setdefault(norm(f), set()).add(lid)
        self.whole: list[set[str]] = []
        self.parts: list[set[str]] = []
        self.lex: list[set[str]] = []
        for e in self.entities:
            whole = {k for n in e.names() for k in name_keys(n)}
            self.whole.append(whole)
            self.parts.append({k for n in e.names() for k in part_keys(n)} - whole)
            self.lex.append({lid for n in e.names() for lid in by_form.get(norm(n), ())})
        self.by_name = {norm(n): e.label for e in self.entities for n in e.names()}

    def name(self, name: str) -> str:
        """The canonical (label) id of a name used in the fact list."""
        return DOC if name == DOC else self.by_name.get(norm(name), "?" + norm(name))

    def node_names(self, node: dict) -> list[str]:
        """Every name an extracted node carries (label, labels, ja/en, aliases, text), or the
        label known for its IRI; a label that is just the IRI or its last segment is no name."""
        names: list[str] = []
        for k in ("label", "text", "ja", "en", "labels", "aliases"):
            v = node.get(k)
            if isinstance(v, dict):
                names += [str(x) for x in v.values() if x]
            elif isinstance(v, list):
                names += [str(x) for x in v if x]
            elif v:
                names.append(str(v))
        iri = str(node.get("iri") or "")
        slug = iri.rstrip("/").rsplit("/", 1)[-1]
        names = [n for n in names if n not in (iri, slug)]   # a placeholder label is no name
        if not names and iri in self.labels:
            names.append(self.labels[iri])
        return names

    def node_lexicon_id(self, node: dict) -> str | None:
        """The lexicon id named by the node's IRI (``…/resource/<id>``) or ``entity`` field."""
        for ref in (node.get("entity"), node.get("iri")):
            ref = str(ref or "")
            slug = ref.rstrip("/").rsplit("/", 1)[-1] if "/resource/" in ref else ("" if "/" in ref else ref)
            if slug in self.lexicon:
                return slug
        return None

    def node_keys(self, node: dict) -> set[str]:
        """Whole-name keys of an extracted node, with its lexicon entry's surface forms."""
        ks = {k for n in self.node_names(node) for k in name_keys(n)}
        lid = self.node_lexicon_id(node)
        if lid:
            ks |= {k for f in self.lexicon[lid] for k in name_keys(f)}
        return ks

    def resolve(self, node: dict) -> str:
        """The canonical id of an extracted node: ``$doc``, a hand-listed label, or
        ``?<normalised label>`` when it is none of them."""
        iri = str(node.get("iri") or "")
        names = self.node_names(node)
        if "/document/" in iri or (not iri and self.title and any(norm(n) == self.title for n in names)):
            return DOC
        whole = {k for n in names for k in name_keys(n)}
        lid = self.node_lexicon_id(node)
        lex_whole = {k for f in self.lexicon.get(lid, ()) for k in name_keys(f)} if lid else set()
        parts = {k for n in names for k in part_keys(n)}
        tiers = (lambda i: whole & self.whole[i], lambda i: lid in self.lex[i],
                 lambda i: lex_whole & self.whole[i], lambda i: parts & self.whole[i],
                 lambda i: whole & self.parts[i])
        for test in tiers:
            for i, e in enumerate(self.entities):
                if test(i):
                    return e.label
        return "?" + (norm(names[0]) if names else iri)


def canonical(s, p: str, o, inverse: dict[str, str], symmetric: set[str]) -> tuple:
    """One direction for inverse properties and one order for symmetric ones."""
    if not isinstance(o, Literal):
        if p in inverse:
            s, p, o = o, inverse[p], s
        if p in symmetric and str(o) < str(s):
            s, o = o, s
    return (s, p, o.key() if isinstance(o, Literal) else o)


def show(fact: tuple) -> str:
    """A fact key as one line: ``s —p→ o``."""
    s, p, o = fact
    if isinstance(o, tuple):
        o = f'"{o[1]}"^^{o[0]}'
    return f"{s} —{p}→ {o}"


@dataclass
class DocScore:
    """Scores of one document.

    Facts: ``facts_hand`` listed, ``facts_extracted`` distinct facts ingest printed, ``facts_tp``
    listed facts extracted (recall), ``facts_correct`` extracted facts that are listed or entail a
    listed one (precision; see :data:`UP_PROPERTIES`), ``facts_ignored`` triples whose predicate is
    not an ontology property. Entities: ``entities_hand`` listed, ``entities_found`` of them found (a lexicon mention
    or a new entity), ``entities_known`` distinct lexicon entities mentioned, ``entities_new``
    new entities ingest printed and ``entities_new_tp`` of those in the list. The lists are for
    review: facts missed, facts extracted that are not in the list, entities missed, new
    entities not in the list, and ``violations``: extracted facts or entities the list marks
    ``absent`` (a planned launch read as done, a negated fact, a name that is not an entity).
    """

    doc: str
    facts_hand: int = 0
    facts_extracted: int = 0
    facts_tp: int = 0
    facts_correct: int = 0
    facts_ignored: int = 0
    entities_hand: int = 0
    entities_found: int = 0
    entities_known: int = 0
    entities_new: int = 0
    entities_new_tp: int = 0
    missed_facts: list[str] = field(default_factory=list)
    unexpected_facts: list[str] = field(default_factory=list)
    missed_entities: list[str] = field(default_factory=list)
    unexpected_entities: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    error: str | None = None


def _literal_of(node: dict) -> Literal | None:
    if "value" in node and not node.get("iri"):
        return Literal(str(node["value"]), local_name(node.get("datatype") or "string"))
    return None


def _label(node: dict) -> str:
    label = node.get("label")
    if isinstance(label, dict):
        label = label.get("ja") or next(iter(label.values()), None)
    return str(label or node.get("iri") or "?")


LABEL_PROPERTIES = {"label", "prefLabel", "altLabel", "name"}
UP_PROPERTIES = {"affiliation", "memberOf"}
"""Properties whose object may be printed more specifically than the list has it: a person's
affiliation to a unit (有人宇宙技術部門) entails the affiliation to the body it is part of (JAXA)."""


def _entailed(key: tuple, hand: dict, got: dict, inverse: dict[str, str]) -> set[tuple]:
    """Facts a more specific extracted fact entails: ``X affiliation U`` (or ``memberOf``) with
    ``U partOf O`` (stated in the list or extracted, transitively) entails ``X affiliation O``.
    Keys are in :func:`canonical` form, so ``memberOf`` may appear as ``O hasMember X``."""
    s, p, o = key
    names = {inverse.get(q, q): q for q in UP_PROPERTIES}   # canonical name → written name
    if p not in names or isinstance(o, tuple):
        return set()
    flipped = names[p] != p                                  # (body, hasMember, person)
    unit, person = (s, o) if flipped else (o, s)
    whole = inverse.get("partOf", "partOf")
    parents: dict[str, set[str]] = {}
    for a, q, b in list(hand) + list(got):
        if q == whole:
            child, parent = (b, a) if whole != "partOf" else (a, b)
            parents.setdefault(child, set()).add(parent)
    out, seen, todo = set(), {unit}, [unit]
    while todo:
        for up in parents.get(todo.pop(), ()):
            if up not in seen:
                seen.add(up)
                todo.append(up)
                out.add((up, p, person) if flipped else (person, p, up))
    return out


def ingest_labels(ingest: dict) -> dict[str, str]:
    """IRI → label from an ingest output: the new entities' labels and the label triples
    (rdfs:label, skos:prefLabel …) among its facts."""
    out: dict[str, str] = {}
    for e in ingest.get("entities") or []:
        if e.get("iri") and _label(e) != str(e.get("iri")):
            out.setdefault(str(e["iri"]), _label(e))
    for f in ingest.get("facts") or []:
        subj, obj = f.get("subject") or {}, f.get("object") or {}
        if local_name(f.get("predicate", "")) in LABEL_PROPERTIES and subj.get("iri") and "value" in obj:
            out.setdefault(str(subj["iri"]), str(obj["value"]))
    return out


def score_document(facts: FactList, ingest: dict, resolver: Resolver,
                   inverse: dict[str, str], symmetric: set[str],
                   properties: set[str] | None = None) -> DocScore:
    """Compare ``spacekg ingest FILE --json`` output with the hand-made list.

    ``ingest`` may lack the ``facts`` and ``entities`` keys (then nothing is extracted and recall
    is 0). A listed entity is found if it is mentioned (lexicon ``mentions``), printed among the
    new ``entities``, or a node of an extracted fact; new entities are also scored for precision. When ``properties`` (the ontology's property
    local names) is given, extracted triples with other predicates (rdf:type, rdfs:label,
    dcterms:issued …) are not facts of the list's kind: they are counted in ``facts_ignored``
    and not scored.
    """
    out = DocScore(facts.doc)
    resolver.labels = {**ingest_labels(ingest), **resolver.labels}

    def shown(node: dict) -> str:
        names = resolver.node_names(node)
        return names[0] if names else _label(node)

    hand: dict[tuple, str] = {}
    for f in facts.facts:
        o = f.o if isinstance(f.o, Literal) else resolver.name(f.o)
        key = canonical(resolver.name(f.s), f.p, o, inverse, symmetric)
        hand.setdefault(key, f"{f.s} —{f.p}→ {f.o}")
    got: dict[tuple, str] = {}
    for f in ingest.get("facts") or []:
        subj, obj = f.get("subject") or {}, f.get("object") or {}
        lit = _literal_of(obj)
        p = local_name(f.get("predicate", ""))
        if properties is not None and p not in properties:
            out.facts_ignored += 1
            continue
        key = canonical(resolver.resolve(subj), p, lit if lit else resolver.resolve(obj), inverse, symmetric)
        got.setdefault(key, f"{shown(subj)} —{p}→ {lit if lit else shown(obj)}  [{f.get('rule', '?')}]")
    entailed = {k: _entailed(k, hand, got, inverse) for k in got}
    tp = {k for k in hand if k in got or any(k in e for e in entailed.values())}
    correct = {k for k in got if k in hand or entailed[k] & hand.keys()}
    out.facts_hand, out.facts_extracted = len(hand), len(got)
    out.facts_tp, out.facts_correct = len(tp), len(correct)
    out.missed_facts = [v for k, v in hand.items() if k not in tp]
    out.unexpected_facts = sorted(v for k, v in got.items() if k not in correct)

    labels = {e.label for e in facts.entities}
    found: set[str] = set()
    known = {str(m.get("entity") or m.get("iri")) for m in ingest.get("mentions") or []}
    for m in ingest.get("mentions") or []:
        found.add(resolver.resolve({"iri": m.get("iri"), "entity": m.get("entity"), "label": m.get("text")}))
    new: dict[str, tuple[str, str]] = {}
    for e in ingest.get("entities") or []:
        ident = str(e.get("iri") or norm(_label(e)))
        new.setdefault(ident, (resolver.resolve(e), f"{shown(e)} ({e.get('class')})"))
    found |= {r for r, _ in new.values()}
    for f in ingest.get("facts") or []:      # nodes of extracted facts are in the graph too
        for n in (f.get("subject") or {}, f.get("object") or {}):
            if n.get("iri") and "/resource/" in str(n["iri"]):
                found.add(resolver.resolve(n))
    out.entities_hand = len(labels)
    out.entities_found = len(found & labels)
    out.entities_known = len(known)
    out.entities_new = len(new)
    out.entities_new_tp = sum(1 for r, _ in new.values() if r in labels)
    out.missed_entities = [e.label for e in facts.entities if e.label not in found]
    out.unexpected_entities = sorted(shown for r, shown in new.values() if r not in labels)

    for f in facts.absent:
        s_id = resolver.name(f.s)
        if f.o != ANY:
            o = f.o if isinstance(f.o, Literal) else resolver.name(f.o)
            hits = [canonical(s_id, f.p, o, inverse, symmetric)]
        elif f.p in inverse:
            hits = [k for k in got if k[1] == inverse[f.p] and k[2] == s_id]
        elif f.p in symmetric:
            hits = [k for k in got if k[1] == f.p and s_id in (k[0], k[2])]
        else:
            hits = [k for k in got if k[1] == f.p and k[0] == s_id]
        out.violations += [f"absent fact extracted: {got[k]}" for k in hits if k in got]
    banned = {norm(n): n for n in facts.absent_entities}
    nodes = [{"iri": m.get("iri"), "label": m.get("text")} for m in ingest.get("mentions") or []]
    nodes += list(ingest.get("entities") or [])
    for node in nodes:
        hit = {k for k in name_keys(_label(node)) if k in banned}
        if norm(_label(node)) in banned or hit:
            out.violations.append(f"absent entity extracted: {_label(node)}")
    out.violations = sorted(set(out.violations))
    return out


def ratio(a: int, b: int) -> float | None:
    """a / b, or None when b is 0."""
    return a / b if b else None
