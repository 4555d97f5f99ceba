"""Answers of the release kept in the response cache, sent before Flask runs (WSGI middleware).

Every answer that depends only on the release is kept once rendered (:mod:`.page_cache`: per process,
then shared by the machine's processes as files). Through Flask, sending one again still costs the
request and app contexts, URL routing, Flask-Babel's locale and the before/after-request steps: about
a millisecond of Python per request. :class:`CachedAnswers` serves a GET or HEAD whose answer is kept
from the entry alone, with the same steps as the Flask path and nothing else:

1. the release in service when the request arrives (``release_at_hand``: a ``readlink``); the key of
   the entry starts with its id, so the answer is of that release, never of an older one;
2. the URL checks of ``app.refuse_malformed_urls`` (a URL they refuse goes to Flask, which refuses it);
3. the key the Flask path uses (:func:`.http_caching.release_only_key`, or
   :func:`.http_caching.document_key` for ``/doc/…``), the language chosen as Flask-Babel chooses it;
4. the entry as a response, ``make_conditional`` (304 on ``If-None-Match``; HEAD without a body), then
   the app's after-request steps (the Memento ``Link`` and ``Vary`` of ``/doc/…``,
   :func:`.memento.link_original`; CORS and security headers, :func:`.pipeline.finish_answer`; the
   discovery ``Link`` headers, :func:`.catalog.link_discovery`), so status, headers and body are those
   of the Flask path (a request with ``Accept-Datetime`` goes to Flask: a TimeGate may answer it);
5. the sitemap files the build wrote, served as :mod:`.sitemap` serves them.

A request repeated exactly as sent (no conditional header) is answered from the complete answer as it
was sent (:class:`Sent`, a per-process LRU), with a fresh ``Date``; answers with a second clock header
(``Expires``: the sitemap files) are built each time.

A request whose answer is not kept goes to Flask as before. The middleware sits inside the limits and
the access log (``app.create_app``): the per-client limits apply to these answers too, and the access
log names the release they came from.
"""
from __future__ import annotations

import contextlib
import functools
import re
import time
import logging
from dataclasses import dataclass

from werkzeug.http import http_date

from ..sitemap import INDEX, part_name
from . import page_cache
from .access_log import RELEASE_KEY
from .app import malformed_url_status
from .catalog import link_discovery
from .http_caching import document_key, release_only_key
from .i18n import language_of
from .memento import link_original
from .pipeline import finish_answer
from .sitemap import sitemap_path, sitemap_response
from .store_access import store_of

log = logging.getLogger(__name__)
METHODS = ("GET", "HEAD")
PASS_THROUGH = ("/sparql", "/health", "/static/", "/dumps/", "/reconcile")  # never kept here (prefixes)
# the app's after_request functions, which ``_finish`` repeats (tests/test_cached_answers.py checks the list)
AFTER_REQUEST = ("_remember_release", "original_links", "finish", "add_discovery_links")  # in the order Flask runs them
DOCUMENT = "resources.document"  # the endpoint of /doc/… (a Memento TimeGate: server/web/memento.py)
SITEMAP_PART = re.compile(r"/sitemap-([0-9]{1,9})\.xml\.gz")
MEMENTO = re.compile(r"/release/[^/]+/(doc/|fragments$)")  # mementos, kept under their document key
# requests answered by the complete path each time: the answer depends on these headers beyond the key
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE",
               "HTTP_RANGE")
# everything else a kept answer, as sent, depends on: the URL as sent (the URL checks, the host URL of
# the key), Accept, Accept-Language (the language), Origin (CORS)
SENT_KEY = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
            "RAW_URI", "REQUEST_URI", "HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_ORIGIN")


@dataclass(frozen=True)
class Sent:
    """A ``200`` as it was sent: status line, headers before and after ``Date`` (a clock), body."""

    status: str
    before: tuple
    after: tuple
    body: bytes

    @property
    def size(self) -> int:
        headers = sum(len(name) + len(value) for name, value in self.before + self.after)
        return len(self.body) + headers + page_cache.ENTRY_OVERHEAD


class CachedAnswers:
    """WSGI middleware: a GET/HEAD answered from the response cache without Flask, when it holds the answer."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app, self.app, self.store = wsgi_app, app, store_of(app)
        settings = app.config["SETTINGS"]
        self.default_language, self.cors_origins = settings.default_language, settings.cors_origins
        self.public_base = settings.public_base
        # answers as sent, by request as sent: most requests repeat one of a few (URL, Accept, …)
        self.sent = page_cache.PageCache(settings.page_cache_mb * 1024 * 1024)
        self.active = True  # False: everything goes to Flask (tests compare the two paths)
        self.served = 0  # answers sent without Flask (tests and benchmarks read it)

    def __call__(self, environ, start_response):
        release = self.store.release_at_hand() if self._may_answer(environ) else None
        if release is None:
            return self.wsgi_app(environ, start_response)
        key = None if any(name in environ for name in CONDITIONAL) else \
            (release.id,) + tuple(environ.get(name) for name in SENT_KEY)
        sent = self.sent.get(key) if key is not None else None
        if sent is None:
            try:
                response = self.answer(environ, release)
                sent = self._keep_sent(key, response, environ) if response is not None else None
            except Exception:  # noqa: BLE001 — never fail a request Flask would answer: let it
                log.exception("kept answer not sent, Flask answers: %s", environ.get("PATH_INFO"))
                response = None
            if response is None:
                return self.wsgi_app(environ, start_response)
            if sent is None:  # a conditional request, a file with Expires: sent as the response is
                self.served += 1
                return response(environ, start_response)
        self.served += 1
        environ[RELEASE_KEY] = release.id
        start_response(sent.status, [*sent.before, ("Date", _now()), *sent.after])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [sent.body]

    def _may_answer(self, environ) -> bool:
        """A GET or HEAD the cache may hold; not one with ``Accept-Datetime`` (a Memento TimeGate may answer)."""
        return self.active and environ.get("REQUEST_METHOD") in METHODS and \
            not environ.get("PATH_INFO", "").startswith(PASS_THROUGH) and "HTTP_ACCEPT_DATETIME" not in environ

    def answer(self, environ, release):
        """The complete response for ``environ`` from what is kept for ``release``, or None."""
        request = self.app.request_class(environ, populate_request=False)
        if malformed_url_status(request) is not None:
            return None
        response = self._from_cache(request, release.id)
        if response is None:
            response = self._sitemap(request, release, environ)
        if response is None:
            return None
        return self._finish(response, request, release.id)

    def _finish(self, response, request, release_id: str):
        """The app's after-request steps (:data:`AFTER_REQUEST`), in the order Flask runs them."""
        request.environ[RELEASE_KEY] = release_id  # access_log._remember_release
        link_original(response, DOCUMENT if request.path.startswith("/doc/") else None, request.path)  # memento
        finish_answer(response, request, self.cors_origins)  # pipeline.finish
        return link_discovery(response, self.public_base)  # catalog.add_discovery_links

    def _from_cache(self, request, release_id: str):
        language = language_of(request, self.default_language)
        is_document = request.path.startswith("/doc/") or MEMENTO.match(request.path)  # as the memento views key them
        key = (document_key if is_document else release_only_key)(release_id, request, language)
        extensions = self.app.extensions  # read per request, as the Flask path does
        entry = page_cache.find(extensions.get(page_cache.EXTENSION), extensions.get(page_cache.SHARED), key)
        return entry.response().make_conditional(request.environ) if entry is not None else None

    def _sitemap(self, request, release, environ):
        path = request.path
        match = SITEMAP_PART.fullmatch(path)
        name = INDEX if path == "/sitemap.xml" else part_name(int(match[1])) if match else None
        file = sitemap_path(release, name) if name is not None else None
        return sitemap_response(release, file, environ, self.app) if file is not None else None

    def _keep_sent(self, key, response, environ) -> Sent | None:
        """The response as sent, kept under ``key``; None for what is not a plain ``200`` of bytes."""
        if key is None or response.status_code != 200 or (response.is_streamed and not response.direct_passthrough):
            return None
        headers = response.get_wsgi_headers(environ).to_wsgi_list()
        dates = [position for position, (name, _) in enumerate(headers) if name == "Date"]
        if len(dates) != 1 or any(name == "Expires" for name, _ in headers):  # a second clock (send_file's)
            return None
        if response.direct_passthrough:  # a file the build wrote (a sitemap): read once, then sent from memory
            with contextlib.closing(response):
                body = b"".join(response.response)
        else:
            body = response.get_data()
        sent = Sent(response.status, tuple(headers[:dates[0]]), tuple(headers[dates[0] + 1:]), body)
        self.sent.put(key, sent)
        return sent


@functools.lru_cache(maxsize=2)
def _date(second: int) -> str:
    return http_date(second)


def _now() -> str:
    """``Date`` as ``make_conditional`` writes it (whole seconds), formatted once a second."""
    return _date(int(time.time()))


def install(app) -> CachedAnswers:
    """Answer kept GETs before Flask; call after ``answer_cache.install`` and before ``limits.init_app``."""
    middleware = CachedAnswers(app.wsgi_app, app)
    app.wsgi_app = middleware
    app.extensions["ikpe_cached_answers"] = middleware
    return middleware


__all__ = ["CachedAnswers", "install"]
