"""The web browser of the graph: a Flask blueprint ``bp`` (registered by ``create_app``).

Every IRI under the base dereferences here: ``/resource/slim`` is ``{base}resource/slim``
(likewise ``/document/…``, ``/statement/…``, ``/evidence/…``, ``/mention/…``, ``/rule/…``,
``/curation/…``, ``/graph/…``, ``/ontology``). HTML for browsers, RDF for tools (see
:mod:`spacekg.server.browse.rdf`). Other pages live in :mod:`spacekg.server.browse.tools`.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from rdflib import URIRef
from werkzeug.exceptions import HTTPException

from spacekg.server.browse import data as data
from spacekg.server.browse import pages as pages
from spacekg.server.browse import provenance as provenance
from spacekg.server.browse import rdf as rdf
from spacekg.server.browse.text import render_document
from spacekg.server.browse.util import (
    choose_lang,
    lang_url,
    local_path,
    mention_count,
    page_url,
    term_view,
    ui,
)

bp = Blueprint("browse", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/assets")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
ROOTS = ("resource", "document", "statement", "evidence", "mention", "rule", "curation", "graph")
HL = re.compile(r"^(\d{1,7})-(\d{1,7})$")


def _int_arg(name: str, default: int = 1) -> int:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) < 10**6 else default


def render(template: str, status: int = 200, **ctx):
    lang = ctx.setdefault("lang", choose_lang())
    resp = make_response(render_template("browse/" + template, **ctx), status)
    resp.headers["Content-Language"] = lang
    resp.headers["Vary"] = "Accept, Accept-Language, Cookie"
    if request.args.get("lang") in ("ja", "en"):
        resp.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax")
    return resp


def entity_page(iri: URIRef, fmt: str, extra: dict | None = None):
    """The page or RDF description of one IRI; 404 when the graph does not mention it."""
    if not data.exists(iri):
        abort(404)
    if fmt in rdf.DATASET_FORMATS:
        return rdf.rdf_response(rdf.describe_dataset(iri), fmt)
    if fmt != "html":
        return rdf.rdf_response(rdf.describe(iri), fmt)
    lang = choose_lang()
    head = pages.header(iri, lang)
    return render("entity.html", lang=lang, h=head, facts=pages.facts(iri, head.pop("rows"), lang),
                  incoming=pages.incoming_view(iri, _int_arg("in_page"), lang),
                  mentions=pages.mentions_view(iri, lang), formats=rdf.FORMATS, path=local_path(iri),
                  **(extra or {}))


def document_page(iri: URIRef):
    meta = data.cache().docs.get(iri)
    text = data.doc_text(iri)
    if meta is None and text is None:
        return entity_page(iri, "html")
    lang = choose_lang()
    m = HL.match(request.args.get("hl", ""))
    hl = (int(m.group(1)), int(m.group(2))) if m else None
    mentions = data.doc_mentions(iri)
    memo = data.cache().label_memo
    if text is None:
        body = None
    elif hl is None:  # the plain text view is the same for every request: render it once
        if ("document_html", iri) not in memo:
            memo[("document_html", iri)] = render_document(text, mentions, data.doc_evidence(iri), None, local_path)
        body = memo[("document_html", iri)]
    else:
        body = render_document(text, mentions, data.doc_evidence(iri), hl, local_path)
    counts: dict = {}
    for _s, _e, ent in mentions:
        counts[ent] = counts.get(ent, 0) + 1
    entities = sorted(((term_view(e, lang), n) for e, n in counts.items()), key=lambda x: (-x[1], x[0]["text"]))
    return render("document.html", lang=lang, iri=str(iri), meta=pages.document_meta(meta or {}, lang),
                  body=body, entities=entities, hl=hl, title=data.label(iri, lang), formats=rdf.FORMATS,
                  path=local_path(iri), n_evidence=len(data.doc_evidence(iri)),
                  source_href=url_for("browse.source_text", doc_id=str(iri).rsplit("/", 1)[-1])
                  if text is not None else None)


@bp.route("/source/<doc_id>.txt")
def source_text(doc_id: str):
    """The source document's text as the build read it (UTF-8 plain text)."""
    text = data.doc_text(URIRef(data.base() + "document/" + doc_id))
    if text is None:
        abort(404)
    resp = make_response(text)
    resp.mimetype = "text/plain"
    resp.mimetype_params["charset"] = "utf-8"
    return resp


def dereference(root: str, rest: str):
    rest, suffix = rdf.split_suffix(rest)
    try:
        fmt = rdf.negotiate(suffix)
    except rdf.UnknownFormat:
        abort(406)
    iri = URIRef(data.base() + root + "/" + rest)
    if not data.valid_iri(iri):
        abort(404)
    if root == "graph" and fmt != "html" and rest in data.graph_names():
        return rdf.rdf_response(rdf.named_graph(rest), fmt)
    if root == "document" and fmt == "html":
        return document_page(iri)
    if root in ("statement", "evidence", "curation", "rule") and fmt == "html":
        return provenance_page(root, iri)
    return entity_page(iri, fmt)


def provenance_page(root: str, iri: URIRef):
    """Statement, evidence annotation, curated statement or rule: text first, then the
    entity page's tables (for statements and annotations)."""
    if not data.exists(iri):
        abort(404)
    lang = choose_lang()
    if root == "rule":
        view = provenance.rule_view(iri, lang, _int_arg("page"))
        return render("rule.html", lang=lang, iri=str(iri), rule=view, formats=rdf.FORMATS, path=local_path(iri))
    if root == "curation":
        view = provenance.curation_view(iri, lang)
        return render("curation.html", lang=lang, iri=str(iri), cur=view, formats=rdf.FORMATS,
                      path=local_path(iri))
    extra = {}
    if root == "statement":
        head_rows = data.outgoing(iri)
        extra["statement"] = provenance.statement_view(iri, head_rows, lang)
    else:
        extra["annotation"] = provenance.annotation_view(iri, lang)
    return entity_page(iri, "html", extra)


for _root in ROOTS:
    bp.add_url_rule(f"/{_root}/<path:rest>", f"deref_{_root}",
                    (lambda root: lambda rest: dereference(root, rest))(_root))


@bp.route("/ontology")
@bp.route("/ontology<any('.ttl', '.nt', '.jsonld', '.rdf', '.trig', '.nq'):suffix>")
def ontology(suffix: str = ""):
    try:
        fmt = rdf.negotiate(rdf.split_suffix("x" + suffix)[1])
    except rdf.UnknownFormat:
        abort(406)
    if fmt != "html":
        return rdf.rdf_response(rdf.named_graph("ontology"), fmt)
    lang = choose_lang()
    counts = dict(data.class_counts())
    return render("ontology.html", lang=lang, **pages.ontology_view(lang, counts))


@bp.route("/page")
def page():
    iri = request.args.get("iri", "")
    if not data.valid_iri(iri):
        abort(404)
    try:
        fmt = rdf.negotiate()
    except rdf.UnknownFormat:
        abort(406)
    return entity_page(URIRef(iri), fmt)


@bp.route("/class/<name>")
def class_page(name: str):
    if not name.isalnum():
        abort(404)
    cls = data.sk(name)
    lang = choose_lang()
    view = pages.class_view(cls, lang, request.args.get("sort", "label"), _int_arg("page"),
                            desc=request.args.get("desc") == "1")
    if not view["total"] and not data.exists(cls):
        abort(404)
    return render("class.html", lang=lang, cls=term_view(cls, lang), name=name, view=view)


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
@bp.app_errorhandler(406)
def not_found(exc: HTTPException):
    if request.path.startswith(("/api/", "/sparql")):
        return {"error": exc.name}, exc.code
    return render("error.html", status=exc.code, code=exc.code, name=exc.name, query=request.path)


@bp.app_errorhandler(500)
def server_error(exc):
    return render("error.html", status=500, code=500, name="Internal Server Error", query="")


@bp.app_context_processor
def template_helpers():
    return {"ui": ui, "lang_url": lang_url, "page_url": page_url, "local_path": local_path,
            "mention_count": mention_count, "doc_title": data.doc_title, "doc_date": data.doc_date_text,
            "sparql_path": lambda: current_app.config.get("SPACEKG_SPARQL_PATH", "/sparql")}


@bp.after_app_request
def security_headers(resp):
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    return resp


from spacekg.server.browse import tools  # noqa: E402,F401  (registers the other routes on bp)
