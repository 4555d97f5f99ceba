"""The release history on a remote store (Oxigraph server, Virtuoso; started on 127.0.0.1): each of
three releases published as it is built, then the remote history answers as the embedded one does."""
from __future__ import annotations

import dataclasses

import pytest
from rdflib import Literal
from rdflib.namespace import RDFS

from history_builds import THILIK, VIDOT, VIDOT_LABELS, three_releases
from server.store.history import ReleaseHistory
from server.store.publish import Publisher
from server.store.remote import RemoteStore
from server.kg.release import current_release
from server.settings import load_settings
from stores import REMOTE_KINDS, start_server

# Virtuoso keeps no history (IKPE_REMOTE_HISTORY=false, see docs/versions.md)
HISTORY_KINDS = [kind for kind in REMOTE_KINDS if kind != "virtuoso"]
pytestmark = pytest.mark.skipif(not HISTORY_KINDS, reason="no remote store kind with a history selected")


@pytest.fixture(scope="module", params=HISTORY_KINDS)
def published(request, tmp_path_factory):
    server = start_server(request.param, tmp_path_factory.mktemp(f"history-{request.param}"))
    try:
        def publish(number, settings, folder):
            Publisher(with_server(settings, server)).publish(keep=1)

        history = three_releases(tmp_path_factory.mktemp("remote-history"), on_release=publish, keep_releases=0)
        yield history, RemoteStore(with_server(history.settings, server))
    finally:
        server.stop()


def with_server(settings, server):
    """``settings`` reading from (and publishing to) ``server``."""
    remote = load_settings(**server.settings())
    return dataclasses.replace(settings, **{name: getattr(remote, name) for name in server.settings()})


def label_at(snapshot) -> Literal:
    rows = snapshot.select(f"SELECT ?l WHERE {{ <{VIDOT}> <{RDFS.label}> ?l FILTER(lang(?l) = 'de') }}")
    return [r["l"] for r in rows]


def test_the_remote_history_lists_the_releases(published):
    history, store = published
    remote = store.snapshot().history()
    assert remote is not None and [r.id for r in remote.releases] == history.releases


def test_versions_of_a_resource_match_the_embedded_history(published):
    history, store = published
    remote = store.snapshot().history()
    local = ReleaseHistory.of(current_release(history.settings.build_dir))
    for iri in (VIDOT, THILIK):
        assert [r.id for r in remote.versions_of(iri)] == [r.id for r in local.versions_of(iri)]
    assert len(remote.versions_of(VIDOT)) == 3


@pytest.mark.parametrize("number", [0, 1, 2])
def test_a_past_release_answers_as_it_did(published, number):
    history, store = published
    snapshot = store.snapshot()
    remote = snapshot.history()
    past = remote.snapshot(remote.release(history.releases[number]), snapshot.release())
    assert label_at(past) == [Literal(VIDOT_LABELS[number], lang="de")]
    count = past.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    assert int(count) == history.manifests[number]["triples"]
    # a public query on the past release sees its spans as the default graph and no named graph
    assert list(past.sparql("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1")) == []


def test_the_store_holds_the_history_graphs_as_the_release_does(published):
    history, store = published
    publisher = Publisher(store.settings)
    before = publisher.history_counts()
    assert publisher.publish(keep=1).already_current
    assert publisher.history_counts() == before  # publishing again changes nothing
    local = ReleaseHistory.of(current_release(history.settings.build_dir)).store
    expected = {g.value: sum(1 for _ in local.quads_for_pattern(None, None, None, g)) for g in local.named_graphs()}
    assert before == {name: count for name, count in expected.items() if count}


def test_mementos_and_past_queries_over_http_on_the_remote_store(published):
    from rdflib import Graph, URIRef

    from server.web.app import create_app

    history, store = published
    client = create_app(store.settings).test_client()
    for number, release in enumerate(history.releases):
        memento = client.get(f"/release/{release}/doc/person/viviane-vidot.ttl")
        assert memento.status_code == 200 and "Memento-Datetime" in memento.headers
        graph = Graph().parse(data=memento.get_data(as_text=True), format="turtle")
        labels = {o for o in graph.objects(URIRef(VIDOT), RDFS.label) if o.language == "de"}
        assert labels == {Literal(VIDOT_LABELS[number], lang="de")}
        answer = client.get("/sparql", query_string={
            "release": release, "query": f"SELECT ?l WHERE {{ <{VIDOT}> <{RDFS.label}> ?l FILTER(lang(?l) = 'de') }}"},
            headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        values = [b["l"]["value"] for b in answer.get_json()["results"]["bindings"]]
        assert values == [VIDOT_LABELS[number]]
    timemap = client.get("/timemap/json/doc/person/viviane-vidot")
    assert timemap.status_code == 200 and len(timemap.get_json()["mementos"]["list"]) == 3


# -- the pages for people and the change feed, read from the store (no release folder at hand) --------
@pytest.fixture(scope="module")
def apps(published, tmp_path_factory):
    """The app on the remote store with an empty build folder (it reads everything from the store), and
    the embedded app on the same three releases, to compare their answers."""
    from server.web.app import create_app

    history, store = published
    remote = create_app(dataclasses.replace(store.settings, build_dir=tmp_path_factory.mktemp("stateless")))
    return remote, create_app(history.settings)


def main_text(response) -> str:
    import re

    from lxml import html as lxml_html

    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    return re.sub(r"\s+", " ", lxml_html.fromstring(response.get_data(as_text=True)).xpath("//main")[0].text_content())


@pytest.mark.parametrize("lang", ["de", "en"])
def test_release_and_history_pages_answer_as_embedded(published, apps, lang):
    history, _ = published
    remote, embedded = (app.test_client() for app in apps)
    paths = ["/releases", *(f"/release/{r}" for r in history.releases), "/history/doc/person/viviane-vidot",
             "/history/id/project/thilik"]
    for path in paths:
        answers = [main_text(client.get(path, headers={"Accept-Language": lang})) for client in (remote, embedded)]
        assert answers[0] == answers[1], path
    assert VIDOT_LABELS[2] in main_text(remote.get(f"/release/{history.releases[2]}?lang={lang}"))
    page = remote.get("/doc/person/viviane-vidot", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert 'href="/history/doc/person/viviane-vidot"' in page  # resource pages link to their history


@pytest.mark.parametrize("path,status", [("/release/20990101T000000Z-deadbeef", 404),
                                         ("/history/doc/person/nobody-at-all", 404), ("/release/{r}?page=0", 400),
                                         ("/ldes/{r}/version?of=http://exa%20mple.org/x", 400),
                                         ("/ldes/{r}/version?of=http://example.org/never", 404),
                                         ("/ldes/20990101T000000Z-deadbeef/1", 404)])
def test_bad_input_on_the_remote_pages_is_a_clear_4xx(published, apps, path, status):
    history, _ = published
    assert apps[0].test_client().get(path.format(r=history.releases[1])).status_code == status


def test_the_change_feed_on_the_remote_store_replays_to_the_current_dump(published, apps):
    from rdflib import URIRef
    from rdflib.compare import isomorphic

    from servers import LiveServer
    from test_ldes import dump_graph, fetch, walk, materialise, TREE

    history, _ = published
    app = apps[0]
    app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], ldes_page_size=100)
    with LiveServer(app) as server:
        app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], public_base=server.url)
        latest, visited = walk(f"{server.url}/ldes")
        assert len(visited) >= 3
        assert isomorphic(materialise(latest, URIRef(f"{server.url}/ldes")), dump_graph(history, 3))
        members = {}
        for release in history.releases[1:]:
            graph = fetch(f"{server.url}/ldes/{release}/1")
            members[release] = {str(graph.value(v, URIRef("http://purl.org/dc/terms/isVersionOf")))
                                for v in graph.objects(URIRef(f"{server.url}/ldes"), TREE.member)}
        assert members == {history.releases[1]: {VIDOT}, history.releases[2]: {VIDOT, THILIK}}
