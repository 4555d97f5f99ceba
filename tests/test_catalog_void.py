"""The VoID description states what the store holds: every count is checked against SPARQL on the store."""
from __future__ import annotations

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

VOID = Namespace("http://rdfs.org/ns/void#")
BASE = "https://lod.ikpe-erfurt.de"
DATASET = URIRef(BASE + "/catalog/dataset/ikpe")


@pytest.fixture(scope="module")
def void(app) -> Graph:
    response = app.test_client().get("/.well-known/void")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def count(store, query: str) -> int:
    return int(store.select(query)[0]["n"])


def test_dataset_counts_match_the_store(void, store):
    assert int(void.value(DATASET, VOID.triples)) == count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(void.value(DATASET, VOID.distinctSubjects)) == count(
        store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")
    assert int(void.value(DATASET, VOID.distinctObjects)) == count(
        store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }")
    assert int(void.value(DATASET, VOID.properties)) == count(
        store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }")
    assert int(void.value(DATASET, VOID.classes)) == count(
        store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    assert int(void.value(DATASET, VOID.entities)) == count(store, f"""
        SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}/id/")) }}""")
    assert str(void.value(DATASET, VOID.uriSpace)) == BASE + "/id/"
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "/sparql")


def test_class_and_property_partitions_match_the_store(void, store):
    classes = {r["c"]: int(r["n"]) for r in store.select(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")}
    stated = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
              for p in void.objects(DATASET, VOID.classPartition)}
    assert stated == classes
    properties = {r["p"]: int(r["n"]) for r in store.select(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")}
    stated = {void.value(p, VOID.property): int(void.value(p, VOID.triples))
              for p in void.objects(DATASET, VOID.propertyPartition)}
    assert stated == properties


@pytest.mark.parametrize("space", ["http://www.wikidata.org/entity/", "http://dcat-ap.de/def/politicalGeocoding/"])
def test_linksets_count_the_links(void, store, space):
    expected = {r["p"]: int(r["n"]) for r in store.select(f"""
        SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o
          FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{space}") && STRSTARTS(STR(?s), "{BASE}/id/")) }} GROUP BY ?p""")}
    assert expected, "the graph links to " + space
    stated = {}
    for linkset in void.subjects(RDF.type, VOID.Linkset):
        target = void.value(linkset, VOID.objectsTarget)
        if str(void.value(target, VOID.uriSpace)) == space:
            assert void.value(linkset, VOID.subjectsTarget) == DATASET
            stated[void.value(linkset, VOID.linkPredicate)] = int(void.value(linkset, VOID.triples))
    assert stated == expected


def test_dumps_and_vocabularies_are_listed_and_resolve(void, app):
    client = app.test_client()
    dumps = sorted(str(d) for d in void.objects(DATASET, VOID.dataDump))
    assert len(dumps) == 4
    for dump in dumps:
        assert client.head(dump[len(BASE):]).status_code == 200
    vocabularies = {str(v) for v in void.objects(DATASET, VOID.vocabulary)}
    assert {"https://schema.org/", "http://www.w3.org/ns/org#", BASE + "/def/ikpe#"} <= vocabularies


def test_void_is_linked_from_the_catalog(app):
    response = app.test_client().get("/catalog.ttl")
    assert any("/.well-known/void>" in link for link in response.headers.getlist("Link"))
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert URIRef(BASE + "/.well-known/void") in set(graph.objects(URIRef(BASE + "/catalog"), None))


@pytest.mark.parametrize("path,headers", [("/", {"Accept": "text/html"}),
                                          ("/doc/project/thilik", {"Accept": "text/turtle"}),
                                          ("/doc/project/thilik", {"Accept": "text/html"}),
                                          ("/dumps/ikpe.ttl", {})])
def test_documents_link_to_catalog_and_void(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    links = response.headers.getlist("Link")
    assert any(link.startswith(f"<{BASE}/catalog>") and 'rel="collection"' in link for link in links)
    assert any(link.startswith(f"<{BASE}/.well-known/void>") for link in links)
