"""HTML of document text: mentions linked to their entities, evidence spans as anchors, a
highlighted passage. All text is escaped here; the result is ``markupsafe.Markup``.

Offsets are code-point offsets into the source file (Python ``str`` indices, end exclusive),
as in the evidence model of docs/DESIGN.md.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup, escape

_SPACES = re.compile(r"\s+")


def anchor_id(start: int, end: int) -> str:
    """Element id of an evidence span in the document page: ``ev-120-161``."""
    return f"ev-{start}-{end}"


def render_document(text: str, mentions, evidence, highlight: tuple[int, int] | None,
                    href_of) -> Markup:
    """Return the document text as HTML.

    Args:
        text: the full source text.
        mentions: sorted (start, end, entity IRI) tuples.
        evidence: sorted (start, end) tuples; each gets an empty anchor element at its start
            (``id="ev-S-E"``) and its characters a ``class="ev"`` span.
        highlight: (start, end) to wrap in ``<mark>`` (the passage an entity page linked to).
        href_of: function entity IRI → local path.
    """
    n = len(text)
    cuts = {0, n}
    ms = [(max(0, s), min(n, e), iri) for s, e, iri in mentions if s < e]
    evs = [(max(0, s), min(n, e)) for s, e in evidence if s < e]
    for s, e, _ in ms:
        cuts.update((s, e))
    for s, e in evs:
        cuts.update((s, e))
    if highlight:
        cuts.update((max(0, min(n, highlight[0])), max(0, min(n, highlight[1]))))
    points = sorted(cuts)
    starts: dict[int, list] = {}
    for s, e in evs:
        starts.setdefault(s, []).append((s, e))
    # coverage by a sweep: for each segment, the mention (first, longest) and evidence count
    ev_delta = [0] * (n + 1)
    for s, e in evs:
        ev_delta[s] += 1
        ev_delta[e] -= 1
    ment_at: dict[int, tuple] = {}
    for s, e, iri in sorted(ms, key=lambda m: (m[0], -(m[1] - m[0]))):
        ment_at.setdefault(s, (e, iri))
    out: list[str] = []
    hrefs: dict = {}
    depth = 0
    last = -1
    active = None  # (end, iri) of the mention being written
    for i in range(len(points) - 1):
        a, b = points[i], points[i + 1]
        for j in range(last + 1, a + 1):
            depth += ev_delta[j]
        last = a
        for s, e in starts.get(a, ()):
            out.append(f'<span class="ev-anchor" id="{anchor_id(s, e)}"></span>')
        if active and active[0] <= a:
            active = None
        if active is None and a in ment_at:
            active = ment_at[a]
        seg = html.escape(text[a:b], quote=False)
        if active:
            iri = active[1]
            if iri not in hrefs:
                hrefs[iri] = html.escape(str(href_of(iri)), quote=True)
            seg = f'<a class="mention" href="{hrefs[iri]}">{seg}</a>'
        if depth > 0:
            seg = f'<span class="ev">{seg}</span>'
        if highlight and highlight[0] <= a and b <= highlight[1]:
            seg = f"<mark>{seg}</mark>"
        out.append(seg)
    return Markup("".join(out))


def render_passage(text: str | None, start: int, end: int, exact: str, prefix: str = "",
                   suffix: str = "", marks=(), context: int = 40) -> Markup:
    """A quoted passage: context, the evidence span in ``<mark>``, mentions in it in ``<strong>``.

    Args:
        text: the document text, or None (then ``prefix``/``exact``/``suffix`` are used).
        start, end: the evidence span.
        exact, prefix, suffix: the TextQuoteSelector values.
        marks: (start, end) spans inside the evidence to emphasise (mentions of the subject and
            object of the fact).
        context: characters of context each side when ``text`` is given.
    """
    if text is None or text[start:end] != exact:
        return Markup("…{}<mark>{}</mark>{}…").format(_flat(prefix), _flat(exact), _flat(suffix))
    before = _flat(text[max(0, start - context):start])
    after = _flat(text[end:end + context])
    inner = []
    pos = start
    for s, e in sorted(m for m in marks if start <= m[0] < m[1] <= end):
        if s < pos:
            continue
        inner.append(escape(_flat(text[pos:s])))
        inner.append(Markup("<strong>{}</strong>").format(_flat(text[s:e])))
        pos = e
    inner.append(escape(_flat(text[pos:end])))
    return Markup("…{}<mark>{}</mark>{}…").format(before, Markup("").join(inner), after)


def _flat(text: str) -> str:
    """Runs of whitespace (slide-deck line breaks) shown as one space in quoted passages."""
    return _SPACES.sub(" ", text)
