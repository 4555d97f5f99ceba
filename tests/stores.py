"""Real stores for the tests: the embedded store, and private Oxigraph server and Virtuoso instances on
127.0.0.1 with the test build published to them.

The ``store_farm`` fixture (in ``conftest.py``, one farm per test process) hands them out. Use in a
test module::

    from stores import STORE_KINDS

    @pytest.fixture(scope="module", params=STORE_KINDS)
    def store_settings(request, store_farm, build_dir):
        return store_farm.settings(request.param, build_dir)

To run another suite over all stores, parametrise its ``settings`` fixture the same way (see
``docs/deployment.md``, "Testing against real stores"). ``IKPE_TEST_STORES=embedded,oxigraph-server``
narrows the kinds (default: all three).
"""
from __future__ import annotations

import os
import shutil

import pytest

from server.settings import load_settings
from server.store.publish import Publisher
from server.store.stores import OxigraphServer, StoreServer, StoreServerError, VirtuosoServer
from server.store.stores.oxigraph_server import oxigraph_binary
from server.store.stores.virtuoso import INSTALL as VIRTUOSO_INSTALL

ALL_KINDS = ("embedded", "oxigraph-server", "virtuoso")
STORE_KINDS = tuple(k.strip() for k in os.environ.get("IKPE_TEST_STORES", ",".join(ALL_KINDS)).split(",")
                    if k.strip())
REMOTE_KINDS = tuple(k for k in STORE_KINDS if k != "embedded")


def start_server(kind: str, folder) -> StoreServer:
    if kind == "oxigraph-server":
        try:
            oxigraph_binary()
        except StoreServerError:
            pytest.fail("The Oxigraph server is not installed: `pip install -e '.[stores]'` (make setup does it).")
        return OxigraphServer(folder).start()
    if kind == "virtuoso":
        if not shutil.which("virtuoso-t") or not shutil.which("isql-vt"):
            pytest.fail(f"Virtuoso is not installed: `{VIRTUOSO_INSTALL}` (make system-deps does it).")
        return VirtuosoServer(folder).start()
    raise ValueError(kind)


class StoreFarm:
    """Started servers, one per kind and session, each with the test build published once."""

    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory
        self.servers: dict[str, StoreServer] = {}
        self.published: set[tuple[str, str]] = set()

    def server(self, kind: str) -> StoreServer:
        if kind not in self.servers:
            self.servers[kind] = start_server(kind, self.tmp.mktemp(kind))
        return self.servers[kind]

    def settings(self, kind: str, build_dir, **overrides):
        if kind == "embedded":
            return load_settings(build_dir=build_dir, **overrides)
        server = self.server(kind)
        settings = load_settings(build_dir=build_dir, **server.settings(), **overrides)
        if (kind, str(build_dir)) not in self.published:
            Publisher(settings).publish()
            self.published.add((kind, str(build_dir)))
        return settings

    def close(self) -> None:
        for server in self.servers.values():
            server.stop()
