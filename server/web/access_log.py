"""Access log (logger ``ikpe.access``): one line per request, written when the last byte was sent::

    {"time": "2026-11-25T11:40:02.123Z", "level": "INFO", "logger": "ikpe.access", "event": "request",
     "method": "GET", "path": "/doc/project/thilik", "query_chars": 0, "status": 200, "bytes": 5120,
     "duration_ms": 12.4, "release": "20261125T103000Z-1a2b3c4d", "client": "203.0.113.9",
     "user_agent": "curl/8.5", "pid": 4242}

The query string is *not* logged at INFO (it can hold a whole SPARQL query or a search term): only
its length. At DEBUG the query string of ``/sparql`` requests is logged as a separate line, cut at
2,000 characters. Request bodies, cookies and ``Authorization`` are never logged. Where the lines go
and in which form is set up by the entry points (:func:`server.logging_setup.configure`).
"""
from __future__ import annotations

import logging
import time

from flask import Flask, request

from ..logging_setup import ACCESS_LOGGER
from .limits import client_address
from .store_access import answered_release_id
from .wsgi_body import FinishingBody

MAX_FIELD = 300
DEBUG_QUERY_CHARS = 2000
RELEASE_KEY = "ikpe.release"  # WSGI environ: the release the request was answered from
LIMITED_KEY = "ikpe.limited"  # WSGI environ: why the limits refused the request (server.web.limits)


def _clip(value: str) -> str:
    return value if len(value) <= MAX_FIELD else value[:MAX_FIELD] + "…"


def _path(environ) -> str:
    path = environ.get("PATH_INFO", "")
    try:
        return path.encode("latin-1").decode("utf-8", "replace")
    except UnicodeError:
        return path


class _Request:
    """What is known of one request while its answer is sent."""

    def __init__(self, environ):
        self.environ, self.started = environ, time.perf_counter()
        self.status: int | None = None
        self.bytes = 0

    def count(self, chunk: bytes) -> None:
        self.bytes += len(chunk)

    def fields(self, trust_forwarded: bool) -> dict:
        environ = self.environ
        fields = {"event": "request", "method": environ.get("REQUEST_METHOD"), "path": _clip(_path(environ)),
                  "query_chars": len(environ.get("QUERY_STRING", "")), "status": self.status, "bytes": self.bytes,
                  "duration_ms": round((time.perf_counter() - self.started) * 1000, 1),
                  "release": environ.get(RELEASE_KEY), "client": client_address(environ, trust_forwarded),
                  "user_agent": _clip(environ.get("HTTP_USER_AGENT", ""))}
        if environ.get(LIMITED_KEY):
            fields["limited"] = environ[LIMITED_KEY]
        return fields


class AccessLog:
    """WSGI middleware: one access-log line per request, when the response is finished."""

    def __init__(self, wsgi_app, trust_forwarded: bool):
        self.wsgi_app, self.trust_forwarded = wsgi_app, trust_forwarded
        self.logger = logging.getLogger(ACCESS_LOGGER)

    def __call__(self, environ, start_response):
        current = _Request(environ)

        def recording_start_response(status, headers, exc_info=None):
            current.status = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            iterable = self.wsgi_app(environ, recording_start_response)
        except BaseException:
            current.status = 500
            self.write(current)
            raise
        # logged when the body is done, even without close()
        return FinishingBody(iterable, lambda: self.write(current), current.count)

    def write(self, current: _Request) -> None:
        fields = current.fields(self.trust_forwarded)
        level = logging.ERROR if (current.status or 500) >= 500 else logging.INFO
        self.logger.log(level, "request", extra={"fields": fields})
        query = current.environ.get("QUERY_STRING", "")
        if fields["path"].rstrip("/") == "/sparql" and query and self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug("sparql query", extra={"fields": {
                "event": "sparql-query", "query_string": query[:DEBUG_QUERY_CHARS]}})


def _remember_release(response):
    try:
        request.environ[RELEASE_KEY] = answered_release_id()
    except Exception:  # noqa: BLE001 — no release yet, store down: log without one
        request.environ[RELEASE_KEY] = None
    return response


def init_app(app: Flask) -> None:
    """Log every request of ``app``. Call it after ``limits.init_app`` so that 429s are logged too."""
    app.after_request(_remember_release)
    app.wsgi_app = AccessLog(app.wsgi_app, app.config["SETTINGS"].limit_trust_forwarded)
