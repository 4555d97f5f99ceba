"""The SPARQL endpoint ``/sparql``: SPARQL 1.1 Protocol for programs, the service description for RDF
clients, the query UI (YASGUI, served from our host) for people. The work is done in
:mod:`server.sparql`; this module is the HTTP glue: methods, CORS, status codes, plain-text errors.
"""
from __future__ import annotations

import socket

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..kg.namespaces import PREFIXES
from ..sparql import examples, results
from ..sparql.engine import EngineBusy, QueryCancelled, QueryTimedOut, WorkerLost
from ..sparql.protocol import ProtocolError, read_request
from ..sparql.service import PublicQuery
from ..sparql.service_description import describe
from ..store import StoreTimeout, StoreUnavailable
from . import answer_cache
from .conneg import sparql_choice
from .pipeline import QUERY_UI_POLICY
from .query_engine import engine_of, engine_started, warm_up_in_background
from . import sparql_versions
from .store_access import carrier_snapshot, request_snapshot

blueprint = Blueprint("sparql", __name__)

ALLOWED = "GET, HEAD, POST, OPTIONS"


def _settings():
    return current_app.config["SETTINGS"]


def plain(status: int, message: str, headers: dict | None = None) -> Response:
    """Errors as text/plain with the message: readable by people and by every SPARQL client."""
    return Response(message.rstrip("\n") + "\n", status=status, headers=headers or {},
                    content_type="text/plain; charset=utf-8")


@blueprint.after_request
def varies_by_accept(response: Response) -> Response:
    response.vary.add("Accept")
    return response


@blueprint.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Errors raised by the framework on /sparql (e.g. the app's URL checks) as plain text, no HTML."""
    response = plain(error.code or 400, f"{error.code} {error.name}: {error.description}")
    if error.code == 405:
        response.headers["Allow"] = ALLOWED
    return response


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def endpoint():
    if request.method == "OPTIONS":
        return preflight()
    if request.method not in ("GET", "HEAD", "POST"):
        return plain(405, f"Method {request.method} not allowed: query with GET or POST "
                          "(SPARQL 1.1 Protocol); this endpoint is read-only.", {"Allow": ALLOWED})
    settings = _settings()
    try:
        query_request = read_request(request, settings.sparql_max_query_length)
        choice = sparql_choice(request.headers.get("Accept"), query_request.formats)
    except ProtocolError as error:
        return plain(error.status, error.message, error.headers)
    try:
        moved = sparql_versions.timegate(query_request)
        past = sparql_versions.pin_release(query_request.release) if query_request.release else None
    except sparql_versions.NotThere as error:
        return plain(error.status, error.message)
    if moved is not None:
        return moved

    if query_request.query is None:
        if request.method == "POST":
            return plain(400, "Missing query: send the `query` parameter (SPARQL 1.1 Protocol §2.1).")
        if choice.html:
            return query_ui()
        if query_request.default_graphs or query_request.named_graphs or choice.graph is None:
            return plain(400, "Missing query: send the `query` parameter (SPARQL 1.1 Protocol §2.1). "
                              "Without a query, this URL answers the service description (in an RDF format).")
        return service_description(choice.graph)
    if choice.html and request.method == "GET" and not query_request.formats:
        return query_ui(query_request.query, past)  # a browser following a query link: show it in the UI
    response = run_query(query_request, choice)
    if request.method in ("GET", "HEAD"):
        response.vary.add("Accept-Datetime")
    return sparql_versions.memento_headers(response, past) if past is not None else response


def preflight() -> Response:
    """``OPTIONS``: the methods; the CORS preflight headers come from the pipeline."""
    return Response(status=204, headers={"Allow": ALLOWED})


# -- queries ---------------------------------------------------------------------------------------
def run_query(query_request, choice) -> Response:
    settings = _settings()
    try:
        answer = answer_of(query_request, choice)
    except QueryTimedOut:
        return timed_out(settings)
    except StoreTimeout:  # the remote store: our read timeout, or the store's own time limit
        response = timed_out(settings)
        response.headers["Retry-After"] = str(settings.retry_after)
        return response
    except QueryCancelled:  # nobody reads this; 499 (nginx's "client closed request") for the access log
        response = plain(499, "Query stopped: the client closed the connection.")
        response.status = "499 Client Closed Request"
        return response
    except StoreUnavailable as error:
        return plain(503, f"No data to query: {error}", {"Retry-After": str(settings.retry_after)})
    except EngineBusy:
        return plain(503, f"All query workers stayed busy for {settings.sparql_timeout:g} s; try again later.",
                     {"Retry-After": str(settings.retry_after)})
    except WorkerLost:
        return plain(503, "The query engine ended while answering (e.g. out of memory); the query was not "
                          "completed. Narrow it down.")
    response = Response(answer.body, status=answer.status, content_type=answer.content_type)
    response.headers.update(answer.headers)
    response.headers["Cache-Control"] = "no-store" if answer.status != 200 else \
        f"public, max-age={settings.cache_max_age}"
    return response


def answer_of(query_request, choice):
    """The answer from the cache of this release, or evaluated on the release of this request."""
    snapshot = request_snapshot()
    release_id = snapshot.release().id
    cache_key = answer_cache.key(release_id, query_request, choice)
    answer = answer_cache.lookup(cache_key)
    if answer is None:
        app = current_app._get_current_object()
        query = PublicQuery(query_request, choice, _settings(), lambda folder: engine_of(app, folder),
                            client_gone_check(), getattr(snapshot, "spans", None))
        answer = snapshot.dispatch_public_query(query)
        answer_cache.keep(cache_key, answer)
    answer_cache.mark_replayable(cache_key, answer, carrier_snapshot().release().id)
    return answer


def client_gone_check():
    """A check "has the client closed its connection?" for the query engine, or None where the server
    does not expose the connection (test client, other servers).

    gunicorn (``gunicorn.socket``) and werkzeug (``werkzeug.socket``) put the client's socket in the
    WSGI environ. The request (and its body) has been read when the query runs, so a non-blocking
    ``recv(MSG_PEEK)`` that returns ``b""`` is the client's end of stream, and a reset is an error;
    waiting data (a pipelined request) or nothing yet means the client is still there. The peek goes
    to the TCP socket itself (``socket.socket.recv``), also under a TLS wrapper, and consumes nothing.
    A client that half-closes (``shutdown(SHUT_WR)``) and still waits for the answer counts as gone;
    HTTP clients and reverse proxies do not do that.
    """
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        return None

    def gone() -> bool:
        try:
            return socket.socket.recv(sock, 1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except (BlockingIOError, InterruptedError):
            return False  # connected, nothing sent: the normal case
        except OSError:
            return True  # reset, or the socket is closed
        except Exception:  # noqa: BLE001 - whatever else: never stop a query on a doubt
            return False

    return gone


def timed_out(settings) -> Response:
    return plain(503, f"Query stopped: it ran longer than the time limit of {settings.sparql_timeout:g} s "
                      "(setting IKPE_SPARQL_TIMEOUT). Narrow it down (more specific patterns, LIMIT) "
                      "or use the dumps for whole-graph work.")


# -- service description and query UI ----------------------------------------------------------------
def service_description(fmt: str) -> Response:
    try:
        manifest = request_snapshot().release().manifest
    except StoreUnavailable:
        manifest = {}
    graph = describe(_settings(), manifest)
    rdflib_format = {"turtle": "turtle", "jsonld": "json-ld", "rdfxml": "xml", "ntriples": "nt"}[fmt]
    body = graph.serialize(format=rdflib_format, encoding="utf-8")
    return Response(body, content_type=results.BY_NAME[fmt].content_type)


def _release_in_service() -> str | None:
    try:
        return carrier_snapshot().release().id
    except StoreUnavailable:
        return None


UI_PREFIXES = ("ikpe", "schema", "dcterms", "rdfs", "rdf", "skos", "org", "rov", "foaf", "prov", "dcat",
               "xsd", "owl", "geo", "void", "wd")


def query_ui(query: str | None = None, past=None) -> Response:
    from .i18n import current_language

    app = current_app._get_current_object()
    if not engine_started(app):  # a person is about to query: start the workers now
        warm_up_in_background(app)

    lang = current_language()
    items = examples.load()
    for item in items:
        item["title"] = item["titles"].get(lang) or item["titles"].get("de") or item["id"]
    prefixes = {p: str(PREFIXES[p]) for p in UI_PREFIXES if p in PREFIXES}
    prefixes["sd"] = "http://www.w3.org/ns/sparql-service-description#"
    initial = query or (items[0]["query"] if items else
                        "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10")
    html = render_template(
        "sparql.html", lang=lang, examples=items, prefixes=prefixes, initial_query=initial,
        endpoint=url_for("sparql.endpoint", release=past.id if past else None), settings=_settings(),
        breadcrumbs=None, past=past, release_id=past.id if past is not None else _release_in_service())
    return Response(html, content_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": QUERY_UI_POLICY})
