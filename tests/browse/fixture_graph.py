"""Build a small DESIGN.md-conformant graph over the real corpus, for the browse tests.

Used only when no real build (``build/spacekg.nq``) exists. Offsets are found in the real
source texts, so the evidence and mention spans are real passages.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, XSD, BNode, Dataset, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS

from spacekg.config import OA, PROV, ROOT, IRIs
from spacekg.evidence import HeadingIndex, add_headings, add_interval

BASE = "https://w3id.org/spacekg/"
SK = Namespace(BASE + "ontology#")
RES = Namespace(BASE + "resource/")
G = Namespace(BASE + "graph/")
IRIS = IRIs(BASE)
WD = Namespace("http://www.wikidata.org/entity/")
SOURCES = ROOT / "data" / "sources"

ENTITIES = {
    "slim": (["Lander", "Mission"], "小型月着陸実証機", "Smart Lander for Investigating Moon",
             "こがたつきちゃくりくじっしょうき", ["SLIM"], "Q56045166"),
    "hayabusa2": (["Probe", "Mission"], "はやぶさ2", "Hayabusa2", "はやぶさつー", ["はやぶさ２"], "Q1140878"),
    "htv-x": (["SupplyShip"], "新型補給機", "HTV-X", "しんがたほきゅうき", ["HTV-X"], None),
    "jaxa": (["SpaceAgency"], "宇宙航空研究開発機構", "Japan Aerospace Exploration Agency",
             "うちゅうこうくうけんきゅうかいはつきこう", ["JAXA"], "Q193020"),
    "japan": (["Country"], "日本", "Japan", "にほん", ["我が国"], "Q17"),
    "moon": (["NaturalSatellite"], "月", "Moon", "つき", [], "Q405"),
}
CLASSES = {"Lander": ("着陸機", "Lander"), "Mission": ("ミッション", "Mission"), "Probe": ("探査機", "Probe"),
           "SupplyShip": ("補給機", "Supply ship"), "SpaceAgency": ("宇宙機関", "Space agency"),
           "Country": ("国", "Country"), "NaturalSatellite": ("衛星", "Natural satellite"),
           "Document": ("文書", "Document"), "Presentation": ("発表資料", "Presentation")}
PROPS = {"developedBy": ("開発者", "developed by"), "target": ("目標天体", "target"),
         "landingDate": ("着陸日", "landing date"), "operates": ("運用する", "operates")}
DOC1 = "mext-2026-03-27-lunar-exploration-followup"
DOC2 = "mext-2018-iss-exploration-subcommittee-interim-summary"
# (subject, predicate, object, doc, quote, rule)
FACTS = [
    ("slim", "landingDate", Literal("2024-01", datatype=XSD.gYearMonth), DOC1,
     "小型月着陸実証機（SLIM）のピンポイント着陸（2024年1月", "R-LANDING-DATE"),
    ("slim", "target", "moon", DOC1, "小型月着陸実証機（SLIM）のピンポイント着陸", "C-TEST-001"),
    ("jaxa", "operates", "htv-x", DOC2, "新型補給機（HTV-X）", "C-TEST-002"),
]


def _text(doc):
    return (SOURCES / f"{doc}.txt").read_text(encoding="utf-8")


def _selectors(ds_graph, ann, doc, start, end, text):
    t, pos, q = BNode(), BNode(), BNode()
    ds_graph.add((ann, OA.hasTarget, t))
    ds_graph.add((t, RDF.type, OA.SpecificResource))
    ds_graph.add((t, OA.hasSource, URIRef(BASE + "document/" + doc)))
    ds_graph.add((t, OA.hasSelector, pos))
    ds_graph.add((t, OA.hasSelector, q))
    ds_graph.add((pos, RDF.type, OA.TextPositionSelector))
    ds_graph.add((pos, OA.start, Literal(start)))
    ds_graph.add((pos, OA.end, Literal(end)))
    ds_graph.add((q, RDF.type, OA.TextQuoteSelector))
    ds_graph.add((q, OA.exact, Literal(text[start:end])))
    ds_graph.add((q, OA.prefix, Literal(text[max(0, start - 20):start])))
    ds_graph.add((q, OA.suffix, Literal(text[end:end + 20])))
    return t


def build(out: Path) -> Path:
    """Write the fixture graph as N-Quads to ``out`` and return the path."""
    ds = Dataset()
    onto, ents, docs = ds.graph(G.ontology), ds.graph(G.entities), ds.graph(G.documents)
    stated, ev, men, inf = ds.graph(G.stated), ds.graph(G.evidence), ds.graph(G.mentions), ds.graph(G.inferred)
    for name, (ja, en) in CLASSES.items():
        onto.add((SK[name], RDF.type, OWL.Class))
        onto.add((SK[name], RDFS.label, Literal(ja, lang="ja")))
        onto.add((SK[name], RDFS.label, Literal(en, lang="en")))
    for name, (ja, en) in PROPS.items():
        onto.add((SK[name], RDF.type, OWL.ObjectProperty))
        onto.add((SK[name], RDFS.label, Literal(ja, lang="ja")))
        onto.add((SK[name], RDFS.label, Literal(en, lang="en")))
    for slug, (classes, ja, en, kana, aliases, qid) in ENTITIES.items():
        e = RES[slug]
        for c in classes:
            ents.add((e, RDF.type, SK[c]))
        for p in (RDFS.label, SKOS.prefLabel):
            ents.add((e, p, Literal(ja, lang="ja")))
            ents.add((e, p, Literal(en, lang="en")))
        ents.add((e, SK.kanaReading, Literal(kana, lang="ja-Hrkt")))
        for a in aliases:
            ents.add((e, SKOS.altLabel, Literal(a)))
        if qid:
            ents.add((e, OWL.sameAs, WD[qid]))
    for doc, title in ((DOC1, "報告書「月面探査における当面の取組と進め方について」のフォローアップ"),
                       (DOC2, "文部科学省国際宇宙ステーション・国際宇宙探査小委員会 中間まとめ（概要）")):
        d = URIRef(BASE + "document/" + doc)
        docs.add((d, RDF.type, SK.Document))
        docs.add((d, RDF.type, SK.Presentation))
        docs.add((d, DCTERMS.title, Literal(title, lang="ja")))
        if doc == DOC1:
            docs.add((d, DCTERMS.date, Literal("2026-03-27", datatype=XSD.date)))
        else:
            docs.add((d, SK.dateNote, Literal("late 2018 (not printed)", lang="en")))
        text = _text(doc)
        for slug, (_c, ja, en, _k, aliases, _q) in ENTITIES.items():
            for form in [ja, en, *aliases]:
                if len(form) < 2:
                    continue
                i = text.find(form)
                while i >= 0:
                    m = URIRef(f"{BASE}mention/{doc}/{i}-{i + len(form)}")
                    men.add((m, RDF.type, OA.Annotation))
                    men.add((m, OA.hasBody, RES[slug]))
                    _selectors(men, m, doc, i, i + len(form), text)
                    i = text.find(form, i + len(form))
    for s, p, o, doc, quote, rule in FACTS:
        o_term = o if isinstance(o, Literal) else RES[o]  # a Literal is a str too
        stated.add((RES[s], SK[p], o_term))
        text = _text(doc)
        start = text.index(quote)
        end = start + len(quote)
        h = hashlib.sha1(f"{s} {p} {o}".encode()).hexdigest()[:16]
        st = URIRef(BASE + "statement/" + h)
        a = URIRef(f"{BASE}evidence/{doc}/{start}-{end}")
        ev.add((st, RDF.type, RDF.Statement))
        ev.add((st, RDF.subject, RES[s]))
        ev.add((st, RDF.predicate, SK[p]))
        ev.add((st, RDF.object, o_term))
        ev.add((st, PROV.wasDerivedFrom, a))
        ev.add((a, RDF.type, OA.Annotation))
        ev.add((a, RDF.type, PROV.Entity))
        ev.add((a, OA.motivatedBy, OA.describing))
        gen = BASE + ("curation/" if rule.startswith("C-") else "rule/") + rule
        ev.add((a, PROV.wasGeneratedBy, URIRef(gen)))
        t = _selectors(ev, a, doc, start, end, text)
        # heading path, date interval and as-of date as the build writes them (docs/DESIGN.md)
        add_headings(ev, IRIS, a, t, text, HeadingIndex(text).path(start))
        interval = add_interval(ev, IRIS, o_term)
        if interval is not None:
            ev.add((st, SK.dateInterval, interval))
        if doc == DOC1:
            ev.add((st, SK.statedAsOf, add_interval(ev, IRIS, Literal("2026-03-27", datatype=XSD.date))))
        else:
            ev.add((st, SK.asOfQualifier, Literal("approximate")))
    # one inferred fact with the rule that derived it
    inf.add((RES.moon, SK.relatedTo, RES.slim))
    st = URIRef(BASE + "statement/inferred0000000001")
    inf.add((st, RDF.type, RDF.Statement))
    inf.add((st, RDF.subject, RES.moon))
    inf.add((st, RDF.predicate, SK.relatedTo))
    inf.add((st, RDF.object, RES.slim))
    inf.add((st, PROV.wasGeneratedBy, URIRef(BASE + "rule/prp-symp")))
    # a property whose domain is an OWL class expression (a blank node)
    dom, lst = BNode(), BNode()
    onto.add((SK.target, RDFS.domain, dom))
    onto.add((dom, RDF.type, OWL.Class))
    Collection(onto, lst, [SK.Mission, SK.Probe])
    onto.add((dom, OWL.unionOf, lst))
    out.parent.mkdir(parents=True, exist_ok=True)
    ds.serialize(out, format="nquads")
    return out


if __name__ == "__main__":
    import sys
    print(build(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/spacekg-fixture/spacekg.nq")))
