"""`spacekg publish` into real SPARQL 1.1 stores (Virtuoso Open Source 7.2 from Debian, the
Oxigraph server), and `spacekg serve --store-url` reading from them."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from sparql_support import LiveServer
from store_servers import ISQL, OXIGRAPH, VIRTUOSO, OxigraphServer, VirtuosoServer

from spacekg.config import IRIs
from spacekg.server.deploy import publish_build
from spacekg.server.store import RemoteStore, StoreUnavailable

pytestmark = pytest.mark.slow
G = IRIs().graph
RECORD = str(G["publication"])
JSON = {"Accept": "application/sparql-results+json"}

needs_virtuoso = pytest.mark.skipif(
    VIRTUOSO is None or ISQL is None,
    reason="virtuoso-t/isql-vt absent: apt-get install virtuoso-opensource (make system-deps does)")
needs_oxigraph = pytest.mark.skipif(OXIGRAPH is None, reason="the oxigraph server (pip install oxigraph) is absent")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    if VIRTUOSO is None or ISQL is None:
        pytest.skip("virtuoso-t/isql-vt absent: apt-get install virtuoso-opensource")
    srv = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    if OXIGRAPH is None:
        pytest.skip("the oxigraph server is absent")
    srv = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db", union=True)
    yield srv
    srv.stop()


def graph_counts(url: str, *, prefix: str = str(G)) -> dict[str, int]:
    r = requests.get(url, params={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
                     headers=JSON, timeout=60)
    r.raise_for_status()
    return {b["g"]["value"]: int(b["n"]["value"]) for b in r.json()["results"]["bindings"]
            if b["g"]["value"].startswith(prefix)}


def file_counts(nq: Path) -> dict[str, int]:
    return dict(Counter(q.graph_name.value for q in ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS)))


def spacekg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "spacekg", *args], capture_output=True, text=True, timeout=900)


def smaller_build(built_nq: Path, dest: Path) -> Path:
    """The build without its inferred graph and with the stated graph cut to its first half
    (what the store must forget on the next publish)."""
    dest.mkdir(parents=True, exist_ok=True)
    stated = str(G["stated"])
    keep, seen = [], 0
    for line in built_nq.read_text(encoding="utf-8").splitlines():
        if line.endswith(f"<{G['inferred']}> ."):
            continue
        if line.endswith(f"<{stated}> ."):
            seen += 1
            if seen % 2:
                continue
        keep.append(line)
    (dest / "spacekg.nq").write_text("\n".join(keep) + "\n", encoding="utf-8")
    return dest


def check_publish_cycle(query_url: str, update_url: str, graph_store: str | None, built_nq: Path, tmp: Path):
    """publish the build, then a smaller one: the store ends up holding exactly the smaller
    build (graphs dropped, graphs shrunk), and a graph publish never wrote is left alone."""
    other = "http://example.org/not-published"
    RemoteStore(query_url, update_url).update(
        f'INSERT DATA {{ GRAPH <{other}> {{ <http://example.org/a> <http://example.org/p> "kept" }} }}')
    args = ["publish", "--store-url", query_url, "--update-url", update_url, "--quiet"]
    if graph_store:
        args += ["--graph-store", graph_store]
    proc = spacekg(*args, "--build-dir", str(built_nq.parent))
    assert proc.returncode == 0, proc.stderr
    assert f"published {sum(file_counts(built_nq).values())} triples in {len(file_counts(built_nq))} graphs" \
        in proc.stdout
    counts = graph_counts(query_url)
    assert {g: n for g, n in counts.items() if g != RECORD} == file_counts(built_nq)

    small = smaller_build(built_nq, tmp / "small")
    proc = spacekg(*args, "--build-dir", str(small))
    assert proc.returncode == 0, proc.stderr
    assert "dropped 1 graphs" in proc.stdout
    counts = graph_counts(query_url)
    assert {g: n for g, n in counts.items() if g != RECORD} == file_counts(small / "spacekg.nq")
    assert str(G["inferred"]) not in counts
    assert graph_counts(query_url, prefix=other) == {other: 1}
    # the record lists what was published, with the file's checksum
    st = RemoteStore(query_url, update_url, default_graph="store")
    assert st.published_graphs() == sorted(file_counts(small / "spacekg.nq"))
    import hashlib

    sha = hashlib.sha256((small / "spacekg.nq").read_bytes()).hexdigest()
    assert st.ask(f'ASK {{ GRAPH <{RECORD}> {{ ?c <http://spdx.org/rdf/terms#checksumValue> "{sha}" }} }}')


@needs_virtuoso
def test_virtuoso_publish_graph_store(virtuoso, built_nq, tmp_path):
    check_publish_cycle(virtuoso.sparql, virtuoso.sparql, virtuoso.graph_store, built_nq, tmp_path)


@needs_virtuoso
def test_virtuoso_publish_update(virtuoso, built_nq, tmp_path):
    check_publish_cycle(virtuoso.sparql, virtuoso.sparql, None, built_nq, tmp_path)


@needs_oxigraph
def test_oxigraph_publish_graph_store(oxigraph, built_nq, tmp_path):
    check_publish_cycle(oxigraph.query, oxigraph.update, oxigraph.graph_store, built_nq, tmp_path)


@needs_oxigraph
def test_oxigraph_publish_update(oxigraph, built_nq, tmp_path):
    check_publish_cycle(oxigraph.query, oxigraph.update, None, built_nq, tmp_path)


@needs_virtuoso
def test_virtuoso_auth_endpoints(virtuoso, tmp_path):
    """Virtuoso's authenticated Graph Store needs Digest credentials; without them the error says so."""
    nq = tmp_path / "spacekg.nq"
    nq.write_text(f'<http://example.org/s> <http://example.org/p> "ü" <{G["documents"]}> .\n', encoding="utf-8")
    auth_gsp = virtuoso.url + "/sparql-graph-crud-auth"
    with pytest.raises(StoreUnavailable, match="credentials"):
        publish_build(nq, RemoteStore(virtuoso.sparql, virtuoso.sparql, graph_store_url=auth_gsp))
    with_creds = auth_gsp.replace("http://", "http://dba:dba@")
    rep = publish_build(nq, RemoteStore(virtuoso.sparql, virtuoso.sparql, graph_store_url=with_creds))
    assert rep.graphs == {str(G["documents"]): 1} and rep.method == "graph-store"
    r = requests.get(virtuoso.sparql, params={"query": "SELECT ?o WHERE { <http://example.org/s> ?p ?o }"},
                     headers=JSON, timeout=30)
    assert [b["o"]["value"] for b in r.json()["results"]["bindings"]] == ["ü"]  # UTF-8 kept


def test_publish_refuses_default_graph_and_missing_build(tmp_path):
    proc = spacekg("publish", "--store-url", "http://127.0.0.1:9/sparql", "--build-dir", str(tmp_path))
    assert proc.returncode == 2 and "run `spacekg build` first" in proc.stderr
    (tmp_path / "spacekg.nq").write_text('<http://example.org/s> <http://example.org/p> "1" .\n')
    proc = spacekg("publish", "--store-url", "http://127.0.0.1:9/sparql", "--build-dir", str(tmp_path))
    assert proc.returncode == 2 and "publish writes named graphs only" in proc.stderr
    (tmp_path / "spacekg.nq").write_text('<http://example.org/s> <http://example.org/p> "1" <http://example.org/g> .\n')
    proc = spacekg("publish", "--store-url", "http://127.0.0.1:9/sparql", "--build-dir", str(tmp_path))
    assert proc.returncode == 2 and "cannot be reached" in proc.stderr


# ---------------------------------------------------------------- serving from the store

QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "
    f'"{G}") && ?g != <{RECORD}>) }} GROUP BY ?g ORDER BY ?g',
    "SELECT ?l WHERE { <https://w3id.org/spacekg/resource/slim> <http://www.w3.org/2000/01/rdf-schema#label> ?l } "
    "ORDER BY ?l",
    "SELECT ?x WHERE { <https://w3id.org/spacekg/resource/slim> <https://w3id.org/spacekg/ontology#partOf>* ?x } "
    "ORDER BY ?x",
    "ASK { <https://w3id.org/spacekg/resource/slim> a <https://w3id.org/spacekg/ontology#Mission> }",
    "ASK { <https://w3id.org/spacekg/resource/slim> a <https://w3id.org/spacekg/ontology#Person> }",
]
PAGES = ["/", "/resource/slim", "/resource/jaxa", "/search?q=JAXA", "/class/Mission", "/timeline",
         "/document/mext-2018-iss-exploration-subcommittee-interim-summary"]


@pytest.fixture(scope="module")
def embedded_real(built_nq, tmp_path_factory):
    d = tmp_path_factory.mktemp("embedded")
    srv = LiveServer(["--build-dir", str(built_nq.parent), "--store", str(d / "store"), "--max-rows", "0"], cwd=d)
    yield srv
    srv.stop()


def check_serves_like_embedded(store_url: str, embedded: LiveServer, tmp: Path):
    srv = LiveServer(["--store-url", store_url, "--max-rows", "0"], cwd=tmp)
    try:
        for q in QUERIES:
            a = requests.get(embedded.endpoint, params={"query": q}, headers=JSON, timeout=60).json()
            b = requests.get(srv.endpoint, params={"query": q}, headers=JSON, timeout=60).json()
            assert a == b, q
        for page in PAGES:
            r = requests.get(srv.url + page, timeout=60)
            assert r.status_code == 200, (page, r.text[-500:])
        r = requests.get(srv.url + "/resource/slim", headers={"Accept": "text/turtle"}, timeout=60)
        assert r.status_code == 200 and "小型月着陸実証機" in r.text
        r = requests.get(srv.endpoint, params={"query": "SELECT * WHERE { ?s "}, timeout=60)
        assert r.status_code == 400
    finally:
        srv.stop()


@needs_virtuoso
def test_serve_from_virtuoso(virtuoso, built_nq, embedded_real, tmp_path):
    proc = spacekg("publish", "--store-url", virtuoso.sparql, "--graph-store", virtuoso.graph_store,
                   "--build-dir", str(built_nq.parent), "--quiet")
    assert proc.returncode == 0, proc.stderr
    check_serves_like_embedded(virtuoso.sparql, embedded_real, tmp_path)


@needs_oxigraph
def test_serve_from_oxigraph(oxigraph, built_nq, embedded_real, tmp_path):
    proc = spacekg("publish", "--store-url", oxigraph.query, "--update-url", oxigraph.update,
                   "--build-dir", str(built_nq.parent), "--quiet")
    assert proc.returncode == 0, proc.stderr
    check_serves_like_embedded(oxigraph.query, embedded_real, tmp_path)



# ---------------------------------------------------------------- atomic publish

def staging_left(query_url: str, store: RemoteStore) -> dict[str, int]:
    return graph_counts(query_url, prefix=store.record_graph + "/staging/")


def check_failed_publish_keeps_previous(query_url: str, update_url: str, graph_store: str | None,
                                        built_nq: Path, tmp: Path):
    """A publish that fails half way (a file that stops parsing, a store that refuses a request,
    a process killed while loading) leaves the previous publish serving, whole."""
    import os
    import signal

    from spacekg.server.deploy import staging_graph

    args = ["publish", "--store-url", query_url, "--update-url", update_url, "--quiet"]
    if graph_store:
        args += ["--graph-store", graph_store]
    small = smaller_build(built_nq, tmp / "small")
    assert spacekg(*args, "--build-dir", str(small)).returncode == 0
    before = graph_counts(query_url)
    store = RemoteStore(query_url, update_url, graph_store_url=graph_store)
    assert before[RECORD] and not staging_left(query_url, store)

    # 1. the full build, cut by a line that does not parse after most of its graphs
    broken = tmp / "broken"
    broken.mkdir()
    lines = built_nq.read_text(encoding="utf-8").splitlines()
    (broken / "spacekg.nq").write_text("\n".join(lines[: len(lines) * 9 // 10]) + "\n<broken\n" +
                                       "\n".join(lines[len(lines) * 9 // 10:]) + "\n", encoding="utf-8")
    proc = spacekg(*args, "--chunk", "2000", "--build-dir", str(broken))
    assert proc.returncode == 2 and "nothing published" in proc.stderr, proc.stderr
    assert graph_counts(query_url) == before
    assert not staging_left(query_url, store)

    # 2. the store refuses the fourth request
    class Failing(RemoteStore):
        """The store refuses the fourth write to a staging graph."""
        calls = 0

        def _count(self, what: str):
            if "/staging/" in what and (" " not in what or "INSERT" in what):  # a GSP write or an insert
                Failing.calls += 1
                if Failing.calls == 4:
                    raise StoreUnavailable(f"the store at {self.query_url} answered 500: injected")

        def graph_store_write(self, graph, ntriples, *, replace):
            self._count(graph)
            return super().graph_store_write(graph, ntriples, replace=replace)

        def update(self, update, **kw):
            self._count(update)
            return super().update(update, **kw)

    with pytest.raises(StoreUnavailable, match="injected"):
        publish_build(built_nq, Failing(query_url, update_url, graph_store_url=graph_store), chunk=2000)
    assert Failing.calls == 4
    assert graph_counts(query_url) == before
    assert not staging_left(query_url, store)

    # 3. the process killed while loading: the store still serves the previous publish
    cmd = [sys.executable, "-m", "spacekg", *args[:-1], "--chunk", "500", "--build-dir", str(built_nq.parent)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in p.stderr:
            if "staged" in line:
                break
        os.kill(p.pid, signal.SIGKILL)
    finally:
        p.wait(30)
        p.stdout.close()
        p.stderr.close()
    after = graph_counts(query_url)
    assert {g: n for g, n in after.items() if "/staging/" not in g} == before
    assert set(staging_left(query_url, store)) <= {staging_graph(store, g) for g in file_counts(built_nq)}

    # and the next publish replaces the previous one (and the killed one's staging graphs)
    assert spacekg(*args, "--build-dir", str(built_nq.parent)).returncode == 0
    after = graph_counts(query_url)
    assert {g: n for g, n in after.items() if g != RECORD} == file_counts(built_nq)


@needs_virtuoso
def test_virtuoso_failed_publish_keeps_previous(virtuoso, built_nq, tmp_path):
    check_failed_publish_keeps_previous(virtuoso.sparql, virtuoso.sparql, virtuoso.graph_store, built_nq, tmp_path)


@needs_oxigraph
def test_oxigraph_failed_publish_keeps_previous(oxigraph, built_nq, tmp_path):
    check_failed_publish_keeps_previous(oxigraph.query, oxigraph.update, None, built_nq, tmp_path)


@needs_virtuoso
def test_serve_virtuoso_bulk_loaded_read_only(built_nq, embedded_real, tmp_path):
    """The README's path for billions of triples: Virtuoso's bulk loader, then
    `serve --store-url … --default-graph store` (Virtuoso's default graph is the union)."""
    srv = VirtuosoServer(tmp_path / "db")
    try:
        srv.bulk_load(built_nq)
        assert {g: n for g, n in graph_counts(srv.sparql).items()} == file_counts(built_nq)
        serve = LiveServer(["--store-url", srv.sparql, "--default-graph", "store", "--max-rows", "0"], cwd=tmp_path)
        try:
            for q in QUERIES[2:]:
                a = requests.get(embedded_real.endpoint, params={"query": q}, headers=JSON, timeout=60).json()
                b = requests.get(serve.endpoint, params={"query": q}, headers=JSON, timeout=60).json()
                assert a == b, q
            for page in PAGES:
                r = requests.get(serve.url + page, timeout=60)
                assert r.status_code == 200, (page, r.text[-500:])
                assert r.text.replace(serve.url, "") == \
                    requests.get(embedded_real.url + page, timeout=60).text.replace(embedded_real.url, ""), page
        finally:
            serve.stop()
    finally:
        srv.stop()
