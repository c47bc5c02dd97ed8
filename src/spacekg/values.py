"""Value recognition: dates, fiscal years, decades, counts, quantities, percentages, ordinals.

:func:`find_values` scans Japanese/English text (NFKC-normalised or raw: full-width digits and
punctuation are folded internally, offsets always index the text given) and returns
non-overlapping :class:`Value` objects, longest match first, each with the RDF literal it
denotes. Qualifier words that belong to the expression (約, 頃, までに, 以上, 級 …) are part of
the surface; context that only qualifies it (打上げ予定, 時点, 連続) is looked at, not consumed.

Conventions and sources:

* Japanese eras (元号): 明治 1868, 大正 1912, 昭和 1926 (昭和元年 = 1926), 平成 1989
  (元号を改める政令, 昭和64年政令第1号: 平成元年 = 1989), 令和 2019 (元号を改める政令,
  平成31年政令第143号: 令和元年 = 2019). Year *n* of an era is ``first_year + n - 1``;
  ``元年`` is year 1. The era's first year is shared with its predecessor, so only the year
  is converted; no check is made that a month/day falls inside the era.
* Fiscal years (年度): the Japanese government fiscal year runs from 1 April to 31 March
  (財政法 第11条: 国の会計年度は、毎年四月一日に始まり、翌年三月三十一日に終る), and is
  named after the calendar year in which it starts: 2021年度 = 2021-04-01 .. 2022-03-31,
  lexical form ``"2021"^^sk:fiscalYear`` (docs/DESIGN.md).
* Decades: 2030年代 -> ``"2030s"^^sk:decade``.

Qualifiers: approximate (約 頃 前後 程度 およそ), by (～2030年, までに), until (まで),
from (以降, から, "2009年-"), planned (…予定/目標 follows), as-of (…時点 follows),
fiscal-year, decade, early/mid/late (年代前半/中盤・半ば/後半), era (converted from an era name),
range (a~b: lower bound in ``number``/``lexical``, upper bound in ``upper``/``upper_lexical``),
at-least/at-most/less-than/more-than (以上 以下 未満 超), class (級: a mass class),
ago (…年前), fraction (約1/100), total (計), cumulative (延べ), consecutive (…連続 follows),
previous-year/current-year/next-year (昨年/本年/来年 before a month), per-year (…/年).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from rdflib import Literal, URIRef

XSD = "http://www.w3.org/2001/XMLSchema#"
SK = "https://w3id.org/spacekg/ontology#"
FISCAL_YEAR, DECADE = SK + "fiscalYear", SK + "decade"
DATE, YEAR_MONTH, YEAR = XSD + "date", XSD + "gYearMonth", XSD + "gYear"
DATE_TIME, TIME, MONTH, MONTH_DAY = XSD + "dateTime", XSD + "time", XSD + "gMonth", XSD + "gMonthDay"
DECIMAL, INTEGER = XSD + "decimal", XSD + "integer"

#: First Gregorian year of each era (see the module docstring for the sources).
ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}


@dataclass(frozen=True)
class Value:
    """One value expression found in a text.

    Attributes:
        start, end: code-point offsets into the text given to :func:`find_values`, end exclusive.
        surface: ``text[start:end]``.
        kind: date | month | time | number | quantity | percent | duration | ordinal.
        lexical: lexical form of the RDF literal (``"2025-06-13"``, ``"2021"``, ``"1602"``).
        datatype: full datatype IRI (xsd:date …, sk:fiscalYear, sk:decade).
        number: the numeric value (lower bound of a range), None for dates and months.
        unit: unit code (``%``, kg, km, km2, m, au, d, wk, mo, h, year, count, times; a
            ``/year`` suffix for rates such as 約4件/年), or None.
        qualifiers: frozenset of qualifier codes (module docstring).
        upper, upper_lexical: upper bound of a range (``upper`` is None for date ranges).
    """

    start: int
    end: int
    surface: str
    kind: str
    lexical: str
    datatype: str
    number: Decimal | None = None
    unit: str | None = None
    qualifiers: frozenset[str] = frozenset()
    upper: Decimal | None = None
    upper_lexical: str | None = None

    def to_literal(self) -> Literal:
        """The typed rdflib Literal ``lexical^^datatype``."""
        return Literal(self.lexical, datatype=URIRef(self.datatype))


# ---------------------------------------------------------------- folding
def _fold(text: str) -> tuple[str, list[int]]:
    """Fold full-width ASCII forms to ASCII and drop line breaks inside Japanese words.

    Returns the folded string and, for each of its characters, the index in ``text``. A line
    break (or a run of two) is dropped only between two non-ASCII, non-digit characters (PDF
    extraction splits "2019年\\n度" and "中\\n\\n盤"); breaks next to digits are kept so that
    table cells do not merge.
    """
    out, idx = [], []
    n = len(text)
    for i, c in enumerate(text):
        if c == "\n" and _inside_word(text, i, n):
            continue
        o = ord(c)
        if 0xFF01 <= o <= 0xFF5E:
            c = chr(o - 0xFEE0)
        elif o == 0x3000:
            c = " "
        out.append(c)
        idx.append(i)
    return "".join(out), idx


def _inside_word(text: str, i: int, n: int) -> bool:
    """True if the line break at ``i`` (in a run of at most two) splits a Japanese word."""
    a, b = i - 1, i + 1
    while a >= 0 and text[a] == "\n":
        a -= 1
    while b < n and text[b] == "\n":
        b += 1
    return a >= 0 and b < n and b - a <= 3 and all(
        ord(c) > 0x2E7F and not "\uff10" <= c <= "\uff19" for c in (text[a], text[b]))


# ---------------------------------------------------------------- patterns
_NUM = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?![0-9])"
_L = r"(?<![0-9A-Za-z.,/\-_])"  # left boundary of a number
_RANGE = r"[~〜～]"
_WEEKDAY = r"(?:[ ]?\([月火水木金土日](?:・祝)?\))?"
_TIME = r"(?P<hh>[01]?[0-9]|2[0-3]):(?P<mi>[0-5][0-9])(?::(?P<ss>[0-5][0-9]))?(?:[ ]?(?P<tz>UTC|JST|Z))?"
_TAIL = (  # month, day, weekday, adjacent time, or 年度 / 年代 after 年
    r"(?:(?P<fy>度)|(?P<dec>代)(?P<part>前半|中盤|中頃|半ば|後半|初め|初頭|末)?"
    r"|(?P<m>1[0-2]|0?[1-9])月(?:(?P<d>3[01]|[12][0-9]|0?[1-9])日" + _WEEKDAY
    + r"(?:[ ]?" + _TIME + r")?)?)?"
)
_SUFFIX = r"(?P<suf>頃までに|ごろまでに|までに|まで|頃|ごろ|前後|以降|から|-(?![0-9]))?"
_YEAR4 = r"(?:1[5-9]|2[0-2])[0-9]{2}"

_DATE_RE = re.compile(
    r"(?P<pre>[~〜～])?(?:(?P<y0>" + _YEAR4 + r")(?:年度?)?" + _RANGE + r")?"
    r"(?:(?P<era>" + "|".join(ERAS) + r")[ ]?(?P<ey>元|[0-9]{1,2})|" + _L + r"(?P<y>" + _YEAR4
    + r")[ ]?)年" + _TAIL + _SUFFIX
)
_SLASH_RE = re.compile(
    _L + r"(?P<y>" + _YEAR4 + r")(?P<sep>[/.])(?P<m>1[0-2]|0?[1-9])(?P=sep)(?P<d>3[01]|[12][0-9]|0?[1-9])"
    r"(?![0-9/.])"
    + _WEEKDAY + r"(?:[ ]?" + _TIME + r")?"
)
_PAREN_YEAR_RE = re.compile(
    r"(?<=\()(?P<y>" + _YEAR4 + r")(?:\.(?P<m>1[0-2]|0?[1-9]))?(?=\))"
    r"|" + _L + r"(?P<y2>" + _YEAR4 + r")(?=打上|打ち上)"
)
_MONTH_RE = re.compile(
    r"(?:(?P<rel>昨年|本年|今年|来年)|(?<![0-9.]))(?P<m>1[0-2]|[1-9])月"
    r"(?:(?P<d>3[01]|[12][0-9]|[1-9])日" + _WEEKDAY + r")?"
    r"(?!面|測|震|探査|着陸|周回|資源|極|軌道|表|裏|由来|サンプル|[0-9])" + _SUFFIX
)
_TIME_RE = re.compile(r"(?<![0-9:])" + _TIME + r"(?![0-9])")

_COUNT = r"ヶ国|カ国|ヵ国|か国|箇国|国・地域|国地域|国|機関|団体|件|機|回|名|人|本|社|項目|つ|基|個"
_UNITS = {
    "%": "%", "kg": "kg", "km": "km", "m": "m", "au": "au", "cm": "cm", "mm": "mm", "t": "t",
    "トン": "t", "平方km": "km2", "km2": "km2", "km²": "km2", "倍": "times", "日間": "d",
    "日": "d", "ヶ月": "mo", "ヵ月": "mo", "か月": "mo", "カ月": "mo", "時間": "h", "週間": "wk",
    "年間": "year", "ヵ年": "year", "ヶ年": "year", "か年": "year", "カ年": "year", "年": "year",
}
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_QTY_RE = re.compile(
    r"(?P<pre>約|計|延べ|およそ|最大)?" + _L + r"(?P<n>" + _NUM + r")(?P<mul>万|億)?"
    r"(?:" + _RANGE + r"(?P<n2>" + _NUM + r")(?P<mul2>万|億)?)?"
    r"(?:(?P<unit>" + _UNIT_ALT + r")(?![A-Za-z])|(?P<count>" + _COUNT + r")(?!目)"
    r"|の(?P<ofcount>国・国際機関|国・地域|宇宙機関|国|機関))"
    r"(?P<rate>/年)?(?P<suf>以上|以下|未満|超|程度|前後|級|前)?"
)
_ORD_RE = re.compile(
    r"第(?P<n>[0-9]+)(?:" + _RANGE + r"(?P<n2>[0-9]+))?(?:回|版|期|号|次|章|弾|段階|位|部|条|世代)?"
    r"|" + _L + r"(?P<n3>[0-9]+)(?:ヶ国|カ国|ヵ国|か国|回|番|機|人|件)目"
    r"|(?<=世界|歴代)(?P<n4>[0-9]+)位"
)
_ORD_LIST_RE = re.compile(r"第[0-9]+回[、,](?P<n>[0-9]+)回(?!目)")  # 第44回、46回: both ordinal
_APPROX_NUM_RE = re.compile(r"(?P<pre>約|およそ)(?P<n>" + _NUM + r")(?:/(?P<den>" + _NUM + r"))?")
_GROUPED_RE = re.compile(_L + r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?(?![0-9])")

_SUFFIX_Q = {k: set(v.split()) for k, v in {
    "頃": "approximate", "ごろ": "approximate", "前後": "approximate", "程度": "approximate",
    "までに": "by", "頃までに": "by approximate", "ごろまでに": "by approximate", "まで": "until",
    "以降": "from", "から": "from", "-": "from", "以上": "at-least", "以下": "at-most",
    "未満": "less-than", "超": "more-than", "級": "class", "前": "ago"}.items()}
_PREFIX_Q = {"約": "approximate", "およそ": "approximate", "計": "total", "延べ": "cumulative",
             "最大": "at-most", "昨年": "previous-year", "本年": "current-year",
             "今年": "current-year", "来年": "next-year"}
_PART_Q = {"前半": "early", "初め": "early", "初頭": "early", "中盤": "mid", "中頃": "mid",
           "半ば": "mid", "後半": "late", "末": "late"}
_KIND = {"%": "percent", **dict.fromkeys(("d", "wk", "mo", "h", "year"), "duration")}


# ---------------------------------------------------------------- converters
def _mk(start: int, end: int, kind: str, lexical: str, datatype: str, number=None, unit=None,
        q=(), upper=None, upper_lexical=None) -> Value:
    """A Value with offsets into the folded text; find_values maps them back."""
    return Value(start, end, "", kind, lexical, datatype, number, unit, frozenset(q), upper,
                 upper_lexical)


def _dec(s: str, mul: str | None = None) -> Decimal:
    d = Decimal(s.replace(",", ""))
    if mul:
        d *= 10_000 if mul == "万" else 100_000_000
    return d


def _lex(d: Decimal) -> str:
    s = format(d, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def _context_q(s: str, end: int) -> set[str]:
    """Qualifiers read from the text just after a value, without consuming it."""
    after = s[end:end + 8]
    q = set()
    if re.match(r"[にの]?(?:打ち?上げ?|運用開始|開始)?(?:予定|目標)", after):
        q.add("planned")
    if after.startswith("時点"):
        q.add("as-of")
    if after.startswith("連続"):
        q.add("consecutive")
    return q


def _time_lex(m: re.Match) -> str:
    t = f"{int(m['hh']):02d}:{m['mi']}:{m['ss'] or '00'}"
    return t + {"UTC": "Z", "Z": "Z", "JST": "+09:00", None: ""}[m["tz"]]


def _date_value(m: re.Match, s: str, year: int, q: set[str]) -> Value | None:
    """Build the candidate for a year-based date match (Western, era, slash, parenthesised)."""
    g = m.groupdict()
    month, day = g.get("m"), g.get("d")
    if g.get("suf"):
        q |= _SUFFIX_Q[g["suf"]]
    if g.get("pre"):
        q.add("by")
    q |= _context_q(s, m.end())
    upper_lex = None
    if g.get("fy"):
        q.add("fiscal-year")
        lex, dt = str(year), FISCAL_YEAR
    elif g.get("dec"):
        if year % 10:
            return None
        q.add("decade")
        if g.get("part"):
            q.add(_PART_Q[g["part"]])
        lex, dt = f"{year}s", DECADE
    elif day:
        lex, dt = f"{year:04d}-{int(month):02d}-{int(day):02d}", DATE
        if g.get("hh"):
            lex, dt = f"{lex}T{_time_lex(m)}", DATE_TIME
    elif month:
        lex, dt = f"{year:04d}-{int(month):02d}", YEAR_MONTH
    else:
        lex, dt = str(year), YEAR
    if g.get("y0"):
        if int(g["y0"]) >= year or dt not in (YEAR, FISCAL_YEAR):
            return None
        q.add("range")
        lex, upper_lex = g["y0"], lex
    return _mk(m.start(), m.end(), "date", lex, dt, q=q, upper_lexical=upper_lex)


def _dates(s: str):
    for m in _DATE_RE.finditer(s):
        q = set()
        if m["era"]:
            year = ERAS[m["era"]] + (1 if m["ey"] == "元" else int(m["ey"])) - 1
            q.add("era")
        else:
            year = int(m["y"])
        yield _date_value(m, s, year, q)
    for m in _SLASH_RE.finditer(s):
        yield _date_value(m, s, int(m["y"]), set())
    for m in _PAREN_YEAR_RE.finditer(s):
        yield _date_value(m, s, int(m["y"] or m["y2"]), set())


def _months(s: str):
    for m in _MONTH_RE.finditer(s):
        q = _SUFFIX_Q.get(m["suf"], set()) | _context_q(s, m.end())
        if m["rel"]:
            q.add(_PREFIX_Q[m["rel"]])
        if m["d"]:
            lex, dt = f"--{int(m['m']):02d}-{int(m['d']):02d}", MONTH_DAY
        else:
            lex, dt = f"--{int(m['m']):02d}", MONTH
        yield _mk(m.start(), m.end(), "month", lex, dt, q=q)
    for m in _TIME_RE.finditer(s):
        yield _mk(m.start(), m.end(), "time", _time_lex(m), TIME)


def _quantities(s: str):
    for m in _QTY_RE.finditer(s):
        n = _dec(m["n"], m["mul"])
        upper = _dec(m["n2"], m["mul2"]) if m["n2"] else None
        q = set(_SUFFIX_Q.get(m["suf"], ())) | _context_q(s, m.end())
        if m["pre"]:
            q.add(_PREFIX_Q[m["pre"]])
        if upper is not None:
            if upper <= n:
                continue
            q.add("range")
        raw_unit = m["unit"]
        unit = "count" if m["count"] or m["ofcount"] else _UNITS[raw_unit]
        if raw_unit == "日" and "approximate" not in q and n <= 31:
            continue  # "13日" is a day of month, not a number of days
        if raw_unit == "年" and (m["n2"] or len(m["n"]) == 4 and not (m["mul"] or q)):
            continue  # a bare 4-digit "2024年" is a year (see _dates); "約1500年前" is not
        if "ago" in q and unit != "year":
            continue
        if m["rate"]:
            unit, q = unit + "/year", q | {"per-year"}
        integral = n == n.to_integral_value() and (upper is None or upper == upper.to_integral())
        dt = INTEGER if unit.startswith("count") and integral else DECIMAL
        yield _mk(m.start(), m.end(), _KIND.get(unit, "quantity"), _lex(n), dt, n, unit, q, upper,
                  _lex(upper) if upper is not None else None)


def _ordinals(s: str):
    for m in _ORD_RE.finditer(s):
        n = int(m["n"] or m["n3"] or m["n4"])
        up = int(m["n2"]) if m["n2"] else None
        yield _mk(m.start(), m.end(), "ordinal", str(n), INTEGER, Decimal(n), None,
                  {"range"} if up else (), Decimal(up) if up else None, str(up) if up else None)
    for m in _ORD_LIST_RE.finditer(s):
        yield _mk(m.start("n"), m.end(), "ordinal", m["n"], INTEGER, Decimal(m["n"]))


def _numbers(s: str):
    for m in _APPROX_NUM_RE.finditer(s):
        n, q = _dec(m["n"]), {"approximate"}
        if m["den"]:
            den = _dec(m["den"])
            if not den:
                continue
            n, q = n / den, q | {"fraction"}
        yield _mk(m.start(), m.end(), "number", _lex(n), DECIMAL, n, q=q)
    for m in _GROUPED_RE.finditer(s):
        n = _dec(m.group())
        yield _mk(m.start(), m.end(), "number", _lex(n), DECIMAL, n)


_FINDERS: tuple[Callable, ...] = (_dates, _months, _ordinals, _quantities, _numbers)


# ---------------------------------------------------------------- API
def find_values(text: str) -> list[Value]:
    """Find the value expressions in a text.

    Args:
        text: NFKC-normalised or raw document text (any length; line breaks allowed).

    Returns:
        Non-overlapping values sorted by ``start``; where candidates overlap the longest wins
        (then the one found first: dates, months, ordinals, quantities, numbers).
        ``value.surface == text[value.start:value.end]`` always holds.

    Bare 4-digit numbers (timeline axes such as "2016 2017 2018") are not years unless
    followed by 年, written in parentheses ("(2020)") or followed by 打上げ.
    """
    s, idx = _fold(text)
    cands = [(v.end - v.start, order, v.start, v)
             for order, finder in enumerate(_FINDERS) for v in finder(s) if v and v.end > v.start]
    cands.sort(key=lambda c: (-c[0], c[1], c[2]))  # longest, then finder order, then position
    used = bytearray(len(s))
    chosen = []
    for _, _, _, v in cands:
        if not any(used[v.start:v.end]):
            used[v.start:v.end] = b"\x01" * (v.end - v.start)
            chosen.append(v)
    out = []
    for v in sorted(chosen, key=lambda v: v.start):
        a, b = idx[v.start], idx[v.end - 1] + 1
        out.append(replace(v, start=a, end=b, surface=text[a:b]))
    return out
