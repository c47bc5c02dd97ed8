"""Result formats of the SPARQL endpoint: content negotiation and serialisation.

SELECT results are written here (SPARQL JSON, XML, CSV, TSV) so that the row cap and the
query deadline can be checked between rows; ASK and graph results (Turtle, N-Triples,
JSON-LD, RDF/XML, TriG, N-Quads) are written by pyoxigraph. Terms are pyoxigraph terms.

Specifications: SPARQL 1.1 Query Results JSON Format, SPARQL Query Results XML Format
(Second Edition), SPARQL 1.1 Query Results CSV and TSV Formats.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIRLANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"


@dataclass(frozen=True)
class Format:
    """One result format: short ``name`` (the ``format`` parameter), canonical media type,
    accepted aliases, and the pyoxigraph format used to write it (if any)."""

    name: str
    media_type: str
    aliases: tuple[str, ...] = ()
    ox_format: object = None


#: Formats of SELECT and ASK results, server preference first.
SOLUTION_FORMATS = (
    Format("json", "application/sparql-results+json", ("application/json", "json", "srj"),
           ox.QueryResultsFormat.JSON),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml", "xml", "srx"),
           ox.QueryResultsFormat.XML),
    Format("csv", "text/csv", (), ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", (), ox.QueryResultsFormat.TSV),
)

#: Formats of CONSTRUCT and DESCRIBE results, server preference first (Turtle for ``*/*``).
GRAPH_FORMATS = (
    Format("turtle", "text/turtle", ("application/x-turtle", "ttl", "n3", "text/n3"), ox.RdfFormat.TURTLE),
    Format("ntriples", "application/n-triples", ("text/plain", "nt"), ox.RdfFormat.N_TRIPLES),
    Format("jsonld", "application/ld+json", ("application/json", "json-ld", "json"), ox.RdfFormat.JSON_LD),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml", "rdf", "xml", "rdf+xml"),
           ox.RdfFormat.RDF_XML),
    Format("trig", "application/trig", (), ox.RdfFormat.TRIG),
    Format("nquads", "application/n-quads", ("nq",), ox.RdfFormat.N_QUADS),
)


class NotAcceptable(Exception):
    """No offered format is acceptable to the client (HTTP 406)."""


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Parse an Accept header into ``(media range, q)`` pairs (parameters other than q dropped).

    Args:
        header: the header value, or ``None``.

    Returns:
        The ranges in header order; ``[("*/*", 1.0)]`` when the header is absent or empty.
    """
    if not header or not header.strip():
        return [("*/*", 1.0)]
    out = []
    for part in header.split(","):
        bits = [b.strip() for b in part.split(";")]
        rng = bits[0].lower()
        if not rng:
            continue
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        out.append((rng, q))
    return out or [("*/*", 1.0)]


def _quality(media: str, accept: list[tuple[str, float]]) -> float:
    """q of the most specific range matching ``media`` (RFC 9110 §12.5.1), 0 if none."""
    best, spec = 0.0, -1
    mtype, _, msub = media.partition("/")
    for rng, q in accept:
        rtype, _, rsub = rng.partition("/")
        if rng == media:
            s = 3
        elif rtype == mtype and rsub == "*":
            s = 2
        elif rng in ("*/*", "*"):
            s = 1
        else:
            continue
        if s > spec:
            best, spec = q, s
    return best


def negotiate(formats: Iterable[Format], accept_header: str | None,
              format_param: str | None = None) -> tuple[Format, str]:
    """Choose a result format and the media type to answer with.

    Args:
        formats: the formats offered for this query form, server preference first.
        accept_header: the request's Accept header.
        format_param: the ``format`` (or ``output``) request parameter, a short name or
            media type; it wins over Accept. A value naming no known format is ignored.

    Returns:
        ``(format, media type)``; the media type is the alias the client asked for
        when it asked for an alias (e.g. ``application/json``).

    Raises:
        NotAcceptable: nothing offered is acceptable.
    """
    formats = list(formats)
    if format_param:
        want = format_param.strip().lower().split(";")[0].strip()
        for f in formats:
            if want == f.name or want == f.media_type:
                return f, f.media_type
            if want in f.aliases:
                return f, want if "/" in want else f.media_type
        if any(want in (f.name, f.media_type, *f.aliases) for f in SOLUTION_FORMATS + GRAPH_FORMATS):
            raise NotAcceptable(f"format {format_param!r} is not available for this query; "
                                f"use one of {', '.join(f.name for f in formats)}")
        # an unknown value (clients send format=/output= guesses): negotiate on Accept
    accept = parse_accept(accept_header)
    best = None
    for rank, f in enumerate(formats):
        for mt in (f.media_type, *[a for a in f.aliases if "/" in a]):
            exact = any(r == mt for r, _ in accept)
            if mt != f.media_type and not exact:
                continue  # aliases only count when named, never through a wildcard
            q = _quality(mt, accept)
            key = (q, exact, -rank)
            if q > 0 and (best is None or key > best[0]):
                best = (key, f, mt if exact else f.media_type)
    if best is None:
        offered = ", ".join(f.media_type for f in formats)
        raise NotAcceptable(f"none of the acceptable media types is available; offered: {offered}")
    return best[1], best[2]


class Deadline:
    """A wall-clock deadline plus a cancel flag, checked between result rows.

    Args:
        seconds: time allowed from now; ``None`` or 0 for none.
    """

    def __init__(self, seconds: float | None):
        self.at = time.monotonic() + seconds if seconds else None
        self.cancelled = False
        self.seconds = seconds

    def check(self) -> None:
        """Raise :class:`QueryTimeout` if the deadline passed or the request was abandoned."""
        if self.cancelled or (self.at is not None and time.monotonic() > self.at):
            raise QueryTimeout(self.seconds)


class QueryTimeout(Exception):
    """The query ran longer than the configured timeout."""

    def __init__(self, seconds):
        super().__init__(f"query timed out after {seconds:g} s (the server's limit); "
                         "narrow the query or add a LIMIT")
        self.seconds = seconds


# ---------------------------------------------------------------- SELECT writers


def _json_term(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
            if getattr(t, "direction", None) is not None:
                d["its:dir"] = str(t.direction.value if hasattr(t.direction, "value") else t.direction).lower()
        elif t.datatype.value != XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(t.subject),
                                            "predicate": _json_term(t.predicate),
                                            "object": _json_term(t.object)}}
    raise TypeError(type(t))


def _xml_term(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    if isinstance(t, ox.Triple):
        return (f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}"
                f"</predicate><object>{_xml_term(t.object)}</object></triple>")
    raise TypeError(type(t))


def _csv_field(t) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        s = "_:" + t.value
    elif isinstance(t, ox.Triple):
        s = str(t)
    else:
        s = t.value
    if any(c in s for c in '",\n\r'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def _tsv_field(t) -> str:
    return "" if t is None else str(t)


@dataclass
class Rendered:
    """A serialised result: bytes, media type, and the row cap if the result was cut."""

    body: bytes
    media_type: str
    truncated_at: int | None = None


def _capped(rows: Iterator, max_rows: int | None, deadline: Deadline) -> tuple[list, bool]:
    out = []
    for row in rows:
        if max_rows is not None and len(out) >= max_rows:
            return out, True
        out.append(row)
        if len(out) % 256 == 0:
            deadline.check()
    deadline.check()
    return out, False


def render_solutions(variables: list[str], rows: Iterator, fmt: Format, media_type: str,
                     max_rows: int | None, deadline: Deadline) -> Rendered:
    """Write SELECT solutions.

    Args:
        variables: the projected variable names (no ``?``).
        rows: an iterator of solutions, each indexable by position (term or ``None``).
        fmt: one of :data:`SOLUTION_FORMATS`.
        media_type: the Content-Type to answer with.
        max_rows: row cap (``None`` for none); when reached the output is cut and says so
            (JSON: top-level ``"truncated"``; XML: a ``<link href="#truncated"/>``).
        deadline: checked every 256 rows.

    Returns:
        A :class:`Rendered`.

    Raises:
        QueryTimeout: the deadline passed.
    """
    n = len(variables)
    data, cut = _capped(rows, max_rows, deadline)
    if fmt.name == "json":
        head = {"vars": variables}
        if cut:
            head["link"] = ["#truncated"]
        parts = []
        for row in data:
            b = {}
            for i in range(n):
                t = row[i]
                if t is not None:
                    b[variables[i]] = _json_term(t)
            parts.append(json.dumps(b, ensure_ascii=False))
        body = ('{"head":' + json.dumps(head) + ',"results":{"bindings":[' + ",".join(parts) + "]}"
                + (f',"truncated":true,"maxRows":{max_rows}' if cut else "") + "}")
    elif fmt.name == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        if cut:
            out.append('<link href="#truncated"/>')
        out.append("</head>\n<results>")
        for row in data:
            out.append("<result>")
            for i in range(n):
                t = row[i]
                if t is not None:
                    out.append(f"<binding name={quoteattr(variables[i])}>{_xml_term(t)}</binding>")
            out.append("</result>")
        out.append("</results>\n</sparql>\n")
        if cut:
            out.append(f"<!-- truncated: the server returns at most {max_rows} rows -->\n")
        body = "".join(out)
    elif fmt.name == "csv":
        lines = [",".join(_csv_field(ox.Literal(v)) for v in variables)]
        lines += [",".join(_csv_field(row[i]) for i in range(n)) for row in data]
        body = "\r\n".join(lines) + "\r\n"
    elif fmt.name == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join(_tsv_field(row[i]) for i in range(n)) for row in data]
        body = "\n".join(lines) + "\n"
    else:  # pragma: no cover - negotiate() only offers the formats above
        raise ValueError(fmt.name)
    return Rendered(body.encode("utf-8"), media_type, max_rows if cut else None)


def render_native(solutions, fmt: Format, media_type: str) -> Rendered:
    """Write SELECT solutions with pyoxigraph's own serialiser (no Python object per row).

    Only for results that cannot exceed the row cap (the caller checks the query's LIMIT).
    """
    return Rendered(solutions.serialize(format=fmt.ox_format), media_type)


def render_boolean(value: bool, fmt: Format, media_type: str) -> Rendered:
    """Write an ASK result (CSV/TSV as pyoxigraph writes them: ``true``/``false``)."""
    if fmt.name == "json":
        body = json.dumps({"head": {}, "boolean": bool(value)}).encode()
    elif fmt.name == "xml":
        body = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    else:
        body = b"true" if value else b"false"
    return Rendered(body, media_type)


def render_triples(triples: Iterator, fmt: Format, media_type: str, max_rows: int | None,
                   deadline: Deadline, prefixes: dict[str, str] | None = None) -> Rendered:
    """Write CONSTRUCT/DESCRIBE triples with pyoxigraph, at most ``max_rows`` of them.

    Returns:
        A :class:`Rendered`; when cut, ``truncated_at`` is set (said in a response header,
        and as a comment in Turtle, TriG, N-Triples and N-Quads).
    """
    data, cut = _capped(triples, max_rows, deadline)
    use_prefixes = prefixes if prefixes and fmt.name in ("turtle", "trig") else None
    body = ox.serialize(data, format=fmt.ox_format, prefixes=use_prefixes)
    if cut and fmt.name in ("turtle", "trig", "ntriples", "nquads"):
        body += f"# truncated: the server returns at most {max_rows} triples\n".encode()
    return Rendered(body, media_type, max_rows if cut else None)
