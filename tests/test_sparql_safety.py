"""The public endpoint under abuse: read-only whatever the method, no request to any host (SERVICE,
FROM, dataset parameters — checked with a real listener on a loopback port), time limits that really
stop a query while other queries are answered, and size limits."""
from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from servers import LiveServer
from server.settings import load_settings
from server.sparql.engine import QueryEngine
from server.sparql.execute import Config, Job
from server.kg.namespaces import graph_name
from server.web.app import create_app

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


class Listener:
    """A TCP listener on a free loopback port that records every connection it gets."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                data = conn.recv(65536)
            except OSError:
                data = b"<no data>"
            self.connections.append(data or b"<connected>")
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture()
def listener():
    server = Listener()
    yield server
    server.close()


def triples(client) -> int:
    response = client.get("/sparql", query_string={"query": COUNT})
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


# -- read-only -----------------------------------------------------------------------------------
UPDATES = [
    "INSERT DATA { <http://example.org/s> <http://example.org/p> <http://example.org/o> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 'x' } WHERE { ?s ?p ?o }",
    "CLEAR ALL", "CLEAR DEFAULT", "DROP ALL", "CREATE GRAPH <http://example.org/g>",
    "LOAD <http://example.org/data.ttl>", "ADD DEFAULT TO <http://example.org/g>",
    "MOVE DEFAULT TO <http://example.org/g>", "COPY DEFAULT TO <http://example.org/g>",
    "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c } ; DELETE WHERE { ?s ?p ?o }",
]


def update_requests(client, update):
    yield client.get("/sparql", query_string={"query": update})
    yield client.get("/sparql", query_string={"update": update})
    yield client.post("/sparql", data={"query": update})
    yield client.post("/sparql", data={"update": update})
    yield client.post("/sparql", data=update.encode(), content_type="application/sparql-query")
    yield client.post("/sparql", data=update.encode(), content_type="application/sparql-update")


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_whatever_the_method(client, update):
    before = triples(client)
    for response in update_requests(client, update):
        assert 400 <= response.status_code < 500, (update, response.status_code)
        assert b"read-only" in response.data or b"Malformed" in response.data
    assert triples(client) == before


def test_update_refusal_is_403_with_a_clear_message(client):
    response = client.post("/sparql", data={"query": "CLEAR ALL"})
    assert response.status_code == 403 and b"read-only" in response.data


# -- no request to any host ----------------------------------------------------------------------
def service_queries(url):
    host = url.rstrip("/")
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX remote: <{host}/> SELECT * WHERE {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
        f"BASE <{url}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} LIMIT 1",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { \\u0053ERVICE <" + url + "> { ?s ?p ?o } }",
        f"SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        # pyoxigraph's parser reads this as the number 1 followed by SERVICE; rdflib's does not
        f"SELECT * WHERE {{ ?s ?p 1SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o sErViCe<{url}>{{ ?s ?p ?o }} }}",
    ]


def test_service_reaches_no_host(live_server, listener):
    for query in service_queries(listener.url):
        for method in ("get", "post"):
            kwargs = {"params" if method == "get" else "data": {"query": query}}
            response = getattr(requests, method)(live_server.url + "/sparql", timeout=30, **kwargs)
            assert response.status_code in (400, 403), (query, response.status_code, response.text)
    time.sleep(0.5)
    assert listener.connections == []


def test_dataset_urls_are_never_dereferenced(live_server, listener):
    url = listener.url + "data.ttl"
    queries = [
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"CONSTRUCT WHERE {{ ?s ?p ?o }}",
    ]
    for query in queries:
        for params in ({}, {"default-graph-uri": url}, {"named-graph-uri": url},
                       {"default-graph-uri": url, "named-graph-uri": listener.url}):
            response = requests.post(live_server.url + "/sparql", data={"query": query, **params}, timeout=30)
            assert response.status_code == 200, response.text
    # and the graphs named by such URLs are empty graphs
    response = requests.get(live_server.url + "/sparql", params={"query": queries[0]}, timeout=30)
    assert response.json()["results"]["bindings"] == []
    time.sleep(0.5)
    assert listener.connections == []


def test_worker_has_no_network_even_if_the_guard_let_service_through(build_dir, listener):
    """Defence in depth: allow the listener in the guard, keep the worker isolated: still nothing."""
    settings = load_settings(build_dir=build_dir)
    release = str((settings.current_release).resolve())
    config = Config(graph_name=graph_name(settings.public_base), in_memory=True, max_rows=100,
                    federation_allow=(listener.url,))
    engine = QueryEngine(config, release, workers=1, isolate=True)
    try:
        if not engine.isolated:
            pytest.skip("this kernel does not allow a network namespace for the worker")
        answer = engine.run(Job(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}", release,
                                "json", "turtle"), timeout=20)
        assert answer.status == 400  # the engine's SERVICE call failed: no network in the worker
    finally:
        engine.close()
    time.sleep(0.5)
    assert listener.connections == []


# -- time limit ----------------------------------------------------------------------------------
RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }")
LIGHT = "PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#> SELECT ?p WHERE { ?p a ikpe:Project } LIMIT 3"


@pytest.fixture(scope="module")
def slow_server(build_dir):
    # the answer cache is off: every light query must be answered by the engine while it is busy
    app = create_app(load_settings(build_dir=build_dir, sparql_timeout=2, sparql_workers=2, sparql_cache_mb=0))
    with LiveServer(app) as server:
        requests.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=60)  # start the workers
        yield server
    app.extensions["ikpe_sparql_engine"].close()


def test_runaway_query_is_stopped_while_others_are_answered(slow_server):
    outcome = {}

    def runaway():
        started = time.monotonic()
        response = requests.post(slow_server.url + "/sparql", data={"query": RUNAWAY}, timeout=60)
        outcome.update(status=response.status_code, text=response.text, seconds=time.monotonic() - started)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    light_during = []
    while thread.is_alive():
        started = time.monotonic()
        response = requests.get(slow_server.url + "/sparql", params={"query": LIGHT}, timeout=10)
        light_during.append((response.status_code, time.monotonic() - started))
        time.sleep(0.1)
    thread.join()
    assert outcome["status"] == 503, outcome
    assert "time limit" in outcome["text"]
    assert 1.9 <= outcome["seconds"] < 10
    assert len(light_during) >= 5 and all(status == 200 and seconds < 1.5 for status, seconds in light_during)
    # and afterwards (the killed worker is replaced)
    for _ in range(4):
        assert requests.get(slow_server.url + "/sparql", params={"query": LIGHT}, timeout=10).status_code == 200


def test_several_runaways_never_block_the_server_for_good(slow_server):
    threads = [threading.Thread(target=requests.post, args=(slow_server.url + "/sparql",),
                                kwargs={"data": {"query": RUNAWAY}, "timeout": 60}) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = requests.get(slow_server.url + "/sparql", params={"query": LIGHT}, timeout=10)
        if response.status_code == 200:
            break
        time.sleep(0.2)
    assert response.status_code == 200


# -- size limits ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def short(build_dir):
    app = create_app(load_settings(build_dir=build_dir, sparql_max_query_length=200))
    return app.test_client()


def test_query_length_limit(short):
    long_query = "SELECT * WHERE { ?s ?p ?o }" + " " * 200
    response = short.get("/sparql", query_string={"query": long_query})
    assert response.status_code == 414 and b"at most 200" in response.data
    response = short.post("/sparql", data={"query": long_query})
    assert response.status_code == 413 and b"at most 200" in response.data
    response = short.post("/sparql", data=long_query.encode(), content_type="application/sparql-query")
    assert response.status_code == 413
    assert short.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_request_body_limit(short):
    response = short.post("/sparql", data=b"x" * 100_000, content_type="application/sparql-query")
    assert response.status_code == 413 and b"too large" in response.data


# -- keyword pre-check: only queries that may contain SERVICE / FROM as code pay for the full parse ----
@pytest.mark.parametrize("query", [
    "PREFIX schema: <http://schema.org/> SELECT ?o WHERE { ?o schema:validFrom ?d }",   # prefixed name
    "SELECT ?s WHERE { ?s ?p 'use SERVICE <http://127.0.0.1:9/> { } FROM <x>' }",       # string literal
    'SELECT ?s WHERE { ?s ?p """long\nSERVICE <http://127.0.0.1:9/> {}""" }',
    "SELECT ?s WHERE { ?s <http://example.org/service> ?o }",                           # IRI
    "SELECT ?validFrom ?service WHERE { ?s ?p ?validFrom . ?s ?q ?service }",            # variables
    "SELECT ?s WHERE { ?s ?p _:fromHere } # served from the SERVICE desk\n",            # blank node, comment
    "PREFIX ex: <http://example.org/> SELECT ?s WHERE { ?s ex:a\\'SERVICE ?o }",       # escaped quote in a name
])
def test_mentions_need_no_parse(query):
    from server.sparql.guard import needs_parse

    assert not needs_parse(query)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "select * where { service\t<http://127.0.0.1:9/>{} }",
    "SELECT * WHERE { ?s ?p ?o sErViCe<http://127.0.0.1:9/>{} }",
    "SELECT * WHERE { ?s ?p 1SERVICE<http://127.0.0.1:9/>{} }",       # a number, then the keyword
    "SELECT * WHERE { ?s ?p 1e5SERVICE:x{} }",                        # not a prefixed name 1e5SERVICE:x
    "SELECT * WHERE { ?s ?p ?o SERVICEx:y{} }",                       # PEG: SERVICE x:y {
    "SELECT * WHERE { ?s ?p 'x'@deSERVICE<http://127.0.0.1:9/>{} }",  # after a language tag
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> {} }",      # codepoint escape
    "SELECT * WHERE { ?s ?p 'unterminated SERVICE <http://127.0.0.1:9/> {} }",
    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
    "SELECT*FROM:g WHERE{}", "SELECT * from\nnamed <http://example.org/g> { }",
    "CONSTRUCT { ?s ?p ?o } FrOm <http://example.org/g> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } # comment\nSERVICE",
])
def test_keywords_need_the_parse(query):
    from server.sparql.guard import needs_parse

    assert needs_parse(query)


def test_mentions_are_answered_and_keywords_still_refused(client):
    query = ("PREFIX schema: <http://schema.org/> SELECT ?s WHERE { ?s ?p ?o "
             "FILTER(?o != 'served from the SERVICE desk') FILTER(?p != <http://example.org/service>) "
             "OPTIONAL { ?s schema:validFrom ?from } } LIMIT 1")
    assert client.get("/sparql", query_string={"query": query}).status_code == 200
    refused = query.replace("OPTIONAL", "SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } OPTIONAL")
    assert client.get("/sparql", query_string={"query": refused}).status_code == 403


# -- a worker without the privilege to isolate itself (gunicorn as an unprivileged user) ------------
SITECUSTOMIZE = '''
import ctypes, errno

class _Libc:
    """The C library, except that unshare() fails with EPERM, as for a process without CAP_SYS_ADMIN
    on a kernel without unprivileged user namespaces."""

    def __init__(self, real):
        self._real = real

    def unshare(self, flags):
        ctypes.set_errno(errno.EPERM)
        return -1

    def __getattr__(self, name):
        return getattr(self._real, name)

_CDLL = ctypes.CDLL

def CDLL(name, *args, **kwargs):
    library = _CDLL(name, *args, **kwargs)
    return _Libc(library) if name is None else library

ctypes.CDLL = CDLL
'''


def test_without_privilege_the_worker_starts_and_the_guard_keeps_service_out(build_dir, listener, tmp_path,
                                                                             monkeypatch, caplog):
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE)  # loaded by each worker at start-up
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    settings = load_settings(build_dir=build_dir)
    release = str(settings.current_release.resolve())
    config = Config(graph_name=graph_name(settings.public_base), in_memory=True, max_rows=100)
    with caplog.at_level("WARNING", logger="server.sparql.engine"):
        engine = QueryEngine(config, release, workers=1, isolate=True)
    try:
        assert engine.isolated is False
        assert "WITHOUT network isolation" in caplog.text
        answer = engine.run(Job(COUNT, release, "json", "turtle"), timeout=20)
        assert answer.status == 200 and b'"n"' in answer.body
        for query in service_queries(listener.url):
            answer = engine.run(Job(query, release, "json", "turtle"), timeout=20)
            assert answer.status in (400, 403), (query, answer.body)
    finally:
        engine.close()
    time.sleep(0.5)
    assert listener.connections == []
