"""SPARQL 1.1 Protocol on /sparql with the in-process client: every method, every format, the
dataset parameters, content negotiation, the service description, errors, CORS and the row limit."""
from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from server.settings import load_settings
from server.web.app import create_app

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
SRX = "{http://www.w3.org/2005/sparql-results#}"
IKPE = "https://lod.ikpe-erfurt.de/def/ikpe#"
GRAPH = "https://lod.ikpe-erfurt.de/sparql#graph"
PROJECTS = f"PREFIX ikpe: <{IKPE}> SELECT ?p WHERE {{ ?p a ikpe:Project }} ORDER BY ?p"
CONSTRUCT = f"PREFIX ikpe: <{IKPE}> CONSTRUCT {{ ?p a ikpe:Project }} WHERE {{ ?p a ikpe:Project }}"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def projects(store):
    rows = store.select(PROJECTS)
    assert rows, "the built graph has projects"
    return [str(r["p"]) for r in rows]


def json_values(response, var="p"):
    return [b[var]["value"] for b in response.get_json()["results"]["bindings"]]


# -- methods -------------------------------------------------------------------------------------
def test_get(client, projects):
    response = client.get("/sparql", query_string={"query": PROJECTS})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/sparql-results+json"
    assert json_values(response) == projects
    assert response.get_json()["truncated"] is False
    assert "X-SPARQL-Truncated" not in response.headers


def test_post_form(client, projects):
    response = client.post("/sparql", data={"query": PROJECTS})
    assert response.status_code == 200 and json_values(response) == projects


def test_post_direct(client, projects):
    response = client.post("/sparql", data=PROJECTS.encode(), content_type="application/sparql-query")
    assert response.status_code == 200 and json_values(response) == projects


def test_head(client):
    response = client.head("/sparql", query_string={"query": PROJECTS})
    assert response.status_code == 200 and response.data == b""


# -- SELECT / ASK formats ------------------------------------------------------------------------
def parse_select(media_type: str, body: bytes) -> list[str]:
    text = body.decode()
    if media_type == "application/sparql-results+json":
        return [b["p"]["value"] for b in json.loads(text)["results"]["bindings"]]
    if media_type == "application/sparql-results+xml":
        root = ET.fromstring(body)
        return [r.find(f"{SRX}binding/{SRX}uri").text for r in root.iter(f"{SRX}result")]
    if media_type == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["p"]
        return [r[0] for r in rows[1:]]
    if media_type == "text/tab-separated-values":
        lines = text.rstrip("\n").split("\n")
        assert lines[0] == "?p"
        assert all(line.startswith("<") and line.endswith(">") for line in lines[1:])
        return [line[1:-1] for line in lines[1:]]
    raise AssertionError(media_type)


SELECT_FORMATS = [("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
                  ("csv", "text/csv"), ("tsv", "text/tab-separated-values")]


@pytest.mark.parametrize("name, media_type", SELECT_FORMATS)
@pytest.mark.parametrize("how", ["accept", "format"])
def test_select_formats(client, projects, name, media_type, how):
    if how == "accept":
        response = client.get("/sparql", query_string={"query": PROJECTS}, headers={"Accept": media_type})
    else:
        response = client.post("/sparql", data={"query": PROJECTS, "format": name})
    assert response.status_code == 200
    assert response.mimetype == media_type
    if media_type.startswith("text/"):
        assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert parse_select(media_type, response.data) == projects


def test_accept_q_values(client):
    response = client.get("/sparql", query_string={"query": PROJECTS},
                          headers={"Accept": "text/csv;q=0.5, application/sparql-results+xml, */*;q=0.1"})
    assert response.mimetype == "application/sparql-results+xml"
    response = client.get("/sparql", query_string={"query": PROJECTS},
                          headers={"Accept": "application/sparql-results+xml;q=0.2, text/tab-separated-values"})
    assert response.mimetype == "text/tab-separated-values"


def test_select_terms_json_and_xml(client):
    query = ('SELECT ?iri ?lit ?lang ?typed ?unbound WHERE { BIND(<http://example.org/a> AS ?iri) '
             'BIND("x\\ty" AS ?lit) BIND("Haus"@de AS ?lang) BIND(42 AS ?typed) }')
    data = client.get("/sparql", query_string={"query": query}).get_json()
    assert data["head"]["vars"] == ["iri", "lit", "lang", "typed", "unbound"]
    (row,) = data["results"]["bindings"]
    assert row["iri"] == {"type": "uri", "value": "http://example.org/a"}
    assert row["lit"] == {"type": "literal", "value": "x\ty"}
    assert row["lang"] == {"type": "literal", "value": "Haus", "xml:lang": "de"}
    assert row["typed"] == {"type": "literal", "value": "42",
                            "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert "unbound" not in row
    tsv = client.get("/sparql", query_string={"query": query, "format": "tsv"}).data.decode()
    assert tsv.split("\n")[1].split("\t")[:2] == ["<http://example.org/a>", '"x\\ty"']
    root = ET.fromstring(client.get("/sparql", query_string={"query": query, "format": "xml"}).data)
    assert root.find(f".//{SRX}binding[@name='lang']/{SRX}literal").get(
        "{http://www.w3.org/XML/1998/namespace}lang") == "de"


@pytest.mark.parametrize("query, expected", [("ASK { ?s ?p ?o }", True), ("ASK { FILTER(false) }", False)])
def test_ask(client, query, expected):
    response = client.get("/sparql", query_string={"query": query})
    assert response.mimetype == "application/sparql-results+json"
    assert response.get_json()["boolean"] is expected
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+xml"})
    assert ET.fromstring(response.data).find(f"{SRX}boolean").text == str(expected).lower()


# -- CONSTRUCT / DESCRIBE formats ----------------------------------------------------------------
GRAPH_FORMATS = [("turtle", "text/turtle", "turtle"), ("jsonld", "application/ld+json", "json-ld"),
                 ("rdfxml", "application/rdf+xml", "xml"), ("ntriples", "application/n-triples", "nt")]


@pytest.mark.parametrize("name, media_type, rdflib_format", GRAPH_FORMATS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_construct_formats(client, projects, name, media_type, rdflib_format, method):
    if method == "GET":
        response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": media_type})
    else:
        response = client.post("/sparql", data={"query": CONSTRUCT, "format": name})
    assert response.status_code == 200 and response.mimetype == media_type
    graph = Graph().parse(data=response.data, format=rdflib_format)
    assert sorted(str(s) for s in graph.subjects(RDF.type, URIRef(IKPE + "Project"))) == projects


def test_describe(client, projects):
    response = client.get("/sparql", query_string={"query": f"DESCRIBE <{projects[0]}>"},
                          headers={"Accept": "application/n-triples"})
    graph = Graph().parse(data=response.data, format="nt")
    assert (URIRef(projects[0]), RDF.type, URIRef(IKPE + "Project")) in graph


def test_default_formats_without_accept(client):
    assert client.get("/sparql", query_string={"query": CONSTRUCT}).mimetype == "text/turtle"
    assert client.get("/sparql", query_string={"query": PROJECTS}).mimetype == "application/sparql-results+json"
    assert client.get("/sparql", query_string={"query": CONSTRUCT, "format": "json"}).mimetype == "application/ld+json"
    assert client.get("/sparql", query_string={"query": CONSTRUCT, "format": "xml"}).mimetype == "application/rdf+xml"


def test_not_acceptable(client):
    response = client.get("/sparql", query_string={"query": PROJECTS}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406 and b"SELECT" in response.data
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert response.status_code == 406


# -- dataset -------------------------------------------------------------------------------------
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(response) -> int:
    assert response.status_code == 200, response.data
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def test_dataset(client, store):
    total = store.release().manifest["triples"]
    assert count(client.get("/sparql", query_string={"query": COUNT})) == total
    assert count(client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": GRAPH})) == total
    assert count(client.get("/sparql", query_string={"query": COUNT,
                                                     "default-graph-uri": "http://example.org/g"})) == 0
    assert count(client.post("/sparql", data={"query": f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}> {{ ?s ?p ?o }}"})) \
        == total
    assert count(client.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) FROM <http://example.org/g> "
                                                       "{ ?s ?p ?o }"})) == 0
    # the protocol dataset takes precedence over FROM in the query (Protocol §2.1.4)
    assert count(client.post("/sparql?default-graph-uri=" + quote(GRAPH, safe=""), data=(
        "SELECT (COUNT(*) AS ?n) FROM <http://example.org/g> { ?s ?p ?o }").encode(),
        content_type="application/sparql-query")) == total


def test_named_graphs(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    graphs = lambda r: [b["g"]["value"] for b in r.get_json()["results"]["bindings"]]  # noqa: E731
    assert graphs(client.get("/sparql", query_string={"query": query})) == [GRAPH]
    assert graphs(client.get("/sparql", query_string={"query": query, "named-graph-uri": GRAPH})) == [GRAPH]
    assert graphs(client.get("/sparql", query_string={"query": query,
                                                      "named-graph-uri": "http://example.org/g"})) == []
    assert graphs(client.post("/sparql", data={"query": f"SELECT DISTINCT ?g FROM NAMED <{GRAPH}> "
                                                        "{ GRAPH ?g { ?s ?p ?o } }"})) == [GRAPH]


# -- service description and UI ------------------------------------------------------------------
@pytest.mark.parametrize("media_type, rdflib_format", [(m, f) for _, m, f in GRAPH_FORMATS])
def test_service_description(client, store, settings, media_type, rdflib_format):
    response = client.get("/sparql", headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    graph = Graph().parse(data=response.data, format=rdflib_format)
    service = URIRef(settings.public_base + "/sparql")
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert len(set(graph.objects(service, SD.resultFormat))) == 8
    assert (service, SD.feature, SD.BasicFederatedQuery) not in graph  # federation is off by default
    dataset = graph.value(service, SD.defaultDataset)
    default_graph = graph.value(dataset, SD.defaultGraph)
    triples = Literal(store.release().manifest["triples"])
    assert graph.value(default_graph, VOID.triples) == triples
    assert (None, SD.name, URIRef(GRAPH)) in graph


def test_service_description_for_plain_clients(client):
    assert client.get("/sparql").mimetype == "text/turtle"
    assert client.get("/sparql", headers={"Accept": "*/*"}).mimetype == "text/turtle"


def test_browser_gets_the_query_ui(client):
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.data.decode()
    assert "vendor/yasgui/yasgui.min.js" in page and "cdn" not in page.lower()
    assert "cq-01" in page  # the competency questions are the examples
    response = client.get("/sparql", query_string={"query": PROJECTS}, headers={"Accept": BROWSER})
    assert response.mimetype == "text/html" and "ikpe:Project" in response.data.decode()


def test_example_titles_in_both_languages(client):
    de = client.get("/sparql?lang=de", headers={"Accept": BROWSER}).data.decode()
    en = client.get("/sparql?lang=en", headers={"Accept": BROWSER}).data.decode()
    assert "Welche Projekte liefen im Jahr 2021?" in de
    assert "Which projects ran in 2021?" in en


# -- errors --------------------------------------------------------------------------------------
def assert_plain_error(response, status):
    assert response.status_code == status, (response.status_code, response.data)
    assert response.mimetype == "text/plain"
    assert b"Traceback" not in response.data


def test_malformed_query_names_the_position(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert_plain_error(response, 400)
    assert b"line 1, column" in response.data


def test_unknown_prefix(client):
    assert_plain_error(client.get("/sparql", query_string={"query": "SELECT * { ?s nope:p ?o }"}), 400)


def test_missing_query(client):
    assert_plain_error(client.post("/sparql", data={}), 400)
    assert_plain_error(client.post("/sparql", data={"query": ""}), 400)
    assert_plain_error(client.get("/sparql", query_string={"default-graph-uri": GRAPH}), 400)
    assert_plain_error(client.get("/sparql", headers={"Accept": "application/sparql-results+json"}), 400)


def test_two_queries(client):
    assert_plain_error(client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D"), 400)
    assert_plain_error(client.post("/sparql", data={"query": ["ASK {}", "ASK {}"]}), 400)
    assert_plain_error(client.post("/sparql?query=ASK%7B%7D", data=b"ASK {}",
                                   content_type="application/sparql-query"), 400)


def test_unknown_format(client):
    assert_plain_error(client.get("/sparql", query_string={"query": PROJECTS, "format": "yaml"}), 400)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method(client, method):
    response = client.open("/sparql", method=method, data="ASK {}")
    assert_plain_error(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_unsupported_content_type(client):
    assert_plain_error(client.post("/sparql", data=b"ASK {}", content_type="text/plain"), 415)


def test_body_not_utf8(client):
    assert_plain_error(client.post("/sparql", data=b"ASK { \xff }", content_type="application/sparql-query"), 400)


@pytest.mark.parametrize("query", ["", " ", "{", "SELECT", "SELECT * {" * 300, "\x00", "ASK {} }",
                                   "SELECT (COUNT(*) AS ?n) ?x WHERE { ?x ?p ?o }", "PREFIX : <> ASK {}",
                                   "SELECT * { ?s ?p ?o FILTER(?o = \"\\ud800\") }", "DESCRIBE",
                                   "SELECT * { BIND(1/0 AS ?x) }"])
def test_never_a_server_error(client, query):
    response = client.post("/sparql", data={"query": query})
    assert response.status_code < 500, (query, response.data)
    assert b"Traceback" not in response.data


# -- CORS ----------------------------------------------------------------------------------------
def test_cors(client):
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-SPARQL-Truncated" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, accept"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert {"GET", "POST", "OPTIONS"} <= set(preflight.headers["Access-Control-Allow-Methods"].replace(" ", "")
                                             .split(","))
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_cors_origin_list(build_dir):
    app = create_app(load_settings(build_dir=build_dir, cors_origins="https://a.example, https://b.example"))
    client = app.test_client()
    response = client.options("/sparql", headers={"Origin": "https://b.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert "Origin" in response.headers["Vary"]
    response = client.options("/sparql", headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in response.headers


# -- row limit -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def limited(build_dir):
    app = create_app(load_settings(build_dir=build_dir, sparql_max_rows=5, sparql_workers=1))
    yield app.test_client()
    engine = app.extensions.get("ikpe_sparql_engine")
    if engine:
        engine.close()


def test_row_limit_says_so(limited):
    response = limited.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert response.status_code == 200
    assert len(response.get_json()["results"]["bindings"]) == 5
    assert response.get_json()["truncated"] is True
    assert response.headers["X-SPARQL-Truncated"] == "true"
    assert response.headers["X-SPARQL-Max-Rows"] == "5"
    assert "truncated" in response.headers["Warning"]
    for fmt in ("xml", "csv", "tsv"):
        response = limited.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }", "format": fmt})
        assert response.headers["X-SPARQL-Truncated"] == "true"
    response = limited.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }",
                                                    "format": "ntriples"})
    assert response.headers["X-SPARQL-Truncated"] == "true"
    assert len(Graph().parse(data=response.data, format="nt")) == 5


def test_exactly_at_the_limit_is_not_truncated(limited):
    response = limited.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 5"})
    assert len(response.get_json()["results"]["bindings"]) == 5
    assert response.get_json()["truncated"] is False and "X-SPARQL-Truncated" not in response.headers


# -- the same endpoint on the remote stores (Oxigraph server, Virtuoso on 127.0.0.1) ----------------
from stores import REMOTE_KINDS  # noqa: E402

MAX_ROWS = 5


@pytest.fixture(scope="module", params=REMOTE_KINDS)
def remote(request, store_farm, build_dir):  # noqa: F811
    """An app on a remote store with a small row limit, and its in-process client."""
    settings = store_farm.settings(request.param, build_dir, sparql_max_rows=MAX_ROWS)
    app = create_app(settings)
    app.config["TESTING"] = True
    assert "ikpe_sparql_engine" not in app.extensions
    return app.test_client()


def test_remote_select_json_and_csv(remote, projects):
    few = PROJECTS + f" LIMIT {MAX_ROWS}"
    response = remote.get("/sparql", query_string={"query": few})
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == "application/sparql-results+json"
    assert json_values(response) == projects[:MAX_ROWS]
    assert response.get_json()["truncated"] is False and "X-SPARQL-Truncated" not in response.headers
    response = remote.post("/sparql", data={"query": few}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert parse_select("text/csv", response.data) == projects[:MAX_ROWS]
    assert "ikpe_sparql_engine" not in remote.application.extensions  # no local worker: the store answered


def test_remote_ask(remote, projects):
    for query, expected in ((f"ASK {{ <{projects[0]}> a <{IKPE}Project> }}", True),
                            (f"ASK {{ <{projects[0]}> a <{IKPE}Nothing> }}", False)):
        response = remote.get("/sparql", query_string={"query": query})
        assert response.status_code == 200 and response.get_json()["boolean"] is expected
        xml = remote.get("/sparql", query_string={"query": query, "format": "xml"})
        assert ET.fromstring(xml.data).find(f"{SRX}boolean").text == str(expected).lower()


@pytest.mark.parametrize("name, rdflib_format", [("turtle", "turtle"), ("jsonld", "json-ld"),
                                                 ("rdfxml", "xml"), ("ntriples", "nt")])
def test_remote_construct(remote, projects, name, rdflib_format):
    query = CONSTRUCT.replace("WHERE {", f"WHERE {{ VALUES ?p {{ <{projects[0]}> <{projects[1]}> }}")
    response = remote.post("/sparql", data={"query": query, "format": name})
    assert response.status_code == 200, response.data
    assert response.mimetype == results_media_type(name)
    graph = Graph().parse(data=response.data, format=rdflib_format)
    assert sorted(str(s) for s in graph.subjects(RDF.type, URIRef(IKPE + "Project"))) == projects[:2]


def results_media_type(name):
    from server.sparql.results import BY_NAME

    return BY_NAME[name].media_type


TYPED = "SELECT DISTINCT ?s WHERE { ?s a ?t FILTER(isIRI(?s)) } ORDER BY ?s"


def test_remote_select_truncation_is_signalled(remote, store):
    everything = [str(r["s"]) for r in store.select(TYPED)]  # the embedded store's answer
    assert len(everything) > MAX_ROWS
    response = remote.get("/sparql", query_string={"query": TYPED})  # no LIMIT of its own
    assert response.status_code == 200
    assert json_values(response, "s") == everything[:MAX_ROWS]
    assert response.get_json()["truncated"] is True
    assert response.headers["X-SPARQL-Truncated"] == "true" and response.headers["X-SPARQL-Max-Rows"] == "5"
    # a LIMIT of its own above the row limit, and CSV: the headers say it
    response = remote.get("/sparql", query_string={"query": TYPED + " LIMIT 100", "format": "csv"})
    assert [r[0] for r in csv.reader(io.StringIO(response.data.decode()))][1:] == everything[:MAX_ROWS]
    assert response.headers["X-SPARQL-Truncated"] == "true"
    # exactly at the limit: not truncated
    response = remote.get("/sparql", query_string={"query": TYPED + f" LIMIT {MAX_ROWS}"})
    assert response.get_json()["truncated"] is False and "X-SPARQL-Truncated" not in response.headers
    # unordered, no LIMIT: sent with LIMIT max_rows + 1, still seen as cut
    response = remote.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } # no newline"})
    assert len(response.get_json()["results"]["bindings"]) == MAX_ROWS
    assert response.get_json()["truncated"] is True and response.headers["X-SPARQL-Truncated"] == "true"
    response = remote.get("/sparql", query_string={"query": "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t }"})
    assert len(Graph().parse(data=response.data, format="turtle")) == MAX_ROWS
    assert response.headers["X-SPARQL-Truncated"] == "true"


@pytest.mark.parametrize("update", ["INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }",
                                    "CLEAR ALL", "DROP ALL", "DELETE WHERE { ?s ?p ?o }"])
def test_remote_update_is_refused(remote, update):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def total():
        return remote.get("/sparql", query_string={"query": count}).get_json()["results"]["bindings"][0]["n"]["value"]

    before = total()
    for send in (lambda: remote.post("/sparql", data={"query": update}),
                 lambda: remote.post("/sparql", data=update.encode(), content_type="application/sparql-query"),
                 lambda: remote.post("/sparql", data={"update": update})):
        response = send()
        body = response.get_data()  # read it: an unread response is a request still in progress
        assert response.status_code == 403, body
        assert b"read-only" in body
    assert total() == before


def test_remote_service_is_refused(remote):
    for query in ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                  "SELECT * WHERE { ?s ?p 1SERVICE<http://127.0.0.1:9/sparql>{ ?s ?p ?o } }",
                  "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                  "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/> } SERVICE ?e { ?s ?p ?o } }"):
        response = remote.post("/sparql", data={"query": query})
        body = response.get_data()  # read it: an unread response is a request still in progress
        assert response.status_code in (400, 403), (query, body)
        assert response.mimetype == "text/plain"


def test_remote_errors(remote):
    response = remote.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert_plain_error(response, 400)
    response = remote.get("/sparql", query_string={"query": f"SELECT * FROM <{GRAPH}> WHERE {{ ?s ?p ?o }}"})
    assert_plain_error(response, 400)
    assert b"FROM" in response.data


@pytest.mark.parametrize("kind", REMOTE_KINDS)
def test_remote_timeout(store_farm, build_dir, kind):  # noqa: F811
    """A heavy query past a small time limit answers the timeout status; the endpoint answers after it."""
    client = create_app(store_farm.settings(kind, build_dir, sparql_timeout=0.3)).test_client()
    heavy = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . "
             "FILTER(STRLEN(CONCAT(STR(?c), STR(?f))) > 100000) }")
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": heavy})
    assert response.status_code == 503, response.data
    assert b"time limit" in response.data and response.mimetype == "text/plain"
    assert time.monotonic() - started < 8  # the limit fired: the store was not waited for
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()["boolean"] is True
