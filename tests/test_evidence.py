"""Evidence that shows the fact, and facts in time (issue 10), on the real corpus:
heading paths, chart readings, as-of dates, date intervals, n-ary nodes, minted-node
descriptions."""

from __future__ import annotations

from datetime import date

import pytest
from rdflib import RDF, RDFS, XSD, Literal

from spacekg.config import OA, PROV, TIME
from spacekg.evidence import HeadingIndex
from spacekg.values import DATE, DECADE, FISCAL_YEAR, YEAR, YEAR_MONTH, date_bounds


@pytest.mark.parametrize("lexical, datatype, quals, begin, end", [
    ("2021", FISCAL_YEAR, (), date(2021, 4, 1), date(2022, 3, 31)),
    ("2030s", DECADE, (), date(2030, 1, 1), date(2039, 12, 31)),
    ("1990s", DECADE, ("early",), date(1990, 1, 1), date(1993, 12, 31)),
    ("2020s", DECADE, ("late",), date(2026, 1, 1), date(2029, 12, 31)),
    ("2024-02", YEAR_MONTH, (), date(2024, 2, 1), date(2024, 2, 29)),
    ("2035", YEAR, ("by", "approximate"), None, date(2035, 12, 31)),
    ("2025", YEAR, ("from",), date(2025, 1, 1), None),
    ("2025-06-13", DATE, (), date(2025, 6, 13), date(2025, 6, 13)),
])
def test_date_bounds(lexical, datatype, quals, begin, end):
    assert date_bounds(lexical, datatype, frozenset(quals)) == (begin, end)


def test_date_bounds_rejects_what_is_not_a_date():
    with pytest.raises(ValueError):
        date_bounds("2030", DECADE)
    with pytest.raises(ValueError):
        date_bounds("12", XSD.integer)


def _path(sources, doc, passage):
    text = sources[doc].text
    return [text[h.start:h.end] for h in HeadingIndex(text).path(text.index(passage))]


def test_heading_paths_on_the_corpus(sources):
    """The passage's subject is in the headings above it: the meeting of an agenda item, the
    section of SLIM's landing, the Step of the Mars programme; sibling ○ items and list items
    are not parents."""
    lunar = "mext-2026-03-27-lunar-exploration-followup"
    mars = "jaxa-2025-06-26-mars-small-bodies-planetary-defense"
    assert _path(sources, lunar, "○月面探査における科学・実証等") == [
        "【2】第69回ISS・国際宇宙探査小委員会（令和7年6月13日）"]
    assert _path(sources, lunar, "小型月着陸実証機（SLIM）のピンポイント着陸") == [
        "3. 月面探査に関する当面の取組", "(3) 月面への輸送能力・機会の確保"]
    step2 = _path(sources, mars, "STEP1のEDL技術を高性能化")
    assert step2[-1].startswith("【Step2") and step2[0].startswith("1.2.")
    assert _path(sources, mars, "生命起源の解明") == ["2.2.関連する取組・構想等（小天体関係/小天体探査）"]
    # a ≪≫ caption heads its items; a year in brackets (a chart cell) and a bare (5) do not
    interim = "mext-2018-iss-exploration-subcommittee-interim-summary"
    assert _path(sources, interim, "国際宇宙ステーション（ISS）参加国（日本、米国、欧州、")[-2:] == [
        "≪ISEF2の結果概要≫", "○参加国"]
    results = "mext-iss-results-and-post-iss-national-use"
    # an appendix slide's title (参考：…) heads its slide, never a numbered section after it
    assert _path(sources, mars, "極域の場合：気象計あるいは磁力計") == [
        "参考：火星本星着陸探査プログラム（案）STEP1 ミッションイメージ"]
    assert _path(sources, results, "ECLSS技術などを中心に")[0].startswith("参考４ 将来の低軌道活動")
    assert "(5)" not in _path(sources, results, "第44回、46回ISS・国際宇宙探査小委員会")


def _evidence_of(built, iris, s, p, o):
    """graph/evidence and the statement node of ``s p o``."""
    ev = built.dataset.graph(iris.graph["evidence"])
    st = next(st for st in ev.subjects(RDF.subject, s)
              if (st, RDF.predicate, p) in ev and (st, RDF.object, o) in ev)
    return ev, st


def test_evidence_carries_heading_path_and_as_of(built, iris):
    """SLIM's landing date: the annotation's headings (outermost first, chained by
    oa:refinedBy down to the passage's quote) and the statement's as-of date (2026-03-27)."""
    sk, res = iris.sk, iris.res
    ev, st = _evidence_of(built, iris, res.slim, sk.landingDate, Literal("2024-01", datatype=XSD.gYearMonth))
    ann = next(ev.objects(st, PROV.wasDerivedFrom))
    target = ev.value(ann, OA.hasTarget)
    heads = sorted(ev.objects(target, sk.headingSelector), key=lambda h: int(ev.value(h, sk.headingLevel)))
    assert [str(ev.value(h, OA.exact)) for h in heads] == [
        "3. 月面探査に関する当面の取組", "(3) 月面への輸送能力・機会の確保"]
    assert ev.value(heads[0], OA.refinedBy) == heads[1]
    assert ev.value(heads[1], OA.refinedBy) == next(
        q for q in ev.objects(target, OA.hasSelector) if (q, RDF.type, OA.TextQuoteSelector) in ev)
    asof = ev.value(st, sk.statedAsOf)
    assert ev.value(asof, sk.printedDate) == Literal("2026-03-27", datatype=XSD.date)
    interval = ev.value(st, sk.dateInterval)
    assert ev.value(ev.value(interval, TIME.hasBeginning), TIME.inXSDDate) == Literal("2024-01-01", datatype=XSD.date)
    assert ev.value(ev.value(interval, TIME.hasEnd), TIME.inXSDDate) == Literal("2024-01-31", datatype=XSD.date)


def test_plan_as_of_its_document(built, iris):
    """SLIM's planned launch in fiscal 2021 is a plan of the (approximately dated) 2018 summary,
    and its interval is the fiscal year."""
    sk, res = iris.sk, iris.res
    ev, st = _evidence_of(built, iris, res.slim, sk.plannedLaunchDate, Literal("2021", datatype=sk.fiscalYear))
    assert ev.value(ev.value(st, sk.statedAsOf), sk.printedDate) == Literal("2018-12", datatype=XSD.gYearMonth)
    assert str(ev.value(st, sk.asOfQualifier)) == "approximate"
    interval = ev.value(st, sk.dateInterval)
    assert str(ev.value(ev.value(interval, TIME.hasBeginning), TIME.inXSDDate)) == "2021-04-01"
    assert str(ev.value(ev.value(interval, TIME.hasEnd), TIME.inXSDDate)) == "2022-03-31"


def test_every_date_fact_has_ordered_bounds(built, iris):
    """Every date-valued stated fact has an interval whose bounds are xsd:dates in order."""
    sk = iris.sk
    ev = built.dataset.graph(iris.graph["evidence"])
    checked = 0
    for st, o in ev.subject_objects(RDF.object):
        if not isinstance(o, Literal) or o.datatype is None or not str(o.datatype).endswith(
                ("#date", "#dateTime", "#gYear", "#gYearMonth", "#fiscalYear", "#decade")):
            continue
        interval = ev.value(st, sk.dateInterval)
        assert interval is not None, (st, o)
        b = ev.value(ev.value(interval, TIME.hasBeginning), TIME.inXSDDate)
        e = ev.value(ev.value(interval, TIME.hasEnd), TIME.inXSDDate)
        assert b is not None or e is not None
        if b is not None and e is not None:
            assert b.toPython() <= e.toPython(), (o, b, e)
        checked += 1
    assert checked >= 50


def test_chart_reading_quotes_row_and_caption(built, iris):
    """MAVEN's launch year is read from a chart cell: the annotation says so and quotes the
    chart's title and the cell's row (米国)."""
    sk, res = iris.sk, iris.res
    ev, st = _evidence_of(built, iris, res.maven, sk.launchDate, Literal("2013", datatype=XSD.gYear))
    ann = next(ev.objects(st, PROV.wasDerivedFrom))
    assert (ann, OA.motivatedBy, sk.chartReading) in ev
    target = ev.value(ann, OA.hasTarget)
    assert [str(ev.value(h, OA.exact)) for h in ev.objects(target, sk.rowHeading)] == ["米国"]
    assert "火星探査をめぐる各国の動向" in {str(ev.value(h, OA.exact)) for h in ev.objects(target, sk.headingSelector)}


def test_no_facts_from_outside_the_documents(built, iris):
    """Operators no document names, developers from an image credit and a country from a
    misread cell are not stated."""
    sk, res = iris.sk, iris.res
    stated = built.dataset.graph(iris.graph["stated"])
    for t in [(res["chang-e-5"], sk.operatedBy, res.cnsa), (res.insight, sk.operatedBy, res.nasa),
              (res.jaxa, sk.develops, res.slim), (res.kplo, sk.country, res["south-korea"])]:
        assert t not in stated, t
    assert not list(stated.triples((None, sk.relatedTo, None)))


def test_participation_node(built, iris):
    """Japan's announcement of joining Artemis is a participation node with its date."""
    sk, res = iris.sk, iris.res
    stated = built.dataset.graph(iris.graph["stated"])
    ents = built.dataset.graph(iris.graph["entities"])
    p = next(stated.subjects(sk.participant, res.japan))
    assert (p, sk.participationIn, res["artemis-program"]) in stated
    assert (p, sk.announcementDate, Literal("2019-10", datatype=XSD.gYearMonth)) in stated
    assert (res.japan, sk.announcementDate, None) not in stated
    assert (p, RDF.type, sk.Participation) in ents  # a description, not a stated fact
    assert (p, RDF.type, None) not in stated


def test_minted_nodes_are_described_not_stated(built, iris):
    """Labels and types of generated nodes live in graph/entities; graph/stated has none."""
    sk = iris.sk
    stated = built.dataset.graph(iris.graph["stated"])
    ents = built.dataset.graph(iris.graph["entities"])
    measurements = set(ents.subjects(RDF.type, sk.Measurement))
    assert len(measurements) >= 40
    for m in measurements:
        assert (m, RDFS.label, None) not in stated and (m, RDF.type, None) not in stated
    assert {m for m in measurements if (m, sk.quantityKind, None) in ents} == measurements


def test_measurement_qualifiers(built, iris):
    """「85％以上」 is at least 85; 「約1602日」 approximately 1602; a 半減 target is a target."""
    sk = iris.sk
    stated = built.dataset.graph(iris.graph["stated"])

    def qualifier(value):
        m = next(stated.subjects(sk.value, Literal(value, datatype=XSD.decimal)))
        return str(stated.value(m, sk.valueQualifier))
    assert qualifier("85") == "at-least"
    assert qualifier("1602") == "approximately"
    assert list(stated.subjects(sk.isTarget, Literal(True)))


@pytest.fixture(scope="module")
def oxstore(built_dir):
    import pyoxigraph as ox

    st = ox.Store()
    st.bulk_load(path=str(built_dir / "spacekg.nq"), format=ox.RdfFormat.N_QUADS)
    return st


def _example(oxstore, iris, eid):
    from spacekg.server.browse.examples import examples

    q = next(e for e in examples(iris.base) if e["id"] == eid)["query"]
    res = oxstore.query(q, use_default_graph_as_union=True)
    names = [v.value for v in res.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in res]


def test_example_missions_to_the_moon_by_launch_date(oxstore, iris):
    """Polar and far-side missions count as missions to the Moon; dated rows come first, sorted
    by the first day of their interval across fiscal years and calendar years."""
    rows = _example(oxstore, iris, "moon-missions")
    found = {r["mission"].rsplit("/", 1)[-1] for r in rows}
    assert {"lupex", "chang-e-4", "luna-27", "slim", "kaguya", "equuleus"} <= found
    begins = [r["begin"] for r in rows if r["begin"]]
    assert begins == sorted(begins) and len(begins) >= 3
    dated = [r for r in rows if r["begin"]]
    assert rows[:len(dated)] == dated  # undated missions last
    slim = next(r for r in rows if r["mission"].endswith("/slim") and r["date"] == "2021")
    assert slim["begin"] == "2021-04-01" and slim["asOf"] == "2018-12"  # a 2018 plan


def test_example_japans_commitments(oxstore, iris):
    rows = _example(oxstore, iris, "japan-commitments")
    by_what = {(r["what"].rsplit("/", 1)[-1], r["date"]) for r in rows}
    assert ("artemis-program", "2019-10") in by_what
    assert ("esa-jaxa-joint-statement-2024", "2024-11-20") in by_what
    begins = [r["begin"] for r in rows if r["begin"]]
    assert begins == sorted(begins)
