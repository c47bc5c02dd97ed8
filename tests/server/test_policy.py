"""The query policy (spacekg.server.policy) and the query workers (spacekg.server.querypool)
on their own: escapes, nesting bounds, SERVICE/LOAD targets from rdflib's parse, and the
supervisor stopping a runaway query in a worker and replacing it."""

from __future__ import annotations

import time

import pytest
from rdflib import Literal, URIRef
from sparql_support import SAMPLE, SK

from spacekg.server.policy import (
    NESTING_LIMIT,
    OPENER_BUDGET,
    REFUSED,
    PolicyError,
    QueryPolicy,
    decode_escapes,
    nesting,
    run_select,
    service_targets,
)


def test_escapes_are_decoded_before_anything_else():
    assert decode_escapes(r"SERV\u0049CE <urn:\U00000061>") == "SERVICE <urn:a>"
    with pytest.raises(PolicyError):
        decode_escapes(r"\uD800")


def test_nesting_counts_every_bracket_and_opener():
    assert nesting("SELECT * { { ?s ?p ?o } }") == (2, 3)
    # closing brackets in a string lower the depth, but never the openers
    depth, openers = nesting('{ "}" ' * 10 + "}" * 10)
    assert depth == 1 and openers == 10
    assert nesting("{ ?s ?p ?o } UNION { ?s ?p ?o }")[1] == 3


@pytest.mark.parametrize(("text", "base", "expected"), [
    ("SELECT * { SERVICE <http://a/sparql> { } }", None, ["http://a/sparql"]),
    ("PREFIX e: <http://a/> SELECT * { SERVICE SILENT e:x { } }", None, ["http://a/x"]),
    ("BASE <http://a/b/> SELECT * { SERVICE <c> { } }", None, ["http://a/b/c"]),
    ("SELECT * { SERVICE <sparql> { } }", "http://host:5000/sparql", ["http://host:5000/sparql"]),
    ("SELECT * { SERVICE ?e { } }", None, [None]),
    ("PREFIX e: <urn:> SELECT * { BIND(e:a\\# AS ?x) SERVICE <http://b/> { } }", None, ["http://b/"]),
    ("SELECT * { BIND(<urn:a#> AS ?x) SERVICE <http://b/> { } }", None, ["http://b/"]),
    ("SELECT * { ?s ?p 'SERVICE <http://c/>' } # SERVICE <http://d/>", None, []),
])
def test_service_targets_from_the_parse(text, base, expected):
    assert service_targets(text, base=base) == expected


def test_load_targets_of_updates():
    text = "PREFIX e: <http://a/> LOAD e:x ; LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:g>"
    assert service_targets(text, update=True) == ["http://a/x", "file:///etc/passwd"]


def test_policy_refusals():
    pol = QueryPolicy(allow=["https://query.wikidata.org/sparql", "example.org"])
    pol.check_query("SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }")
    pol.check_query("SELECT * { SERVICE <https://example.org/any/path> { ?s ?p ?o } }")
    for text in ("SELECT * { SERVICE <https://query.wikidata.org/sparql/x> { } }",
                 "SELECT * { SERVICE <ftp://example.org/> { } }",
                 "SELECT * { sErViCe <http://127.0.0.1:22/> { } }"):
        with pytest.raises(PolicyError) as exc:
            pol.check_query(text)
        assert (exc.value.status, exc.value.message) == (403, REFUSED)
    with pytest.raises(PolicyError) as exc:
        pol.check_query("SELECT * " + "{" * (NESTING_LIMIT + 1) + "}" * (NESTING_LIMIT + 1))
    assert exc.value.status == 400
    with pytest.raises(PolicyError):
        pol.check_query("ASK { FILTER(" + "!" * (OPENER_BUDGET + 1) + "true) }")
    with pytest.raises(PolicyError) as exc:  # rdflib cannot parse it: refused, not let through
        pol.check_query("SELECT * { SERVICE <http://a/> { ?s ?p } }")
    assert exc.value.status == 400


def test_run_select_in_process(make_app):
    app = make_app()
    res = run_select(app, "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
                     {"s": URIRef(SK + "resource/jaxa")})
    assert Literal("JAXA", lang="en") in [r["l"] for r in res.rows]
    with pytest.raises(PolicyError):
        run_select(app, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")


def test_workers_stop_runaway_queries_and_are_replaced():
    from spacekg.server import create_app
    from spacekg.server.querypool import QueryStopped, start_pool

    app = create_app({"SPACEKG_DATA": [str(SAMPLE)], "SPACEKG_TIMEOUT": 4,
                      "SPACEKG_WORKER_MEMORY_MB": 512, "TESTING": True})
    pool = start_pool(app, 1)
    try:
        first = pool.worker_pids()
        q = "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        res = run_select(app, q, {"s": URIRef(SK + "resource/jaxa")})
        assert [str(r["l"]) for r in res.rows]
        bomb = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }")
        t0 = time.monotonic()
        with pytest.raises(QueryStopped):
            run_select(app, bomb)
        assert time.monotonic() - t0 < 6
        deadline = time.monotonic() + 30
        while pool.worker_pids() in ([], first) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pool.worker_pids() and pool.worker_pids() != first  # killed and replaced
        assert run_select(app, q, {"s": URIRef(SK + "resource/jaxa")}).rows
        # a string doubled 30 times (8 GiB) passes the 512 MiB limit long before the timeout
        doubling = " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(30))
        t0 = time.monotonic()
        with pytest.raises(QueryStopped, match="memory"):
            run_select(app, f'SELECT (STRLEN(?x30) AS ?n) WHERE {{ BIND("aaaaaaaa" AS ?x0) {doubling} }}')
        assert time.monotonic() - t0 < 4
        assert run_select(app, q, {"s": URIRef(SK + "resource/jaxa")}).rows  # a new worker answers
        with pytest.raises(PolicyError) as exc:  # checked in the worker, same answer
            run_select(app, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
        assert exc.value.message == REFUSED
    finally:
        pool.close()
