"""A person in a real browser (Debian's Chromium, headless, through Playwright) walks the graph
against a live server: home → a project → a participating Landkreis → the person leading the
project → back; and axe-core finds no serious or critical accessibility violation."""
from __future__ import annotations

import pytest

from accessibility import serious_axe_violations

pytestmark = pytest.mark.browser

THILIK = "Thüringer Initiative für lokales Integrationsmanagement in den Kommunen (ThILIK)"


def heading(page) -> str:
    return page.locator("h1").inner_text().strip()


def test_walk_from_home_to_project_landkreis_and_person_and_back(page, live_server):
    page.goto(live_server.url + "/")
    assert heading(page) == "Projekte, Akteure und Orte des IKPE"
    assert page.locator("html").get_attribute("lang") == "de"

    page.get_by_role("link", name="Alle Projekte", exact=True).click()
    assert heading(page) == "Projekte"
    page.get_by_role("link", name=THILIK).click()
    assert heading(page) == THILIK
    assert page.url.endswith("/doc/project/thilik")            # /id/… answered 303 → /doc/…
    assert "Laufzeit: 2016 – 2022" in page.locator("main").inner_text()

    participants = page.locator("section", has=page.locator("#participants-h"))
    participants.get_by_role("link", name="Wartburgkreis", exact=True).click()
    assert heading(page) == "Wartburgkreis"
    main = page.locator("main").inner_text()
    assert "Landkreis" in main and "Nimmt teil an" in main and "Stand Mai 2022" in main

    page.go_back()
    assert heading(page) == THILIK
    involved = page.locator("section", has=page.locator("#people-h"))
    assert "Projektleitung" in involved.inner_text()
    involved.get_by_role("link", name="Dr. Stefan Huber", exact=True).click()
    assert heading(page) == "Dr. Stefan Huber"
    roles = page.locator("main").inner_text()
    assert "Projektleitung in " + THILIK in roles

    page.go_back()
    assert heading(page) == THILIK
    page.get_by_role("navigation", name="Brotkrumennavigation").get_by_role("link", name="Start").click()
    assert heading(page) == "Projekte, Akteure und Orte des IKPE"


def test_language_switch_in_the_browser(page, live_server):
    page.goto(live_server.url + "/doc/project/vielfalt-leben")
    page.get_by_role("link", name="English").click()
    assert page.url.endswith("/doc/project/vielfalt-leben?lang=en")
    assert heading(page) == "Living diversity. For a future-proof administration"
    assert "until May 2022" in page.locator("main").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"


def test_keyboard_reaches_the_content(page, live_server):
    page.goto(live_server.url + "/doc/project/thilik")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Zum Inhalt springen"
    page.keyboard.press("Enter")
    page.wait_for_url("**#main", timeout=5000)  # the jump is a navigation: wait for it, not for luck
    assert page.url.endswith("#main")


@pytest.mark.parametrize("path", ["/", "/doc/project/thilik", "/doc/gebietskoerperschaft/16063",
                                  "/doc/person/stefan-huber", "/def/ikpe", "/list/project?lang=en"])
@pytest.mark.parametrize("width", [1280, 375])
def test_no_serious_accessibility_violations(browser, live_server, path, width):
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + path)
        assert serious_axe_violations(page) == []
        # readable on a phone: nothing wider than the viewport
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
