"""How many old release graphs ``ikpe-lod publish`` keeps (``IKPE_REMOTE_KEEP_RELEASES``), on real stores
started on 127.0.0.1. Virtuoso 7.2 (keep 0 in ``VirtuosoServer.settings()``): after a second publish the
previous graph is dropped once the drain time has passed, and the date range query cq-03 answers its two
rows (with the previous graph kept, Virtuoso answers none: tests/test_virtuoso_dates.py). Oxigraph server
(keep 1, the default): one old graph stays for requests in flight."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from stores import REMOTE_KINDS, start_server

from server.cli import main as cli
from server.settings import PROJECT_ROOT, load_settings
from server.store import open_store
from server.store.publish import Publisher, PublishError
from server.store.remote import RemoteStore
from tests.test_remote_store import make_release

CQ_03 = (PROJECT_ROOT / "queries" / "cq-03-projekte-2021.rq").read_text(encoding="utf-8")
KEEP = {"oxigraph-server": 1, "virtuoso": 0}  # what each store's settings ask for


@pytest.fixture(scope="module", params=REMOTE_KINDS)
def server(request, tmp_path_factory):
    """A store of its own (these tests publish several releases to it)."""
    server = start_server(request.param, tmp_path_factory.mktemp(f"keep-{request.param}"))
    yield server
    server.stop()


def publish(build: Path, server, drain: str = "0.2"):
    """``ikpe-lod publish`` as an operator runs it, with the store's settings in the environment."""
    env = {f"IKPE_{k.upper()}": str(v) for k, v in server.settings().items()}
    env["IKPE_REMOTE_DRAIN_SECONDS"] = drain
    result = CliRunner().invoke(cli, ["--build-dir", str(build), "publish"], env=env)
    assert result.exit_code == 0 and "Published" in result.output, result.output
    return result


def projects(rows) -> set[str]:
    return {str(row["projekt"]) for row in rows}


@pytest.mark.slow
def test_after_a_second_publish_the_date_range_query_answers_right(server, build_dir, tmp_path):
    settings = load_settings(build_dir=tmp_path, **server.settings())
    assert settings.remote_keep_releases == KEEP[server.name]
    expected = projects(open_store(load_settings(build_dir=build_dir)).select(CQ_03))
    assert len(expected) == 2

    publish(build_dir, server)
    first = RemoteStore(settings).release()
    assert projects(RemoteStore(settings).snapshot().select(CQ_03)) == expected
    make_release(build_dir, tmp_path, "second")
    result = publish(tmp_path, server)

    store = RemoteStore(settings)
    assert store.release().id != first.id
    assert projects(store.snapshot().select(CQ_03)) == expected, result.output  # Virtuoso, keep 1: no rows
    publisher = Publisher(settings)
    old = publisher.layout.release_graph(first.id)
    output = " ".join(result.output.split())  # the console wraps long lines
    if KEEP[server.name] == 0:
        assert "Waiting for requests in flight before dropping the previous release (0.2 s)" in output
        assert "Writing the dated statements again" in output
        assert f"Dropped old release graph <{old}>" in output
        assert publisher.count(old) == 0
    else:
        assert "Waiting" not in output and "Dropped" not in output
        assert publisher.count(old) == first.manifest["triples"]


@pytest.mark.slow
def test_keep_0_drops_the_previous_graph_only_after_the_drain(server, build_dir, tmp_path):
    settings = load_settings(build_dir=tmp_path, **server.settings(), remote_drain_seconds=0.2)
    Publisher(load_settings(build_dir=build_dir, **server.settings())).publish()
    make_release(build_dir, tmp_path, "third")
    seen = {}

    def progress(event, **info):
        if event == "drain":  # the switch is done; the old graphs are still there for requests in flight
            seen.update(info, current=publisher.current_graph(),
                        old={graph: publisher.count(graph) for graph, _ in publisher.published()})

    publisher = Publisher(settings, progress, chunk_size=8)  # the dated statements rewritten in several chunks
    outcome = publisher.publish(keep=0)
    assert seen["seconds"] == 0.2 and seen["current"] == outcome.graph
    old = [graph for graph in seen["old"] if graph != outcome.graph]
    assert old and all(seen["old"][graph] > 0 for graph in old)
    assert sorted(outcome.dropped) == sorted(old)
    assert [graph for graph, _ in publisher.published()] == [outcome.graph]
    assert all(publisher.count(graph) == 0 for graph in old)
    assert len(RemoteStore(settings).snapshot().select(CQ_03)) == 2


def dummy_settings(**overrides):
    return load_settings(remote_query_url="http://127.0.0.1:9/query", remote_update_url="http://127.0.0.1:9/update",
                         **overrides)


def test_the_drain_time_defaults_to_the_query_time_limit():
    def drain(**overrides):
        return Publisher(dummy_settings(**overrides)).drain_seconds()

    assert drain(remote_drain_seconds=-1, sparql_timeout=30, remote_read_timeout=20) == 30
    assert drain(remote_drain_seconds=-1, sparql_timeout=10, remote_read_timeout=20) == 20
    assert drain(remote_drain_seconds=5, sparql_timeout=30) == 5


def test_a_negative_keep_is_refused(build_dir):
    with pytest.raises(PublishError, match="0 or more"):
        Publisher(dummy_settings(build_dir=build_dir)).publish(keep=-1)
    result = CliRunner().invoke(cli, ["--build-dir", str(build_dir), "publish", "--keep", "-1"])
    assert result.exit_code == 2 and "--keep" in result.output
