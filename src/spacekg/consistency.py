"""OWL 2 DL consistency of ontology + data with HermiT (owlready2), in an isolated ``World``.

What is checked: the ontology (with ``ontology/extensions.ttl``) and the graphs ``entities``,
``documents`` and ``stated`` — class axioms, disjointness, domains and ranges of object
properties, functional properties. HermiT knows only the datatypes of the OWL 2 datatype map,
which lacks ``xsd:date``, ``xsd:gYear``, ``xsd:gYearMonth`` and the project's ``sk:fiscalYear``
and ``sk:decade``; so, for this check only, literals of those datatypes become ``xsd:string``
and the datatype definitions and ranges that name them are left out (dates are checked by the
SHACL shapes instead).

Output: unsatisfiable classes and, when the whole is inconsistent, the individuals that
explain it, by label. Individuals are localised by HermiT itself: the ABox is split in halves,
and a half that is inconsistent with the ontology on its own is split again (each individual
with all its assertions and the types of its neighbours), down to single individuals.

Scale: when ontology + data exceed ``max_triples`` (default 100,000), HermiT runs on a
*module* instead: the TBox, every individual whose OWL 2 RL types hold two disjoint classes
(``disjoint_suspects``, found on the whole graph by the Rust OWL 2 RL reasoner), and a sample of
the other individuals chosen by the SHA-1 of their IRI (deterministic), each with its
assertions and its neighbours' types; the report's ``scope`` says which was checked.

Java: HermiT runs in a Java VM. Without ``java`` on the PATH the check is *skipped* and the
report says so (``skipped`` is set); it never passes silently.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef

from spacekg.config import DEFAULT_BASE, ROOT, IRIs
from spacekg.errors import SpacekgError

RDF_NS = str(RDF)
#: datatypes HermiT accepts (the OWL 2 datatype map, https://www.w3.org/TR/owl2-syntax/#Datatype_Maps)
OWL2_DATATYPES = {XSD[n] for n in (
    "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int "
    "short byte unsignedLong unsignedInt unsignedShort unsignedByte double float string normalizedString "
    "token language Name NCName NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
).split()} | {RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal, OWL.real, OWL.rational, RDF.langString}
GRAPHS = ("ontology", "entities", "documents", "stated")


class ConsistencyError(SpacekgError):
    """HermiT could not run (other than Java missing)."""


@dataclass
class ConsistencyReport:
    """Outcome of :func:`check`.

    Attributes:
        consistent: None when skipped, else whether ontology + data are consistent.
        unsatisfiable: (class IRI, label) of every unsatisfiable named class.
        culprits: (individual IRI, label) of individuals that are inconsistent with the
            ontology on their own (with their assertions and their neighbours' types).
        skipped: why the check did not run (Java missing), else None.
        seconds: wall time.
        triples: how many triples were given to HermiT.
    """

    consistent: bool | None
    unsatisfiable: list = field(default_factory=list)
    culprits: list = field(default_factory=list)
    skipped: str | None = None
    seconds: float = 0.0
    triples: int = 0
    scope: str = "whole graph"

    def summary(self) -> str:
        """One line per finding, readable."""
        if self.skipped:
            return f"consistency check SKIPPED: {self.skipped}"
        if self.consistent and not self.unsatisfiable:
            return f"consistent (HermiT, {self.triples} triples, {self.scope}, {self.seconds:.1f} s)"
        lines = [f"{'consistent' if self.consistent else 'INCONSISTENT'} (HermiT, {self.scope}, "
                 f"{self.seconds:.1f} s)"]
        lines += [f"  unsatisfiable class: {label} <{iri}>" for iri, label in self.unsatisfiable]
        lines += [f"  inconsistent individual: {label} <{iri}>" for iri, label in self.culprits]
        if not self.consistent and not self.culprits:
            lines.append("  (no single individual is inconsistent on its own: the contradiction spans several)")
        return "\n".join(lines)


def java_available() -> str | None:
    """Path of the ``java`` executable, or None."""
    return shutil.which("java")


def dl_graph(ds, iris: IRIs, extensions: Path | None = None) -> Graph:
    """The triples given to HermiT (see the module docstring for what is left out)."""
    g = Graph()
    for name in GRAPHS:
        for t in ds.graph(iris.graph[name]):
            g.add(t)
    ext = Path(extensions) if extensions else ROOT / "ontology" / "extensions.ttl"
    if ext.exists():
        text = ext.read_text(encoding="utf-8")
        if iris.base != DEFAULT_BASE:
            text = text.replace(DEFAULT_BASE, iris.base)
        g.parse(data=text, format="turtle")
    return owl2_datatypes_only(g)


def owl2_datatypes_only(g: Graph) -> Graph:
    """A copy of ``g`` that HermiT accepts: literals of datatypes outside the OWL 2 map become
    ``xsd:string``; user datatypes, their definitions and the ranges naming them are dropped."""
    user_dt = set(g.subjects(RDF.type, RDFS.Datatype))
    drop_nodes = {d for d in user_dt if isinstance(d, BNode)}
    out = Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES:
            o = Literal(str(o), datatype=XSD.string)
        if p == RDFS.range and (o in user_dt or (isinstance(o, URIRef) and str(o).startswith(str(XSD))
                                                and o not in OWL2_DATATYPES)):
            continue
        if s in user_dt and (p == OWL.equivalentClass or (p == RDF.type and o == RDFS.Datatype)):
            continue
        if s in drop_nodes or o in drop_nodes:
            continue
        out.add((s, p, o))
    return out


def _hermit(g: Graph, *, memory: str = "2000M") -> tuple[bool, list]:
    """Run HermiT on ``g`` in a fresh World; returns (consistent, unsatisfiable class IRIs)."""
    import owlready2 as o2

    o2.JAVA_MEMORY = int(memory.rstrip("M"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kb.nt"
        g.serialize(path, format="nt", encoding="utf-8")
        world = o2.World()
        world.get_ontology(path.as_uri()).load()
        try:
            o2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except o2.OwlReadyInconsistentOntologyError:
            return False, []
        except o2.OwlReadyJavaError as exc:
            raise ConsistencyError(f"HermiT failed: {str(exc)[:800]}") from exc
        except subprocess.CalledProcessError as exc:  # pragma: no cover - java crash
            raise ConsistencyError(f"HermiT failed: {exc}") from exc
        unsat = sorted(str(c.iri) for c in world.inconsistent_classes() if str(c.iri) != str(OWL.Nothing))
        world.close()
        return True, unsat


def _labels(g: Graph, nodes) -> list:
    out = []
    for n in nodes:
        labels = {lab.language: str(lab) for lab in g.objects(URIRef(n), RDFS.label) if isinstance(lab, Literal)}
        out.append((str(n), labels.get("en") or labels.get("ja") or str(n).rsplit("/", 1)[-1]))
    return out


def _split(g: Graph, iris: IRIs):
    """TBox triples, and per individual its assertions (the individual as subject) ."""
    prefixes = (str(iris.res), str(iris.doc))
    tbox, abox = Graph(), defaultdict(list)
    for t in g:
        s = str(t[0])
        if not isinstance(t[0], BNode) and s.startswith(prefixes):
            abox[t[0]].append(t)
        else:
            tbox.add(t)
    return tbox, abox


def _with(tbox: Graph, abox: dict, individuals) -> Graph:
    """TBox + the assertions of ``individuals`` + the types of the individuals they point to."""
    g = Graph()
    for t in tbox:
        g.add(t)
    for ind in individuals:
        for s, p, o in abox[ind]:
            g.add((s, p, o))
            if o in abox:
                for t in abox[o]:
                    if t[1] == RDF.type:
                        g.add(t)
    return g


def disjoint_suspects(g: Graph) -> list:
    """Individuals whose OWL 2 RL types (``reasonable``) include two disjoint classes: the
    usual cause of an inconsistency, each then confirmed by HermiT on its own."""
    from rdflib.collection import Collection

    from spacekg.reason import owl_closure

    closure = owl_closure(set(g))
    pairs = {(a, b) for a, _, b in g.triples((None, OWL.disjointWith, None))}
    for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(g, g.value(node, OWL.members)))
        pairs |= {(a, b) for a in members for b in members if a != b}
    types = defaultdict(set)
    for s, p, o in closure:
        if p == RDF.type and isinstance(s, URIRef):
            types[s].add(o)
    out = [i for i, ts in types.items() if any((a, b) in pairs or (b, a) in pairs
                                               for a in ts for b in ts if a != b)]
    return sorted(out, key=str)


def localise(tbox: Graph, abox: dict, individuals: list, depth: int = 0) -> list:
    """Individuals that are inconsistent with the TBox on their own (recursive halving).

    Each HermiT call costs a JVM start (~1 s), so halving keeps it to O(k log n) calls.
    """
    if not individuals:
        return []
    ok, _ = _hermit(_with(tbox, abox, individuals))
    if ok:
        return []
    if len(individuals) == 1:
        return individuals
    mid = len(individuals) // 2
    return (localise(tbox, abox, individuals[:mid], depth + 1)
            + localise(tbox, abox, individuals[mid:], depth + 1))


#: above this many triples HermiT checks a module (see the module docstring)
MAX_TRIPLES = 100_000


def module(g: Graph, iris: IRIs, max_triples: int) -> tuple[Graph, str]:
    """The TBox, the disjointness suspects and a deterministic sample of the other individuals,
    within about ``max_triples``; returns (graph, description of the scope)."""
    import hashlib

    tbox, abox = _split(g, iris)
    suspects = [i for i in disjoint_suspects(g) if i in abox]
    rest = sorted((i for i in abox if i not in set(suspects)),
                  key=lambda i: hashlib.sha1(str(i).encode()).hexdigest())
    chosen, size = list(suspects), len(tbox) + sum(len(abox[i]) for i in suspects)
    for ind in rest:
        if size + len(abox[ind]) > max_triples:
            break
        chosen.append(ind)
        size += len(abox[ind])
    scope = (f"module: TBox + {len(chosen)} of {len(abox)} individuals ({len(suspects)} disjointness "
             f"suspects, the rest sampled by SHA-1 of the IRI) of {len(g)} triples")
    return _with(tbox, abox, chosen), scope


def check(ds, iris: IRIs, *, localise_culprits: bool = True, max_triples: int = MAX_TRIPLES) -> ConsistencyReport:
    """Check ontology + data with HermiT (on a module when larger than ``max_triples``).

    Args:
        ds: rdflib Dataset of a build.
        iris: namespaces.
        localise_culprits: when inconsistent, find the individuals responsible (more HermiT runs).
        max_triples: size above which a module is checked instead of the whole (0: never).

    Returns:
        ConsistencyReport; ``skipped`` says why when Java is missing.

    Raises:
        ConsistencyError: HermiT failed for another reason.
    """
    t0 = time.perf_counter()
    if not java_available():
        return ConsistencyReport(None, skipped="no Java runtime (`java` not on PATH): install a JRE "
                                 "(e.g. apt-get install default-jre-headless) to run HermiT")
    g = dl_graph(ds, iris)
    scope = "whole graph"
    if max_triples and len(g) > max_triples:
        g, scope = module(g, iris, max_triples)
    consistent, unsat = _hermit(g)
    culprits = []
    if not consistent and localise_culprits:
        tbox, abox = _split(g, iris)
        suspects = disjoint_suspects(g)
        culprits = [i for i in suspects if i in abox and not _hermit(_with(tbox, abox, [i]))[0]]
        if not culprits:
            culprits = localise(tbox, abox, sorted(abox, key=str))
    return ConsistencyReport(consistent, _labels(g, unsat), _labels(g, culprits),
                             seconds=time.perf_counter() - t0, triples=len(g), scope=scope)
