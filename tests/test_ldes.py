"""The change feed (LDES): a real LDES client (npm ``ldes-client``) and a plain TREE page walk with
rdflib both replay the stream of the three test releases (``history`` fixture) to a state isomorphic
to the current release's dump; pages, caching and bad input."""
from __future__ import annotations

import dataclasses
import gzip
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF

from history_builds import THILIK, VIDOT, VIDOT_LABELS
from servers import LiveServer
from server.web.app import create_app

TREE = Namespace("https://w3id.org/tree#")
LDES = Namespace("https://w3id.org/ldes#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")
CLIENT = Path(__file__).resolve().parent.parent / "node_modules" / "ldes-client" / "dist" / "bin" / "cli.js"


@pytest.fixture(scope="module")
def feed(history):
    """The app on the three releases, served live, with pages of 100 members (the first release
    spans several pages) and the live URL as public base (the pages link to each other by it)."""
    app = create_app(dataclasses.replace(history.settings, ldes_page_size=100))
    with LiveServer(app) as server:
        app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], public_base=server.url)
        yield server


def dump_graph(history, number: int) -> Graph:
    graph = Graph()
    with gzip.open(history.root / f"dump-{number}.nt.gz", "rb") as handle:
        graph.parse(data=handle.read().decode("utf-8"), format="nt")
    return graph


def fetch(url: str, accept: str = "text/turtle") -> Graph:
    response = requests.get(url, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return Graph().parse(data=response.text, format={"text/turtle": "turtle", "application/ld+json": "json-ld",
                                                      "application/n-triples": "nt"}[accept])


def describe(graph: Graph, node) -> Graph:
    """The statements of ``node`` and of the blank nodes it points to (CBD without reification)."""
    out, todo, seen = Graph(), [node], {node}
    while todo:
        for s, p, o in graph.triples((todo.pop(), None, None)):
            out.add((s, p, o))
            if isinstance(o, BNode) and o not in seen:
                seen.add(o)
                todo.append(o)
    return out


def materialise(latest: dict[URIRef, Graph], stream: URIRef) -> Graph:
    """The state: each resource's latest version with the resource in the version's place, without
    the feed's own statements (time stamps, tombstones, the links to unattached blank nodes)."""
    state = Graph()
    for resource, version_graph in latest.items():
        if (None, RDF.type, AS.Tombstone) in version_graph:
            continue
        for s, p, o in version_graph:
            if p in (DCTERMS.isVersionOf, PROV.generatedAtTime):
                continue
            if resource == URIRef(f"{stream}/unattached") and p == DCTERMS.hasPart:
                continue
            state.add((resource if isinstance(s, URIRef) else s, p, o))
    return state


def walk(start: str, accept: str = "text/turtle") -> tuple[dict, list[str]]:
    """Follow the view page by page (tree:relation → tree:node), keeping the newest version of each
    resource; the pages visited."""
    stream_doc = fetch(start, accept)
    stream = URIRef(start)
    assert (stream, RDF.type, LDES.EventStream) in stream_doc
    page, latest, visited = str(stream_doc.value(stream, TREE.view)), {}, []
    while page:
        visited.append(page)
        graph = fetch(page, accept)
        for version in graph.objects(stream, TREE.member):
            resource, time = graph.value(version, DCTERMS.isVersionOf), graph.value(version, PROV.generatedAtTime)
            if resource not in latest or latest[resource][0] <= time.toPython():
                latest[resource] = (time.toPython(), describe(graph, version))
        following = [graph.value(r, TREE.node) for r in graph.objects(URIRef(page), TREE.relation)]
        assert len(following) <= 1
        page = str(following[0]) if following else None
    return {r: g for r, (_, g) in latest.items()}, visited


def test_walking_the_tree_pages_with_rdflib_rebuilds_the_current_release(feed, history):
    latest, visited = walk(f"{feed.url}/ldes")
    assert len(visited) >= 3  # the first release over several pages, then releases 2 and 3
    assert isomorphic(materialise(latest, URIRef(f"{feed.url}/ldes")), dump_graph(history, 3))


def test_json_ld_pages_give_the_same_state(feed, history):
    latest, _ = walk(f"{feed.url}/ldes", "application/ld+json")
    assert isomorphic(materialise(latest, URIRef(f"{feed.url}/ldes")), dump_graph(history, 3))


def test_one_member_per_changed_resource_per_release(feed, history):
    second, third = history.releases[1], history.releases[2]
    members = {}
    for release in (second, third):
        graph = fetch(f"{feed.url}/ldes/{release}/1")
        members[release] = {graph.value(v, DCTERMS.isVersionOf) for v in graph.objects(URIRef(f"{feed.url}/ldes"), TREE.member)}
    assert members[second] == {URIRef(VIDOT)}
    assert members[third] == {URIRef(VIDOT), URIRef(THILIK)}
    graph = fetch(f"{feed.url}/ldes/{second}/1")
    version = next(graph.subjects(DCTERMS.isVersionOf, URIRef(VIDOT)))
    assert str(version) == f"{feed.url}/release/{second}/id/person/viviane-vidot" or "version?of=" in str(version)
    assert any(VIDOT_LABELS[1] in str(o) for o in graph.objects(version, None) if isinstance(o, Literal))
    assert graph.value(version, PROV.generatedAtTime).toPython().isoformat().startswith(second[:4])


def test_pages_are_linked_by_time_with_greater_than_or_equal_relations(feed, history):
    graph = fetch(f"{feed.url}/ldes/{history.releases[1]}/1")
    relation = graph.value(URIRef(f"{feed.url}/ldes/{history.releases[1]}/1"), TREE.relation)
    assert (relation, RDF.type, TREE.GreaterThanOrEqualToRelation) in graph
    assert graph.value(relation, TREE.path) == PROV.generatedAtTime
    assert str(graph.value(relation, TREE.node)) == f"{feed.url}/ldes/{history.releases[2]}/1"
    assert graph.value(relation, TREE.value).toPython() > graph.value(
        next(graph.subjects(DCTERMS.isVersionOf, URIRef(VIDOT))), PROV.generatedAtTime).toPython()


def test_the_stream_states_its_paths_and_retention(feed):
    graph = fetch(f"{feed.url}/ldes")
    stream = URIRef(f"{feed.url}/ldes")
    assert graph.value(stream, LDES.timestampPath) == PROV.generatedAtTime
    assert graph.value(stream, LDES.versionOfPath) == DCTERMS.isVersionOf
    policy = graph.value(stream, LDES.retentionPolicy)
    assert graph.value(policy, LDES.startingFrom) is not None
    assert "100 releases" in str(graph.value(policy, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))


def test_old_pages_are_immutable_and_the_newest_is_not(feed, history):
    old = requests.get(f"{feed.url}/ldes/{history.releases[1]}/1", timeout=30)
    assert "immutable" in old.headers["Cache-Control"] and not old.headers["ETag"].startswith("W/")
    again = requests.get(old.url, headers={"If-None-Match": old.headers["ETag"]}, timeout=30)
    assert again.status_code == 304
    newest = requests.get(f"{feed.url}/ldes/{history.releases[2]}/1", timeout=30)
    assert "immutable" not in newest.headers["Cache-Control"]
    assert (URIRef(newest.url), LDES.immutable, None) not in Graph().parse(data=newest.text, format="turtle")


def test_version_objects_outside_id_are_dereferenceable(feed, history):
    first = history.releases[0]
    for number in range(1, 30):
        graph = fetch(f"{feed.url}/ldes/base/{first}/{number}")
        outside = [v for v in graph.objects(URIRef(f"{feed.url}/ldes"), TREE.member) if "version?of=" in str(v)]
        if outside:
            break
    version = outside[0]
    answered = fetch(str(version))
    assert isomorphic(answered, describe(graph, version))
    assert requests.get(f"{feed.url}/ldes/{first}/version?of=https://example.org/never", timeout=30).status_code == 404
    assert requests.get(f"{feed.url}/ldes/{first}/version?of=nonsense", timeout=30).status_code == 400


@pytest.mark.parametrize("accept,parser", [("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
                                           ("text/turtle", "turtle")])
def test_content_negotiation(feed, history, accept, parser):
    response = requests.get(f"{feed.url}/ldes/{history.releases[2]}/1", headers={"Accept": accept}, timeout=30)
    assert response.headers["Content-Type"].startswith(accept) and "Accept" in response.headers["Vary"]
    assert len(Graph().parse(data=response.text, format=parser)) > 10


@pytest.mark.parametrize("path,status", [("/ldes/{r}/999", 404), ("/ldes/{r}/0", 404),
                                         ("/ldes/20990101T000000Z-deadbeef/1", 404),
                                         ("/ldes/base/20990101T000000Z-deadbeef/1", 404),
                                         ("/ldes/{r}/1?format=xyz", 400), ("/ldes/{r}/abc", 404)])
def test_bad_input_is_a_clear_4xx(feed, history, path, status):
    response = requests.get(feed.url + path.format(r=history.releases[1]), headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == status


def test_beyond_retention_pages_are_gone_and_the_view_starts_at_the_oldest_kept_base(tmp_path):
    from history_builds import three_releases

    short = three_releases(tmp_path, keep_releases=0, history_keep_releases=2)
    app = create_app(dataclasses.replace(short.settings, ldes_page_size=100))
    with LiveServer(app) as server:
        app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], public_base=server.url)
        for path in (f"/ldes/{short.releases[0]}/1", f"/ldes/base/{short.releases[0]}/1"):
            gone = requests.get(server.url + path, timeout=30)
            assert gone.status_code == 410 and short.releases[1] in gone.headers["Link"]
        latest, visited = walk(f"{server.url}/ldes")
        assert visited[0] == f"{server.url}/ldes/base/{short.releases[1]}/1"
        assert isomorphic(materialise(latest, URIRef(f"{server.url}/ldes")), dump_graph(short, 3))


@pytest.mark.skipif(shutil.which("node") is None or not CLIENT.exists(),
                    reason="ldes-client not installed: run `make assets` (npm install)")
def test_ldes_client_from_npm_replays_to_the_current_release(feed, history):
    done = subprocess.run(["node", str(CLIENT), f"{feed.url}/ldes", "--materialize", "--last-version-only",
                           "--no-shape"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    emitted = Graph().parse(data=done.stdout, format="turtle")
    latest: dict[URIRef, Graph] = {}
    for resource in set(emitted.subjects(PROV.generatedAtTime, None)):
        latest[resource] = describe(emitted, resource)
    state = Graph()
    for resource, graph in latest.items():
        if (resource, RDF.type, AS.Tombstone) in graph:
            continue
        for s, p, o in graph:
            if p == PROV.generatedAtTime or (str(resource).endswith("/ldes/unattached") and p == DCTERMS.hasPart):
                continue
            state.add((s, p, o))
    assert isomorphic(state, dump_graph(history, 3))
