"""Tests for spacekg.values: a table of forms, the real corpus, boundaries and invariants."""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import XSD

from spacekg.values import DECADE, FISCAL_YEAR, Value, find_values

SOURCES = Path(__file__).resolve().parents[1] / "data" / "sources"
DOCS = sorted(SOURCES.glob("*.txt"))
SK_DT = {"fiscalYear": FISCAL_YEAR, "decade": DECADE}


def _dt(short: str) -> str:
    return SK_DT.get(short) or str(XSD[short])


def _only(text: str, surface: str) -> Value:
    """The single value found in ``text`` whose surface is ``surface``."""
    hits = [v for v in find_values(text) if v.surface == surface]
    assert len(hits) == 1, (surface, find_values(text))
    return hits[0]


def _read(doc: str) -> str:
    return (SOURCES / f"{doc}.txt").read_text(encoding="utf-8")


# (text, surface, kind, lexical, datatype, qualifiers, number, unit)
CASES = [
    # Western calendar dates
    ("2024年1月、5ヶ国目", "2024年1月", "date", "2024-01", "gYearMonth", "", None, None),
    ("（2018年7月20日、於：東京）", "2018年7月20日", "date", "2018-07-20", "date", "", None, None),
    ("共同声明(2024/11/20)にて", "2024/11/20", "date", "2024-11-20", "date", "", None, None),
    ("(2022/2/14時点)", "2022/2/14", "date", "2022-02-14", "date", "as-of", None, None),
    ("2029年４月13日(金)に地球最接近", "2029年４月13日(金)", "date", "2029-04-13", "date", "",
     None, None),
    ("2029年4月13日 21:46UTCに", "2029年4月13日 21:46UTC", "date", "2029-04-13T21:46:00Z",
     "dateTime", "", None, None),
    ("地球最接近（21:46UTC、", "21:46UTC", "time", "21:46:00Z", "time", "", None, None),
    ("（2018.5）内部構造探査", "2018.5", "date", "2018-05", "gYearMonth", "", None, None),
    ("飛行試験（2023年）", "2023年", "date", "2023", "gYear", "", None, None),
    ("1992年 2004年", "1992年", "date", "1992", "gYear", "", None, None),
    ("(2020)ローバ", "2020", "date", "2020", "gYear", "", None, None),
    ("（2013）周回", "2013", "date", "2013", "gYear", "", None, None),
    ("サンプルリターン(2028打上げ)", "2028", "date", "2028", "gYear", "", None, None),
    ("2014~2020年度で約10倍", "2014~2020年度", "date", "2014", "fiscalYear",
     "fiscal-year range", None, None),
    ("２０２３年６月閣議決定", "２０２３年６月", "date", "2023-06", "gYearMonth", "", None, None),
    ("2013年2月15日", "2013年2月15日", "date", "2013-02-15", "date", "", None, None),
    # Japanese eras
    ("（令和7年6月13日）", "令和7年6月13日", "date", "2025-06-13", "date", "era", None, None),
    ("(令和6年7月23日、科学技術", "令和6年7月23日", "date", "2024-07-23", "date", "era", None,
     None),
    ("小委員会（令和8年3月27日）", "令和8年3月27日", "date", "2026-03-27", "date", "era", None,
     None),
    ("開催日 平成30年3月3日(土)", "平成30年3月3日(土)", "date", "2018-03-03", "date", "era",
     None, None),
    ("工程表 平成３０年度改訂", "平成３０年度", "date", "2018", "fiscalYear", "era fiscal-year",
     None, None),
    ("第1回会合が平成26年に", "平成26年", "date", "2014", "gYear", "era", None, None),
    ("（令和7年4月）", "令和7年4月", "date", "2025-04", "gYearMonth", "era", None, None),
    ("令和元年5月1日", "令和元年5月1日", "date", "2019-05-01", "date", "era", None, None),
    ("平成元年", "平成元年", "date", "1989", "gYear", "era", None, None),
    ("昭和64年", "昭和64年", "date", "1989", "gYear", "era", None, None),
    # fiscal years
    ("2021年度に打ち上げ予定", "2021年度", "date", "2021", "fiscalYear", "fiscal-year planned",
     None, None),
    ("2029年度打上げ予定", "2029年度", "date", "2029", "fiscalYear", "fiscal-year planned",
     None, None),
    ("2018年度の民間移管以降", "2018年度", "date", "2018", "fiscalYear", "fiscal-year", None,
     None),
    ("民間移管(2019年\n度)。", "2019年\n度", "date", "2019", "fiscalYear", "fiscal-year", None,
     None),
    # decades
    ("2030年代には", "2030年代", "date", "2030s", "decade", "decade", None, None),
    ("2030 年代には", "2030 年代", "date", "2030s", "decade", "decade", None, None),
    ("2020年代前半には", "2020年代前半", "date", "2020s", "decade", "decade early", None, None),
    ("2020年代後半の地球低軌道", "2020年代後半", "date", "2020s", "decade", "decade late", None,
     None),
    ("2020年代中盤以降の", "2020年代中盤以降", "date", "2020s", "decade", "decade mid from",
     None, None),
    ("活動は1990年代初めから", "1990年代初めから", "date", "1990s", "decade",
     "decade early from", None, None),
    # approximate / bounded dates
    ("【Step1：～2030年頃までに】", "～2030年頃までに", "date", "2030", "gYear",
     "by approximate", None, None),
    ("火星： 2020年前後に", "2020年前後", "date", "2020", "gYear", "approximate", None, None),
    ("○ ２０２４年までに水", "２０２４年までに", "date", "2024", "gYear", "by", None, None),
    ("ISS運用を2030年まで延長", "2030年まで", "date", "2030", "gYear", "until", None, None),
    ("○2025年以降のISS", "2025年以降", "date", "2025", "gYear", "from", None, None),
    ("補給機 2009年-「こうのとり」", "2009年-", "date", "2009", "gYear", "from", None, None),
    # quantities, counts, percentages, durations
    ("ISS滞在実績 約1602日", "約1602日", "duration", "1602", "decimal", "approximate", "1602",
     "d"),
    ("約300名が参加", "約300名", "quantity", "300", "integer", "approximate", "300", "count"),
    ("約10倍に増加", "約10倍", "quantity", "10", "decimal", "approximate", "10", "times"),
    ("約3年間で国内外", "約3年間", "duration", "3", "decimal", "approximate", "3", "year"),
    ("薄い大気（約1/100）", "約1/100", "number", "0.01", "decimal", "approximate fraction",
     "0.01", None),
    ("観測器は10kg程度", "10kg程度", "quantity", "10", "decimal", "approximate", "10", "kg"),
    ("50kg級の逆噴射", "50kg級", "quantity", "50", "decimal", "class", "50", "kg"),
    ("500～1000kg級", "500～1000kg級", "quantity", "500", "decimal", "class range", "500", "kg"),
    ("■6550万年前", "6550万年前", "duration", "65500000", "decimal", "ago", "65500000", "year"),
    ("地表から約32,000km", "約32,000km", "quantity", "32000", "decimal", "approximate", "32000",
     "km"),
    ("0.00025auまで", "0.00025au", "quantity", "0.00025", "decimal", "", "0.00025", "au"),
    ("直径が340ｍの天体", "340ｍ", "quantity", "340", "decimal", "", "340", "m"),
    ("・約17mの天体衝突", "約17m", "quantity", "17", "decimal", "approximate", "17", "m"),
    ("・南北180km、", "180km", "quantity", "180", "decimal", "", "180", "km"),
    ("・約2000平方km", "約2000平方km", "quantity", "2000", "decimal", "approximate", "2000",
     "km2"),
    ("高再生率（85％以上）", "85％以上", "percent", "85", "decimal", "at-least", "85", "%"),
    ("成功率100％", "100％", "percent", "100", "decimal", "", "100", "%"),
    ("96.3％", "96.3％", "percent", "96.3", "decimal", "", "96.3", "%"),
    ("15ヶ国が衛星保有国", "15ヶ国", "quantity", "15", "integer", "", "15", "count"),
    ("14国地域19機関が参加", "19機関", "quantity", "19", "integer", "", "19", "count"),
    ("国内外41機を受注", "41機", "quantity", "41", "integer", "", "41", "count"),
    ("2年で13件の受注", "13件", "quantity", "13", "integer", "", "13", "count"),
    ("276件の実験", "276件", "quantity", "276", "integer", "", "276", "count"),
    ("論文数は4倍に", "4倍", "quantity", "4", "decimal", "", "4", "times"),
    ("宇宙飛行士の2回の月面着陸", "2回", "quantity", "2", "integer", "", "2", "count"),
    ("９機連続成功", "９機", "quantity", "9", "integer", "consecutive", "9", "count"),
    ("（45の国・国際機関から", "45の国・国際機関", "quantity", "45", "integer", "", "45", "count"),
    ("論文約2500本", "約2500本", "quantity", "2500", "integer", "approximate", "2500", "count"),
    ("被引用数歴代3位（293回）", "293回", "quantity", "293", "integer", "", "293", "count"),
    ("27団体", "27団体", "quantity", "27", "integer", "", "27", "count"),
    ("1,602", "1,602", "number", "1602", "decimal", "", "1602", None),
    ("（20~30kg x 2~4機）", "2~4機", "quantity", "2", "integer", "range", "2", "count"),
    ("（20~30kg x 2~4機）", "20~30kg", "quantity", "20", "decimal", "range", "20", "kg"),
    ("・50〜60ｍの天体", "50〜60ｍ", "quantity", "50", "decimal", "range", "50", "m"),
    ("約4件/年", "約4件/年", "quantity", "4", "integer", "approximate per-year", "4",
     "count/year"),
    ("3回で35万人参加", "35万人", "quantity", "350000", "integer", "", "350000", "count"),
    ("2機以上の衛星", "2機以上", "quantity", "2", "integer", "at-least", "2", "count"),
    ("ギャップ（計166項目）", "計166項目", "quantity", "166", "integer", "total", "166", "count"),
    # ordinals
    ("第69回ISS・国際宇宙探査小委員会", "第69回", "ordinal", "69", "integer", "", "69", None),
    ("5ヶ国目", "5ヶ国目", "ordinal", "5", "integer", "", "5", None),
    ("ロードマップ 第３版", "第３版", "ordinal", "3", "integer", "", "3", None),
    ("世界3位のISS滞在実績", "3位", "ordinal", "3", "integer", "", "3", None),
    ("第44回、46回ISS", "46回", "ordinal", "46", "integer", "", "46", None),
    ("（第45～47回小委員会", "第45～47回", "ordinal", "45", "integer", "range", "45", None),
    # months without a year
    ("日米首脳会談（2月）", "2月", "month", "--02", "gMonth", "", None, None),
    ("※昨年6月に月測位", "昨年6月", "month", "--06", "gMonth", "previous-year", None, None),
    ("本年９月から３回開催", "本年９月から", "month", "--09", "gMonth", "current-year from",
     None, None),
    ("7月", "7月", "month", "--07", "gMonth", "", None, None),
]


@pytest.mark.parametrize(
    ("text", "surface", "kind", "lexical", "datatype", "quals", "number", "unit"), CASES,
    ids=[f"{i}-{c[1]}" for i, c in enumerate(CASES)],
)
def test_forms(text, surface, kind, lexical, datatype, quals, number, unit):
    v = _only(text, surface)
    assert text[v.start:v.end] == surface
    assert (v.kind, v.lexical, v.datatype) == (kind, lexical, _dt(datatype))
    assert v.qualifiers == frozenset(quals.split())
    assert v.number == (Decimal(number) if number is not None else None)
    assert v.unit == unit


def test_table_is_large_enough():
    assert len(CASES) >= 60


def test_range_upper_bounds():
    assert _only("2~4機", "2~4機").upper == Decimal(4)
    assert _only("500～1000kg級", "500～1000kg級").upper_lexical == "1000"
    fy = _only("2014~2020年度で", "2014~2020年度")
    assert (fy.lexical, fy.upper_lexical, fy.upper) == ("2014", "2020", None)
    assert _only("2024年1月", "2024年1月").upper is None


def test_reversed_range_is_not_a_range():
    assert not any("range" in v.qualifiers for v in find_values("60~50kg と 2020~2014年度"))


@pytest.mark.parametrize("text", [
    "~2015 2016 2017 2018 2019 2020 2021",  # timeline axis
    "2024 YR4、", "CO2還元", "H2Bロケット", "中国のHX-2", "Luna 27", "(ISEF2)", "はやぶさ２",
    "Mars2020InSight", "資料44-2から", "資料48-1-2", "P13参考3参照", "（１）これまで", "1.1.状況認識",
    "https://example.com/2024/07/18/why", "嫦娥1~3", "JP-US OP3", "STEP1クラス", "LEV-1",
    "数百kg級", "1月面天文台、2月サンプルの選別・採取・分析、3月震計", "2月測位システム",
    "STEP2年", "HTV7機", "GER3版", "ab2,000km",  # digits glued to a Latin word
    "13日",  # a day without a month is not a number of days
])
def test_no_value_inside_unrelated_words(text):
    assert find_values(text) == []


def test_to_literal():
    lit = _only("令和7年6月13日", "令和7年6月13日").to_literal()
    assert lit.toPython() == datetime.date(2025, 6, 13)
    fy = _only("2021年度", "2021年度").to_literal()
    assert (str(fy), str(fy.datatype)) == ("2021", FISCAL_YEAR)
    pct = _only("96.3％", "96.3％").to_literal()
    assert pct.toPython() == Decimal("96.3")


def test_value_is_frozen():
    v = find_values("2021年度")[0]
    with pytest.raises(AttributeError):
        v.lexical = "x"


# ---------------------------------------------------------------- real corpus
def _passage(doc: str, passage: str) -> tuple[str, list[Value]]:
    """Values of ``doc`` that lie inside the first occurrence of ``passage``."""
    text = _read(doc)
    start = text.index(passage)
    end = start + len(passage)
    return text, [v for v in find_values(text) if start <= v.start and v.end <= end]


def test_followup_meeting_69():
    _, vs = _passage("mext-2026-03-27-lunar-exploration-followup",
                     "第69回ISS・国際宇宙探査小委員会（令和7年6月13日）")
    assert [(v.kind, v.lexical) for v in vs] == [("ordinal", "69"), ("date", "2025-06-13")]


def test_followup_all_meetings_dated():
    text = _read("mext-2026-03-27-lunar-exploration-followup")
    vs = find_values(text)
    meetings = {}
    for a, b in zip(vs, vs[1:], strict=False):
        between = text[a.end:b.start]
        if a.kind == "ordinal" and b.datatype == str(XSD.date) and "委員会" in between:
            meetings[int(a.lexical)] = b.lexical
    assert meetings == {69: "2025-06-13", 70: "2025-06-26", 71: "2025-07-15",
                        72: "2025-10-20", 73: "2025-12-26", 74: "2026-03-27"}


def test_jaxa_apophis_date_and_distance():
    _, vs = _passage("jaxa-2025-06-26-mars-small-bodies-planetary-defense",
                     "2029年４月13日(金)に地球最接近（21:46UTC、地心から0.00025au")
    assert [(v.surface, v.lexical) for v in vs] == [
        ("2029年４月13日(金)", "2029-04-13"), ("21:46UTC", "21:46:00Z"), ("0.00025au", "0.00025")]


def test_extension_stay_days_and_success_rates():
    doc = "mext-iss-extension-verification"
    _, vs = _passage(doc, "3 日本 約1602日")
    assert [(v.surface, v.number, v.unit) for v in vs] == [("約1602日", Decimal(1602), "d")]
    _, vs = _passage(doc, "HTV(日) 100％")
    assert [(v.kind, v.number) for v in vs] == [("percent", Decimal(100))]
    _, vs = _passage(doc, "(2022/2/14時点)")
    assert [(v.lexical, v.qualifiers) for v in vs] == [("2022-02-14", frozenset({"as-of"}))]


def test_interim_summary_timeline_has_no_years():
    text = _read("mext-2018-iss-exploration-subcommittee-interim-summary")
    start = text.index("～2015 2016")
    end = text.index("2026", start) + 4
    assert [v for v in find_values(text) if start <= v.start < end] == []


def test_interim_summary_isef2_date():
    _, vs = _passage("mext-2018-iss-exploration-subcommittee-interim-summary",
                     "○開催日 平成３０年３月３日（土）")
    assert [(v.lexical, v.surface[-3:]) for v in vs] == [("2018-03-03", "（土）")]


@pytest.fixture(scope="module", params=[p.stem for p in DOCS])
def corpus(request):
    text = _read(request.param)
    return request.param, text, find_values(text)


def test_corpus_surfaces_offsets_and_order(corpus):
    _, text, vs = corpus
    assert vs, "every source document contains values"
    for v in vs:
        assert v.surface == text[v.start:v.end] and v.end > v.start
    for a, b in zip(vs, vs[1:], strict=False):
        assert a.end <= b.start


def test_corpus_boundaries(corpus):
    _, text, vs = corpus
    for v in vs:
        before = text[v.start - 1] if v.start else " "
        after = text[v.end] if v.end < len(text) else " "
        assert not re.match(r"[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]", before), (v, before)
        if v.surface[-1].isdigit():
            assert not re.match(r"[A-Za-z0-9０-９.]", after), (v, after)


LEXICAL = {
    str(XSD.date): r"\d{4}-\d\d-\d\d", str(XSD.gYearMonth): r"\d{4}-\d\d",
    str(XSD.gYear): r"\d{4}", str(XSD.dateTime): r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)?",
    str(XSD.time): r"\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)?", str(XSD.gMonth): r"--\d\d",
    str(XSD.gMonthDay): r"--\d\d-\d\d", FISCAL_YEAR: r"\d{4}", DECADE: r"\d{3}0s",
    str(XSD.decimal): r"-?\d+(\.\d+)?", str(XSD.integer): r"-?\d+",
}


def test_corpus_lexical_forms_are_valid(corpus):
    _, _, vs = corpus
    for v in vs:
        assert re.fullmatch(LEXICAL[v.datatype], v.lexical), v
        if v.datatype in (str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear), FISCAL_YEAR):
            assert 1800 <= int(v.lexical[:4]) <= 2100, v
        if v.datatype == str(XSD.date):
            datetime.date.fromisoformat(v.lexical)
        if v.number is not None:
            assert Decimal(v.lexical) == v.number, v
        if "range" in v.qualifiers:
            assert v.upper_lexical is not None
        if "era" in v.qualifiers:
            assert v.surface[:2] in ("令和", "平成", "昭和", "大正", "明治"), v


def test_corpus_nfkc_gives_same_values(corpus):
    _, text, vs = corpus
    norm = unicodedata.normalize("NFKC", text)
    vn = find_values(norm)
    assert [(v.kind, v.lexical, v.datatype, v.qualifiers) for v in vn] == [
        (v.kind, v.lexical, v.datatype, v.qualifiers) for v in vs]
    assert all(v.surface == norm[v.start:v.end] for v in vn)


def test_corpus_offsets_shift_with_prefix(corpus):
    _, text, vs = corpus
    prefix = "x。\n"
    shifted = find_values(prefix + text)
    assert [(v.start - len(prefix), v.end - len(prefix), v.lexical) for v in shifted] == [
        (v.start, v.end, v.lexical) for v in vs]


def test_corpus_year_surfaces_reparse(corpus):
    _, _, vs = corpus
    for v in vs:
        if v.kind == "date" and "年" in v.surface:
            again = find_values(v.surface)
            assert [(w.lexical, w.datatype) for w in again] == [(v.lexical, v.datatype)], v


def test_corpus_expected_counts():
    """Values the five documents are known to contain (read off the texts by hand)."""
    found = {p.stem: find_values(p.read_text(encoding="utf-8")) for p in DOCS}
    lex = {d: {(v.kind, v.lexical) for v in vs} for d, vs in found.items()}
    assert {("date", "2029"), ("date", "2028"), ("duration", "65500000")} <= lex[
        "jaxa-2025-06-26-mars-small-bodies-planetary-defense"]
    assert {("date", "2017-11"), ("date", "2018-07-20"), ("quantity", "45"),
            ("date", "2020s")} <= lex["mext-2018-iss-exploration-subcommittee-interim-summary"]
    assert {("ordinal", str(n)) for n in range(69, 75)} <= lex[
        "mext-2026-03-27-lunar-exploration-followup"]
    assert {("percent", "96.3"), ("percent", "95.8"), ("percent", "93.8"),
            ("duration", "15272")} <= lex["mext-iss-extension-verification"]
    assert {("ordinal", "38"), ("ordinal", "44"), ("ordinal", "46"), ("date", "2040s")} <= lex[
        "mext-iss-results-and-post-iss-national-use"]
