"""The production nginx configuration (deploy/nginx.conf), for real: Debian's nginx on 127.0.0.1 in front
of the app on a live server, both started here (``servers.Nginx``, ``servers.LiveServer``).

* pages, documents, catalog, VoID, sitemap: the second request is a cache HIT (``X-Cache-Status``,
  exposed by the configuration) and the app never sees it;
* ``Vary``: the HTML, Turtle, JSON-LD variants and the languages of one URL are kept apart;
* ``/sparql``: POST and GET always reach the app (never cached: no ETag to revalidate by);
* error answers (503 without a release, 429 past a limit, 500) are never kept; while the app answers
  503, an expired copy is served stale;
* a release switch: an expired copy is revalidated with the ETag (304 while the release is the same);
  after ``ikpe-lod build`` switched to a new release, once nginx has the new page it never serves the
  old one again.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from history_builds import set_vidot_label
from server.settings import PROJECT_ROOT, load_settings
from server.web.app import create_app
from servers import NGINX, LiveServer, Nginx

pytestmark = pytest.mark.slow  # real nginx and app servers; the release switch runs two builds

HTML, TURTLE, JSONLD = "text/html", "text/turtle", "application/ld+json"
CACHED_ROUTES = [  # (path, Accept): every kind of answer that depends only on the release
    ("/", HTML), ("/doc/project/thilik", HTML), ("/doc/project/thilik", TURTLE),
    ("/doc/person/stefan-huber.ttl", "*/*"), ("/catalog", "*/*"), ("/catalog.ttl", "*/*"),
    ("/.well-known/void", TURTLE), ("/sitemap.xml", "*/*"), ("/def/ikpe", HTML), ("/list/project", HTML),
    ("/id/project/thilik", HTML), ("/fragments?predicate=rdf%3Atype", "application/n-quads"),
    ("/fragments?predicate=rdf%3Atype&page=2", TURTLE), ("/fragments?object=ikpe%3AProject", HTML),
]


class CountingApp:
    """WSGI middleware: remembers every request the app saw (method, path, If-None-Match, Accept) and its
    status."""

    def __init__(self, app):
        self.app, self.seen, self.lock = app, [], threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "") + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")

        def recording_start(status, headers, exc_info=None):
            with self.lock:
                self.seen.append((environ["REQUEST_METHOD"], path, environ.get("HTTP_IF_NONE_MATCH"),
                                  int(status[:3]), environ.get("HTTP_ACCEPT")))
            return start_response(status, headers, exc_info)
        return self.app(environ, recording_start)

    def count(self, path: str, method: str = "GET", accept: str | None = None) -> int:
        with self.lock:
            return sum(1 for m, p, _, _, a in self.seen if p == path and m == method and accept in (None, a))


class Stack:
    """The app (counted) on a live server, nginx with deploy/nginx.conf in front of it."""

    def __init__(self, prefix: Path, app):
        self.app = CountingApp(app)
        self.live = LiveServer(self.app)
        self.nginx = Nginx(f"127.0.0.1:{self.live.port}", prefix)
        self.url = self.nginx.url

    def __enter__(self):
        self.live.__enter__()
        try:
            self.nginx.__enter__()
        except BaseException:
            self.live.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        self.nginx.__exit__()
        self.live.__exit__()

    def get(self, path: str, accept: str = HTML, lang: str = "de", **kw) -> requests.Response:
        return requests.get(self.url + path, headers={"Accept": accept, "Accept-Language": lang},
                            allow_redirects=False, timeout=60, **kw)


@pytest.fixture(scope="module", autouse=True)
def nginx_installed():
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: run `make system-deps` (installs Debian's nginx).")


def make_app(build_dir: Path, **settings):
    return create_app(load_settings(build_dir=build_dir, limit_client_requests=0, limit_client_queries=0, **settings))


@pytest.fixture(scope="module")
def stack(build_dir, tmp_path_factory):
    with Stack(tmp_path_factory.mktemp("nginx"), make_app(build_dir)) as running:
        yield running


# -- served from the cache ---------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "accept"), CACHED_ROUTES)
def test_release_pages_are_served_from_the_cache(stack, path, accept):
    first = stack.get(path, accept)
    assert first.status_code in (200, 303), first.text[:300]
    assert first.headers["X-Cache-Status"] == "MISS"
    for _ in range(3):
        again = stack.get(path, accept)
        assert again.headers["X-Cache-Status"] == "HIT"
        assert (again.status_code, again.content, again.headers.get("ETag")) == \
            (first.status_code, first.content, first.headers.get("ETag"))
    assert stack.app.count(path, accept=accept) == 1  # the app saw the first request only


def test_head_is_answered_from_the_cached_get(stack):
    stack.get("/doc/project/thilik", JSONLD)
    head = requests.head(stack.url + "/doc/project/thilik", headers={"Accept": JSONLD, "Accept-Language": "de"},
                         timeout=30)
    assert head.headers["X-Cache-Status"] == "HIT" and head.headers["Content-Type"].startswith(JSONLD)
    assert stack.app.count("/doc/project/thilik", "HEAD") == 0


# -- Vary: Accept, Accept-Language -------------------------------------------------------------------
VARIANTS = [  # (Accept, Accept-Language, media type the app answers with)
    (HTML, "de", HTML), (HTML, "en", HTML), (TURTLE, "de", TURTLE), (JSONLD, "en", JSONLD),
    ("application/rdf+xml, text/html;q=0.5", "de", "application/rdf+xml"), ("*/*", "de", HTML),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "en-GB,en;q=0.9", HTML),
    ("text/turtle;q=0.2, application/n-triples", "de", "application/n-triples"),
]


def test_variants_of_one_url_are_never_mixed_up(stack):
    """Every variant through nginx, three rounds interleaved, is byte for byte what the app answers
    directly for the same request headers (the first round fills the cache, the others hit it)."""
    path = "/doc/organisation/ikpe"
    direct = {}
    for accept, lang, media in VARIANTS:
        answer = requests.get(stack.live.url + path, headers={"Accept": accept, "Accept-Language": lang}, timeout=30)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(media), (accept, answer.headers)
        direct[accept, lang] = answer
    assert direct[HTML, "de"].content != direct[HTML, "en"].content  # the languages really differ
    statuses = Counter()
    for _ in range(3):
        for accept, lang, _media in VARIANTS:
            through = stack.get(path, accept, lang)
            statuses[through.headers["X-Cache-Status"]] += 1
            assert through.headers["Content-Type"] == direct[accept, lang].headers["Content-Type"], (accept, lang)
            assert through.content == direct[accept, lang].content, (accept, lang)
    assert statuses["HIT"] == 2 * len(VARIANTS), statuses  # each variant is kept once


# -- never cached ------------------------------------------------------------------------------------
def test_sparql_is_never_cached(stack):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for _ in range(3):
        post = requests.post(stack.url + "/sparql", data={"query": query},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60)
        assert post.status_code == 200 and "X-Cache-Status" not in post.headers
        get = requests.get(stack.url + "/sparql", params={"query": query},
                           headers={"Accept": "application/sparql-results+json"}, timeout=60)
        assert get.status_code == 200 and "X-Cache-Status" not in get.headers
    assert stack.app.count("/sparql", "POST") == 3
    assert sum(1 for m, p, _, _, _ in stack.app.seen if m == "GET" and p.startswith("/sparql?query=")) == 3


def test_accept_datetime_bypasses_the_cache(history, tmp_path):
    """A TimeGate request (Accept-Datetime) always reaches the app and never replaces the cached page;
    the memento it leads to is cached like any page."""
    path, old = "/doc/project/thilik", {"Accept-Datetime": "Thu, 01 Jan 2015 00:00:00 GMT"}
    with Stack(tmp_path, make_app(history.settings.build_dir)) as running:
        assert running.get(path).status_code == 200 and running.get(path).headers["X-Cache-Status"] == "HIT"
        for _ in range(2):
            gate = requests.get(running.url + path, headers={"Accept": HTML, **old}, allow_redirects=False, timeout=60)
            assert gate.status_code == 302 and gate.headers["X-Cache-Status"] == "BYPASS"
            assert gate.headers["Location"].startswith(f"/release/{history.releases[0]}/doc/")
        assert running.app.count(path) == 3  # the first page and both TimeGate requests
        assert running.get(path).status_code == 200  # the cached page is still the current one
        memento = [running.get(gate.headers["Location"]) for _ in range(2)]
        assert [m.headers["X-Cache-Status"] for m in memento] == ["MISS", "HIT"]
        assert memento[1].headers["Memento-Datetime"] and memento[1].content == memento[0].content


def test_error_answers_are_never_kept(tmp_path, build_dir):
    """503 (no release in service), 429 (past a client's request rate) and 500 reach the app each time."""
    empty = tmp_path / "empty-build"
    empty.mkdir()
    with Stack(tmp_path / "nginx-503", make_app(empty)) as down:
        for _ in range(3):
            assert down.get("/doc/project/thilik").status_code == 503
        assert down.app.count("/doc/project/thilik") == 3

    with Stack(tmp_path / "nginx-429", make_app(build_dir, limit_client_rate=0.001, limit_client_burst=1)) as limited:
        assert limited.get("/doc/person/stefan-huber").status_code == 200  # the one token of the burst
        for _ in range(3):
            assert limited.get("/doc/project/thilik").status_code == 429
        assert limited.app.count("/doc/project/thilik") == 3
    app = make_app(build_dir)
    app.add_url_rule("/test-failure", "test_failure", lambda: 1 / 0)
    with Stack(tmp_path / "nginx-500", app) as failing:
        for _ in range(3):
            assert failing.get("/test-failure").status_code == 500
        assert failing.app.count("/test-failure") == 3


def test_a_cached_copy_is_served_while_the_store_is_down(build_dir, tmp_path):
    build = tmp_path / "build"
    shutil.copytree(build_dir, build, symlinks=True)
    with Stack(tmp_path / "nginx", make_app(build, cache_max_age=1)) as stack:
        first = stack.get("/doc/project/thilik")
        assert (first.status_code, first.headers["X-Cache-Status"]) == (200, "MISS")
        (build / "current").unlink()  # no release in service: the app answers 503
        assert requests.get(stack.live.url + "/doc/project/thilik", timeout=30).status_code == 503
        time.sleep(2.5)  # expired (nginx counts whole seconds: max-age=1 may last 2 s)
        for _ in range(3):
            stale = stack.get("/doc/project/thilik")
            assert (stale.status_code, stale.content) == (200, first.content)
            assert stale.headers["X-Cache-Status"] in ("STALE", "UPDATING")
        assert stack.get("/doc/person/stefan-huber").status_code == 503  # never cached: the error


# -- a release switch --------------------------------------------------------------------------------
def cli_build(data: Path, build: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "server.cli", "--data", str(data), "--build-dir", str(build),
                             "build"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, COLUMNS="200"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def current_id(build: Path) -> str:
    return os.readlink(build / "current").rsplit("/", 1)[-1]


SWITCHED = [("/doc/person/viviane-vidot", HTML), ("/doc/person/viviane-vidot", TURTLE),
            ("/doc/person/viviane-vidot.ttl", "*/*"), ("/catalog.ttl", "*/*")]


def wait_for_release(stack: Stack, release: str, seconds: float) -> None:
    """Ask for every route until nginx answers each from ``release`` (its ETag names the release)."""
    pending, deadline = set(SWITCHED), time.monotonic() + seconds
    while pending and time.monotonic() < deadline:
        for path, accept in list(pending):
            if stack.get(path, accept).headers.get("ETag", "").startswith(f'W/"{release}-'):
                pending.discard((path, accept))
        time.sleep(0.1)
    assert not pending, f"still not from {release}: {pending}"


def eventually(condition, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_release_switch_is_revalidated_by_etag(data_copy, tmp_path):
    data, build = data_copy / "data", tmp_path / "build"
    set_vidot_label(data, "Viviane Vidot Fassung1")
    cli_build(data, build)
    old = current_id(build)
    with Stack(tmp_path / "nginx", make_app(build, cache_max_age=1)) as stack:
        for path, accept in SWITCHED:
            assert stack.get(path, accept).headers["X-Cache-Status"] == "MISS"
        time.sleep(2.5)  # expired (whole seconds: up to 2 s); the release is the same: If-None-Match → 304
        page = stack.get(*SWITCHED[0])
        assert page.headers["X-Cache-Status"] in ("REVALIDATED", "STALE", "UPDATING"), page.headers
        assert eventually(lambda: any(status == 304 and old in (tag or "") for _, p, tag, status, _ in stack.app.seen
                                      if p == SWITCHED[0][0]))

        set_vidot_label(data, "Viviane Vidot Fassung2")
        cli_build(data, build)  # the new release is switched to by the build
        new = current_id(build)
        assert new != old
        wait_for_release(stack, new, 30)
        seen = []
        for _ in range(25):  # over several expiries: never the old release again
            for path, accept in SWITCHED:
                answer = stack.get(path, accept)
                seen.append(answer.headers["X-Cache-Status"])
                assert answer.status_code == 200 and answer.headers["ETag"].startswith(f'W/"{new}-'), (path, accept)
                if path.startswith("/doc/"):
                    assert "Fassung2" in answer.text and "Fassung1" not in answer.text
            time.sleep(0.1)
        assert "HIT" in seen
    assert any(status == 200 and tag and old in tag for _, p, tag, status, _ in stack.app.seen if p == SWITCHED[0][0]), \
        "nginx asked with the old ETag and got the new page"
