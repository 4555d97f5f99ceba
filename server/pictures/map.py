"""The SVG map of Thuringia, drawn on the server (no JavaScript, no tiles, nothing from other hosts).

Every area is an SVG link (``<a href>``) to its page, with an accessible name (``aria-label`` and a
``<title>`` child) that says what the map shows about it; links are reached with the Tab key in
reading order and show a thick outline on focus. Colours: a sequential single-hue (blue) palette,
safe for the common colour-vision deficiencies, with at least 3:1 contrast between "highlighted"
and "not highlighted"; colour is never the only cue — highlighted areas are also hatched, the
choropleth prints the number in each area, and the legend repeats everything in words.

Three kinds of map (``kind``):

- ``project``: the participating Gebietskörperschaften highlighted. The base map is the territorial
  status on the date the participant list was true (``ikpe:asOf``): from 2021-07-01 the 22 current
  districts with the town of Eisenach drawn inside the Wartburgkreis, before that the 23 districts
  with the kreisfreie Stadt Eisenach.
- ``gebietskoerperschaft``: the position of one Gebietskörperschaft (the whole Land for Thuringia).
- ``home``: a choropleth of how many projects touch each district, with a legend.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from .projection import THURINGIA_BBOX, Projection, label_point
from .texts import plural_projects, text

DISTRICT_KINDS = ("Landkreis", "KreisfreieStadt")
TOWN_KINDS = ("GrosseKreisstadt",)
EISENACH_REFORM = dt.date(2021, 7, 1)

# Colours (hex) — contrast ratios against each other are tested in tests/test_pictures_projection.py.
BACKGROUND = "#ffffff"
PLAIN_FILL = "#f0f0f0"       # not highlighted / no projects
HIGHLIGHT_FILL = "#08519c"   # highlighted (ColorBrewer Blues, darkest usable)
BORDER = "#595959"
OUTLINE = "#1a1a1a"
TEXT = "#1a1a1a"
# Sequential blues for 1…4 classes (light → dark), picked evenly for fewer classes.
SEQUENTIAL = ["#6baed6", "#4292c6", "#2171b5", "#08306b"]
PALETTES = {1: ["#2171b5"], 2: ["#6baed6", "#08306b"], 3: ["#6baed6", "#2171b5", "#08306b"], 4: SEQUENTIAL}
ATTRIBUTION_URL = "https://www.bkg.bund.de"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"'
STYLESHEET_PATH = Path(__file__).resolve().parent.parent / "web" / "static" / "css" / "pictures.css"
STYLESHEET = STYLESHEET_PATH.read_text(encoding="utf-8") if STYLESHEET_PATH.exists() else ""


def _relative_luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(fill: str) -> str:
    return "#ffffff" if contrast(fill, "#ffffff") >= contrast(fill, TEXT) else TEXT


@dataclass
class MapItem:
    area: object  # data.Area
    name: str  # accessible name
    fill: str
    hatched: bool = False
    label: str | None = None  # text printed inside the area
    classes: list = field(default_factory=list)


def base_areas(areas: dict, on: dt.date, extra: set[str] = frozenset()) -> list:
    """The districts valid on ``on`` (Landkreise below kreisfreie Städte), then towns, then ``extra``."""
    chosen = [a for a in areas.values() if a.kind in DISTRICT_KINDS and a.valid_on(on)]
    chosen.sort(key=lambda a: (a.kind != "Landkreis", a.iri))
    towns = [a for a in areas.values() if a.kind in TOWN_KINDS and a.valid_on(on)]
    chosen += sorted(towns, key=lambda a: a.iri)
    have = {a.iri for a in chosen}
    chosen += [areas[i] for i in sorted(extra) if i in areas and i not in have and areas[i].kind != "Land"]
    return chosen


def choropleth_classes(counts: list[int]) -> list[tuple[int, int, str]]:
    """(low, high, colour) classes for the non-zero counts: one per count up to 4, else 4 even bins."""
    top = max(counts, default=0)
    if top <= 0:
        return []
    if top <= 4:
        bins = [(n, n) for n in range(1, top + 1)]
    else:
        step = top / 4
        edges = [0] + [round(step * i) for i in range(1, 4)] + [top]
        bins = [(edges[i] + 1, edges[i + 1]) for i in range(4) if edges[i + 1] > edges[i]]
    palette = PALETTES[len(bins)]
    return [(low, high, palette[i]) for i, (low, high) in enumerate(bins)]


def _shape(projection: Projection, area) -> tuple[str, tuple[float, float]]:
    """The SVG path and the label point of ``area`` in ``projection`` (kept on the area: areas are read
    once per release, so each boundary is projected once per process)."""
    shape = area.drawn.get(projection)
    if shape is None:
        shape = area.drawn[projection] = (projection.path(area.polygons),
                                          projection.point(*label_point(area.polygons)))
    return shape


def render_map(areas: dict, *, kind: str, lang: str, href, title: str, on: dt.date,
               highlighted: set[str] | None = None, counts: dict[str, int] | None = None,
               focus: str | None = None, note: str | None = None, id_prefix: str = "map",
               standalone: bool = False) -> str:
    highlighted = set(highlighted or ())
    projection = Projection(THURINGIA_BBOX)
    land = next((a for a in areas.values() if a.kind == "Land"), None)
    items: list[MapItem] = []
    legend: list[tuple[str, str, bool, bool]] = []  # (fill, text, hatched, dashed)
    desc = ""
    land_highlighted = False

    if kind == "home":
        counts = counts or {}
        drawn = base_areas(areas, on)
        classes = choropleth_classes([counts.get(a.iri, 0) for a in drawn])

        def colour(n):
            return next((c for low, high, c in classes if low <= n <= high), PLAIN_FILL)

        for area in drawn:
            n = counts.get(area.iri, 0)
            items.append(MapItem(area, f"{area.label(lang)}: {plural_projects(n, lang)}", colour(n),
                                 label=str(n) if n else None, classes=[f"count-{n}"]))
        legend.append((PLAIN_FILL, plural_projects(0, lang), False, False))
        for low, high, fill in classes:
            words = plural_projects(low, lang) if low == high else f"{low}–{high} " + text("projects_n", lang, n="").strip()
            legend.append((fill, words, False, False))
        desc = text("choropleth_desc", lang)
    else:
        targets = set(highlighted) if kind == "project" else {focus} if focus else set()
        land_highlighted = bool(land and land.iri in targets)
        drawn = base_areas(areas, on, extra=targets)
        yes = text("takes_part", lang) if kind == "project" else text("this_area", lang)
        no = text("not_taking_part", lang) if kind == "project" else None
        for area in drawn:
            hit = area.iri in targets or land_highlighted
            state = yes if hit else no
            name = f"{area.label(lang)}: {state}" if state else area.label(lang)
            items.append(MapItem(area, name, HIGHLIGHT_FILL if hit else PLAIN_FILL, hatched=hit,
                                 classes=["highlighted"] if area.iri in targets else []))
        legend.append((HIGHLIGHT_FILL, yes, True, False))
        if no:
            legend.append((PLAIN_FILL, no, False, False))
        shown = [i.area.label(lang) for i in items if "highlighted" in i.classes]
        if land_highlighted:
            shown.insert(0, land.label(lang))
        desc = text("highlighted_desc", lang, n=len(shown), total=len(items), names=", ".join(shown) or "–")
        missing = sorted(t for t in targets if t not in areas)
        if missing:
            desc += " " + text("without_boundary", lang, names=", ".join(missing))
    if any(i.area.kind in TOWN_KINDS for i in items):
        legend.append((PLAIN_FILL, text("legend_town", lang), False, True))
    if note:
        desc = f"{note}. {desc}"

    width = projection.width
    map_height = projection.height
    legend_top = map_height + 8
    height = legend_top + 22 * len(legend) + 34
    p = id_prefix
    out = []
    if standalone:
        out.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.append(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
               f'width="{width:.0f}" height="{height:.0f}" class="ikpe-picture ikpe-map ikpe-map-{kind}" '
               f'role="group" aria-labelledby="{p}-title" aria-describedby="{p}-desc" lang="{lang}" '
               f'data-kind="{kind}" data-date="{on.isoformat()}">')
    out.append(f'<title id="{p}-title">{escape(title)}</title>')
    out.append(f'<desc id="{p}-desc">{escape(desc)}</desc>')
    if standalone:
        out.append(f"<style>{STYLESHEET}</style>")
    out.append(f'<defs><pattern id="{p}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
               f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{HIGHLIGHT_FILL}"/>'
               f'<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="1.6"/></pattern></defs>')
    out.append(f'<g id="{p}">')
    out.append(f'<rect width="{width:.0f}" height="{height:.0f}" fill="{BACKGROUND}"/>')
    if land is not None:
        land_fill = f"url(#{p}-hatch)" if land_highlighted else "none"
        out.append(f'<path class="land" d="{_shape(projection, land)[0]}" fill="{land_fill}" '
                   f'fill-rule="evenodd" stroke="none" aria-hidden="true"/>')
    out.append('<g class="areas">')
    for item in items:
        area = item.area
        fill = f"url(#{p}-hatch)" if item.hatched else item.fill
        town = area.kind in TOWN_KINDS
        classes = " ".join(["area", "town" if town else "district", *item.classes])
        stroke = ("#ffffff" if item.hatched else BORDER) if town else BORDER
        stroke_extra = ' stroke-dasharray="3 2" stroke-width="1.4"' if town else ' stroke-width="0.8"'

        out.append(f'<a href={quoteattr(href(area.iri))} class="{classes}" data-iri={quoteattr(area.iri)} '
                   f'aria-label={quoteattr(item.name)}><title>{escape(item.name)}</title>'
                   f'<path class="shape" d="{_shape(projection, area)[0]}" fill="{fill}" fill-rule="evenodd" '
                   f'stroke="{stroke}"{stroke_extra} stroke-linejoin="round"/>')
        if item.label:
            x, y = _shape(projection, area)[1]
            out.append(f'<text class="count" x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" {FONT} '
                       f'font-size="12" font-weight="700" pointer-events="none" fill="{text_colour_on(item.fill)}" '
                       f'aria-hidden="true">{escape(item.label)}</text>')
        out.append("</a>")
    out.append("</g>")
    if land is not None:
        out.append(f'<path class="outline" d="{_shape(projection, land)[0]}" fill="none" stroke="{OUTLINE}" '
                   f'stroke-width="1.6" pointer-events="none" aria-hidden="true"/>')
    # legend (in words as well as colours) and attribution
    out.append(f'<g class="legend" transform="translate(12,{legend_top:.0f})">')
    for row, (fill, words, hatched, dashed) in enumerate(legend):
        y = row * 22
        swatch_fill = f"url(#{p}-hatch)" if hatched else fill
        dash = ' stroke-dasharray="3 2"' if dashed else ""
        out.append(f'<rect x="0" y="{y}" width="26" height="16" fill="{swatch_fill}" stroke="{BORDER}"{dash}/>'
                   f'<text x="34" y="{y + 13}" {FONT} font-size="13" fill="{TEXT}">{escape(words)}</text>')
    out.append("</g>")
    attribution_y = legend_top + 22 * len(legend) + 16
    out.append(f'<a href="{ATTRIBUTION_URL}" class="attribution-link">'
               f'<text class="attribution" x="12" y="{attribution_y:.0f}" {FONT} font-size="11" fill="{TEXT}">{escape(text("attribution", lang))}</text></a>')
    out.append("</g></svg>")
    return "".join(out)
