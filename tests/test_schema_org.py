"""The schema.org JSON-LD embedded in the HTML pages: every page's main entity (the node the page is
``mainEntityOfPage`` of) has a ``name`` in the page language — on the home page, every list page and
resource pages. The JSON-LD is read as RDF (rdflib), the way a crawler reads it."""
from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from server.web.resources import INDEX_TYPES

SCHEMA = Namespace("https://schema.org/")
BASE = "https://lod.ikpe-erfurt.de"
RESOURCES = ["/doc/project/thilik", "/doc/gebietskoerperschaft/16063", "/doc/person/stefan-huber",
             "/doc/organisation/ikpe"]


class JsonLdBlocks(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.blocks: list[str] = []
        self._inside = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self._inside = tag == "script" and dict(attrs).get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.blocks.append(data)


def embedded_graph(client, path: str, lang: str) -> Graph:
    response = client.get(path, query_string={"lang": lang})
    assert response.status_code == 200, path
    blocks = JsonLdBlocks(response.get_data(as_text=True)).blocks
    assert len(blocks) == 1, f"{path}: {len(blocks)} JSON-LD blocks"
    data = json.loads(blocks[0])
    assert data["@context"] == "https://schema.org/"
    data["@context"] = {"@vocab": str(SCHEMA)}  # the same terms, without fetching the remote context
    return Graph().parse(data=json.dumps(data), format="json-ld")


def main_entity_names(graph: Graph, page_url: str) -> list[Literal]:
    mains = list(graph.subjects(SCHEMA.mainEntityOfPage, Literal(page_url)))
    mains += list(graph.subjects(SCHEMA.mainEntityOfPage, URIRef(page_url)))
    assert len(mains) == 1, f"{page_url}: {len(mains)} main entities"
    return [name for name in graph.objects(mains[0], SCHEMA.name)]


def list_pages(client) -> list[str]:
    return [f"/list/{slug}" for slug in INDEX_TYPES if client.get(f"/list/{slug}").status_code == 200]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_home_page_names_the_dataset_in_the_page_language(client, lang):
    names = main_entity_names(embedded_graph(client, "/", lang), BASE + "/")
    expected = {"de": "Projekte, Akteure und Orte des IKPE", "en": "Projects, actors and places of the IKPE"}
    assert [str(n) for n in names] == [expected[lang]]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_list_page_names_its_list(client, lang):
    pages = list_pages(client)
    assert "/list/role" in pages and "/list/project" in pages
    for path in pages:
        graph = embedded_graph(client, path, lang)
        names = main_entity_names(graph, BASE + path)
        assert len(names) == 1 and str(names[0]).strip(), path
        items = list(graph.objects(None, SCHEMA.item))
        assert items, f"{path}: no listed item"
        assert all(str(graph.value(item, SCHEMA.name) or "").strip() for item in items), path


def test_list_names_follow_the_page_language(client):
    german = main_entity_names(embedded_graph(client, "/list/role", "de"), BASE + "/list/role")
    english = main_entity_names(embedded_graph(client, "/list/role", "en"), BASE + "/list/role")
    assert (str(german[0]), str(english[0])) == ("Rollen und Teilnahmen", "Roles and participations")


@pytest.mark.parametrize("path", RESOURCES)
@pytest.mark.parametrize("lang", ["de", "en"])
def test_resource_pages_name_their_resource(client, path, lang):
    names = main_entity_names(embedded_graph(client, path, lang), BASE + path)
    assert len(names) == 1 and str(names[0]).strip()


def test_a_role_page_names_its_role(client):
    graph = embedded_graph(client, "/list/role", "de")
    first = sorted(str(item) for item in graph.objects(None, SCHEMA.item))[0]
    path = "/doc/" + first[len(BASE + "/id/"):]
    assert main_entity_names(embedded_graph(client, path, "de"), BASE + path)
