"""The SPARQL query processes of one app (:class:`server.sparql.engine.QueryEngine`), and the warm-up
that opens the release and starts them before the first request needs them."""
from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask

from ..sparql.engine import QueryEngine
from ..sparql.service import config
from ..store import PublicQueryPaths
from .store_access import store_of

EXTENSION = "ikpe_sparql_engine"
_lock = threading.Lock()


def engine_of(app: Flask, folder: Path) -> QueryEngine:
    """The app's query processes, started (preloading the release in ``folder``) at the first call."""
    engine = app.extensions.get(EXTENSION)
    if engine is None:
        with _lock:
            engine = app.extensions.get(EXTENSION)
            if engine is None:
                settings = app.config["SETTINGS"]
                engine = QueryEngine(config(settings), str(folder), workers=settings.sparql_workers,
                                     isolate=not settings.sparql_federation_allow)
                app.extensions[EXTENSION] = engine
    return engine


def engine_started(app: Flask) -> bool:
    return EXTENSION in app.extensions


def close_engine(app: Flask) -> None:
    """Stop the query processes this app started (a gunicorn worker that exits)."""
    engine = app.extensions.get(EXTENSION)
    if engine is not None:
        engine.close()


class _StartEngine(PublicQueryPaths[None]):
    def __init__(self, app: Flask):
        self.app = app

    def in_worker_processes(self, folder: Path) -> None:
        engine_of(self.app, folder)

    def through_the_store(self, sparql) -> None:
        """The remote store answers public queries itself: no processes to start."""


def warm_up(app: Flask) -> None:
    """Open the release in service and start the query processes (where the store needs them) now,
    instead of at the first request; a store that is not there yet is opened later, as usual."""
    try:
        store_of(app).snapshot().dispatch_public_query(_StartEngine(app))
    except Exception as error:  # noqa: BLE001 — the requests will report it
        app.logger.warning("warm-up failed: %r", error)


def warm_up_in_background(app: Flask) -> None:
    """:func:`warm_up` in a daemon thread, so the server answers meanwhile (the CLI's ``serve``, each
    gunicorn worker, and the query UI when a person is about to query)."""
    threading.Thread(target=warm_up, args=(app,), name="ikpe-warm-up", daemon=True).start()
