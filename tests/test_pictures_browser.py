"""The pictures in a real browser (Debian's Chromium through Playwright, against the live server):
screenshots of the home page and a project page, the highlighted areas found by their accessible
names, a click and the keyboard opening an area's page, and axe-core finding no serious problem."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from accessibility import serious_axe_violations
from server.settings import PROJECT_ROOT

pytestmark = pytest.mark.browser

GK = "https://lod.ikpe-erfurt.de/id/gebietskoerperschaft/"
THILIK = "https://lod.ikpe-erfurt.de/id/project/thilik"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("picture-screenshots")


def expected_participant_labels(store) -> set[str]:
    """The German labels of the SPARQL answer (queries/pictures-02-project-participants.rq)."""
    text = (PROJECT_ROOT / "queries" / "pictures-02-project-participants.rq").read_text(encoding="utf-8")
    return {str(r["label"]) for r in store.select(text)}


def test_project_page_map_highlights_the_participants(page, live_server, store, shots):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(live_server.url + "/doc/project/thilik")
    svg = page.locator("svg.ikpe-map-project")
    svg.scroll_into_view_if_needed()
    assert svg.is_visible()
    page.screenshot(path=str(shots / "project-thilik.png"), full_page=True)
    svg.screenshot(path=str(shots / "project-thilik-map.png"))

    # the highlighted areas, found by the accessible names the browser computes
    taking_part = page.get_by_role("link", name=re.compile(r": nimmt teil$"))
    names = {re.sub(r": nimmt teil$", "", link.get_attribute("aria-label")) for link in taking_part.all()}
    assert names == expected_participant_labels(store)
    assert "Eisenach" in names and "Wartburgkreis" in names
    others = page.get_by_role("link", name=re.compile(r": nimmt nicht teil$"))
    assert others.count() == 23 - len(names)
    # highlighted by drawing too: the hatch pattern, not the plain fill
    fill = page.locator("svg.ikpe-map-project a.highlighted .shape").first.get_attribute("fill")
    assert fill.startswith("url(#")

    # clicking an area opens its page
    page.get_by_role("link", name="Erfurt: nimmt teil").click()
    page.wait_for_url(re.compile(r"/doc/gebietskoerperschaft/16051"))
    assert "Erfurt" in page.locator("h1").inner_text()
    # and the Gebietskörperschaft page shows its own position
    own = page.locator("svg.ikpe-map-gebietskoerperschaft a.highlighted")
    assert own.count() == 1 and own.get_attribute("data-iri") == GK + "16051"


def test_map_is_usable_with_the_keyboard(page, live_server):
    page.goto(live_server.url + "/doc/project/thilik")
    for _ in range(300):
        page.keyboard.press("Tab")
        name = page.evaluate("() => { const a = document.activeElement;"
                             " return a && a.closest('svg.ikpe-map') ? a.getAttribute('aria-label') : null }")
        if name:
            break
    else:
        pytest.fail("no map area is reachable with the Tab key")
    assert re.search(r": nimmt (nicht )?teil$", name)
    # the focused area is visibly marked (thicker outline)
    width = page.evaluate("() => getComputedStyle(document.activeElement.querySelector('.shape')).strokeWidth")
    assert float(width.rstrip("px")) >= 3
    target = page.evaluate("() => document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(target.replace("/id/", "/doc/"))))


def test_home_page_choropleth_and_timeline(page, live_server, shots):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(live_server.url + "/")
    svg = page.locator("svg.ikpe-map-home")
    assert svg.is_visible()
    page.screenshot(path=str(shots / "home.png"), full_page=True)
    svg.screenshot(path=str(shots / "home-map.png"))
    page.locator("svg.ikpe-timeline").screenshot(path=str(shots / "home-timeline.png"))
    assert page.get_by_role("link", name="Wartburgkreis: 1 Projekt").count() == 1
    assert page.get_by_role("link", name="Eichsfeld: keine Projekte").count() == 1
    assert page.get_by_role("link", name=re.compile(r"^ThILIK: 2016 – 2022 \(nur Jahr\)$")).count() == 1
    assert page.get_by_role("link", name="Ansprechperson: Dr. Viviane Vidot: bis 05/2022 (nur Monat)",
                               exact=True).count() == 1
    legend = page.locator("svg.ikpe-map-home .legend").text_content()
    assert "keine Projekte" in legend and "1 Projekt" in legend
    assert page.locator("a[href='/overview']").count() >= 1  # the overview is linked from the home page


@pytest.mark.parametrize("path", ["/", "/doc/project/thilik", "/doc/gebietskoerperschaft/16063105",
                                  "/doc/person/stefan-huber", "/overview"])
def test_no_serious_accessibility_violations_in_the_pictures(page, live_server, path):
    page.goto(live_server.url + path)
    assert page.locator("svg.ikpe-picture").count() >= 1
    assert serious_axe_violations(page, "svg.ikpe-picture") == []


def test_overview_page_has_no_serious_accessibility_violations(page, live_server, shots):
    page.goto(live_server.url + "/overview?lang=en")
    page.screenshot(path=str(shots / "overview.png"), full_page=True)
    assert page.locator("h1").inner_text() == "Overview of the dataset"
    assert serious_axe_violations(page) == []
