"""New entities: names in a document that the lexicon does not have.

The discovery rules are data (data/rules/entities/discovery.yaml, each with an id, an
``If … then …`` statement, examples and negatives); this module implements their kinds:

* ``suffix`` — a run of name characters (kanji, katakana, ASCII, ・ ー) ending in a suffix that
  gives the class (…機構 Organization, …大学 ResearchInstitution, …委員会 Committee, …探査計画
  Mission, …協定 Agreement). A chain of bodies is split (文部科学省研究開発局宇宙開発利用課 →
  研究開発局, 宇宙開発利用課), legal forms are dropped (国立研究開発法人…), agreement names
  may span の/による/に関する (与圧ローバによる月面探査の実施取決め);
* ``unit`` — a vehicle named with N号機 (H-IIAロケット47号機), class from the vehicle;
* ``meeting`` — 第N回 + body, or body + (第N回): a Meeting (the lexicon's meeting of the same
  number and body if there is one) and the body, if new, a Committee;
* ``quoted`` — 「…」/『…』 after a head noun that gives the class (探査機「…」, 報告書「…」);
* ``abbreviation`` — a name followed by a bracketed abbreviation (火星衛星探査計画(MMX)): the
  abbreviation becomes an alias, matched wherever it occurs;
* ``person`` — a name beside a role or title (主査 山田太郎, 高橋主査, 【高橋主査】,
  盛山文部科学大臣);
* ``ner`` — spans the Japanese parser (GiNZA) tags as Person or Company, when a parse is given.
* ``sole`` — a bare common noun (実施取決め, 共同声明) right before a word of its ``verbs``
  (署名, 締結) in a document that names no entity of its class: the document's one such thing,
  an entity local to the document (a press release on a signing names its agreement so).

Identity: a name whose match key (:func:`spacekg.mentions.match_key`: NFKC, case folded, white
space removed, dash variants unified; katakana/hiragana folded here too) equals the key of a
lexicon label or alias IS that entry and never becomes a new entity. A new entity's id is
``found-`` + the first 12 hex digits of the SHA-1 of its key, so the same name found in two
documents is one entity; a person known only by family name is keyed with the document id.
Generic words (data/rules/entities/noise.yaml) are never entities.

Every occurrence of a found name or alias in the document becomes a :class:`Mention`, so the
extraction rules bind new entities exactly like lexicon entries.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from spacekg.errors import RuleError
from spacekg.lexicon import Entry
from spacekg.mentions import Mention, MentionFinder, match_key
from spacekg.yamlio import load_yaml_list

KANJI = "\u3400-\u9fff々〆ヶ"
KATA = "\u30a1-\u30faー"
NAME_CH = f"[{KANJI}{KATA}A-Za-z0-9・\\-]"
#: okurigana inside agreement names (取り決め) stay in the run
RUN = re.compile(f"(?:{NAME_CH}|(?<=取)り(?=決)|(?<=決)め)+")
LEGAL_FORMS = ("国立研究開発法人", "独立行政法人", "大学共同利用機関法人", "国立大学法人", "学校法人",
               "一般社団法人", "公益社団法人", "一般財団法人", "公益財団法人", "特殊法人", "株式会社")
CONNECTORS = ("による", "に関する", "における", "に係る", "のための", "との", "間の", "と", "の")
TAILS = ("長", "等", "間", "内", "側", "主催", "主導", "傘下", "所管", "全体", "関係者", "担当", "共同",
         "職員", "一同", "幹部", "首脳", "代表")
KINDS = ("suffix", "unit", "meeting", "quoted", "abbreviation", "person", "ner", "english", "sole")
ORG_FAMILY = {"Organization", "Company", "ResearchInstitution", "GovernmentBody", "Committee",
              "GroundFacility", "SpaceAgency"}


def fold(text: str) -> str:
    """Match key of ``text`` with katakana folded to hiragana (identity of names)."""
    key, _ = match_key(text)
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in key)


@dataclass
class DiscoveryRule:
    """One rule of data/rules/entities/discovery.yaml (see the module docstring for kinds)."""

    id: str
    statement: str
    kind: str
    params: dict
    examples: list = field(default_factory=list)
    negatives: list = field(default_factory=list)
    source: str = ""


@dataclass
class NewEntity:
    """An entity found by rules, not curated.

    Attributes:
        id: ``found-<sha1-12>`` (lowercase ASCII, usable as a lexicon id).
        classes: sk: class local names.
        ja: Japanese label as printed; en: English label where printed, else None.
        aliases: other printed forms (abbreviations).
        rules: ids of the discovery rules that found it.
        role: for a person, the role or title printed beside the name (主査, 研究開発局長).
        span: the first occurrence, ``(start, end)`` in the normalised text.
        body: for a meeting, the id of the body that holds it (第N回 + body).
        doc: the document it was first found in.
    """

    id: str
    classes: list[str]
    ja: str
    en: str | None = None
    aliases: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    role: str | None = None
    span: tuple[int, int] = (0, 0)
    body: str | None = None
    doc: str = ""

    def entry(self) -> Entry:
        """This entity as a lexicon :class:`Entry` (for mention finding and term resolution)."""
        return Entry(self.id, list(self.classes), self.ja, self.en or "", aliases=list(self.aliases),
                     source=f"found by {', '.join(self.rules)}")


@dataclass
class Discovery:
    """What :meth:`EntityFinder.find` returns.

    Attributes:
        entities: id → NewEntity, in order of first occurrence.
        mentions: lexicon and new-entity mentions merged, sorted, non-overlapping.
    """

    entities: dict[str, NewEntity]
    mentions: list[Mention]


def load_discovery(folder: Path) -> tuple[list[DiscoveryRule], dict[str, set[str]]]:
    """Load discovery rules and noise lists from ``folder`` (data/rules/entities).

    Returns:
        ``(rules, noise)`` where noise maps a list id (N-GENERIC-NAMES, N-GENERIC-STEMS,
        N-KATAKANA, N-NOT-PERSON) to folded words.

    Raises:
        RuleError: missing field or unknown kind (file and line named).
    """
    rules: list[DiscoveryRule] = []
    noise: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.yaml")):
        for raw in load_yaml_list(path, RuleError):
            line = raw.get("__line__")
            if "words" in raw:
                noise[str(raw.get("id"))] = {fold(str(w)) for w in raw["words"]}
                continue
            for key in ("id", "statement", "kind"):
                if not raw.get(key):
                    raise RuleError(f"discovery rule {raw.get('id', '?')}: lacks {key!r}",
                                    path=str(path), line=line)
            if raw["kind"] not in KINDS:
                raise RuleError(f"discovery rule {raw['id']}: unknown kind {raw['kind']!r}",
                                path=str(path), line=line)
            params = {k: v for k, v in raw.items()
                      if k not in ("id", "statement", "kind", "examples", "negatives", "__line__")}
            for k, v in params.items():
                if isinstance(v, dict):
                    params[k] = {a: b for a, b in v.items() if a != "__line__"}
            rules.append(DiscoveryRule(str(raw["id"]), str(raw["statement"]), raw["kind"], params,
                                       raw.get("examples") or [], raw.get("negatives") or [],
                                       f"{path}:{line}"))
    return rules, noise


def new_id(key: str) -> str:
    """The id of a found entity whose name has match key ``key``."""
    return "found-" + hashlib.sha1(key.encode()).hexdigest()[:12]


class EntityFinder:
    """Find new entities in a document (see the module docstring).

    Args:
        rules, noise: from :func:`load_discovery`.
        lexicon: the curated entries (id → Entry).
        classes_of: entity id → class names with superclasses (for lexicon entries).
    """

    def __init__(self, rules: list[DiscoveryRule], noise: dict[str, set[str]],
                 lexicon: dict[str, Entry], classes_of: dict[str, list[str]]):
        self.rules = rules
        self.lexicon = lexicon
        self.classes_of = classes_of
        self.generic = noise.get("N-GENERIC-NAMES", set()) | noise.get("N-KATAKANA", set())
        self.stems = noise.get("N-GENERIC-STEMS", set())
        self.not_person = noise.get("N-NOT-PERSON", set())
        self.endings = noise.get("N-GENERIC-ENDINGS", set())
        self.known: dict[str, str] = {}
        for entry in lexicon.values():
            for form in entry.surface_forms():
                self.known.setdefault(fold(form), entry.id)
        self.meetings = self._lexicon_meetings()
        self.roles = tuple(sorted({str(x) for r in rules if r.kind == "person" for x in r.params.get("roles", [])},
                                  key=len, reverse=True))
        self.all_suffixes = tuple(sorted({str(x) for r in rules if r.kind == "suffix"
                                          for x in r.params.get("suffixes", {})}, key=len, reverse=True))
        self.key_prefixes = tuple(sorted(noise.get("N-KEY-PREFIXES", set()), key=len, reverse=True))
        self.other_heads = tuple(sorted(noise.get("N-OTHER-HEADS", set()), key=len, reverse=True))
        self.kana_stem_suffixes = noise.get("N-KATAKANA-STEM-SUFFIXES", set())

    # ------------------------------------------------------------------ identity
    def lookup(self, name: str) -> str | None:
        """The lexicon id whose label or alias normalises like ``name`` (legal forms dropped)."""
        key = fold(name)
        if key in self.known:
            return self.known[key]
        for form in LEGAL_FORMS:
            f = fold(form)
            if key.startswith(f) and key[len(f):] in self.known:
                return self.known[key[len(f):]]
        return None

    def _lexicon_meetings(self) -> dict[tuple[int, str], str]:
        """(number, body id or body key) → lexicon meeting id, read from the meetings' labels."""
        out: dict[tuple[int, str], str] = {}
        rx = re.compile(r"第\s*(\d+)\s*回\s*(.+)|(.+?)\s*\(\s*第\s*(\d+)\s*回\s*\)")
        for entry in self.lexicon.values():
            if "Meeting" not in entry.classes:
                continue
            for form in entry.surface_forms():
                m = rx.fullmatch(_nfkc(form).strip())
                if m:
                    n, body = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
                    out.setdefault((int(n), self.lookup(body) or fold(body)), entry.id)
        return out

    # ------------------------------------------------------------------ main
    def find(self, text: str, mentions: list[Mention], values=(), ner=(), doc_id: str = "",
             kinds=None, breaks=()) -> Discovery:
        """New entities of ``text`` (normalised) and all mentions (lexicon + new).

        Args:
            text: normalised document text.
            mentions: lexicon mentions.
            values: recognised values (their spans cut names: 2024年度計画 is no name).
            ner: ``(start, end, label)`` spans from a named-entity recogniser, optional.
            doc_id: the document id (keys persons known by family name only).
            kinds: restrict to these rule kinds (tests); default all.
            breaks: offsets where normalisation joined two original lines; no new name
                spans one (a header line and a title are not one name).
        """
        self._text, self._doc = text, doc_id
        self._mentions = mentions
        self._found: dict[str, NewEntity] = {}
        self._family_only: set[str] = set()
        self._blocked = bytearray(len(text))
        for v in values:
            if not str(getattr(v, "surface", "")).startswith("第"):
                self._blocked[v.start:v.end] = b"\x01" * (v.end - v.start)
        self._breaks = sorted(b for b in breaks
                              if not any(m.start < b < m.end for m in mentions))
        self._agent_spans = {m.start: m.end for m in mentions
                             if "Agent" in self.classes_of.get(m.entity, [])}
        self._agent_ends = {m.end for m in mentions if "Agent" in self.classes_of.get(m.entity, [])}
        for rule in self.rules:
            if kinds and rule.kind not in kinds:
                continue
            getattr(self, f"_{rule.kind}")(rule, ner)
        self._merge_family_names()
        entities = dict(sorted(self._found.items(), key=lambda kv: kv[1].span))
        found = [self._shrink_meeting(m, entities) for m in self._all_mentions(text, entities)]
        return Discovery(entities, [m for m in merge_mentions(mentions, found) if not self._other_thing(m)])

    def _other_thing(self, m: Mention) -> bool:
        """True if mention ``m`` is a name in 「」 right after a head noun of N-OTHER-HEADS
        (東北新幹線「はやぶさ」: a train, not the probe)."""
        text = self._text
        if not (text[m.start - 1:m.start] in "「『" and text[m.end:m.end + 1] in "」』") or m.start < 1:
            return False
        before = fold(text[max(0, m.start - 9):m.start - 1])
        return any(before.endswith(fold(h)) for h in self.other_heads)

    def _shrink_meeting(self, m: Mention, entities) -> Mention:
        """A found meeting's mention that contains its body's name keeps only 第N回 / (第N回),
        so the body (国際宇宙ステーション・国際宇宙探査小委員会) stays a mention of its own."""
        ent = entities.get(m.entity)
        if ent is None or not ent.body:
            return m
        num = re.search(r"\(?\s*第\s*\d+\s*回\s*\)?", m.surface)
        if num is None or num.end() - num.start() == len(m.surface):
            return m
        s, e = m.start + num.start(), m.start + num.end()
        return Mention(s, e, m.entity, self._text[s:e], m.alternatives)


    def _drop_key(self, name: str, span):
        """Drop an infobox key glued to the value at the start of its line (主製造業者日本電気,
        打上げ場所種子島宇宙センター: the line starts with the key, the name is the value)."""
        s = span[0]
        ls = self._text.rfind("\n", 0, s) + 1
        head = self._text[ls:s]
        for key in self.key_prefixes:
            k = len(key) - len(head)
            if 0 < k < len(name) - 1 and (head + name).startswith(key):
                return name[k:], (s + k, span[1])
        return name, span

    def _merge_family_names(self):
        """A person known by family name only (高橋主査) whose family name begins exactly one
        full name of the document (主査 高橋太郎) is that person: the family name becomes an alias."""
        persons = [e for e in self._found.values() if e.classes == ["Person"]]
        for short in persons:
            if short.id not in self._family_only:
                continue
            full = [p for p in persons if p is not short and len(p.ja) > len(short.ja)
                    and (p.ja.replace(" ", "").startswith(short.ja)
                         or p.ja.replace("・", "").endswith(short.ja.replace("・", ""))
                         or p.ja.split("・")[-1] == short.ja)]
            if len(full) == 1:
                full[0].aliases.append(short.ja)
                full[0].rules.extend(r for r in short.rules if r not in full[0].rules)
                del self._found[short.id]

    def _all_mentions(self, text, entities) -> list[Mention]:
        if not entities:
            return []
        return MentionFinder({e.id: e.entry() for e in entities.values()}).find(text)

    def _add(self, name: str, cls: str, rule: str, span: tuple[int, int], *, alias: str | None = None,
             en: str | None = None, role: str | None = None, key_extra: str = "",
             generic_ok: bool = False, key: str | None = None) -> str | None:
        name, span = self._drop_key(name, span)
        lead = re.match(f"(?:{'|'.join(map(re.escape, self.roles))})・", name) if self.roles else None
        if lead and cls != "Person":  # 理事・有人宇宙技術部門: a title before the name
            name, span = name[lead.end():], (span[0] + lead.end(), span[1])
        name = name.strip(" ・-")
        same = key  # a key given by the caller names one thing under several names
        key = fold(name)
        if len(key) < 2 or (not generic_ok and (key in self.generic or any(key.endswith(w) for w in self.endings))):
            return None
        if self.lookup(name):
            return self.lookup(name)
        eid = new_id((same or key) + key_extra)
        ent = self._found.get(eid)
        if ent is None:
            ent = self._found[eid] = NewEntity(eid, [cls], name, en, [], [], role, span, doc=self._doc)
        elif same and name != ent.ja and name not in ent.aliases:
            ent.aliases.append(name)
        if rule not in ent.rules:
            ent.rules.append(rule)
        if cls in ORG_FAMILY:  # a body found here starts a chain like a lexicon agent does
            self._agent_spans.setdefault(span[0], span[1])
        if alias and alias != name and alias not in ent.aliases:
            ent.aliases.append(alias)
        if role and not ent.role:
            ent.role = role
        return eid

    def _after_break(self, s: int, e: int) -> int:
        """``s`` moved past the last joined line break inside ``[s, e)``."""
        from bisect import bisect_left, bisect_right

        i, j = bisect_right(self._breaks, s), bisect_left(self._breaks, e)
        return self._breaks[j - 1] if j > i else s

    def _crosses(self, s: int, e: int) -> bool:
        return self._after_break(s, e) != s

    def _covered(self, s: int, e: int) -> bool:
        """True when a lexicon mention covers ``[s, e)`` exactly or contains it."""
        return any(m.start <= s and e <= m.end for m in self._mentions)

    # ------------------------------------------------------------------ kinds
    def bodies(self) -> dict[str, str]:
        """Meeting id → id of the body that holds it, for the lexicon's numbered meetings."""
        return {mid: body for (_n, body), mid in self.meetings.items() if body in self.lexicon}

    def _runs(self):
        """Runs of name characters, cut at values and joined line breaks (yield ``(start, end)``)."""
        text = self._text
        cuts = set(self._breaks)
        for m in RUN.finditer(text):
            s = m.start()
            for i in range(m.start(), m.end() + 1):
                if i in cuts and i > s:
                    yield s, i
                    s = i
                if i == m.end() or self._blocked[i]:
                    if i > s:
                        yield s, i
                    s = i + 1

    def _suffix(self, rule: DiscoveryRule, _ner):
        if rule.params.get("quoted_only"):
            return
        kanji_stem = rule.params.get("kanji_stem")
        table = sorted(rule.params["suffixes"].items(), key=lambda kv: -len(kv[0]))
        agreement = all(c == "Agreement" for _s, c in table)
        text = self._text
        for a, b in self._runs():
            ends = []  # (end, class, suffix)
            i = a
            while i < b:
                legal = next((f for f in LEGAL_FORMS if text.startswith(f, i) and i + len(f) < b), None)
                if legal:  # 国立大学法人|東西大学: no suffix inside a legal form
                    i += len(legal)
                    continue
                hit = next(((s, c) for s, c in table if text.startswith(s, i) and i + len(s) <= b), None)
                if hit and len(hit[0]) == 1 and text.startswith(("長", "会"), i + 1):
                    hit = None  # 課長, 局長, 室長: a title; 部会: another rule's suffix
                if hit:
                    ends.append((i + len(hit[0]), hit[1], hit[0]))
                    i += len(hit[0])
                else:
                    i += 1
            start = a
            for k, (e, cls, suf) in enumerate(ends):
                if start in self._agent_spans and self._agent_spans[start] <= e - len(suf):
                    start = self._agent_spans[start]  # an organisation chain: 文部科学省|研究開発局
                nxt = ends[k + 1] if k + 1 < len(ends) else None
                rest = text[e:b]
                if rest.startswith("長") and len(text[start:e - len(suf)]) <= 2:
                    ok = False  # 白石部会長: a person's title, not a body
                elif (e == b or rest.startswith(TAILS) or e in self._agent_spans or rest.startswith(self.roles)
                        or (rest[:1] in "局課室部所" and rest[1:2] == "長")
                        or (cls in ORG_FAMILY | {"City", "Region"} and not nxt and len(rest) > 2
                            and rest.endswith(self.all_suffixes))):
                    ok = True
                elif nxt and rest.startswith("・"):
                    ok = nxt[1] == cls and self._stem_ok(text[e + 1:nxt[0] - len(nxt[2])])
                elif nxt:
                    ok = cls in ORG_FAMILY and self._stem_ok(text[e:nxt[0] - len(nxt[2])])
                else:
                    ok = False
                if not ok:
                    continue
                s = self._drop_legal(start, e)
                if cls == "GroundFacility":  # 鹿児島県|種子島宇宙センター
                    pref = re.match(r"\S{2,3}?[都道府県]", text[s:e - len(suf) - 2])
                    s += pref.end() if pref else 0
                if agreement and s == a:
                    s = self._extend_left(s)
                if agreement and text[s] in "本同当" and e - len(suf) - s > 2:
                    s += 1  # 本連携協力協定: this document's 連携協力協定, the same agreement
                stem = text[s:e - len(suf)]
                if fold(suf) in self.kana_stem_suffixes and re.fullmatch(f"[{KATA}]+", stem):
                    start = e
                    continue  # コールセンター: a kind of service, not a body
                if kanji_stem and not re.fullmatch(f"[{KANJI}]{{{int(kanji_stem)},}}", stem):
                    start = e
                    continue
                if self._stem_ok(stem) and not self._covered(s, e) and not self._ends_known(s, e):
                    self._add(text[s:e], cls, rule.id, (s, e))
                if cls == "GroundFacility" and nxt and nxt[1] == "GroundFacility" and text[e:e + 1] != "・":
                    continue  # 種子島宇宙センター大型ロケット発射場: a site inside a site is one name
                start = e + (1 if text[e:e + 1] == "・" else 0)

    def _ends_known(self, s: int, e: int) -> bool:
        """True when a lexicon mention starts inside the name (共有|宇宙開発戦略本部: a word and a
        known body run together)."""
        return any(s < m.start < e <= m.end for m in self._mentions)

    def _stem_ok(self, stem: str) -> bool:
        last = stem.rsplit("・", 1)[-1].strip()
        stem = stem.strip("・ ")
        if len(last) < 2 and not (last.isascii() and last.isupper()):
            return False  # 産業・大学: the item before ・ is another word
        if stem.endswith("的") or re.search(r"\d+\s*[回年月日号]", stem):
            return False
        first = re.split(r"の|による|に関する|における|に係る", stem)[0]
        return fold(stem) not in self.stems and fold(first) not in self.stems

    def _drop_legal(self, s: int, e: int) -> int:
        for form in LEGAL_FORMS:
            if self._text.startswith(form, s) and s + len(form) < e:
                return s + len(form)
        return s

    def _extend_left(self, s: int) -> int:
        text = self._text
        for _ in range(6):
            for c in CONNECTORS:
                if text.endswith(c, 0, s):
                    m = re.search(f"(?:{NAME_CH}|「[^「」\\n]{{1,20}}」)+(?:\\([A-Za-z0-9\\-+]{{1,16}}\\))?\\Z",
                                  text[:s - len(c)])
                    if m and not any(self._blocked[m.start():m.end()]) and not self._crosses(m.start(), s):
                        s = m.start()
                        break
            else:
                return s
        return s

    def _unit(self, rule: DiscoveryRule, _ner):
        text, suf = self._text, rule.params.get("suffix", "号機")
        heads = rule.params.get("classes", {})
        for m in re.finditer(rf"(\d+)\s*{suf}", text):
            gap = re.search(f"{NAME_CH}{{0,4}}\\Z", text[:m.start()])
            base = next((x for x in self._mentions if m.start() - 1 <= x.end <= m.start()
                         or (gap and x.end == gap.start())), None)
            key = None
            if base is not None:
                cls = next((c for c in ("LaunchVehicle", "SupplyShip", "Satellite", "Spacecraft")
                            if c in self.classes_of.get(base.entity, [])), None)
                s = base.start
                if text[s - 1:s] in "「『" and text[base.end:base.end + 1] in "」』":
                    s -= 1  # 「こうのとり」6号機: the name with its brackets
                key = f"unit:{base.entity}:{int(m.group(1))}"  # one unit however its craft is named
            else:
                run = re.search(f"{NAME_CH}+\\Z", text[:m.start()])
                if not run:
                    continue
                cls = next((c for h, c in heads.items() if run.group().endswith(h)), None)
                s = self._after_break(run.start(), m.start())
            if cls:
                self._add(text[s:m.end()], cls, rule.id, (s, m.end()), key=key)

    def _meeting(self, rule: DiscoveryRule, _ner):
        text = self._text
        bodies = "|".join(sorted(map(re.escape, rule.params["bodies"]), key=len, reverse=True))
        pre = re.compile(rf"第\s*(\d+)\s*回\s*({NAME_CH}*?(?:{bodies}))(?!{NAME_CH})")
        post = re.compile(rf"(?<!{NAME_CH})({NAME_CH}*?(?:{bodies}))\s*\(\s*第\s*(\d+)\s*回\s*\)")
        for rx, ni, bi in ((pre, 1, 2), (post, 2, 1)):
            for m in rx.finditer(text):
                n, (bs, be) = int(m.group(ni)), m.span(bi)
                if self._crosses(m.start(), m.end()) and self._after_break(bs, be) != bs:
                    bs = self._after_break(bs, be)
                    if rx is pre:
                        continue
                elif self._crosses(m.start(), m.end()):
                    continue
                bs = self._drop_legal(bs, be)
                body = text[bs:be]
                if len(body) < 4 or fold(body) in self.generic:
                    continue
                body_id = self.lookup(body) or self._add(body, "Committee", rule.id, (bs, be))
                if body_id is None:
                    continue
                known = self.meetings.get((n, body_id)) or self.meetings.get((n, fold(body)))
                if known or self._covered(m.start(), m.end()):
                    continue
                eid = self._add(text[m.start():m.end()], "Meeting", rule.id, m.span(),
                                key_extra=f"#{body_id}")
                if eid in self._found:
                    self._found[eid].body = body_id

    def _quoted(self, rule: DiscoveryRule, _ner):
        text = self._text
        heads = sorted(rule.params["heads"].items(), key=lambda kv: -len(kv[0]))
        suffixes = [(s, c) for r in self.rules if r.kind == "suffix"
                    for s, c in r.params["suffixes"].items()]
        suffixes.sort(key=lambda kv: -len(kv[0]))
        for m in re.finditer(r"[「『]([^「」『』\n。]{2,30})[」』]", text):
            name = m.group(1).strip()
            if self._crosses(*m.span()):
                continue
            before = text[self._after_break(max(0, m.start() - 12), m.start()):m.start()].rstrip()
            cls = next((c for h, c in heads if before.endswith(h)), None)
            inside = sum(min(x.end, m.end(1)) - max(x.start, m.start(1)) for x in self._mentions
                         if x.start < m.end(1) and m.start(1) < x.end)
            by_suffix = next((c for s, c in suffixes if name.endswith(s) and len(name) > len(s) + 1), None)
            if inside * 2 >= len(name) and not (by_suffix and len(name) > 8):
                continue  # 「かぐや (SELENE)」: a known name in other words
            cls = cls or by_suffix
            if cls is None or self._covered(*m.span(1)):
                continue
            self._add(name, cls, rule.id, m.span(1))

    def _abbreviation(self, rule: DiscoveryRule, _ner):
        text = self._text
        heads = sorted(rule.params["heads"].items(), key=lambda kv: -len(kv[0]))
        suffixes = sorted(((s, c) for r in self.rules if r.kind == "suffix"
                           for s, c in r.params["suffixes"].items()), key=lambda kv: -len(kv[0]))
        rx = re.compile(rf"((?:(?<![A-Za-z0-9\-])[A-Z][A-Za-z0-9\-]{{0,8}})?[{KANJI}{KATA}・]{{3,30}})"
                        rf"\s*\(\s*([A-Z][A-Za-z0-9\-+]{{1,15}})"
                        r"(?:\s*[:：]\s*([A-Za-z][A-Za-z .'\-]{3,60}))?\s*\)")
        for m in rx.finditer(text):
            ns = self._after_break(m.start(1), m.end(1))
            if self._crosses(m.end(1), m.end()) or m.end(1) - ns < 3:
                continue
            name, abbr, en = text[ns:m.end(1)], m.group(2), m.group(3)
            if self.lookup(abbr) or self._covered(ns, m.end(1)):
                continue
            cls = next((c for s, c in suffixes if name.endswith(s)), None)
            cls = cls or next((c for h, c in heads if name.endswith(h)), None)
            if cls is None or fold(name) in self.generic:
                continue
            self._add(name, cls, rule.id, (ns, m.end(1)), alias=abbr, en=en)

    def _segments(self):
        """``(offset, text)`` of each original line (the text cut at line ends and joined breaks)."""
        text = self._text
        cuts = sorted({0, len(text), *self._breaks, *(m.end() for m in re.finditer("\n", text))})
        for a, b in zip(cuts, cuts[1:], strict=False):
            if text[a:b].strip():
                yield a, text[a:b]

    def _person(self, rule: DiscoveryRule, _ner):
        roles = "|".join(sorted(map(re.escape, rule.params["roles"]), key=len, reverse=True))
        foreign_roles = "|".join(map(re.escape, rule.params.get("foreign_roles", ["長官", "首相"])))
        name = rf"[{KANJI}]{{1,4}}(?:[ \u3000]{{0,2}}[{KANJI}ぁ-ん]{{1,4}})?"  # 向井  千秋: two spaces too
        # 主査 山田太郎; a press release's 「(東京都調布市、理事長/立川敬二、以下「JAXA」)」, 「総長:五神真」
        before = re.compile(rf"({roles})(?:\([^()]{{1,20}}\))?(?:[ \u3000]+|[ \u3000]*[/／:：][ \u3000]*)"
                            rf"({name})(?=[、,，()【\s]|と(?![{KANJI}]*(?:{roles}))|$)")
        after = re.compile(rf"(?<![{KANJI}{KATA}])([{KANJI}]{{2,14}}?)({roles})(?![会団室部局課補代])")
        kata = re.compile(rf"(?<![{KATA}・])([{KATA}]+(?:[・=][{KATA}]+)+|[{KATA}]{{2,}})"
                          rf"(?:(?:[^\s、。,]{{0,16}}?)({foreign_roles})|氏)")
        whole = re.compile(rf"^\s*({roles})[ \u3000]*({name})\s*$")  # 理事長山川宏 (an infobox line)
        kata_after = re.compile(rf"({foreign_roles}|理事|総裁)[ \u3000]*([{KATA}]{{2,}}(?:[・=][{KATA}]{{2,}})+)")
        for off, seg in self._segments():
            for m in [*before.finditer(seg), *([w] if (w := whole.match(seg)) and not before.search(seg) else [])]:
                parts = re.split(r"[ \u3000]+", m.group(2))
                if len(parts) == 2 and re.fullmatch(f"(?:{roles})", parts[1]):
                    parts = parts[:1]
                person = "".join(parts)
                if (len(person) < (2 if len(parts) == 2 else 3) or fold(person) in self.not_person
                        or re.search("[省庁局課室会部府]", person)):
                    continue
                s = off + m.start(2)
                end = s + (len(m.group(2)) if len(parts) == 2 else len(parts[0]))
                role = self._text[self._role_start(off + m.start(1)):off + m.end(1)]
                self._add(" ".join(parts), "Person", rule.id, (s, end), role=role)
            for m in after.finditer(seg):
                stem = m.group(1)
                for w in sorted(self.not_person, key=len, reverse=True):  # 盛山|文部科学|大臣
                    if len(w) > 1 and fold(stem).endswith(w) and len(stem) > len(w):
                        stem = stem[:len(stem) - len(w)]
                        break
                if not 2 <= len(stem) <= 4 or fold(stem) in self.not_person or re.search(roles, stem):
                    continue
                s = off + m.start(1)
                if re.search("[省庁局課室会部府国]", stem) or self._covered(s, s + len(stem)):
                    continue
                role = self._text[s + len(stem):off + m.end(2)]
                eid = self._add(stem, "Person", rule.id, (s, s + len(stem)), role=role,
                                key_extra=f"#{self._doc}")
                if eid in self._found:
                    self._family_only.add(eid)
            for m in kata_after.finditer(seg):  # DLR理事ハンスヨーク・ディタス(Hansjörg Dittus)
                s, e = off + m.start(2), off + m.end(2)
                if not self._covered(s, e) and fold(m.group(2)) not in self.generic:
                    self._add(m.group(2), "Person", rule.id, (s, e), role=m.group(1))
            for m in kata.finditer(seg):  # ビル・ネルソンNASA長官, モディ・インド首相, ル・ガル氏
                s, e = off + m.start(1), off + m.end(1)
                parts = m.group(1).split("・")
                while len(parts) > 1 and any(x.start >= s and x.end <= e and self._text[x.start:x.end] == parts[-1]
                                             for x in self._mentions):
                    parts.pop()  # モディ・インド: the country is not part of the name
                person = "・".join(parts)
                e = s + len(person)
                if fold(person) in self.generic or fold(person) in self.not_person or self._covered(s, e):
                    continue
                if len(parts) == 1 and not m.group(2):
                    continue  # a single word before 氏 is too weak
                role = m.group(2) or "氏"
                eid = self._add(person, "Person", rule.id, (s, e), role=role,
                                key_extra="" if len(parts) > 1 else f"#{self._doc}")
                if len(parts) == 1 and eid in self._found:
                    self._family_only.add(eid)

    def _role_start(self, s: int) -> int:
        m = re.search(f"[{KANJI}]*\\Z", self._text[:s])
        return m.start() if m else s

    def _sole(self, rule: DiscoveryRule, _ner):
        """A bare noun (``nouns``, longest first) within a few characters before one of
        ``verbs``, when no lexicon mention or found entity of ``class`` is in the document:
        one entity local to the document, labelled with the noun."""
        cls = rule.params["class"]
        if any(cls in self.classes_of.get(m.entity, ()) for m in self._mentions) \
                or any(cls in e.classes for e in self._found.values()):
            return
        nouns = "|".join(sorted(map(re.escape, rule.params["nouns"]), key=len, reverse=True))
        verbs = "|".join(map(re.escape, rule.params["verbs"]))
        rx = re.compile(rf"(?<![{KANJI}{KATA}A-Za-z])({nouns})[\s)」』]*(?:に|を|が|は|の)?\s*(?:{verbs})")
        for m in rx.finditer(self._text):
            if not self._covered(m.start(1), m.end(1)):
                self._add(m.group(1), cls, rule.id, m.span(1), key_extra=f"#{self._doc}", generic_ok=True)
                return

    def _english(self, rule: DiscoveryRule, _ner):
        """Capitalised English names ending in a word that gives the class (Canadian Space Agency)."""
        heads = rule.params["heads"]
        alt = "|".join(sorted(map(re.escape, heads), key=len, reverse=True))
        rx = re.compile(rf"(?<![A-Za-z])((?:[A-Z][A-Za-z]+ ){{1,5}}(?:{alt}))(?![A-Za-z])")
        stop = {w.casefold() for w in rule.params.get("not_first", [])}
        for off, seg in self._segments():
            for m in rx.finditer(seg):
                name = m.group(1)
                while name.split(" ", 1)[0].casefold() in stop and " " in name:
                    name = name.split(" ", 1)[1]
                if " " not in name:
                    continue
                s = off + m.end(1) - len(name)
                e = off + m.end(1)
                if self._covered(s, e):
                    continue
                self._add(name, heads[name.rsplit(" ", 1)[-1]], rule.id, (s, e), en=name)

    def _ner(self, rule: DiscoveryRule, ner):
        labels = rule.params.get("labels", {})
        shapes = {c: re.compile(rx) for c, rx in (rule.params.get("shapes") or {}).items()}
        text = self._text
        for s, e, label in ner:
            cls = labels.get(label)
            if cls is None or self._covered(s, e) or self._crosses(s, e):
                continue
            m = shapes[cls].match(text[s:e + 3]) if cls in shapes else None
            if m is None or m.end() > e - s + 3:
                continue
            e2 = s + m.end()
            if any(x.span[0] < e2 and s < x.span[1] for x in self._found.values()):
                continue
            name = text[s:e2]
            if cls == "Person" and fold(name.replace(" ", "")) in self.not_person:
                continue
            self._add(name, cls, rule.id, (s, e2))


def _nfkc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text)


def merge_mentions(lexicon: list[Mention], found: list[Mention]) -> list[Mention]:
    """Lexicon mentions plus new-entity mentions, non-overlapping, sorted.

    A new-entity mention replaces lexicon mentions it strictly contains (ISS利用推進委員会 over
    ISS); otherwise a lexicon mention wins over an overlapping new one.
    """
    out = list(lexicon)
    for f in found:
        inside = [m for m in out if f.start <= m.start and m.end <= f.end]
        clash = [m for m in out if m.start < f.end and f.start < m.end and m not in inside]
        if clash or any((m.start, m.end) == (f.start, f.end) for m in inside):
            continue
        out = [m for m in out if m not in inside] + [f]
    return sorted(out)
