"""The in-memory copy is held once per machine: one zygote per release forks the query processes of
every engine (every server worker), and those stay killable and without network."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from server.settings import load_settings
from server.sparql import zygote
from server.sparql.engine import QueryEngine, QueryTimedOut
from server.sparql.execute import Job
from server.sparql.service import config as engine_config

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def wait_for_zygote_children(engine: QueryEngine, release: str, seconds: float = 120) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        engine.run(Job(COUNT, release, "json", None), timeout=30)  # a used on-disk worker is replaced
        workers = list(engine._idle.queue)
        if workers and all(not w.bootstrap and w.pid for w in workers):
            return workers
        time.sleep(0.3)
    raise AssertionError("the engine's workers never became children of the zygote")


@pytest.fixture(scope="module")
def setup(build_dir):
    settings = load_settings(build_dir=build_dir, store_memory_copy="sparql")
    release = str(settings.current_release.resolve())
    return engine_config(settings), release


def test_two_engines_share_one_zygote_and_its_copy(setup):
    config, release = setup
    first, second = (QueryEngine(config, release, workers=2, isolate=True) for _ in range(2))
    try:
        workers = wait_for_zygote_children(first, release) + wait_for_zygote_children(second, release)
        parents = {parent_of(w.pid) for w in workers}
        assert len(parents) == 1  # four query processes, one zygote holding the copy
        sock = zygote.socket_path(config, release, True)
        assert sock.exists() and zygote.is_running(sock)
        assert oct(sock.parent.stat().st_mode & 0o777) == "0o700"
        answer = second.run(Job(COUNT, release, "json", None), timeout=30)
        assert answer.status == 200 and b'"n"' in answer.body
    finally:
        first.close()
        second.close()


@pytest.fixture
def one_child(setup):
    """An engine with one query process, once it is a child of the zygote: (engine, worker, release)."""
    config, release = setup
    engine = QueryEngine(config, release, workers=1, isolate=True)
    try:
        [worker] = wait_for_zygote_children(engine, release)
        yield engine, worker, release
    finally:
        engine.close()


def test_a_zygote_child_past_the_time_limit_is_killed_and_replaced(one_child):
    engine, worker, release = one_child
    started = time.monotonic()
    with pytest.raises(QueryTimedOut):
        engine.run(Job(RUNAWAY, release, "json", None), timeout=1.0)
    assert time.monotonic() - started < 5
    time.sleep(1.5)  # the zygote reaps it within a second
    assert not Path(f"/proc/{worker.pid}").exists()
    answer = engine.run(Job(COUNT, release, "json", None), timeout=30)
    assert answer.status == 200
    [replacement] = list(engine._idle.queue)
    assert replacement.pid != worker.pid and not replacement.bootstrap


def test_zygote_children_have_no_network(one_child):
    engine, worker, _ = one_child
    if not engine.isolated:
        pytest.skip("this kernel does not allow a network namespace")
    assert Path(f"/proc/{worker.pid}/ns/net").readlink() != Path("/proc/self/ns/net").readlink()
