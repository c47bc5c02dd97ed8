"""W3C SPARQL 1.0 and 1.1 query tests (evaluation, syntax, result formats) over HTTP.

Each test's dataset is loaded through the Graph Store Protocol, its query sent to /sparql and
the answer compared with exact literals (see w3c_support). Known engine failures are strict
xfails (known_failures.QUERY); the last test checks that the endpoint passes at least as many
tests as Oxigraph 0.5 in process, with the same comparison.
"""

from __future__ import annotations

from collections import Counter

import pytest
from known_failures import QUERY as KNOWN
from sparql_support import TOKEN
from w3c_support import ROOT, HttpRunner, judge, query_tests, run_in_process

pytestmark = pytest.mark.slow

TESTS = query_tests() if ROOT.is_dir() else []
EXPECTED_COUNTS = {"QueryEvaluationTest": 515, "PositiveSyntaxTest": 149, "PositiveSyntaxTest11": 63,
                   "NegativeSyntaxTest": 50, "NegativeSyntaxTest11": 40, "CSVResultFormatTest": 3}


def _id(t):
    return t.iri.split("/")[-2] + "#" + t.iri.rsplit("#", 1)[-1]


@pytest.fixture(scope="module")
def runner(conformance_server):
    return HttpRunner(conformance_server.url, TOKEN)


def test_collected_every_test():
    assert Counter(t.kind for t in TESTS) == EXPECTED_COUNTS
    assert len(TESTS) == 820
    assert set(KNOWN) <= {t.iri for t in TESTS}  # no stale xfail


@pytest.mark.parametrize("test", TESTS, ids=_id)
def test_w3c_query(test, runner, request):
    if test.iri in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[test.iri], strict=True))
    reason = judge(test, runner.run(test))
    assert reason is None, reason


def test_endpoint_passes_at_least_oxigraph_in_process(runner, capsys):
    http = {t.iri for t in TESTS if judge(t, runner.run(t)) is None}
    local = {t.iri for t in TESTS if judge(t, run_in_process(t)) is None}
    with capsys.disabled():
        print(f"\nW3C query tests: endpoint {len(http)}/{len(TESTS)}, Oxigraph in process "
              f"{len(local)}/{len(TESTS)}")
    assert len(http) >= len(local)
    assert local - http == set()
    # the xfail list is exactly what the engine fails
    assert {t.iri for t in TESTS} - local == set(KNOWN)
