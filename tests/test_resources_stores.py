"""The Linked Data documents answer the same from every store backend (embedded pyoxigraph, Oxigraph
server, Virtuoso over SPARQL 1.1): the describe queries, labels, lifecycle checks and index pages use
only portable SPARQL."""
from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import to_isomorphic

from server.web.app import create_app
from stores import STORE_KINDS

BASE = "https://lod.ikpe-erfurt.de"


@pytest.fixture(scope="module", params=STORE_KINDS)
def store_client(request, store_farm, build_dir):  # noqa: F811
    app = create_app(store_farm.settings(request.param, build_dir))
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture(scope="module")
def embedded_client(build_dir):
    from server.settings import load_settings

    return create_app(load_settings(build_dir=build_dir)).test_client()


def without_modified(graph: Graph) -> Graph:
    graph.remove((None, URIRef("http://purl.org/dc/terms/modified"), None))
    return graph


@pytest.mark.parametrize("local", ["project/thilik", "gebietskoerperschaft/16063", "person/stefan-huber",
                                   "gebietskoerperschaft/16056"])
def test_documents_are_the_same_on_every_store(store_client, embedded_client, local):
    assert store_client.get(f"/id/{local}").status_code == 303
    got = Graph().parse(data=store_client.get(f"/doc/{local}.nt").get_data(as_text=True), format="nt")
    want = Graph().parse(data=embedded_client.get(f"/doc/{local}.nt").get_data(as_text=True), format="nt")
    assert to_isomorphic(without_modified(got)) == to_isomorphic(without_modified(want))


def test_pages_without_pictures_render_on_every_store(store_client):
    role = store_client.get("/doc/role/vielfalt-leben/kontakt-vidot")
    assert role.status_code == 200 and "Dr. Viviane Vidot" in role.get_data(as_text=True)
    index = store_client.get("/list/gebietskoerperschaft")
    assert index.status_code == 200 and "Wartburgkreis" in index.get_data(as_text=True)
    assert store_client.get("/id/project/nothing-here").status_code == 404
