"""Comunica (``@comunica/query-sparql`` 5 from npm, on the Node 22 npm brings: tools/comunica) evaluates
every query in ``queries/`` over our Triple Pattern Fragments and gets exactly the solutions our
``/sparql`` endpoint returns; with the release history it queries the graph as it was at a date.

Comparison: solutions as multisets of rows of rdflib terms; blank nodes up to a one-to-one renaming
(see ``same_solutions``); for ORDER BY queries also the order, up to ties of the sort key.
"""
from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pytest
import requests
from rdflib import BNode, Literal
from rdflib.namespace import RDFS

from bench.comunica_client import MISSING, installed, run_cli, run_queries, solutions
from history_builds import VIDOT, VIDOT_LABELS
from server.settings import PROJECT_ROOT
from server.web.app import create_app
from servers import LiveServer

QUERIES = {path.stem: path.read_text(encoding="utf-8") for path in sorted((PROJECT_ROOT / "queries").glob("*.rq"))}
JSON_RESULTS = "application/sparql-results+json"
# slow (a Node process runs the 31 queries, ~30 s), never skipped: a missing Comunica fails the module
pytestmark = pytest.mark.slow
LABEL_QUERY = f"SELECT ?label WHERE {{ <{VIDOT}> <{RDFS.label}> ?label FILTER(lang(?label) = 'de') }}"


@pytest.fixture(scope="module", autouse=True)
def comunica_installed():
    if not installed():
        pytest.fail(MISSING)


def serve(settings):
    """The app live on 127.0.0.1, its own URL as public base (fragments link to each other by it)."""
    app = create_app(settings)
    server = LiveServer(app)
    app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], public_base=server.url)
    return server


@pytest.fixture(scope="module")
def live(settings):
    with serve(settings) as server:
        yield server


def endpoint_answer(url: str, query: str, release: str | None = None) -> dict:
    params = {"release": release} if release else {}
    response = requests.post(f"{url}/sparql", params=params, data={"query": query},
                             headers={"Accept": JSON_RESULTS}, timeout=120)
    assert response.status_code == 200, response.text[:500]
    return response.json()


@pytest.fixture(scope="module")
def expected(live):
    return {name: endpoint_answer(live.url, text) for name, text in QUERIES.items()}


@pytest.fixture(scope="module", params=["fragments", "sparql"])
def comunica(request, live):
    """Every query run by Comunica, over our TPF start URL (and, as a check of the harness, over /sparql)."""
    source = f"{live.url}/fragments" if request.param == "fragments" else f"sparql@{live.url}/sparql"
    return run_queries([source], QUERIES)


# -- comparison ---------------------------------------------------------------------------------------
def order_keys(query: str) -> list[str]:
    """The variables of the ORDER BY clause (``?a``, ``DESC(?b)``, ``ASC(?c)``), in order."""
    clause = re.search(r"ORDER\s+BY\s+(.+?)\s*(?:LIMIT|OFFSET|$)", query, re.IGNORECASE | re.DOTALL)
    return re.findall(r"\?(\w+)", clause.group(1)) if clause else []


def rename_blank_nodes(rows: list[dict]) -> list[dict]:
    """Each blank node renamed after what it occurs with (its variables and the other terms of its
    rows); a label shared by two different nodes makes the rename ambiguous, and the comparison fails."""
    signature: dict[BNode, list] = {}
    for row in rows:
        rest = tuple(sorted((k, v) for k, v in row.items() if not isinstance(v, BNode)))
        for name, value in row.items():
            if isinstance(value, BNode):
                signature.setdefault(value, []).append((name, rest))
    names = {node: BNode(repr(sorted(occurrences))) for node, occurrences in signature.items()}
    assert len(set(names.values())) == len(names), "blank nodes that cannot be told apart"
    return [{k: names.get(v, v) for k, v in row.items()} for row in rows]


def hashable(row: dict) -> frozenset:
    return frozenset(row.items())


def runs_of_equal_keys(rows: list[dict], keys: list[str]) -> list[tuple]:
    """Consecutive rows with the same sort key, as (key, multiset of rows): ties may come in any order."""
    runs: list[tuple] = []
    for row in rows:
        key = tuple(row.get(name) for name in keys)
        if not runs or runs[-1][0] != key:
            runs.append((key, Counter()))
        runs[-1][1][hashable(row)] += 1
    return runs


def same_solutions(got: dict, want: dict, query: str) -> None:
    if "boolean" in want:
        assert got.get("boolean") == want["boolean"]
        return
    got_vars, got_rows = solutions(got)
    want_vars, want_rows = solutions(want)
    assert sorted(got_vars) == sorted(want_vars)
    got_rows, want_rows = rename_blank_nodes(got_rows), rename_blank_nodes(want_rows)
    assert Counter(map(hashable, got_rows)) == Counter(map(hashable, want_rows))
    keys = order_keys(query)
    if keys:
        assert set(keys) <= set(want_vars), "ORDER BY on a variable that is not selected"
        assert runs_of_equal_keys(got_rows, keys) == runs_of_equal_keys(want_rows, keys)


def test_the_comparison_tells_order_and_terms_apart():
    one = {"head": {"vars": ["x"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": "1"}}, {"x": {"type": "literal", "value": "2"}}]}}
    swapped = {"head": {"vars": ["x"]}, "results": {"bindings": list(reversed(one["results"]["bindings"]))}}
    typed = {"head": {"vars": ["x"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}},
        {"x": {"type": "literal", "value": "2"}}]}}
    same_solutions(swapped, one, "SELECT ?x {}")
    with pytest.raises(AssertionError):
        same_solutions(swapped, one, "SELECT ?x {} ORDER BY ?x")
    with pytest.raises(AssertionError):
        same_solutions(typed, one, "SELECT ?x {}")
    assert solutions(typed)[1][0]["x"] == Literal(1)


def test_blank_nodes_match_up_to_renaming_only():
    def rows(*pairs):
        return {"head": {"vars": ["b", "v"]}, "results": {"bindings": [
            {"b": {"type": "bnode", "value": b}, "v": {"type": "literal", "value": v}} for b, v in pairs]}}
    same_solutions(rows(("x", "1"), ("x", "2"), ("y", "3")), rows(("p", "1"), ("p", "2"), ("q", "3")), "")
    with pytest.raises(AssertionError):  # one node on one side, two on the other
        same_solutions(rows(("x", "1"), ("x", "2")), rows(("p", "1"), ("q", "2")), "")


# -- every competency question ------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_comunica_returns_what_the_endpoint_returns(comunica, expected, name):
    line = comunica[name]
    assert "error" not in line, line.get("error")
    same_solutions(line["results"], expected[name], QUERIES[name])
    assert expected[name].get("boolean") is not None or expected[name]["results"]["bindings"], "an empty answer proves little"


# -- time travel (Memento) over the fragments -----------------------------------------------------------
@pytest.fixture(scope="module")
def history_live(history):
    with serve(history.settings) as server:
        yield server


def labels(results: dict) -> list[str]:
    return [row["label"]["value"] for row in results["results"]["bindings"]]


@pytest.mark.parametrize("interface", ["fragments", "sparql"])
def test_comunica_with_a_date_gets_that_releases_answer(history, history_live, interface):
    """Datetime negotiation (Accept-Datetime at the TimeGate), as ``comunica-sparql -d DATE`` means it."""
    start = f"{history_live.url}/fragments" if interface == "fragments" else f"sparql@{history_live.url}/sparql"
    first = history.manifests[0]["created"]
    then = run_queries([start], {"label": LABEL_QUERY}, datetime=first)["label"]
    now = run_queries([start], {"label": LABEL_QUERY})["label"]
    assert labels(then["results"]) == [VIDOT_LABELS[0]]
    assert labels(now["results"]) == [VIDOT_LABELS[2]]
    assert labels(endpoint_answer(history_live.url, LABEL_QUERY, history.releases[0])) == [VIDOT_LABELS[0]]


@pytest.mark.parametrize("number", [0, 1])
def test_comunica_sparql_over_a_memento_of_the_fragments(history, history_live, number):
    """The command line researchers use, started at a past release's fragments (the URL a TimeMap lists)."""
    answer = run_cli(f"{history_live.url}/release/{history.releases[number]}/fragments", LABEL_QUERY)
    assert labels(answer) == [VIDOT_LABELS[number]]
