"""Domain rules (ontology/rules/*.rq): one test per rule, named after it, showing that the rule
fires when its premises hold and does not fire when one is missing; plus what they conclude on
the real corpus.

Each test builds a tiny dataset: the real ontology in graph/ontology, the given triples in
graph/stated (and types in graph/entities), runs :func:`spacekg.reason.infer`, and reads
graph/inferred.
"""

from __future__ import annotations

import re

import pytest
from rdflib import RDF, RDFS, Dataset, Literal, URIRef

from spacekg.config import PROV
from spacekg.reason import RULES_DIR, infer, load_domain_rules


def run(pipeline, iris, types, facts=(), labels=None):
    """Infer over the ontology + ``types`` (id → class names) + ``facts`` (s, p, o) + Japanese
    ``labels`` (id → label or [labels]) in graph/entities."""
    ds = Dataset()
    onto = ds.graph(iris.graph["ontology"])
    for t in pipeline.ontology.graph:
        onto.add(t)
    ents = ds.graph(iris.graph["entities"])
    for eid, classes in types.items():
        for c in classes:
            ents.add((iris.res[eid], RDF.type, iris.sk[c]))
    for eid, labs in (labels or {}).items():
        for lab in [labs] if isinstance(labs, str) else labs:
            ents.add((iris.res[eid], RDFS.label, Literal(lab, lang="ja")))
    stated = ds.graph(iris.graph["stated"])
    for s, p, o in facts:
        stated.add((iris.res[s], iris.sk[p], o if isinstance(o, Literal) else iris.res[o]))
    result = infer(ds, iris=iris)
    return ds.graph(iris.graph["inferred"]), result


def rule_of(result, triple):
    d = result.derivations.get(triple)
    return d.rule if d else None


def test_every_rule_has_its_test():
    """Each rule file has an id, an 'If … then …' statement and a test_<id> in this module."""
    rules = load_domain_rules(RULES_DIR)
    assert len(rules) >= 5
    names = set(globals())
    for rule in rules:
        assert rule.statement.startswith("If ") and " then " in rule.statement
        assert f"test_{rule.id.lower().replace('-', '_')}" in names, f"no test for {rule.id}"


AGENCY = {"agency": ["SpaceAgency"], "country": ["Country"], "prog": ["Program"]}


def test_dr_country_program(pipeline, iris):
    """A country takes part in a programme when its space agency does — and not otherwise."""
    sk, res = iris.sk, iris.res
    g, result = run(pipeline, iris, AGENCY, [("agency", "country", "country"),
                                             ("agency", "participatesIn", "prog")])
    t = (res["country"], sk.participatesIn, res["prog"])
    assert t in g and rule_of(result, t) == "DR-COUNTRY-PROGRAM"
    # the inverse follows by OWL 2 RL from the rule's conclusion
    assert (res["prog"], sk.hasParticipant, res["country"]) in g
    # the agency's participation stated via the inverse property also counts
    g, _ = run(pipeline, iris, AGENCY, [("agency", "country", "country"), ("prog", "hasParticipant", "agency")])
    assert t in g
    # no country link → nothing
    g, _ = run(pipeline, iris, AGENCY, [("agency", "participatesIn", "prog")])
    assert t not in g
    # not a space agency (a company of that country) → nothing
    g, _ = run(pipeline, iris, {**AGENCY, "agency": ["Company"]},
               [("agency", "country", "country"), ("agency", "participatesIn", "prog")])
    assert t not in g


def test_dr_mission_japanese(pipeline, iris):
    """A mission is Japanese when Japan or a Japanese organization operates or develops it."""
    sk, res = iris.sk, iris.res
    types = {"japan": ["Country"], "m": ["Lander", "Mission"], "org": ["Company"], "usa": ["Country"]}
    t = (res["m"], sk.country, res["japan"])
    for facts in ([("japan", "develops", "m")], [("japan", "operates", "m")],
                  [("org", "country", "japan"), ("org", "operates", "m")]):
        g, result = run(pipeline, iris, types, facts)
        assert t in g and rule_of(result, t) == "DR-MISSION-JAPANESE", facts
    # an American organization operating it → not Japanese
    g, _ = run(pipeline, iris, types, [("org", "country", "usa"), ("org", "operates", "m")])
    assert t not in g
    # Japan develops something that is not a mission → no country inferred
    g, _ = run(pipeline, iris, {**types, "m": ["Technology"]}, [("japan", "develops", "m")])
    assert t not in g


def test_dr_iss_to_exploration(pipeline, iris):
    """A technology demonstrated on the ISS (or a part of it) and required by the Gateway or a
    lunar-surface mission is an ISS-to-exploration technology."""
    sk, res = iris.sk, iris.res
    types = {"iss": ["SpaceStation"], "gateway": ["SpaceStation"], "kibo": ["Module"], "tech": ["Technology"],
             "moon": ["NaturalSatellite"], "rover": ["Rover", "Mission"], "pole": ["SurfaceRegion"]}
    t = (res["tech"], RDF.type, sk.ISSToExplorationTechnology)
    cases = [
        [("iss", "demonstratesTechnology", "tech"), ("gateway", "requiresTechnology", "tech")],
        [("kibo", "partOf", "iss"), ("kibo", "demonstratesTechnology", "tech"),
         ("rover", "requiresTechnology", "tech"), ("rover", "target", "moon")],
        [("iss", "demonstratesTechnology", "tech"), ("rover", "requiresTechnology", "tech"),
         ("rover", "target", "pole"), ("pole", "partOf", "moon")],
    ]
    for facts in cases:
        g, result = run(pipeline, iris, types, facts)
        assert t in g and rule_of(result, t) == "DR-ISS-TO-EXPLORATION", facts
        assert (res["tech"], RDF.type, sk.Technology) not in g  # already a type: not re-inferred
    # demonstrated on the ISS but needed by nothing beyond LEO → no
    g, _ = run(pipeline, iris, types, [("iss", "demonstratesTechnology", "tech")])
    assert t not in g
    # needed for the Gateway but never demonstrated on the ISS → no
    g, _ = run(pipeline, iris, types, [("gateway", "requiresTechnology", "tech")])
    assert t not in g


@pytest.mark.parametrize("date,fy", [
    (Literal("2025-06-13", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")), "2025"),
    (Literal("2026-03-27", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")), "2025"),
    (Literal("2026-04-01", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")), "2026"),
    (Literal("2017-12", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYearMonth")), "2017"),
    (Literal("2018-01", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYearMonth")), "2017"),
])
def test_dr_meeting_fiscal_year(pipeline, iris, date, fy):
    """A meeting's fiscal year (April to March) follows from a day or month date."""
    sk, res = iris.sk, iris.res
    g, result = run(pipeline, iris, {"m": ["Meeting"]}, [("m", "date", date)])
    values = list(g.objects(res["m"], sk.fiscalYear))
    assert values == [Literal(fy, datatype=sk.fiscalYear)]
    assert rule_of(result, (res["m"], sk.fiscalYear, values[0])) == "DR-MEETING-FISCAL-YEAR"


def test_dr_meeting_fiscal_year_does_not_fire(pipeline, iris):
    """No fiscal year from a bare year (April–March is unknown) nor for a non-meeting."""
    sk, res = iris.sk, iris.res
    year = Literal("2025", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))
    g, _ = run(pipeline, iris, {"m": ["Meeting"]}, [("m", "date", year)])
    assert not list(g.objects(res["m"], sk.fiscalYear))
    day = Literal("2025-06-13", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))
    g, _ = run(pipeline, iris, {"m": ["Launch"]}, [("m", "date", day)])
    assert not list(g.objects(res["m"], sk.fiscalYear))


def test_dr_presenter_participates(pipeline, iris):
    """An organization that presented an agenda item of a meeting took part in the meeting."""
    sk, res = iris.sk, iris.res
    types = {"m": ["Meeting"], "i": ["AgendaItem"], "org": ["SpaceAgency"], "person": ["Person"]}
    t = (res["org"], sk.participatesIn, res["m"])
    g, result = run(pipeline, iris, types, [("m", "hasAgendaItem", "i"), ("i", "presentedBy", "org")])
    assert t in g and rule_of(result, t) == "DR-PRESENTER-PARTICIPATES"
    premises = set(result.derivations[t].premises)
    assert (res["i"], sk.presentedBy, res["org"]) in premises
    # via the inverse property (stated from the organization's side) too
    g, _ = run(pipeline, iris, types, [("i", "agendaItemOf", "m"), ("org", "presented", "i")])
    assert t in g
    # an item not on that meeting's agenda → nothing
    g, _ = run(pipeline, iris, types, [("i", "presentedBy", "org")])
    assert t not in g
    # a person presenting is not an organization → nothing
    g, _ = run(pipeline, iris, types, [("m", "hasAgendaItem", "i"), ("i", "presentedBy", "person")])
    assert (res["person"], sk.participatesIn, res["m"]) not in g


# --- on the real corpus ------------------------------------------------------------------------


def inferred_by(built, iris, rule_id):
    g = built.dataset.graph(iris.graph["inferred"])
    nodes = set(g.subjects(PROV.wasGeneratedBy, iris.rule[rule_id]))
    return {(g.value(n, RDF.subject), g.value(n, RDF.predicate), g.value(n, RDF.object)) for n in nodes}


def test_real_corpus_meeting_fiscal_years(built, iris):
    """Every meeting dated to a day has its fiscal year inferred, consistent with the date."""
    g = built.dataset.graph(iris.graph["stated"])
    found = inferred_by(built, iris, "DR-MEETING-FISCAL-YEAR")
    dated = {(m, d) for m in built.dataset.graph(iris.graph["entities"]).subjects(RDF.type, iris.sk.Meeting)
             for d in g.objects(m, iris.sk.date) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(d))}
    assert dated, "the corpus has dated meetings"
    for m, d in dated:
        y, mo = int(str(d)[:4]), int(str(d)[5:7])
        assert (m, iris.sk.fiscalYear, Literal(str(y if mo >= 4 else y - 1), datatype=iris.sk.fiscalYear)) in found


def test_real_corpus_presenters_and_iss_technologies(built, iris):
    """JAXA presented at the 69th meeting, so it took part in it; ECLSS is demonstrated on the
    ISS and required by the Gateway, so it is an ISS-to-exploration technology."""
    assert (iris.res["jaxa"], iris.sk.participatesIn, iris.res["meeting-69"]) in \
        inferred_by(built, iris, "DR-PRESENTER-PARTICIPATES")
    assert (iris.res["eclss"], RDF.type, iris.sk.ISSToExplorationTechnology) in \
        inferred_by(built, iris, "DR-ISS-TO-EXPLORATION")


def test_dr_surface_region_of_body(pipeline, iris):
    """A surface region named after a body (月極域 → 月) is part of it, so a question about the
    Moon finds missions to its polar region; a region named otherwise, or a body that is not a
    celestial body, gives nothing."""
    from rdflib import RDFS

    sk, res = iris.sk, iris.res
    types = {"moon": ["NaturalSatellite"], "pole": ["SurfaceRegion"], "mars": ["Planet"],
             "tharsis": ["SurfaceRegion"], "m": ["Lander", "Mission"]}


    # labels live in graph/entities: run() only adds types, so add the labels by hand
    from rdflib import Dataset

    def run_labels(labels, ds_types):
        ds = Dataset()
        onto = ds.graph(iris.graph["ontology"])
        for t in pipeline.ontology.graph:
            onto.add(t)
        ents = ds.graph(iris.graph["entities"])
        for eid, classes in ds_types.items():
            for c in classes:
                ents.add((res[eid], RDF.type, sk[c]))
        for eid, lab in labels.items():
            ents.add((res[eid], RDFS.label, Literal(lab, lang="ja")))
        ds.graph(iris.graph["stated"]).add((res["m"], sk.target, res["pole"]))
        result = infer(ds, iris=iris)
        return ds.graph(iris.graph["inferred"]), result

    g, result = run_labels({"moon": "月", "pole": "月極域", "mars": "火星", "tharsis": "タルシス火山"}, types)
    t = (res["pole"], sk.partOf, res["moon"])
    assert t in g and rule_of(result, t) == "DR-SURFACE-REGION-OF-BODY"
    assert (res["pole"], sk.partOf, res["mars"]) not in g
    assert (res["tharsis"], sk.partOf, res["mars"]) not in g  # name does not begin with 火星
    # the body is not a celestial body (a programme named 月) → nothing
    g, _ = run_labels({"moon": "月", "pole": "月極域"}, {**types, "moon": ["Program"]})
    assert t not in g
    # a body's name equal to the region's is not a part of itself
    g, _ = run_labels({"moon": "月", "pole": "月"}, types)
    assert t not in g


def test_real_corpus_lunar_regions_are_part_of_the_moon(built, iris):
    """On the real graph the lunar polar region and far side are part of the Moon, so missions
    targeting them (LUPEX, Chang'e 4, Luna 27) answer "missions to the Moon"."""
    from rdflib import Graph

    res, sk = iris.res, iris.sk
    inferred = built.dataset.graph(iris.graph["inferred"])
    for region in ("lunar-polar-region", "lunar-far-side"):
        assert (res[region], sk.partOf, res["moon"]) in inferred, region
    q = f"""PREFIX sk: <{sk}> SELECT DISTINCT ?m WHERE {{ ?m a sk:Mission ; sk:target/sk:partOf* <{res['moon']}> }}"""
    union = Graph()
    for name in ("entities", "stated", "inferred"):
        for t in built.dataset.graph(iris.graph[name]):
            union.add(t)
    found = {str(r.m).rsplit("/", 1)[-1] for r in union.query(q)}
    assert {"lupex", "chang-e-4", "luna-27", "slim"} <= found, found


def test_dr_meeting_of_named_body(pipeline, iris):
    """A meeting named after a committee was held by it; a meeting whose name does not contain
    the committee's, or a body that is not a committee or government body, gives nothing."""
    sk, res = iris.sk, iris.res
    types = {"m": ["Meeting"], "c": ["Committee"], "other": ["Meeting"], "prog": ["Program"]}
    labels = {"m": "第69回ISS・国際宇宙探査小委員会", "c": "ISS・国際宇宙探査小委員会",
              "other": "第2回国際宇宙探査フォーラム", "prog": "国際宇宙探査フォーラム"}
    g, result = run(pipeline, iris, types, labels=labels)
    t = (res["m"], sk.heldBy, res["c"])
    assert t in g and rule_of(result, t) == "DR-MEETING-OF-NAMED-BODY"
    assert (res["other"], sk.heldBy, res["c"]) not in g
    assert (res["other"], sk.heldBy, res["prog"]) not in g  # a programme does not hold meetings
    g, _ = run(pipeline, iris, {**types, "c": ["Program"]}, labels=labels)
    assert t not in g


def test_dr_numbered_event_of_series(pipeline, iris):
    """第N回 + a series' name is part of the series; other names are not."""
    sk, res = iris.sk, iris.res
    types = {"isef": ["Forum"], "isef1": ["Forum"], "other": ["Forum"]}
    labels = {"isef": "国際宇宙探査フォーラム", "isef1": "第1回国際宇宙探査フォーラム",
              "other": "国際宇宙探査フォーラム準備会合"}
    g, result = run(pipeline, iris, types, labels=labels)
    t = (res["isef1"], sk.partOf, res["isef"])
    assert t in g and rule_of(result, t) == "DR-NUMBERED-EVENT-OF-SERIES"
    assert (res["other"], sk.partOf, res["isef"]) not in g
    assert (res["isef"], sk.partOf, res["isef1"]) not in g
