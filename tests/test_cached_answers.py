"""Kept answers of the release sent before Flask (``server/web/cached_answers.py``): for every route
that depends only on the release, the answer sent without Flask is the Flask path's answer (status,
headers in order, body), for GET, HEAD and conditional requests; a release switch is never answered
from the old release's entries; the access log and the per-client limits see these requests too."""
from __future__ import annotations

import logging

import pytest

from server.release_steps import build
from server.settings import load_settings
from server.web import cached_answers
from server.web.app import create_app

HTML = {"Accept": "text/html"}
ROUTES = [
    ("/", HTML),
    ("/?lang=en", HTML),
    ("/overview", {"Accept-Language": "en"}),
    ("/list/project", HTML),
    ("/list/project?page=1&order=desc", {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}),
    ("/catalog", HTML),
    ("/catalog", {"Accept": "text/turtle"}),
    ("/catalog", {"Accept": "application/rdf+xml"}),
    ("/catalog", {"Accept": "application/ld+json"}),
    ("/catalog", {"Accept": "application/n-triples"}),
    ("/catalog.ttl", {}),
    ("/.well-known/void", {}),
    ("/fragments?predicate=rdf%3Atype", {"Accept": "application/n-quads"}),
    ("/fragments?object=ikpe%3AProject&lang=en", HTML),
    ("/def/ikpe", HTML),
    ("/def/ikpe", {"Accept": "text/turtle"}),
    ("/sitemap.xml", {}),
    ("/doc/project/thilik", HTML),
    ("/doc/project/thilik", {"Accept": "text/turtle"}),
    ("/doc/project/thilik.ttl", {}),
    ("/pictures/map.svg", {}),
]
ORIGIN = {"Origin": "https://harvester.example"}


def _app(build_dir, cache_dir, **overrides):
    app = create_app(load_settings(build_dir=build_dir, response_cache_dir=str(cache_dir), **overrides))
    app.config["TESTING"] = True
    return app


def _flask_only(app):
    """The app with the middleware passing everything on: the Flask path, for comparison."""
    app.extensions["ikpe_cached_answers"].active = False
    return app


def _answer(response):
    """Status, headers in the order sent (without the clocks: Date, and Expires of the sitemap), body."""
    return response.status_code, [(k, v) for k, v in response.headers.items() if k not in ("Date", "Expires")], \
        response.get_data()


def _served(app) -> int:
    return app.extensions["ikpe_cached_answers"].served


@pytest.fixture()
def cache_dir(tmp_path):
    return tmp_path / "responses"


@pytest.mark.parametrize("cors", ["*", "https://harvester.example"])
def test_the_same_answer_with_and_without_flask(settings, cache_dir, cors):
    flask_path, fast_path = (_flask_only(_app(settings.build_dir, cache_dir, cors_origins=cors)),
                             _app(settings.build_dir, cache_dir, cors_origins=cors))
    for path, headers in ROUTES:
        for request_headers in (headers, {**headers, **ORIGIN}):
            flask_path.test_client().get(path, headers=request_headers)  # rendered once, kept
            expected = _answer(flask_path.test_client().get(path, headers=request_headers))
            assert expected[0] == 200, path
            served = _served(fast_path)
            assert _answer(fast_path.test_client().get(path, headers=request_headers)) == expected, \
                (path, request_headers)
            assert _served(fast_path) == served + 1, f"{path} {request_headers} went through Flask"
            again = fast_path.test_client().get(path, headers=request_headers)  # as sent before
            assert _answer(again) == expected and _served(fast_path) == served + 2, (path, request_headers)
            head = fast_path.test_client().head(path, headers=request_headers)
            assert _answer(head) == _answer(flask_path.test_client().head(path, headers=request_headers))
            assert head.status_code == 200 and head.get_data() == b""


def test_conditional_requests_answer_304_with_the_same_etag(settings, cache_dir):
    flask_path, fast_path = _flask_only(_app(settings.build_dir, cache_dir)), _app(settings.build_dir, cache_dir)
    for path, headers in ROUTES:
        etag = flask_path.test_client().get(path, headers=headers).headers["ETag"]
        conditional = {**headers, "If-None-Match": etag}
        expected = _answer(flask_path.test_client().get(path, headers=conditional))
        served = _served(fast_path)
        not_modified = fast_path.test_client().get(path, headers=conditional)
        assert _served(fast_path) == served + 1, path
        assert not_modified.status_code == 304 and not_modified.headers["ETag"] == etag, path
        assert _answer(not_modified) == expected, path
        other = fast_path.test_client().get(path, headers={**headers, "If-None-Match": 'W/"another"'})
        assert other.status_code == 200 and other.get_data(), path


def test_what_is_not_kept_goes_to_flask(settings, cache_dir):
    app = _app(settings.build_dir, cache_dir)
    client = app.test_client()
    client.get("/", headers=HTML)
    client.get("/doc/project/thilik", headers=HTML)
    served = _served(app)
    dated = client.get("/doc/project/thilik", headers={**HTML, "Accept-Datetime": "Thu, 01 Jan 2026 00:00:00 GMT"})
    assert dated.status_code in (200, 302)  # Memento's TimeGate decides (server/web/memento.py)
    assert client.get("/list/project%zz").status_code == 400  # the URL checks stay Flask's
    assert client.get("/?lang=en", headers=HTML).status_code == 200  # another variant: rendered first
    assert client.post("/").status_code == 405
    assert client.get("/health").status_code == 200
    assert client.get("/doc/project/no-such-project").status_code == 404
    assert _served(app) == served


def test_a_release_switch_is_never_answered_from_the_old_release(data_copy, tmp_path):
    settings = load_settings(data_dir=data_copy / "data", ontology_dir=data_copy / "ontology",
                             shapes_dir=data_copy / "shapes", build_dir=tmp_path / "build",
                             response_cache_dir=str(tmp_path / "responses"))
    assert build(settings).ok
    app = create_app(settings)
    client = app.test_client()
    for path, headers in ROUTES[:1] + ROUTES[-4:-2]:
        client.get(path, headers=headers)
        first = client.get(path, headers=headers)
        old = first.headers["ETag"]
        assert first.status_code == 200
    projects = data_copy / "data" / "projects.yaml"
    projects.write_text(projects.read_text(encoding="utf-8").replace("(ThILIK)", "(ThILIK-NEU)", 1), encoding="utf-8")
    assert build(settings).ok  # a new release, switched to
    new_id = app.extensions["ikpe_store"].snapshot().release().id
    assert not old.strip('W/"').startswith(new_id)
    for path, headers in ROUTES[:1] + ROUTES[-4:-2]:
        served = _served(app)
        fresh = client.get(path, headers=headers)
        assert _served(app) == served, f"{path}: the old release's entry was sent"
        assert fresh.headers["ETag"].strip('W/"').startswith(new_id + "-"), path
        again = client.get(path, headers=headers)
        assert _served(app) == served + 1 and _answer(again)[1:] == _answer(fresh)[1:], path
    page = client.get("/doc/project/thilik", headers=HTML).get_data(as_text=True)
    assert "ThILIK-NEU" in page


def test_the_access_log_names_the_release(settings, cache_dir, caplog):
    app = _app(settings.build_dir, cache_dir)
    client = app.test_client()
    client.get("/catalog.ttl")
    served = _served(app)
    with caplog.at_level(logging.INFO, logger="ikpe.access"):
        response = client.get("/catalog.ttl")
        body = response.get_data()  # the line is written when the body has been sent
        client.get("/catalog.ttl", headers={"If-None-Match": response.headers["ETag"]}).get_data()
    assert _served(app) == served + 2
    lines = [record.fields for record in caplog.records if record.name == "ikpe.access"]
    release = app.extensions["ikpe_store"].snapshot().release().id
    assert [(line["path"], line["status"], line["release"]) for line in lines] == \
        [("/catalog.ttl", 200, release), ("/catalog.ttl", 304, release)]
    assert lines[0]["bytes"] == len(body) > 0 and lines[1]["bytes"] == 0


def test_the_per_client_limits_still_apply(settings, cache_dir):
    app = _app(settings.build_dir, cache_dir, limit_client_rate=0.001, limit_client_burst=2)
    client = app.test_client()
    assert client.get("/catalog.ttl").status_code == 200
    assert client.get("/catalog.ttl").status_code == 200  # from the cache, before Flask
    refused = client.get("/catalog.ttl")
    assert refused.status_code == 429 and refused.headers["Retry-After"]


def test_the_middleware_repeats_every_after_request_step(app):
    """A new after_request function changes every answer; the middleware must repeat it too."""
    app_level = [function.__name__ for function in app.after_request_funcs.get(None, [])]
    assert tuple(reversed(app_level)) == cached_answers.AFTER_REQUEST
    for blueprint in set(app.after_request_funcs) - {None}:  # blueprints with steps of their own
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith(blueprint + "."):
                assert rule.rule.startswith(cached_answers.PASS_THROUGH), rule.rule


def test_a_failure_before_flask_leaves_the_request_to_flask(settings, cache_dir, monkeypatch):
    app = _app(settings.build_dir, cache_dir)
    client = app.test_client()
    expected = _answer(client.get("/catalog.ttl"))

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the middleware")

    monkeypatch.setattr(cached_answers, "language_of", broken)
    served = _served(app)
    assert _answer(client.get("/catalog.ttl")) == expected
    assert _served(app) == served
