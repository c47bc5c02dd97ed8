"""Tests of ontology/spacekg.ttl against itself, docs/DESIGN.md and the lexicon.

What is checked:

* every sk: class, object, datatype and annotation property and datatype has exactly one
  ``rdfs:label`` @ja and @en and a ``skos:definition`` @en;
* every class and property that DESIGN.md names exists, with the kind DESIGN.md gives it;
* DESIGN.md's "domain → range" column agrees with the declared domains and ranges
  (modulo subclasses, e.g. ``Meeting/Event`` may be declared as ``Event``);
* domains and ranges refer to declared classes / datatypes; inverse pairs are mutual and
  mirror each other's domain and range; the characteristics DESIGN.md asks for are declared;
* the technology-area scheme is complete (labels, definitions, top concepts);
* no lexicon entry (data/lexicon/*.yaml) is typed with two classes the ontology says are
  disjoint.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SKOS

from spacekg.config import IRIs
from spacekg.ontology import load_ontology

ROOT = Path(__file__).resolve().parents[1]
TTL = ROOT / "ontology" / "spacekg.ttl"
DESIGN = ROOT / "docs" / "DESIGN.md"
SK = Namespace("https://w3id.org/spacekg/ontology#")
ONTOLOGY_IRI = URIRef("https://w3id.org/spacekg/ontology")

#: Names that DESIGN.md writes in backticks but that are not terms to declare, with why.
NOT_TERMS = {
    "SampleReturnSpacecraft": "DESIGN.md says: no, use Probe + Mission",
    "reading": "DESIGN.md says: use sk:kanaReading instead",
}


@pytest.fixture(scope="module")
def g() -> Graph:
    graph = Graph()
    graph.parse(TTL, format="turtle")
    return graph


def _sk_local(term) -> str | None:
    s = str(term)
    return s[len(str(SK)):] if isinstance(term, URIRef) and s.startswith(str(SK)) else None


def _declared(g: Graph, kind: URIRef) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, kind) if _sk_local(s) is not None}


def _members(g: Graph, node) -> set:
    """The classes/datatypes a domain or range stands for: the union members or itself.

    An enumerated datatype (``owl:oneOf``) stands for its base datatype ``xsd:string``.
    """
    if isinstance(node, BNode):
        if g.value(node, OWL.oneOf) is not None:
            return {XSD.string}
        union = g.value(node, OWL.unionOf)
        assert union is not None, "anonymous domain/range that is not an owl:unionOf"
        return set(Collection(g, union))
    return {node}


def _datatypes_of_range(g: Graph, node) -> set:
    """Datatypes a datatype-property range admits, named unions (sk:dateValue) expanded."""
    out = set()
    for m in _members(g, node):
        eq = g.value(m, OWL.equivalentClass) if isinstance(m, URIRef) else None
        out |= _datatypes_of_range(g, eq) if eq is not None else {m}
    return out


def _superclasses(g: Graph, cls: URIRef) -> set[URIRef]:
    """Reflexive, transitive rdfs:subClassOf closure over named classes."""
    seen, todo = set(), [cls]
    while todo:
        c = todo.pop()
        if c in seen:
            continue
        seen.add(c)
        todo.extend(o for o in g.objects(c, RDFS.subClassOf) if isinstance(o, URIRef))
    return seen


# --- DESIGN.md parsing ---------------------------------------------------------------------

def _design_section(title_start: str, next_start: str) -> str:
    text = DESIGN.read_text(encoding="utf-8")
    a = text.index(title_start)
    b = text.index(next_start, a + 1)
    return text[a:b]


def design_classes() -> set[str]:
    """Class names: backticked capitalised names in the 'Classes' bullets of DESIGN.md."""
    section = _design_section("Classes (`sk:`)", "Object properties (domain")
    names = set()
    for token in re.findall(r"`([^`]+)`", section):
        if re.fullmatch(r"[A-Z][A-Za-z]+", token) and token not in NOT_TERMS:
            names.add(token)
    return names


def _table_rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:]  # drop the header row


def design_object_rows() -> list[tuple[list[str], str, str]]:
    """(property names, domain→range cell, characteristics cell) of the object-property table."""
    section = _design_section("Object properties (domain", "Datatype properties (values")
    return [(re.findall(r"`([^`]+)`", r[0]), r[1], r[2]) for r in _table_rows(section)]


def design_datatype_rows() -> list[tuple[list[str], str]]:
    section = _design_section("Datatype properties (values", "Datatypes declared in the ontology")
    rows = []
    for r in _table_rows(section):
        names = [n for n in re.findall(r"`([^`]+)`", r[0]) if n not in NOT_TERMS]
        if names:
            rows.append((names, r[1]))
    return rows


def _parse_classes(cell: str) -> set[str] | None:
    """'Agent/Place' → {'Agent', 'Place'}; 'any' → None (no restriction)."""
    cell = re.sub(r"\([^)]*\)", "", cell).strip()
    if cell == "any":
        return None
    return {part.strip() for part in cell.split("/")}


def test_design_parsing_finds_the_vocabulary():
    """Guards the parsers: if DESIGN.md's layout changes they must not silently find nothing."""
    assert {"Agent", "Mission", "Lander", "SurfaceRegion", "Field"} <= design_classes()
    assert len(design_classes()) >= 60
    names = [n for row in design_object_rows() for n in row[0]]
    assert "partOf" in names and "mentionedIn" in names and len(names) >= 40
    dnames = [n for row in design_datatype_rows() for n in row[0]]
    assert "meetingNumber" in dnames and "dateQualifier" in dnames and "reading" not in dnames


# --- header ----------------------------------------------------------------------------------

def test_ontology_header(g):
    DCT = Namespace("http://purl.org/dc/terms/")
    VANN = Namespace("http://purl.org/vocab/vann/")
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(
        "https://w3id.org/spacekg/ontology/" + str(g.value(ONTOLOGY_IRI, OWL.versionInfo)))
    for p in (DCT.title, DCT.description):
        assert {o.language for o in g.objects(ONTOLOGY_IRI, p)} == {"ja", "en"}, p
    assert g.value(ONTOLOGY_IRI, DCT.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    assert g.value(ONTOLOGY_IRI, DCT.creator) is not None
    assert str(g.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix)) == "sk"
    assert str(g.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri)) == str(SK)


# --- labels and definitions -----------------------------------------------------------------

def _all_terms(g: Graph) -> set[URIRef]:
    terms = set()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                 RDFS.Datatype):
        terms |= _declared(g, kind)
    return terms


def test_every_term_has_one_label_per_language_and_a_definition(g):
    terms = _all_terms(g)
    assert len(terms) > 100
    problems = []
    for t in sorted(terms):
        labels = [o for o in g.objects(t, RDFS.label) if isinstance(o, Literal)]
        for lang in ("ja", "en"):
            n = sum(1 for o in labels if o.language == lang)
            if n != 1:
                problems.append(f"{_sk_local(t)}: {n} rdfs:label @{lang}")
        if any(o.language not in ("ja", "en") for o in labels):
            problems.append(f"{_sk_local(t)}: label in another language")
        defs = [o for o in g.objects(t, SKOS.definition) if isinstance(o, Literal)]
        if sum(1 for o in defs if o.language == "en") != 1:
            problems.append(f"{_sk_local(t)}: needs exactly one skos:definition @en")
        if sum(1 for o in defs if o.language == "ja") > 1:
            problems.append(f"{_sk_local(t)}: several skos:definition @ja")
    assert not problems, problems


def test_labels_are_unique_per_language(g):
    """Two terms with the same label cannot be told apart in a label search or a UI."""
    seen: dict[tuple[str, str], list[str]] = {}
    for t in _all_terms(g):
        for o in g.objects(t, RDFS.label):
            seen.setdefault((str(o).casefold(), o.language), []).append(_sk_local(t))
    assert not {k: v for k, v in seen.items() if len(v) > 1}


def test_every_sk_subject_is_declared(g):
    """A term used as a subject (or in a domain/range/union) must be declared, not just used."""
    known = (_all_terms(g) | set(g.subjects(RDF.type, SKOS.Concept))
             | set(g.subjects(RDF.type, SKOS.ConceptScheme)) | set(g.subjects(RDF.type, OWL.NamedIndividual)))
    used = {t for t in set(g.subjects()) | set(g.objects()) if _sk_local(t) is not None}
    assert used - known == set()


# --- DESIGN.md vocabulary exists -------------------------------------------------------------

def test_design_classes_are_declared(g):
    classes = _declared(g, OWL.Class)
    missing = sorted(c for c in design_classes() if SK[c] not in classes)
    assert not missing, missing


def test_design_object_properties_are_declared(g):
    props = _declared(g, OWL.ObjectProperty)
    missing = sorted(n for names, _, _ in design_object_rows() for n in names
                     if SK[n] not in props)
    assert not missing, missing


def test_design_datatype_properties_are_declared(g):
    props = _declared(g, OWL.DatatypeProperty)
    missing = sorted(n for names, _ in design_datatype_rows() for n in names
                     if SK[n] not in props)
    assert not missing, missing
    assert (SK.kanaReading, RDF.type, OWL.AnnotationProperty) in g
    assert (SK.kanaReading, RDFS.subPropertyOf, SKOS.altLabel) in g


def test_design_datatypes_are_declared(g):
    for dt in (SK.fiscalYear, SK.decade):
        assert (dt, RDF.type, RDFS.Datatype) in g


def test_no_term_is_both_object_and_datatype_property(g):
    """OWL 2 DL: the property kinds are disjoint (sk:fiscalYear may pun datatype/property)."""
    op = _declared(g, OWL.ObjectProperty)
    dp = _declared(g, OWL.DatatypeProperty)
    ap = _declared(g, OWL.AnnotationProperty)
    assert not (op & dp) and not (op & ap) and not (dp & ap)
    assert not (_declared(g, OWL.Class) & _declared(g, RDFS.Datatype))


# --- domains and ranges ----------------------------------------------------------------------

def test_object_property_domains_and_ranges_are_declared_classes(g):
    classes = _declared(g, OWL.Class) | {SKOS.Concept}
    problems = []
    for p in _declared(g, OWL.ObjectProperty):
        for rel in (RDFS.domain, RDFS.range):
            for node in g.objects(p, rel):
                for c in _members(g, node):
                    if c not in classes:
                        problems.append(f"{_sk_local(p)} {rel.fragment} {c}")
    assert not problems, problems


def test_datatype_property_ranges_are_datatypes(g):
    datatypes = _declared(g, RDFS.Datatype) | {XSD.date, XSD.boolean, XSD.gYear, XSD.gYearMonth, XSD.dateTime,
                                               XSD.decimal, XSD.integer, XSD.positiveInteger,
                                               XSD.string, RDF.langString}
    problems = []
    for p in _declared(g, OWL.DatatypeProperty):
        ranges = list(g.objects(p, RDFS.range))
        if len(ranges) != 1:
            problems.append(f"{_sk_local(p)}: {len(ranges)} ranges")
        for node in ranges:
            if not _members(g, node) <= datatypes:
                problems.append(f"{_sk_local(p)}: range {_members(g, node)}")
        for node in g.objects(p, RDFS.domain):
            if not _members(g, node) <= _declared(g, OWL.Class):
                problems.append(f"{_sk_local(p)}: domain {_members(g, node)}")
    assert not problems, problems


def test_date_value_is_the_union_of_date_precisions(g):
    eq = g.value(SK.dateValue, OWL.equivalentClass)
    assert _members(g, eq) == {XSD.date, XSD.gYearMonth, XSD.gYear, SK.fiscalYear, SK.decade}


def _declared_side(g: Graph, prop: URIRef, rel: URIRef) -> set[URIRef] | None:
    nodes = list(g.objects(prop, rel))
    assert len(nodes) <= 1, f"{_sk_local(prop)} has several {rel.fragment} axioms"
    return _members(g, nodes[0]) if nodes else None


def _iri(name: str) -> URIRef:
    """'Mission' → sk:Mission; 'skos:Concept' → skos:Concept."""
    return SKOS[name[5:]] if name.startswith("skos:") else SK[name]


def _agree(g: Graph, design: set[str] | None, declared: set[URIRef] | None) -> bool:
    """The declared classes are design classes, and cover every design class (via subClassOf)."""
    if design is None or declared is None:
        return design is None and declared is None
    design_iris = {_iri(c) for c in design}
    each_design_covered = all(_superclasses(g, d) & declared for d in design_iris)
    # declared may drop a design class subsumed by another (Meeting/Event → Event), never widen
    return each_design_covered and declared <= design_iris


def test_object_property_domains_and_ranges_match_design(g):
    problems = []
    for names, cell, _ in design_object_rows():
        if "→" not in cell:
            continue
        left, right = cell.split("→", 1)
        dom, rng = _parse_classes(left), _parse_classes(right)
        # a second name in the row is the inverse: domain and range swapped
        for i, name in enumerate(names[:2]):
            d, r = (dom, rng) if i == 0 else (rng, dom)
            if not _agree(g, d, _declared_side(g, SK[name], RDFS.domain)):
                problems.append(f"{name}: domain {d} vs {_declared_side(g, SK[name], RDFS.domain)}")
            if not _agree(g, r, _declared_side(g, SK[name], RDFS.range)):
                problems.append(f"{name}: range {r} vs {_declared_side(g, SK[name], RDFS.range)}")
    assert not problems, problems


# --- characteristics -------------------------------------------------------------------------

def test_inverse_pairs_are_mutual_and_mirrored(g):
    pairs = [(p, q) for p, q in g.subject_objects(OWL.inverseOf)]
    assert len(pairs) >= 20
    for p, q in pairs:
        assert (q, OWL.inverseOf, p) in g, f"{p} inverseOf {q} is one-sided"
        assert _declared_side(g, p, RDFS.domain) == _declared_side(g, q, RDFS.range), (p, q)
        assert _declared_side(g, p, RDFS.range) == _declared_side(g, q, RDFS.domain), (p, q)


def test_design_inverse_pairs_are_declared(g):
    for names, _, _ in design_object_rows():
        if len(names) == 2:
            p, q = SK[names[0]], SK[names[1]]
            assert (p, OWL.inverseOf, q) in g, names


def test_characteristics_asked_for_in_design(g):
    for names, _, chars in design_object_rows():
        for name in names:
            if "transitive" in chars:
                assert (SK[name], RDF.type, OWL.TransitiveProperty) in g, name
            if "symmetric" in chars:
                assert (SK[name], RDF.type, OWL.SymmetricProperty) in g, name
    assert (SK.inProgram, RDFS.subPropertyOf, SK.partOf) in g
    # a sub-property's domain and range must fit inside its super-property's
    for sub, sup in g.subject_objects(RDFS.subPropertyOf):
        if _sk_local(sub) is None or _sk_local(sup) is None:
            continue
        for rel in (RDFS.domain, RDFS.range):
            outer = _declared_side(g, sup, rel)
            inner = _declared_side(g, sub, rel)
            if outer is not None:
                assert inner is not None, (sub, sup, rel)
                assert all(_superclasses(g, c) & outer for c in inner), (sub, sup, rel)
    assert (SK.meetingNumber, RDF.type, OWL.FunctionalProperty) in g
    # a symmetric property must have its domain equal to its range
    for p in g.subjects(RDF.type, OWL.SymmetricProperty):
        assert _declared_side(g, p, RDFS.domain) == _declared_side(g, p, RDFS.range), p


def test_transitive_properties_are_not_functional(g):
    """OWL 2 DL: a non-simple (transitive) property cannot be functional."""
    for p in g.subjects(RDF.type, OWL.TransitiveProperty):
        assert (p, RDF.type, OWL.FunctionalProperty) not in g
        assert (p, RDF.type, OWL.InverseFunctionalProperty) not in g


# --- disjointness ----------------------------------------------------------------------------

def disjoint_pairs(g: Graph) -> set[frozenset]:
    pairs = set()
    for a, b in g.subject_objects(OWL.disjointWith):
        pairs.add(frozenset((a, b)))
    for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(g, g.value(node, OWL.members)))
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                pairs.add(frozenset((a, b)))
    return pairs


def _clash(g: Graph, classes: list[URIRef], pairs: set[frozenset]) -> list[tuple]:
    sup = set().union(*(_superclasses(g, c) for c in classes))
    return [tuple(sorted(_sk_local(x) for x in pr)) for pr in pairs if pr <= sup]


def test_disjointness_as_the_domain_implies(g):
    pairs = disjoint_pairs(g)
    must = [("Agent", "Place"), ("Document", "Event"), ("Organization", "Mission"),
            ("Organization", "Person"), ("Program", "Technology"), ("CelestialBody", "Place"),
            ("Measurement", "AgendaItem"), ("Fund", "Agent")]
    for a, b in must:
        assert _clash(g, [SK[a], SK[b]], pairs), (a, b)
    # combinations the data uses must stay consistent
    allowed = [("Lander", "Mission"), ("Program", "Initiative"), ("Project", "Mission"),
               ("Spacecraft", "Technology"), ("Plan", "Report"), ("Agreement", "Document"),
               ("Facility", "Program"), ("Event", "Mission"), ("Law", "Agreement")]
    for a, b in allowed:
        assert not _clash(g, [SK[a], SK[b]], pairs), (a, b)


def _lexicon_entries():
    for path in sorted((ROOT / "data" / "lexicon").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            yield path.name, entry


def test_lexicon_classes_exist_and_are_not_disjoint(g):
    entries = list(_lexicon_entries())
    if not entries:
        pytest.skip("no lexicon yet")
    classes = _declared(g, OWL.Class)
    pairs = disjoint_pairs(g)
    problems = []
    for fname, e in entries:
        names = e.get("class")
        names = [names] if isinstance(names, str) else list(names or [])
        unknown = [n for n in names if SK[n] not in classes]
        if unknown:
            problems.append(f"{fname} {e.get('id')}: unknown class {unknown}")
            continue
        clash = _clash(g, [SK[n] for n in names], pairs)
        if clash:
            problems.append(f"{fname} {e.get('id')}: {names} are disjoint: {clash}")
    assert not problems, problems


# --- technology-area scheme ------------------------------------------------------------------

def test_technology_area_scheme(g):
    scheme = SK.TechnologyAreaScheme
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    concepts = set(g.subjects(SKOS.inScheme, scheme))
    assert len(concepts) >= 14
    assert set(g.objects(scheme, SKOS.hasTopConcept)) == concepts
    for c in concepts:
        assert _sk_local(c).startswith("area-"), c
        assert (c, RDF.type, SKOS.Concept) in g
        assert (c, SKOS.topConceptOf, scheme) in g
        for lang in ("ja", "en"):
            assert sum(1 for o in g.objects(c, SKOS.prefLabel) if o.language == lang) == 1, c
        assert any(o.language == "en" for o in g.objects(c, SKOS.definition)), c
    ja = {str(o) for c in concepts for o in g.objects(c, SKOS.prefLabel) if o.language == "ja"}
    # the areas named in the source documents
    for label in ("輸送技術", "有人宇宙滞在技術", "運用・利用技術", "搭乗員関連技術", "着陸技術",
                  "重力天体表面探査技術"):
        assert label in ja, label


# --- alignments ------------------------------------------------------------------------------

def test_alignments(g):
    ORG = Namespace("http://www.w3.org/ns/org#")
    PROV = Namespace("http://www.w3.org/ns/prov#")
    SDO = Namespace("https://schema.org/")
    DCT = Namespace("http://purl.org/dc/terms/")
    assert (SK.Organization, OWL.equivalentClass, ORG.Organization) in g
    assert (SK.Agent, RDFS.subClassOf, PROV.Agent) in g
    assert (SK.Person, RDFS.subClassOf, SDO.Person) in g
    assert (SK.issuedBy, RDFS.subPropertyOf, DCT.publisher) in g
    assert (SK.cites, RDFS.subPropertyOf, DCT.references) in g
    assert (SK.about, RDFS.subPropertyOf, DCT.subject) in g
    assert (SK.partOf, RDFS.subPropertyOf, DCT.isPartOf) in g
    wd = "http://www.wikidata.org/entity/"
    links = [o for p in (SKOS.exactMatch, SKOS.closeMatch) for o in g.objects(None, p)
             if str(o).startswith(wd)]
    assert links and all(re.fullmatch(r"[QP][1-9][0-9]*", str(o)[len(wd):]) for o in links)
    # Wikidata entities are linked with SKOS mappings only, never as OWL classes/properties
    for p in (OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf):
        assert not [o for o in g.objects(None, p) if str(o).startswith(wd)], p


def test_base_rewrite_keeps_every_term():
    """The build rewrites the default base; nothing else in the file may contain it."""
    other = IRIs("https://example.org/kg/")
    onto = load_ontology(TTL, other)
    default = load_ontology(TTL, IRIs())
    assert set(onto.superclasses) == set(default.superclasses)
    assert set(onto.properties) == set(default.properties)
    assert not [t for t in onto.graph.all_nodes() if "w3id.org/spacekg" in str(t)]
    assert onto.is_a(["Lander"], "Spacecraft") and not onto.is_a(["Lander"], "Mission")


def test_date_qualifier_values_are_enumerated(g):
    node = g.value(SK.dateQualifier, RDFS.range)
    values = {str(v) for v in Collection(g, g.value(node, OWL.oneOf))}
    # DESIGN.md's five for statements, the ones the rule engine records, two for documents
    assert {"approximate", "fiscal-year", "decade", "by", "planned"} <= values
    assert {"not-printed", "unknown"} <= values
    from spacekg import rules
    assert set(rules.DATE_QUALIFIERS) <= values, set(rules.DATE_QUALIFIERS) - values
    for v in values:  # each value is explained in the definition
        assert v in str(g.value(SK.dateQualifier, SKOS.definition)), v


# --- the curated data against the ontology ---------------------------------------------------
# What a DL reasoner would find inconsistent in data/curated/*.yaml: a subject or object whose
# asserted classes are all disjoint with every class of the property's domain/range, a literal
# whose datatype the range does not admit, a date qualifier outside the enumeration.

#: Datatypes whose values are also values of a wider one (XSD derivation).
_WIDER = {XSD.positiveInteger: {XSD.integer, XSD.decimal}, XSD.integer: {XSD.decimal}}
_PREFIXES = ("@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . "
             "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . "
             f"@prefix sk: <{SK}> .\n")


def _literal(text: str) -> Literal:
    graph = Graph().parse(data=_PREFIXES + f"<urn:s> <urn:p> {text} .", format="turtle")
    return next(iter(graph.objects()))


def _datatype(lit: Literal) -> URIRef:
    if lit.datatype is not None:
        return lit.datatype
    return RDF.langString if lit.language else XSD.string


def _entity_classes() -> dict[str, set[str]]:
    """Lexicon ids and ``doc:`` document ids → their sk: class names."""
    out: dict[str, set[str]] = {}
    for _, e in _lexicon_entries():
        names = e.get("class")
        out[str(e["id"])] = {names} if isinstance(names, str) else set(names or [])
    sources = ROOT / "data" / "sources" / "sources.yaml"
    if sources.exists():
        for d in yaml.safe_load(sources.read_text(encoding="utf-8")) or []:
            out["doc:" + str(d["id"])] = {str(d.get("class", "Document"))}
    return out


def _curated_statements():
    for path in sorted((ROOT / "data" / "curated").glob("*.yaml")):
        for st in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            yield path.name, st


def curated_conflicts(g: Graph) -> list[str]:
    """Curated triples that contradict the ontology (see the comment above)."""
    classes = _entity_classes()
    pairs = disjoint_pairs(g)
    declared = _declared(g, OWL.Class)
    qualifiers = {str(v) for v in
                  Collection(g, g.value(g.value(SK.dateQualifier, RDFS.range), OWL.oneOf))}
    problems = []

    def possible(names: set[str], allowed: set[URIRef]) -> bool:
        iris = [SK[n] for n in names]
        return any(not _clash(g, iris + [c], pairs) for c in allowed)

    for fname, st in _curated_statements():
        where = f"{fname} {st.get('id')}"
        nodes = {"#" + k: ({v.get("class")} if isinstance(v.get("class"), str)
                           else set(v.get("class") or []))
                 for k, v in (st.get("nodes") or {}).items()}
        quals = st.get("qualifier") or []
        for q in [quals] if isinstance(quals, str) else quals:
            if q not in qualifiers:
                problems.append(f"{where}: qualifier {q!r}")
        for s, p, o in st.get("triples") or []:
            if not isinstance(p, str) or ":" in p:
                continue  # prefixed predicates (rdfs:label, dcterms:date) are not sk: terms
            prop = SK[p]
            if isinstance(o, str) and o.startswith('"') or not isinstance(o, str):
                lit = _literal(o) if isinstance(o, str) else Literal(o)
                rng = g.value(prop, RDFS.range)
                if (prop, RDF.type, OWL.DatatypeProperty) not in g:
                    problems.append(f"{where}: literal object of {p}, not a datatype property")
                elif rng is not None:
                    admitted = _datatypes_of_range(g, rng)
                    dt = _datatype(lit)
                    if dt not in admitted and not (_WIDER.get(dt, set()) & admitted):
                        problems.append(f"{where}: {p} {o} ({dt}) not in range")
                ends = [(s, RDFS.domain)]
            else:
                ends = [(s, RDFS.domain), (o, RDFS.range)]
            for term, rel in ends:
                names = nodes.get(term) or classes.get(str(term))
                node = g.value(prop, rel)
                if not names or node is None:
                    continue
                allowed = _members(g, node) & declared
                if allowed and not possible(names, allowed):
                    problems.append(
                        f"{where}: {term} {sorted(names)} cannot be in the {rel.fragment} of "
                        f"sk:{p} {sorted(_sk_local(c) for c in allowed)}")
    return problems


def test_curated_checker_finds_a_planted_conflict(g):
    """The checker itself: a Report as subject of sk:date (domain Event) is a conflict."""
    classes = _entity_classes()
    report = next((k for k, v in classes.items() if v == {"Report"}), None)
    if report is None:
        pytest.skip("no Report in the data yet")
    graph = Graph()
    graph += g
    # run the same check on one planted statement
    planted = [("planted", {"id": "C-PLANTED", "triples": [
        [report, "date", '"2020"^^xsd:gYear'], [report, "meetingNumber", '"x"'],
        ["#m", "value", '"3"^^xsd:integer']], "nodes": {"m": {"class": "Measurement"}},
        "qualifier": "soon"})]
    original = globals()["_curated_statements"]
    globals()["_curated_statements"] = lambda: iter(planted)
    try:
        found = curated_conflicts(graph)
    finally:
        globals()["_curated_statements"] = original
    assert any("sk:date" in f for f in found)
    assert any("meetingNumber" in f and "not in range" in f for f in found)
    assert any("qualifier 'soon'" in f for f in found)
    assert not any("value" in f for f in found), found  # xsd:integer is an xsd:decimal


def test_curated_statements_are_consistent_with_the_ontology(g):
    if not list(_curated_statements()):
        pytest.skip("no curated statements yet")
    problems = curated_conflicts(g)
    assert not problems, problems


# --- DL reasoning (HermiT, when Java and the HermiT jar shipped with owlready2 are present) -----

def _hermit_jar() -> Path | None:
    spec = importlib.util.find_spec("owlready2")
    if spec is None or spec.origin is None:
        return None
    jar = Path(spec.origin).parent / "hermit" / "HermiT.jar"
    return jar if jar.exists() else None


@pytest.mark.skipif(shutil.which("java") is None or _hermit_jar() is None,
                    reason="needs java and owlready2's HermiT.jar")
def test_hermit_finds_the_ontology_consistent_without_unsatisfiable_classes():
    """A DL reasoner (direct semantics) on the ontology alone.

    Fails when an axiom makes the ontology inconsistent or a class empty (e.g. Lander ⊑ Agent
    with Spacecraft disjoint from Agent).
    """
    out = subprocess.run(
        ["java", "-cp", str(_hermit_jar()), "org.semanticweb.HermiT.cli.CommandLine",
         "-k", "-U", "--ignoreUnsupportedDatatypes", TTL.resolve().as_uri()],
        capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "owl#Thing is satisfiable" in out.stdout, out.stdout[-2000:]
    unsat = out.stdout.split("Classes equivalent to 'owl:Nothing':", 1)[1].split()
    assert unsat == ["owl:Nothing"], unsat


def test_terms_the_code_uses_exist(g):
    """Every ``sk.Name`` in src/spacekg is declared, so the code cannot mint undeclared terms."""
    used = set()
    for path in (ROOT / "src" / "spacekg").rglob("*.py"):
        used |= set(re.findall(r"\bsk\.([A-Za-z][A-Za-z0-9]*)\b", path.read_text(encoding="utf-8")))
    assert used, "no sk.<term> found in src/spacekg: has the code changed its naming?"
    declared = {_sk_local(t) for t in _all_terms(g) | set(g.subjects(RDF.type, OWL.NamedIndividual))
                | set(g.subjects(RDF.type, SKOS.ConceptScheme))}
    assert sorted(used - declared) == []


def test_rules_produce_triples_the_ontology_allows(g):
    """data/rules/*.yaml: produced predicates exist, and a pattern variable's classes
    (``{s:Spacecraft,Mission}``) can be in the domain / range of the predicate it fills."""
    files = sorted((ROOT / "data" / "rules").glob("*.yaml"))
    if not files:
        pytest.skip("no rules yet")
    pairs = disjoint_pairs(g)
    declared = _declared(g, OWL.Class)
    props = _declared(g, OWL.ObjectProperty) | _declared(g, OWL.DatatypeProperty)
    problems, checked = [], 0
    for path in files:
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            pattern = str(rule.get("pattern", ""))
            var_classes = {v: [c.strip() for c in cs.split(",")]
                           for v, cs in re.findall(r"\{(\w+):\s*([A-Za-z][A-Za-z,\s]*)\}", pattern)}
            for cls in (c for cs in var_classes.values() for c in cs):
                if SK[cls] not in declared:
                    problems.append(f"{rule['id']}: unknown class {cls}")
            for s_, p_, o_ in rule.get("produce") or []:
                if ":" in p_:
                    continue
                if SK[p_] not in props:
                    problems.append(f"{rule['id']}: unknown property {p_}")
                    continue
                for var, rel in ((s_, RDFS.domain), (o_, RDFS.range)):
                    node = g.value(SK[p_], rel)
                    if var not in var_classes or node is None:
                        continue
                    allowed = _members(g, node) & declared
                    for cls in var_classes[var]:
                        checked += 1
                        if allowed and all(_clash(g, [SK[cls], c], pairs) for c in allowed):
                            problems.append(f"{rule['id']}: {var}:{cls} cannot be in the "
                                            f"{rel.fragment} of sk:{p_}")
    assert checked > 0
    assert not problems, problems
