"""The response cache shared by the server processes of a machine (``server/web/shared_cache.py``): an
answer rendered by one process is served by another (and after a restart) without running the view,
with the same bytes and headers; every release-only route (``http_caching.cacheable``) takes part;
degraded answers, other settings and other releases never match; bounded; removed with its release."""
from __future__ import annotations

import pytest

from server.kg.release import prune_releases
from server.release_steps import build
from server.settings import load_settings
from server.web import page_cache, resources
from server.web.app import create_app
from server.web.shared_cache import SharedCache, folder_size

DOC = ("/doc/project/thilik", {"Accept": "text/html"})
RELEASE_ONLY = [
    DOC,
    ("/doc/project/thilik", {"Accept": "text/turtle"}),
    ("/", {"Accept": "text/html"}),
    ("/?lang=en", {"Accept": "text/html"}),
    ("/list/project", {"Accept": "text/html", "Accept-Language": "en"}),
    ("/def/ikpe", {"Accept": "text/turtle"}),
    ("/catalog.ttl", {}),
    ("/list/project?page=1", {"Accept": "text/html"}),
    ("/overview", {}),
]


def _app(build_dir, cache_dir, **overrides):
    app = create_app(load_settings(build_dir=build_dir, response_cache_dir=str(cache_dir), **overrides))
    app.config["TESTING"] = True
    return app


def _answer(response):
    return response.status_code, sorted((k, v) for k, v in response.headers.items() if k != "Date"), \
        response.get_data()


def _refuse(*args, **kwargs):
    raise AssertionError("the view ran although another process had rendered this answer")


@pytest.fixture()
def cache_dir(tmp_path):
    return tmp_path / "responses"


def test_one_process_renders_the_others_serve(settings, cache_dir, monkeypatch):
    first, second = _app(settings.build_dir, cache_dir), _app(settings.build_dir, cache_dir)
    rendered = {}
    for path, headers in RELEASE_ONLY:
        rendered[path, str(headers)] = _answer(first.test_client().get(path, headers=headers))
        assert rendered[path, str(headers)][0] == 200, path
    # the second process (an empty per-process cache, as after a restart) runs no view at all
    monkeypatch.setattr(resources, "document", _refuse)
    monkeypatch.setattr(resources, "render_template", _refuse)
    client = second.test_client()
    for path, headers in RELEASE_ONLY:
        assert _answer(client.get(path, headers=headers)) == rendered[path, str(headers)], path
    assert second.extensions[page_cache.SHARED].hits >= len(RELEASE_ONLY)


def test_conditional_and_head_from_the_shared_cache(settings, cache_dir):
    first, second = _app(settings.build_dir, cache_dir), _app(settings.build_dir, cache_dir)
    for path, headers in RELEASE_ONLY[:6]:
        full = first.test_client().get(path, headers=headers)
        client = second.test_client()
        not_modified = client.get(path, headers={**headers, "If-None-Match": full.headers["ETag"]})
        assert not_modified.status_code == 304 and not not_modified.get_data(), path
        head = client.head(path, headers=headers)
        assert head.status_code == 200 and head.headers["ETag"] == full.headers["ETag"], path


def test_variants_are_kept_apart(settings, cache_dir):
    first, second = _app(settings.build_dir, cache_dir), _app(settings.build_dir, cache_dir)
    variants = [("/", {"Accept-Language": "de"}), ("/", {"Accept-Language": "en"}),
                ("/def/ikpe", {"Accept": "text/html"}), ("/def/ikpe", {"Accept": "text/turtle"}),
                ("/catalog", {"Accept": "text/turtle"}), ("/catalog", {"Accept": "application/rdf+xml"})]
    for path, headers in variants:
        first.test_client().get(path, headers=headers)
    for path, headers in variants:
        expected = first.test_client().get(path, headers=headers)
        assert _answer(second.test_client().get(path, headers=headers)) == _answer(expected), (path, headers)


def test_other_settings_never_match(settings, cache_dir):
    _app(settings.build_dir, cache_dir).test_client().get(DOC[0], headers=DOC[1])
    other = _app(settings.build_dir, cache_dir, page_size=3)
    other.test_client().get(DOC[0], headers=DOC[1])
    assert other.extensions[page_cache.SHARED].hits == 0
    release = other.extensions["ikpe_store"].snapshot().release().id
    assert len(list((cache_dir / release).iterdir())) == 2  # one folder per fingerprint of settings and code


def test_a_degraded_answer_is_not_shared(settings, cache_dir, monkeypatch):
    from server.store import StoreUnavailable
    from server.web import pictures

    def unavailable(*args, **kwargs):
        raise StoreUnavailable("the store timed out")

    monkeypatch.setattr(pictures, "_map", unavailable)
    degraded = _app(settings.build_dir, cache_dir).test_client().get(DOC[0], headers=DOC[1])
    assert degraded.status_code == 200 and "ikpe-figure-map" not in degraded.get_data(as_text=True)
    monkeypatch.undo()
    whole = _app(settings.build_dir, cache_dir).test_client().get(DOC[0], headers=DOC[1])
    assert "ikpe-figure-map" in whole.get_data(as_text=True)


def test_a_damaged_entry_is_a_miss(settings, cache_dir):
    first = _app(settings.build_dir, cache_dir)
    reference = _answer(first.test_client().get(DOC[0], headers=DOC[1]))
    for entry in cache_dir.rglob("*"):
        if entry.is_file() and entry.parent.parent.parent.name != ".endpoints":
            entry.write_bytes(b"not an entry")
    assert _answer(_app(settings.build_dir, cache_dir).test_client().get(DOC[0], headers=DOC[1])) == reference


def test_bounded_per_release(tmp_path):
    from server.web.page_cache import Entry

    cache = SharedCache(tmp_path, "f", max_bytes=50_000)
    entry = Entry(200, (("Content-Type", "text/html"),), b"x" * 4_000)
    kept = sum(cache.put(("r1", number), entry) for number in range(40))
    assert 0 < kept < 40
    assert folder_size(tmp_path / "r1") <= 50_000
    assert cache.get(("r1", 0)) == entry and cache.get(("r1", 39)) is None
    other_settings = SharedCache(tmp_path, "g", max_bytes=50_000)  # the bound is per release, all fingerprints
    assert not other_settings.put(("r1", 0), entry)


def test_old_releases_folders_are_removed(tmp_path):
    from server.web.page_cache import Entry

    entry = Entry(200, (), b"body")
    cache = SharedCache(tmp_path, "f", max_bytes=1_000_000)
    for release in ("r1", "r2", "r3"):
        assert cache.put((release, "page"), entry)
    # a new release removes all others but the newest one (requests pinned to it may still be running)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r2", "r3"]


def test_the_release_gc_removes_the_cache_of_releases_not_in_service(data_copy, tmp_path):
    settings = load_settings(data_dir=data_copy / "data", ontology_dir=data_copy / "ontology",
                             shapes_dir=data_copy / "shapes", build_dir=tmp_path / "build", response_cache_dir="")
    assert build(settings).ok
    app = create_app(settings)
    app.test_client().get(DOC[0], headers=DOC[1])
    first = app.extensions["ikpe_store"].snapshot().release().id
    assert (settings.build_dir / "responses" / first).is_dir()
    projects = data_copy / "data" / "projects.yaml"
    projects.write_text(projects.read_text(encoding="utf-8").replace("(ThILIK)", "(ThILIK-NEU)", 1), encoding="utf-8")
    assert build(settings).ok  # another release
    prune_releases(settings.build_dir, settings.keep_releases)
    assert not (settings.build_dir / "responses" / first).exists()


def test_another_process_serves_what_this_one_rendered(settings, cache_dir):
    import hashlib
    import json
    import os
    import subprocess
    import sys

    body = _app(settings.build_dir, cache_dir).test_client().get(DOC[0], headers=DOC[1]).get_data()
    child = ("import hashlib, json, sys\n"
             "from server.settings import load_settings\nfrom server.web.app import create_app\n"
             "from server.web import page_cache\n"
             "app = create_app(load_settings(build_dir=sys.argv[1], response_cache_dir=sys.argv[2]))\n"
             "page = app.test_client().get(sys.argv[3], headers={'Accept': 'text/html'}).get_data()\n"
             "print(json.dumps([hashlib.sha256(page).hexdigest(), app.extensions[page_cache.SHARED].hits]))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", child, str(settings.build_dir), str(cache_dir), DOC[0]], env=env,
                         capture_output=True, text=True, check=True, timeout=300).stdout
    digest, hits = json.loads(out.strip().splitlines()[-1])
    assert digest == hashlib.sha256(body).hexdigest() and hits == 1
