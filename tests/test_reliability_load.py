"""Load against the production server command (``ikpe-lod serve``: gunicorn with the app factory and
deploy/gunicorn.conf.py) on 127.0.0.1, bounded to a few seconds (the long run is ``bench/load.sh``):

* a mix of resource pages in every format, SPARQL queries and catalog pages with ``wrk``: 0 socket
  errors, 0 timeouts, 0 5xx;
* rebuild while serving: ``ikpe-lod build`` runs twice into the served build folder, with a data change
  before each, while clients keep reading: 0 failed requests, every answer wholly from the old or
  wholly from the new release (the release named by the ETag / ``Link`` / JSON ``release`` matches the
  body; one label, never two), and afterwards the new data is served;
* graceful shutdown: SIGTERM while a request is in flight, and the request still gets its whole answer.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS

from server.settings import PROJECT_ROOT
from servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("timing")]  # timed: one after another

WRK = shutil.which("wrk") or "/usr/bin/wrk"
BASE = "https://lod.ikpe-erfurt.de"
VIDOT = f"{BASE}/id/person/viviane-vidot"
MARK = re.compile(r"Fassung(\d+)")


def cli_build(data: Path, build: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", "--data", str(data), "--build-dir", str(build),
                           "build"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, COLUMNS="200"))


class ProductionServer:
    """``ikpe-lod serve`` (the production command: gunicorn with deploy/gunicorn.conf.py) on a free port."""

    def __init__(self, build: Path, data: Path | None = None, warm: bool = True, **env):
        self.warm = warm
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, IKPE_BUILD_DIR=str(build), IKPE_SPARQL_WORKERS="2",
                        IKPE_GUNICORN_WORKERS="2", IKPE_GUNICORN_THREADS="8",
                        # all test clients are 127.0.0.1: per-client limits would measure themselves
                        IKPE_LIMIT_CLIENT_REQUESTS="0", IKPE_LIMIT_CLIENT_QUERIES="0",
                        IKPE_LIMIT_CONCURRENT_QUERIES="0", **env)
        if data is not None:
            self.env["IKPE_DATA_DIR"] = str(data)
        self.log = None

    def __enter__(self):
        self.log = open(Path(self.env["IKPE_BUILD_DIR"]).parent / f"gunicorn-{self.port}.log", "w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=PROJECT_ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_up()
            if self.warm:
                self.warm_up()
        except BaseException:  # never leave the server running when the setup fails
            self.__exit__()
            raise
        return self

    def _wait_until_up(self):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if requests.get(self.url + "/robots.txt", timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # refused while starting, or slow on a loaded machine
                time.sleep(0.2)
        pytest.fail("the production server did not come up: " + self.output())

    def warm_up(self):
        """Every worker process has loaded the release and started its SPARQL workers."""
        for _ in range(12):
            requests.get(self.url + "/sparql", params={"query": "ASK {}"}, timeout=120)
            requests.get(self.url + "/doc/project/thilik", timeout=60)

    def output(self) -> str:
        if self.log is None:
            return ""
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-5000:]

    def stop(self, sig=signal.SIGTERM, timeout=60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout=10)

    def __exit__(self, *exc):
        self.stop()
        self.log.close()


Gunicorn = ProductionServer  # the name the other reliability modules import


@pytest.fixture(scope="module")
def production(build_dir):
    with ProductionServer(build_dir) as server:
        yield server


def run_wrk(url: str, seconds: int = 4, connections: int = 8) -> dict:
    result = subprocess.run([WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                             "-s", str(PROJECT_ROOT / "bench" / "load_mix.lua"), url],
                            capture_output=True, text=True, timeout=seconds + 60)
    assert result.returncode == 0, result.stderr
    statuses = Counter()
    for status, count in re.findall(r"^STATUS (\d+) (\d+)$", result.stdout, re.M):
        statuses[int(status)] += int(count)
    errors = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"^ERRORS .*$", result.stdout,
                                                                                 re.M).group(0)))
    latency = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"^LATENCY_US .*$",
                                                                                  result.stdout, re.M).group(0)))
    return {"statuses": statuses, "errors": errors, "latency_us": latency, "output": result.stdout}


@pytest.mark.skipif(not Path(WRK).exists(), reason="wrk is not installed (Debian package wrk; make test installs it)")
def test_mixed_load_on_the_production_server(production):
    outcome = run_wrk(production.url)
    statuses, errors = outcome["statuses"], outcome["errors"]
    print(outcome["output"])
    total = sum(statuses.values())
    # a load, not a speed check (that is bench/): every connection got answers, more than once
    assert total >= 16, f"too few requests in the run: {outcome['output']}"
    assert not any(errors.values()), f"socket errors or timeouts: {errors}"
    assert set(statuses) <= {200, 303}, f"unexpected statuses: {dict(statuses)}"
    assert "Traceback" not in production.output()


# -- rebuild while serving ---------------------------------------------------------------------------
def set_label(data: Path, n: int) -> None:
    people = data / "people.yaml"
    text = people.read_text(encoding="utf-8")
    new = re.sub(r"(- id: person/viviane-vidot\n  type: Person\n  label:\n    de: )[^\n]*",
                 rf"\g<1>Dr. Viviane Vidot Fassung{n}", text)
    assert new != text or f"Fassung{n}" in text
    people.write_text(new, encoding="utf-8")


def releases(build: Path) -> dict[str, dict]:
    out = {}
    for manifest in (build / "releases").glob("*/manifest.json"):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        out[data["release"]] = data
    return out


def marks(text: str) -> set[str]:
    return set(MARK.findall(text))


class Checker:
    """Clients that read and check answers until told to stop; every problem is recorded."""

    def __init__(self, url: str):
        self.url = url
        self.problems: list[str] = []
        self.seen: list[tuple[str, str, str]] = []  # (what, release or "", mark)
        self.count = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def note(self, what: str, release: str, mark: str) -> None:
        with self.lock:
            self.seen.append((what, release, mark))

    @staticmethod
    def etag_release(response) -> str:
        match = re.match(r'(?:W/)?"(\d{8}T\d{6}Z-[0-9a-f]{8}(?:-\d+)?)-[0-9a-f]{12}"', response.headers.get("ETag", ""))
        return match.group(1) if match else ""

    def turtle_document(self):
        response = requests.get(self.url + "/doc/person/viviane-vidot.ttl", timeout=30)
        graph = Graph().parse(data=response.text, format="turtle")
        labels = {str(o) for o in graph.objects(URIRef(VIDOT), RDFS.label) if isinstance(o, Literal)}
        modified = {str(o) for o in graph.objects(None, DCTERMS.modified)}
        self.note("ttl", self.etag_release(response), ",".join(sorted(m for l in labels for m in marks(l))))
        return response, {"labels": labels, "modified": modified}

    def html_document(self):
        response = requests.get(self.url + "/doc/person/viviane-vidot", headers={"Accept": "text/html"}, timeout=30)
        self.note("html", self.etag_release(response), ",".join(sorted(marks(response.text))))
        return response, {}

    def sparql(self):
        query = f"SELECT ?l WHERE {{ <{VIDOT}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
        response = requests.get(self.url + "/sparql", params={"query": query},
                                headers={"Accept": "application/sparql-results+json"}, timeout=30)
        rows = response.json()["results"]["bindings"] if response.status_code == 200 else []
        found = {m for row in rows for m in marks(row["l"]["value"])}
        self.note("sparql", "", ",".join(sorted(found)))
        return response, {"rows": len(rows)}

    def dump(self):
        response = requests.get(self.url + "/dumps/ikpe.ttl", timeout=30)
        link = " ".join(response.headers.get_all("Link") if hasattr(response.headers, "get_all") else
                        [response.headers.get("Link", "")])
        match = re.search(r"/dumps/(\d{8}T\d{6}Z-[0-9a-f]{8}(?:-\d+)?)/ikpe\.ttl>", link)
        release = match.group(1) if match else ""
        self.note("dump", release, ",".join(sorted(marks(response.text))))
        return response, {"sha256": hashlib.sha256(response.content).hexdigest()}

    def search(self):
        response = requests.get(self.url + "/search.json", params={"q": "Vidot"}, timeout=30)
        body = response.json() if response.status_code == 200 else {}
        found = {m for hit in body.get("results", []) for m in marks(hit.get("label", ""))}
        self.note("search", body.get("release") or "", ",".join(sorted(found)))
        return response, {}

    def catalog(self):
        return requests.get(self.url + "/catalog.ttl", timeout=30), {}

    def loop(self, n: int):
        kinds = [self.turtle_document, self.html_document, self.sparql, self.dump, self.search, self.catalog]
        i = n
        while not self.stop.is_set():
            check = kinds[i % len(kinds)]
            i += 1
            try:
                response, facts = check()
            except Exception as error:  # noqa: BLE001 — a failed request is what we count
                self.problem(f"{check.__name__}: {type(error).__name__}: {error}")
                continue
            with self.lock:
                self.count += 1
            if response.status_code != 200:
                self.problem(f"{check.__name__}: HTTP {response.status_code}: {response.text[:200]}")
            elif check == self.turtle_document:
                self.last_ttl = facts
            elif check == self.dump:
                self.last_dump = facts


def store_pins_one_release_per_request(build: Path) -> bool:
    """Does the embedded store answer a whole request from one release, even if ``current`` switches
    in the middle of it? (Checked directly: switch the link between two reads in one request.)"""
    from server.kg.release import switch_current
    from server.settings import load_settings
    from server.web.app import create_app

    kept = sorted(p for p in (build / "releases").iterdir() if not p.name.startswith("."))
    current = (build / "current").resolve()
    other = next(p for p in kept if p != current)
    from server.web.store_access import request_snapshot

    app = create_app(load_settings(build_dir=build))
    try:
        with app.test_request_context("/doc/person/viviane-vidot"):
            first = request_snapshot().release().id
            switch_current(build, other)
            second = request_snapshot().release().id
    finally:
        switch_current(build, current)
    return first == second


def test_one_request_is_answered_from_one_release(data_copy, tmp_path):
    data, build = data_copy / "data", tmp_path / "build"
    for n in (1, 2):
        set_label(data, n)
        assert cli_build(data, build).returncode == 0
    assert store_pins_one_release_per_request(build)


def test_rebuild_while_serving(data_copy, tmp_path):
    data, build = data_copy / "data", tmp_path / "build"
    label_of = {}
    set_label(data, 1)
    assert cli_build(data, build).returncode == 0
    label_of[os.readlink(build / "current").rsplit("/", 1)[-1]] = "1"
    with ProductionServer(build, data) as server:
        checker = Checker(server.url)
        threads = [threading.Thread(target=checker.loop, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        try:
            for n in (2, 3):
                time.sleep(1.5)
                set_label(data, n)
                result = cli_build(data, build)
                assert result.returncode == 0, result.stdout + result.stderr
                label_of[os.readlink(build / "current").rsplit("/", 1)[-1]] = str(n)
            time.sleep(2.0)
        finally:
            checker.stop.set()
            for thread in threads:
                thread.join(timeout=60)
        log = server.output()

    manifests = releases(build)
    assert len(label_of) == 3
    print(f"{checker.count} checked requests during 2 rebuilds; releases {sorted(label_of.items())}")
    assert not checker.problems, checker.problems[:10]
    assert checker.count >= 60, "the load was too light to mean anything"
    assert "Traceback" not in log, log

    pinned = store_pins_one_release_per_request(build)
    mixed = []
    for what, release, mark in checker.seen:
        if what in ("html", "ttl") and not pinned:
            continue  # not pinned: see test_one_request_is_answered_from_one_release
        if "," in mark or not mark:
            mixed.append((what, release, mark))  # two labels (or none) in one answer
        elif release and label_of.get(release) != mark:
            mixed.append((what, release, mark))  # the body is not from the release it names
    assert not mixed, f"answers mixing releases: {mixed[:10]}"

    by_kind = {}
    for what, release, mark in checker.seen:
        by_kind.setdefault(what, set()).add(mark)
    assert by_kind["ttl"] >= {"1", "3"} and by_kind["sparql"] >= {"1", "3"} and by_kind["dump"] >= {"1", "3"}, \
        f"the switch to the new releases was not seen under load: {by_kind}"
    # wholly from one release: the dump's bytes are the bytes the release's manifest lists
    sums = {m["dumps"]["ikpe.ttl"]["sha256"] for m in manifests.values()}
    assert checker.last_dump["sha256"] in sums
    # afterwards the new data is served
    assert checker.last_ttl["labels"] == {"Dr. Viviane Vidot Fassung3"}


# -- graceful shutdown ------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _is_query_process(pid: int, kind: bytes = b"server.sparql.engine") -> bool:
    try:
        return kind in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _query_processes(worker: int) -> list[int]:
    """The worker's query processes: started by it, or forked for it by the release's zygote (which
    serves every worker, so its children are counted with the worker that started it)."""
    children = _children(worker)
    zygotes = [c for c in children if _is_query_process(c, b"server.sparql.zygote")]
    return [c for c in children if _is_query_process(c)] + [g for z in zygotes for g in _children(z)]


def test_workers_open_the_release_and_start_their_query_processes_at_start(build_dir, request):
    """deploy/gunicorn.conf.py warms each worker up in the background: before any SPARQL request, every
    worker has its query processes, and pages are answered from the on-disk store meanwhile."""
    # A zygote of an earlier server on the same release may still linger (zygote.LINGER) and would fork
    # these query processes outside this server's tree: a private temp folder gives this server its own.
    private_tmp = tempfile.mkdtemp(prefix="ikpe-z")  # short: the zygote's Unix socket path is limited
    request.addfinalizer(lambda: shutil.rmtree(private_tmp, ignore_errors=True))
    with ProductionServer(build_dir, warm=False, TMPDIR=private_tmp) as server:  # 2 workers × 2 query processes
        health = requests.get(server.url + "/health", timeout=30).json()
        assert health["status"] == "ok" and health["store"]["mode"] == "disk"  # default: pages read the disk
        deadline = time.monotonic() + 60
        while True:
            workers = _children(server.process.pid)
            engines = {w: _query_processes(w) for w in workers}
            if len(workers) == 2 and sum(len(e) for e in engines.values()) == 4:
                break
            assert time.monotonic() < deadline, f"query processes not started: {engines}\n{server.output()}"
            time.sleep(0.2)
        assert "/sparql" not in server.output()  # no query was needed to start them
        answer = requests.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"}, timeout=60)
        assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_graceful_shutdown_finishes_the_request_in_flight(build_dir, tmp_path):
    """SIGTERM while a slow query runs: it still gets its whole answer, then the server exits 0."""
    work = tmp_path / "build"
    shutil.copytree(build_dir, work, symlinks=True)
    slow = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }")
    with ProductionServer(work, IKPE_SPARQL_TIMEOUT="3", IKPE_GUNICORN_GRACEFUL_TIMEOUT="20") as server:
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(requests.post, server.url + "/sparql", data={"query": slow}, timeout=60)
            time.sleep(1.0)  # the query is running in a worker
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            with pytest.raises(requests.ConnectionError):  # no new connections once shutdown begins
                requests.get(server.url + "/robots.txt", timeout=5)
            response = future.result()
        code = server.stop(timeout=40)
        stopped_after = time.monotonic() - started
    assert response.status_code == 503 and "time limit" in response.text, \
        "the in-flight request got its complete answer (the query's own time-limit message)"
    assert code == 0
    assert stopped_after < 20


# -- what gunicorn gives the production command: recycling, size limits, the command itself ----------
def test_the_serve_command_is_gunicorn_with_the_production_configuration(tmp_path):
    from server.cli import production_command, production_environment
    from server.settings import load_settings

    settings = load_settings(build_dir=tmp_path / "b", gunicorn_bind="0.0.0.0:8123")
    command = production_command(settings)
    assert command[:3] == [sys.executable, "-m", "gunicorn"] and "-b" not in command
    assert command[3:5] == ["-c", str(PROJECT_ROOT / "deploy" / "gunicorn.conf.py")]
    assert command[-1] == "server.web.app:create_app()"
    assert production_command(settings, port=5000)[5:7] == ["-b", "0.0.0.0:5000"]
    assert production_command(settings, host="127.0.0.1")[5:7] == ["-b", "127.0.0.1:8123"]
    assert production_environment(settings)["IKPE_BUILD_DIR"] == str(tmp_path / "b")


def test_workers_are_recycled_without_a_failed_request(build_dir):
    """IKPE_GUNICORN_MAX_REQUESTS: a worker that has answered that many requests is replaced by a new
    one (new pid), and no client request fails meanwhile."""
    server = ProductionServer(build_dir, warm=False)
    server.env.update(IKPE_GUNICORN_WORKERS="1", IKPE_GUNICORN_MAX_REQUESTS="20")
    with server:
        pids, failures = set(), []
        for _ in range(50):
            response = requests.get(server.url + "/health", timeout=60)
            if response.status_code != 200:
                failures.append(response.status_code)
            else:
                pids.add(response.json()["process"]["pid"])
    assert not failures
    assert len(pids) >= 2, "the worker was never recycled"


def raw_status(url: str, request: bytes) -> int:
    import socket

    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        first = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(first.split()[1])


def test_the_server_refuses_oversized_request_lines_and_headers(production):
    """Request size limits (deploy/gunicorn.conf.py limit_request_*: line 8,190 bytes, 100 fields of
    8,190 bytes) before the app; the app itself refuses URLs over 2,048 characters (414)."""
    url = production.url
    ok = raw_status(url, b"GET /robots.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    too_long_url = raw_status(url, b"GET /robots.txt?" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n"
                              b"Connection: close\r\n\r\n")
    line = raw_status(url, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    many = raw_status(url, b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n" +
                      b"".join(b"X-H%d: v\r\n" % i for i in range(120)) + b"Connection: close\r\n\r\n")
    big = raw_status(url, b"GET /robots.txt HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 9000 +
                     b"\r\nConnection: close\r\n\r\n")
    assert (ok, too_long_url, line) == (200, 414, 414)
    assert many == big == 431  # Request Header Fields Too Large, from gunicorn (the app never sees them)
