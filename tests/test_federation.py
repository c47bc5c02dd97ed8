"""Federated queries end to end, offline (issue 6).

A local Oxigraph server (the ``oxigraph`` PyPI package) holds a small Wikidata-shaped extract
(tests/data/wikidata/extract.ttl) and stands in for the Wikidata Query Service; ``spacekg serve``
serves the real build's entities and ontology with its SERVICE allow-list pointing at the
stand-in. The queries are those of docs/FEDERATION.md with the SERVICE IRI swapped.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from spacekg.config import ROOT
from spacekg.server.policy import REFUSED

pytestmark = pytest.mark.skipif(shutil.which("oxigraph") is None,
                                reason="the oxigraph server (pip install oxigraph) is not installed")

EXTRACT = ROOT / "tests" / "data" / "wikidata" / "extract.ttl"
DOC = ROOT / "docs" / "FEDERATION.md"
WIKIDATA = "https://query.wikidata.org/sparql"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not come up in {seconds} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def wikidata_stand_in(tmp_path_factory):
    """The local Oxigraph SPARQL endpoint holding the extract: its /query URL."""
    folder = tmp_path_factory.mktemp("wikidata")
    subprocess.run(["oxigraph", "load", "--location", str(folder / "store"), "--file", str(EXTRACT)],
                   check=True, capture_output=True, timeout=60)
    port = free_port()
    proc = subprocess.Popen(["oxigraph", "serve-read-only", "--location", str(folder / "store"),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_for(f"{url}?query=ASK%7B%7D", proc)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def endpoint(built, iris, wikidata_stand_in, tmp_path_factory):
    """``spacekg serve`` over the real entities + ontology graphs, allowed to call the stand-in."""
    folder = tmp_path_factory.mktemp("ours")
    files = []
    for name in ("entities", "ontology"):
        path = folder / f"{name}.nt"
        built.dataset.graph(iris.graph[name]).serialize(path, format="nt", encoding="utf-8")
        files += ["--data", str(path)]
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "spacekg", "serve", "--port", str(port), *files,
                             "--allow-service", wikidata_stand_in, "--timeout", "20"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        wait_for(f"{url}?query=ASK%7B%7D", proc, seconds=60)
        yield url
    finally:
        stop(proc)


def run(url: str, query: str) -> tuple[int, dict | str]:
    data = urllib.parse.urlencode({"query": query}).encode()
    req = urllib.request.Request(url, data=data, headers={
        "Accept": "application/sparql-results+json",
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def doc_queries() -> dict[str, str]:
    """The ```sparql blocks of docs/FEDERATION.md that carry a ``# name:`` first line."""
    text = DOC.read_text(encoding="utf-8")
    out = {}
    for block in text.split("```sparql")[1:]:
        body = block.split("```", 1)[0].strip()
        first = body.splitlines()[0]
        if first.startswith("# name:"):
            out[first.split(":", 1)[1].strip()] = body
    return out


def rows(result: dict) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


def test_documented_queries_name_the_wikidata_service():
    queries = doc_queries()
    assert {"inception", "country-check", "types"} <= set(queries)
    for q in queries.values():
        assert f"SERVICE <{WIKIDATA}>" in q


def test_inception_of_every_linked_organisation(endpoint, wikidata_stand_in):
    query = doc_queries()["inception"].replace(WIKIDATA, wikidata_stand_in)
    status, result = run(endpoint, query)
    assert status == 200, result
    got = {(r["entity"].rsplit("/", 1)[-1], r["inception"][:10]) for r in rows(result)}
    assert got == {("jaxa", "2003-10-01"), ("esa", "1975-05-30")}
    labels = {r["entity"].rsplit("/", 1)[-1]: r["label"] for r in rows(result)}
    assert labels["jaxa"] == "宇宙航空研究開発機構"  # our label, joined with their date


def test_country_cross_check(endpoint, wikidata_stand_in):
    """Wikidata's P17 of a linked entity, mapped back to our entity through the links."""
    query = doc_queries()["country-check"].replace(WIKIDATA, wikidata_stand_in)
    status, result = run(endpoint, query)
    assert status == 200, result
    got = {(r["entity"].rsplit("/", 1)[-1], r["country"].rsplit("/", 1)[-1]) for r in rows(result)}
    assert ("jaxa", "japan") in got


def test_types_agree_through_the_alignment(endpoint, wikidata_stand_in):
    query = doc_queries()["types"].replace(WIKIDATA, wikidata_stand_in)
    status, result = run(endpoint, query)
    assert status == 200, result
    got = {(r["entity"].rsplit("/", 1)[-1], r["class"].rsplit("#", 1)[-1]) for r in rows(result)}
    assert {("jaxa", "SpaceAgency"), ("esa", "SpaceAgency"), ("japan", "Country")} <= got


def test_service_to_another_host_is_refused(endpoint):
    status, body = run(endpoint, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert status == 403 and body.strip() == REFUSED
    status, body = run(endpoint, "SELECT * WHERE { BIND(<http://127.0.0.1:9/sparql> AS ?e) "
                                 "SERVICE ?e { ?s ?p ?o } }")
    assert status in (400, 403)


def test_extract_is_wikidata_shaped():
    from rdflib import Graph

    g = Graph().parse(EXTRACT)
    for s, p, _o in g:
        assert str(s).startswith("http://www.wikidata.org/entity/Q")
        assert str(p).startswith(("http://www.wikidata.org/prop/direct/P",
                                  "http://www.w3.org/2000/01/rdf-schema#label"))
