"""Structured logs: one JSON object per line on stderr (settings ``log_format``, ``log_level``).

The app's own loggers (``server.*``, which includes Flask's ``app.logger``) and the access log
(``ikpe.access``, written by :mod:`server.web.access_log`) go to one handler in the same form; an
unhandled exception is logged with its traceback in ``"exception"`` — in the log only, never in a
response. The remote store's password is masked wherever it would appear in a message.

Process-wide, so set up by the entry points (``ikpe-lod serve``, ``deploy/gunicorn.conf.py``), not
by ``create_app``.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys

ACCESS_LOGGER = "ikpe.access"
APP_LOGGERS = ("server", "ikpe")
_MARK = "_ikpe_structured"


class _Masking:
    def __init__(self, secrets=()):
        self.secrets = [s for s in secrets if s]

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


class JsonFormatter(_Masking, logging.Formatter):
    """A log record as one line of JSON; ``extra={"fields": {...}}`` adds fields."""

    def __init__(self, secrets=()):
        logging.Formatter.__init__(self)
        _Masking.__init__(self, secrets)

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


class TextFormatter(_Masking, logging.Formatter):
    def __init__(self, secrets=()):
        logging.Formatter.__init__(self, "%(asctime)s %(levelname)s %(name)s %(message)s")
        _Masking.__init__(self, secrets)

    def format(self, record):
        fields = getattr(record, "fields", None)
        if fields:
            record.msg, record.args = " ".join(f"{k}={v}" for k, v in fields.items()), ()
        return self._mask(super().format(record))


FORMATTERS = {"json": JsonFormatter, "text": TextFormatter}


def configure(settings, stream=None) -> logging.Handler:
    """Route the app's loggers and the access log to one structured handler (idempotent: a second
    call replaces the handler of the first)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(FORMATTERS[settings.log_format]([settings.remote_password]))
    setattr(handler, _MARK, True)
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, _MARK, False)]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(settings.log_level)
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
