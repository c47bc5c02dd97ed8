"""Stage 8: publish the dataset (N-Quads, TriG, Turtle, JSON-LD), the SSSOM mapping table and
the build report.

Streaming: the N-Quads file is the build's merged file (:meth:`spacekg.build.BuildResult.nquads`)
and the other formats are written from it without holding the graph.
Deterministic: N-Quads lines are sorted; the other formats are written by pyoxigraph from the
same sorted quads (no blank nodes are minted by the pipeline), so the same inputs give
byte-identical files. Atomic: files are written into a temporary folder beside ``out`` that
replaces ``out`` only when everything succeeded, so a failed build leaves the previous output.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Dataset

from spacekg.nquads import dataset_lines, sorted_unique_lines, term_nt, write_lines

FILES = {"spacekg.nq": ox.RdfFormat.N_QUADS, "spacekg.trig": ox.RdfFormat.TRIG,
         "spacekg.ttl": ox.RdfFormat.TURTLE, "spacekg.jsonld": ox.RdfFormat.JSON_LD}


def sorted_nquads(ds: Dataset) -> str:
    """The dataset as N-Quads, one quad per line, lines sorted (named graphs only; blank nodes
    canonically labelled; :func:`spacekg.nquads.dataset_lines`)."""
    return "\n".join(sorted(dataset_lines(ds))) + "\n"


_nt = term_nt  # the name earlier code imported


PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "schema": "https://schema.org/",
    "wd": "http://www.wikidata.org/entity/",
}


def write_formats(nquads: str, out: Path, base: str) -> None:
    """Write N-Quads, TriG, Turtle (union of the graphs) and JSON-LD into ``out``."""
    (out / "spacekg.nq").write_text(nquads, encoding="utf-8")
    write_other_formats(out, base)


def write_other_formats(out: Path, base: str) -> None:
    """Write TriG, Turtle (union of the graphs, triples sorted) and JSON-LD into ``out`` from
    ``out/spacekg.nq``, streaming: the quads are read from the file by each writer, and the
    Turtle's sorted, duplicate-free triples come from an external sort
    (:func:`spacekg.nquads.sorted_unique_lines`), so memory does not grow with the graph."""
    nq = out / "spacekg.nq"

    def quads():  # streamed from the file: no list of every quad is held
        return ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS)

    prefixes = {**PREFIXES, "sk": base + "ontology#", "skr": base + "resource/"}
    with open(out / "spacekg.trig", "wb") as f:
        ox.serialize(quads(), f, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    # the triples in the order of their N-Triples text (str of a pyoxigraph Triple), each once
    nt = out / ".union.nt"
    try:
        write_lines(nt, (line + " ." for line in sorted_unique_lines((str(q.triple) for q in quads()), out)))
        with open(out / "spacekg.ttl", "wb") as f:
            ox.serialize(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES), f,
                         format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    finally:
        nt.unlink(missing_ok=True)
    with open(out / "spacekg.jsonld", "wb") as f:
        ox.serialize(quads(), f, format=ox.RdfFormat.JSON_LD)


def report_data(result, graph_counts: dict | None = None) -> dict:
    """Counts per class, property, rule, document and graph; unused lexicon entries;
    candidate new names (see :mod:`spacekg.candidates`).

    Args:
        graph_counts: graph IRI → quads (from :meth:`spacekg.build.BuildResult.nquads`);
            default: counted in ``result.dataset``.
    """
    ds = result.core if hasattr(result, "core") else result.dataset
    pipe = result.pipeline
    iris = pipe.iris
    if graph_counts is None:
        graph_counts = {str(g.identifier): len(g) for g in result.dataset.graphs()}
    names = {str(g.identifier) for g in ds.graphs()} | set(graph_counts)
    graphs = {gid.rsplit("/", 1)[-1]: graph_counts.get(gid, 0) for gid in names
              if gid.startswith(str(iris.graph))}
    entities = ds.graph(iris.graph["entities"])
    classes = Counter(str(o).split("#")[-1] for o in entities.objects(None, RDF.type))
    stated = ds.graph(iris.graph["stated"])
    props = Counter(str(p).split("#")[-1].split("/")[-1] for p in stated.predicates())
    rules = Counter(f.producer[1] for f in result.facts if f.producer[0] == "rule")
    curated = Counter(f.doc for f in result.facts if f.producer[0] == "curation")
    by_doc_rule = Counter((f.doc, f.producer[1]) for f in result.facts if f.producer[0] == "rule")
    mentioned = {m.entity for a in result.analyses for m in a.mentions}
    docs = {}
    for a in result.analyses:
        docs[a.source.id] = {
            "mentions": len(a.mentions), "entities": len({m.entity for m in a.mentions}),
            "values": len(a.values), "rule_facts": len(a.matches),
            "curated_facts": curated.get(a.source.id, 0),
            "facts_by_rule": {r: n for (d, r), n in sorted(by_doc_rule.items()) if d == a.source.id},
        }
    cands = Counter()
    for a in result.analyses:
        for c in a.candidates:
            cands[(c.text, c.heuristic)] += 1
    return {
        "graphs": dict(sorted(graphs.items())),
        "triples": sum(graphs.values()),
        "entities": len(pipe.lexicon),
        "stated_facts": len(stated),
        "classes": dict(sorted(classes.items())),
        "properties": dict(sorted(props.items())),
        "rules": {r.id: rules.get(r.id, 0)
                  for r in [*pipe.engine.rules, *(pipe.syntax.rules.values() if pipe.syntax else [])]},
        "documents": docs,
        "never_mentioned": sorted(set(pipe.lexicon) - mentioned),
        "alias_collisions": sorted({f"{k}: {a} / {b}" for k, a, b in pipe.finder.collisions}),
        "candidates": [{"text": t, "heuristic": h, "count": n}
                       for (t, h), n in sorted(cands.items(), key=lambda x: (-x[1], x[0]))],
    }


def report_text(data: dict) -> str:
    """The report as Markdown."""
    out = ["# spacekg build report", "",
           f"- triples: {data['triples']}", f"- lexicon entities: {data['entities']}",
           f"- stated facts: {data['stated_facts']}", "", "## Named graphs", ""]
    out += [f"- {k}: {v}" for k, v in data["graphs"].items()]
    out += ["", "## Documents", "", "| document | mentions | entities | values | rule facts | curated facts |",
            "|---|---|---|---|---|---|"]
    out += [f"| {k} | {v['mentions']} | {v['entities']} | {v['values']} | {v['rule_facts']} | {v['curated_facts']} |"
            for k, v in data["documents"].items()]
    out += ["", "## Facts per document, rule and curation", ""]
    for k, v in data["documents"].items():
        per = ", ".join(f"{r} {n}" for r, n in v.get("facts_by_rule", {}).items()) or "none"
        out.append(f"- {k}: curation {v['curated_facts']}; rules: {per}")
    out += ["", "## Classes (entities)", ""] + [f"- {k}: {v}" for k, v in data["classes"].items()]
    out += ["", "## Properties (stated)", ""] + [f"- {k}: {v}" for k, v in data["properties"].items()]
    out += ["", "## Rules", ""] + [f"- {k}: {v}" for k, v in data["rules"].items()]
    out += ["", "## Lexicon entries never mentioned", ""] + [f"- {e}" for e in data["never_mentioned"]]
    out += ["", "## Alias collisions (first id kept)", ""] + [f"- {c}" for c in data["alias_collisions"]]
    out += ["", "## Candidate new names (not in the lexicon)", ""]
    out += [f"- {c['text']} ({c['heuristic']}, {c['count']}×)" for c in data["candidates"]]
    return "\n".join(out) + "\n"


def sssom_text(result) -> str:
    """The SSSOM mapping table of the build (checked Wikidata links, ontology alignments to
    Wikidata and the IMI core vocabulary; :func:`spacekg.links.sssom_tsv`)."""
    from spacekg.links import sssom_tsv

    return sssom_tsv(result.pipeline.lexicon, result.pipeline.ontology)


def publish(result, out: Path, extra: dict[str, str] | None = None) -> dict:
    """Write every output file into ``out`` atomically and return the report data.

    Args:
        extra: more files to write into ``out`` with them (name → text).

    Raises:
        OSError: the folder cannot be written (the previous output stays in place).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        if hasattr(result, "nquads"):  # a BuildResult: its merged N-Quads file
            merged, counts = result.nquads()
            shutil.copyfile(merged, tmp / "spacekg.nq")
            write_other_formats(tmp, result.pipeline.iris.base)
        else:
            write_formats(sorted_nquads(result.dataset), tmp, result.pipeline.iris.base)
            counts = None
        data = report_data(result, counts)
        (tmp / "report.json").write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                         encoding="utf-8")
        (tmp / "report.md").write_text(report_text(data), encoding="utf-8")
        (tmp / "spacekg.sssom.tsv").write_text(sssom_text(result), encoding="utf-8")
        for name, text in (extra or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        old = out.with_name(out.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if out.exists():
            out.rename(old)
        tmp.rename(out)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return data
