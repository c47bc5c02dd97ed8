"""Wikidata links (issue 6): every published link is checked, well formed and unique.

The links live in data/links/wikidata.yaml and are merged into the lexicon at load time; these
tests read the real build's ``graph/entities`` and the real links file.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rdflib import DCTERMS, RDF, RDFS, SKOS

from spacekg.config import ROOT
from spacekg.errors import LexiconError
from spacekg.lexicon import CHECK_METHODS, load_lexicon, load_links

LINKS = ROOT / "data" / "links" / "wikidata.yaml"
UNLINKED = ROOT / "data" / "links" / "unlinked.yaml"
WD_ENTITY_IRI = re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$")


@pytest.fixture(scope="module")
def entities(built, iris):
    return built.dataset.graph(iris.graph["entities"])


@pytest.fixture(scope="module")
def published(entities):
    """(entity, item) pairs of every skos:exactMatch to Wikidata in graph/entities."""
    return [(s, o) for s, o in entities.subject_objects(SKOS.exactMatch)
            if "wikidata.org" in str(o)]


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(ROOT / "data" / "lexicon")


def test_links_are_published(published):
    # the links file holds dozens of checked links; the build must publish them all
    assert len(published) == len(load_links(LINKS))


def test_every_published_link_carries_its_check(entities, published, iris):
    sk = iris.sk
    for ent, item in published:
        checks = list(entities.objects(ent, sk.linkCheck))
        assert len(checks) == 1, f"{ent} links {item} without exactly one check"
        c = checks[0]
        assert (c, RDF.type, sk.LinkCheck) in entities
        assert (c, sk.checkedLink, item) in entities
        method = entities.value(c, sk.checkMethod)
        assert str(method) in CHECK_METHODS, f"{ent}: unknown check method {method!r}"
        for prop in (DCTERMS.source, DCTERMS.date, RDFS.label):
            assert entities.value(c, prop), f"check of {ent} lacks {prop}"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(entities.value(c, DCTERMS.date)))


def test_every_link_iri_is_a_wikidata_entity_iri(published):
    bad = [(str(e), str(i)) for e, i in published if not WD_ENTITY_IRI.match(str(i))]
    assert not bad


def test_no_two_entities_link_to_the_same_item(published):
    dup = {str(i): n for i, n in Counter(i for _, i in published).items() if n > 1}
    assert not dup


def test_unchecked_lexicon_ids_are_not_published(lexicon, entities, iris):
    """An entry with ``wikidata`` but no check anywhere stays out of the graph."""
    unchecked = [e for e in lexicon.values() if e.wikidata and not e.wikidata_check]
    for e in unchecked:
        assert not list(entities.objects(iris.res[e.id], SKOS.exactMatch)), e.id


def test_check_label_agrees_with_an_entity_label(lexicon):
    """The label the record gives shares a word (or the Japanese label) with our entity.

    Guards against a row pasted under the wrong id: e.g. "Mars" under ``moon``.
    """
    def words(text):
        return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2} | {text}

    for link in load_links(LINKS).values():
        entry = lexicon[link.id]
        ours = set().union(*(words(s) for s in entry.surface_forms()))
        theirs = words(link.check["label"])
        assert ours & theirs, f"{link.id}: record label {link.check['label']!r} matches none of ours"


MUST_LINK = {"Country", "Planet", "NaturalSatellite", "SpaceAgency", "InternationalBody"}


def test_countries_bodies_agencies_are_linked_or_accounted_for(lexicon):
    """Every country, planet, moon, space agency and international body of the lexicon is
    either linked (wikidata.yaml) or listed with the reason it is not (unlinked.yaml)."""
    unlinked = {row["id"]: row for row in yaml.safe_load(UNLINKED.read_text(encoding="utf-8"))}
    linked = set(load_links(LINKS))
    assert not linked & set(unlinked), "an id is both linked and listed as unlinked"
    for eid, row in unlinked.items():
        assert eid in lexicon and row.get("reason"), eid
    must = {e.id for e in lexicon.values() if MUST_LINK & set(e.classes)}
    missing = sorted(must - linked - set(unlinked))
    assert not missing, f"neither linked nor accounted for: {missing}"
    # countries all have a public record (OWID): none may be left unlinked
    countries = {e.id for e in lexicon.values() if "Country" in e.classes}
    assert countries <= linked


def test_links_use_known_lexicon_ids_and_sources(lexicon):
    for link in load_links(LINKS).values():
        assert link.id in lexicon
        assert link.check["source"].startswith(("github:", "https://")), link.id


# ------------------------------------------------------------------ loader failure modes

def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "wikidata.yaml"
    p.write_text(text, encoding="utf-8")
    return p


CHECK = "{method: review, source: github:x/y, date: 2026-01-01, label: Japan}"


def row(eid: str, qid: str) -> str:
    """One well-formed links-file row (flow style)."""
    return f"- {{id: {eid}, wikidata: {qid}, check: {CHECK}}}\n"


@pytest.mark.parametrize("text, message", [
    ("- {id: japan, wikidata: Q17}", "no 'check'"),
    (row("japan", "P17"), "not a Wikidata item id"),
    ("- {id: japan, wikidata: Q17, check: {method: review, source: s, date: 2026-01-01}}",
     "lacks 'label'"),
    ("- {id: japan, wikidata: Q17, check: {method: guess, source: s, date: 2026-01-01, "
     "label: J}}", "check method"),
    (row("japan", "Q17") + row("china", "Q17"), "linked from both"),
    (row("japan", "Q17") + row("japan", "Q18"), "duplicate link"),
    ("- {id: japan, wikidata: Q17, check: {method: review, source: s, date: 'May 2026', "
     "label: J}}", "YYYY-MM-DD"),
])
def test_malformed_links_are_refused(tmp_path, text, message):
    with pytest.raises(LexiconError, match=message) as exc:
        load_links(_write(tmp_path, text))
    assert "wikidata.yaml:" in str(exc.value)  # names the file and line


def test_link_to_unknown_id_is_refused(tmp_path):
    path = _write(tmp_path, row("no-such-entity", "Q17"))
    with pytest.raises(LexiconError, match="unknown lexicon id"):
        load_lexicon(ROOT / "data" / "lexicon", links=path)


def test_link_overrides_the_lexicon_id(tmp_path):
    path = _write(tmp_path, row("nasa", "Q999999"))
    lex = load_lexicon(ROOT / "data" / "lexicon", links=path)
    assert lex["nasa"].wikidata == "Q999999"
    assert lex["nasa"].wikidata_check["method"] == "review"
    # an entry the file does not name keeps its own id, unchecked
    own = [e for e in lex.values() if e.wikidata and e.id != "nasa"]
    assert own and all(e.wikidata_check is None for e in own)
