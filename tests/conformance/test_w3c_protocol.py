"""W3C SPARQL 1.1 Protocol tests (sparql11/protocol/manifest.ttl) against `spacekg serve`.

Requests are sent as the manifest writes them (method, path under /sparql/, headers, body in
its declared encoding), plus the maintainers' bearer token so that update tests may write.
"""

from __future__ import annotations

import pytest
from known_failures import PROTOCOL as KNOWN
from sparql_support import TOKEN
from w3c_support import ROOT, protocol_tests, run_protocol_test

pytestmark = pytest.mark.slow

TESTS = protocol_tests() if ROOT.is_dir() else []


def test_collected_every_protocol_test():
    assert len(TESTS) == 34
    assert sum(len(t.requests) for t in TESTS) == 39


@pytest.mark.parametrize("test", TESTS, ids=lambda t: t.iri.rsplit("#", 1)[-1])
def test_w3c_protocol(test, conformance_server, request):
    if test.iri in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[test.iri], strict=True))
    reason = run_protocol_test(test, conformance_server.url, TOKEN)
    assert reason is None, reason


def test_updates_need_the_token(conformance_server):
    """The harness adds the token; without it every update test's first request is refused."""
    import requests

    r = requests.post(conformance_server.endpoint, data={"update": "CLEAR ALL"})
    assert r.status_code == 401
