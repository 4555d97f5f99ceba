"""Servers the tests start themselves: the app on a werkzeug server on 127.0.0.1 (a free port, so that
test processes running side by side never meet), and Debian's Chromium for the browser tests.

The fixtures that use them live in ``conftest.py``; test modules import the helpers from here
(``from servers import LiveServer``), never from ``conftest``."""
from __future__ import annotations

import shutil
import threading

from werkzeug.serving import make_server

from server.store.stores.base import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "LiveServer", "free_port"]


class LiveServer:
    """``app`` served by a threaded werkzeug server on a free port of 127.0.0.1 (a context manager)."""

    def __init__(self, app):
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
