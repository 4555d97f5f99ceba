"""Memento (RFC 7089) on three real releases (tests/history_builds.py): TimeGates, mementos, TimeMaps,
SPARQL against a past release, the HTML banner and "cite this version" — through the app and, where a
real server is the point, over HTTP (LiveServer, Chromium + axe)."""
from __future__ import annotations

import datetime as dt
import email.utils
from urllib.parse import quote, urlsplit

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from accessibility import serious_axe_violations
from history_builds import THILIK, THILIK_LABELS, VIDOT, VIDOT_LABELS, three_releases
from server.web.app import create_app
from servers import LiveServer

VIDOT_DOC, THILIK_DOC, OTHER_DOC = "/doc/person/viviane-vidot", "/doc/project/thilik", "/doc/organisation/ikpe"
CAPTURED = [(VIDOT_DOC + ".ttl", "text/turtle"), (THILIK_DOC + ".nt", "*/*"), (THILIK_DOC, "application/ld+json")]
BEFORE_ALL = "Thu, 01 Jan 2015 00:00:00 GMT"
LINK_FORMAT = "application/link-format"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Three releases; what the server answered for CAPTURED while each was in service (number → path → answer)."""
    answers: dict[int, dict] = {}

    def capture(number, settings, folder):
        client = create_app(settings).test_client()
        answers[number] = {path: client.get(path, headers={"Accept": accept}) for path, accept in CAPTURED}

    history = three_releases(tmp_path_factory.mktemp("memento"), on_release=capture, keep_releases=0)
    history.answers = answers
    return history


@pytest.fixture(scope="module")
def client(served):
    return create_app(served.settings).test_client()


def links(response) -> dict[str, dict]:
    """Every Link of a response by each of its relation types (``first memento`` → first, memento)."""
    found = {}
    for header in response.headers.getlist("Link"):
        for link in requests.utils.parse_header_links(header):
            for rel in link.get("rel", "").split():
                found.setdefault(rel, []).append(link)
    return found


def http_date(iso: str) -> str:
    return email.utils.format_datetime(dt.datetime.fromisoformat(iso).astimezone(dt.timezone.utc), usegmt=True)


def parse(response, fmt: str) -> Graph:
    return Graph().parse(data=response.get_data(), format=fmt)


def about(graph: Graph, iri: str) -> Graph:
    found = Graph()
    for triple in graph.triples((URIRef(iri), None, None)):
        found.add(triple)
    return found


def path_of(url: str) -> str:
    return urlsplit(url).path


# -- TimeGate -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("number", [1, 2, 3])
@pytest.mark.parametrize(("path", "accept"), CAPTURED)
def test_timegate_leads_to_what_the_release_served_then(served, client, number, path, accept):
    release = served.manifests[number - 1]
    gate = client.get(path, headers={"Accept": accept, "Accept-Datetime": http_date(release["created"])})
    assert gate.status_code == 302 and "accept-datetime" in gate.headers["Vary"].lower()
    assert {"original", "timegate", "timemap", "first", "last", "memento"} <= set(links(gate))
    memento = client.get(gate.headers["Location"], headers={"Accept": accept})
    then = served.answers[number][path]
    assert memento.status_code == 200 and memento.headers["Content-Type"] == then.headers["Content-Type"]
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld"}[
        memento.mimetype]
    assert isomorphic(parse(memento, fmt), parse(then, fmt))
    if fmt != "json-ld":  # the same bytes (rdflib's JSON-LD follows the store's order, not a sorted one)
        assert memento.get_data() == then.get_data()


def test_a_date_before_the_first_release_leads_to_the_first_memento(served, client):
    gate = client.get(THILIK_DOC, headers={"Accept-Datetime": BEFORE_ALL})
    assert gate.status_code == 302 and gate.headers["Location"] == f"/release/{served.releases[0]}{THILIK_DOC}"


def test_a_release_where_the_resource_did_not_change_has_the_same_description(served, client):
    """ThILIK did not change in release 2: its memento there describes it as release 1 did (only the
    document's own dcterms:modified, the release's time, differs)."""
    gate = client.get(THILIK_DOC + ".ttl", headers={"Accept-Datetime": http_date(served.manifests[1]["created"])})
    assert gate.headers["Location"] == f"/release/{served.releases[1]}{THILIK_DOC}.ttl"
    second, first = (parse(client.get(f"/release/{r}{THILIK_DOC}.ttl"), "turtle") for r in served.releases[:2])
    assert isomorphic(about(second, THILIK), about(first, THILIK))
    assert Literal(THILIK_LABELS[1], lang="de") in set(second.objects(URIRef(THILIK), RDFS.label))


@pytest.mark.parametrize("value", ["yesterday", "2026-12-03T15:00:00Z", "Thu, 03 Dec 2026 15:00:00", "", "Thu, 99 Foo"])
def test_a_malformed_accept_datetime_is_400(client, value):
    for path in (THILIK_DOC, "/id/project/thilik"):
        answer = client.get(path, headers={"Accept-Datetime": value})
        assert answer.status_code == 400 and "Accept-Datetime" in answer.get_data(as_text=True)


def test_the_id_is_its_own_timegate_and_its_memento_redirects_to_the_document(served, client):
    gate = client.get("/id/project/thilik", headers={"Accept-Datetime": BEFORE_ALL})
    assert gate.status_code == 302 and gate.headers["Location"] == f"/release/{served.releases[0]}/id/project/thilik"
    see_other = client.get(gate.headers["Location"])
    assert see_other.status_code == 303 and see_other.headers["Location"] == f"/release/{served.releases[0]}{THILIK_DOC}"


def test_current_answers_name_their_timegate_and_timemap(client):
    for path in (THILIK_DOC, THILIK_DOC + ".ttl", "/id/project/thilik"):
        answer = client.get(path)
        assert answer.status_code in (200, 303) and "accept-datetime" in answer.headers["Vary"].lower()
        found = links(answer)
        assert path_of(found["original"][0]["url"]) == path and found["timegate"] == found["original"]
        assert path_of(found["timemap"][0]["url"]) == f"/timemap/link{path}"
        assert found["timemap"][0]["type"] == LINK_FORMAT
        again = client.get(path, headers={"Accept-Datetime": BEFORE_ALL})  # kept in the response cache now
        assert again.status_code == 302 and "/release/" in again.headers["Location"]


# -- mementos -----------------------------------------------------------------------------------------
def test_memento_headers(served, client):
    first, second, third = served.releases
    answer = client.get(f"/release/{second}{VIDOT_DOC}.ttl")
    assert answer.status_code == 200
    assert email.utils.parsedate_to_datetime(answer.headers["Memento-Datetime"]) == \
        dt.datetime.fromisoformat(served.manifests[1]["created"])
    found = links(answer)
    expected = {"original": VIDOT_DOC + ".ttl", "timegate": VIDOT_DOC + ".ttl",
                "timemap": f"/timemap/link{VIDOT_DOC}.ttl", "first": f"/release/{first}{VIDOT_DOC}.ttl",
                "prev": f"/release/{first}{VIDOT_DOC}.ttl", "next": f"/release/{third}{VIDOT_DOC}.ttl",
                "last": f"/release/{third}{VIDOT_DOC}.ttl"}
    assert {rel: path_of(found[rel][0]["url"]) for rel in expected} == expected
    assert f"/release/{second}{VIDOT_DOC}.ttl" in {path_of(link["url"]) for link in found["memento"]}
    assert all("datetime" in link for link in found["memento"])
    etag = answer.headers["ETag"]
    assert not etag.startswith("W/") and "immutable" in answer.headers["Cache-Control"]
    assert answer.cache_control.max_age >= 365 * 24 * 3600
    assert client.get(f"/release/{second}{VIDOT_DOC}.ttl", headers={"If-None-Match": etag}).status_code == 304
    graph = parse(answer, "turtle")
    assert set(graph.objects(URIRef(VIDOT), RDFS.label)) >= {Literal(VIDOT_LABELS[1], lang="de")}
    assert Literal(VIDOT_LABELS[2], lang="de") not in set(graph.objects(URIRef(VIDOT), RDFS.label))


def test_absent_resources_and_releases(served, client):
    assert client.get(f"/release/{served.releases[0]}/doc/person/nobody-here").status_code == 404
    assert client.get(f"/release/20990101T000000Z-00000000{THILIK_DOC}").status_code == 404
    assert client.get(f"/release/..%2F..{THILIK_DOC}").status_code in (400, 404)
    assert client.get(f"/release/{served.releases[0]}/doc/project/thilik.xyz").status_code == 404


def test_the_html_memento_shows_the_banner_and_the_citation(served, client):
    old = client.get(f"/release/{served.releases[0]}{VIDOT_DOC}?lang=de").get_data(as_text=True)
    assert "Stand vom" in old and "zur aktuellen Fassung" in old and f'href="{VIDOT_DOC}"' in old
    assert f'href="/history{VIDOT_DOC}"' in old
    assert f"https://lod.ikpe-erfurt.de/release/{served.releases[0]}{VIDOT_DOC}" in old
    current = client.get(f"{VIDOT_DOC}?lang=en").get_data(as_text=True)
    assert "Stand vom" not in current and "As published on" not in current.split('class="cite-version"')[0]
    assert "Cite this version" in current and f"/release/{served.releases[2]}{VIDOT_DOC}" in current
    assert "creativecommons.org/licenses/by/4.0" in current


# -- TimeMaps -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "changed_in"), [(VIDOT_DOC, [0, 1, 2]), (THILIK_DOC + ".ttl", [0, 2]),
                                                   ("/id/project/thilik", [0, 2]), (OTHER_DOC, [0])])
def test_timemaps_list_the_releases_where_the_resource_changed(served, client, path, changed_in):
    expected = [f"/release/{served.releases[i]}{path}" for i in changed_in]
    answer = client.get(f"/timemap/link{path}")
    assert answer.status_code == 200 and answer.mimetype == LINK_FORMAT
    parsed = requests.utils.parse_header_links(answer.get_data(as_text=True).replace("\n", ""))
    mementos = [link for link in parsed if "memento" in link["rel"].split()]
    assert [path_of(link["url"]) for link in mementos] == expected
    assert "first" in mementos[0]["rel"].split() and "last" in mementos[-1]["rel"].split()
    rels = {rel for link in parsed for rel in link["rel"].split()}
    assert {"original", "timegate", "self"} <= rels
    as_json = client.get(f"/timemap/json{path}").get_json()
    assert [path_of(m["uri"]) for m in as_json["mementos"]["list"]] == expected
    assert path_of(as_json["original_uri"]) == path and path_of(as_json["mementos"]["first"]["uri"]) == expected[0]


def test_timemap_of_a_path_never_published_is_404(client):
    for path in ("/timemap/link/doc/person/nobody-here", "/timemap/json/id/nothing", "/timemap/link/list/project",
                 "/timemap/link/doc/../etc/passwd"):
        assert client.get(path).status_code in (400, 404), path


# -- SPARQL against a past release, over HTTP -----------------------------------------------------------
LABEL_QUERY = f"SELECT ?label WHERE {{ <{VIDOT}> <{RDFS.label}> ?label FILTER(lang(?label) = 'de') }}"


@pytest.fixture(scope="module")
def live(served):
    with LiveServer(create_app(served.settings)) as server:
        yield server


def labels_of(answer) -> list[str]:
    return [row["label"]["value"] for row in answer.json()["results"]["bindings"]]


@pytest.mark.parametrize("number", [0, 1, 2])
def test_a_query_against_an_old_release_returns_its_old_answer(served, live, number):
    json_results = {"Accept": "application/sparql-results+json"}
    release = served.releases[number]
    by_get = requests.get(f"{live.url}/sparql", params={"query": LABEL_QUERY, "release": release},
                          headers=json_results, timeout=60)
    by_post = requests.post(f"{live.url}/sparql?release={release}", data={"query": LABEL_QUERY},
                            headers=json_results, timeout=60)
    assert labels_of(by_get) == labels_of(by_post) == [VIDOT_LABELS[number]]
    assert by_get.headers["Memento-Datetime"] and "immutable" in by_get.headers["Cache-Control"]
    assert not by_get.headers["ETag"].startswith("W/")
    again = requests.get(f"{live.url}/sparql", params={"query": LABEL_QUERY, "release": release},
                         headers={**json_results, "If-None-Match": by_get.headers["ETag"]}, timeout=60)
    assert again.status_code == 304


def test_sparql_timegate_redirects_to_the_release_then(served, live):
    gate = requests.get(f"{live.url}/sparql", params={"query": LABEL_QUERY},
                        headers={"Accept": "application/sparql-results+json", "Accept-Datetime": BEFORE_ALL},
                        allow_redirects=False, timeout=60)
    assert gate.status_code == 302 and f"release={served.releases[0]}" in gate.headers["Location"]
    assert "accept-datetime" in gate.headers["Vary"].lower()
    followed = requests.get(live.url + gate.headers["Location"], headers={"Accept": "application/sparql-results+json"},
                            timeout=60)
    assert labels_of(followed) == [VIDOT_LABELS[0]]
    bad = requests.get(f"{live.url}/sparql", params={"query": LABEL_QUERY}, headers={"Accept-Datetime": "soon"},
                       timeout=60)
    assert bad.status_code == 400 and "Accept-Datetime" in bad.text


def test_sparql_guards_hold_for_a_past_release(served, live):
    release = served.releases[0]
    for query in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"):
        answer = requests.get(f"{live.url}/sparql", params={"query": query, "release": release}, timeout=60)
        assert answer.status_code in (400, 403), (query, answer.status_code)
    named = requests.get(f"{live.url}/sparql", params={"query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
                                                        "release": release},
                         headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert named.status_code == 200 and named.json()["results"]["bindings"] == []  # the spans stay hidden


def test_sparql_unknown_release_is_404(live):
    answer = requests.get(f"{live.url}/sparql", params={"query": LABEL_QUERY, "release": "nope"}, timeout=60)
    assert answer.status_code == 404 and "nope" in answer.text


# -- retention ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def retained_two(tmp_path_factory):
    return three_releases(tmp_path_factory.mktemp("memento-retention"), keep_releases=0, history_keep_releases=2)


def test_releases_beyond_retention_answer_410(retained_two):
    client = create_app(retained_two.settings).test_client()
    gone, oldest = retained_two.releases[0], retained_two.releases[1]
    answer = client.get(f"/release/{gone}{THILIK_DOC}")
    assert answer.status_code == 410 and f"/release/{oldest}" in answer.headers["Link"]
    query = client.get("/sparql", query_string={"query": LABEL_QUERY, "release": gone})
    assert query.status_code == 410 and oldest in query.get_data(as_text=True)
    gate = client.get(THILIK_DOC, headers={"Accept-Datetime": BEFORE_ALL})  # the oldest kept one
    assert gate.status_code == 302 and gate.headers["Location"] == f"/release/{oldest}{THILIK_DOC}"


# -- in a browser -------------------------------------------------------------------------------------
def test_the_banner_in_chromium(served, live, page):
    page.goto(f"{live.url}/release/{served.releases[0]}{VIDOT_DOC}")
    banner = page.locator(".memento-banner")
    assert banner.is_visible() and "Stand vom" in banner.inner_text()
    assert page.locator("h1").inner_text().strip() == VIDOT_LABELS[0]
    assert serious_axe_violations(page) == []
    page.locator(".memento-banner a", has_text="zur aktuellen Fassung").click()
    page.wait_for_url(f"{live.url}{VIDOT_DOC}")
    assert page.locator(".memento-banner").count() == 0
    assert page.locator("h1").inner_text().strip() == VIDOT_LABELS[2]
    assert page.locator(".cite-version a").first.inner_text().endswith(
        f"/release/{served.releases[2]}{VIDOT_DOC}")


def test_the_query_ui_offers_a_release_bound_link(served, live, page):
    page.goto(f"{live.url}/sparql?lang=en")
    link = page.locator("#sparql-permalink-query")
    link.wait_for(state="visible")
    href = link.get_attribute("href")
    assert f"release={served.releases[2]}" in href and "query=" in href
    answer = requests.get(page.locator("#sparql-permalink-answer").get_attribute("href"), timeout=60)
    assert answer.status_code == 200 and answer.headers["Memento-Datetime"]
    assert serious_axe_violations(page) == []


def _sent(response):
    return response.status_code, [(k, v) for k, v in response.headers.items() if k != "Date"], response.get_data()


def test_a_kept_memento_is_sent_before_flask_as_flask_sends_it(served):
    """A memento (of a document, of a fragment) is kept under its document key, so the kept-answers
    middleware (server/web/cached_answers.py) sends it again without Flask: the same status, headers
    (Memento-Datetime, Link, ETag) and body as the Flask path sent the first time."""
    app = create_app(served.settings)
    middleware = app.extensions["ikpe_cached_answers"]
    fragment = f"/release/{served.releases[0]}/fragments?subject={quote(VIDOT, safe='')}"
    for path, accept in [(f"/release/{served.releases[0]}{VIDOT_DOC}?lang=en", "text/html"),
                         (f"/release/{served.releases[0]}{VIDOT_DOC}", "text/turtle"),
                         (fragment, "application/n-quads"), (fragment + "&lang=en", "text/html")]:
        headers = {"Accept": accept}
        before = middleware.served
        expected = _sent(app.test_client().get(path, headers=headers))  # Flask renders it and keeps it
        assert expected[0] == 200 and "Memento-Datetime" in dict(expected[1]) and middleware.served == before
        assert _sent(app.test_client().get(path, headers=headers)) == expected
        assert middleware.served == before + 1, f"{path} ({accept}) went through Flask"
