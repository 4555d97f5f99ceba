"""What a query may do on the public endpoint, decided on the parsed query (rdflib's SPARQL 1.1
parser), before the engine (or the remote store) sees it:

- only the four query forms (SPARQL 1.1 Query); SPARQL 1.1 Update is refused (403) whatever the method;
- ``SERVICE`` (SPARQL 1.1 Federated Query) only to an endpoint named in the federation allow-list,
  never to a variable endpoint;
- ``FROM``/``FROM NAMED`` are read as graph names in the store and never dereferenced (pyoxigraph does
  not load them; the engine passes the dataset explicitly, see :mod:`.execute`).

rdflib's parser is slow (pyparsing: 10–300 ms for a query with a dozen PREFIXes), so on the embedded
store it only runs when it can matter: when the keyword ``SERVICE`` or ``FROM`` (any case) may occur
in the query *as code*. :func:`keywords` reads the query with a small lexer that agrees with the
SPARQL grammar on the tokens whose text can never be a keyword, and drops them:

- IRI references ``<…>`` made of the characters IRIREF allows (no space, ``<``, ``>``, ``{``, ``"``…):
  a real SERVICE needs its endpoint and a ``{`` after it, FROM an IRI and then FROM/WHERE/``{``, none
  of which fit inside such a span;
- string literals (the four quote styles, with escapes) and comments;
- variables, blank node labels and prefixed names (``schema:validFrom``) — but not a prefixed name
  whose prefix *starts* with a keyword: a PEG parser may read ``SERVICEx:y{`` as ``SERVICE x:y {``.

Everything else stays — keywords, numbers, operators, language tags (kept: ``"a"@deSERVICE``), runs of
word characters (kept whole: ``1e5SERVICE:x`` is a number and a keyword to pyoxigraph, not a prefixed
name), anything the lexer cannot read (an unterminated string stays code) — and in what stays the
letters are searched **without word boundaries**: pyoxigraph reads ``?s ?p 1SERVICE<…>`` as a number
followed by the keyword. The scan runs on the query as written and on it after the codepoint escapes of
SPARQL 1.1 Query §19.2 are undone (``\\u0053ERVICE``); either finding a keyword counts. Queries without
one go straight to the engine, whose own parser reports syntax errors with line and column; queries
that only *mention* the letters (``?validFrom``, ``"served from"``, ``<…/service>``) no longer pay
for the parse.

With ``full=True`` (the remote store, which runs the query outside our network-less workers) every
query is parsed, so only the four query forms reach the store, and a query whose keywords differ
between the two readings (codepoint escapes, which not every store undoes everywhere) is refused.

Fail-closed: a query that needs the full parse and that rdflib cannot parse is refused with
rdflib's message, even where the engine's parser might have accepted it. The worker process also has
no network when federation is off and the kernel allows it (:func:`server.sparql.engine.isolate_network`),
so a parser disagreement cannot reach a host either.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import partial

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translatePName, translatePrologue, traverse
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

RDFLIB_PARSER_LOCK = threading.Lock()
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
         "DescribeQuery": "DESCRIBE"}


class Refused(Exception):
    """The query is not run: HTTP status and a message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
ENGINE_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
KEYWORD = re.compile(r"service|from", re.IGNORECASE)

_ESCAPE = r"\\[\s\S]"
_NAME_CHAR = r"(?:[\w\-\u00B7:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"  # PN_LOCAL with PLX
_LOCAL = rf"(?:{_NAME_CHAR}|\.(?={_NAME_CHAR}))*"                         # '.' only inside
LEXER = re.compile("|".join([
    r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
    rf"(?P<string>'''(?:[^'\\]|{_ESCAPE}|'(?!''))*'''"
    rf'|"""(?:[^"\\]|{_ESCAPE}|"(?!""))*"""'
    rf"|'(?:[^'\\\n\r]|{_ESCAPE})*'"
    rf'|"(?:[^"\\\n\r]|{_ESCAPE})*")',
    r"(?P<comment>#[^\n\r]*)",
    r"(?P<var>[?$][\w\u00B7]+)",
    rf"(?P<bnode>_:{_LOCAL})",
    r"(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
    rf"(?P<pname>(?P<prefix>[^\W\d_][\w.\-\u00B7]*)?:{_LOCAL})",
    r"(?P<word>\w+)",
    r"(?P<other>[\s\S])",
]))
DROPPED = {"iri", "string", "comment", "var", "bnode"}


def unescape_codepoints(query: str) -> str:
    """SPARQL 1.1 Query §19.2: \\uXXXX and \\UXXXXXXXX are replaced before parsing."""
    def replace(match):
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group(0)
    return CODEPOINT.sub(replace, query)


def code(query: str) -> str:
    """The query without the tokens whose text can never be a keyword (see the module docstring)."""
    kept = []
    for match in LEXER.finditer(query):
        kind = match.lastgroup
        if kind == "prefix":  # lastgroup is the inner group for a prefixed name with a prefix
            kind = "pname"
        if kind in DROPPED or (kind == "pname" and not KEYWORD.match(match.group("prefix") or "")):
            continue
        kept.append(match.group(0))
    return " ".join(kept)


def keywords(query: str) -> set[str]:
    """The keywords ``service`` / ``from`` that may occur as code in this text, read as written."""
    return {m.group(0).lower() for m in KEYWORD.finditer(code(query))}


def query_keywords(query: str) -> set[str]:
    """:func:`keywords` of the query as written and after its codepoint escapes are undone."""
    unescaped = unescape_codepoints(query)
    return keywords(query) | (keywords(unescaped) if unescaped != query else set())


def needs_parse(query: str) -> bool:
    # Fast path: what the lexer keeps is substrings of the query joined by spaces, so a query whose text
    # holds neither letter sequence nor a codepoint escape cannot have a keyword in its code.
    if not KEYWORD.search(query) and "\\u" not in query and "\\U" not in query:
        return False
    return bool(query_keywords(query))


@dataclass
class Screened:
    form: str | None                            # SELECT, ASK, CONSTRUCT, DESCRIBE (None: not parsed)
    default_graphs: list[str] = field(default_factory=list)   # FROM
    named_graphs: list[str] = field(default_factory=list)     # FROM NAMED
    services: list[str] = field(default_factory=list)         # allowed SERVICE endpoints used
    limit: int | None = None                    # the query's own LIMIT (None: none, or not parsed)
    values_clause: bool = False                 # a trailing VALUES block after the solution modifiers
    ordered: bool = False                       # ORDER BY at the top level


def _parse_error(error: Exception) -> str:
    if isinstance(error, ParseBaseException):
        return f"{error.msg} at line {error.lineno}, column {error.col}: {error.line.strip()[:200]!r}"
    return str(error)


def _walk(node):
    """Every CompValue in a parse tree (iteratively: deep nesting must not blow the stack)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif hasattr(item, "asList") and not isinstance(item, str):  # pyparsing ParseResults
            stack.extend(list(item))


def screen(query: str, federation_allow: tuple[str, ...] = (), full: bool = False) -> Screened:
    """Refuse what the public endpoint does not run (:class:`Refused`); ``full``: always parse."""
    if full:
        unescaped = unescape_codepoints(query)
        if unescaped != query and keywords(query) != keywords(unescaped):
            raise Refused(400, "Malformed query: codepoint escapes (\\u...) that spell or hide the keywords "
                               "SERVICE or FROM are not accepted on this endpoint.")
    elif not needs_parse(query):
        return Screened(None)
    try:
        with RDFLIB_PARSER_LOCK:  # pyparsing's packrat cache is not thread-safe (spurious errors)
            parsed = parseQuery(query)
    except (ParseBaseException, RecursionError, ValueError, TypeError) as error:
        if _is_update(query):
            raise Refused(403, "This SPARQL endpoint is read-only: SPARQL Update "
                               "(INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE, ADD) is not accepted.")
        raise Refused(400, f"Malformed query: {_parse_error(error)}") from None
    try:
        prologue = translatePrologue(parsed[0], None)
        body = traverse(parsed[1], partial(translatePName, prologue=prologue))
    except Exception as error:  # unknown prefix and the like: rdflib raises plain Exceptions
        raise Refused(400, f"Malformed query: {error}") from None
    screened = Screened(FORMS[body.name], values_clause=dict.get(body, "valuesClause") is not None,
                        ordered=dict.get(body, "orderby") is not None)
    limit_offset = dict.get(body, "limitoffset")
    if limit_offset is not None and dict.get(limit_offset, "limit") is not None:
        screened.limit = int(limit_offset["limit"])
    # CompValue.get() answers the key itself when it is missing: read the parse tree as plain dicts.
    for clause in dict.get(body, "datasetClause") or []:
        if dict.get(clause, "default") is not None:
            screened.default_graphs.append(str(clause["default"]))
        else:
            screened.named_graphs.append(str(clause["named"]))
    for node in _walk(body):
        if node.name == "ServiceGraphPattern":
            endpoint = dict.get(node, "term")
            if not isinstance(endpoint, URIRef):
                raise Refused(403, "SERVICE with a variable endpoint is not allowed on this endpoint.")
            if str(endpoint) not in federation_allow:
                raise Refused(403, f"SERVICE <{endpoint}> is not allowed: federated queries may only "
                                   "call endpoints in the federation allow-list (IKPE_SPARQL_FEDERATION_ALLOW).")
            screened.services.append(str(endpoint))
        elif node.name in ("Load", "Clear", "Drop", "Create", "Add", "Move", "Copy", "Modify"):
            raise Refused(403, "This SPARQL endpoint is read-only.")  # cannot occur in a query; belt and braces
    return screened


def refusal_for_engine_error(query: str, message: str) -> Refused:
    """The engine's parser rejected the query: a clear 403 if it is an update, else 400 with its message."""
    if _is_update(query):
        return Refused(403, "This SPARQL endpoint is read-only: SPARQL Update "
                            "(INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE, ADD) is not accepted.")
    match = ENGINE_POSITION.match(message)
    if match:
        message = f"{match.group(3)} at line {match.group(1)}, column {match.group(2)}"
    return Refused(400, f"Malformed query: {message}")


def _is_update(query: str) -> bool:
    try:
        with RDFLIB_PARSER_LOCK:
            parseUpdate(query)
    except Exception:
        return False
    return True


__all__ = ["Refused", "Screened", "screen", "Variable"]
