"""Example questions shown on the home page and in the query editor.

Each is a SPARQL query over the union default graph; ``{base}`` is replaced by the configured
IRI base (server configuration, never user text).
"""

from __future__ import annotations

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX sk: <{base}ontology#>
PREFIX skr: <{base}resource/>
PREFIX time: <http://www.w3.org/2006/time#>
"""

EXAMPLES = [
    {"id": "moon-missions", "ja": "月へのミッション（打上げ時期順）", "en": "Missions to the Moon by launch date",
     "query": """# Missions whose target is the Moon or a region of it (polar region, far side: sk:partOf,
# inferred), with their launch dates, done or planned. Every kind of date (day, month, year,
# fiscal year, decade) sorts by the first day of the interval it stands for (sk:dateInterval);
# asOf is the date of the document that says it, so a plan reads as a plan of that time.
SELECT DISTINCT ?mission ?label ?property ?date ?begin ?end ?asOf WHERE {
  ?mission a sk:Mission ; sk:target ?target .
  ?target sk:partOf* skr:moon .
  OPTIONAL {
    VALUES ?property { sk:launchDate sk:plannedLaunchDate }
    ?st rdf:subject ?mission ; rdf:predicate ?property ; rdf:object ?date ; sk:dateInterval ?i .
    OPTIONAL { ?i time:hasBeginning/time:inXSDDate ?begin }
    OPTIONAL { ?i time:hasEnd/time:inXSDDate ?end }
    OPTIONAL { ?st sk:statedAsOf/sk:printedDate ?asOf }
  }
  OPTIONAL { ?mission rdfs:label ?label FILTER(lang(?label) = "ja") }
} ORDER BY (!BOUND(?begin) && !BOUND(?end)) COALESCE(?begin, ?end) ?label DESC(?asOf)"""},
    {"id": "japan-commitments", "ja": "日本の参画・取決めとその日付", "en": "Japan's commitments with their dates",
     "query": """# What Japan (or a Japanese organization such as JAXA) takes part in, is party to or
# contributes to, with the dates the documents give: the announcement of a participation
# (sk:Participation, an n-ary node), the signing of an agreement, the start or date of a
# programme or event. Sorted by the first day of each date's interval (any precision).
SELECT DISTINCT ?who ?relation ?what ?label ?dateProperty ?date ?begin ?asOf WHERE {
  { VALUES ?who { skr:japan skr:jaxa } } UNION { ?who a sk:Organization ; sk:country skr:japan }
  {
    ?p a sk:Participation ; sk:participant ?who ; sk:participationIn ?what .
    BIND (sk:Participation AS ?relation)
    OPTIONAL {
      ?st rdf:subject ?p ; rdf:predicate ?dateProperty ; rdf:object ?date ; sk:dateInterval ?i .
      OPTIONAL { ?i time:hasBeginning/time:inXSDDate ?begin }
      OPTIONAL { ?st sk:statedAsOf/sk:printedDate ?asOf }
    }
  } UNION {
    VALUES ?relation { sk:partyTo sk:participatesIn sk:contributesTo sk:memberOf }
    ?who ?relation ?what .
    FILTER NOT EXISTS { ?what a sk:Meeting }  # attending a meeting is not a commitment
    OPTIONAL {
      VALUES ?dateProperty { sk:signingDate sk:date sk:startDate sk:announcementDate }
      ?st rdf:subject ?what ; rdf:predicate ?dateProperty ; rdf:object ?date ; sk:dateInterval ?i .
      OPTIONAL { ?i time:hasBeginning/time:inXSDDate ?begin }
      OPTIONAL { ?st sk:statedAsOf/sk:printedDate ?asOf }
    }
  }
  OPTIONAL { ?what rdfs:label ?label FILTER(lang(?label) = "ja") }
} ORDER BY (!BOUND(?begin)) ?begin ?label"""},
    {"id": "missions", "ja": "ミッションとその種類", "en": "Missions and what kind of spacecraft they are",
     "query": """SELECT ?mission ?ja ?en (GROUP_CONCAT(DISTINCT ?clsName; separator=", ") AS ?classes) WHERE {
  ?mission a sk:Mission .
  OPTIONAL { ?mission skos:prefLabel ?ja FILTER(lang(?ja) = "ja") }
  OPTIONAL { ?mission skos:prefLabel ?en FILTER(lang(?en) = "en") }
  OPTIONAL { ?mission a ?cls . ?cls rdfs:label ?clsName FILTER(lang(?clsName) = "en") }
} GROUP BY ?mission ?ja ?en ORDER BY ?en"""},
    {"id": "dates", "ja": "日付のある出来事（打上げ・着陸・会合）", "en": "Dated events: launches, landings, meetings",
     "query": """SELECT ?thing ?label ?property ?date WHERE {
  VALUES ?property { sk:date sk:launchDate sk:landingDate sk:plannedLaunchDate sk:announcementDate
                     sk:startDate sk:endDate sk:signingDate }
  ?thing ?property ?date .
  OPTIONAL { ?thing rdfs:label ?label FILTER(lang(?label) = "ja") }
} ORDER BY ?date LIMIT 200"""},
    {"id": "evidence", "ja": "どの文書のどの箇所がこの事実を述べているか", "en": "Which passage states each fact?",
     "query": """SELECT ?s ?p ?o ?doc ?start ?end ?quote ?rule WHERE {
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?ev .
  ?ev oa:hasTarget ?t ; prov:wasGeneratedBy ?rule .
  ?t oa:hasSource ?doc ; oa:hasSelector ?pos, ?q .
  ?pos a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  ?q a oa:TextQuoteSelector ; oa:exact ?quote .
} LIMIT 100"""},
    {"id": "classes", "ja": "クラスごとの件数", "en": "How many entities of each class?",
     "query": """SELECT ?class ?label (COUNT(DISTINCT ?x) AS ?n) WHERE {
  GRAPH <{base}graph/entities> { ?x a ?class }
  OPTIONAL { ?class rdfs:label ?label FILTER(lang(?label) = "en") }
} GROUP BY ?class ?label ORDER BY DESC(?n)"""},
    {"id": "mentions", "ja": "最も多くの文書で言及されるもの", "en": "Entities mentioned in the most documents",
     "query": """SELECT ?entity ?label (COUNT(DISTINCT ?doc) AS ?documents) (COUNT(?m) AS ?mentions) WHERE {
  GRAPH <{base}graph/mentions> { ?m oa:hasBody ?entity ; oa:hasTarget/oa:hasSource ?doc }
  OPTIONAL { ?entity rdfs:label ?label FILTER(lang(?label) = "ja") }
} GROUP BY ?entity ?label ORDER BY DESC(?documents) DESC(?mentions) LIMIT 50"""},
    {"id": "japan-partners", "ja": "日本が協力・参加しているもの", "en": "What Japan takes part in or cooperates with",
     "query": """SELECT ?property ?other ?label WHERE {
  VALUES ?property { sk:participatesIn sk:cooperatesWith sk:partyTo sk:memberOf sk:contributesTo }
  skr:japan ?property ?other .
  OPTIONAL { ?other rdfs:label ?label FILTER(lang(?label) = "ja") }
} ORDER BY ?property ?label"""},
    {"id": "inferred", "ja": "推論された事実と規則", "en": "Inferred facts and the rules that derived them",
     "query": """SELECT ?s ?p ?o ?rule WHERE {
  GRAPH <{base}graph/inferred> { ?s ?p ?o FILTER(?p != rdf:type && !isBlank(?s))
    OPTIONAL { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasGeneratedBy ?rule } }
  FILTER(!EXISTS { ?s rdf:subject ?any })
} LIMIT 100"""},
    {"id": "wikidata", "ja": "Wikidata へのリンク", "en": "Links to Wikidata",
     "query": """SELECT ?entity ?label ?wikidata WHERE {
  { ?entity owl:sameAs ?wikidata } UNION { ?entity skos:exactMatch ?wikidata }
  FILTER(STRSTARTS(STR(?wikidata), "http://www.wikidata.org/entity/"))
  OPTIONAL { ?entity rdfs:label ?label FILTER(lang(?label) = "en") }
} ORDER BY ?label"""},
]


def examples(base: str) -> list[dict]:
    """The examples with the prefixes prepended and ``{base}`` filled in."""
    return [dict(e, query=(PREFIXES + e["query"]).replace("{base}", base)) for e in EXAMPLES]
