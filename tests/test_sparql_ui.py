"""The query UI in a real headless Chromium: YASGUI served from our host, type a query, run it, see
the rows; pick a competency question and run it; nothing is fetched from another host."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

IKPE = "https://lod.ikpe-erfurt.de/def/ikpe#"


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
    type_query(page, "PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#>\n"
                     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                     "SELECT ?label WHERE { ?p a ikpe:Project ; rdfs:label ?label "
                     "FILTER(lang(?label) = 'de') } ORDER BY ?label")
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
