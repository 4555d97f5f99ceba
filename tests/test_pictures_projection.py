"""Pictures without a browser: geometry in the graph, lon/lat → SVG projection, what the map and
the timeline draw (checked against the SPARQL answers), colours, and the SVG/overview routes."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from babel.support import Translations
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from server import pictures
from server.kg.geometry import GEO, geometry_graph, load_areas, parse_wkt, simplify_areas, to_wkt
from server.kg.validate import load_turtle_dir
from server.pictures import data
from server.pictures.map import (HIGHLIGHT_FILL, PALETTES, PLAIN_FILL, TEXT, choropleth_classes, contrast,
                                 text_colour_on)
from server.pictures.projection import Projection, label_point, point_in_polygons, point_in_ring
from server.pictures.timeline import COLOURS
from server.settings import PROJECT_ROOT

SVG = "{http://www.w3.org/2000/svg}"
ID = "https://lod.ikpe-erfurt.de/id/"
GK = ID + "gebietskoerperschaft/"
THILIK = ID + "project/thilik"
# The seed text's participants of ThILIK (Stand Mai 2022), from shared/reference/README.md (the project brief).
THILIK_KEYS = {"16077", "16051", "16063105", "16052", "16053", "16065", "16062", "16066", "16068", "16073",
               "16075", "16063"}


@pytest.fixture(scope="module")
def areas_from_files():
    return load_areas(PROJECT_ROOT / "data")


def href(iri: str) -> str:
    return "/" + iri.split("/", 3)[3]


TRANSLATIONS = PROJECT_ROOT / "server" / "web" / "translations"


def drawn_in(lang: str, prefix: str = "picture") -> pictures.Output:
    """Pictures in ``lang``, translated by the web app's compiled catalogue (as Flask-Babel does)."""
    return pictures.Output(pictures.Language(lang, Translations.load(TRANSLATIONS, [lang])), href, prefix)


# -- geometry in the graph ------------------------------------------------------------------------
def test_geometry_graph_has_one_boundary_per_gebietskoerperschaft():
    graph = geometry_graph(PROJECT_ROOT / "data", ID)
    owners = {str(s)[len(GK):] for s in graph.subjects(GEO.hasGeometry, None)}
    assert owners == {"16", "16056", "16063105"} | {
        f"160{n}" for n in (51, 52, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77)}
    for owner, node in graph.subject_objects(GEO.hasGeometry):
        assert str(node) == f"{owner}/geometry"
        assert (node, RDF.type, GEO.Geometry) in graph
        assert graph.value(node, DCTERMS.source) == URIRef(ID + "source/bkg-vg5000")
        wkt = graph.value(node, GEO.asWKT)
        assert wkt.datatype == GEO.wktLiteral
        assert parse_wkt(wkt), owner


def test_eisenach_comes_from_the_right_file(areas_from_files):
    assert areas_from_files["16056"]["file"] == "kreise_2021-01-01.geojson"
    assert areas_from_files["16063105"]["file"] == "eisenach_stadtgebiet.geojson"
    assert areas_from_files["16063"]["file"] == "kreise_aktuell.geojson"
    assert areas_from_files["16"]["file"] == "land_thueringen.geojson"
    # the current Wartburgkreis contains the town; the former kreisfreie Stadt has the town's outline
    town = label_point(areas_from_files["16063105"]["polygons"])
    assert point_in_polygons(town, areas_from_files["16063"]["polygons"])
    assert point_in_polygons(town, areas_from_files["16056"]["polygons"])


def test_wkt_round_trip_and_simplification_keeps_shared_borders(areas_from_files):
    original = {k: a["polygons"] for k, a in areas_from_files.items()}
    simplified = simplify_areas(original)
    assert sum(len(r) for p in simplified.values() for q in p for r in q) < \
        sum(len(r) for p in original.values() for q in p for r in q)
    for key, polygons in simplified.items():
        assert parse_wkt(to_wkt(polygons)) == polygons, key
        assert parse_wkt("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> " + to_wkt(polygons)) == polygons
    # every point of the simplified Land outline is also a point of a simplified district: no slivers
    district_points = {pt for k, p in simplified.items() if len(k) == 5 for q in p for r in q for pt in r}
    outline = {pt for q in simplified["16"] for r in q for pt in r}
    assert outline <= district_points


def test_the_geometry_shapes_accept_the_build_and_reject_broken_geometry():
    from server.kg import pipeline
    from server.settings import load_settings

    settings = load_settings()
    outcome = pipeline.assemble(settings)  # the build adds the geometry (server/kg/pipeline.py)
    assert outcome.ok, [str(p) for p in outcome.problems]
    graph = outcome.graph
    assert len(list(graph.subject_objects(GEO.hasGeometry))) == 25

    # the map reads the boundaries from the store when the release carries them (GeoSPARQL query)
    store = GraphOnlyStore(graph)
    found = data.areas(store, settings)
    assert len(found) == 25 and found[GK + "16063105"].kind == "GrosseKreisstadt"
    assert store.queries[0] == data.query("pictures-01-map-areas", settings.public_base)
    root = parse(pictures.map_picture(store, settings, "project", THILIK, drawn_in("de")))
    assert {a.get("data-iri") for a in links(root) if "highlighted" in a.get("class")} == \
        {GK + key for key in THILIK_KEYS}

    shapes = load_turtle_dir(settings.shapes_dir)
    erfurt = URIRef(GK + "16051/geometry")
    graph.remove((erfurt, DCTERMS.source, None))
    graph.remove((erfurt, GEO.asWKT, None))
    graph.add((erfurt, GEO.asWKT, Literal("POINT (11 51)", datatype=GEO.wktLiteral)))
    graph.add((URIRef(THILIK), GEO.hasGeometry, erfurt))
    conforms, report, _ = validate(graph, shacl_graph=shapes, inference="none", advanced=True)
    assert not conforms
    sh = "http://www.w3.org/ns/shacl#"
    results = {(str(report.value(r, URIRef(sh + "focusNode"))), str(report.value(r, URIRef(sh + "resultPath"))))
               for r in report.objects(None, URIRef(sh + "result"))}
    assert (str(erfurt), str(DCTERMS.source)) in results
    assert (str(erfurt), str(GEO.asWKT)) in results
    assert any(focus == THILIK for focus, _ in results)


def test_the_map_draws_only_the_boundaries_the_release_carries():
    """A release without boundaries draws none: the source folder data/geo is never read at request time."""
    from server.settings import load_settings

    graph = Graph()
    graph.add((URIRef(GK + "16051"), RDF.type, URIRef("https://lod.ikpe-erfurt.de/def/ikpe#KreisfreieStadt")))
    assert data.areas(GraphOnlyStore(graph), load_settings()) == {}


class GraphOnlyStore:
    """The store interface over an in-memory pyoxigraph copy of a graph (no release on disk)."""

    def __init__(self, graph: Graph):
        import pyoxigraph as ox

        self.store = ox.Store()
        self.store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
        self.queries = []

    def select(self, query: str) -> list[dict]:
        from server.store.embedded import to_rdflib

        self.queries.append(query)
        solutions = self.store.query(query)
        names = [v.value for v in solutions.variables]
        return [{n: to_rdflib(s[n]) for n in names if s[n] is not None} for s in solutions]


# -- projection -----------------------------------------------------------------------------------
def test_a_known_district_lands_inside_thuringias_outline(areas_from_files):
    projection = Projection()
    outline = projection.polygons(areas_from_files["16"]["polygons"])
    for key in ("16051", "16053", "16063", "16077", "16054"):
        inside = label_point(areas_from_files[key]["polygons"])
        x, y = projection.point(*inside)
        assert point_in_polygons((x, y), outline), key
    # Erfurt lies in the middle, Altenburger Land in the east, Eichsfeld in the north-west
    erfurt = projection.point(*label_point(areas_from_files["16051"]["polygons"]))
    altenburg = projection.point(*label_point(areas_from_files["16077"]["polygons"]))
    eichsfeld = projection.point(*label_point(areas_from_files["16061"]["polygons"]))
    assert eichsfeld[0] < erfurt[0] < altenburg[0]
    assert eichsfeld[1] < erfurt[1]
    # a point outside Thuringia (Leipzig) is outside the projected outline
    assert not point_in_polygons(projection.point(12.37, 51.34), outline)


def test_the_whole_land_fits_the_picture(areas_from_files):
    projection = Projection(width=640, padding=12)
    points = [projection.point(*pt) for q in areas_from_files["16"]["polygons"] for r in q for pt in r]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert 0 <= min(xs) and max(xs) <= 640 and 0 <= min(ys) and max(ys) <= projection.height
    assert max(xs) - min(xs) > 560  # the Land fills the width
    lon, lat = projection.inverse(*projection.point(11.03, 50.98))
    assert lon == pytest.approx(11.03) and lat == pytest.approx(50.98)


def test_point_in_ring_basics():
    square = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    assert point_in_ring((5, 5), square)
    assert not point_in_ring((15, 5), square)
    assert not point_in_polygons((5, 5), [[square, [(2, 2), (8, 2), (8, 8), (2, 8), (2, 2)]]])


# -- what the maps draw ---------------------------------------------------------------------------
def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.split("?>", 1)[-1])


def links(root: ET.Element):
    return [a for a in root.iter(SVG + "a") if "area" in a.get("class", "").split()]


def sparql_answer(store, name: str, **values) -> list[dict]:
    text = Path(PROJECT_ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    for variable, iri in values.items():
        text = re.sub(r"VALUES \?" + variable + r" \{[^}]*\}", f"VALUES ?{variable} {{ <{iri}> }}", text)
    return store.select(text)


def test_highlighted_set_equals_the_sparql_answer(store, settings):
    answer = {str(r["area"]) for r in sparql_answer(store, "pictures-02-project-participants", project=THILIK)}
    assert answer == {GK + key for key in THILIK_KEYS}
    svg = pictures.map_picture(store, settings, "project", THILIK, drawn_in("de"))
    root = parse(svg)
    highlighted = {a.get("data-iri") for a in links(root) if "highlighted" in a.get("class").split()}
    assert highlighted == answer
    assert pictures.highlighted_set(store, settings, THILIK) == answer
    for a in links(root):  # every area: a link to its page with an accessible name saying its state
        assert a.get("href") == href(a.get("data-iri"))
        title = a.find(SVG + "title").text
        assert title == a.get("aria-label")
        state = "nimmt teil" if a.get("data-iri") in answer else "nimmt nicht teil"
        assert title.endswith(": " + state), title


def test_eisenach_is_a_town_inside_the_wartburgkreis_after_the_reform(store, settings):
    root = parse(pictures.map_picture(store, settings, "project", THILIK, drawn_in("de")))
    drawn = {a.get("data-iri"): a.get("class").split() for a in links(root)}
    assert root.get("data-date") >= "2021-07-01"
    assert "town" in drawn[GK + "16063105"] and "district" in drawn[GK + "16063"]
    assert GK + "16056" not in drawn
    assert len(drawn) == 23  # 22 districts + the town
    iris = [a.get("data-iri") for a in links(root)]
    assert iris.index(GK + "16063105") > iris.index(GK + "16063")  # drawn on top of its Landkreis

    before = parse(pictures.map_picture(store, settings, "gebietskoerperschaft", GK + "16056", drawn_in("de")))
    drawn_before = {a.get("data-iri"): a.get("class").split() for a in links(before)}
    assert before.get("data-date") == "2021-06-30"
    assert "highlighted" in drawn_before[GK + "16056"] and GK + "16063105" not in drawn_before
    assert len(drawn_before) == 23  # 23 districts before the reform


def test_gebietskoerperschaft_map_shows_its_own_position(store, settings):
    root = parse(pictures.map_picture(store, settings, "gebietskoerperschaft", GK + "16051", drawn_in("en")))
    highlighted = [a.get("data-iri") for a in links(root) if "highlighted" in a.get("class").split()]
    assert highlighted == [GK + "16051"]
    assert root.find(SVG + "title").text.startswith("Map: where Erfurt")
    assert pictures.map_picture(store, settings, "gebietskoerperschaft", ID + "person/stefan-huber", drawn_in("de")) == ""


def test_home_choropleth_counts_equal_the_sparql_answer(store, settings):
    counts = {str(r["area"]): int(r["projects"]) for r in sparql_answer(store, "pictures-03-projects-per-district")}
    assert counts[GK + "16063"] == 1 and counts[GK + "16061"] == 0
    root = parse(pictures.map_picture(store, settings, "home", None, drawn_in("de")))
    for a in links(root):
        n = counts[a.get("data-iri")]
        expected = {0: "keine Projekte", 1: "1 Projekt"}.get(n, f"{n} Projekte")
        assert a.get("aria-label").endswith(": " + expected)
        assert f"count-{n}" in a.get("class").split()
    legend = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    assert "keine Projekte" in legend and "1 Projekt" in legend
    assert "© GeoBasis-DE / BKG (2021), Daten verändert" in legend


# -- colours --------------------------------------------------------------------------------------
def test_colours_have_enough_contrast_and_are_sequential():
    assert contrast(HIGHLIGHT_FILL, PLAIN_FILL) >= 3  # WCAG 1.4.11 non-text contrast
    assert contrast(PLAIN_FILL, "#ffffff") < 1.2  # the hatching/labels carry the meaning, not just colour
    for palette in PALETTES.values():
        for colour in palette:
            assert contrast(colour, text_colour_on(colour)) >= 4.5  # printed counts
            assert contrast(colour, PLAIN_FILL) >= 2
        lightness = [contrast(c, "#000000") for c in palette]
        assert lightness == sorted(lightness, reverse=True)  # light → dark: readable without hue
    assert contrast(TEXT, "#ffffff") >= 4.5
    for colour in COLOURS.values():
        assert contrast(colour, "#ffffff") >= 3
    assert [c for _, _, c in choropleth_classes([0, 1, 1, 0])] == PALETTES[1]
    assert len(choropleth_classes([0, 3, 9, 20])) == 4


# -- timeline -------------------------------------------------------------------------------------
def bar(root, iri):
    for a in root.iter(SVG + "a"):
        if a.get("data-iri") == iri and "bar-project" in a.get("class"):
            return a
    raise AssertionError(iri)


def test_timeline_draws_a_year_only_end_to_the_end_of_that_year(store, settings):
    svg = pictures.timeline_picture(store, settings, "home", None, drawn_in("de"))
    root = parse(svg)
    thilik = bar(root, THILIK)
    assert "2016 – 2022 (nur Jahr)" in thilik.get("aria-label")
    body = thilik.find(f"{SVG}rect[@class='body']")
    imprecise = thilik.findall(f"{SVG}rect[@class='imprecise']")
    assert len(imprecise) == 2  # the first and the last year are hatched
    # the axis runs 2016-01-01 … 2023-01-01: the bar ends exactly at the axis end (31 Dec 2022)
    lines = [float(l.get("x1")) for l in root.iter(SVG + "line") if l.get("y1") and l.get("stroke") == "#8c8c8c"]
    end_of_2022 = max(lines)
    start_of_2022 = sorted(lines)[-2]
    assert float(body.get("x")) + float(body.get("width")) == pytest.approx(end_of_2022, abs=0.2)
    last = max(imprecise, key=lambda r: float(r.get("x")))
    assert float(last.get("x")) == pytest.approx(start_of_2022, abs=0.2)
    vielfalt = bar(root, ID + "project/vielfalt-leben")
    assert "01/2021 – 12/2022 (nur Monat)" in vielfalt.get("aria-label")


def test_timeline_shows_who_was_contact_when(store, settings):
    rows = sparql_answer(store, "pictures-05-timeline-roles")
    contacts = {str(r["holder"]) for r in rows if str(r["kind"]).endswith("ContactPerson")}
    assert contacts == {ID + "person/viviane-vidot", ID + "person/stefan-huber"}
    root = parse(pictures.timeline_picture(store, settings, "home", None, drawn_in("de")))
    names = [a.get("aria-label") for a in root.iter(SVG + "a") if "bar-ContactPerson" in a.get("class", "")]
    assert names == ["Ansprechperson: Dr. Viviane Vidot: bis 05/2022 (nur Monat)",
                     "Ansprechperson: Dr. Stefan Huber: ab 05/2022 (nur Monat)"]
    # a person's timeline: their projects and their roles (also those without dates)
    person = parse(pictures.timeline_picture(store, settings, "person", ID + "person/stefan-huber", drawn_in("en")))
    labels = [a.get("aria-label") for a in person.iter(SVG + "a")]
    assert any(label.startswith("ThILIK") for label in labels)
    assert any(label.startswith("Project lead: Dr. Stefan Huber (for the whole runtime)") for label in labels)
    assert any(label.startswith("Contact: Dr. Stefan Huber: from 05/2022") for label in labels)
    org = parse(pictures.timeline_picture(store, settings, "organisation", ID + "organisation/tmmjv", drawn_in("de")))
    assert any("bar-Funder" in a.get("class") for a in org.iter(SVG + "a"))


# -- routes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/pictures/map.svg", "/pictures/map/thilik.svg", "/pictures/timeline.svg",
                                 "/pictures/map/gebietskoerperschaft/16063105.svg",
                                 "/pictures/timeline/person/stefan-huber.svg",
                                 "/pictures/timeline/organisation/ikpe.svg?lang=en"])
def test_standalone_svg_files(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = parse(response.get_data(as_text=True))
    assert root.tag == SVG + "svg"
    body = response.get_data(as_text=True)
    assert not re.search(r"<script|<image|<foreignObject|url\(\s*['\"]?https?:|@import", body)  # nothing loaded
    for a in root.iter(SVG + "a"):  # standalone files travel: their links are absolute, to this server
        assert a.get("href").startswith("http://localhost/") or a.get("href") == "https://www.bkg.bund.de"
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("url", ["/pictures/map/no-such-project.svg", "/pictures/timeline/person/nobody.svg",
                                 "/pictures/timeline/banana/x.svg", "/pictures/map/gebietskoerperschaft/99999.svg"])
def test_unknown_things_have_no_picture(client, url):
    assert client.get(url).status_code == 404


def test_overview_page_is_built_from_sparql(client, store):
    html = client.get("/overview").get_data(as_text=True)
    counts = {str(r["type"]): int(r["count"]) for r in sparql_answer(store, "pictures-06-overview-counts")}
    assert counts["https://lod.ikpe-erfurt.de/def/ikpe#Project"] == 2
    assert re.search(r"Projekt</a></th><td class=\"num\">2</td>", html)
    assert "ESF-Armutspräventionslinie" in html and "Thüringer Ministerium für Migration" in html
    assert 'class="ikpe-picture ikpe-map ikpe-map-home"' in html and "ikpe-timeline" in html
    english = client.get("/overview?lang=en").get_data(as_text=True)
    assert "Overview of the dataset" in english and "Funders and programmes" in english


def test_queries_have_titles_in_both_languages():
    files = sorted((PROJECT_ROOT / "queries").glob("pictures-*.rq"))
    assert len(files) >= 8
    for path in files:
        head = path.read_text(encoding="utf-8").splitlines()[:2]
        assert head[0].startswith("# title@de: ") and head[1].startswith("# title@en: "), path.name


# -- the same pictures from every store (embedded, Oxigraph server, Virtuoso) ---------------------
from stores import STORE_KINDS  # noqa: E402


@pytest.fixture(scope="module", params=STORE_KINDS)
def any_store_and_settings(request, store_farm, build_dir):  # noqa: F811
    from server.store import open_store

    settings = store_farm.settings(request.param, build_dir)
    return open_store(settings), settings


def test_pictures_read_the_same_from_every_store(any_store_and_settings, store, settings):
    remote, remote_settings = any_store_and_settings
    found = data.areas(remote, remote_settings)
    assert len(found) == 25  # read with the GeoSPARQL query (pictures-01), also on remote stores
    local = data.areas(store, settings)
    for iri, area in found.items():  # stores may rewrite WKT; the parsed rings agree
        assert [[[(round(x, 5), round(y, 5)) for x, y in ring] for ring in p] for p in area.polygons] == \
            local[iri].polygons, iri
    root = parse(pictures.map_picture(remote, remote_settings, "project", THILIK, drawn_in("de")))
    assert {a.get("data-iri") for a in links(root) if "highlighted" in a.get("class")} == \
        {GK + key for key in THILIK_KEYS}
    assert data.projects_per_area(remote, remote_settings) == data.projects_per_area(store, settings)
    home = parse(pictures.timeline_picture(remote, remote_settings, "home", None, drawn_in("de")))
    assert "2016 – 2022 (nur Jahr)" in bar(home, THILIK).get("aria-label")
