"""Counts that need a pass over the whole graph, computed once per release at build time.

The home page, the overview and the home map show counts (things per type, projects per district)
whose queries scan every thing or every participation: seconds at a million triples. The maps' label
points (a grid search per boundary) and the projects that started last (a sort of all projects) are
kept here too. The release
step :func:`write_summary` computes them from the release's store into ``<release>/summary.json``;
pages read the file (:func:`summary_of`). A release without the file (built before it existed, or
served only from a remote store) falls back to the queries.

The numbers are the answers of the queries they replace (``pictures-03``, ``pictures-06`` and the
home page's count per type); ``tests/test_pictures_summary.py`` compares them.
"""
from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from ..kg.geometry import parse_wkt
from ..kg.namespaces import IKPE
from .projection import label_point

FILE_NAME = "summary.json"
RECENT_KEPT = 100  # the projects that started last, kept in the summary (pages show fewer)
RECENT_QUERY = (f"SELECT ?project WHERE {{{{ ?project a <{IKPE.Project}> ; <{IKPE.periodStart}> ?start }}}} "
                "ORDER BY DESC(?start) ?project LIMIT {limit}")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
AREA_KINDS = tuple(str(IKPE[k]) for k in ("Landkreis", "KreisfreieStadt", "GrosseKreisstadt"))
AREA_STEPS = ("http://purl.org/dc/terms/isReplacedBy", "https://schema.org/containedInPlace")


def type_counts(store: ox.Store, public_base: str) -> tuple[dict[str, int], dict[str, int]]:
    """(things per class, not withdrawn; ``pictures-06``: things in ``/id/`` per ikpe class, all)."""
    members: dict[str, set] = defaultdict(set)
    for s, _, o, _ in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None, ox.DefaultGraph()):
        if isinstance(o, ox.NamedNode):
            members[o.value].add(s)
    withdrawn = members.get(str(IKPE.Tombstone), set())
    live = {cls: len(things - withdrawn) for cls, things in members.items()}
    id_base, vocabulary = public_base + "/id/", str(IKPE)
    in_id = {cls: sum(1 for t in things if isinstance(t, ox.NamedNode) and t.value.startswith(id_base))
             for cls, things in members.items() if cls.startswith(vocabulary)}
    return live, {cls: n for cls, n in in_id.items() if n}


def _edges(store: ox.Store, predicates) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for predicate in predicates:
        for s, _, o, _ in store.quads_for_pattern(None, ox.NamedNode(predicate), None, ox.DefaultGraph()):
            out[s.value].add(o.value)
    return out


def _reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    """``start`` and everything reached by one or more edges (SPARQL's ``(a|b)*``)."""
    seen, todo = {start}, [start]
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def projects_per_area(store: ox.Store) -> dict[str, int]:
    """``pictures-03``: per district or town, the projects one of whose participants lies in it."""
    areas = {s.value for kind in AREA_KINDS
             for s, _, _, _ in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(kind))}
    rows = store.query(f"SELECT ?project ?holder WHERE {{ ?p a <{IKPE.Participation}> ; "
                       f"<{IKPE.roleIn}> ?project ; <{IKPE.roleHolder}> ?holder }}")
    edges, within, projects = _edges(store, AREA_STEPS), {}, defaultdict(set)
    for row in rows:
        holder = row["holder"].value
        if holder not in within:
            within[holder] = _reachable(holder, edges) & areas
        for area in within[holder]:
            projects[area].add(row["project"].value)
    return {area: len(projects.get(area, ())) for area in sorted(areas)}


def label_points(store: ox.Store) -> dict[str, list[float]]:
    """Where each boundary's name and count are printed (longitude, latitude): a grid search per area
    that took seconds of every process's first map."""
    rows = store.query("PREFIX geo: <http://www.opengis.net/ont/geosparql#> "
                       "SELECT ?area ?wkt WHERE { ?area geo:hasGeometry/geo:asWKT ?wkt }")
    return {row["area"].value: list(label_point(parse_wkt(row["wkt"].value))) for row in rows}


def write_summary(graph, folder, manifest, settings) -> None:
    """Release step: ``summary.json`` with the counts above, read from the release's store."""
    store = ox.Store.read_only(str(Path(folder) / "store"))
    try:
        live, in_id = type_counts(store, settings.public_base)
        recent = [row["project"].value for row in store.query(RECENT_QUERY.format(limit=RECENT_KEPT))]
        summary = {"things_per_class": live, "overview_counts": in_id, "projects_per_area": projects_per_area(store),
                   "label_points": label_points(store), "recent_projects": recent}
    finally:
        del store
    (Path(folder) / FILE_NAME).write_text(json.dumps(summary, sort_keys=True), encoding="utf-8")
    manifest["summary"] = {"file": FILE_NAME}


@lru_cache(maxsize=8)
def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def summary_of(store) -> dict | None:
    """The summary of the release ``store`` (a snapshot) serves, or None if it has none."""
    release = store.release() if hasattr(store, "release") else None
    if release is None or release.path is None:
        return None
    return _read(Path(release.path).resolve() / FILE_NAME)
