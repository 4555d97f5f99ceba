"""The counts the build writes into ``summary.json`` (``server/pictures/summary.py``) are the answers of
the queries they replace, and the home page and the overview stay bounded as the graph grows."""
from __future__ import annotations

import json

from server.pictures import RECENT_PROJECTS, data, summary
from server.web.resources import INDEX_TYPES, _counts

ID = "https://lod.ikpe-erfurt.de/id/"


def written(build_dir) -> dict:
    return json.loads((build_dir / "current" / summary.FILE_NAME).read_text(encoding="utf-8"))


def test_projects_per_area_is_the_answer_of_pictures_03(build_dir, store, settings):
    rows = store.select(data.query("pictures-03-projects-per-district", settings.public_base))
    assert written(build_dir)["projects_per_area"] == {str(r["area"]): int(r["projects"]) for r in rows}
    assert any(n for n in written(build_dir)["projects_per_area"].values())


def test_overview_counts_are_the_answer_of_pictures_06(build_dir, store, settings):
    rows = store.select(data.query("pictures-06-overview-counts", settings.public_base))
    assert written(build_dir)["overview_counts"] == {str(r["type"]): int(r["count"]) for r in rows}


def test_home_counts_equal_the_query_without_the_summary(app, store, monkeypatch):
    with app.test_request_context("/"):
        from_summary = _counts(store)
        monkeypatch.setattr("server.web.resources.summary_of", lambda _store: None)
        assert _counts(store) == from_summary
    assert from_summary["project"] == 2 and set(from_summary) == set(INDEX_TYPES)


def test_withdrawn_things_are_not_counted_for_the_home_page(tmp_path):
    import pyoxigraph as ox

    from server.kg.namespaces import IKPE

    store = ox.Store()
    rdf_type = ox.NamedNode(summary.RDF_TYPE)
    for name, cls in (("a", IKPE.Project), ("b", IKPE.Project), ("b", IKPE.Tombstone)):
        store.add(ox.Quad(ox.NamedNode(ID + "project/" + name), rdf_type, ox.NamedNode(str(cls))))
    live, in_id = summary.type_counts(store, "https://lod.ikpe-erfurt.de")
    assert live[str(IKPE.Project)] == 1 and in_id[str(IKPE.Project)] == 2


def test_recent_projects_restrict_the_home_timeline(store, settings, monkeypatch):
    recent = data.recent_projects(store, 1)
    monkeypatch.setattr(data, "summary_of", lambda _store: None)
    assert data.recent_projects(store, 1) == recent  # the build's list is the query's answer
    assert len(recent) == 1
    projects, _ = data.timeline(store, settings, recent)
    assert [p.iri for p in projects] == recent
    assert len(data.recent_projects(store, RECENT_PROJECTS)) == 2


def test_label_points_are_the_ones_the_map_would_compute(build_dir, store, settings):
    from server.pictures.projection import label_point

    points = written(build_dir)["label_points"]
    areas = data.areas(store, settings)
    assert areas and set(areas) <= set(points)
    for iri, area in areas.items():
        assert area.label_at == tuple(points[iri]) == label_point(area.polygons)
