"""A small lexer over SPARQL text: what the endpoint must know before it runs a query.

The engine parses queries itself; this module only finds, outside strings, IRIs and comments,
the few things the server needs for serving (never for security): the query form, dataset
clauses (``FROM``/``USING``/``WITH``), prefixes for Turtle output, and where to insert a
``VALUES`` block or ``USING`` clauses. What a query may do (SERVICE and LOAD targets,
nesting) is decided by :mod:`spacekg.server.policy` with a real parser. This module never
builds SPARQL from user text: inserted terms are N-Triples-escaped by :func:`ntriples_term`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from rdflib.term import BNode, Literal, Node, URIRef

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<lstring>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*''')
  | (?P<string>"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7]+)
  | (?P<word>[\w:][\w\-.:%\\\u00B7]*)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@dataclass
class Token:
    """One lexical token: ``kind`` (iri, string, var, word, punct), ``text`` and offset."""

    kind: str
    text: str
    start: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text


def tokens(text: str) -> list[Token]:
    """Split SPARQL text into tokens, dropping whitespace and comments.

    Args:
        text: a SPARQL query or update.

    Returns:
        The tokens in order; strings count as one token (kind ``string``).
    """
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        if kind == "lstring":
            kind = "string"
        out.append(Token(kind, m.group(), m.start()))
    return out


@dataclass
class QueryInfo:
    """What the server needs to know about a query before running it.

    Attributes:
        form: ``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE`` or ``None`` if not found
            (e.g. an update sent as a query; the engine then reports the syntax error).
        has_dataset: the query has ``FROM`` or ``FROM NAMED`` clauses.
        prefixes: the ``PREFIX`` declarations.
        ordered: the query has an ``ORDER BY``.
    """

    form: str | None = None
    has_dataset: bool = False
    prefixes: dict[str, str] = field(default_factory=dict)
    base: str | None = None
    ordered: bool = False


def _prologue(toks: list[Token], info: QueryInfo) -> None:
    for i, tok in enumerate(toks):
        if tok.upper == "PREFIX" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            name = toks[i + 1].text
            if name.endswith(":"):
                info.prefixes[name[:-1]] = _resolve(toks[i + 2].text[1:-1], info.base)
        elif tok.upper == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            info.base = _resolve(toks[i + 1].text[1:-1], info.base)


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


def analyze(text: str) -> QueryInfo:
    """Find the form, dataset clauses, ORDER BY and prefixes of a query.

    Args:
        text: the query text.

    Returns:
        A :class:`QueryInfo`.
    """
    toks = tokens(text)
    info = QueryInfo()
    _prologue(toks, info)
    for i, tok in enumerate(toks):
        up = tok.upper
        if info.form is None and up in _FORMS:
            info.form = up
        elif up == "FROM":
            info.has_dataset = True
        elif up == "ORDER" and i + 1 < len(toks) and toks[i + 1].upper == "BY":
            info.ordered = True
    return info


_FINAL_LIMIT = re.compile(r"(?:\bLIMIT\s+(\d+)(?:\s+OFFSET\s+\d+)?|\bOFFSET\s+\d+\s+LIMIT\s+(\d+))\s*\Z",
                          re.IGNORECASE)


def final_limit(text: str) -> int | None:
    """The query's top-level ``LIMIT`` when it ends the text (``… LIMIT n [OFFSET m]``), else
    ``None``. A LIMIT inside a group cannot end the text, which ends with ``}`` then."""
    m = _FINAL_LIMIT.search(text)
    if not m or "#" in text[text.rfind("\n", 0, m.start()) + 1:m.start()]:
        return None  # (a LIMIT on a line with a '#' may be in a comment: not trusted)
    return int(m.group(1) or m.group(2))


def update_has_dataset(text: str) -> bool:
    """Whether an update names its own dataset (``USING``, ``USING NAMED`` or ``WITH``)."""
    return any(t.upper in ("USING", "WITH") for t in tokens(text))


def inject_using(text: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """Add ``USING``/``USING NAMED`` clauses before the ``WHERE`` of every DELETE/INSERT operation.

    This is how the protocol's ``using-graph-uri`` and ``using-named-graph-uri`` parameters
    are applied (SPARQL 1.1 Protocol §2.2.3) on an engine that takes no update dataset.

    Args:
        text: the update; it must not contain USING or WITH itself (checked by the caller).
        default_graphs: IRIs for ``USING``.
        named_graphs: IRIs for ``USING NAMED``.

    Returns:
        The rewritten update text.
    """
    clause = " ".join([f"USING {_iri(g)}" for g in default_graphs]
                      + [f"USING NAMED {_iri(g)}" for g in named_graphs]) + " "
    toks = tokens(text)
    depth = 0
    inserts = []
    for i, tok in enumerate(toks):
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth -= 1
        elif depth == 0 and tok.upper == "WHERE":
            prev = toks[i - 1].upper if i else ""
            if prev not in ("DELETE", "INSERT"):  # not DELETE WHERE shorthand
                inserts.append(tok.start)
    for pos in reversed(inserts):
        text = text[:pos] + clause + text[pos:]
    return text


def _iri(value: str) -> str:
    return ntriples_term(URIRef(value))


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def ntriples_term(term: Node) -> str:
    """Write an rdflib term in N-Triples syntax, escaped, for insertion into SPARQL text.

    Args:
        term: a ``URIRef``, ``Literal`` or ``BNode`` (written as a fresh variable-free IRI is
            impossible, so blank nodes are refused).

    Returns:
        The N-Triples form, e.g. ``<https://…>`` or ``"月"@ja``.

    Raises:
        ValueError: for a blank node, or an IRI with characters not allowed in IRIs.
    """
    if isinstance(term, URIRef):
        if _BAD_IRI.search(str(term)):
            raise ValueError(f"not a valid IRI: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        lex = "".join(_ESCAPES.get(c, c) for c in str(term))
        if term.language:
            if not re.fullmatch(r"[A-Za-z]+(-[A-Za-z0-9]+)*", term.language):
                raise ValueError(f"not a language tag: {term.language!r}")
            return f'"{lex}"@{term.language}'
        if term.datatype:
            return f'"{lex}"^^{ntriples_term(URIRef(term.datatype))}'
        return f'"{lex}"'
    if isinstance(term, BNode):
        raise ValueError("a blank node cannot be bound in a query sent to a remote store")
    raise TypeError(f"cannot bind {type(term).__name__} in SPARQL")


def inject_values(text: str, bindings: dict[str, Node]) -> str:
    """Bind variables by inserting a one-row ``VALUES`` block at the start of the WHERE group.

    Used for stores reached over HTTP, where SEP-0007 substitution is not available. The block
    joins with the whole top-level group, so FILTERs see the bound values.

    Args:
        text: the query.
        bindings: variable name (without ``?``) → rdflib term.

    Returns:
        The rewritten query.

    Raises:
        ValueError: if a term cannot be written safely, or a variable name is invalid.
    """
    if not bindings:
        return text
    names = []
    for name in bindings:
        name = str(name).lstrip("?$")
        if not re.fullmatch(r"[\w\u00B7]+", name):
            raise ValueError(f"not a variable name: {name!r}")
        names.append(name)
    row = " ".join(ntriples_term(t) for t in bindings.values())
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    pos = _where_open(text)
    if pos is None:
        return text.rstrip() + "\n" + block
    return text[: pos + 1] + block + text[pos + 1:]


def _where_open(text: str) -> int | None:
    """Offset of the ``{`` opening the top-level WHERE group, or ``None``."""
    toks = tokens(text)
    form = None
    for i, tok in enumerate(toks):
        if form is None and tok.upper in _FORMS:
            form = tok.upper
            if form == "CONSTRUCT":
                j = i + 1
                if j < len(toks) and toks[j].text == "{":
                    # skip the template
                    depth = 0
                    for k in range(j, len(toks)):
                        if toks[k].text == "{":
                            depth += 1
                        elif toks[k].text == "}":
                            depth -= 1
                            if depth == 0:
                                break
                    for m in range(k + 1, len(toks)):
                        if toks[m].text == "{":
                            return toks[m].start
                    return None
                # CONSTRUCT WHERE { template }: a template cannot hold VALUES
                return None
            continue
        if form is not None and tok.text == "{":
            return tok.start
    return None


__all__ = ["QueryInfo", "Token", "analyze", "inject_using", "inject_values",
           "ntriples_term", "tokens", "update_has_dataset"]
