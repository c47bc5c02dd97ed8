"""Inference on the real corpus: its own graph, provenance of every inferred triple, and the
cross-check of the two OWL 2 RL engines.

``reasonable`` (Rust) is the engine of the build; ``owlrl`` (pure Python, the RDFLib project's
reference implementation of the OWL 2 RL rule set) is the reference it is compared with.

How their outputs differ, and why the comparison is on the *kept* triples:

* ``owlrl`` also materialises what OWL 2 RL says about literals and datatypes (``"…" a
  rdfs:Literal``, ``xsd:string`` typing, datatype axioms), ``owl:sameAs`` of every node with
  itself, and schema triples about the ontology terms (``scm-*``); ``reasonable`` leaves most
  of these out. None of them is about a project entity, or they are trivial, so :func:`keep`
  drops them from ``graph/inferred`` either way.
* ``reasonable`` 0.4.4 implements ``prp-ifp`` (inverse-functional properties) without joining
  on the shared value: every two subjects of ``sk:hasAgendaItem`` (all the meetings) would be
  ``owl:sameAs``. :mod:`spacekg.reason` withholds the ``owl:InverseFunctionalProperty``
  declarations from it and applies ``prp-ifp`` itself; ``test_reasonable_prp_ifp_defect``
  shows the defect, ``test_engines_agree_on_kept_triples`` that the result then matches owlrl.
* ``reasonable`` returns plain literals as ``xsd:string`` literals; they are normalised back.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
from rdflib import OWL, RDF, RDFS, Dataset, Graph, URIRef

from spacekg import reason
from spacekg.config import PROV

OWL_RL_RULES = {"cax-sco", "cax-eqc1", "cax-eqc2", "prp-dom", "prp-rng", "prp-spo1", "prp-eqp1", "prp-eqp2",
                "prp-inv1", "prp-inv2", "prp-symp", "prp-trp", "prp-fp", "prp-ifp", "eq-sym", "eq-trans",
                "eq-rep-s", "eq-rep-o"}


@pytest.fixture(scope="module")
def graphs(built, iris):
    ds = built.dataset
    return {n: ds.graph(iris.graph[n]) for n in ("stated", "entities", "evidence", "inferred", "documents")}


def statements(g: Graph) -> dict:
    """statement node → (s, p, o) for the rdf:Statement nodes of ``g``."""
    return {n: (g.value(n, RDF.subject), g.value(n, RDF.predicate), g.value(n, RDF.object))
            for n in g.subjects(RDF.type, RDF.Statement)}


def inferred_triples(g: Graph) -> set:
    skip = {RDF.subject, RDF.predicate, RDF.object, PROV.wasGeneratedBy, PROV.wasDerivedFrom, PROV.hadPrimarySource}
    return {(s, p, o) for s, p, o in g if p not in skip and not (p == RDF.type and o == RDF.Statement)}


def test_inferred_graph_is_separate_and_new(graphs, iris):
    """graph/inferred holds thousands of triples, none of them stated or in the lexicon, and
    nothing was added to graph/stated."""
    inf = inferred_triples(graphs["inferred"])
    assert len(inf) > 1000
    assert not inf & set(graphs["stated"])
    assert not inf & set(graphs["entities"])
    assert not inf & set(graphs["documents"])
    assert not any(p == PROV.wasGeneratedBy for _, p, _ in graphs["stated"])


def test_no_trivial_or_foreign_triples(graphs, iris):
    """Only triples about project entities/documents; no owl:Thing, rdfs:Resource, reflexive
    sameAs, blank nodes."""
    for s, p, o in inferred_triples(graphs["inferred"]):
        assert str(s).startswith((str(iris.res), str(iris.doc))), s
        assert o not in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual)
        assert not (p == OWL.sameAs and s == o)
        assert reason.keep((s, p, o), iris)


def test_what_the_closure_says(graphs, iris):
    """Known consequences: subclass (SLIM, a Lander, is a Spacecraft), inverse (JAXA develops
    PROCYON ⇒ PROCYON developedBy JAXA), alignment (schema:Organization), symmetric cooperation."""
    inf = inferred_triples(graphs["inferred"])
    sk, res = iris.sk, iris.res
    assert (res["slim"], RDF.type, sk.Spacecraft) in inf
    assert (res["jaxa"], sk.develops, res["procyon"]) in graphs["stated"]
    assert (res["procyon"], sk.developedBy, res["jaxa"]) in inf
    assert (res["jaxa"], RDF.type, URIRef("https://schema.org/Organization")) in inf
    coop = [(s, o) for s, p, o in graphs["stated"] if p == sk.cooperatesWith]
    assert coop
    for s, o in coop:
        assert (o, sk.cooperatesWith, s) in inf or (o, sk.cooperatesWith, s) in graphs["stated"]


def test_every_inferred_triple_says_why(graphs, iris):
    """Each inferred triple has one statement node with its rule (OWL 2 RL id or domain rule id)
    and premises that resolve to statement nodes: stated ones in graph/evidence, the others in
    graph/inferred (inferred, or with the graph they come from)."""
    inf_g, ev_g = graphs["inferred"], graphs["evidence"]
    nodes = statements(inf_g)
    by_triple = {t: n for n, t in nodes.items()}
    ev_nodes = statements(ev_g)
    rule_ids = Counter()
    inferred_nodes = {by_triple.get(x) for x in inferred_triples(inf_g)}
    for t in inferred_triples(inf_g):
        n = by_triple.get(t)
        assert n is not None, f"no statement node for {t}"
        rules = list(inf_g.objects(n, PROV.wasGeneratedBy))
        assert len(rules) == 1
        rid = str(rules[0])[len(str(iris.rule)):]
        assert rid in OWL_RL_RULES or rid.startswith("DR-"), rid
        rule_ids[rid] += 1
        premises = list(inf_g.objects(n, PROV.wasDerivedFrom))
        assert premises, f"no premises for {t}"
        for p in premises:
            assert p in nodes or p in ev_nodes, f"premise {p} of {t} is not a statement node"
            if p in nodes and p not in inferred_nodes:
                assert (p, PROV.hadPrimarySource, None) in inf_g or (p, PROV.wasGeneratedBy, None) in inf_g
    assert {"cax-sco", "prp-inv1", "prp-inv2", "prp-symp", "prp-trp", "prp-spo1"} & set(rule_ids)
    assert any(r.startswith("DR-") for r in rule_ids)


def test_derivations_are_well_founded(graphs):
    """Following prov:wasDerivedFrom between inferred statement nodes never loops."""
    g = graphs["inferred"]
    edges = {n: [p for p in g.objects(n, PROV.wasDerivedFrom) if (p, PROV.wasGeneratedBy, None) in g]
             for n in g.subjects(PROV.wasGeneratedBy, None)}
    state = {}

    def visit(n):
        if state.get(n) == 1:
            raise AssertionError(f"cycle through {n}")
        if state.get(n) == 2:
            return
        state[n] = 1
        for m in edges.get(n, ()):
            visit(m)
        state[n] = 2

    sys.setrecursionlimit(10000)
    for n in edges:
        visit(n)


@pytest.fixture(scope="module")
def base(built, iris):
    return reason.base_triples(built.dataset, iris)[0]


def test_engines_agree_on_kept_triples(base, iris):
    """reasonable and owlrl give the same kept triples on the real graph (see module docstring
    for the differences outside them)."""
    a = reason.owl_closure(base, "reasonable")
    b = reason.owl_closure(base, "owlrl")
    ka = {t for t in a - base if reason.keep(t, iris)}
    kb = {t for t in b - base if reason.keep(t, iris)}
    assert len(ka) > 1000
    assert ka == kb, (sorted(ka - kb)[:5], sorted(kb - ka)[:5])
    # the full closures do differ (owlrl materialises more about literals and the schema)
    assert len(b) != len(a)


def test_reasonable_prp_ifp_defect():
    """reasonable 0.4.4 joins prp-ifp on the property only; our closure does not inherit it."""
    import reasonable

    g = Graph().parse(data="""
        @prefix : <http://e/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        :has a owl:ObjectProperty, owl:InverseFunctionalProperty .
        :m1 :has :i1 . :m2 :has :i2 . :m3 :has :i2 .""", format="turtle")
    r = reasonable.PyReasoner()
    r.from_graph(g)
    raw = set(r.reason())
    e = "http://e/"
    if (URIRef(e + "m1"), OWL.sameAs, URIRef(e + "m2")) not in raw:
        pytest.skip("reasonable no longer has the prp-ifp defect: the workaround can go")
    ours = reason.owl_closure(set(g), "reasonable")
    assert (URIRef(e + "m1"), OWL.sameAs, URIRef(e + "m2")) not in ours
    assert (URIRef(e + "m2"), OWL.sameAs, URIRef(e + "m3")) in ours     # the real prp-ifp consequence


def test_no_unexplained_and_deterministic(built_dir, built, iris):
    """Inference rerun on the published graph finds the same triples, all explained."""
    ds = Dataset()
    ds.parse(built_dir / "spacekg.nq", format="nquads")
    before = set(ds.graph(iris.graph["inferred"]))
    result = reason.infer(ds, iris=iris)
    assert not result.unexplained
    assert set(ds.graph(iris.graph["inferred"])) == before == set(built.dataset.graph(iris.graph["inferred"]))


def test_reason_command_rewrites_inferred(built_dir, tmp_path, iris):
    """`spacekg reason` on a build whose graph/inferred was removed puts it back, identical."""
    import shutil

    out = tmp_path / "b"
    shutil.copytree(built_dir, out)
    lines = (out / "spacekg.nq").read_text(encoding="utf-8").splitlines(keepends=True)
    inferred_iri = f"<{iris.graph['inferred']}>"
    kept = [ln for ln in lines if not ln.rstrip().endswith(f"{inferred_iri} .")]
    assert len(kept) < len(lines)
    (out / "spacekg.nq").write_text("".join(kept), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "spacekg", "reason", "--build", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "cax-sco" in proc.stdout
    assert sorted((out / "spacekg.nq").read_text(encoding="utf-8").splitlines()) == sorted(ln.rstrip("\n") for ln in lines)
    assert (out / "report.json").exists() and (out / "spacekg.ttl").exists()


def test_language_tags_keep_bcp47_case(graphs, iris):
    """pyoxigraph lowercases language tags; the inferred skos:altLabel of a kana reading keeps
    the lexicon's @ja-Hrkt (RFC 5646 case: script title case, region upper case)."""
    from rdflib import SKOS

    assert reason.bcp47_case("ja-hrkt") == "ja-Hrkt"
    assert reason.bcp47_case("EN-us") == "en-US"
    assert reason.bcp47_case("en-x-abcd") == "en-x-abcd"
    inferred = graphs["inferred"]
    tags = {o.language for o in inferred.objects(None, SKOS.altLabel) if o.language}
    assert "ja-Hrkt" in tags and "ja-hrkt" not in tags, tags
