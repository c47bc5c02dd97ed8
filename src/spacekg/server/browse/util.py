"""Small helpers shared by the browse views: local paths of IRIs, languages, term display."""

from __future__ import annotations

from urllib.parse import quote

from flask import request, url_for
from rdflib import XSD, BNode, Literal, URIRef

from spacekg.server.browse import data as data

LANGS = ("ja", "en")
PATH_ROOTS = ("resource/", "document/", "statement/", "evidence/", "mention/", "rule/", "curation/",
              "graph/")


def local_path(iri) -> str:
    """Path of the page showing ``iri`` on this server.

    IRIs under the base map to the same path (``{base}resource/slim`` → ``/resource/slim``);
    ontology terms ``{base}ontology#X`` map to ``/class/X`` (classes) or ``/page?iri=…``;
    any other IRI to ``/page?iri=…``.
    """
    s = str(iri)
    b = data.base()
    if s.startswith(b):
        rest = s[len(b):]
        if rest.startswith(PATH_ROOTS) and "#" not in rest:
            return "/" + quote(rest, safe="/-._~")
        if rest == "ontology":
            return "/ontology"
        if rest.startswith("ontology#"):
            name = rest[len("ontology#"):]
            if name[:1].isupper() and name.isalnum():
                return url_for("browse.class_page", name=name)
    return url_for("browse.page", iri=s)


def is_local(iri) -> bool:
    """True for an IRI under the graph's base (one this server dereferences)."""
    return isinstance(iri, URIRef) and str(iri).startswith(data.base())


def choose_lang() -> str:
    """``?lang=`` if given, else the ``lang`` cookie, else the browser's Accept-Language (default en)."""
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in LANGS:
        return lang
    return request.accept_languages.best_match(LANGS, default="en") or "en"


def short_datatype(dt) -> str:
    """A datatype IRI as shown to readers: ``xsd:gYear``, ``sk:fiscalYear``, else the full IRI."""
    s = str(dt)
    for prefix, ns in (("xsd:", str(XSD)), ("sk:", data.base() + "ontology#")):
        if s.startswith(ns):
            return prefix + s[len(ns):]
    return s


#: the XSD types derived from xsd:integer (XML Schema 1.1 Part 2 §3.4.13–3.4.25): shown as
#: xsd:integer, since Oxigraph (the embedded store and its server) keeps every one of them as
#: xsd:integer while Virtuoso keeps the type written, and the page must not depend on the store
INTEGER_TYPES = frozenset(XSD[t] for t in (
    "integer", "nonPositiveInteger", "negativeInteger", "long", "int", "short", "byte",
    "nonNegativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    "positiveInteger"))


def term_view(t, lang: str) -> dict:
    """A display dict for one RDF term: ``kind`` (iri/literal/bnode), ``text``, ``href``, extras."""
    if isinstance(t, Literal):
        extra = ""
        if t.language:
            extra = "@" + t.language
        elif t.datatype and t.datatype != XSD.string:
            extra = short_datatype(XSD.integer if t.datatype in INTEGER_TYPES else t.datatype)
        return {"kind": "literal", "text": str(t), "extra": extra, "lang": t.language or ""}
    if isinstance(t, BNode):
        return {"kind": "bnode", "text": "_:" + str(t)[:12], "href": None}
    memo = data.cache().label_memo
    key = ("term_view", t, lang)
    if key not in memo:
        memo[key] = _iri_view(t, lang)
    return dict(memo[key])


def _iri_view(t, lang: str) -> dict:
    other = "en" if lang == "ja" else "ja"
    text = data.label(t, lang) if data.cache().labels.get(t) else provenance_label(t, lang) or data.label(t, lang)
    alt = data.label(t, other, fallback=False)
    external = not is_local(t) and not data.cache().labels.get(t)
    return {"kind": "iri", "text": text, "alt": alt if alt != text else "", "iri": str(t),
            "href": str(t) if external and str(t).startswith(("http://", "https://")) else local_path(t),
            "external": external}


def provenance_label(t, lang: str) -> str:
    """Readable text for the project's unlabelled provenance IRIs instead of their hash or
    path: a statement node → its triple by labels; an evidence annotation or mention
    (``…/evidence/<doc>/<start>-<end>/<generator>``) → document title and span. "" otherwise."""
    s, b = str(t), data.base()
    if not s.startswith(b) or "#" in s:
        return ""
    rest = s[len(b):]
    if rest.startswith("statement/"):
        from rdflib import RDF

        spo = {r["p"]: r["o"] for r in data.outgoing(t) if r["p"] in (RDF.subject, RDF.predicate, RDF.object)}
        if len(spo) == 3:
            return " — ".join(data.label(spo[k], lang) if isinstance(spo[k], URIRef) else str(spo[k])
                              for k in (RDF.subject, RDF.predicate, RDF.object))
    elif rest.startswith(("evidence/", "mention/")):
        parts = rest.split("/")
        if len(parts) >= 3:
            doc = data.cache().docs.get(URIRef(b + "document/" + parts[1]), {})
            title = str(doc.get("title", "")) or parts[1]
            kind = ui("evidence" if parts[0] == "evidence" else "mentions", lang)
            return f"{kind}: {title} {parts[2].replace('-', '–')}"
    return ""


UI = {
    "home": ("ホーム", "Home"), "search": ("検索", "Search"), "query": ("SPARQL", "SPARQL"),
    "timeline": ("年表", "Timeline"), "ontology": ("オントロジー", "Ontology"),
    "search_label": ("ラベルで検索（日本語・英語）", "Search labels (Japanese or English)"),
    "classes": ("クラス", "Classes"), "documents": ("文書", "Documents"),
    "examples": ("質問の例", "Example questions"), "facts": ("述べられている事実", "Stated facts"),
    "inferred": ("推論された事実", "Inferred facts"), "other": ("その他の記述", "Other descriptions"),
    "incoming": ("この項目へのリンク", "Links to this item"), "evidence": ("根拠", "Evidence"),
    "mentioned": ("言及している文書", "Mentioned in"), "graph_view": ("近傍グラフ", "Neighbourhood graph"),
    "download": ("ダウンロード", "Download"), "results": ("結果", "Results"), "run": ("実行", "Run"),
    "no_results": ("該当なし", "No results"), "not_found": ("見つかりません", "Not found"),
    "rule": ("規則", "Rule"), "passage": ("この箇所を文書で見る", "Show this passage in the document"),
    "mentions": ("言及", "Mentions"), "page": ("ページ", "Page"), "prev": ("前へ", "Previous"),
    "next": ("次へ", "Next"), "label_ja": ("日本語ラベル", "Japanese label"),
    "label_en": ("英語ラベル", "English label"), "class": ("クラス", "Class"),
    "definition": ("定義", "Definition"), "alt": ("別名", "Also known as"), "kana": ("読み", "Reading"),
    "text": ("本文", "Full text"), "metadata": ("書誌情報", "Metadata"), "dumps": ("データ一式", "Dumps"),
    "graphs": ("名前付きグラフ", "Named graphs"), "triples": ("トリプル", "triples"),
    "instances": ("インスタンス", "Instances"), "sort": ("並べ替え", "Sort by"),
    "properties": ("プロパティ", "Properties"), "error": ("エラー", "Error"),
    "subject": ("主語", "Subject"), "property": ("プロパティ", "Property"), "value": ("値", "Value"),
    "why": ("根拠", "why"), "stated_statement": ("文書が述べる事実", "Stated in the documents"),
    "inferred_statement": ("推論された事実", "Inferred"), "premises": ("前提", "Premises"),
    "from_graph": ("出典グラフ", "From graph"), "supports": ("この箇所が根拠となる事実", "Facts this passage states"),
    "curation": ("キュレーション", "Curated statement"),
    "curation_about": ("文書の一節を引用し、規則では取り出せない事実を人が記述したもの。",
                       "A fact no rule reaches, written by a curator with the quote from the document that states it."),
    "quote": ("引用", "Quote"), "owl2rl_rule": ("OWL 2 RL の推論規則", "OWL 2 RL inference rule"),
    "if": ("もし", "If"), "then": ("ならば", "then"),
    "domain_rule": ("領域規則（推論）", "Domain rule (inference)"),
    "extraction_rule": ("抽出規則（文書の表現から事実を取り出す）", "Extraction rule (reads facts from the documents' wording)"),
    "conclusions": ("この規則による結論", "Conclusions of this rule"),
    "mentioned_entities": ("言及されている項目", "Entities mentioned"),
    "mention_legend": ("下線: 項目への言及（リンク）", "underlined: a mention, linked to its entity"),
    "evidence_legend": ("青: 事実の根拠となる箇所", "blue: a passage that states a fact"),
    "passage_legend": ("黄: 選んだ箇所", "yellow: the passage you followed"),
    "note": ("注記", "Note"), "name": ("名前", "Name"),
    "contents": ("目次", "Contents"), "lang_en": ("英語", "English"), "lang_ja": ("日本語", "Japanese"),
    "source_url": ("出典URL", "Source URL"), "title": ("題名", "Title"), "issuer": ("発行者", "Issued by"),
    "date": ("日付", "Date"), "undated": ("日付なし", "undated"), "sha256": ("SHA-256", "SHA-256"),
    "legend": ("凡例", "Legend"), "depth": ("深さ", "Depth"), "stated_edge": ("文書が述べる関係", "stated in a document"),
    "inferred_edge": ("推論された関係", "inferred"), "center": ("中心", "centre"),
    "explore_start": ("近傍グラフで見る項目を選んでください。", "Choose an item to see its neighbourhood graph."),
    "as_of": ("記載時点", "as of"), "chart_reading": ("図表の位置から読み取り", "read from a chart position"),
    "row": ("行", "row"), "column": ("列", "column"), "stated_in": ("出典", "source"),
    "about": ("日本の国際宇宙探査に関する政府文書5件から作った知識グラフ。すべての事実は文書中の根拠箇所を指す。",
              "A knowledge graph of Japan's part in international space exploration, built from five "
              "Japanese government documents; every stated fact points to the passage that states it."),
}


def ui(key: str, lang: str) -> str:
    """Interface string ``key`` in ``lang`` (ja or en)."""
    ja, en = UI.get(key, (key, key))
    return ja if lang == "ja" else en


def mention_count(n: int, lang: str) -> str:
    """``"1 mention"`` / ``"3 mentions"`` / ``"3件の言及"``."""
    if lang == "ja":
        return f"{n}件の言及"
    return f"{n} mention" if n == 1 else f"{n} mentions"


def lang_url(lang: str) -> str:
    """The current URL with ``lang`` set (the language switch)."""
    from urllib.parse import urlencode

    args = request.args.to_dict()
    args["lang"] = lang
    return request.path + "?" + urlencode(args)


def page_url(param: str, value: int) -> str:
    """The current URL with a page parameter set (pagination links)."""
    from urllib.parse import urlencode

    args = request.args.to_dict()
    args[param] = str(value)
    return request.path + "?" + urlencode(args)
