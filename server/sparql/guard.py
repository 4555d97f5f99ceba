"""What a query may do on the public endpoint, decided on the parsed query (rdflib's SPARQL 1.1
parser), before the engine sees it:

- only the four query forms (SPARQL 1.1 Query); SPARQL 1.1 Update is refused (403) whatever the method;
- ``SERVICE`` (SPARQL 1.1 Federated Query) only to an endpoint named in the federation allow-list,
  never to a variable endpoint;
- ``FROM``/``FROM NAMED`` are read as graph names in the store and never dereferenced (pyoxigraph does
  not load them; the engine passes the dataset explicitly, see :mod:`.execute`).

rdflib's parser is slow (pyparsing: 50–300 ms for a query with a dozen PREFIXes), so it only runs
when it can matter: a query can only contain SERVICE or FROM if, after the codepoint escapes of
SPARQL 1.1 Query §19.2 are undone (as every SPARQL parser does first), the letters ``service`` or
``from`` occur in it, in any case, anywhere. No word boundaries are assumed: a PEG parser may well
read ``?s ?p 1SERVICE<…>`` as a number followed by the keyword. Any occurrence, in a string, an IRI,
a comment or a name (``schema:validFrom``), sends the query through the full parse: the shortcut can
only be conservative. Queries without either word go
straight to the engine, whose own parser reports syntax errors with line and column.

Fail-closed: a query that needs the full parse and that rdflib cannot parse is refused with
rdflib's message, even where the engine's parser might have accepted it. The worker process also has
no network when federation is off (:func:`server.sparql.engine.isolate_network`), so a parser
disagreement cannot reach a host either.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translatePName, translatePrologue, traverse
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
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
NEEDS_PARSE = re.compile(r"service|from", re.IGNORECASE)


def unescape_codepoints(query: str) -> str:
    """SPARQL 1.1 Query §19.2: \\uXXXX and \\UXXXXXXXX are replaced before parsing."""
    def replace(match):
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group(0)
    return CODEPOINT.sub(replace, query)


def needs_parse(query: str) -> bool:
    return NEEDS_PARSE.search(unescape_codepoints(query)) is not None


@dataclass
class Screened:
    form: str | None                            # SELECT, ASK, CONSTRUCT, DESCRIBE (None: not parsed)
    default_graphs: list[str] = field(default_factory=list)   # FROM
    named_graphs: list[str] = field(default_factory=list)     # FROM NAMED
    services: list[str] = field(default_factory=list)         # allowed SERVICE endpoints used


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


def screen(query: str, federation_allow: tuple[str, ...] = ()) -> Screened:
    if not needs_parse(query):
        return Screened(None)
    try:
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
    screened = Screened(FORMS[body.name])
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
        parseUpdate(query)
    except Exception:
        return False
    return True


__all__ = ["Refused", "Screened", "screen", "Variable"]
