"""What changed, for people (issue 15, items 4 and 7): /releases, /release/<id>, /history/<path> on
three real releases (tests/history_builds.py), in German and English, with axe in Chromium; and
``ikpe-lod diff``, the preview of an edit against the release in service."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from accessibility import serious_axe_violations
from history_builds import THILIK, THILIK_LABELS, VIDOT, VIDOT_LABELS, set_vidot_label
from server.cli import main as cli
from server.kg.release import current_release
from server.settings import load_settings
from server.web.app import create_app
from servers import LiveServer


@pytest.fixture(scope="module")
def history_app(history):
    app = create_app(history.settings)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(history_app):
    return history_app.test_client()


def page_of(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/html"
    return lxml_html.fromstring(response.get_data(as_text=True))


def text(element) -> str:
    return re.sub(r"\s+", " ", element.text_content()).strip()


def section(tree, status: str):
    found = tree.xpath(f"//section[@aria-labelledby='{status}-h']")
    assert found, status
    return found[0]


def test_releases_lists_the_three_retained_releases_newest_first(client, history):
    tree = page_of(client.get("/releases?lang=en"))
    rows = tree.xpath("//table[@class='releases']/tbody/tr")
    assert [row.xpath("th/a")[0].text for row in rows] == list(reversed(history.releases))
    assert [row.xpath("th/a/@href")[0] for row in rows] == [f"/release/{r}" for r in reversed(history.releases)]
    cells = [[text(td) for td in row.xpath("td")] for row in rows]
    assert cells[0][2:] == ["+2", "−2"] and cells[1][2:] == ["+1", "−1"] and cells[2][2] == "first release"
    assert "in service" in text(rows[0]) and "in service" not in text(rows[1])
    assert [row.xpath("td/time/@datetime")[0] for row in rows] == \
        [m["created"] for m in reversed(history.manifests)]
    assert [int(c[1].replace(",", "")) for c in cells] == [m["triples"] for m in reversed(history.manifests)]


def test_releases_page_in_german(client):
    tree = page_of(client.get("/releases", headers={"Accept-Language": "de"}))
    assert tree.xpath("//h1")[0].text == "Veröffentlichungen"
    assert "erste Veröffentlichung" in text(tree)


def diff_rows(element) -> set[tuple[str, str, str]]:
    """(added|removed, property label, value) of each statement a diff list shows."""
    rows = set()
    for row in element.xpath(".//dl[@class='diff']/div"):
        for tag in row.xpath(".//*[@class='lang-tag' or @class='visually-hidden' or @aria-hidden='true']"):
            tag.drop_tree()
        kind = row.get("class").removeprefix("diff-")
        rows.add((kind, text(row.xpath("dt")[0]), text(row.xpath("dd")[0])))
    return rows


def changed_entries(tree) -> dict[str, str]:
    return {text(li.xpath(".//p[@class='change-title']/strong")[0]): diff_rows(li)
            for li in section(tree, "changed").xpath(".//li")}


def test_release_page_lists_thilik_and_vidot_as_changed_with_old_and_new_values(client, history):
    tree = page_of(client.get(f"/release/{history.releases[2]}?lang=en"))
    assert tree.xpath("//h1")[0].text == "What changed?"
    entries = changed_entries(tree)
    thilik_en = "Thuringian Initiative for Local Integration Management in the Municipalities (ThILIK)"
    assert set(entries) == {VIDOT_LABELS[2], thilik_en}  # the English label where there is one
    vidot = entries[VIDOT_LABELS[2]]
    assert vidot == {("removed", "Label", VIDOT_LABELS[1]), ("added", "Label", VIDOT_LABELS[2])}
    assert entries[thilik_en] == {("removed", "Label", THILIK_LABELS[0]), ("added", "Label", THILIK_LABELS[2])}
    assert "(0)" in text(section(tree, "added").xpath("h2")[0])
    links = section(tree, "changed").xpath(".//a/@href")
    assert "/doc/person/viviane-vidot" in links and "/history/doc/person/viviane-vidot" in links
    assert f"/release/{history.releases[2]}/doc/project/thilik" in links


def test_release_page_in_german(client, history):
    tree = page_of(client.get(f"/release/{history.releases[1]}", headers={"Accept-Language": "de"}))
    assert tree.xpath("//h1")[0].text == "Was hat sich geändert?"
    assert "entfernt:" in text(section(tree, "changed"))  # what a screen reader reads before a value
    entries = changed_entries(tree)
    assert list(entries) == [VIDOT_LABELS[1]]
    assert entries[VIDOT_LABELS[1]] == {("removed", "Bezeichnung", VIDOT_LABELS[0]),
                                        ("added", "Bezeichnung", VIDOT_LABELS[1])}


def test_the_first_release_says_everything_is_new(client, history):
    tree = page_of(client.get(f"/release/{history.releases[0]}?lang=en"))
    assert "This is the first release" in text(tree)


def test_history_of_vidot_shows_three_versions_with_their_diffs(client, history):
    tree = page_of(client.get("/history/doc/person/viviane-vidot?lang=en"))
    versions = tree.xpath("//ol[@class='versions']/li")
    assert len(versions) == 3
    assert [v.xpath(".//a[starts-with(@href, '/release/')]")[0].text for v in versions] == \
        list(reversed(history.releases))
    newest, middle, oldest = (diff_rows(v) for v in versions)
    assert newest == {("removed", "Label", VIDOT_LABELS[1]), ("added", "Label", VIDOT_LABELS[2])}
    assert middle == {("removed", "Label", VIDOT_LABELS[0]), ("added", "Label", VIDOT_LABELS[1])}
    assert "First published" in text(versions[2]) and ("added", "Label", VIDOT_LABELS[0]) in oldest
    assert {kind for kind, _, _ in oldest} == {"added"} and len(oldest) > 5
    assert ("added", "Family name", "Vidot") in oldest
    assert text(tree.xpath("//h1")[0]) == f"History: {VIDOT_LABELS[2]}"


def test_history_by_id_path_and_in_german(client):
    tree = page_of(client.get("/history/id/project/thilik", headers={"Accept-Language": "de"}))
    versions = tree.xpath("//ol[@class='versions']/li")
    assert len(versions) == 2  # ThILIK changed in releases 1 and 3
    assert "hinzugefügt:" in text(versions[0])
    assert ("added", "Bezeichnung", THILIK_LABELS[2]) in diff_rows(versions[0])


def test_history_of_a_document_with_a_format_suffix(client):
    tree = page_of(client.get("/history/doc/person/viviane-vidot.html"))
    assert len(tree.xpath("//ol[@class='versions']/li")) == 3
    assert "/doc/person/viviane-vidot" in tree.xpath("//main//a/@href")


def test_resource_pages_link_to_their_history(client):
    tree = page_of(client.get("/doc/project/thilik"))
    assert "/history/doc/project/thilik" in tree.xpath("//a/@href")
    assert "/releases" in tree.xpath("//footer//a/@href")


@pytest.mark.parametrize("path, status", [
    ("/release/20990101T000000Z-00000000", 404), ("/release/nonsense", 404), ("/release/%3Cscript%3E", 404),
    ("/history/doc/person/nobody-at-all", 404), ("/history/other/person/viviane-vidot", 404),
    ("/history/doc/../etc/passwd", 404), ("/history/doc/", 404)])
def test_unknown_things_are_404(client, path, status):
    assert client.get(path).status_code == status


def test_release_page_numbers(client, history):
    assert client.get(f"/release/{history.releases[2]}?page=1").status_code == 200
    assert client.get(f"/release/{history.releases[2]}?page=2").status_code == 404  # two changes: one page
    assert client.get(f"/release/{history.releases[2]}?page=zwei").status_code == 400
    assert client.get(f"/release/{history.releases[2]}?page=0").status_code == 400


def test_pages_are_cacheable_per_release(client, history):
    first = client.get(f"/release/{history.releases[2]}?lang=en")
    assert first.headers["ETag"].startswith(f'W/"{history.releases[2]}')
    assert "public" in first.headers["Cache-Control"] and "Accept-Language" in first.headers["Vary"]
    again = client.get(f"/release/{history.releases[2]}?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_release_beyond_retention_is_410_with_a_pointer(history, tmp_path):
    build_dir = tmp_path / "build"
    shutil.copytree(history.settings.build_dir, build_dir, symlinks=True)
    history_file = current_release(build_dir) / "history.json"
    data = json.loads(history_file.read_text(encoding="utf-8"))
    data["releases"][0]["retained"] = False
    history_file.write_text(json.dumps(data), encoding="utf-8")
    client = create_app(load_settings(data_dir=history.root / "data", build_dir=build_dir)).test_client()
    response = client.get(f"/release/{history.releases[0]}")
    assert response.status_code == 410
    assert f"/release/{history.releases[1]}" in response.get_data(as_text=True)
    tree = page_of(client.get("/releases?lang=en"))
    assert len(tree.xpath("//table[@class='releases']/tbody/tr")) == 2
    assert "1 older releases are no longer kept" in text(tree)


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/releases", "/release/{third}", "/history/doc/person/viviane-vidot?lang=en"])
@pytest.mark.parametrize("width", [1280, 375])
def test_no_serious_accessibility_violations(browser, history_app, history, path, width):
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    try:
        with LiveServer(history_app) as server:
            page = context.new_page()
            page.goto(server.url + path.format(third=history.releases[2]))
            assert page.locator("h1").count() == 1
            assert serious_axe_violations(page) == []
            assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()


def test_diff_previews_an_edit_and_publishes_nothing(history, tmp_path):
    shutil.copytree(history.root / "data", tmp_path / "data")
    set_vidot_label(tmp_path / "data", "Dr. Viviane Vidot Vorschau")
    releases = history.settings.build_dir / "releases"
    before = sorted(p.name for p in releases.iterdir())
    args = ["--data", str(tmp_path / "data"), "--build-dir", str(history.settings.build_dir), "diff"]
    result = CliRunner().invoke(cli, args + ["--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "changed" in result.output and "Dr. Viviane Vidot Vorschau" in result.output
    assert f"- Label: {VIDOT_LABELS[2]}" in result.output and "Nothing was published." in result.output
    as_json = CliRunner().invoke(cli, args + ["--json"])
    report = json.loads(as_json.stdout)
    assert report["release"] == history.releases[-1] and not report["added"] and not report["removed"]
    assert [(c["iri"], c["label"]) for c in report["changed"]] == [(VIDOT, "Dr. Viviane Vidot Vorschau")]
    assert report["changed"][0]["removed"][0]["value_label"] == VIDOT_LABELS[2]
    assert sorted(p.name for p in releases.iterdir()) == before
    assert current_release(history.settings.build_dir).name == history.releases[-1]


def test_diff_without_changes_says_so(history):
    args = ["--data", str(history.root / "data"), "--build-dir", str(history.settings.build_dir), "diff"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "No changes" in result.output
    assert THILIK not in result.output
