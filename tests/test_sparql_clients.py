"""The clients researchers use, against the endpoint running on 127.0.0.1: SPARQLWrapper (SELECT in
JSON, XML and CSV, ASK, CONSTRUCT into an rdflib Graph) and rdflib's SPARQLStore."""
from __future__ import annotations

import csv
import io

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

IKPE = "https://lod.ikpe-erfurt.de/def/ikpe#"
PROJECTS = f"PREFIX ikpe: <{IKPE}> SELECT ?p WHERE {{ ?p a ikpe:Project }} ORDER BY ?p"


@pytest.fixture(scope="module")
def projects(store):
    return [str(r["p"]) for r in store.select(PROJECTS)]


def wrapper(live_server, query, fmt, method="GET"):
    sparql = SPARQLWrapper(live_server.url + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    return sparql.query()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(live_server, projects, method):
    result = wrapper(live_server, PROJECTS, JSON, method).convert()
    assert [b["p"]["value"] for b in result["results"]["bindings"]] == projects


def test_sparqlwrapper_select_xml(live_server, projects):
    document = wrapper(live_server, PROJECTS, XML).convert()  # an xml.dom.minidom Document
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert uris == projects


def test_sparqlwrapper_select_csv_and_tsv(live_server, projects):
    rows = list(csv.reader(io.StringIO(wrapper(live_server, PROJECTS, CSV).convert().decode())))
    assert rows[0] == ["p"] and [r[0] for r in rows[1:]] == projects
    lines = wrapper(live_server, PROJECTS, TSV).convert().decode().strip().split("\n")
    assert lines[0] == "?p" and [line.strip("<>") for line in lines[1:]] == projects


def test_sparqlwrapper_ask(live_server):
    assert wrapper(live_server, f"ASK {{ ?p a <{IKPE}Project> }}", JSON).convert()["boolean"] is True
    assert wrapper(live_server, "ASK { FILTER(false) }", JSON).convert()["boolean"] is False


@pytest.mark.parametrize("fmt", [TURTLE, XML, JSON])
def test_sparqlwrapper_construct_into_graph(live_server, projects, fmt):
    query = f"PREFIX ikpe: <{IKPE}> CONSTRUCT {{ ?p a ikpe:Project }} WHERE {{ ?p a ikpe:Project }}"
    result = wrapper(live_server, query, fmt).convert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert sorted(str(s) for s in graph.subjects(RDF.type, URIRef(IKPE + "Project"))) == projects


def test_sparqlwrapper_sees_a_bad_query_as_bad(live_server):
    with pytest.raises(QueryBadFormed):
        wrapper(live_server, "SELECT ?x WHERE { ?x }", JSON)


@pytest.mark.parametrize("method", ["POST_FORM", "GET"])  # GET: ~2.3 kB of PREFIXes in the URL
def test_rdflib_sparqlstore(live_server, projects, method):
    store = SPARQLStore(live_server.url + "/sparql", returnFormat="json", method=method)
    graph = Graph(store=store)
    assert [str(row.p) for row in graph.query(PROJECTS)] == projects
    assert (URIRef(projects[0]), RDF.type, URIRef(IKPE + "Project")) in graph
    assert len(list(graph.triples((None, RDF.type, URIRef(IKPE + "Project"))))) == len(projects)
    assert graph.query(f"ASK {{ <{projects[0]}> a <{IKPE}Project> }}").askAnswer is True
    store.close()


# -- the same clients against the endpoint on the remote stores (Oxigraph server, Virtuoso) ---------
from servers import LiveServer  # noqa: E402
from stores import REMOTE_KINDS  # noqa: E402

from server.web.app import create_app  # noqa: E402


@pytest.fixture(scope="module", params=REMOTE_KINDS)
def remote_live(request, store_farm, build_dir):  # noqa: F811
    with LiveServer(create_app(store_farm.settings(request.param, build_dir))) as server:
        yield server


def test_clients_on_a_remote_store(remote_live, projects):
    result = wrapper(remote_live, PROJECTS, JSON, "POST").convert()
    assert [b["p"]["value"] for b in result["results"]["bindings"]] == projects
    rows = list(csv.reader(io.StringIO(wrapper(remote_live, PROJECTS, CSV).convert().decode())))
    assert [r[0] for r in rows[1:]] == projects
    assert wrapper(remote_live, f"ASK {{ ?p a <{IKPE}Project> }}", JSON).convert()["boolean"] is True
    query = f"PREFIX ikpe: <{IKPE}> CONSTRUCT {{ ?p a ikpe:Project }} WHERE {{ ?p a ikpe:Project }}"
    graph = wrapper(remote_live, query, TURTLE).convert()
    graph = graph if isinstance(graph, Graph) else Graph().parse(data=graph, format="turtle")
    assert sorted(str(s) for s in graph.subjects(RDF.type, URIRef(IKPE + "Project"))) == projects
    with pytest.raises(QueryBadFormed):
        wrapper(remote_live, "SELECT ?x WHERE { ?x }", JSON)
    store = SPARQLStore(remote_live.url + "/sparql", returnFormat="json", method="GET")
    assert [str(row.p) for row in Graph(store=store).query(PROJECTS)] == projects
    store.close()
