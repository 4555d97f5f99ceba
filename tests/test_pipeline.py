"""The response pipeline: every route family answers with the same CORS policy and security headers,
and everything built from a release has validators that answer 304 (server/web/pipeline.py)."""
from __future__ import annotations

import shutil

import pytest

from server.search.index import FILE_NAME
from server.settings import load_settings
from server.web.app import create_app
from server.web.pipeline import PAGE_POLICY

ALLOWED, OTHER = "https://a.example", "https://evil.example"

# one path per route family (the status each answers with)
FAMILIES = {
    "/": 200, "/list/project": 200, "/id/project/thilik": 303, "/doc/project/thilik": 200,
    "/doc/project/thilik.ttl": 200, "/def/ikpe": 200, "/catalog": 200, "/catalog.html": 200,
    "/.well-known/void": 200, "/dumps/SHA256SUMS": 200, "/sitemap.xml": 200,
    "/search?q=thilik": 200, "/search.json?q=thilik": 200, "/search/suggest?q=thi": 200,
    "/sparql?query=ASK%7B%7D": 200, "/reconcile": 200, "/reconcile/preview?id=project/thilik": 200,
    "/pictures/map.svg": 200, "/overview": 200,
    "/health": 200, "/doc/project/no-such-thing": 404,
}


@pytest.fixture(scope="module")
def listed(build_dir):
    """The app with a list of allowed origins (comma and space separated)."""
    app = create_app(load_settings(build_dir=build_dir, cors_origins=f"{ALLOWED}, https://b.example"))
    app.config["TESTING"] = True
    return app.test_client()


@pytest.mark.parametrize("path", FAMILIES)
def test_every_route_family_has_the_same_cors_policy(listed, path):
    allowed = listed.get(path, headers={"Origin": ALLOWED})
    assert allowed.status_code == FAMILIES[path], path
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert {"Link", "ETag", "Retry-After"} <= set(allowed.headers["Access-Control-Expose-Headers"].split(", "))
    assert "Origin" in allowed.headers["Vary"]
    other = listed.get(path, headers={"Origin": OTHER})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]  # a shared cache must not hand one origin's answer to another


@pytest.mark.parametrize("path", ["/doc/project/thilik", "/catalog", "/sparql", "/search.json", "/reconcile"])
def test_preflight_from_an_allowed_origin(listed, path):
    response = listed.options(path, headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET",
                                             "Access-Control-Request-Headers": "accept-language"})
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "accept-language"


def test_any_origin_by_default(client):
    for path in ("/doc/project/thilik", "/catalog", "/pictures/map.svg", "/health"):
        response = client.get(path, headers={"Origin": OTHER})
        assert response.headers["Access-Control-Allow-Origin"] == "*", path
        assert "Origin" not in response.headers.get("Vary", ""), path


def test_refusals_of_the_limits_carry_the_same_policy(build_dir):
    app = create_app(load_settings(build_dir=build_dir, cors_origins=ALLOWED, limit_client_rate=0.001,
                                   limit_client_burst=1))
    client = app.test_client()
    assert client.get("/robots.txt").status_code == 200  # the one request of the burst
    refused = client.get("/catalog", headers={"Origin": ALLOWED})
    assert refused.status_code == 429
    assert refused.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in client.get("/catalog", headers={"Origin": OTHER}).headers


@pytest.mark.parametrize("path", ["/", "/doc/project/thilik", "/catalog.html", "/search?q=thilik", "/overview",
                                  "/doc/project/no-such-thing"])
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path,headers", [
    ("/catalog", {}), ("/catalog.html", {"Accept-Language": "en"}), ("/doc/project/thilik", {}),
    ("/doc/project/thilik.ttl", {}), ("/pictures/map.svg", {}), ("/search.json?q=thilik", {}),
    ("/search/suggest?q=thi", {}), ("/.well-known/void", {}),
])
def test_validators_and_304(client, store, path, headers):
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert store.release().id in etag
    assert "public" in first.headers["Cache-Control"] and "max-age=" in first.headers["Cache-Control"]
    again = client.get(path, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    assert client.get(path, headers={**headers, "If-None-Match": 'W/"other"'}).status_code == 200


def test_representations_of_one_url_have_their_own_etags(client):
    rdf = client.get("/catalog").headers["ETag"]
    turtle = client.get("/catalog", headers={"Accept": "text/turtle"}).headers["ETag"]
    german = client.get("/catalog.html?lang=de").headers["ETag"]
    english = client.get("/catalog.html?lang=en").headers["ETag"]
    assert len({rdf, turtle, german, english}) == 4
    one = client.get("/search.json?q=thilik").headers["ETag"]
    assert one != client.get("/search.json?q=erfurt").headers["ETag"]


def test_an_unavailable_search_is_not_cached(build_dir, tmp_path):
    copy = tmp_path / "build"
    shutil.copytree(build_dir, copy, symlinks=True)
    app = create_app(load_settings(build_dir=copy))
    (app.extensions["ikpe_store"].release().path / FILE_NAME).unlink()
    response = app.test_client().get("/search.json?q=thilik")
    assert response.status_code == 503
    assert "ETag" not in response.headers and "public" not in response.headers.get("Cache-Control", "")
