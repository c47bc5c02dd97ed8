"""Home, search, query, graph view, timeline, VoID and dumps (routes on ``browse.bp``)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, current_app, jsonify, request
from rdflib import URIRef

from spacekg.server.browse import data as data
from spacekg.server.browse import dataset as dump
from spacekg.server.browse import search as search_mod
from spacekg.server.browse import views as views
from spacekg.server.browse.examples import examples
from spacekg.server.browse.routes import _int_arg, bp, render
from spacekg.server.browse.util import choose_lang, local_path, term_view

MAX_ROWS = 1000


def sparql_path() -> str:
    return current_app.config.get("SPACEKG_SPARQL_PATH", "/sparql")


@bp.route("/")
def home():
    lang = choose_lang()
    counts = [(term_view(c, lang), n, c) for c, n in data.class_counts()]
    docs = sorted(data.cache().docs.values(),
                  key=lambda d: ("date" not in d, str(d.get("date", "")), str(d.get("title", d["id"]))))
    return render("home.html", lang=lang, counts=counts, docs=docs, graphs=dump.graph_counts(),
                  examples=examples(data.base()), base=data.base())


@bp.route("/search")
def search():
    lang = choose_lang()
    q = request.args.get("q", "")[:200]
    results = search_mod.results(q, lang, limit=50) if q.strip() else []
    return render("search.html", lang=lang, q=q, results=results)


@bp.route("/api/search")
def api_search():
    q = request.args.get("q", "")[:200]
    limit = min(_int_arg("limit", 10), 50)
    lang = choose_lang()
    return jsonify({"query": q, "results": search_mod.results(q, lang, limit) if q.strip() else []})


def _run(query: str, lang: str) -> dict:
    """Run a user's query for the no-JavaScript results table under the server's policy
    (:mod:`spacekg.server.policy`: nesting, allow-list, timeout, row cap, memory limit of the
    query workers); refusals and errors become a message, never a traceback.

    Returns the table (``form``, ``vars``, ``rows`` …) or ``{"error": message, "status": code}``
    with the parser's or the policy's whole message (at most 2,000 characters) and the status the
    endpoint gives the same query: 400 malformed, 403 refused by the policy (SERVICE/LOAD), 503
    stopped (timeout, memory limit).
    """
    from spacekg.server.policy import PolicyError
    from spacekg.server.querypool import QueryStopped, run_table
    from spacekg.server.store import QueryError, StoreUnavailable

    try:
        res = run_table(current_app._get_current_object(), query, show=MAX_ROWS)
    except (PolicyError, QueryStopped, QueryError, StoreUnavailable) as exc:
        msg = exc.message if isinstance(exc, PolicyError) else str(exc)
        status = (exc.status if isinstance(exc, PolicyError) else 503 if isinstance(exc, QueryStopped)
                  else 502 if isinstance(exc, StoreUnavailable) else 400)
        current_app.logger.info("query failed (%d): %s", status, msg)
        return {"error": msg.strip()[:2000] if msg else type(exc).__name__, "status": status}
    if res.form == "ASK":
        return {"form": res.form, "boolean": res.boolean}
    return {"form": res.form, "vars": res.variables, "total": res.total, "truncated": res.truncated,
            "rows": [[term_view(t, lang) if t is not None else None for t in r] for r in res.rows]}


@bp.route("/query")
def query_page():
    lang = choose_lang()
    exs = examples(data.base())
    by_id = {e["id"]: e for e in exs}
    query = request.args.get("query", "")[:20000]
    if not query and request.args.get("example") in by_id:
        query = by_id[request.args["example"]]["query"]
    result = _run(query, lang) if query and request.args.get("run") else None
    formats = ("json", "xml", "csv", "tsv") if not result or result.get("form") in (None, "SELECT", "ASK") \
        else ("turtle", "ntriples", "jsonld", "rdfxml")
    downloads = [(f, sparql_path() + "?" + urlencode({"query": query, "format": f})) for f in formats]
    return render("query.html", (result or {}).get("status", 200), lang=lang, query=query or exs[0]["query"],
                  examples=exs, result=result, downloads=downloads if query else [], endpoint=sparql_path(),
                  base=data.base())


@bp.route("/explore")
def explore():
    """The graph view of one entity (``?iri=``, ``?depth=`` 1–3), or its start page."""
    lang = choose_lang()
    raw = request.args.get("iri", "")
    if not raw:
        return render("explore_start.html", lang=lang, entities=views.start_entities(lang))
    iri = URIRef(raw)
    if not data.exists(iri):
        abort(404)
    depth = min(_int_arg("depth", 1), 3)
    return render("explore.html", lang=lang, h=term_view(iri, lang), iri=str(iri), path=local_path(iri),
                  depth=depth, entity=views.entity_iri(iri))


@bp.route("/api/neighbourhood")
def api_neighbourhood():
    lang = choose_lang()
    iri = URIRef(request.args.get("iri", ""))
    if not data.exists(iri):
        return jsonify({"error": "not found"}), 404
    depth = min(_int_arg("depth", 1), 3)
    return jsonify(views.neighbourhood(iri, lang, min(_int_arg("limit", 60), 300), depth))


@bp.route("/timeline")
def timeline():
    lang = choose_lang()
    return render("timeline.html", lang=lang, years=views.timeline(lang))


@bp.route("/void")
@bp.route("/dataset")
@bp.route("/.well-known/void")
def void():
    return dump.void_response()


@bp.route("/dump/spacekg.<any('nq', 'trig', 'ttl'):ext>")
def dump_file(ext: str):
    return dump.dump_response(ext)
