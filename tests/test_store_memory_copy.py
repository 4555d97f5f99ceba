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
    memory = EmbeddedStore(load_settings(build_dir=build_dir, store_in_memory="all"))
    disk = EmbeddedStore(load_settings(build_dir=build_dir, store_in_memory="none"))
    assert disk.release().id == memory.release().id
    assert memory.mode in ("disk", "memory")  # opened at once; the copy follows
    wait_until(lambda: memory.mode == "memory")
    assert disk.mode == "disk"
    assert memory.oxigraph() is not disk.oxigraph()
    for query in QUERIES[0], QUERIES[2]:
        assert memory.select(query) == disk.select(query)
        assert memory.select(query)


def test_health_says_where_the_store_is_read_from(build_dir):
    app = create_app(load_settings(build_dir=build_dir, store_in_memory="all"))
    client = app.test_client()
    first = json.loads(client.get("/health").data)
    assert first["status"] == "ok" and first["store"]["mode"] in ("disk", "memory")
    wait_until(lambda: json.loads(client.get("/health").data)["store"]["mode"] == "memory")
    disk_app = create_app(load_settings(build_dir=build_dir, store_in_memory="none"))
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
    """Stores built before the named graph was written: the data answers as the default graph."""
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


@pytest.mark.parametrize("value, mode", [("sparql", "sparql"), ("ALL", "all"), ("none", "none"), ("true", "all"),
                                         ("false", "none"), ("0", "none"), (True, "all"), (False, "none")])
def test_memory_mode_setting(value, mode, monkeypatch):
    if isinstance(value, str):
        monkeypatch.setenv("IKPE_STORE_IN_MEMORY", value)
        assert load_settings().store_in_memory == mode
    assert load_settings(store_in_memory=value).store_in_memory == mode


def test_unknown_memory_mode_is_refused_with_the_choices(monkeypatch):
    from server.settings import SettingsError

    monkeypatch.setenv("IKPE_STORE_IN_MEMORY", "sometimes")
    with pytest.raises(SettingsError, match="`sparql`"):
        load_settings()
