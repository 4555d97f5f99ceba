"""Rebuild while serving on a remote store: the production server command (gunicorn) on a real Oxigraph
server started on 127.0.0.1, clients reading for a few seconds while ``ikpe-lod build`` and
``ikpe-lod publish`` put a release with a changed label into the store: 0 failed requests, every answer
wholly from the old or wholly from the new release (the release named by the ETag / ``Link`` / JSON
``release`` matches the label in the body; never two labels), and afterwards the new label is served.

The embedded-store case is ``tests/test_reliability_load.py::test_rebuild_while_serving``; this module
reuses its clients and checks.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
from stores import REMOTE_KINDS, start_server

from server.settings import PROJECT_ROOT, load_settings
from server.store.publish import Publisher
from server.store.remote import RemoteStore
from tests.test_reliability_load import Checker, Gunicorn, cli_build, set_label

pytestmark = [pytest.mark.slow, pytest.mark.store, pytest.mark.xdist_group("timing")]  # timed: one after another


def cli_publish(build, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", "--build-dir", str(build), "publish"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, COLUMNS="200", **env))


@pytest.mark.skipif("oxigraph-server" not in REMOTE_KINDS, reason="IKPE_TEST_STORES leaves out oxigraph-server")
def test_remote_publish_while_serving(data_copy, tmp_path):
    data, build = data_copy / "data", tmp_path / "build"
    server = start_server("oxigraph-server", tmp_path / "oxigraph")
    try:
        remote = {f"IKPE_{k.upper()}": str(v) for k, v in server.settings().items()}
        settings = load_settings(build_dir=build, **server.settings())
        label_of = {}
        set_label(data, 1)
        assert cli_build(data, build).returncode == 0
        first = Publisher(settings).publish()
        label_of[first.release] = "1"

        with Gunicorn(build, data, **remote) as app:
            checker = Checker(app.url)
            threads = [threading.Thread(target=checker.loop, args=(n,)) for n in range(4)]
            for thread in threads:
                thread.start()
            try:
                time.sleep(1.0)
                set_label(data, 2)
                # the build switches build/current locally: the app keeps serving the store's release
                result = cli_build(data, build)
                assert result.returncode == 0, result.stdout + result.stderr
                built = os.readlink(build / "current").rsplit("/", 1)[-1]
                label_of[built] = "2"
                time.sleep(1.0)
                before_publish = len(checker.seen)
                result = cli_publish(build, remote)
                assert result.returncode == 0, result.stdout + result.stderr
                assert "Published" in result.stdout, result.stdout
                assert RemoteStore(settings).release().id == built
                time.sleep(1.5)
            finally:
                checker.stop.set()
                for thread in threads:
                    thread.join(timeout=60)
            log = app.output()
    finally:
        server.stop()

    print(f"{checker.count} checked requests; releases {sorted(label_of.items())}")
    assert not checker.problems, checker.problems[:10]
    assert checker.count >= 40, "the load was too light to mean anything"
    assert "Traceback" not in log, log

    mixed = []
    for what, release, mark in checker.seen:
        if "," in mark or not mark:
            mixed.append((what, release, mark))  # two labels (or none) in one answer
        elif release and label_of.get(release) != mark:
            mixed.append((what, release, mark))  # the body is not from the release it names
    assert not mixed, f"answers mixing releases: {mixed[:10]}"

    # the local build alone changed nothing that is served: the store's pointer decides
    assert all(mark == "1" for _, _, mark in checker.seen[:before_publish]), \
        [s for s in checker.seen[:before_publish] if s[2] != "1"][:10]
    by_kind = {}
    for what, release, mark in checker.seen:
        by_kind.setdefault(what, set()).add(mark)
    for kind in ("ttl", "html", "sparql", "dump"):
        assert by_kind[kind] == {"1", "2"}, f"the switch was not seen under load: {by_kind}"
    # afterwards the new data is served
    assert checker.last_ttl["labels"] == {"Dr. Viviane Vidot Fassung2"}


@pytest.mark.skipif("oxigraph-server" not in REMOTE_KINDS, reason="IKPE_TEST_STORES leaves out oxigraph-server")
def test_remote_query_results_are_freed_on_the_request_thread(store_farm, build_dir):  # noqa: F811
    """pyoxigraph's query results may only be dropped on the thread that made them; a request thread's
    frame kept in a reference cycle (the SPARQL parser's caught exceptions reach it) must not hold them,
    or the cyclic GC frees them on another thread and logs a RuntimeError traceback (seen under load)."""
    import gc

    from server.web.app import create_app

    app = create_app(store_farm.settings("oxigraph-server", build_dir))
    query = ("SELECT ?l WHERE { <https://lod.ikpe-erfurt.de/id/person/viviane-vidot> "
             "<http://www.w3.org/2000/01/rdf-schema#label> ?l }")
    statuses, unraisable = [], []

    def request():
        for accept in ("application/sparql-results+json", "text/turtle"):
            q = query if accept.endswith("json") else query.replace("SELECT ?l WHERE", "CONSTRUCT WHERE")
            statuses.append(app.test_client().get("/sparql", query_string={"query": q},
                                                  headers={"Accept": accept}).status_code)

    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    gc.disable()
    try:
        thread = threading.Thread(target=request)
        thread.start()
        thread.join(60)
        gc.collect()  # on this thread, not the request's
    finally:
        gc.enable()
        sys.unraisablehook = hook
    assert statuses == [200, 200]
    assert not [u for u in unraisable if "thread" in str(u.exc_value)], [str(u.exc_value) for u in unraisable]
