"""Withdrawn (410) and moved (301) resources, driven by tombstone records in the data, and the
shapes that keep tombstones honest. Each test builds a release from a copy of data/ with the
tombstone records added (the ``data_copy`` fixture)."""
from __future__ import annotations

import pytest

from server.release_steps import build
from server.settings import load_settings
from server.web.app import create_app

TOMBSTONES = """
- id: project/alt-projekt
  type: Tombstone
  label: {de: "Altes Projekt (zurückgezogen)", en: "Old project (withdrawn)"}
  withdrawn: "2024-03"
  historyNote: {de: "Der Eintrag war doppelt angelegt und wurde zurückgezogen."}
- id: project/thilik-alt
  type: Tombstone
  label: {de: "ThILIK (alte Adresse)"}
  movedTo: project/thilik
"""


def settings_for(folder, tmp_path):
    return load_settings(data_dir=folder / "data", ontology_dir=folder / "ontology",
                         shapes_dir=folder / "shapes", build_dir=tmp_path / "build")


@pytest.fixture()
def tombstone_client(data_copy, tmp_path):
    (data_copy / "data" / "tombstones.yaml").write_text(TOMBSTONES, encoding="utf-8")
    settings = settings_for(data_copy, tmp_path)
    outcome = build(settings)
    assert outcome.ok, [str(p) for p in outcome.problems]
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def test_withdrawn_resource_is_410_with_what_the_tombstone_says(tombstone_client):
    for path in ("/id/project/alt-projekt", "/doc/project/alt-projekt", "/doc/project/alt-projekt.ttl"):
        response = tombstone_client.get(path)
        assert response.status_code == 410, path
    html = tombstone_client.get("/id/project/alt-projekt").get_data(as_text=True)
    assert "Altes Projekt (zurückgezogen)" in html
    assert "März 2024" in html
    assert "doppelt angelegt" in html


def test_moved_resource_redirects_permanently(tombstone_client):
    response = tombstone_client.get("/id/project/thilik-alt")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/id/project/thilik")
    document = tombstone_client.get("/doc/project/thilik-alt.ttl")
    assert document.status_code == 301 and document.headers["Location"].endswith("/doc/project/thilik.ttl")


def test_tombstones_stay_out_of_indexes_and_sitemap(tombstone_client):
    assert "alt-projekt" not in tombstone_client.get("/list/project").get_data(as_text=True)
    assert "alt-projekt" not in tombstone_client.get("/sitemap.xml").get_data(as_text=True)
    home = tombstone_client.get("/").get_data(as_text=True)
    assert ">2</span> <span class=\"type-name\">Projekte" in home


def test_history_is_still_not_a_redirect(tombstone_client):
    assert tombstone_client.get("/doc/gebietskoerperschaft/16056").status_code == 200


@pytest.mark.parametrize("record, message", [
    ("- id: project/x\n  type: Tombstone\n  label: {de: X}\n  start: '2020'\n",
     "zurückgezogene Ressource darf nur"),
    ("- id: project/x\n  type: Tombstone\n  label: {de: X}\n  movedTo: project/y\n"
     "- id: project/y\n  type: Tombstone\n  label: {de: Y}\n", "keine zurückgezogene Ressource"),
    ("- id: project/x\n  type: Tombstone\n  label: {en: X}\n", "deutsches rdfs:label"),
])
def test_shapes_reject_bad_tombstones(data_copy, tmp_path, record, message):
    (data_copy / "data" / "tombstones.yaml").write_text(record, encoding="utf-8")
    outcome = build(settings_for(data_copy, tmp_path))
    assert not outcome.ok
    assert any(message in str(problem) for problem in outcome.problems), [str(p) for p in outcome.problems]
