"""A per-process cache of SPARQL answers, keyed by release.

A release never changes, so the answer to a query is a function of the release, the query text, the
dataset given in the request and the formats negotiated; kept answers are served again without asking
the query engine (the pictures' queries, the query UI's examples and harvesters repeat the same queries).
After a build switches the release, no old entry can match (the key starts with the release id).

A repeated query is answered before Flask runs (:class:`AnswerReplay`, WSGI middleware inside the
limits and the access log): the complete response of the first answer — status, headers as the pipeline
set them, body — is kept under the request as sent (release, method, query string, body, Content-Type,
``Accept``, ``Origin``: everything the endpoint's answer depends on) and sent again as it is: a dictionary
lookup. Only responses the endpoint marks as cacheable query answers of the release at hand are kept.

Only complete answers (``200``) are kept, never one of a query whose answer may change between two
evaluations (``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()``, ``BNODE()``). Bounded by
``IKPE_SPARQL_CACHE_MB`` per process (0 = off), least recently used first out (the LRU of
:mod:`.page_cache`).
"""
from __future__ import annotations

import io
import re

from flask import current_app, request

from ..sparql.execute import Answer
from ..sparql.protocol import body_limit
from .access_log import RELEASE_KEY
from .page_cache import Entry, PageCache
from .store_access import store_of

EXTENSION = "ikpe_sparql_answer_cache"
MARK = "ikpe.sparql_answer_release"  # WSGI environ: the endpoint's cacheable answer, and its release
VOLATILE = re.compile(r"\b(NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def init_app(app) -> None:
    app.extensions[EXTENSION] = PageCache(app.config["SETTINGS"].sparql_cache_mb * 1024 * 1024)


def _cache() -> PageCache | None:
    cache = current_app.extensions.get(EXTENSION)
    return cache if cache is not None and cache.enabled else None


def key(release_id: str, query_request, choice) -> tuple | None:
    """The key of a query, or None for a query that must be evaluated each time."""
    if VOLATILE.search(query_request.query):
        return None
    return (release_id, query_request.query, choice.results, choice.graph,
            tuple(query_request.default_graphs or ()), tuple(query_request.named_graphs or ()))


def lookup(cache_key: tuple | None) -> Answer | None:
    cache = _cache()
    entry = cache.get(cache_key) if cache is not None and cache_key is not None else None
    if entry is None:
        return None
    headers = dict(entry.headers)
    content_type = headers.pop("Content-Type")
    return Answer(entry.status, entry.body, content_type, headers)


def mark_replayable(cache_key: tuple | None, answer: Answer, release_id: str) -> None:
    """Tell :class:`AnswerReplay` that this request's whole response may be kept and sent again."""
    if cache_key is not None and answer.status == 200:
        request.environ[MARK] = release_id


def keep(cache_key: tuple | None, answer: Answer) -> None:
    cache = _cache()
    if cache is None or cache_key is None or answer.status != 200:
        return
    headers = (("Content-Type", answer.content_type),) + tuple(answer.headers.items())
    cache.put(cache_key, Entry(answer.status, headers, answer.body))


class AnswerReplay:
    """WSGI middleware: a repeated ``/sparql`` query (GET, or POST with a Content-Length) answered from
    the cache without Flask; every other request goes through untouched."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app, self.cache, self.store = wsgi_app, app.extensions[EXTENSION], store_of(app)
        self.body_limit = body_limit(app.config["SETTINGS"].sparql_max_query_length)

    def request_key(self, environ) -> tuple | None:
        """What the answer depends on, or None (not a query this layer handles). Reads a POST body and
        puts it back for Flask."""
        method = environ.get("REQUEST_METHOD")
        if environ.get("HTTP_ACCEPT_DATETIME") or environ.get("HTTP_IF_NONE_MATCH"):
            return None  # a TimeGate request (Flask redirects it), a revalidation (Flask may answer 304)
        if method == "GET":
            body = b""
        elif method == "POST":
            length = environ.get("CONTENT_LENGTH") or ""
            if not length.isdigit() or int(length) > self.body_limit:
                return None
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)
        else:
            return None
        return (method, environ.get("QUERY_STRING", ""), environ.get("CONTENT_TYPE", ""), body,
                environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_ORIGIN", ""))

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/sparql" or not self.cache.enabled:
            return self.wsgi_app(environ, start_response)
        release = self.store.release_at_hand()
        request_key = self.request_key(environ) if release is not None else None
        if request_key is None:
            return self.wsgi_app(environ, start_response)
        cache_key = ("response", release.id) + request_key
        entry = self.cache.get(cache_key)
        if entry is not None:
            environ[RELEASE_KEY] = release.id
            start_response("200 OK", list(entry.headers))
            return [entry.body]
        return self.answer_and_keep(environ, start_response, cache_key, release.id)

    def answer_and_keep(self, environ, start_response, cache_key: tuple, release_id: str):
        sent = []

        def capture(status, headers, exc_info=None):
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        iterable = self.wsgi_app(environ, capture)
        if environ.get(MARK) != release_id or not sent or sent[0] != "200 OK":
            return iterable
        try:
            body = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        self.cache.put(cache_key, Entry(200, tuple((name, value) for name, value in sent[1]), body))
        return [body]


def install(app) -> None:
    """Answer repeated queries before Flask; call before ``limits.init_app`` (they stay in front)."""
    app.wsgi_app = AnswerReplay(app.wsgi_app, app)


__all__ = ["init_app", "install", "key", "lookup", "keep", "mark_replayable", "AnswerReplay"]
