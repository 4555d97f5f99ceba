"""The in-memory copy of a release is loaded in the background: requests are answered from the on-disk
store until it is ready, then from the copy, and both give the same answers (pages and SPARQL)."""
from __future__ import annotations

import json
import time

import pyoxigraph as ox
import pytest

from server.kg.namespaces import graph_name
from server.settings import load_settings
from server.sparql.execute import Config, Dataset, Job
from server.store import StoreUnavailable
from server.store.embedded import EmbeddedStore
from server.web.app import create_app

QUERIES = [
    "SELECT ?s ?label WHERE { ?s a <https://lod.ikpe-erfurt.de/def/ikpe#Project> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
]


def wait_until(check, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the memory copy was not loaded in time"
        time.sleep(0.02)


def rows(result) -> list:
    names = [v.value for v in result.variables]
    return [tuple(str(solution[n]) for n in names) for solution in result]


def test_embedded_store_serves_from_disk_then_from_the_memory_copy(build_dir):
    memory = EmbeddedStore(load_settings(build_dir=build_dir, store_memory_copy="all"))
    disk = EmbeddedStore(load_settings(build_dir=build_dir, store_memory_copy="none"))
    first = memory.snapshot()
    assert disk.release().id == first.release().id
    assert first.mode in ("disk", "memory")  # opened at once; the copy follows
    wait_until(lambda: memory.snapshot().mode == "memory")
    assert disk.snapshot().mode == "disk"
    assert memory.snapshot().oxigraph is not disk.snapshot().oxigraph
    for query in QUERIES[0], QUERIES[2]:
        assert memory.select(query) == disk.select(query) == first.select(query)
        assert memory.select(query)


def test_a_snapshot_keeps_its_release_when_current_moves(build_dir, tmp_path):
    """A snapshot taken before a switch answers from its release; the store's next snapshot from the new one."""
    from server.kg.release import switch_current

    current = (build_dir / "current").resolve()
    build = tmp_path / "build"
    (build / "releases").mkdir(parents=True)
    (build / "releases" / current.name).symlink_to(current)
    switch_current(build, build / "releases" / current.name)
    store = EmbeddedStore(load_settings(build_dir=build))
    before = store.snapshot()
    (build / "current").unlink()
    assert before.ask("ASK { ?s ?p ?o }") and before.release().id == current.name
    with pytest.raises(StoreUnavailable):
        store.snapshot()


def test_health_says_where_the_store_is_read_from(build_dir):
    app = create_app(load_settings(build_dir=build_dir, store_memory_copy="all"))
    client = app.test_client()
    first = json.loads(client.get("/health").data)
    assert first["status"] == "ok" and first["store"]["mode"] in ("disk", "memory")
    wait_until(lambda: json.loads(client.get("/health").data)["store"]["mode"] == "memory")
    disk_app = create_app(load_settings(build_dir=build_dir, store_memory_copy="none"))
    assert json.loads(disk_app.test_client().get("/health").data)["store"]["mode"] == "disk"


@pytest.mark.parametrize("query", QUERIES + [
    "SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT (COUNT(*) AS ?n) FROM <https://example.org/other> WHERE { ?s ?p ?o }",
])
def test_sparql_dataset_is_the_same_on_disk_and_in_memory(build_dir, settings, query):
    """The named graph answers GRAPH queries on the on-disk store too (the build writes it there)."""
    name = graph_name(settings.public_base)
    query = query.replace("{graph}", name)
    folder = (build_dir / "current").resolve()
    on_disk = Dataset(folder, Config(graph_name=name, in_memory=False, max_rows=1000))
    in_memory = Dataset(folder, Config(graph_name=name, in_memory=True, max_rows=1000))
    wait_until(lambda: in_memory.in_memory)
    assert not on_disk.in_memory
    job = Job(query=query, release=str(folder), results_format="json", graph_format=None)
    from_default = [name] if f"FROM <{name}>" in query else (["https://example.org/other"] if "other" in query else [])
    from_named = [name] if "FROM NAMED" in query else []
    expected = rows(in_memory.query(job, from_default, from_named))
    assert rows(on_disk.query(job, from_default, from_named)) == expected
    assert expected, "every query of the set has an answer"
    if "GRAPH ?g" in query and "COUNT" in query and "GROUP BY" in query:
        assert expected[0][0] == f"<{name}>"


def test_a_store_without_the_named_graph_still_serves_the_default_graph(tmp_path, settings):
    """A store without the named graph (built under another public base): the data answers as the default graph."""
    folder = tmp_path / "release"
    folder.mkdir()
    store = ox.Store(str(folder / "store"))
    store.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("x")))
    store.flush()
    del store
    dataset = Dataset(folder, Config(graph_name=graph_name(settings.public_base), in_memory=False, max_rows=10))
    job = Job(query="SELECT ?o WHERE { ?s ?p ?o }", release=str(folder), results_format="json", graph_format=None)
    assert rows(dataset.query(job, [], [])) == [('"x"',)]
    graphs = Job(query="SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", release=str(folder), results_format="json",
                 graph_format=None)
    assert rows(dataset.query(graphs, [], [])) == []


@pytest.mark.parametrize("value, mode", [("sparql", "sparql"), ("ALL", "all"), ("none", "none")])
def test_memory_copy_setting(value, mode, monkeypatch):
    monkeypatch.setenv("IKPE_STORE_MEMORY_COPY", value)
    assert load_settings().store_memory_copy == mode
    assert load_settings(store_memory_copy=value).store_memory_copy == mode


@pytest.mark.parametrize("value, mode", [("sparql", "sparql"), ("ALL", "all"), ("none", "none"), ("true", "all"),
                                         ("false", "none"), ("0", "none"), ("on", "all")])
def test_the_old_variable_still_works(value, mode, monkeypatch):
    monkeypatch.setenv("IKPE_STORE_IN_MEMORY", value)
    assert load_settings().store_memory_copy == mode
    monkeypatch.setenv("IKPE_STORE_MEMORY_COPY", "sparql")  # the new name wins
    assert load_settings().store_memory_copy == "sparql"


@pytest.mark.parametrize("variable, value", [("IKPE_STORE_MEMORY_COPY", "sometimes"),
                                             ("IKPE_STORE_MEMORY_COPY", "true"),  # booleans: the old name only
                                             ("IKPE_STORE_IN_MEMORY", "sometimes")])
def test_unknown_memory_mode_is_refused_with_the_choices(variable, value, monkeypatch):
    from server.settings import SettingsError

    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=f"{variable}='{value}'.*`sparql`, `all`, `none`"):
        load_settings()
