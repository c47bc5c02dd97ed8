"""Reader questions (tests/questions/questions.yaml) answered by one SPARQL query each on the
real build: every value the documents give must be in the answer, in the stated order where
the question asks for one. Home-page examples are run from spacekg.server.browse.examples, so
the examples shown are the ones tested. A question marked ``known_gap`` is expected to fail
(strict xfail: it turns red once the graph answers it, so the mark is removed)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from spacekg.server.browse.examples import EXAMPLES, PREFIXES

QUESTIONS = yaml.safe_load((Path(__file__).parent / "questions" / "questions.yaml").read_text(encoding="utf-8"))
EXTRA_PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.fixture(scope="module")
def store(built_dir):
    st = ox.Store()
    st.bulk_load(path=str(built_dir / "spacekg.nq"), format=ox.RdfFormat.N_QUADS)
    return st


def _short(term, base: str) -> str:
    """A result term as the question file writes it: a resource's local name, ``sk:Name`` for an
    ontology term, a literal's lexical form."""
    v = term.value
    if isinstance(term, ox.NamedNode):
        if v.startswith(f"{base}resource/"):
            return v[len(f"{base}resource/"):]
        if v.startswith(f"{base}ontology#"):
            return "sk:" + v.split("#", 1)[1]
    return v


def answer(store: ox.Store, q: dict, base: str) -> list[list[str]]:
    """Rows of the question's query (or of the home-page example it names), terms shortened."""
    if "example" in q:
        text = next(e["query"] for e in EXAMPLES if e["id"] == q["example"])
    else:
        text = q["query"]
    query = (PREFIXES + EXTRA_PREFIXES + text).replace("{base}", base)
    return [[_short(t, base) if t is not None else "" for t in row]
            for row in store.query(query, use_default_graph_as_union=True)]


def test_sixty_questions_from_the_documents():
    assert len(QUESTIONS) == 60
    assert len({q["id"] for q in QUESTIONS}) == 60
    examples = {q.get("example") for q in QUESTIONS}
    assert {"moon-missions", "japan-commitments"} <= examples


@pytest.mark.parametrize("q", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_question(q, store, iris, request):
    if q.get("known_gap"):
        request.applymarker(pytest.mark.xfail(reason=q["known_gap"], strict=True))
    rows = answer(store, q, iris.base)
    values = {v for row in rows for v in row}
    missing = [str(e) for e in q["expect"] if str(e) not in values]
    assert not missing, f"{q['question']}: missing {missing} in {rows[:20]}"
    if "order" in q:
        first = {}
        for i, row in enumerate(rows):
            for v in row:
                first.setdefault(v, i)
        positions = [first[str(v)] for v in q["order"]]
        assert positions == sorted(positions), f"{q['question']}: order {q['order']} not kept: {rows[:20]}"


@pytest.mark.parametrize("example", ["moon-missions", "japan-commitments"])
def test_home_examples_sort_every_date_kind(example, store, iris):
    """Every date in the two home-page examples comes with the bounds of its interval, and the
    rows are in the order of those bounds, whatever the date's kind (xsd:date, gYearMonth,
    gYear, fiscal year, decade)."""
    text = next(e["query"] for e in EXAMPLES if e["id"] == example)
    results = store.query((PREFIXES + text).replace("{base}", iris.base), use_default_graph_as_union=True)
    names = [v.value for v in results.variables]
    kinds, begins = set(), []
    for row in results:
        date = row["date"]
        if date is None:
            continue
        kinds.add(date.datatype.value.rsplit("#", 1)[-1])
        begin = row["begin"]
        end = row["end"] if "end" in names else None
        assert begin is not None or end is not None, f"{date} has no bounds"
        if begin is not None:
            begins.append(begin.value)
    assert begins == sorted(begins)
    want = {"gYear", "fiscalYear", "gYearMonth"} if example == "moon-missions" else {"date", "gYearMonth"}
    assert want <= kinds, kinds
