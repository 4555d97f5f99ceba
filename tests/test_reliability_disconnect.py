"""A client that disconnects cancels its SPARQL query: the server notices the closed connection while
the query process computes, kills that process and starts a fresh one, instead of letting it run to
the time limit. Checked with one query process (so a stuck one would block everything) on the
in-process werkzeug server and on the production command (gunicorn gthread), with a heavy query sent
over a raw socket that is then closed."""
from __future__ import annotations

import socket
import time
from urllib.parse import urlencode

import pytest
import requests

from server.settings import load_settings
from server.sparql.engine import CANCEL_POLL
from server.web.app import create_app
from servers import LiveServer
from tests.test_reliability_load import Gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("timing")]  # timed: one after another

TIME_LIMIT = 20.0
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
LIGHT = "PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#> SELECT ?p WHERE { ?p a ikpe:Project } LIMIT 3"
FREED_WITHIN = 8.0  # seconds from the disconnect to the next answer: a fresh query process starts in ~1-3 s


@pytest.fixture(scope="module", params=["werkzeug", "gunicorn"])
def one_worker(request, build_dir):
    """A server with ONE SPARQL query process, a 20 s time limit and no per-client limits; the answer
    cache off, so the light query proves the query process is free again."""
    if request.param == "werkzeug":
        app = create_app(load_settings(build_dir=build_dir, sparql_timeout=TIME_LIMIT, sparql_workers=1,
                                       limit_client_queries=0, limit_client_requests=0,
                                       limit_concurrent_queries=0, sparql_cache_mb=0))
        with LiveServer(app) as server:
            requests.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=120)
            yield server
        app.extensions["ikpe_sparql_engine"].close()
    else:
        server = Gunicorn(build_dir, IKPE_SPARQL_TIMEOUT=str(TIME_LIMIT))
        server.env.update(IKPE_SPARQL_WORKERS="1", IKPE_GUNICORN_WORKERS="1", IKPE_SPARQL_CACHE_MB="0")
        with server:
            yield server
            assert "Traceback" not in server.output()


def send_heavy(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    body = urlencode({"query": HEAVY}).encode()
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
                 b"Accept: application/sparql-results+json\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    return sock


def light(url: str):
    started = time.monotonic()
    response = requests.get(url + "/sparql", params={"query": LIGHT},
                            headers={"Accept": "application/sparql-results+json"}, timeout=60)
    return response, time.monotonic() - started


def test_a_disconnected_client_frees_the_query_process(one_worker):
    url = one_worker.url
    sock = send_heavy(url)
    time.sleep(1.5)
    # the heavy query holds the only query process: nothing was answered on its socket yet
    sock.setblocking(False)
    with pytest.raises(BlockingIOError):
        sock.recv(1)
    health = requests.get(url + "/health", timeout=10).json()
    assert health["process"]["queries_in_progress"] == 1, health
    sock.close()
    disconnected = time.monotonic()

    response, _ = light(url)
    freed_after = time.monotonic() - disconnected
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"]
    assert freed_after < FREED_WITHIN, \
        f"the next query waited {freed_after:.1f} s: the heavy query kept running after its client left"
    # both slots are free (the light query's is released just after its last byte is sent: poll)
    for _ in range(20):
        if requests.get(url + "/health", timeout=10).json()["process"]["queries_in_progress"] == 0:
            break
        time.sleep(0.1)
    else:
        pytest.fail("a query slot stayed taken after the disconnect")


def test_a_connected_client_still_gets_its_answer(one_worker):
    """The check does not stop queries whose client is waiting (a keep-alive connection, body read)."""
    with requests.Session() as session:
        for _ in range(3):
            started = time.monotonic()
            slowish = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(?b = ?e) }"  # ~1 s
            response = session.post(url := one_worker.url + "/sparql", data={"query": slowish},
                                    headers={"Accept": "application/sparql-results+json"}, timeout=60)
            assert response.status_code == 200, (url, response.text)
            assert int(response.json()["results"]["bindings"][0]["n"]["value"]) > 0
            elapsed = time.monotonic() - started
            assert CANCEL_POLL < elapsed < TIME_LIMIT  # the query outlived at least one check
