"""OWL 2 DL consistency (HermiT via owlready2): the real graph is consistent; a broken copy is
not, and the culprit is named by label; unsatisfiable classes are reported; without Java the
check says it is skipped."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, XSD, Dataset, Literal

from spacekg import consistency

needs_java = pytest.mark.skipif(consistency.java_available() is None,
                                reason="no Java runtime: the HermiT consistency check cannot run here")


def small_copy(built, iris, extra=()):
    """A dataset with the graphs the DL check reads, plus ``extra`` triples in graph/stated."""
    ds = Dataset()
    for name in consistency.GRAPHS:
        g = ds.graph(iris.graph[name])
        for t in built.dataset.graph(iris.graph[name]):
            g.add(t)
    for t in extra:
        ds.graph(iris.graph["stated"]).add(t)
    return ds


@needs_java
def test_real_graph_is_consistent(built, iris):
    report = consistency.check(built.dataset, iris)
    assert report.skipped is None
    assert report.consistent is True, report.summary()
    assert report.unsatisfiable == []
    assert report.triples > 5000


@needs_java
def test_disjointness_violation_is_found_and_named(built, iris):
    """SLIM (a Lander and Mission) also typed an Organization: inconsistent, SLIM named."""
    ds = small_copy(built, iris, [(iris.res["slim"], RDF.type, iris.sk.Organization)])
    report = consistency.check(ds, iris)
    assert report.consistent is False
    assert [iri for iri, _ in report.culprits] == [str(iris.res["slim"])]
    assert "Smart Lander for Investigating Moon" in report.summary()


@needs_java
def test_range_violation_through_domain_is_found(built, iris):
    """A document used as the subject of sk:date (domain Event) is an Event, and Document and
    Event are disjoint: HermiT finds what no single stated type shows."""
    doc = next(iter(built.dataset.graph(iris.graph["documents"]).subjects(RDF.type, iris.sk.Document)))
    ds = small_copy(built, iris, [(doc, iris.sk.date, Literal("2020-01-01", datatype=XSD.date))])
    report = consistency.check(ds, iris)
    assert report.consistent is False
    assert str(doc) in [iri for iri, _ in report.culprits]


@needs_java
def test_unsatisfiable_class_is_reported(built, iris):
    """A class declared a subclass of two disjoint classes is unsatisfiable and named."""
    bad = iris.sk["OrganizationMission"]
    ds = small_copy(built, iris)
    onto = ds.graph(iris.graph["ontology"])
    onto.add((bad, RDF.type, OWL.Class))
    onto.add((bad, RDFS.label, Literal("organization-mission", lang="en")))
    onto.add((bad, RDFS.subClassOf, iris.sk.Organization))
    onto.add((bad, RDFS.subClassOf, iris.sk.Mission))
    report = consistency.check(ds, iris)
    assert report.consistent is True
    assert (str(bad), "organization-mission") in report.unsatisfiable


def test_missing_java_is_reported_not_silent(built, iris, monkeypatch):
    monkeypatch.setattr(consistency, "java_available", lambda: None)
    report = consistency.check(built.dataset, iris)
    assert report.consistent is None and report.skipped
    assert "SKIPPED" in report.summary() and "Java" in report.summary()


def test_hermit_input_has_only_owl2_datatypes(built, iris):
    g = consistency.dl_graph(built.dataset, iris)
    dts = {o.datatype for _, _, o in g if isinstance(o, Literal) and o.datatype is not None}
    assert dts <= consistency.OWL2_DATATYPES
    assert (iris.sk.dateValue, OWL.equivalentClass, None) not in g


@needs_java
def test_large_graph_checks_a_module_that_keeps_the_culprit(built, iris):
    """Above max_triples HermiT sees the TBox, the disjointness suspects and a sample: the
    report says so, and SLIM typed an Organization is still found."""
    ds = small_copy(built, iris, [(iris.res["slim"], RDF.type, iris.sk.Organization)])
    whole = len(consistency.dl_graph(ds, iris))
    report = consistency.check(ds, iris, max_triples=whole // 2)
    assert report.scope.startswith("module: TBox + ") and "disjointness suspects" in report.scope
    assert report.triples < whole
    assert report.consistent is False
    assert [iri for iri, _ in report.culprits] == [str(iris.res["slim"])]
    assert "module:" in report.summary()
    ok = consistency.check(built.dataset, iris, max_triples=whole // 2)
    assert ok.consistent is True and ok.scope.startswith("module:"), ok.summary()
