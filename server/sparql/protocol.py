"""SPARQL 1.1 Protocol, section 2.1 (query operation): the three ways to send a query, the dataset
parameters, size limits, and the result formats a ``format`` parameter names. (Negotiation on
``Accept`` is HTTP: the web layer does it, ``server.web.conneg.sparql_choice``, and hands a ``Choice`` down.)

| method | where the query is | dataset parameters |
|---|---|---|
| GET | ``?query=`` (exactly once) | ``default-graph-uri``/``named-graph-uri`` in the URL |
| POST ``application/x-www-form-urlencoded`` | ``query=`` in the body | body (or URL) |
| POST ``application/sparql-query`` | the body (UTF-8) | URL |

An ``update`` parameter or an ``application/sparql-update`` body is refused (403): read-only endpoint.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from . import results

FORMAT_PARAMETERS = ("format", "output", "results")  # `format` (Virtuoso), `output` (Fuseki), SPARQLWrapper sends all


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class QueryRequest:
    query: str | None                       # None: no query (service description / query UI)
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)  # values of the format parameters
    release: str | None = None                        # `release`: query this past release (docs/versions.md)


def body_limit(max_query_length: int) -> int:
    """Largest request body read: a query at the length limit, fully percent-encoded UTF-8, fits."""
    return 12 * max_query_length + 8192


def read_request(request, max_query_length: int) -> QueryRequest:
    """The query request in a Flask/werkzeug request, or ProtocolError (400, 403, 413, 414, 415)."""
    url_params = parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True)
    if request.method in ("GET", "HEAD"):
        if len(request.query_string) > body_limit(max_query_length):
            raise ProtocolError(414, f"Request URI too long: the query may have at most {max_query_length} "
                                     "characters; send long queries by POST.")
        params, body_query = url_params, None
    else:
        media_type = (request.mimetype or "").lower()
        body = _read_body(request, max_query_length)
        if not media_type and not body:  # an empty POST: only URL parameters (likely no query: 400 below)
            params, body_query = url_params, None
        elif media_type == "application/x-www-form-urlencoded":
            params, body_query = url_params + parse_qsl(_decode(body), keep_blank_values=True), None
        elif media_type == "application/sparql-query":
            params, body_query = url_params, _decode(body)
        elif media_type == "application/sparql-update":
            raise ProtocolError(403, "This SPARQL endpoint is read-only: SPARQL Update is not accepted.")
        else:
            raise ProtocolError(415, "POST a query as application/x-www-form-urlencoded (query=…) or as "
                                     f"application/sparql-query, not {media_type or 'without a Content-Type'}.")
    if any(name == "update" for name, _ in params):
        raise ProtocolError(403, "This SPARQL endpoint is read-only: the `update` operation is not accepted.")
    queries = [value for name, value in params if name == "query"]
    if body_query is not None:
        queries.append(body_query)
    if len(queries) > 1:
        raise ProtocolError(400, "More than one query: send exactly one `query` parameter "
                                 "(or the query as the application/sparql-query body, not both).")
    query = queries[0] if queries else None
    if query is not None:
        if not query.strip():
            raise ProtocolError(400, "The `query` parameter is empty.")
        if len(query) > max_query_length:
            status = 414 if request.method in ("GET", "HEAD") else 413
            raise ProtocolError(status, f"Query too long: {len(query)} characters, at most {max_query_length} "
                                        "(setting IKPE_SPARQL_MAX_QUERY_LENGTH).")
    releases = [v.strip() for n, v in params if n == "release"]
    if len(releases) > 1 or (releases and not releases[0]):
        raise ProtocolError(400, "Name one release: at most one non-empty `release` parameter.")
    return QueryRequest(
        query,
        [v for n, v in params if n == "default-graph-uri"],
        [v for n, v in params if n == "named-graph-uri"],
        [v.strip() for n, v in params if n in FORMAT_PARAMETERS and v.strip()],
        releases[0] if releases else None,
    )


def _read_body(request, max_query_length: int) -> bytes:
    limit = body_limit(max_query_length)
    too_large = ProtocolError(413, f"Request body too large: at most {limit} bytes (a query of at most "
                                   f"{max_query_length} characters, setting IKPE_SPARQL_MAX_QUERY_LENGTH).")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise too_large
    return body


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"The request body is not UTF-8: {error}") from None


# -- the result formats asked for ----------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    results: str | None   # format name for SELECT/ASK, None if none is acceptable
    graph: str | None     # format name for CONSTRUCT/DESCRIBE
    html: bool = False    # a browser: the query UI is preferred


def from_format_parameter(values: list[str]) -> Choice:
    """`format=json`, `format=csv`, … or media types (a comma-separated list is read like `Accept`)."""
    chosen_results = chosen_graph = None
    for value in values:
        items = [item.split(";")[0].strip().lower() for item in value.split(",")]
        items = [item for item in items if item and item != "*/*"]
        pairs = []
        for item in items:
            if item in results.SHORT_NAMES:
                pairs.append(results.SHORT_NAMES[item])
            for fmt in results.BY_MEDIA_TYPE.get(item, []):
                pairs.append((fmt.name, None) if fmt.kind == "results" else (None, fmt.name))
        if items and not pairs:
            known = ", ".join(sorted(results.SHORT_NAMES))
            raise ProtocolError(400, f"Unknown result format {value!r}; known: {known}, or their media types.")
        for pair in pairs:
            chosen_results = chosen_results or pair[0]
            chosen_graph = chosen_graph or pair[1]
    return Choice(chosen_results, chosen_graph)
