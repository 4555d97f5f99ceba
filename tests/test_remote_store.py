"""The store interface on the embedded store and on real remote stores (Oxigraph server, Virtuoso)
started on 127.0.0.1: same answers, the release read from the store, publishing that is atomic,
idempotent and refuses what is not a validated release, and 503 + Retry-After while a store is down."""
from __future__ import annotations

import gzip
import json
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from stores import REMOTE_KINDS, STORE_KINDS, start_server

from server.cli import main as cli
from server.kg.release import write_release
from server.settings import PROJECT_ROOT, load_settings
from server.store import DatasetClauseError, RemoteQueryError, StoreTimeout, StoreUnavailable, open_store
from server.store.publish import Publisher, PublishError
from server.store.remote import RemoteStore
from server.web.app import create_app
from server.web.store_access import store_of

QUERIES = sorted((PROJECT_ROOT / "queries").glob("*.rq"))
THILIK = "https://lod.ikpe-erfurt.de/id/project/thilik"


@pytest.fixture(scope="module", params=STORE_KINDS)
def any_store(request, store_farm, build_dir):  # noqa: F811
    return open_store(store_farm.settings(request.param, build_dir))


@pytest.fixture(scope="module")
def embedded(build_dir):
    return open_store(load_settings(build_dir=build_dir))


@pytest.fixture(scope="module", params=REMOTE_KINDS)
def remote_kind(request):
    return request.param


WKT = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")


def normal(term):
    """Blank nodes as a marker (labels differ between stores); WKT without optional spaces (Virtuoso
    rewrites WKT on load, see docs/deployment.md)."""
    if isinstance(term, BNode):
        return "_:b"
    if isinstance(term, Literal) and term.datatype == WKT:
        return Literal(re.sub(r"\s*([(),])\s*", r"\1", str(term)), datatype=WKT).n3()
    return term.n3()


def comparable(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(sorted((k, normal(v)) for k, v in row.items())) for row in rows)


def normal_graph(graph: Graph) -> Graph:
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == WKT:
            o = Literal(re.sub(r"\s*([(),])\s*", r"\1", str(o)), datatype=WKT)
        out.add((s, p, o))
    return out


# -- the store interface --------------------------------------------------------------------------
def test_release_is_read_from_the_store(any_store, build_dir):
    manifest = json.loads((build_dir / "current" / "manifest.json").read_text(encoding="utf-8"))
    info = any_store.release()
    assert info.id == manifest["release"]
    assert info.created == manifest["created"]
    assert info.manifest["triples"] == manifest["triples"]
    assert info.dumps_dir is not None and (info.dumps_dir / "ikpe.nt.gz").exists()


@pytest.mark.parametrize("query_file", QUERIES, ids=[q.stem for q in QUERIES])
def test_query_set_answers_like_the_embedded_store(any_store, embedded, query_file):
    query = query_file.read_text(encoding="utf-8")
    assert comparable(any_store.select(query)) == comparable(embedded.select(query))


def test_the_query_set_finds_things(embedded):
    """A comparison of empty answers would test nothing: most queries of the set must find rows."""
    answered = [q.stem for q in QUERIES if embedded.select(q.read_text(encoding="utf-8"))]
    assert len(answered) >= 20, answered


def test_terms_come_back_as_rdflib_terms(any_store):
    rows = any_store.select(f"SELECT ?p ?o WHERE {{ <{THILIK}> ?p ?o }}")
    objects = [row["o"] for row in rows]
    assert all(isinstance(row["p"], URIRef) for row in rows)
    assert any(isinstance(o, Literal) and o.language == "de" for o in objects)
    assert any(isinstance(o, Literal) and o.datatype == URIRef("http://www.w3.org/2001/XMLSchema#gYear")
               for o in objects)
    plain = [o for o in objects if isinstance(o, Literal) and not o.language and o.datatype is None]
    assert all(o.datatype is None for o in plain)  # xsd:string comes back as a simple literal, as embedded


def test_unbound_variables_are_absent(any_store):
    rows = any_store.select(f"SELECT ?s ?none WHERE {{ BIND(<{THILIK}> AS ?s) OPTIONAL {{ ?s <urn:x:none> ?none }} }}")
    assert rows == [{"s": URIRef(THILIK)}]


def test_ask(any_store):
    assert any_store.ask(f"ASK {{ <{THILIK}> ?p ?o }}") is True
    assert any_store.ask("ASK { <urn:x:nothing> ?p ?o }") is False


def test_construct_whole_graph_is_the_release(any_store, embedded):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    graph, expected = any_store.construct(query), embedded.construct(query)
    assert len(graph) == len(expected) == any_store.release().manifest["triples"]
    assert isomorphic(normal_graph(graph), normal_graph(expected))  # blank nodes (ontology lists) survive


def test_only_the_current_release_is_visible(any_store):
    """The meta graph, old releases and system graphs stay out of the dataset the app queries."""
    assert any_store.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1") == []
    assert not any_store.ask("ASK { ?release <https://lod.ikpe-erfurt.de/def/publish#manifest> ?m }")
    assert not any_store.ask("ASK { ?s ?p <http://www.openlinksw.com/schemas/virtrdf#QuadMapFormat> }")


def test_the_recorded_manifest_leaves_out_the_per_project_files(store_farm, build_dir, remote_kind):  # noqa: F811
    """Every remote request reads the recorded manifest with the release pointer: it holds everything of
    the build's manifest but the list of per-project dump files (one entry per project, 5 MB at 1M)."""
    recorded = RemoteStore(store_farm.settings(remote_kind, build_dir)).snapshot().release().manifest
    local = json.loads((build_dir / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert local["catalog"]["project_dumps"] and "project_dumps" not in recorded["catalog"]
    assert recorded == {**local, "catalog": {k: v for k, v in local["catalog"].items() if k != "project_dumps"}}


def test_public_queries_cannot_name_other_graphs(store_farm, build_dir, remote_kind):  # noqa: F811
    snapshot = RemoteStore(store_farm.settings(remote_kind, build_dir)).snapshot()
    for query in ("SELECT * FROM <https://lod.ikpe-erfurt.de/graph/meta> WHERE { ?s ?p ?o }",
                  "SELECT * FROM NAMED <https://lod.ikpe-erfurt.de/graph/meta> WHERE { GRAPH ?g { ?s ?p ?o } }"):
        with pytest.raises(DatasetClauseError):
            snapshot.sparql(query)
    assert list(snapshot.sparql("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")) == []


# -- publishing -------------------------------------------------------------------------------
def make_release(source_build: Path, target_build: Path, extra_label: str) -> Path:
    """A second validated release: the test build plus one triple, written the way a build writes it."""
    graph = Graph()
    with gzip.open(source_build / "current" / "dumps" / "ikpe.nt.gz", "rb") as handle:
        graph.parse(data=handle.read(), format="nt")
    graph.add((URIRef(THILIK), URIRef("http://www.w3.org/2004/02/skos/core#note"), Literal(extra_label)))
    manifest = json.loads((source_build / "current" / "manifest.json").read_text(encoding="utf-8"))
    metadata = {k: v for k, v in manifest.items() if k not in ("release", "created", "triples", "dumps")}
    metadata["source_digest"] = f"{abs(hash(extra_label)):064x}"[:64]
    time.sleep(1.1)  # release ids have one-second resolution
    return write_release(graph, target_build, metadata)


@pytest.fixture(scope="module")
def fresh_remote(tmp_path_factory, remote_kind):
    """A store of its own (publishing tests change what it serves)."""
    server = start_server(remote_kind, tmp_path_factory.mktemp(f"publish-{remote_kind}"))
    yield server
    server.stop()


def test_publish_switches_atomically_is_idempotent_and_drops_old_graphs(fresh_remote, build_dir, tmp_path):
    first = load_settings(build_dir=build_dir, **fresh_remote.settings())
    outcome = Publisher(first).publish(keep=1)
    assert not outcome.already_current
    store = RemoteStore(first)
    assert store.release().id == outcome.release

    again = Publisher(first).publish(keep=1)
    assert again.already_current and again.release == outcome.release
    assert len(store.construct("CONSTRUCT WHERE { ?s ?p ?o }")) == outcome.triples  # nothing loaded twice

    releases = []
    for label in ("second", "third"):
        make_release(build_dir, tmp_path, label)
        settings = load_settings(build_dir=tmp_path, **fresh_remote.settings())
        releases.append(Publisher(settings).publish(keep=1))
        assert RemoteStore(settings).release().id == releases[-1].release
        assert RemoteStore(settings).ask(f'ASK {{ <{THILIK}> ?p "{label}" }}')
    assert releases[-1].dropped == [outcome.graph]  # the first one; the second stays for in-flight requests
    publisher = Publisher(settings)
    assert publisher.count(outcome.graph) == 0
    assert publisher.count(releases[0].graph) == releases[0].triples


def test_publish_refuses_what_is_not_a_validated_release(fresh_remote, build_dir, tmp_path):
    serving = RemoteStore(load_settings(build_dir=build_dir, **fresh_remote.settings()))
    Publisher(load_settings(build_dir=build_dir, **fresh_remote.settings())).publish()
    before = serving.release().id
    empty = load_settings(build_dir=tmp_path / "nothing", **fresh_remote.settings())
    with pytest.raises(PublishError, match="No validated release"):
        Publisher(empty).publish()
    # a release folder without manifest (an interrupted or failed build) is not publishable either
    folder = make_release(build_dir, tmp_path / "broken", "broken")
    (folder / "manifest.json").unlink()
    with pytest.raises(PublishError, match="No validated release"):
        Publisher(load_settings(build_dir=tmp_path / "broken", **fresh_remote.settings())).publish()
    # a damaged dump is refused
    folder = make_release(build_dir, tmp_path / "damaged", "damaged")
    with gzip.open(folder / "dumps" / "ikpe.nt.gz", "ab") as handle:
        handle.write(b"<urn:x:a> <urn:x:b> <urn:x:c> .\n")
    with pytest.raises(PublishError, match="damaged"):
        Publisher(load_settings(build_dir=tmp_path / "damaged", **fresh_remote.settings())).publish()
    assert serving.release().id == before


def test_failed_upload_leaves_the_previous_release_in_service(fresh_remote, build_dir, tmp_path):
    settings = load_settings(build_dir=build_dir, **fresh_remote.settings())
    Publisher(settings).publish()
    before = RemoteStore(settings).release().id
    folder = make_release(build_dir, tmp_path, "failing")
    new = load_settings(build_dir=tmp_path, **fresh_remote.settings())

    def break_after_first_chunk(event, advance=None, **info):
        if event == "uploaded":
            raise ConnectionError("upload interrupted")

    publisher = Publisher(new, break_after_first_chunk, chunk_size=100)
    with pytest.raises(ConnectionError):
        publisher.publish()
    assert RemoteStore(new).release().id == before
    graph = publisher.layout.release_graph(folder.name)
    assert publisher.count(graph) == 0  # the half-loaded graph is gone
    assert Publisher(new).publish().release == folder.name  # and a later run completes it


def test_wrong_credentials_are_refused_without_showing_them(build_dir, remote_kind, tmp_path):
    if remote_kind != "virtuoso":
        pytest.skip("the Oxigraph server has no authentication (it is kept on a private interface)")
    server = start_server("virtuoso", tmp_path / "virtuoso")
    try:
        env = {f"IKPE_{k.upper()}": str(v) for k, v in server.settings().items()}
        env["IKPE_REMOTE_PASSWORD"] = "not-the-password-4711"
        result = CliRunner().invoke(cli, ["--build-dir", str(build_dir), "publish"], env=env)
        assert result.exit_code == 1
        assert "refused the credentials" in result.output
        assert "not-the-password-4711" not in result.output
        env["IKPE_REMOTE_PASSWORD"] = server.password
        result = CliRunner().invoke(cli, ["--build-dir", str(build_dir), "publish"], env=env)
        assert result.exit_code == 0, result.output
        assert "Published" in result.output and server.password not in result.output
        result = CliRunner().invoke(cli, ["--build-dir", str(build_dir), "publish"], env=env)
        assert result.exit_code == 0 and "Already published" in result.output
    finally:
        server.stop()


# -- store down or slow -------------------------------------------------------------------------
def some_document(store) -> str:
    row = store.select(f"SELECT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{store.settings.id_base}')) }} LIMIT 1")
    return "/doc/" + str(row[0]["s"])[len(store.settings.id_base):]


def test_pages_answer_503_while_the_store_is_down_and_recover(fresh_remote, build_dir):
    settings = load_settings(build_dir=build_dir, **fresh_remote.settings(), remote_connect_timeout=1.0,
                             remote_read_timeout=5.0, retry_after=17)
    Publisher(settings).publish()
    app = create_app(settings)
    client = app.test_client()
    document = some_document(store_of(app))
    healthy = ["/", document]
    for path in healthy:
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 200, path

    fresh_remote.stop()
    try:
        for path in ("/", document):
            started = time.monotonic()
            response = client.get(path, headers={"Accept": "text/html"})
            assert time.monotonic() - started < 2.0
            assert response.status_code == 503, path
            assert response.headers["Retry-After"] == "17"
            assert "try again" in response.get_data(as_text=True).lower()
    finally:
        fresh_remote.start()
    # the same app (same pooled connections, now stale) recovers by itself
    for path in healthy:
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 200, path


class SilentStore:
    """A real TCP listener that accepts connections and never answers: a store that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self):
        for connection in self.connections:
            connection.close()
        self.sock.close()


def test_a_hanging_store_gives_503_after_the_read_timeout(build_dir):
    silent = SilentStore()
    try:
        settings = load_settings(build_dir=build_dir, store="remote", remote_read_timeout=1.0, retry_after=5,
                                 remote_query_url=f"http://127.0.0.1:{silent.port}/sparql")
        client = create_app(settings).test_client()
        started = time.monotonic()
        response = client.get("/", headers={"Accept": "text/html"})
        assert 0.9 < time.monotonic() - started < 3.0
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        with pytest.raises(StoreTimeout):
            RemoteStore(settings).select("SELECT * WHERE { ?s ?p ?o }")
    finally:
        silent.close()


def test_a_store_that_refuses_connections_is_unavailable(build_dir):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = load_settings(build_dir=build_dir, store="remote", remote_query_url=f"http://127.0.0.1:{port}/q")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        RemoteStore(settings).release()
    assert time.monotonic() - started < 1.0


def test_the_app_reads_the_same_release_from_two_workers(store_farm, build_dir, remote_kind):  # noqa: F811
    """Stateless: two apps (as two gunicorn workers or machines) on one store agree, with no shared files."""
    settings = store_farm.settings(remote_kind, build_dir)
    elsewhere = load_settings(**{**{f: getattr(settings, f) for f in ("store", "remote_query_url")},
                                 "build_dir": build_dir / "not-here"})
    one, two = create_app(settings).test_client(), create_app(elsewhere).test_client()
    document = some_document(open_store(settings))
    first, second = (c.get(document, headers={"Accept": "text/turtle"}) for c in (one, two))
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data() and first.headers["ETag"] == second.headers["ETag"]
    assert open_store(elsewhere).release().id == open_store(settings).release().id
    assert open_store(elsewhere).release().path is None  # no local dumps on that machine
    assert two.get(document, headers={"Accept": "text/html"}).status_code == 200
    assert one.get("/def/ikpe").status_code == 200
    assert two.get("/def/ikpe").status_code == 503  # the /def/ documents are files of the release


@pytest.mark.parametrize("query", [
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p LIMIT 5",
    f"ASK {{ <{THILIK}> ?p ?o }}",
    f"CONSTRUCT WHERE {{ <{THILIK}> ?p ?o }}",
    f"DESCRIBE <{THILIK}>",
])
def test_public_queries_answer_as_pyoxigraph_results(store_farm, build_dir, remote_kind, query):  # noqa: F811
    """What the SPARQL endpoint serialises: the same pyoxigraph objects as the embedded store's."""
    import pyoxigraph as ox

    settings = store_farm.settings(remote_kind, build_dir)
    local = ox.Store()
    with gzip.open(build_dir / "current" / "dumps" / "ikpe.nt.gz", "rb") as handle:
        local.bulk_load(handle, ox.RdfFormat.N_TRIPLES)
    remote = RemoteStore(settings).snapshot().sparql(query)
    expected = local.query(query)
    if isinstance(expected, ox.QueryBoolean):
        assert isinstance(remote, ox.QueryBoolean) and bool(remote) == bool(expected)
    elif isinstance(expected, ox.QuerySolutions):
        assert [v.value for v in remote.variables] == [v.value for v in expected.variables]
        assert [[str(s[i]) for i in range(2)] for s in remote] == [[str(s[i]) for i in range(2)] for s in expected]
    elif query.startswith("DESCRIBE"):  # implementation-defined: Virtuoso adds the incoming triples
        assert {str(t) for t in expected} <= {str(t) for t in remote}
    else:
        assert sorted(str(t) for t in remote) == sorted(str(t) for t in expected)


def test_public_dataset_parameters_map_to_the_release(store_farm, build_dir, remote_kind):  # noqa: F811
    store = RemoteStore(store_farm.settings(remote_kind, build_dir))
    snapshot = store.snapshot()
    public = "https://lod.ikpe-erfurt.de/sparql#graph"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    total = store.release().manifest["triples"]
    assert int(next(iter(snapshot.sparql(count, default_graphs=[public], public_graph=public)))[0].value) == total
    meta = store.layout.meta_graph
    assert int(next(iter(snapshot.sparql(count, default_graphs=[meta], public_graph=public)))[0].value) == 0
    named = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert list(snapshot.sparql(named, named_graphs=[meta], public_graph=public)) == []
    with pytest.raises(RemoteQueryError):
        snapshot.sparql("SELECT * WHERE { ?s ?p }")


@pytest.mark.store
@pytest.mark.slow
def test_gunicorn_workers_share_the_store_and_survive_its_restart(tmp_path, build_dir):
    """The production command on a remote store: workers agree (same ETag), answer 503 + Retry-After
    quickly while the store is down, and recover without a restart of their own."""
    import os
    import subprocess
    import sys
    import urllib.request

    from server.store.stores.base import free_port

    server = start_server("oxigraph-server", tmp_path / "oxigraph")
    port = free_port()
    env = {**os.environ, **{f"IKPE_{k.upper()}": str(v) for k, v in server.settings().items()},
           "IKPE_BUILD_DIR": str(build_dir), "IKPE_REMOTE_CONNECT_TIMEOUT": "1", "IKPE_RETRY_AFTER": "11"}
    Publisher(load_settings(build_dir=build_dir, **server.settings())).publish()
    gunicorn = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "3", "--timeout", "60",
                                 "-b", f"127.0.0.1:{port}", "server.web.app:create_app()"], env=env,
                                cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(path):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": "text/turtle"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.headers

    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        answers = [get("/doc/project/thilik") for _ in range(9)]
        assert {status for status, _ in answers} == {200}
        assert len({headers["ETag"] for _, headers in answers}) == 1
        server.stop()
        for _ in range(6):
            started = time.monotonic()
            status, headers = get("/doc/project/thilik")
            assert status == 503 and headers["Retry-After"] == "11"
            assert time.monotonic() - started < 2.0
        server.start()
        assert [get("/doc/project/thilik")[0] for _ in range(6)] == [200] * 6
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        server.stop()
