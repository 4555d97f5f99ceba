"""The per-process cache of SPARQL answers (``server/web/answer_cache.py``): the same bytes and headers
as without it, variants (formats, datasets) kept apart, volatile queries and errors never kept, and never
an old release's answer after a build switches ``build/current``."""
from __future__ import annotations

import pytest

from server.release_steps import build
from server.settings import load_settings
from server.web import answer_cache
from server.web.app import create_app

LABEL = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
         "SELECT ?label WHERE { <https://lod.ikpe-erfurt.de/id/project/thilik> rdfs:label ?label } ORDER BY ?label")
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://lod.ikpe-erfurt.de/id/project/thilik> AS ?s) ?s ?p ?o }"
VARIANTS = [
    ("GET", {"query": LABEL}, {"Accept": "application/sparql-results+json"}),
    ("GET", {"query": LABEL}, {"Accept": "text/csv"}),
    ("POST", {"query": LABEL}, {"Accept": "application/sparql-results+xml"}),
    ("GET", {"query": LABEL, "default-graph-uri": "https://example.org/empty"}, {"Accept": "text/csv"}),
    ("GET", {"query": CONSTRUCT}, {"Accept": "text/turtle"}),
    ("GET", {"query": CONSTRUCT}, {"Accept": "application/n-triples"}),
]


def _app(settings, mb):
    app = create_app(load_settings(build_dir=settings.build_dir, sparql_cache_mb=mb))
    app.config["TESTING"] = True
    return app


def _ask(client, method, params, headers):
    if method == "GET":
        response = client.get("/sparql", query_string=params, headers=headers)
    else:
        response = client.post("/sparql", data=params, headers=headers)
    return response.status_code, sorted((k, v) for k, v in response.headers.items() if k != "Date"), response.get_data()


@pytest.fixture(scope="module")
def apps(settings):
    cached, uncached = _app(settings, 16), _app(settings, 0)
    yield cached, uncached
    for app in (cached, uncached):
        engine = app.extensions.get("ikpe_sparql_engine")
        if engine is not None:
            engine.close()


def test_cached_answers_are_identical_to_evaluated_ones(apps):
    cached, uncached = apps
    cache = cached.extensions[answer_cache.EXTENSION]
    client, plain = cached.test_client(), uncached.test_client()
    answers = {}
    for method, params, headers in VARIANTS:
        first = _ask(client, method, params, headers)
        hits = cache.hits
        again = _ask(client, method, params, headers)
        assert cache.hits == hits + 1, f"{params} {headers} was evaluated again"
        assert first == again == _ask(plain, method, params, headers)
        assert first[0] == 200
        answers[(method, str(params), str(headers))] = first[2]
    assert len(set(answers.values())) == len(VARIANTS), "each variant has its own answer"
    assert b"ThILIK" in answers[("GET", str({"query": LABEL}), str({"Accept": "text/csv"}))]
    empty = answers[("GET", str(VARIANTS[3][1]), str(VARIANTS[3][2]))]
    assert empty.strip() == b"label", "another dataset is not answered from the default dataset's entry"


def test_volatile_queries_and_errors_are_not_kept(apps):
    cached, _ = apps
    cache = cached.extensions[answer_cache.EXTENSION]
    client = cached.test_client()
    for query in ("SELECT (NOW() AS ?t) WHERE {}", "SELECT (rand ( ) AS ?r) WHERE {}",
                  "SELECT (STRUUID() AS ?u) WHERE {}", "SELECT * WHERE { ?s ?p }"):
        before = len(cache)
        for _ in range(2):
            client.get("/sparql", query_string={"query": query})
        assert len(cache) == before, query
    first = client.get("/sparql", query_string={"query": "SELECT (STRUUID() AS ?u) WHERE {}"}, headers={"Accept": "text/csv"})
    second = client.get("/sparql", query_string={"query": "SELECT (STRUUID() AS ?u) WHERE {}"}, headers={"Accept": "text/csv"})
    assert first.status_code == second.status_code == 200 and first.data != second.data


def test_a_new_release_is_never_answered_from_the_old_ones_answers(data_copy, tmp_path):
    settings = load_settings(data_dir=data_copy / "data", ontology_dir=data_copy / "ontology",
                             shapes_dir=data_copy / "shapes", build_dir=tmp_path / "build")
    assert build(settings).ok
    app = create_app(settings)
    app.config["TESTING"] = True
    client = app.test_client()
    try:
        headers = {"Accept": "text/csv"}
        old = [client.get("/sparql", query_string={"query": LABEL}, headers=headers) for _ in range(2)][-1]
        assert app.extensions[answer_cache.EXTENSION].hits >= 1 and b"(ThILIK)" in old.data

        projects = data_copy / "data" / "projects.yaml"
        text = projects.read_text(encoding="utf-8")
        projects.write_text(text.replace("in den Kommunen (ThILIK)", "in den Kommunen (ThILIK-NEU)", 1),
                            encoding="utf-8")
        assert build(settings).ok
        new = client.get("/sparql", query_string={"query": LABEL}, headers=headers)
        assert new.status_code == 200 and b"ThILIK-NEU" in new.data, "the old release's answer was served"
    finally:
        engine = app.extensions.get("ikpe_sparql_engine")
        if engine is not None:
            engine.close()


def test_a_repeated_query_is_answered_before_flask_with_the_same_response(apps):
    cached, _ = apps
    client = cached.test_client()
    flask_requests = []
    params, headers = {"query": LABEL + " # replay"}, {"Accept": "text/csv", "Origin": "https://a.example"}
    first = _ask(client, "POST", params, headers)
    cached.before_request_funcs.setdefault(None, []).append(lambda: flask_requests.append(1))
    try:
        assert _ask(client, "POST", params, headers) == first and flask_requests == []
        # what the answer depends on is part of the key: another Origin (CORS) goes through Flask
        _ask(client, "POST", params, {**headers, "Origin": "https://b.example"})
        assert flask_requests == [1]
        _ask(client, "GET", params, headers)  # another method, the query in the URL
        assert flask_requests == [1, 1]
    finally:
        cached.before_request_funcs[None].pop()
