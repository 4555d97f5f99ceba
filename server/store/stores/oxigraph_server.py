"""A private Oxigraph server (``oxigraph serve`` from the PyPI package ``oxigraph``).

Read-write on 127.0.0.1 (the app and ``ikpe-lod publish`` are its only clients). No ``--timeout-s``:
in Oxigraph 0.5 it kept a thread per query for the whole timeout and crashed under load; the app's
own read timeout bounds the wait instead.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .base import StoreServer, StoreServerError, free_port


def oxigraph_binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise StoreServerError("The Oxigraph server is not installed: `pip install oxigraph` (the `stores` extra).")
    return found


class OxigraphServer(StoreServer):
    name = "oxigraph-server"

    def __init__(self, folder: Path, port: int | None = None):
        super().__init__(folder)
        self.binary = oxigraph_binary()
        self.port = port or free_port()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base_url + "/query"

    def command(self) -> list[str]:
        return [self.binary, "serve", "--location", str(self.folder / "db"), "--bind", f"127.0.0.1:{self.port}"]

    def settings(self) -> dict:
        return {"store": "remote", "remote_query_url": self.query_url, "remote_update_url": self.base_url + "/update",
                "remote_graph_store_url": self.base_url + "/store", "remote_user": "", "remote_password": ""}

    def version(self) -> str:
        return subprocess.run([self.binary, "--version"], capture_output=True, text=True).stdout.strip()
