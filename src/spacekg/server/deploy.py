"""``spacekg publish``: load a build into any SPARQL 1.1 store, graph by graph, atomically.

Each named graph ``G`` of build/spacekg.nq is first written to a staging graph (``<record>/staging/
<hash of G>``), through the SPARQL 1.1 Graph Store HTTP Protocol (``PUT ?graph=`` with the first
chunk, ``POST`` with the rest) when a Graph Store endpoint is given, else through SPARQL 1.1
Update (``DROP SILENT GRAPH`` then ``INSERT DATA`` in bounded chunks). Only when every graph is
staged does one SPARQL Update request swap them in (``MOVE SILENT GRAPH <staging> TO GRAPH <G>``
for each graph, ``DROP SILENT GRAPH`` for the graphs the previous publish wrote that the build
no longer has, and the new record): a failure before the swap (a refused request, a file that
stops parsing half way, a killed process) leaves the previous graphs serving and drops the
staging graphs it can. Only the graphs named in the previous record and in the build are
touched; other graphs of the store are left alone (never ``DROP ALL``).

What was published is recorded in the store itself, in the graph ``<base>graph/publication``, as
a SPARQL Service Description (``sd:Dataset`` with one ``sd:NamedGraph`` per graph, its
``void:triples``), the build file's SHA-256 and the time; ``spacekg serve --store-url`` reads it
to make the union of those graphs its default graph.

The N-Quads file is streamed: at most ``chunk`` triples per graph are held at once. Triples
with blank nodes (the ontology's OWL lists) go together in one request per graph, so the
store keeps their blank nodes joined.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from spacekg.server.store import RemoteStore

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
SPDX = "http://spdx.org/rdf/terms#"
#: default triples per request (see :func:`publish_build`)
GSP_CHUNK, UPDATE_CHUNK = 50000, 500


@dataclass
class PublishReport:
    """What :func:`publish_build` did.

    Attributes:
        graphs: graph IRI → triples written.
        dropped: graphs of the previous publish that the build no longer has.
        requests: HTTP requests sent.
        seconds: wall time.
        method: ``"graph-store"`` or ``"update"``.
        sha256: of the N-Quads file.
    """

    graphs: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    method: str = "update"
    sha256: str = ""


def staging_graph(store: RemoteStore, graph: str) -> str:
    """The IRI under which ``graph`` is loaded before the swap: ``<record>/staging/<sha1[:16]>``."""
    return f"{store.record_graph}/staging/{hashlib.sha1(graph.encode('utf-8')).hexdigest()[:16]}"


def _nt(triples) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def _has_bnode(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


class _Writer:
    """Writes one graph's triples in chunks through the Graph Store Protocol or Update."""

    def __init__(self, store: RemoteStore, use_gsp: bool, report: PublishReport):
        self.store, self.use_gsp, self.report = store, use_gsp, report
        self.started: set[str] = set()

    def write(self, graph: str, triples: list) -> None:
        """Append ``triples`` to the staging graph of ``graph`` (replacing it on the first call)."""
        first = graph not in self.started
        self.started.add(graph)
        self.report.requests += 1
        self.report.graphs[graph] = self.report.graphs.get(graph, 0) + len(triples)
        target = staging_graph(self.store, graph)
        if self.use_gsp:
            self.store.graph_store_write(target, _nt(triples), replace=first)
            return
        g = f"<{target}>"
        ops = [f"DROP SILENT GRAPH {g}"] if first else []
        if triples:  # blank nodes: INSERT … WHERE {} (Virtuoso refuses them in INSERT DATA)
            op = "INSERT" if any(map(_has_bnode, triples)) else "INSERT DATA"
            ops.append(f"{op} {{ GRAPH {g} {{\n{_nt(triples).decode('utf-8')}}} }}"
                       + (" WHERE {}" if op == "INSERT" else ""))
        self.store.update(" ;\n".join(ops))


def publish_build(nquads: Path, store: RemoteStore, *, use_graph_store: bool | None = None,
                  chunk: int | None = None, progress=None) -> PublishReport:
    """Load ``nquads`` into ``store``, graph by graph, replacing what the last publish wrote.

    Args:
        nquads: an N-Quads file (build/spacekg.nq); default-graph quads are refused.
        store: the target, with ``update_url`` (needed for the record and for drops) and
            optionally ``graph_store_url``.
        use_graph_store: force the method (default: the Graph Store when it has a URL).
        chunk: triples per request (default 50,000 through the Graph Store, 500 through
            Update: Virtuoso compiles an update to SQL of at most 10,000 lines, about 1,000
            triples); a graph's blank-node triples go in one request whatever their number.
        progress: optional callable ``(message: str)``.

    Returns:
        A :class:`PublishReport`.

    Raises:
        SpacekgError: the file does not parse or holds default-graph triples.
        StoreUnavailable / QueryError: the store refused or failed; the previous publish
            keeps serving (the swap is one update request, written only after every graph is
            staged).
    """
    from spacekg.errors import SpacekgError

    say = progress or (lambda m: None)
    if not store.update_url:
        raise SpacekgError("publishing needs an update endpoint (--update-url, or --store-url accepting updates)")
    t0 = time.perf_counter()
    use_gsp = bool(store.graph_store_url) if use_graph_store is None else use_graph_store
    report = PublishReport(method="graph-store" if use_gsp else "update")
    chunk = chunk or (GSP_CHUNK if use_gsp else UPDATE_CHUNK)
    previous = set(store.published_graphs())
    digest = hashlib.sha256()
    with open(nquads, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    report.sha256 = digest.hexdigest()
    writer = _Writer(store, use_gsp, report)
    plain: dict[str, list] = defaultdict(list)
    blank: dict[str, list] = defaultdict(list)
    try:
        try:
            for q in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
                if isinstance(q.graph_name, ox.DefaultGraph):
                    raise SpacekgError(f"{nquads}: a triple in the default graph ({q.triple}); "
                                       "publish writes named graphs only")
                g = q.graph_name.value
                if g == store.record_graph or g.startswith(store.record_graph + "/staging/"):
                    raise SpacekgError(f"{nquads}: a triple in <{g}>, the graph of publish's own record")
                if _has_bnode(q.triple):
                    blank[g].append(q.triple)
                    continue
                plain[g].append(q.triple)
                if len(plain[g]) >= chunk:
                    writer.write(g, plain.pop(g))
                    say(f"{g}: {report.graphs[g]} triples staged")
        except SyntaxError as exc:
            raise SpacekgError(f"{nquads}: {exc}; nothing published") from None
        for g in sorted(set(plain) | set(blank)):
            if plain.get(g) or g not in writer.started:
                writer.write(g, plain.get(g, []))
            if blank.get(g):
                writer.write(g, blank[g])
            say(f"{g}: {report.graphs[g]} triples staged")
    except BaseException:
        _drop_staging(store, writer.started)
        raise
    report.dropped = sorted(previous - set(report.graphs) - {store.record_graph})
    ops = [f"MOVE SILENT GRAPH <{staging_graph(store, g)}> TO GRAPH <{g}>" for g in sorted(report.graphs)]
    ops += [f"DROP SILENT GRAPH <{g}>" for g in report.dropped]
    report.seconds = time.perf_counter() - t0
    ops += _record_ops(store, report, nquads)
    try:
        store.update(" ;\n".join(ops))
    except BaseException:
        _drop_staging(store, writer.started)
        raise
    report.requests += 1
    for g in report.dropped:
        say(f"{g}: dropped (not in this build)")
    say(f"swapped {len(report.graphs)} graphs in")
    report.seconds = time.perf_counter() - t0
    return report


def _drop_staging(store: RemoteStore, graphs) -> None:
    """Best effort: drop the staging graphs of a publish that failed (the store may be down)."""
    if not graphs:
        return
    try:
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{staging_graph(store, g)}>" for g in sorted(graphs)))
    except Exception:  # noqa: BLE001 — the original failure is what the caller reports
        pass


def _record_ops(store: RemoteStore, report: PublishReport, nquads: Path) -> list[str]:
    """The update operations replacing the publication record (see the module docstring)."""
    rec = store.record_graph
    ds = f"<{rec}#dataset>"
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    lines = [f"{ds} a <{SD}Dataset> , <{VOID}Dataset> .",
             f'{ds} <{DCT}modified> "{now}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .',
             f'{ds} <{DCT}source> "{nquads.name}" .',
             f"{ds} <{SPDX}checksum> <{rec}#checksum> .",
             f"<{rec}#checksum> <{SPDX}algorithm> <{SPDX}checksumAlgorithm_sha256> .",
             f'<{rec}#checksum> <{SPDX}checksumValue> "{report.sha256}" .']
    for i, (g, n) in enumerate(sorted(report.graphs.items())):
        node = f"<{rec}#graph-{i}>"
        lines += [f"{ds} <{SD}namedGraph> {node} .", f"{node} a <{SD}NamedGraph> .",
                  f"{node} <{SD}name> <{g}> .",
                  f'{node} <{VOID}triples> "{n}"^^<http://www.w3.org/2001/XMLSchema#integer> .']
    body = "\n".join(lines) + "\n"
    return [f"DROP SILENT GRAPH <{rec}>", f"INSERT DATA {{ GRAPH <{rec}> {{\n{body}}} }}"]
