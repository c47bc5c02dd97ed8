"""Label search: one index of labels, alternative labels and kana readings, built once per app.

Keys are normalised with :func:`normalise` (NFKC, casefold, katakana → hiragana, a few kanji
variants folded, spaces, hyphens and middle dots removed), so ``ＨＴＶ－Ｘ`` finds ``HTV-X``,
``はやぶさ２`` finds ``はやぶさ2`` and ``ハヤブサ`` finds ``はやぶさ``. Ranking: exact match of a
preferred label, exact match of another label, prefix of a preferred label, prefix of another
label, substring; then shorter labels first. Candidates are found with ``str.find`` over all keys
joined in one string (about 0.1 ms a query on the real graph), so the reconciliation service can
match hundreds of names a second with the same index.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from spacekg.server.browse import data as data

_DROP = re.compile(r"[\s\-‐‑‒–—―−・·･_]+")
#: kanji variants folded to one form (itaiji seen in Japanese names and policy text)
_VARIANTS = str.maketrans({"髙": "高", "﨑": "崎", "嶋": "島", "邊": "辺", "邉": "辺", "齋": "斎",
                           "齊": "斉", "國": "国", "會": "会", "當": "当", "發": "発", "號": "号",
                           "ヶ": "ケ", "ヵ": "カ"})


def normalise(text: str) -> str:
    """Fold a label or a query to its search key.

    Args:
        text: any string.

    Returns:
        NFKC-normalised, casefolded text with katakana turned into hiragana, kanji variants
        folded and spaces, hyphens, underscores and middle dots removed.
    """
    s = unicodedata.normalize("NFKC", text).casefold().translate(_VARIANTS)
    s = "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in s)
    return _DROP.sub("", s)


@dataclass(frozen=True)
class Entry:
    key: str
    iri: object
    preferred: bool
    text: str


class Index:
    """The search index of one store: a list of :class:`Entry`, sorted by key."""

    def __init__(self, labels: dict):
        entries = []
        seen = set()
        for iri, lst in labels.items():
            for kind, lit in lst:
                key = normalise(str(lit))
                if not key or (key, iri) in seen and kind != "prefLabel":
                    continue
                seen.add((key, iri))
                entries.append(Entry(key, iri, kind in ("prefLabel", "label"), str(lit)))
        self.entries = sorted(entries, key=lambda e: e.key)
        # every key in one string, "\0"-separated: occurrences of a query are found by str.find
        # (in C) and mapped back to their entry by the start offsets
        self._starts: list[int] = []
        pos = 1
        for e in self.entries:
            self._starts.append(pos)
            pos += len(e.key) + 1
        self._blob = "\0" + "\0".join(e.key for e in self.entries) + "\0"

    def _hits(self, q: str):
        """Indexes of the entries whose key contains ``q`` (each once, in key order)."""
        pos = self._blob.find(q)
        while pos != -1:
            i = bisect.bisect_right(self._starts, pos) - 1
            yield i
            pos = self._blob.find(q, self._starts[i] + len(self.entries[i].key) + 1)

    def search(self, query: str, limit: int = 20) -> list[tuple[object, int, str]]:
        """Return up to ``limit`` (IRI, rank, matched label) tuples, best first.

        Rank 0 exact preferred label, 1 exact other label, 2 prefix of preferred label,
        3 prefix of other label, 4 substring.
        """
        q = normalise(query)
        if not q or "\0" in q:  # no key holds NUL: it is the separator of the joined keys
            return []
        best: dict = {}
        for i in self._hits(q):
            e = self.entries[i]
            if e.key == q:
                rank = 0 if e.preferred else 1
            elif e.key.startswith(q):
                rank = 2 if e.preferred else 3
            else:
                rank = 4
            cand = (rank, len(e.key), e.text)
            if e.iri not in best or cand < best[e.iri]:
                best[e.iri] = cand
        ranked = sorted(best.items(), key=lambda kv: (kv[1], str(kv[0])))
        return [(iri, r[0], r[2]) for iri, r in ranked[:limit]]


def index() -> Index:
    """The app's index, built on first use from the cached labels of entities and documents
    (``{base}resource/…`` and ``{base}document/…``; not their ``#`` sub-resources)."""
    c = data.cache()
    if c.search is None:
        b = data.base()
        wanted = (b + "resource/", b + "document/")
        c.search = Index({i: lst for i, lst in c.labels.items() if str(i).startswith(wanted) and "#" not in i}
                         | {d: [("label", doc["title"])] for d, doc in c.docs.items() if "title" in doc})
    return c.search


def results(query: str, lang: str, limit: int = 20) -> list[dict]:
    """Search results as dicts: ``iri``, ``path`` (local page), ``ja``, ``en``, ``classes``, ``matched``."""
    from spacekg.server.browse.util import local_path

    out = []
    types = data.cache().stated_types
    for iri, rank, matched in index().search(query, limit):
        out.append({
            "iri": str(iri),
            "path": local_path(iri),
            "ja": data.label(iri, "ja"),
            "en": data.label(iri, "en"),
            "classes": [data.label(t, lang) for t in types.get(iri, ())],
            "matched": matched,
            "rank": rank,
        })
    return out
