"""Stage 7: inference into its own named graph (OWL 2 RL closure + domain rules).

What it does, in order:

1. takes the ontology (plus ``ontology/extensions.ttl``) and the graphs ``entities``,
   ``documents`` and ``stated`` of the dataset as the *base* triples;
2. computes the OWL 2 RL closure with ``reasonable`` (Rust; the default) or ``owlrl`` (pure
   Python; the reference the tests compare against);
3. applies the domain rules (SPARQL CONSTRUCT files ``ontology/rules/*.rq``) to the closure,
   and repeats 2–3 until nothing new appears;
4. *explains* every new triple: finds, level by level from the base triples, one OWL 2 RL rule
   (``cax-sco``, ``prp-dom``, ``prp-inv1`` …) or domain rule whose premises are already
   explained, so every explanation is well founded (no cycles);
5. keeps the new triples about the project's entities (subject under ``{base}resource/`` or
   ``{base}document/``), drops trivial ones (``owl:Thing``, ``rdfs:Resource``, reflexive
   ``owl:sameAs``, blank nodes), and writes them to ``graph/inferred`` with one statement node
   each (``rdf:Statement``, ``prov:wasGeneratedBy {base}rule/{RULE-ID}``,
   ``prov:wasDerivedFrom`` the statement nodes of the premises).

A premise that is a stated fact points to its statement node in ``graph/evidence``; an inferred
premise to its node in ``graph/inferred``; any other premise (an ontology axiom, a lexicon type)
gets a statement node in ``graph/inferred`` with ``prov:hadPrimarySource`` the named graph it
comes from. Statement node IRIs are :func:`spacekg.evidence.statement_iri` of the triple.

Known engine defect worked around here: ``reasonable`` 0.4.4 implements ``prp-ifp``
(inverse-functional properties) without joining on the object, so two meetings with different
agenda items become ``owl:sameAs``. Declarations ``p a owl:InverseFunctionalProperty`` are
therefore withheld from ``reasonable`` and ``prp-ifp`` is applied here instead.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef

from spacekg.config import DEFAULT_BASE, PROV, ROOT, IRIs
from spacekg.errors import RuleError
from spacekg.evidence import statement_iri

log = logging.getLogger(__name__)

RULES_DIR = ROOT / "ontology" / "rules"
EXTENSIONS = ROOT / "ontology" / "extensions.ttl"
BASE_GRAPHS = ("ontology", "entities", "documents", "stated")
TRIVIAL_OBJECTS = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class,
                   RDFS.Literal, RDF.Property}

Triple = tuple


@dataclass
class Derivation:
    """How one inferred triple was obtained.

    Attributes:
        rule: the OWL 2 RL rule id (``cax-sco`` …) or domain rule id (``DR-…``).
        premises: the triples it was derived from (already explained or base triples).
    """

    rule: str
    premises: tuple


@dataclass
class DomainRule:
    """A SPARQL CONSTRUCT rule of ``ontology/rules``.

    Attributes:
        id: rule id (``DR-…``), from the ``# id:`` header line.
        statement: the ``# If … then …`` header line.
        query: the CONSTRUCT query text (base rewritten).
        select: the same WHERE clause as ``SELECT *``.
        template: the CONSTRUCT template as (s, p, o) with ``Variable`` terms.
        patterns: the triple patterns of the WHERE clause (premises once instantiated).
        path: the file.
    """

    id: str
    statement: str
    query: str
    select: str
    template: list
    patterns: list
    path: Path


@dataclass
class InferenceResult:
    """What :func:`infer` added.

    Attributes:
        derivations: kept inferred triple → its derivation.
        unexplained: kept triples the engine inferred but no known rule explains.
        engine: ``reasonable`` or ``owlrl``.
        timings: seconds per step.
    """

    derivations: dict = field(default_factory=dict)
    unexplained: set = field(default_factory=set)
    engine: str = "reasonable"
    timings: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# domain rules
# --------------------------------------------------------------------------------------------

HEADER = re.compile(r"^#\s*(id|statement)\s*:\s*(.+?)\s*$", re.M)


def load_domain_rules(folder: Path = RULES_DIR, iris: IRIs | None = None) -> list[DomainRule]:
    """Parse every ``*.rq`` file of ``folder`` (sorted by name).

    Each file starts with comment lines ``# id: DR-…`` and ``# statement: If … then …``
    followed by one SPARQL CONSTRUCT query written with the default base.

    Raises:
        RuleError: a file lacks its id or statement, the statement is not ``If … then …``,
            the query does not parse or is not a CONSTRUCT, or two files share an id.
    """
    from rdflib.plugins.sparql import prepareQuery

    iris = iris or IRIs()
    rules, seen = [], set()
    for path in sorted(Path(folder).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        head = dict((k, v) for k, v in HEADER.findall(text))
        if "id" not in head or "statement" not in head:
            raise RuleError("domain rule needs '# id:' and '# statement:' header lines", path=str(path))
        if not re.match(r"^If .+ then .+", head["statement"]):
            raise RuleError("statement must read 'If … then …'", path=str(path))
        if head["id"] in seen:
            raise RuleError(f"duplicate rule id {head['id']}", path=str(path))
        seen.add(head["id"])
        if iris.base != DEFAULT_BASE:
            text = text.replace(DEFAULT_BASE, iris.base)
        try:
            q = prepareQuery(text)
        except Exception as exc:  # pyparsing raises several types
            raise RuleError(f"not valid SPARQL: {exc}", path=str(path)) from exc
        if q.algebra.name != "ConstructQuery":
            raise RuleError("a domain rule must be a CONSTRUCT query", path=str(path))
        template = list(q.algebra.template)
        patterns = _bgp_triples(q.algebra.p)
        m = re.search(r"\bCONSTRUCT\s*\{.*?\}\s*WHERE\s*", text, re.S | re.I)
        if not m:
            raise RuleError("expected 'CONSTRUCT { … } WHERE { … }'", path=str(path))
        select = text[:m.start()] + "SELECT * WHERE " + text[m.end():]
        rules.append(DomainRule(head["id"], head["statement"], text, select, template, patterns, path))
    return rules


def _bgp_triples(node) -> list:
    """The triple patterns of every BGP in a SPARQL algebra tree (not inside FILTER)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    out = []
    if isinstance(node, CompValue):
        if node.name == "BGP":
            out.extend(node.triples)
        for key in ("p", "p1", "p2"):
            if key in node:
                out.extend(_bgp_triples(node[key]))
    return out


def _ox(term):
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def bcp47_case(tag: str) -> str:
    """A language tag in the case BCP 47 recommends (RFC 5646 §2.1.1): language lower case,
    a four-letter script title case, a two-letter region upper case (``ja-hrkt`` →
    ``ja-Hrkt``, ``en-us`` → ``en-US``). pyoxigraph lowercases the tags it stores; the graph
    keeps the tags as the lexicon writes them."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for i, p in enumerate(parts[1:], 1):
        if any(len(q) == 1 for q in parts[1:i]):  # after a singleton (-x-, -u-): leave as is
            out.append(p.lower())
        elif len(p) == 4 and p.isalpha():
            out.append(p.title())
        elif len(p) == 2 and p.isalpha():
            out.append(p.upper())
        else:
            out.append(p.lower())
    return "-".join(out)


def _rd(term):
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=bcp47_case(term.language))
    if term.datatype and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return Literal(term.value)


def apply_domain_rules(rules: list[DomainRule], triples: set) -> dict:
    """Run every rule once over ``triples`` (pyoxigraph, in memory).

    Returns:
        dict triple → list of ``(rule_id, premises)`` for every triple a rule constructs
        (also those already in ``triples``; the caller keeps the new ones).
    """
    import pyoxigraph as ox
    from rdflib.term import Variable

    store = ox.Store()
    store.bulk_extend([ox.Quad(_ox(s), _ox(p), _ox(o)) for s, p, o in triples
                       if not isinstance(s, Literal) and isinstance(p, URIRef)])
    out: dict = defaultdict(list)
    for rule in rules:
        for row in store.query(rule.select):
            env = {}
            for v in _vars(rule):
                val = row[v] if _has(row, v) else None
                if val is not None:
                    env[Variable(v)] = _rd(val)

            premises = sorted({t for t in (_inst(p, env) for p in rule.patterns) if t and t in triples},
                              key=_key)
            for pattern in rule.template:
                t = _inst(pattern, env)
                if t and not isinstance(t[0], Literal):
                    out[t].append((rule.id, tuple(premises)))
    # deterministic order (query results follow hash order, which varies between processes)
    return {t: sorted(set(ds), key=lambda d: (d[0], [_key(x) for x in d[1]])) for t, ds in out.items()}


def _inst(pattern, env):
    """A triple pattern with its variables bound from ``env``, or None if one stays free."""
    from rdflib.term import Variable

    res = tuple(env.get(t, t) if isinstance(t, Variable) else t for t in pattern)
    return None if any(isinstance(t, Variable) for t in res) else res


def _vars(rule: DomainRule) -> list[str]:
    names = set()
    for pattern in list(rule.template) + list(rule.patterns):
        names.update(str(t) for t in pattern if t.__class__.__name__ == "Variable")
    return sorted(names)


def _has(row, name: str) -> bool:
    try:
        return row[name] is not None
    except (KeyError, IndexError):
        return False


# --------------------------------------------------------------------------------------------
# OWL 2 RL closure
# --------------------------------------------------------------------------------------------


def owl_closure(triples: set, engine: str = "reasonable") -> set:
    """The OWL 2 RL closure of ``triples`` (which include the ontology).

    Args:
        triples: base triples (rdflib terms).
        engine: ``reasonable`` or ``owlrl``.

    Returns:
        every triple of the closure (base included).

    Raises:
        ValueError: unknown engine.
    """
    if engine == "reasonable":
        import reasonable

        ifp = {s for s, p, o in triples if p == RDF.type and o == OWL.InverseFunctionalProperty}
        g = [t for t in triples if not (t[1] == RDF.type and t[2] == OWL.InverseFunctionalProperty)]
        closure = set(triples)
        while True:
            r = reasonable.PyReasoner()
            r.from_graph(g)
            out = {_norm(t) for t in r.reason()} | closure
            extra = _prp_ifp(out, ifp) - out
            if not extra:
                return out
            closure = out | extra
            g = [t for t in closure if not (t[1] == RDF.type and t[2] == OWL.InverseFunctionalProperty)]
    if engine == "owlrl":
        import owlrl

        g = Graph()
        for t in triples:
            g.add(t)
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                               datatype_axioms=False).expand(g)
        return set(g)
    raise ValueError(f"unknown reasoning engine {engine!r}")


XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


def _norm(t):
    """rdflib form of a triple from ``reasonable`` (plain literals come back as xsd:string,
    language tags lowercased: ``ja-hrkt`` is given back its BCP 47 case, ``ja-Hrkt``)."""
    o = t[2]
    if isinstance(o, Literal) and o.datatype == XSD_STRING and not o.language:
        return (t[0], t[1], Literal(str(o)))
    if isinstance(o, Literal) and o.language and o.language != bcp47_case(o.language):
        return (t[0], t[1], Literal(str(o), lang=bcp47_case(o.language)))
    return t


def _prp_ifp(triples: set, ifp: set) -> set:
    """prp-ifp: ``p`` inverse functional, ``x1 p y``, ``x2 p y`` → ``x1 owl:sameAs x2``."""
    by = defaultdict(set)
    for s, p, o in triples:
        if p in ifp:
            by[(p, o)].add(s)
    out = set()
    for subjects in by.values():
        for a in subjects:
            for b in subjects:
                if a != b:
                    out.add((a, OWL.sameAs, b))
    return out


def materialise(base: set, rules: list[DomainRule], engine: str = "reasonable") -> tuple[set, dict]:
    """Alternate OWL 2 RL closure and domain rules until nothing new appears.

    Returns:
        (closure, domain derivations: triple → list of (rule_id, premises)).
    """
    closure = owl_closure(base, engine)
    domain: dict = {}
    for _ in range(10):
        derived = apply_domain_rules(rules, closure) if rules else {}
        new = {t for t in derived if t not in closure}
        for t, ds in derived.items():
            if t not in base:
                domain.setdefault(t, ds)
        if not new:
            break
        closure = owl_closure(closure | new, engine)
    return closure, domain


# --------------------------------------------------------------------------------------------
# explanation
# --------------------------------------------------------------------------------------------


def _key(t):
    return tuple(x.n3() if hasattr(x, "n3") else str(x) for x in t)


class Explainer:
    """Find, for each triple of a closure, one rule application from already explained triples.

    Args:
        base: the base triples (explained at level 0).
        closure: the full closure.
        domain: domain rule derivations (triple → list of (rule_id, premises)).
    """

    def __init__(self, base: set, closure: set, domain: dict):
        self.base = base
        self.closure = closure
        self.domain = domain
        schema = [t for t in closure if not _is_instance_triple(t)]
        self.sub_of = defaultdict(set)      # D → {C : C subClassOf D}
        self.eq_cls = defaultdict(set)
        self.dom = defaultdict(set)         # D → {p : p domain D}
        self.rng = defaultdict(set)
        self.sub_prop = defaultdict(set)    # p → {q : q subPropertyOf p}
        self.eq_prop = defaultdict(set)
        self.inv = defaultdict(set)         # p → {q : p inverseOf q or q inverseOf p}
        self.symmetric, self.transitive, self.functional, self.inv_functional = set(), set(), set(), set()
        self.asserted = set()
        for s, p, o in schema:
            if p == RDFS.subClassOf and s != o:
                self.sub_of[o].add(s)
            elif p == OWL.equivalentClass and s != o:
                self.eq_cls[o].add(s)
                self.eq_cls[s].add(o)
            elif p == RDFS.domain:
                self.dom[o].add(s)
            elif p == RDFS.range:
                self.rng[o].add(s)
            elif p == RDFS.subPropertyOf and s != o:
                self.sub_prop[o].add(s)
            elif p == OWL.equivalentProperty and s != o:
                self.eq_prop[o].add(s)
                self.eq_prop[s].add(o)
            elif p == OWL.inverseOf:
                self.inv[s].add(o)
                self.inv[o].add(s)
            elif p == RDF.type and o == OWL.SymmetricProperty:
                self.symmetric.add(s)
            elif p == RDF.type and o == OWL.TransitiveProperty:
                self.transitive.add(s)
            elif p == RDF.type and o == OWL.FunctionalProperty:
                self.functional.add(s)
            elif p == RDF.type and o == OWL.InverseFunctionalProperty:
                self.inv_functional.add(s)
        self.asserted = {t for t in schema if t in base}

    def explain(self, wanted: set) -> tuple[dict, set]:
        """Explain every triple of ``wanted`` (a subset of the closure).

        Returns:
            (explained triple → Derivation for every triple needed, including intermediate
            ones not in ``wanted``; the triples of ``wanted`` left unexplained).
        """
        known = set(self.base) | {t for t in self.closure if not _is_instance_triple(t)}
        by_sp = defaultdict(set)        # (s, p) → objects
        by_po = defaultdict(set)        # (p, o) → subjects
        by_p_s = defaultdict(set)       # p → {(s, o)} for domain/range lookups
        for t in known:
            self._index(t, by_sp, by_po, by_p_s)
        pending = {t for t in self.closure if t not in known and _is_instance_triple(t)}
        derivs: dict = {}
        while pending:
            step = {}
            for t in sorted(pending, key=_key):
                d = self._one(t, known, by_sp, by_po, by_p_s)
                if d:
                    step[t] = d
            if not step:
                break
            for t, d in step.items():
                derivs[t] = d
                known.add(t)
                self._index(t, by_sp, by_po, by_p_s)
            pending -= set(step)
        return derivs, {t for t in wanted if t not in derivs and t not in self.base}

    @staticmethod
    def _index(t, by_sp, by_po, by_p_s):
        s, p, o = t
        by_sp[(s, p)].add(o)
        by_po[(p, o)].add(s)
        by_p_s[p].add((s, o))

    def _one(self, t, known, by_sp, by_po, by_p_s):  # noqa: C901 - one branch per rule
        s, p, o = t
        if t in self.domain:
            for rule_id, premises in self.domain[t]:
                if all(x in known for x in premises):
                    return Derivation(rule_id, premises)
        if p == RDF.type:
            for c in sorted(self.sub_of.get(o, ()), key=str):
                if (s, RDF.type, c) in known and (c, RDFS.subClassOf, o) in known:
                    return Derivation("cax-sco", ((s, RDF.type, c), (c, RDFS.subClassOf, o)))
            for c in sorted(self.eq_cls.get(o, ()), key=str):
                if (s, RDF.type, c) in known:
                    ax = (c, OWL.equivalentClass, o) if (c, OWL.equivalentClass, o) in known \
                        else (o, OWL.equivalentClass, c)
                    return Derivation("cax-eqc1" if ax[0] == c else "cax-eqc2", ((s, RDF.type, c), ax))
            for q in sorted(self.dom.get(o, ()), key=str):
                objs = by_sp.get((s, q))
                if objs:
                    return Derivation("prp-dom", ((s, q, min(objs, key=_key1)), (q, RDFS.domain, o)))
            for q in sorted(self.rng.get(o, ()), key=str):
                subs = by_po.get((q, s))
                if subs:
                    return Derivation("prp-rng", ((min(subs, key=_key1), q, s), (q, RDFS.range, o)))
            return None
        if p == OWL.sameAs:
            if (o, OWL.sameAs, s) in known:
                return Derivation("eq-sym", ((o, OWL.sameAs, s),))
            for q in sorted(self.functional, key=str):
                for x in sorted(by_po.get((q, s), ()), key=_key1):
                    if (x, q, o) in known:
                        return Derivation("prp-fp", ((q, RDF.type, OWL.FunctionalProperty), (x, q, s), (x, q, o)))
            for q in sorted(self.inv_functional, key=str):
                for y in sorted(by_sp.get((s, q), ()), key=_key1):
                    if (o, q, y) in known:
                        return Derivation("prp-ifp", ((q, RDF.type, OWL.InverseFunctionalProperty),
                                                      (s, q, y), (o, q, y)))
            for m in sorted(by_sp.get((s, OWL.sameAs), ()), key=_key1):
                if (m, OWL.sameAs, o) in known and m not in (s, o):
                    return Derivation("eq-trans", ((s, OWL.sameAs, m), (m, OWL.sameAs, o)))
        for q in sorted(self.sub_prop.get(p, ()), key=str):
            if (s, q, o) in known and (q, RDFS.subPropertyOf, p) in known:
                return Derivation("prp-spo1", ((s, q, o), (q, RDFS.subPropertyOf, p)))
        for q in sorted(self.eq_prop.get(p, ()), key=str):
            if (s, q, o) in known:
                ax = (q, OWL.equivalentProperty, p) if (q, OWL.equivalentProperty, p) in known \
                    else (p, OWL.equivalentProperty, q)
                return Derivation("prp-eqp1" if ax[0] == q else "prp-eqp2", ((s, q, o), ax))
        if not isinstance(o, Literal):
            for q in sorted(self.inv.get(p, ()), key=str):
                if (o, q, s) in known:
                    ax = (p, OWL.inverseOf, q) if (p, OWL.inverseOf, q) in known else (q, OWL.inverseOf, p)
                    return Derivation("prp-inv2" if ax[0] == p else "prp-inv1", ((o, q, s), ax))
            if p in self.symmetric and (o, p, s) in known:
                return Derivation("prp-symp", ((o, p, s), (p, RDF.type, OWL.SymmetricProperty)))
            if p in self.transitive:
                for m in sorted(by_sp.get((s, p), ()), key=_key1):
                    if m not in (s, o) and (m, p, o) in known:
                        return Derivation("prp-trp", ((s, p, m), (m, p, o), (p, RDF.type, OWL.TransitiveProperty)))
        # eq-rep-s / eq-rep-o: a triple copied through owl:sameAs
        for x in sorted(by_sp.get((s, OWL.sameAs), ()), key=_key1):
            if x != s and (x, p, o) in known:
                return Derivation("eq-rep-s", ((x, OWL.sameAs, s), (x, p, o)))
        if not isinstance(o, Literal):
            for x in sorted(by_sp.get((o, OWL.sameAs), ()), key=_key1):
                if x != o and (s, p, x) in known:
                    return Derivation("eq-rep-o", ((x, OWL.sameAs, o), (s, p, x)))
        return None


def _key1(x):
    return x.n3() if hasattr(x, "n3") else str(x)


SCHEMA_PREDICATES = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf,
                     OWL.equivalentClass, OWL.equivalentProperty, OWL.disjointWith,
                     OWL.propertyChainAxiom, OWL.unionOf, OWL.intersectionOf, OWL.onProperty}
SCHEMA_TYPES = {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.FunctionalProperty,
                OWL.InverseFunctionalProperty, RDF.Property, RDFS.Datatype, OWL.Restriction,
                OWL.AsymmetricProperty, OWL.IrreflexiveProperty, OWL.ReflexiveProperty,
                OWL.Ontology, OWL.AllDisjointClasses}


def _is_instance_triple(t) -> bool:
    s, p, o = t
    if p in SCHEMA_PREDICATES:
        return False
    return not (p == RDF.type and o in SCHEMA_TYPES)


# --------------------------------------------------------------------------------------------
# the stage
# --------------------------------------------------------------------------------------------


def keep(t, iris: IRIs) -> bool:
    """True for an inferred triple worth publishing: about a project entity or document,
    no blank node, not trivial (``owl:Thing``, ``rdfs:Resource``, reflexive ``owl:sameAs``)."""
    s, p, o = t
    if isinstance(s, (BNode, Literal)) or isinstance(o, BNode) or isinstance(p, BNode):
        return False
    if not (str(s).startswith(str(iris.res)) or str(s).startswith(str(iris.doc))):
        return False
    if p == RDF.type and o in TRIVIAL_OBJECTS:
        return False
    if p == OWL.sameAs and s == o:
        return False
    return True


def base_triples(ds, iris: IRIs, extensions: Path | None = EXTENSIONS) -> tuple[set, dict]:
    """The triples reasoning starts from, and for each the short name of its graph.

    Returns:
        (set of triples, triple → graph name of its first source in :data:`BASE_GRAPHS`,
        ``extensions`` for the vocabulary extensions).
    """
    source: dict = {}
    for name in BASE_GRAPHS:
        for t in ds.graph(iris.graph[name]):
            source.setdefault(t, name)
    if extensions and Path(extensions).exists():
        text = Path(extensions).read_text(encoding="utf-8")
        if iris.base != DEFAULT_BASE:
            text = text.replace(DEFAULT_BASE, iris.base)
        g = Graph().parse(data=text, format="turtle")
        for t in g:
            source.setdefault(t, "ontology")
    return set(source), source


def infer(ds, ontology=None, *, paths=None, engine: str = "reasonable", iris: IRIs | None = None,
          rules: list[DomainRule] | None = None) -> InferenceResult:
    """Add the OWL 2 RL closure and the domain rules' conclusions to ``graph/inferred``.

    Args:
        ds: the rdflib ``Dataset`` of the build (mutated: ``graph/inferred`` is replaced).
        ontology: the loaded :class:`spacekg.ontology.Ontology` (gives the IRIs).
        paths: :class:`spacekg.build.Paths` (rules under ``paths.root/ontology/rules``).
        engine: ``reasonable`` (default) or ``owlrl``.
        iris: namespaces when no ontology is given.
        rules: domain rules (default: loaded from the rules folder).

    Returns:
        InferenceResult with every kept triple's derivation.

    Raises:
        RuleError: a malformed domain rule file.
    """
    iris = iris or (ontology.iris if ontology is not None else IRIs())
    root = Path(paths.root) if paths is not None else ROOT
    timings = {}
    t0 = time.perf_counter()
    if rules is None:
        rules = load_domain_rules(root / "ontology" / "rules", iris)
    base, source = base_triples(ds, iris, root / "ontology" / "extensions.ttl")
    closure, domain = materialise(base, rules, engine)
    timings["closure"] = time.perf_counter() - t0
    t = time.perf_counter()
    wanted = {x for x in closure if x not in base and keep(x, iris)}
    derivs, unexplained = Explainer(base, closure, domain).explain(wanted)
    timings["explain"] = time.perf_counter() - t
    if unexplained:
        log.warning("%d inferred triples no known rule explains (e.g. %s)", len(unexplained),
                    min(unexplained, key=_key))
    kept = {x: d for x, d in derivs.items() if x in wanted}
    t = time.perf_counter()
    write_inferred(ds, kept, derivs, source, iris)
    timings["write"] = time.perf_counter() - t
    return InferenceResult(kept, unexplained, engine, timings)


def write_inferred(ds, kept: dict, derivs: dict, source: dict, iris: IRIs) -> Graph:
    """Replace ``graph/inferred`` of ``ds`` with the kept triples and their statement nodes.

    Intermediate derivations (premises that are inferred but not kept, e.g. a schema.org type
    of a blank node) are not published; a kept triple whose premise is such an intermediate
    triple points to a plain statement node of that premise.
    """
    gid = iris.graph["inferred"]
    old = ds.graph(gid)
    if len(old):
        ds.remove_graph(old)
    g = ds.graph(gid)
    for t, d in sorted(kept.items(), key=lambda kv: _key(kv[0])):
        g.add(t)
        st = statement_iri(iris, *t)
        _statement(g, st, t)
        g.add((st, PROV.wasGeneratedBy, iris.rule[d.rule]))
        for prem in d.premises:
            pst = statement_iri(iris, *prem)
            g.add((st, PROV.wasDerivedFrom, pst))
            if prem in kept:
                continue
            name = source.get(prem)
            if name == "stated":
                continue  # its node is in graph/evidence
            _statement(g, pst, prem)
            if name:
                g.add((pst, PROV.hadPrimarySource, iris.graph[name]))
            elif prem in derivs:
                g.add((pst, PROV.wasGeneratedBy, iris.rule[derivs[prem].rule]))
            elif not _is_instance_triple(prem):
                g.add((pst, PROV.wasGeneratedBy, iris.rule["scm"]))  # OWL 2 RL schema rules
    return g


def _statement(g: Graph, node, t) -> None:
    g.add((node, RDF.type, RDF.Statement))
    g.add((node, RDF.subject, t[0]))
    g.add((node, RDF.predicate, t[1]))
    g.add((node, RDF.object, t[2]))
