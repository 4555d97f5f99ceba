"""Boundaries of the Thuringian Gebietskörperschaften as GeoSPARQL geometries (from ``data/geo/``).

The GeoJSON files are BKG VG5000 (Gebietsstand 01.01.2021, WGS84), see ``data/geo/SOURCES.md``.
The build turns them into one geometry node per Gebietskörperschaft::

    <…/id/gebietskoerperschaft/16051> geo:hasGeometry <…/id/gebietskoerperschaft/16051/geometry> .
    <…/id/gebietskoerperschaft/16051/geometry> a geo:Geometry, sf:Polygon ;
        geo:asWKT "POLYGON((11.0 51.0, …))"^^geo:wktLiteral ;
        dcterms:source <…/id/source/bkg-vg5000> .

Which file gives which area:

- every current Landkreis and kreisfreie Stadt: ``kreise_aktuell.geojson`` (since 2021-07-01);
- the former kreisfreie Stadt Eisenach (16056): ``kreise_2021-01-01.geojson``;
- the town of Eisenach (16063105) inside the Wartburgkreis: ``eisenach_stadtgebiet.geojson``;
- the Land (16): ``land_thueringen.geojson``.

Simplification: VG5000 is already generalised for 1:5 000 000; the build simplifies further with
Douglas-Peucker (``TOLERANCE`` degrees) on the shared arcs of all areas together, so a border shared
by two areas stays identical in both (no gaps, no slivers) — see :func:`simplify_areas`.
WKT without a CRS IRI means CRS84 (longitude, latitude), the GeoSPARQL default.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

GEO = Namespace("http://www.opengis.net/ont/geosparql#")
SF = Namespace("http://www.opengis.net/ont/sf#")
PRECISION = 5  # decimals written (as in the source files)
TOLERANCE = 0.003  # degrees (about 200-300 m), Douglas-Peucker tolerance
SOURCE = "source/bkg-vg5000"
GEO_DIR = "geo"

Ring = list[tuple[float, float]]
Polygon = list[Ring]  # outer ring first, then holes


def _polygons(geometry: dict) -> list[Polygon]:
    if geometry["type"] == "Polygon":
        parts = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        parts = geometry["coordinates"]
    else:
        raise ValueError(f"unsupported geometry type {geometry['type']}")
    return [[[(float(x), float(y)) for x, y, *_ in ring] for ring in polygon] for polygon in parts]


def _douglas_peucker(points: Ring, tolerance: float) -> Ring:
    if len(points) <= 2:
        return list(points)
    (x1, y1), (x2, y2) = points[0], points[-1]
    dx, dy = x2 - x1, y2 - y1
    norm = math.hypot(dx, dy)
    best, index = -1.0, 0
    for i in range(1, len(points) - 1):
        px, py = points[i]
        distance = abs(dy * (px - x1) - dx * (py - y1)) / norm if norm else math.hypot(px - x1, py - y1)
        if distance > best:
            best, index = distance, i
    if best <= tolerance:
        return [points[0], points[-1]]
    return _douglas_peucker(points[:index + 1], tolerance)[:-1] + _douglas_peucker(points[index:], tolerance)


def simplify_areas(areas: dict[str, list[Polygon]], tolerance: float = TOLERANCE) -> dict[str, list[Polygon]]:
    """Douglas-Peucker on shared arcs, so neighbouring areas keep identical borders.

    A point is a junction when it has different neighbours in different rings (where three areas
    meet, or where a border leaves the Land outline). Rings are cut at junctions into arcs; each arc
    is simplified once (in a canonical direction) and reused by every ring that runs along it.
    """
    rings = [ring for polygons in areas.values() for polygon in polygons for ring in polygon]
    neighbours: dict[tuple, set] = {}
    for ring in rings:
        points = ring[:-1]
        for i, point in enumerate(points):
            neighbours.setdefault(point, set()).add(frozenset((points[i - 1], points[(i + 1) % len(points)])))
    junctions = {point for point, pairs in neighbours.items() if len(pairs) > 1}
    cache: dict[tuple, Ring] = {}

    def arc(points: Ring) -> Ring:
        forward, backward = tuple(points), tuple(reversed(points))
        canonical = min(forward, backward)
        if canonical not in cache:
            line = list(canonical)
            if line[0] == line[-1]:  # a closed arc: split at the point farthest from its start
                far = max(range(len(line)), key=lambda i: math.hypot(line[i][0] - line[0][0], line[i][1] - line[0][1]))
                cache[canonical] = _douglas_peucker(line[:far + 1], tolerance)[:-1] + \
                    _douglas_peucker(line[far:], tolerance)
            else:
                cache[canonical] = _douglas_peucker(line, tolerance)
        result = cache[canonical]
        return result if canonical == forward else list(reversed(result))

    def ring_simplified(ring: Ring) -> Ring:
        points = ring[:-1] if ring[0] == ring[-1] else list(ring)
        cuts = [i for i, point in enumerate(points) if point in junctions] or [points.index(min(points))]
        points = points[cuts[0]:] + points[:cuts[0]]
        cuts = [i for i, point in enumerate(points) if point in junctions] or [0]
        cuts.append(len(points))
        points = points + [points[0]]
        out: Ring = []
        for a, b in zip(cuts, cuts[1:]):
            out.extend(arc(points[a:b + 1])[:-1])
        out.append(out[0])
        return out if len(set(out)) >= 3 else list(ring)

    return {key: [[ring_simplified(ring) for ring in polygon] for polygon in polygons]
            for key, polygons in areas.items()}


def _features(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def load_areas(data_dir: Path) -> dict[str, dict]:
    """Key → {"name", "polygons", "file"} for every area the build gives a geometry."""
    folder = Path(data_dir) / GEO_DIR
    areas: dict[str, dict] = {}

    def put(key, feature, file):
        areas[key] = {"name": feature["properties"].get("name", key),
                      "polygons": _polygons(feature["geometry"]), "file": file}

    for feature in _features(folder / "kreise_aktuell.geojson"):
        put(feature["properties"]["kreis_key"], feature, "kreise_aktuell.geojson")
    for feature in _features(folder / "kreise_2021-01-01.geojson"):
        if feature["properties"]["kreis_key"] == "16056":
            put("16056", feature, "kreise_2021-01-01.geojson")
    for feature in _features(folder / "eisenach_stadtgebiet.geojson"):
        put(feature["properties"].get("ags_ab_2021-07-01", "16063105"), feature, "eisenach_stadtgebiet.geojson")
    for feature in _features(folder / "land_thueringen.geojson"):
        put(feature["properties"].get("ars", "16")[:2], feature, "land_thueringen.geojson")
    return areas


def _number(value: float) -> str:
    text = f"{value:.{PRECISION}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def to_wkt(polygons: list[Polygon]) -> str:
    def ring_text(ring):
        return "(" + ", ".join(f"{_number(x)} {_number(y)}" for x, y in ring) + ")"

    def polygon_text(polygon):
        return "(" + ", ".join(ring_text(ring) for ring in polygon) + ")"

    if len(polygons) == 1:
        return "POLYGON " + polygon_text(polygons[0])
    return "MULTIPOLYGON (" + ", ".join(polygon_text(p) for p in polygons) + ")"


_CRS = re.compile(r"^\s*<[^>]*>\s*")
_NUMBER_PAIR = re.compile(r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")


def parse_wkt(text: str) -> list[Polygon]:
    """POLYGON / MULTIPOLYGON WKT (optionally with a leading CRS IRI) → polygons of (lon, lat) rings."""
    body = _CRS.sub("", str(text)).strip()
    upper = body.upper()
    if upper.startswith("MULTIPOLYGON"):
        body = body[len("MULTIPOLYGON"):].strip()
        multi = True
    elif upper.startswith("POLYGON"):
        body = body[len("POLYGON"):].strip()
        multi = False
    else:
        raise ValueError(f"unsupported WKT: {body[:30]!r}")
    polygons: list[Polygon] = []
    depth, current_polygon, start = 0, None, 0
    ring_depth = 3 if multi else 2
    for position, char in enumerate(body):
        if char == "(":
            depth += 1
            if depth == ring_depth - 1:
                current_polygon = []
            if depth == ring_depth:
                start = position + 1
        elif char == ")":
            if depth == ring_depth:
                ring = [(float(x), float(y)) for x, y in _NUMBER_PAIR.findall(body[start:position])]
                current_polygon.append(ring)
            if depth == ring_depth - 1:
                polygons.append(current_polygon)
            depth -= 1
    return polygons


def geometry_graph(data_dir: Path, id_base: str) -> Graph:
    """The geometries of all Gebietskörperschaften in ``data_dir/geo`` as GeoSPARQL triples."""
    graph = Graph()
    graph.bind("geo", GEO)
    graph.bind("sf", SF)
    source = URIRef(id_base + SOURCE)
    areas = load_areas(data_dir)
    simplified = simplify_areas({key: area["polygons"] for key, area in areas.items()})
    for key, area in sorted(areas.items()):
        thing = URIRef(f"{id_base}gebietskoerperschaft/{key}")
        node = URIRef(f"{thing}/geometry")
        polygons = simplified[key]
        graph.add((thing, RDF.type, GEO.Feature))
        graph.add((thing, GEO.hasGeometry, node))
        graph.add((node, RDF.type, GEO.Geometry))
        graph.add((node, RDF.type, SF.Polygon if len(polygons) == 1 else SF.MultiPolygon))
        graph.add((node, GEO.asWKT, Literal(to_wkt(polygons), datatype=GEO.wktLiteral)))
        graph.add((node, RDFS.label, Literal(f"Grenze: {area['name']} (BKG VG5000, vereinfacht)", lang="de")))
        graph.add((node, RDFS.label, Literal(f"Boundary: {area['name']} (BKG VG5000, simplified)", lang="en")))
        graph.add((node, DCTERMS.source, source))
    return graph
