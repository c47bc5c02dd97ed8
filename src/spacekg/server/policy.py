"""What a query may do, decided before the engine sees it: one policy for every way in.

Every query and update that reaches the store from outside the server (``/sparql``, the
browser's ``/query`` page, the reconciliation service, the store accessor itself) passes
:meth:`QueryPolicy.check_query` / :meth:`QueryPolicy.check_update`:

1. **Codepoint escapes first.** ``\\uXXXX`` and ``\\UXXXXXXXX`` are replaced by the characters
   they stand for anywhere in the text, before anything else looks at it (SPARQL 1.1 Query
   §19.2): ``SERV\\u0049CE`` is ``SERVICE``.
2. **Nesting** (:func:`check_nesting`, linear, no recursion, cannot overflow). The store's
   parser recurses once per nesting level and overflows the stack at a few thousand levels
   (``{``, ``(``, ``[``, ``!``, ``^``, UNION chains, nested function calls): a crash of the
   whole process. Two bounds are checked, both on the decoded text with no tokenising (so no
   disagreement with the engine's lexer can hide anything):

   - the bracket depth counted over every character, strings and IRIs included, must not
     exceed :data:`NESTING_LIMIT` (64) — the documented limit, a clear 400 for the usual
     attack;
   - the number of *nesting openers* in the whole text (``{``, ``(``, ``[``, ``!``, ``^``, and
     the keywords ``UNION``, ``OPTIONAL``, ``MINUS``, ``SELECT``, ``GRAPH``, ``SERVICE``,
     ``FILTER``, ``EXISTS``) must not exceed :data:`OPENER_BUDGET` (1,000). No query can nest
     deeper than it has openers, so this bound holds whatever a closing bracket inside a
     string or a comment may fake; 1,000 is a quarter of the depth at which pyoxigraph 0.5.13
     crashes on its 64 MiB query-thread stack (nested ``CONCAT(`` calls, its weakest
     construct, crash between 500 and 1,000 levels on an 8 MiB stack).
3. **SERVICE and LOAD targets** from a real parser: when the decoded text contains the
   keyword ``SERVICE`` or ``LOAD`` (any case), rdflib's SPARQL 1.1 grammar
   (:func:`rdflib.plugins.sparql.parser.parseQuery` / ``parseUpdate``) parses it, prefixed
   names and relative IRIs are resolved as rdflib's algebra translation does
   (:func:`~rdflib.plugins.sparql.algebra.translatePrologue`, ``translatePName``), and every
   ``ServiceGraphPattern`` term and ``LOAD`` IRI must be on the allow-list. A variable target
   is refused; text that rdflib cannot parse is refused (fail closed), and so is text over
   64 KiB or with more than 256 nesting constructs (rdflib's parser is slow). Every refusal has the
   same status (403) and the same body whatever the target, so refusals tell nothing about
   other hosts and ports.

Ordinary queries (no ``SERVICE``/``LOAD`` substring) pay only the escape decoding and the
nesting scan: a few microseconds per kilobyte (``benchmarks/bench_attack.py`` prints it).

The policy also carries the limits the query workers apply: timeout, row cap, memory per
worker. :func:`query_policy` is the one accessor; :func:`run_select` runs a SELECT under the
whole policy for code outside the endpoint (the browser's query page, the reconciliation
service).
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: documented limit of nested ``{`` ``(`` ``[`` (counted over every character)
NESTING_LIMIT = 64
#: most nesting openers (brackets, ``!``, ``^``, nesting keywords) a query may hold in total
OPENER_BUDGET = 1000
#: most nesting openers in a text that calls SERVICE or LOAD (rdflib's parser, pure Python,
#: takes about a second per hundred levels: the analysis stays short)
ANALYSED_OPENER_BUDGET = 256
#: longest text rdflib is asked to parse (its parser is slow on long input)
MAX_ANALYSED = 64 * 1024
#: most SERVICE/LOAD keywords in one text (rdflib re-reads the whole text for each SERVICE)
MAX_TARGETS = 32

#: the one body of every SERVICE/LOAD refusal, whatever the target
REFUSED = ("SERVICE and LOAD may only reach the endpoints on this server's allow-list "
           "(see the service description at /sparql)")

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_KEYWORDS = ("SERVICE", "LOAD")
_NEST_WORDS = ("UNION", "OPTIONAL", "MINUS", "SELECT", "GRAPH", "SERVICE", "FILTER", "EXISTS")
_BRACKETS = re.compile(r"[{}()\[\]]")


def _has_keyword(text: str) -> bool:
    """Whether the text holds SERVICE or LOAD in any case (``str.upper`` maps every ASCII
    letter, and a few others onto ASCII: never misses a keyword the engine would read)."""
    up = text.upper()
    return any(k in up for k in _KEYWORDS)


class PolicyError(Exception):
    """A query the policy refuses, with the HTTP ``status`` and the ``message`` for the client
    (400: too deeply nested or not analysable; 403: SERVICE/LOAD outside the allow-list)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def decode_escapes(text: str) -> str:
    """Replace ``\\uXXXX`` / ``\\UXXXXXXXX`` by their characters (SPARQL 1.1 Query §19.2).

    Raises:
        PolicyError: 400 for an escape naming no Unicode character (above U+10FFFF) or a
            surrogate.
    """
    if "\\u" not in text and "\\U" not in text:
        return text

    def sub(m):
        cp = int(m.group(1) or m.group(2), 16)
        if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            raise PolicyError(400, f"bad query: error at {line}:{col}: {m.group()} is not a Unicode "
                                   "character (SPARQL 1.1 Query §19.2)")
        return chr(cp)

    return _ESCAPE.sub(sub, text)


def nesting(text: str) -> tuple[int, int]:
    """``(bracket depth, nesting openers)`` of decoded text; see the module docstring.

    Linear in the text, no recursion: the depth counts every ``{([`` and ``})]`` character
    (including those inside strings, IRIs and comments); the openers are ``{([!^`` plus the
    nesting keywords, counted as substrings of the upper-cased text (conservatively: a word
    that merely contains one counts too).
    """
    depth = deepest = openers = 0
    for ch in _BRACKETS.findall(text):
        if ch in "{([":
            openers += 1
            depth += 1
            if depth > deepest:
                deepest = depth
        elif depth:
            depth -= 1
    up = text.upper()
    openers += text.count("!") + text.count("^") + sum(up.count(w) for w in _NEST_WORDS)
    return deepest, openers


def check_nesting(text: str) -> None:
    """Refuse decoded text nested deeper than :data:`NESTING_LIMIT` or holding more than
    :data:`OPENER_BUDGET` nesting openers.

    Raises:
        PolicyError: 400 naming the limit.
    """
    depth, openers = nesting(text)
    if depth > NESTING_LIMIT:
        raise PolicyError(400, f"bad query: nested {depth} levels deep; this server allows "
                               f"{NESTING_LIMIT} levels of {{ }}, ( ) and [ ]")
    if openers > OPENER_BUDGET:
        raise PolicyError(400, f"bad query: {openers} nesting constructs (brackets, !, ^, UNION, "
                               f"OPTIONAL, sub-queries …); this server allows {OPENER_BUDGET}")


# ------------------------------------------------------------------ SERVICE / LOAD targets

_PARSE_LOCK = threading.Lock()
_PARSE_STACK = 64 << 20
_PARSE_RECURSION = 100_000


def _in_big_stack(fn, *args):
    """Run ``fn(*args)`` in a thread with a large stack and recursion limit (pyparsing recurses
    about 35 Python frames per nesting level) and return its value or raise its exception."""
    out: dict = {}

    def run():
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # noqa: B036 - handed to the caller
            out["error"] = exc

    with _PARSE_LOCK:
        old_stack = threading.stack_size()
        old_limit = sys.getrecursionlimit()
        threading.stack_size(_PARSE_STACK)
        try:
            t = threading.Thread(target=run, name="sparql-analysis", daemon=True)
            t.start()
        finally:
            threading.stack_size(old_stack)
        sys.setrecursionlimit(max(old_limit, _PARSE_RECURSION))
        try:
            t.join()
        finally:
            sys.setrecursionlimit(old_limit)
    if "error" in out:
        raise out["error"]
    return out["value"]


def _lenient_service_clause() -> None:
    """Work around rdflib 7: after matching a SERVICE clause its parser searches the whole
    text again for the clause's source (``service_string``) and, when a ``#`` that is not a
    comment (in an IRI, or ``\\#`` in a prefixed name) comes before the clause on its line,
    finds nothing and fails. The source text is only used by rdflib's own SERVICE evaluation,
    never here: when the search fails it is left empty instead."""
    from rdflib.plugins.sparql import parser as P
    from rdflib.plugins.sparql.parserutils import Comp

    sgp = P.ServiceGraphPattern
    if getattr(sgp, "_spacekg_lenient", False):
        return
    shadow = Comp("ServiceGraphPattern (no source)", sgp.expr)

    def post_parse(instring, loc, tokens):
        try:
            return Comp.postParse(sgp, instring, loc, tokens)
        except IndexError:
            res = Comp.postParse(shadow, instring, loc, tokens)
            res.name = "ServiceGraphPattern"
            res["service_string"] = ""
            return res

    sgp.postParse = post_parse
    sgp._spacekg_lenient = True


def _targets(text: str, update: bool, base: str | None) -> list:
    from rdflib.plugins.sparql.algebra import translatePName, translatePrologue, traverse
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    _lenient_service_clause()
    found: list = []

    def visit(node):
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                found.append(node.get("term"))
            elif node.name == "Load":
                found.append(node.get("iri"))

    if update:
        parsed = parseUpdate(text)
        prologue = None
        for prologue_part, request in zip(parsed.prologue, parsed.request, strict=False):
            prologue = translatePrologue(prologue_part, base, None, prologue)
            traverse(traverse(request, functools.partial(translatePName, prologue=prologue)), visit)
    else:
        parsed = parseQuery(text)
        prologue = translatePrologue(parsed[0], base)
        traverse(traverse(parsed[1], functools.partial(translatePName, prologue=prologue)), visit)
    return found


def service_targets(text: str, *, update: bool = False, base: str | None = None) -> list[str | None]:
    """The SERVICE endpoints (and, for an update, LOAD sources) of decoded SPARQL text, as
    absolute IRIs resolved against the prologue and ``base``; ``None`` for a variable.

    Args:
        text: query or update text, escapes already decoded (:func:`decode_escapes`), nesting
            already checked (:func:`check_nesting`: the parse is then bounded).
        update: parse as an update (SPARQL 1.1 Update grammar).
        base: the base IRI the engine resolves relative IRIs against.

    Raises:
        PolicyError: 400 when rdflib cannot parse the text (its message included).
    """
    from rdflib.term import URIRef

    up = text.upper()
    if len(text) > MAX_ANALYSED or sum(up.count(k) for k in _KEYWORDS) > MAX_TARGETS \
            or nesting(text)[1] > ANALYSED_OPENER_BUDGET:
        raise PolicyError(400, f"bad query: a query or update calling SERVICE or LOAD may be at "
                               f"most {MAX_ANALYSED} characters long with at most {MAX_TARGETS} "
                               f"SERVICE or LOAD keywords and {ANALYSED_OPENER_BUDGET} nesting "
                               "constructs")
    try:
        terms = _in_big_stack(_targets, text, update, base)
    except RecursionError:
        raise PolicyError(400, "bad query: too deeply nested to analyse") from None
    except Exception as exc:  # pyparsing.ParseException and rdflib's own errors
        first = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        raise PolicyError(400, f"bad query: the server could not analyse the SERVICE or LOAD "
                               f"targets of this text ({first})") from None
    return [str(t) if isinstance(t, URIRef) else None for t in terms]


def allowed(iri: str | None, allow: list[str]) -> bool:
    """Whether ``iri`` is on ``allow`` (full endpoint URLs, or host names for any endpoint on
    that host over http/https)."""
    if iri is None:
        return False
    if iri in allow:
        return True
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    return any("/" not in a and ":" not in a and host == a.lower() for a in allow)


# ------------------------------------------------------------------ the policy


@dataclass
class QueryPolicy:
    """The limits every query from outside the server runs under.

    Attributes:
        allow: SERVICE/LOAD allow-list (endpoint URLs, or host names).
        timeout: seconds a query may run (``None``: no limit); a query worker running longer
            is killed and restarted, the client gets 503.
        max_rows: result row cap (``None``: none).
        memory_mb: memory limit (RLIMIT_DATA) of each query worker process, MiB (``None``: none).
    """

    allow: list[str] = field(default_factory=list)
    timeout: float | None = 30.0
    max_rows: int | None = 10000
    memory_mb: int | None = None

    def check_query(self, text: str, base: str | None = None) -> str:
        """Check a query; return its decoded text (what the parsers saw).

        Raises:
            PolicyError: 400 (nesting, unparsable SERVICE query) or 403 (SERVICE target).
        """
        return self._check(text, update=False, base=base)

    def check_update(self, text: str, base: str | None = None) -> str:
        """Check an update (SERVICE in WHERE clauses, LOAD sources); return its decoded text.

        Raises:
            PolicyError: as :meth:`check_query`.
        """
        return self._check(text, update=True, base=base)

    def _check(self, text: str, *, update: bool, base: str | None) -> str:
        decoded = decode_escapes(text)
        check_nesting(decoded)
        if _has_keyword(decoded):
            for iri in service_targets(decoded, update=update, base=base):
                if not allowed(iri, self.allow):
                    raise PolicyError(403, REFUSED)
        return decoded


def policy_from_config(config) -> QueryPolicy:
    """The :class:`QueryPolicy` of an app configuration (``SPACEKG_SERVICE_ALLOW``,
    ``SPACEKG_TIMEOUT``, ``SPACEKG_MAX_ROWS``, ``SPACEKG_WORKER_MEMORY_MB``)."""
    return QueryPolicy(allow=list(config.get("SPACEKG_SERVICE_ALLOW") or []),
                       timeout=float(config.get("SPACEKG_TIMEOUT") or 0) or None,
                       max_rows=int(config.get("SPACEKG_MAX_ROWS") or 0) or None,
                       memory_mb=int(config.get("SPACEKG_WORKER_MEMORY_MB") or 0) or None)


def query_policy(app=None) -> QueryPolicy:
    """The app's policy (one object per app; the current app by default)."""
    from flask import current_app

    app = app or current_app._get_current_object()
    pol = app.extensions.get("spacekg_policy")
    if pol is None:
        pol = app.extensions["spacekg_policy"] = policy_from_config(app.config)
    return pol


@dataclass
class SelectResult:
    """Solutions of :func:`run_select`: ``variables``, ``rows`` (dicts of rdflib terms, unbound
    variables left out) and ``truncated`` (the row cap cut the answer)."""

    variables: list[str]
    rows: list[dict]
    truncated: bool = False


def run_select(app, query: str, bindings: dict | None = None, *, max_rows: int | None = None,
               base: str | None = None) -> SelectResult:
    """Run a SELECT query under the app's whole policy: checks, timeout, row cap and, when
    ``spacekg serve`` runs query workers, the memory limit (the query runs in a worker process
    that is killed when it passes the timeout or the limit).

    Args:
        app: the Flask app.
        query: SPARQL SELECT text (may come from a user).
        bindings: variable name → rdflib term, substituted by the engine (never as text).
        max_rows: row cap (default the policy's, and never above it).
        base: base IRI for relative IRIs.

    Raises:
        PolicyError: the policy refuses the query (400/403).
        spacekg.server.querypool.QueryStopped: the query passed the timeout or the memory
            limit, or crashed its worker (HTTP 503).
        spacekg.server.store.QueryError: syntax or evaluation error, or not a SELECT (400).
    """
    from spacekg.server.querypool import query_pool, run_select_task

    pol = query_policy(app)
    if query_pool(app) is None:  # a query worker checks it itself
        pol.check_query(query, base)
    cap = pol.max_rows if max_rows is None else min(max_rows, pol.max_rows or max_rows)
    return run_select_task(app, query, bindings, cap, base)


__all__ = ["NESTING_LIMIT", "OPENER_BUDGET", "PolicyError", "QueryPolicy", "REFUSED", "SelectResult",
           "allowed", "check_nesting", "decode_escapes", "nesting", "policy_from_config",
           "query_policy", "run_select", "service_targets"]
