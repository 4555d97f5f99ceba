"""The HTML pages: labels instead of IRIs, dates at their precision, readable roles, languages,
embedded schema.org JSON-LD, local links, index pages, the ontology and shapes documentation."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from rdflib import Graph

from server.kg.definitions import load_definitions
from server.settings import load_settings
from server.web.app import create_app

BASE = "https://lod.ikpe-erfurt.de"


class Page(HTMLParser):
    """Collects what a test needs: text, links, the <html lang>, h1s, JSON-LD blocks, ids."""

    def __init__(self, html):
        super().__init__()
        self.text, self.links, self.h1, self.jsonld, self.ids = [], [], [], [], set()
        self.lang, self._in = None, []
        self.feed(html)
        self.text = " ".join(" ".join(self.text).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if "id" in attrs:
            self.ids.add(attrs["id"])
        self._in.append((tag, attrs.get("type")))

    def handle_endtag(self, tag):
        while self._in and self._in.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if not self._in:
            return
        tag, kind = self._in[-1]
        if tag == "script":
            if kind == "application/ld+json":
                self.jsonld.append(json.loads(data))
            return
        if tag in ("style", "title"):
            return
        if tag == "h1":
            self.h1.append(data.strip())
        self.text.append(data)


def page(client, path, **headers) -> Page:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    return Page(response.get_data(as_text=True))


def test_project_page_reads_well_in_german(client):
    p = page(client, "/doc/project/thilik")
    assert p.lang == "de"
    assert p.h1 == ["Thüringer Initiative für lokales Integrationsmanagement in den Kommunen (ThILIK)"]
    assert "Laufzeit: 2016 – 2022" in p.text
    assert "Projektleitung" in p.text and "Dr. Stefan Huber" in p.text
    assert "Stand Mai 2022" in p.text                       # participation date at its precision
    assert "Wartburgkreis" in p.text and "Altenburger Land" in p.text
    assert "Gefördert von Thüringen im Rahmen von ESF-Armutspräventionslinie" in p.text
    assert "https://lod.ikpe-erfurt.de/id/" not in p.text.replace("Kennung (URI): https://lod.ikpe-erfurt.de/id/project/thilik", "")


def test_time_bounded_roles_are_readable(client):
    p = page(client, "/doc/project/vielfalt-leben")
    assert "Dr. Viviane Vidot bis Mai 2022" in p.text
    assert "Dr. Stefan Huber seit Mai 2022" in p.text
    assert "Laufzeit: Januar 2021 – Dezember 2022" in p.text
    assert "AWO Regionalverband Mitte-West-Thüringen durch Fachstelle Interkulturelle Öffnung" in p.text


def test_english_on_request_and_by_accept_language(client):
    by_param = page(client, "/doc/project/vielfalt-leben?lang=en")
    by_header = page(client, "/doc/project/vielfalt-leben", **{"Accept-Language": "en-GB,en;q=0.8"})
    for p in (by_param, by_header):
        assert p.lang == "en"
        assert p.h1 == ["Living diversity. For a future-proof administration"]
        assert "Runtime: January 2021 – December 2022" in p.text
        assert "until May 2022" in p.text
    assert client.get("/doc/project/thilik", headers={"Accept-Language": "en"}).headers["Vary"].count("Accept-Language")


def test_language_switch_keeps_the_url_shareable(client):
    p = page(client, "/list/project?order=desc")
    assert "/list/project?order=desc&lang=en" in p.links
    assert page(client, "/list/project?order=desc&lang=en").lang == "en"


def test_label_fallback_to_german_then_local_name(client):
    p = page(client, "/doc/person/stefan-huber?lang=en")       # the person has only a German label
    assert p.h1 == ["Dr. Stefan Huber"]
    assert "Project lead" in p.text and "Thuringian Initiative for Local Integration Management" in p.text


def test_gebietskoerperschaft_page(client):
    p = page(client, "/doc/gebietskoerperschaft/16056")
    assert p.h1 == ["Eisenach (kreisfreie Stadt bis 2021)"]
    assert "In dieser Form von 1. Januar 1998 bis 30. Juni 2021" in p.text
    assert "Fortgeführt durch Eisenach" in p.text
    assert "/id/gebietskoerperschaft/16063105" in p.links
    assert "https://www.wikidata.org/wiki/Q7070" in p.links or "http://www.wikidata.org/entity/Q7070" in p.links
    assert "Eingliederung der Stadt Eisenach in den Wartburgkreis (2021)" in p.text


def test_local_links_are_root_relative(client):
    p = page(client, "/doc/project/thilik")
    assert "/id/person/stefan-huber" in p.links and "/id/gebietskoerperschaft/16063" in p.links
    assert not [link for link in p.links if link.startswith(BASE)]


def test_every_page_embeds_schema_org_json_ld(client):
    for path in ("/doc/project/thilik", "/doc/gebietskoerperschaft/16063", "/doc/person/stefan-huber",
                 "/doc/organisation/ikpe"):
        p = page(client, path)
        (entity,) = p.jsonld
        assert entity["@context"] == "https://schema.org/"
        assert entity["@id"] == BASE + path.replace("/doc/", "/id/")
        assert entity["name"] and entity["@type"]
    assert page(client, "/doc/project/thilik").jsonld[0]["startDate"] == "2016"


def test_one_h1_and_breadcrumbs(client):
    for path in ("/", "/doc/project/thilik", "/list/gebietskoerperschaft", "/def/ikpe"):
        assert len(page(client, path).h1) == 1, path
    p = page(client, "/doc/gebietskoerperschaft/16063")
    assert "/list/gebietskoerperschaft" in p.links


def test_home_explains_and_counts(client):
    p = page(client, "/")
    assert "Dieser Datensatz beschreibt die Projekte" in p.text
    assert re.search(r"2 Projekte", p.text)
    assert "/list/gebietskoerperschaft" in p.links and "/sparql" in p.links and "/catalog" in p.links


@pytest.fixture(scope="module")
def small_pages(settings):
    app = create_app(load_settings(build_dir=settings.build_dir, page_size=5))
    app.config["TESTING"] = True
    return app.test_client()


def test_type_index_paging(small_pages):
    first = page(small_pages, "/list/gebietskoerperschaft")
    assert "?page=2&sort=label&order=asc&lang=de" in first.links
    assert "Seite 1 von 5 (insgesamt 25)" in first.text
    descending = page(small_pages, "/list/gebietskoerperschaft?order=desc")
    assert "Wartburgkreis" in descending.text and "Wartburgkreis" not in first.text
    assert "Altenburger Land" in first.text
    last = page(small_pages, "/list/gebietskoerperschaft?page=5")
    assert "?page=4&sort=label&order=asc&lang=de" in last.links
    assert "Wartburgkreis" in last.text


def test_long_inverse_links_are_paged(small_pages):
    land = page(small_pages, "/doc/gebietskoerperschaft/16")
    assert "Seite 1 von" in land.text
    assert "/doc/gebietskoerperschaft/16?page=2&lang=de" in land.links


def test_ontology_documentation_has_an_anchor_for_every_term(client, settings):
    p = page(client, "/def/ikpe")
    graph = load_definitions(settings.current_release.resolve()).documents[BASE + "/def/ikpe"]
    terms = {str(s) for s in graph.subjects() if str(s).startswith(BASE + "/def/ikpe#")}
    assert len(terms) > 30
    missing = [t for t in terms if t.rsplit("#", 1)[1] not in p.ids]
    assert not missing
    assert "Tombstone" in p.ids                               # the lifecycle module belongs to /def/ikpe
    assert "Projekt" in p.text and "Unterklasse von" in p.text and "schema:Project" in p.text
    turtle = client.get("/def/ikpe", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and len(Graph().parse(data=turtle.get_data(as_text=True), format="turtle"))


def test_shapes_are_served(client):
    p = page(client, "/def/shapes")
    assert "TombstoneShape" in p.ids and "ProjectShape" in p.ids
    graph = Graph().parse(data=client.get("/def/shapes.ttl").get_data(as_text=True), format="turtle")
    assert len(graph) > 100


def test_definitions_are_parsed_once_when_threads_ask_at_once(settings, tmp_path, monkeypatch):
    """Right after a release switch many request threads want /def at once: one parses, the rest wait."""
    import shutil
    import threading

    import server.kg.definitions as definitions

    release = tmp_path / "release"
    shutil.copytree(settings.current_release.resolve() / "def", release / "def")
    parsed = []
    original = Graph.parse
    monkeypatch.setattr(Graph, "parse", lambda self, *a, **k: (parsed.append(a[:1]), original(self, *a, **k))[1])
    results = []
    threads = [threading.Thread(target=lambda: results.append(load_definitions(release))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    documents = len(json.loads((release / "def" / "index.json").read_text("utf-8")))
    assert len(parsed) == documents and len(results) == 8
    assert all(result is results[0] for result in results)
    definitions._parse_definitions.cache_clear()
