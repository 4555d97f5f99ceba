"""Structured logs: one JSON object per line on stderr (settings ``log_format``, ``log_level``).

Access log (logger ``ikpe.access``), one line per request, written when the last byte was sent::

    {"time": "2026-11-25T11:40:02.123Z", "level": "INFO", "logger": "ikpe.access", "event": "request",
     "method": "GET", "path": "/doc/project/thilik", "query_chars": 0, "status": 200, "bytes": 5120,
     "duration_ms": 12.4, "release": "20261125T103000Z-1a2b3c4d", "client": "203.0.113.9",
     "user_agent": "curl/8.5", "pid": 4242}

The query string is *not* logged at INFO (it can hold a whole SPARQL query or a search term): only
its length. At DEBUG the query string of ``/sparql`` requests is logged as a separate line, cut at
2,000 characters. Request bodies, cookies and ``Authorization`` are never logged; the remote store's
password is masked wherever it would appear in a message.

Error log: the app's own loggers (``server.*``, which includes Flask's ``app.logger``) in the same
JSON form; an unhandled exception is logged with its traceback in ``"exception"`` — in the log only,
never in a response.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import time

from .wsgi_body import FinishingBody

ACCESS_LOGGER = "ikpe.access"
APP_LOGGERS = ("server", "ikpe")
MAX_FIELD = 300
DEBUG_QUERY_CHARS = 2000
_MARK = "_ikpe_structured"


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON; ``extra={"fields": {...}}`` adds fields."""

    def __init__(self, secrets=()):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def format(self, record: logging.LogRecord) -> str:
        when = dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
        entry = {"time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                 "level": record.levelname, "logger": record.name}
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        else:
            entry["message"] = self._mask(record.getMessage())
        if record.exc_info:
            entry["exception"] = self._mask(self.formatException(record.exc_info))
        entry.setdefault("pid", record.process)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self, secrets=()):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.secrets = [s for s in secrets if s]

    def format(self, record):
        fields = getattr(record, "fields", None)
        if fields:
            record.msg, record.args = " ".join(f"{k}={v}" for k, v in fields.items()), ()
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def _client(environ, trust_forwarded: bool) -> str:
    from .web.limits import client_address

    return client_address(environ, trust_forwarded)


def _clip(value: str) -> str:
    return value if len(value) <= MAX_FIELD else value[:MAX_FIELD] + "…"


def _release_of_request(app) -> str | None:
    """The release the request was answered from, if the store knows it without a new query."""
    from flask import g

    store = app.extensions.get("ikpe_store")
    try:
        if hasattr(store, "snapshot"):  # embedded: reading the current link is cheap
            return store.release().id
        cached = g.get("ikpe_remote_release")  # remote: only what the request already fetched
        return cached[0].id if cached else None
    except Exception:  # noqa: BLE001 — no release yet, store down: log without one
        return None


class AccessLog:
    """WSGI middleware: one access-log line per request, when the response is finished."""

    def __init__(self, wsgi_app, trust_forwarded: bool):
        self.wsgi_app, self.trust_forwarded = wsgi_app, trust_forwarded
        self.logger = logging.getLogger(ACCESS_LOGGER)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        state = {"status": None, "bytes": 0}

        def recording_start_response(status, headers, exc_info=None):
            state["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        def finish():
            query = environ.get("QUERY_STRING", "")
            path = environ.get("PATH_INFO", "")
            try:
                path = path.encode("latin-1").decode("utf-8", "replace")
            except UnicodeError:
                pass
            fields = {"event": "request", "method": environ.get("REQUEST_METHOD"), "path": _clip(path),
                      "query_chars": len(query), "status": state["status"], "bytes": state["bytes"],
                      "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                      "release": environ.get("ikpe.release"),
                      "client": _client(environ, self.trust_forwarded),
                      "user_agent": _clip(environ.get("HTTP_USER_AGENT", ""))}
            if environ.get("ikpe.limited"):
                fields["limited"] = environ["ikpe.limited"]
            level = logging.ERROR if (state["status"] or 500) >= 500 else logging.INFO
            self.logger.log(level, "request", extra={"fields": fields})
            if path.rstrip("/") == "/sparql" and query and self.logger.isEnabledFor(logging.DEBUG):
                self.logger.debug("sparql query", extra={"fields": {
                    "event": "sparql-query", "query_string": query[:DEBUG_QUERY_CHARS]}})

        try:
            iterable = self.wsgi_app(environ, recording_start_response)
        except BaseException:
            state["status"] = 500
            finish()
            raise

        def count(chunk: bytes) -> None:
            state["bytes"] += len(chunk)

        return FinishingBody(iterable, finish, count)  # logged when the body is done, even without close()


def configure(settings, stream=None) -> logging.Handler:
    """Route the app's loggers and the access log to one structured handler (idempotent)."""
    secrets = [getattr(settings, "remote_password", "")]
    formatter = (TextFormatter(secrets) if getattr(settings, "log_format", "json") == "text"
                 else JsonFormatter(secrets))
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    setattr(handler, _MARK, True)
    level = getattr(logging, str(getattr(settings, "log_level", "INFO")).upper(), logging.INFO)
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, _MARK, False)]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    return handler


def reset() -> None:
    """Undo :func:`configure` (tests): the app's loggers propagate to the root logger again."""
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, _MARK, False)]:
            logger.removeHandler(old)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True


def init_app(app, stream=None) -> logging.Handler:
    """Structured logs for ``app``. Call it after ``limits.init_app`` so that 429s are logged too."""
    from flask import request
    from flask.logging import default_handler

    settings = app.config["SETTINGS"]
    handler = configure(settings, stream)
    app.logger.removeHandler(default_handler)  # the app logger (``server.web.app``) uses ours
    if app.extensions.get("ikpe_logging"):  # already wired: only the handler (stream) changes
        return handler
    app.extensions["ikpe_logging"] = True

    @app.after_request
    def remember_release(response):
        request.environ["ikpe.release"] = _release_of_request(app)
        return response

    app.wsgi_app = AccessLog(app.wsgi_app, settings.limit_trust_forwarded)
    return handler
