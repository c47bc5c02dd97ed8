"""Check and suggest Wikidata links against the Wikidata API (issue 6).

Two read-only operations over the lexicon:

* :func:`check_links` asks Wikidata about every linked entry: ``wbgetentities`` (labels,
  aliases, P31 claims) and one Wikidata Query Service query (``wdt:P31/wdt:P279*``) for the
  classes our ontology aligns with; it reports per link whether the item exists, whether one of
  its ja/en labels or aliases equals one of our names, and whether its instance-of/subclass-of
  chain reaches a Wikidata class aligned with one of our entity's classes.
* :func:`suggest_links` proposes items for an entry without a link: ``wbsearchentities`` in ja
  and en, then the same type test; the result is for a person to review, never written to the
  data.

Network access goes through one callable ``fetch(url, params) -> dict`` (JSON); the default
:func:`http_fetch` uses urllib and raises :class:`WikidataUnavailable` with a clear message
when Wikidata cannot be reached (this machine may have no network). Tests pass a fetch that
answers from recorded responses in the documented API formats (tests/data/wikidata/).
"""

from __future__ import annotations

import json
import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import OWL, SKOS

from spacekg.config import WD
from spacekg.errors import SpacekgError
from spacekg.lexicon import WEAK_CHECK_METHODS, Entry
from spacekg.ontology import Ontology

API = "https://www.wikidata.org/w/api.php"
WDQS = "https://query.wikidata.org/sparql"
USER_AGENT = "spacekg-links/0.1 (https://w3id.org/spacekg/; issue 6 link checker)"
LANGUAGES = ("ja", "en")
QID = re.compile(r"^Q[1-9][0-9]*$")
#: the Japanese government's common vocabulary (IMI 共通語彙基盤), core vocabulary namespace
IMI = "http://imi.go.jp/ns/core/rdf#"

Fetch = Callable[[str, dict], dict]


class WikidataUnavailable(SpacekgError):
    """Wikidata (API or query service) could not be reached or answered with an error."""


def http_fetch(url: str, params: dict, timeout: float = 20.0) -> dict:
    """GET ``url?params`` and parse the JSON answer.

    Raises:
        WikidataUnavailable: no network, DNS failure, timeout, HTTP error or non-JSON answer;
            the message names the URL and says that nothing was changed.
    """
    full = f"{url}?{urllib.parse.urlencode(params)}"
    req = urllib.request.Request(full, headers={"User-Agent": USER_AGENT,
                                                "Accept": "application/sparql-results+json, application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (fixed https hosts)
            return json.loads(resp.read().decode("utf-8"))
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WikidataUnavailable(
            f"cannot reach {url} ({reason}); this command needs the network to ask Wikidata. "
            "Nothing was changed.") from exc
    except json.JSONDecodeError as exc:
        raise WikidataUnavailable(f"{url} did not answer with JSON ({exc})") from exc


def normalise_label(text: str) -> str:
    """NFKC, casefold, drop spaces, middle dots and brackets: ``'Hayabusa 2'`` == ``'hayabusa2'``."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s・\-‐\(\)（）「」『』]", "", text)


def wikidata_classes(ontology: Ontology, classes: Iterable[str]) -> dict[str, str]:
    """The Wikidata classes aligned with our classes or their superclasses.

    Reads ``skos:exactMatch``, ``skos:closeMatch``, ``skos:narrowMatch`` (a narrower Wikidata
    class is evidence too) and ``owl:equivalentClass`` from the ontology
    graph (spacekg.ttl and wikidata-alignment.ttl).

    Returns:
        ``Q…`` → the sk: class name it is aligned with (most specific classes first).
    """
    out: dict[str, str] = {}
    names: list[str] = []
    for c in classes:
        names.append(c)
    for c in classes:  # then the superclasses
        names.extend(sorted(ontology.superclasses.get(c, {c}) - {c}))
    for name in names:
        term = ontology.iris.sk[name]
        for prop in (SKOS.exactMatch, OWL.equivalentClass, SKOS.closeMatch, SKOS.narrowMatch):
            for obj in ontology.graph.objects(term, prop):
                s = str(obj)
                if s.startswith(str(WD)) and QID.match(s[len(str(WD)):]):
                    out.setdefault(s[len(str(WD)):], name)
    return out


@dataclass
class ItemInfo:
    """What wbgetentities says of one item: ``labels``/``aliases`` by language, P31 ids."""

    qid: str
    exists: bool
    labels: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    instance_of: list[str] = field(default_factory=list)
    redirected_to: str | None = None

    def names(self) -> list[str]:
        """All labels and aliases (ja, en)."""
        out = list(self.labels.values())
        for vals in self.aliases.values():
            out.extend(vals)
        return out


class WikidataClient:
    """Thin reader of the Wikidata API and query service.

    Args:
        fetch: ``fetch(url, params) -> dict``; default :func:`http_fetch`.
        api, wdqs: endpoints (defaults: the public Wikidata ones).
    """

    def __init__(self, fetch: Fetch | None = None, api: str = API, wdqs: str = WDQS):
        self.fetch = fetch or http_fetch
        self.api = api
        self.wdqs = wdqs

    def get_entities(self, qids: list[str]) -> dict[str, ItemInfo]:
        """``wbgetentities`` for ``qids`` (batches of 50): labels, aliases, P31 claims (ja, en).

        Raises:
            WikidataUnavailable: network or API error (``error`` member in the answer).
        """
        out: dict[str, ItemInfo] = {}
        for i in range(0, len(qids), 50):
            batch = qids[i:i + 50]
            data = self.fetch(self.api, {
                "action": "wbgetentities", "ids": "|".join(batch), "props": "labels|aliases|claims",
                "languages": "|".join(LANGUAGES), "format": "json"})
            if "error" in data:
                raise WikidataUnavailable(f"wbgetentities: {data['error'].get('info', data['error'])}")
            for key, ent in (data.get("entities") or {}).items():
                qid = ent.get("id", key)
                info = ItemInfo(qid=qid, exists="missing" not in ent)
                if info.exists:
                    info.labels = {lang: v["value"] for lang, v in (ent.get("labels") or {}).items()}
                    info.aliases = {lang: [a["value"] for a in vals]
                                    for lang, vals in (ent.get("aliases") or {}).items()}
                    for claim in (ent.get("claims") or {}).get("P31", []):
                        value = ((claim.get("mainsnak") or {}).get("datavalue") or {}).get("value")
                        if isinstance(value, dict) and value.get("id"):
                            info.instance_of.append(value["id"])
                out[key] = info
                redirect = ent.get("redirects")  # {"from": asked id, "to": id it was merged into}
                if isinstance(redirect, dict) and redirect.get("from"):
                    out[redirect["from"]] = ItemInfo(**{**info.__dict__, "qid": redirect["from"],
                                                        "redirected_to": redirect.get("to", qid)})
        return out

    def reaches(self, qids: list[str], classes: list[str]) -> dict[str, set[str]]:
        """Which of ``classes`` each item reaches by ``wdt:P31/wdt:P279*`` (one WDQS query).

        Returns:
            item id → set of class ids reached (items reaching none are absent).
        """
        if not qids or not classes:
            return {}
        query = ("SELECT ?item ?class WHERE { VALUES ?item { "
                 + " ".join(f"wd:{q}" for q in sorted(set(qids)))
                 + " } VALUES ?class { " + " ".join(f"wd:{c}" for c in sorted(set(classes)))
                 + " } ?item wdt:P31/wdt:P279* ?class . }")
        data = self.fetch(self.wdqs, {"query": query, "format": "json"})
        out: dict[str, set[str]] = {}
        for b in (data.get("results") or {}).get("bindings", []):
            item = b["item"]["value"].rsplit("/", 1)[-1]
            cls = b["class"]["value"].rsplit("/", 1)[-1]
            out.setdefault(item, set()).add(cls)
        return out

    def search(self, text: str, language: str, limit: int = 7) -> list[dict]:
        """``wbsearchentities`` (type item) for ``text`` in ``language``: the ``search`` list."""
        data = self.fetch(self.api, {
            "action": "wbsearchentities", "search": text, "language": language,
            "uselang": language, "type": "item", "limit": limit, "format": "json"})
        if "error" in data:
            raise WikidataUnavailable(f"wbsearchentities: {data['error'].get('info', data['error'])}")
        return list(data.get("search") or [])


@dataclass
class CheckResult:
    """The verdict on one link.

    Attributes:
        id, qid: our entity and its linked item.
        status: ``ok`` (labels and type agree), ``label-mismatch``, ``type-mismatch``,
            ``label-and-type-mismatch``, ``type-unknown`` (labels agree; no Wikidata class is
            aligned with our classes, so the type could not be tested), ``missing`` (no such
            item), ``redirect`` (the item was merged into ``redirected_to``).
        wikidata_labels: the item's ja/en labels.
        matched_name: the name both sides share, if any.
        classes_reached: aligned Wikidata classes the item reaches by P31/P279*.
        expected_classes: the aligned classes looked for.
    """

    id: str
    qid: str
    status: str
    wikidata_labels: dict[str, str] = field(default_factory=dict)
    matched_name: str | None = None
    classes_reached: list[str] = field(default_factory=list)
    expected_classes: list[str] = field(default_factory=list)
    redirected_to: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "type-unknown")


def _shared_name(entry: Entry, info: ItemInfo) -> str | None:
    ours = {normalise_label(s): s for s in entry.surface_forms()}
    for name in info.names():
        if normalise_label(name) in ours:
            return name
    return None


def check_links(entries: Iterable[Entry], ontology: Ontology, client: WikidataClient,
                only: set[str] | None = None) -> list[CheckResult]:
    """Check every entry that has a ``wikidata`` id (checked or not) against Wikidata.

    Args:
        entries: lexicon entries (after links are merged).
        ontology: for the class alignments.
        client: the Wikidata reader.
        only: restrict to these ids.

    Returns:
        One :class:`CheckResult` per linked entry, in lexicon order.

    Raises:
        WikidataUnavailable: Wikidata cannot be reached.
    """
    linked = [e for e in entries if e.wikidata and (not only or e.id in only)]
    if not linked:
        return []
    infos = client.get_entities(sorted({e.wikidata for e in linked}))
    expected = {e.id: wikidata_classes(ontology, e.classes) for e in linked}
    all_classes = sorted({q for m in expected.values() for q in m})
    reached = client.reaches([infos[e.wikidata].redirected_to or e.wikidata for e in linked
                              if e.wikidata in infos and infos[e.wikidata].exists], all_classes)
    out = []
    for e in linked:
        info = infos.get(e.wikidata) or ItemInfo(e.wikidata, exists=False)
        res = CheckResult(e.id, e.wikidata, "missing", expected_classes=sorted(expected[e.id]))
        if info.exists:
            res.wikidata_labels = dict(info.labels)
            res.redirected_to = info.redirected_to
            res.matched_name = _shared_name(e, info)
            got = reached.get(info.redirected_to or e.wikidata, set()) & set(expected[e.id])
            res.classes_reached = sorted(got)
            label_ok = res.matched_name is not None
            if info.redirected_to:
                res.status = "redirect"
            elif not expected[e.id]:
                res.status = "type-unknown" if label_ok else "label-mismatch"
            elif label_ok and got:
                res.status = "ok"
            elif label_ok:
                res.status = "type-mismatch"
            elif got:
                res.status = "label-mismatch"
            else:
                res.status = "label-and-type-mismatch"
        out.append(res)
    return out


@dataclass
class Suggestion:
    """A candidate item for an unlinked entry (for review; never written to the data)."""

    id: str
    qid: str
    label: str
    description: str
    found_by: list[str]
    type_ok: bool | None
    classes_reached: list[str] = field(default_factory=list)


def suggest_links(entry: Entry, ontology: Ontology, client: WikidataClient, limit: int = 5,
                  keep_other_types: bool = False) -> list[Suggestion]:
    """Candidates for ``entry``: wbsearchentities with its ja and en labels, filtered by type.

    Args:
        entry: a lexicon entry (linked or not).
        ontology: for the class alignments.
        client: the Wikidata reader.
        limit: candidates per search.
        keep_other_types: also return candidates whose P31/P279* chain reaches none of the
            aligned classes (``type_ok`` False).

    Returns:
        Candidates found by both searches first, then by the ja search, then en; each with
        ``type_ok`` None when no Wikidata class is aligned with the entry's classes.

    Raises:
        WikidataUnavailable: Wikidata cannot be reached.
    """
    found: dict[str, Suggestion] = {}
    for text, lang in ((entry.ja, "ja"), (entry.en, "en")):
        for hit in client.search(text, lang, limit):
            qid = hit.get("id", "")
            if not QID.match(qid):
                continue
            s = found.get(qid)
            if s is None:
                s = found[qid] = Suggestion(entry.id, qid, hit.get("label", ""),
                                            hit.get("description", ""), [], None)
            s.found_by.append(f"{lang}:{text}")
    expected = wikidata_classes(ontology, entry.classes)
    if expected and found:
        reached = client.reaches(list(found), list(expected))
        for s in found.values():
            s.classes_reached = sorted(reached.get(s.qid, set()))
            s.type_ok = bool(s.classes_reached)
    out = sorted(found.values(), key=lambda s: (-len(s.found_by), not s.type_ok))
    return [s for s in out if keep_other_types or s.type_ok is not False]


# ----------------------------------------------------------------------------- SSSOM

SSSOM_COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label",
                 "mapping_justification", "confidence", "author_id", "mapping_date",
                 "see_also", "comment")
SSSOM_AUTHOR = "spacekg:team"
#: Mappings of the RDF core vocabulary, kept out of the OWL file (reserved vocabulary).
CORE_MAPPINGS = (
    ("rdf:type", "type", "skos:exactMatch", "wikidata:P31", "instance of",
     "github:IBM/kif@0449f84009cae3ecef1ffcd01e5c48dd275ab603:kif_lib/vocabulary/wd/wikidata_properties.tsv",
     "check: wikidata-label. Property table row P31; Wikidata's own RDF uses wdt:P31 for rdf:type."),
    ("rdfs:subClassOf", "subClassOf", "skos:exactMatch", "wikidata:P279", "subclass of",
     "github:IBM/kif@04b11156f024974ab9c5defd75066a1764d261f4:kif_lib/vocabulary/wd/property.py",
     "check: wikidata-label. Generated property vocabulary: subclass_of = P(279)."),
)
SSSOM_HEADER = """# curie_map:
#   rdf: http://www.w3.org/1999/02/22-rdf-syntax-ns#
#   rdfs: http://www.w3.org/2000/01/rdf-schema#
#   semapv: https://w3id.org/semapv/vocab/
#   sk: {sk}
#   skos: http://www.w3.org/2004/02/skos/core#
#   skr: {res}
#   spacekg: {base}
#   wikidata: http://www.wikidata.org/entity/
#   ic: http://imi.go.jp/ns/core/rdf#
# mapping_set_id: {base}mappings/spacekg-wikidata.sssom.tsv
# mapping_set_title: spacekg to Wikidata and the IMI core vocabulary
# mapping_set_description: Checked links of spacekg entities (data/links/wikidata.yaml) and
#   ontology terms (ontology/wikidata-alignment.ttl) to Wikidata items and properties, and of
#   ontology classes to the IMI core vocabulary (ontology/imi-alignment.ttl). Every row names in
#   see_also the stored public record that pairs the label with the id, and its check method in
#   comment. Generated by `spacekg build` and `spacekg links sssom`; do not edit by hand.
# license: https://creativecommons.org/licenses/by/4.0/
# subject_source: {base}
# object_source: http://www.wikidata.org/entity/ and http://imi.go.jp/ns/core/rdf#
# object_source_version: checked against stored records, see see_also
"""


def _tsv(value) -> str:
    return str(value).replace("\t", " ").replace("\n", " ").strip()


def sssom_rows(entries: dict[str, Entry], ontology: Ontology) -> list[dict[str, str]]:
    """The mapping rows: core vocabulary, ontology alignments, then entity links.

    Entity rows come from entries with a ``wikidata_check`` (``skos:exactMatch``; confidence
    0.95, 0.9 for a check whose record does not show the type, ``WEAK_CHECK_METHODS``).
    Ontology rows come from the ``owl:Axiom`` annotations of
    the ontology graph whose target is a Wikidata entity and which carry
    ``sssom:mapping_justification``.

    Returns:
        Dicts keyed by :data:`SSSOM_COLUMNS`, sorted by subject within each part.
    """
    from rdflib import Namespace, URIRef

    sssom = Namespace("https://w3id.org/sssom/")
    targets = {str(WD): "wikidata:", IMI: "ic:"}
    sk = str(ontology.iris.sk)
    rows: list[dict[str, str]] = []
    for subj, slabel, pred, obj, olabel, see, comment in CORE_MAPPINGS:
        rows.append(dict(zip(SSSOM_COLUMNS, (subj, slabel, pred, obj, olabel,
                     "semapv:ManualMappingCuration", "0.95", SSSOM_AUTHOR, "2026-11-21",
                     see, comment), strict=True)))
    g = ontology.graph
    onto = []
    for ax in g.subjects(OWL.annotatedTarget, None):
        target, source, prop = (g.value(ax, OWL.annotatedTarget), g.value(ax, OWL.annotatedSource),
                                g.value(ax, OWL.annotatedProperty))
        just = g.value(ax, sssom.mapping_justification)
        ns = next((n for n in targets if str(target).startswith(n)), None)
        if just is None or ns is None or not str(source).startswith(sk):
            continue
        name = str(source)[len(sk):]
        label = g.value(URIRef(str(source)), URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
        labels = [str(lab) for lab in g.objects(URIRef(str(source)),
                                                URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
                  if getattr(lab, "language", None) == "en"]
        onto.append(dict(zip(SSSOM_COLUMNS, (
            f"sk:{name}", labels[0] if labels else str(label or name),
            "skos:" + str(prop).rsplit("#", 1)[-1], targets[ns] + str(target)[len(ns):],
            str(g.value(ax, sssom.object_label) or ""),
            "semapv:" + str(just).rsplit("/", 1)[-1], str(g.value(ax, sssom.confidence) or ""),
            SSSOM_AUTHOR, str(g.value(ax, sssom.mapping_date) or ""),
            str(g.value(ax, sssom.see_also) or ""), str(g.value(ax, sssom.comment) or "")),
            strict=True)))
    rows.extend(sorted(onto, key=lambda r: (r["subject_id"], r["object_id"])))
    ents = []
    for e in entries.values():
        if not (e.wikidata and e.wikidata_check):
            continue
        c = e.wikidata_check
        note = f"check: {c.get('method')}." + (f" {c['note']}" if c.get("note") else "")
        ents.append(dict(zip(SSSOM_COLUMNS, (
            f"skr:{e.id}", e.en, "skos:exactMatch", f"wikidata:{e.wikidata}", c.get("label", ""),
            "semapv:ManualMappingCuration",
            "0.9" if c.get("method") in WEAK_CHECK_METHODS else "0.95", SSSOM_AUTHOR,
            c.get("date", ""), c.get("source", ""), note), strict=True)))
    rows.extend(sorted(ents, key=lambda r: r["subject_id"]))
    return rows


def sssom_tsv(entries: dict[str, Entry], ontology: Ontology) -> str:
    """The SSSOM table (embedded YAML metadata header + TSV) as text; deterministic."""
    iris = ontology.iris
    head = SSSOM_HEADER.format(sk=str(iris.sk), res=str(iris.res), base=iris.base)
    lines = ["\t".join(SSSOM_COLUMNS)]
    for row in sssom_rows(entries, ontology):
        lines.append("\t".join(_tsv(row[c]) for c in SSSOM_COLUMNS))
    return head + "\n".join(lines) + "\n"
