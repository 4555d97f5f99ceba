"""Longitude/latitude → SVG coordinates for maps of Thuringia, and small polygon helpers.

The projection is equirectangular with the x axis shrunk by cos(latitude of the map centre): at the
size of one German Land this keeps shapes true to within about 1 % (a Lambert projection would
differ by less than a pixel at the sizes drawn). SVG's y axis points down, so latitude is flipped.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]

# Bounding box of Thuringia (lon/lat, WGS84) from the BKG outline, with a small margin.
THURINGIA_BBOX = (9.86, 50.19, 12.66, 51.66)


@dataclass(frozen=True)
class Projection:
    """Maps (lon, lat) into a ``width`` × ``height`` SVG box with ``padding`` pixels on each side."""

    bbox: tuple[float, float, float, float] = THURINGIA_BBOX
    width: float = 640.0
    padding: float = 12.0

    @property
    def _k(self) -> float:
        return math.cos(math.radians((self.bbox[1] + self.bbox[3]) / 2))

    @property
    def scale(self) -> float:
        west, _, east, _ = self.bbox
        return (self.width - 2 * self.padding) / ((east - west) * self._k)

    @property
    def height(self) -> float:
        _, south, _, north = self.bbox
        return (north - south) * self.scale + 2 * self.padding

    def point(self, lon: float, lat: float) -> Point:
        west, _, _, north = self.bbox
        return (self.padding + (lon - west) * self._k * self.scale, self.padding + (north - lat) * self.scale)

    def inverse(self, x: float, y: float) -> Point:
        west, _, _, north = self.bbox
        return (west + (x - self.padding) / (self._k * self.scale), north - (y - self.padding) / self.scale)

    def ring(self, ring: Ring) -> Ring:
        return [self.point(lon, lat) for lon, lat in ring]

    def polygons(self, polygons: list[Polygon]) -> list[Polygon]:
        return [[self.ring(ring) for ring in polygon] for polygon in polygons]

    def path(self, polygons: list[Polygon]) -> str:
        """SVG path data (``d``) of projected polygons; even-odd filling keeps holes empty."""
        parts = []
        for polygon in self.polygons(polygons):
            for ring in polygon:
                points = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
        return "".join(parts)


def bbox_of(polygons: list[Polygon], margin: float = 0.0) -> tuple[float, float, float, float]:
    xs = [x for polygon in polygons for ring in polygon for x, _ in ring]
    ys = [y for polygon in polygons for ring in polygon for _, y in ring]
    return (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)


def point_in_ring(point: Point, ring: Ring) -> bool:
    """Ray casting: is ``point`` inside the closed ring (points exactly on the border may go either way)?"""
    x, y = point
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < cross:
                inside = not inside
    return inside


def point_in_polygons(point: Point, polygons: list[Polygon]) -> bool:
    for polygon in polygons:
        if polygon and point_in_ring(point, polygon[0]) and not any(point_in_ring(point, hole) for hole in polygon[1:]):
            return True
    return False


def ring_area(ring: Ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1])) / 2


def _distance_to_border(point: Point, polygon: Polygon) -> float:
    px, py = point
    best = math.inf
    for ring in polygon:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
            dx, dy = x2 - x1, y2 - y1
            length = dx * dx + dy * dy
            t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / length))
            best = min(best, math.hypot(px - (x1 + t * dx), py - (y1 + t * dy)))
    return best


def label_point(polygons: list[Polygon], steps: int = 24) -> Point:
    """A point well inside the largest polygon (grid search for the point farthest from the border)."""
    polygon = max(polygons, key=lambda p: abs(ring_area(p[0])))
    (west, south, east, north) = bbox_of([polygon])
    best, best_distance = None, -1.0
    for i in range(1, steps):
        for j in range(1, steps):
            candidate = (west + (east - west) * i / steps, south + (north - south) * j / steps)
            if point_in_polygons(candidate, [polygon]):
                distance = _distance_to_border(candidate, polygon)
                if distance > best_distance:
                    best, best_distance = candidate, distance
    if best is None:  # very thin shape: fall back to the first vertex
        best = polygon[0][0]
    return best
