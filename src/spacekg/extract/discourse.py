"""Discourse rules: what a sentence leaves unsaid, filled from its document.

* **Dropped subjects.** Japanese drops a subject that the reader knows: 「SLIMは2023年9月に
  打ち上げられた。2024年1月20日に月面に着陸した。」 A clause without its subject takes the topic
  (a nominal marked は) of a clause that governs it in the same sentence (「我が国は、ISS計画へ
  の参加を通じ…」), else the sentence-level topic of the nearest earlier sentence of the same
  paragraph, else — for a finite verb — the entity its section's heading names, else the
  document's first topic, when that topic is an entity of the class the role needs
  (:class:`Topics`).
* **Dates.** The document's date anchors 本日 (today: the document's date), 同日 (the same
  day: the last full date before it in the paragraph, else the document's date) and dates
  printed without a year (10月26日: the year of the last dated expression before it in the
  paragraph, else the document's year) (:func:`anchor_values`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from spacekg.values import DATE, YEAR_MONTH, Value

_DEICTIC = re.compile(r"本日|同日")
#: Markers of a topic that may stand for a dropped subject (「JAXAでは」: at JAXA, JAXA …).
TOPIC_MARKERS = ("は", "とは", "では")


def anchor_values(text: str, values: list[Value], doc_date: str | None,
                  paragraphs: list[tuple[int, int]] | None = None) -> list[Value]:
    """Return ``values`` with year-less month-days and months given a year, plus values for
    本日 / 同日 (module docstring), sorted by offset.

    Args:
        text: the normalised text the values index.
        values: :func:`spacekg.values.find_values` of ``text``.
        doc_date: the document's date (ISO ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``) or None.
        paragraphs: spans within which an earlier date anchors a later one (default: lines).
    """
    if paragraphs is None:
        paragraphs, pos = [], 0
        for line in text.split("\n"):
            paragraphs.append((pos, pos + len(line)))
            pos += len(line) + 1
    taken = [(v.start, v.end) for v in values]
    extra = []
    for m in _DEICTIC.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            extra.append(Value(m.start(), m.end(), m.group(), "deictic", m.group(), DATE))
    items = sorted([*values, *extra], key=lambda v: v.start)
    out: list[Value] = []
    pi = 0
    last_full: Value | None = None
    for v in items:
        while pi < len(paragraphs) and paragraphs[pi][1] < v.start:
            pi += 1
            last_full = None
        if v.kind == "date" and not v.qualifiers & {"range"} and v.datatype in (DATE, YEAR_MONTH) \
                or (v.kind == "date" and len(v.lexical) == 4):
            last_full = v
            out.append(v)
        elif v.kind == "deictic":
            if v.surface == "同日" and last_full is not None and last_full.datatype == DATE:
                out.append(replace(v, kind="date", lexical=last_full.lexical))
            elif doc_date and len(doc_date) == 10:
                out.append(replace(v, kind="date", lexical=doc_date))
        elif v.kind == "month" and v.lexical.startswith("--"):
            year = last_full.lexical[:4] if last_full is not None else (doc_date or "")[:4]
            if year.isdigit():
                md = v.lexical[2:]
                dt = DATE if len(md) == 5 else YEAR_MONTH
                out.append(replace(v, kind="date", lexical=f"{year}-{md}", datatype=dt,
                                   qualifiers=v.qualifiers | {"anchored"}))
            else:
                out.append(v)
        else:
            out.append(v)
    return out


def document_date(meta: dict | None, text: str = "", values: list[Value] | None = None) -> str | None:
    """The document's date: ``date`` (or ``date_approx``) of its metadata, else the first full
    date (xsd:date) in its first five lines (the date line of a press release or minutes)."""
    meta = meta or {}
    for key in ("date", "date_approx"):
        if meta.get(key):
            return str(meta[key])
    head_end = 0
    for _ in range(5):
        nxt = text.find("\n", head_end + 1)
        head_end = len(text) if nxt < 0 else nxt
    for v in values or []:
        if v.start < head_end and v.kind == "date" and v.datatype == DATE:
            return v.lexical
    return None


class Topics:
    """Sentence-level topics (X は) of a chunk, for subjects a clause drops.

    Args:
        ctx: the chunk (its parse, mentions and values).
        doc_topic: ``(ctx, token)`` of the document's topic (:meth:`first` of an early
            chunk), the last resort for a dropped subject: the subject of an encyclopaedia
            article or a press release.
    """

    def __init__(self, ctx, doc_topic=None, section=()):
        from spacekg.extract.syntax import case_marker

        self.ctx = ctx
        self.doc_topic = doc_topic
        self.section = list(section)
        self.items = []  # (sentence start token index, token)
        for sent in ctx.chunk.doc.sents:
            root = sent.root
            if root.pos_ in ("NOUN", "PROPN") and case_marker(root) in TOPIC_MARKERS:
                # a fragment whose root is its topic (the parser cut 「XとYは、…実施|取決めに署名」
                # after a verbal noun): the topic carries on to the next sentence
                self.items.append((sent.start, root))
            for tok in sent:
                if tok.head.i == sent.root.i and tok.dep_ in ("nsubj", "obl", "dislocated") \
                        and case_marker(tok) in (*TOPIC_MARKERS, "には") and tok.i < sent.root.i:
                    self.items.append((sent.start, tok))

    def topic_of_sentence(self, pred, role, ctx):
        """The :class:`~spacekg.extract.syntax.Arg` list of the topic (X は) that a clause governing
        ``pred`` carries before it (「我が国は、ISS計画への参加を通じ…」: Japan takes part), or
        None. Only the nearest topic is tried."""
        from spacekg.extract.syntax import case_marker

        tok = pred
        for anc in pred.ancestors:
            if tok.dep_ == "acl":  # a relative clause's subject is its gap, not the main topic
                return None
            for c in anc.children:
                if c.i < pred.i and c.dep_ in ("nsubj", "obl", "dislocated", "nmod") \
                        and case_marker(c) in TOPIC_MARKERS:
                    return _args(c, role, ctx)
            tok = anc
        return None

    def remote_only(self, pred) -> bool:
        """True if only the document's topic could fill a subject of ``pred`` (no topic in
        its sentence or an earlier sentence of its paragraph): a verbal noun in a heading or
        bullet (「ISSの安定運用」) then asserts no subject."""
        return not any(s < pred.sent.start for s, _ in self.items) and not any(
            s == pred.sent.start and t.i < pred.i for s, t in self.items)

    def topic_before(self, pred, role, ctx):
        """The :class:`~spacekg.extract.syntax.Arg` list of the nearest topic of an earlier
        sentence of the chunk that suits ``role``, or None."""
        from spacekg.extract.syntax import case_marker

        start = pred.sent.start
        for sent_start, tok in reversed(self.items):
            if sent_start >= start:
                continue
            if case_marker(tok) not in TOPIC_MARKERS:
                return None
            return _args(tok, role, ctx)
        if not any(s < start for s, _ in self.items):
            from spacekg.extract.syntax import Arg

            for m in self.section:
                for eid in (m.entity, *m.alternatives):
                    if set(role.classes) & set(ctx.classes_of.get(eid, ())):
                        return [Arg(eid, None, m.start, m.end, remote=True)]
        if self.doc_topic is not None and not any(s < start for s, _ in self.items):
            dctx, dtok = self.doc_topic
            found = _args(dtok, role, dctx)
            if found and dctx is not ctx:
                for a in found:
                    a.remote = True
            return found
        return None

    def first(self):
        """``(ctx, token)`` of the chunk's first topic that names an entity, or None."""
        from spacekg.extract.syntax import case_marker

        for _, tok in self.items:
            if case_marker(tok) in ("は", "とは") and any(
                    m.start < self.ctx.chunk.start + tok.idx + len(tok.text)
                    and self.ctx.chunk.start + tok.idx < m.end for m in self.ctx.mentions):
                return self.ctx, tok
        return None


def _args(tok, role, ctx) -> list | None:
    """Args of a topic and its conjuncts (「JAXAとISROは」), or None."""
    from spacekg.extract.syntax import conjuncts

    found = [a for a in (ctx.arg_of(t, role) for t in conjuncts(tok)) if a]
    return found or None
