"""Describe lexicon entries and source documents as RDF (graphs ``entities`` and ``documents``)."""

from __future__ import annotations

from rdflib import DCTERMS, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef

from spacekg.config import SCHEMA, WD
from spacekg.lexicon import Entry
from spacekg.ontology import Ontology
from spacekg.sources import Source

WIKIDATA_CHECK_FIELDS = ("method", "source", "date", "label", "note")


def describe_entities(entries: dict[str, Entry], ontology: Ontology, graph: Graph) -> None:
    """Add each entry's types, labels, aliases, reading, definition and Wikidata link.

    Output shape per entry ``e`` (``{base}resource/{id}``): ``e a sk:C`` for each class;
    ``rdfs:label`` and ``skos:prefLabel`` @ja and @en; ``skos:altLabel`` for aliases that differ
    from the labels (language ``ja`` if the alias has Japanese characters, else ``en``);
    ``sk:kanaReading`` @ja-Hrkt; ``skos:definition`` @en; ``skos:exactMatch`` to
    ``http://www.wikidata.org/entity/Q…`` only when the entry records how the link was checked
    (``wikidata_check``, set from data/links/wikidata.yaml by :func:`spacekg.lexicon.apply_links`),
    with that check as a node ``{e}#wikidata-check`` (``a sk:LinkCheck``; ``sk:checkedLink`` the
    item, ``sk:checkMethod``, ``dcterms:source``, ``dcterms:date``, ``rdfs:label`` the item's
    label as the record gives it, ``skos:note``).
    """
    iris = ontology.iris
    sk = iris.sk
    for entry in entries.values():
        e = iris.res[entry.id]
        for c in entry.classes:
            graph.add((e, RDF.type, ontology.cls(c)))
        for lab, lang in ((entry.ja, "ja"), (entry.en, "en")):
            graph.add((e, RDFS.label, Literal(lab, lang=lang)))
            graph.add((e, SKOS.prefLabel, Literal(lab, lang=lang)))
        for alias in entry.aliases:
            if alias in (entry.ja, entry.en):
                continue
            lang = "ja" if any(ord(ch) > 0x3000 for ch in alias) else "en"
            graph.add((e, SKOS.altLabel, Literal(alias, lang=lang)))
        if entry.kana:
            graph.add((e, sk.kanaReading, Literal(entry.kana, lang="ja-Hrkt")))
        if entry.definition:
            graph.add((e, SKOS.definition, Literal(entry.definition, lang="en")))
        if entry.definition_ja:
            graph.add((e, SKOS.definition, Literal(entry.definition_ja, lang="ja")))
        if entry.wikidata and entry.wikidata_check:
            item = WD[entry.wikidata]
            graph.add((e, SKOS.exactMatch, item))
            check = URIRef(f"{e}#wikidata-check")
            graph.add((e, sk.linkCheck, check))
            graph.add((check, RDF.type, sk.LinkCheck))
            graph.add((check, sk.checkedLink, item))
            for key in WIKIDATA_CHECK_FIELDS:
                val = entry.wikidata_check.get(key)
                if val:
                    prop = {"method": sk.checkMethod, "source": DCTERMS.source,
                            "date": DCTERMS.date, "label": RDFS.label, "note": SKOS.note}[key]
                    lit = Literal(str(val), datatype=XSD.date) if key == "date" else Literal(str(val))
                    graph.add((check, prop, lit))


def describe_technology_areas(areas: dict[str, list[str]], entries: dict[str, Entry],
                              ontology: Ontology, graph: Graph, source: str = "") -> None:
    """State ``technology sk:technologyArea sk:area-{area}`` for each listed technology.

    Args:
        areas: area slug → technology ids (data/technology-areas.yaml).

    Raises:
        LexiconError: an unknown area or technology id (``source`` names the file).
    """
    from spacekg.errors import LexiconError

    sk = ontology.iris.sk
    for area, ids in sorted(areas.items()):
        concept = sk[f"area-{area}"]
        if (concept, RDF.type, SKOS.Concept) not in ontology.graph:
            raise LexiconError(f"unknown technology area {area!r}", path=source)
        for eid in ids:
            if eid not in entries:
                raise LexiconError(f"unknown technology id {eid!r} in area {area!r}", path=source)
            graph.add((ontology.iris.res[eid], sk.technologyArea, concept))


def describe_documents(sources: list[Source], ontology: Ontology, graph: Graph,
                       entity_ids: set[str]) -> None:
    """Describe each source document (Dublin Core terms) in ``graph``.

    Output shape per document ``d`` (``{base}document/{id}``): ``a sk:Document`` and its
    subclass; ``dcterms:title`` @ja (and @en where a translation is given); ``rdfs:label``;
    ``dcterms:publisher`` the issuer entity and ``dcterms:creator`` the issuer's name as printed;
    ``dcterms:date`` (xsd:date when printed or known; xsd:gYearMonth / gYear when approximate)
    with ``sk:dateQualifier`` and ``skos:editorialNote`` giving the reason when not printed;
    ``dcterms:language``; ``schema:sha256``; ``dcterms:source`` the file name;
    ``dcterms:format`` text/plain; ``schema:url`` where it was published (``spacekg add --url``).
    """
    iris = ontology.iris
    sk = iris.sk
    for src in sources:
        m = src.meta
        d = iris.doc[src.id]
        graph.add((d, RDF.type, sk.Document))
        cls = m.get("class")
        if cls:
            graph.add((d, RDF.type, ontology.cls(cls)))
        graph.add((d, DCTERMS.identifier, Literal(src.id)))
        graph.add((d, DCTERMS.title, Literal(m["title_ja"], lang="ja")))
        graph.add((d, RDFS.label, Literal(m["title_ja"], lang="ja")))
        if m.get("title_en"):
            graph.add((d, DCTERMS.title, Literal(m["title_en"], lang="en")))
            graph.add((d, RDFS.label, Literal(m["title_en"], lang="en")))
        if m.get("title_note"):
            graph.add((d, SKOS.editorialNote, Literal(m["title_note"], lang="en")))
        if m.get("issuer") and m["issuer"] in entity_ids:
            graph.add((d, DCTERMS.publisher, iris.res[m["issuer"]]))
            graph.add((d, sk.issuedBy, iris.res[m["issuer"]]))
        for key, lang in (("issuer_ja", "ja"), ("issuer_en", "en")):
            if m.get(key):
                graph.add((d, DCTERMS.creator, Literal(m[key], lang=lang)))
        if m.get("date"):
            graph.add((d, DCTERMS.date, Literal(m["date"], datatype=XSD.date)))
            if m.get("date_printed") is False:
                graph.add((d, sk.dateQualifier, Literal("not-printed")))
        elif m.get("date_approx"):
            approx = str(m["date_approx"])
            dt = XSD.gYearMonth if len(approx) == 7 else XSD.gYear
            graph.add((d, DCTERMS.date, Literal(approx, datatype=dt)))
            graph.add((d, sk.dateQualifier, Literal("approximate")))
        else:
            graph.add((d, sk.dateQualifier, Literal("unknown")))
        if m.get("date_note"):
            graph.add((d, SKOS.editorialNote, Literal(m["date_note"], lang="en")))
        if m.get("presented_at") and m["presented_at"] in entity_ids:
            graph.add((d, sk.presentedAt, iris.res[m["presented_at"]]))
        if m.get("url"):
            graph.add((d, SCHEMA.url, URIRef(str(m["url"]))))
        if m.get("covers"):
            graph.add((d, DCTERMS.description, Literal(m["covers"], lang="en")))
        graph.add((d, DCTERMS.language, Literal(m.get("language", "ja"), datatype=XSD.language)))
        graph.add((d, SCHEMA.sha256, Literal(src.sha256)))
        graph.add((d, DCTERMS.source, Literal(src.path.name)))
        graph.add((d, DCTERMS.format, Literal("text/plain")))
        graph.add((d, SCHEMA.text, Literal(src.text)))
