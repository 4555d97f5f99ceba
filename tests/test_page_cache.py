"""The per-process cache of rendered resource documents (``server/web/page_cache.py``): it never changes
an answer — same bytes and headers as without it, 304 and HEAD as before, bounded, and never an old
release's page after a build switches ``build/current``."""
from __future__ import annotations

import pytest

from server.release_steps import build
from server.settings import load_settings
from server.web import page_cache
from server.web.app import create_app

REQUESTS = [
    ("/doc/project/thilik", {"Accept": "text/html"}),
    ("/doc/project/thilik", {"Accept": "text/html", "Accept-Language": "en"}),
    ("/doc/project/thilik?lang=en", {"Accept": "text/html"}),
    ("/doc/project/thilik", {"Accept": "text/turtle"}),
    ("/doc/project/thilik", {"Accept": "application/ld+json"}),
    ("/doc/project/thilik.ttl", {}),
    ("/doc/project/thilik.nt", {"Accept": "text/html"}),
    ("/doc/project/thilik?format=jsonld", {}),
    ("/doc/gebietskoerperschaft/16051", {"Accept": "text/html"}),
    ("/doc/gebietskoerperschaft/16051?page=2", {"Accept": "text/html"}),
    ("/doc/person/stefan-huber", {"Accept": "application/rdf+xml"}),
]


def _app(settings, mb):
    app = create_app(load_settings(build_dir=settings.build_dir, page_cache_mb=mb))
    app.config["TESTING"] = True
    return app


def _answer(response):
    headers = sorted((k, v) for k, v in response.headers.items() if k != "Date")
    return response.status_code, headers, response.get_data()


@pytest.fixture(scope="module")
def cached_app(settings):
    return _app(settings, 64)


@pytest.fixture(scope="module")
def uncached_app(settings):
    return _app(settings, 0)


def test_cached_answers_are_identical_to_uncached_ones(cached_app, uncached_app):
    cached, uncached = cached_app.test_client(), uncached_app.test_client()
    cache = cached_app.extensions[page_cache.EXTENSION]
    for path, headers in REQUESTS:
        reference = _answer(uncached.get(path, headers=headers))
        assert reference[0] == 200, path
        first = _answer(cached.get(path, headers=headers))
        hits = cache.hits
        second = _answer(cached.get(path, headers=headers))
        assert cache.hits == hits + 1, f"{path}: the second request was not served from the cache"
        assert first == reference, path
        assert second == reference, path
        names = {name for name, _ in second[1]}
        assert {"ETag", "Link", "Cache-Control", "Content-Type", "Last-Modified"} <= names, path
        negotiated = "." not in path.rsplit("/", 1)[-1] and "format=" not in path
        vary = {v.strip().lower() for v in dict(second[1]).get("Vary", "").split(",")}
        assert ("accept" in vary) == negotiated and "accept-datetime" in vary, path  # Memento: a TimeGate too
        assert ("accept-language" in vary) == ("text/html" in dict(second[1])["Content-Type"]), path
    assert len(uncached_app.extensions[page_cache.EXTENSION]) == 0


def test_negotiated_variants_are_kept_apart(cached_app):
    client = cached_app.test_client()
    for _ in range(2):
        html = client.get("/doc/project/thilik", headers={"Accept": "text/html"})
        turtle = client.get("/doc/project/thilik", headers={"Accept": "text/turtle"})
        english = client.get("/doc/project/thilik?lang=en", headers={"Accept": "text/html"})
        assert html.mimetype == "text/html" and turtle.mimetype == "text/turtle"
        assert html.headers["ETag"] != turtle.headers["ETag"] != english.headers["ETag"]
        assert 'lang="de"' in html.get_data(as_text=True) and 'lang="en"' in english.get_data(as_text=True)


def test_conditional_get_and_head_from_the_cache(cached_app, uncached_app):
    client, reference = cached_app.test_client(), uncached_app.test_client()
    for path, headers in REQUESTS[:6]:
        full = client.get(path, headers=headers)
        client.get(path, headers=headers)  # now certainly cached
        etag = full.headers["ETag"]
        not_modified = client.get(path, headers={**headers, "If-None-Match": etag})
        assert not_modified.status_code == 304 and not not_modified.get_data(), path
        assert not_modified.headers["ETag"] == etag
        assert reference.get(path, headers={**headers, "If-None-Match": etag}).status_code == 304
        stale = client.get(path, headers={**headers, "If-None-Match": 'W/"other"'})
        assert stale.status_code == 200 and stale.get_data() == full.get_data()
        head = client.head(path, headers=headers)
        assert head.status_code == 200 and not head.get_data()
        assert _answer(head)[1] == _answer(reference.head(path, headers=headers))[1]


def test_errors_redirects_and_unknown_resources_are_not_kept(cached_app):
    client = cached_app.test_client()
    cache = cached_app.extensions[page_cache.EXTENSION]
    before = len(cache)
    assert client.get("/doc/project/does-not-exist").status_code == 404
    assert client.get("/doc/project/thilik.xyz").status_code == 404
    assert client.get("/doc/project/thilik", headers={"Accept": "image/png"}).status_code == 406
    assert len(cache) == before


def test_bounded_by_bytes_and_by_count():
    cache = page_cache.PageCache(max_bytes=10_000, max_entries=3)
    entry = page_cache.Entry(200, (("Content-Type", "text/html"),), b"x" * 2_000)
    for number in range(3):
        cache.put(("r", number), entry)
    assert len(cache) == 3
    cache.get(("r", 0))  # recently used: stays
    cache.put(("r", 3), entry)
    assert len(cache) == 3 and cache.get(("r", 1)) is None and cache.get(("r", 0)) is not None
    small = page_cache.PageCache(max_bytes=6_000)  # an entry counts 2,000 + headers + 512
    for number in range(10):
        small.put(("r", number), entry)
        assert small.bytes <= 6_000
    assert len(small) == 2 and small.get(("r", 9)) is not None and small.get(("r", 0)) is None
    assert not small.put(("big",), page_cache.Entry(200, (), b"x" * 7_000))  # larger than the whole cache
    assert small.bytes <= 6_000


def test_bound_holds_in_the_app(settings):
    app = _app(settings, 64)
    limit = 40_000
    app.extensions[page_cache.EXTENSION] = page_cache.PageCache(max_bytes=limit)
    cache = app.extensions[page_cache.EXTENSION]
    client = app.test_client()
    for path, headers in REQUESTS:
        assert client.get(path, headers=headers).status_code == 200
        assert cache.bytes <= limit
        assert cache.bytes == sum(e.size for e in cache._entries.values())
    assert 0 < len(cache) < len(REQUESTS)


def test_disabled_with_zero(uncached_app):
    cache = uncached_app.extensions[page_cache.EXTENSION]
    assert not cache.enabled
    client = uncached_app.test_client()
    for _ in range(2):
        assert client.get("/doc/project/thilik").status_code == 200
    assert len(cache) == 0 and cache.hits == 0


def test_a_new_release_is_never_answered_from_the_old_ones_pages(data_copy, tmp_path):
    settings = load_settings(data_dir=data_copy / "data", ontology_dir=data_copy / "ontology",
                             shapes_dir=data_copy / "shapes", build_dir=tmp_path / "build")
    outcome = build(settings)
    assert outcome.ok, [str(p) for p in outcome.problems]
    app = create_app(settings)
    app.config["TESTING"] = True
    client = app.test_client()
    cache = app.extensions[page_cache.EXTENSION]
    variants = [("/doc/project/thilik", {"Accept": "text/html"}), ("/doc/project/thilik.ttl", {})]
    old = {}
    for path, headers in variants:
        for _ in range(2):
            old[path] = client.get(path, headers=headers)
        assert "ThILIK" in old[path].get_data(as_text=True)
    assert cache.hits >= 2

    projects = data_copy / "data" / "projects.yaml"
    text = projects.read_text(encoding="utf-8")
    projects.write_text(text.replace("in den Kommunen (ThILIK)", "in den Kommunen (ThILIK-NEU)", 1), encoding="utf-8")
    outcome = build(settings)
    assert outcome.ok, [str(p) for p in outcome.problems]

    for path, headers in variants:
        new = client.get(path, headers=headers)
        assert new.status_code == 200
        assert "ThILIK-NEU" in new.get_data(as_text=True), f"{path}: the old release's page was served"
        assert new.headers["ETag"] != old[path].headers["ETag"]
        # the client's copy of the old release is not confirmed as current
        assert client.get(path, headers={**headers, "If-None-Match": old[path].headers["ETag"]}).status_code == 200


def test_a_page_with_a_degraded_part_is_not_kept(settings, monkeypatch):
    from server.store import StoreUnavailable
    from server.web import pictures

    app = _app(settings, 64)
    cache = app.extensions[page_cache.EXTENSION]

    def unavailable(*args, **kwargs):
        raise StoreUnavailable("the store timed out")

    monkeypatch.setattr(pictures, "_map", unavailable)
    client = app.test_client()
    degraded = client.get("/doc/project/thilik", headers={"Accept": "text/html"})
    assert degraded.status_code == 200 and "ikpe-figure-map" not in degraded.get_data(as_text=True)
    assert len(cache) == 0
    monkeypatch.undo()
    whole = client.get("/doc/project/thilik", headers={"Accept": "text/html"})
    assert "ikpe-figure-map" in whole.get_data(as_text=True) and len(cache) == 1
