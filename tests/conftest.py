"""Shared fixtures: a release built once per test process from the real data, the app on it, a live
server on 127.0.0.1, a real headless Chromium (Debian's, driven by Playwright), and the real store
servers (Oxigraph server, Virtuoso), each started at most once per test process.

Markers (registered in pyproject.toml): tests that use the browser are marked ``browser`` and tests that
need a real store server ``store`` by the hook below; ``slow`` is set where a test is slow by nature
(load, restarts, fuzzing). A fast inner loop: ``pytest -m "not slow and not browser and not store"``.
With pytest-xdist (``make test``: ``-n auto --dist loadgroup``) the store tests share one test process
(``xdist_group("store")``), so the store servers start once per run; timed tests share ``"timing"``.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from server.release_steps import build
from server.settings import PROJECT_ROOT, load_settings
from server.web.app import create_app
from servers import CHROMIUM, CHROMIUM_ARGS, LiveServer
from stores import REMOTE_KINDS, StoreFarm

BROWSER_FIXTURES = {"browser", "page"}
# tests that monkeypatch a view must not get another test's answer from the machine-wide response cache
# (kept across apps in the build folder); tests/test_shared_cache.py turns it on where it is the point
os.environ.setdefault("IKPE_RESPONSE_CACHE_DIR", "off")
# publishing with IKPE_REMOTE_KEEP_RELEASES=0 (Virtuoso) waits for requests in flight: tests have none that long
os.environ.setdefault("IKPE_REMOTE_DRAIN_SECONDS", "0.5")


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if _needs_a_store_server(item, fixtures):
            item.add_marker(pytest.mark.store)
            if item.get_closest_marker("xdist_group") is None:  # one test process starts the store servers
                item.add_marker(pytest.mark.xdist_group("store"))
    return (yield)  # the other plugins: -m deselects, pytest-xdist reads the xdist_group markers


def _needs_a_store_server(item, fixtures: set[str]) -> bool:
    """A test run on a remote store kind, or one that takes the store farm without the embedded kind."""
    kinds = {value for value in getattr(getattr(item, "callspec", None), "params", {}).values()
             if isinstance(value, str)}
    if kinds & set(REMOTE_KINDS):
        return True
    return "store_farm" in fixtures and "embedded" not in kinds


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory) -> Path:
    """A release of the real source data, built once for the whole session."""
    target = tmp_path_factory.mktemp("build")
    outcome = build(load_settings(build_dir=target))
    assert outcome.ok, [str(p) for p in outcome.problems]
    return target


@pytest.fixture(scope="session")
def settings(build_dir):
    return load_settings(build_dir=build_dir)


@pytest.fixture(scope="session")
def app(settings):
    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def store(app):
    return app.extensions["ikpe_store"]


@pytest.fixture(scope="session")
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run `make test`, which installs Debian's chromium.")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def history(tmp_path_factory):
    """Three releases with changes between them (tests/history_builds.py); older release folders are
    pruned, so everything past is read from the release history."""
    from history_builds import three_releases

    return three_releases(tmp_path_factory.mktemp("history"), keep_releases=0)


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A writable copy of data/, ontology/ and shapes/ for tests that break the source data."""
    for name in ("data", "ontology", "shapes"):
        shutil.copytree(PROJECT_ROOT / name, tmp_path / name)
    return tmp_path


@pytest.fixture(scope="session")
def store_farm(tmp_path_factory):
    """The real store servers, each started when a test first asks for its kind (see ``stores.py``)."""
    farm = StoreFarm(tmp_path_factory)
    yield farm
    farm.close()
