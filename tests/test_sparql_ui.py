"""The query UI in a real headless Chromium: YASGUI served from our host, type a query, run it, see
the rows; pick a competency question and run it; nothing is fetched from another host; axe-core
finds no serious or critical accessibility violation (WCAG 2.1 AA, as BITV 2.0 asks), before and
after a query, with a second tab open too."""
from __future__ import annotations

import pytest

from accessibility import serious_axe_violations

pytestmark = pytest.mark.browser

IKPE = "https://lod.ikpe-erfurt.de/def/ikpe#"
PROJECT_LABELS = ("PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#>\n"
                  "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                  "SELECT ?label WHERE { ?p a ikpe:Project ; rdfs:label ?label "
                  "FILTER(lang(?label) = 'de') } ORDER BY ?label")


def open_ui(page, live_server, lang="de"):
    foreign = []
    page.on("request", lambda r: None if r.url.startswith((live_server.url, "data:", "blob:"))
            else foreign.append(r.url))
    page.goto(f"{live_server.url}/sparql?lang={lang}")
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20000)
    return foreign


def type_query(page, query):
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # CodeMirror auto-closes brackets: type line by line without the closing braces it inserts
    page.keyboard.insert_text(query)


def run_and_rows(page):
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table tbody tr", timeout=20000)
    return page.locator(".yasr table tbody tr")


def test_type_a_query_run_it_see_the_rows(page, live_server, store):
    foreign = open_ui(page, live_server)
    expected = sorted(str(r["label"]) for r in store.select(
        f"PREFIX ikpe: <{IKPE}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?label WHERE { ?p a ikpe:Project ; rdfs:label ?label FILTER(lang(?label) = 'de') }"))
    assert expected
    type_query(page, PROJECT_LABELS)
    rows = run_and_rows(page)
    assert rows.count() == len(expected)
    text = page.locator(".yasr table tbody").inner_text()
    for label in expected:
        assert label in text
    assert foreign == []


def test_example_query_in_both_languages(page, live_server):
    open_ui(page, live_server, "en")
    options = page.locator("#sparql-example option")
    assert options.count() > 1
    labels = options.all_inner_texts()
    assert "Which projects ran in 2021?" in labels
    page.select_option("#sparql-example", label="Which projects ran in 2021?")
    assert "2021" in page.locator(".yasqe .CodeMirror").inner_text()
    rows = run_and_rows(page)
    assert rows.count() >= 1
    open_ui(page, live_server, "de")
    assert "Welche Projekte liefen im Jahr 2021?" in page.locator("#sparql-example option").all_inner_texts()


def test_results_can_be_downloaded(page, live_server):
    open_ui(page, live_server)
    type_query(page, "SELECT ?s WHERE { ?s a <https://lod.ikpe-erfurt.de/def/ikpe#Project> }")
    run_and_rows(page)
    with page.expect_download() as download:
        page.click(".yasr_downloadIcon")
    content = open(download.value.path(), encoding="utf-8").read()
    assert "https://lod.ikpe-erfurt.de/id/" in content


def test_prefix_completion_knows_our_ontology(page, live_server):
    open_ui(page, live_server)
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("PREFIX ikp")
    page.wait_for_selector(".CodeMirror-hints", timeout=10000)
    assert "ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#>" in page.locator(".CodeMirror-hints").inner_text()


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_query_ui_passes_axe_before_and_after_a_query(browser, live_server, width, lang):
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        open_ui(page, live_server, lang)
        assert serious_axe_violations(page) == []
        type_query(page, PROJECT_LABELS)
        assert run_and_rows(page).count() >= 1
        assert serious_axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()


def test_editor_and_endpoint_are_named_and_the_editor_scrolls_by_keyboard(page, live_server):
    open_ui(page, live_server, "en")
    assert page.get_by_label("SPARQL query").first.evaluate("e => e.tagName") == "TEXTAREA"
    assert page.get_by_role("textbox", name="SPARQL endpoint").input_value().endswith("/sparql")
    assert page.locator(".yasqe .CodeMirror-scroll").get_attribute("tabindex") == "0"


def test_a_new_tab_still_opens_and_stays_accessible(browser, live_server):
    context = browser.new_context(locale="de-DE")
    try:
        page = context.new_page()
        open_ui(page, live_server)
        assert page.locator(".tabsList .tab [role=tab]").count() == 1
        page.click("button.addTab")
        page.wait_for_function("document.querySelectorAll('.tabsList .tab [role=tab]').length === 2")
        page.wait_for_selector(".tabPanel.active .yasqe .CodeMirror textarea[aria-label]", timeout=10000)
        page.evaluate("query => window.ikpeYasgui.getTab().getYasqe().setValue(query)", PROJECT_LABELS)
        page.click(".tabPanel.active .yasqe_queryButton")
        page.wait_for_selector(".tabPanel.active .yasr table tbody tr", timeout=20000)
        assert serious_axe_violations(page) == []
    finally:
        context.close()


def test_query_ui_runs_no_inline_script(client):
    policy = client.get("/sparql", headers={"Accept": "text/html"}).headers["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
