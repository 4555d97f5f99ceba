"""The SVG map of Thuringia, drawn on the server (no JavaScript, no tiles, nothing from other hosts).

Every area is an SVG link (``<a href>``) to its page, with an accessible name (``aria-label`` and a
``<title>`` child) that says what the map shows about it; links are reached with the Tab key in
reading order and show a thick outline on focus. Colours: a sequential single-hue (blue) palette,
safe for the common colour-vision deficiencies, with at least 3:1 contrast between "highlighted"
and "not highlighted"; colour is never the only cue — highlighted areas are also hatched, the
choropleth prints the number in each area, and the legend repeats everything in words.

Three kinds of map (``MapView.kind``):

- ``project``: the participating Gebietskörperschaften highlighted. The base map is the territorial
  status on the date the participant list was true (``ikpe:asOf``): from 2021-07-01 the 22 current
  districts with the town of Eisenach drawn inside the Wartburgkreis, before that the 23 districts
  with the kreisfreie Stadt Eisenach.
- ``gebietskoerperschaft``: the position of one Gebietskörperschaft (the whole Land for Thuringia).
- ``home``: a choropleth of how many projects touch each district, with a legend.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from .projection import THURINGIA_BBOX, Projection, label_point
from .svg import FONT, Output, svg_start
from .texts import Language, attribution, plural_projects

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


def _path(projection: Projection, area) -> str:
    """The SVG path of ``area`` in ``projection`` (kept on the area: areas are read once per release, so
    each boundary is projected once per process)."""
    path = area.drawn.get(projection)
    if path is None:
        path = area.drawn[projection] = projection.path(area.polygons)
    return path


def _label_point(projection: Projection, area) -> tuple[float, float]:
    """Where the number of ``area`` is written: computed at build time (``summary.json``), else found by a
    grid search (seconds for all areas in pure Python), so only for the maps that write numbers, and
    kept on the area like its path."""
    point = area.drawn.get((projection, "label"))
    if point is None:
        point = area.drawn[projection, "label"] = projection.point(*(area.label_at or label_point(area.polygons)))
    return point


@dataclass(frozen=True)
class MapView:
    """What a map shows."""

    kind: str  # home, project, gebietskoerperschaft
    title: str
    on: dt.date  # the day whose territorial status is drawn
    targets: frozenset[str] = frozenset()  # highlighted: a project's participants, or the one area shown
    counts: Mapping[str, int] | None = None  # home: projects per area
    note: str | None = None  # said before the description ("as of …")


LegendRow = tuple[str, str, bool, bool]  # fill, words, hatched, dashed


@dataclass
class Plan:
    """The areas drawn, the legend and the description of one map."""

    items: list[MapItem]
    legend: list[LegendRow]
    desc: str
    land: object = None  # data.Area of the whole Land, if known
    land_highlighted: bool = False


def _choropleth(areas: dict, view: MapView, language: Language) -> Plan:
    counts = view.counts or {}
    drawn = base_areas(areas, view.on)
    classes = choropleth_classes([counts.get(a.iri, 0) for a in drawn])

    def colour(n):
        return next((c for low, high, c in classes if low <= n <= high), PLAIN_FILL)

    items = []
    for area in drawn:
        n = counts.get(area.iri, 0)
        items.append(MapItem(area, f"{area.label(language.code)}: {plural_projects(n, language)}", colour(n),
                             label=str(n) if n else None, classes=[f"count-{n}"]))
    legend = [(PLAIN_FILL, plural_projects(0, language), False, False)]
    for low, high, fill in classes:
        words = plural_projects(low, language) if low == high else \
            language.gettext("%(low)s–%(high)s projects", low=low, high=high)
        legend.append((fill, words, False, False))
    desc = language.gettext("Number of projects each area (or a town inside it) takes part in.")
    return Plan(items, legend, desc)


def _highlights(areas: dict, view: MapView, language: Language, land) -> Plan:
    lang, targets = language.code, set(view.targets)
    land_highlighted = bool(land and land.iri in targets)
    project = view.kind == "project"
    yes = language.gettext("takes part") if project else language.gettext("this Gebietskörperschaft")
    no = language.gettext("does not take part") if project else None
    items = []
    for area in base_areas(areas, view.on, extra=targets):
        hit = area.iri in targets or land_highlighted
        state = yes if hit else no
        name = f"{area.label(lang)}: {state}" if state else area.label(lang)
        items.append(MapItem(area, name, HIGHLIGHT_FILL if hit else PLAIN_FILL, hatched=hit,
                             classes=["highlighted"] if area.iri in targets else []))
    legend = [(HIGHLIGHT_FILL, yes, True, False)] + ([(PLAIN_FILL, no, False, False)] if no else [])
    shown = [i.area.label(lang) for i in items if "highlighted" in i.classes]
    if land_highlighted:
        shown.insert(0, land.label(lang))
    desc = language.gettext("%(n)s of %(total)s areas highlighted: %(names)s.", n=len(shown), total=len(items),
                            names=", ".join(shown) or "–")
    missing = sorted(t for t in targets if t not in areas)
    if missing:
        desc += " " + language.gettext("without a boundary in the data: %(names)s", names=", ".join(missing))
    return Plan(items, legend, desc, land_highlighted=land_highlighted)


def plan_map(areas: dict, view: MapView, language: Language) -> Plan:
    land = next((a for a in areas.values() if a.kind == "Land"), None)
    plan = _choropleth(areas, view, language) if view.kind == "home" else _highlights(areas, view, language, land)
    plan.land = land
    if any(i.area.kind in TOWN_KINDS for i in plan.items):
        plan.legend.append((PLAIN_FILL, language.gettext("town inside a district (dashed outline)"), False, True))
    if view.note:
        plan.desc = f"{view.note}. {plan.desc}"
    return plan


def _area_svg(item: MapItem, projection: Projection, output: Output) -> str:
    """One area: a link with its accessible name, its shape and (choropleth) its number."""
    area = item.area
    fill = f"url(#{output.id_prefix}-hatch)" if item.hatched else item.fill
    town = area.kind in TOWN_KINDS
    classes = " ".join(["area", "town" if town else "district", *item.classes])
    stroke = ("#ffffff" if item.hatched else BORDER) if town else BORDER
    stroke_extra = ' stroke-dasharray="3 2" stroke-width="1.4"' if town else ' stroke-width="0.8"'
    path = _path(projection, area)
    out = (f'<a href={quoteattr(output.href(area.iri))} class="{classes}" data-iri={quoteattr(area.iri)} '
           f'aria-label={quoteattr(item.name)}><title>{escape(item.name)}</title>'
           f'<path class="shape" d="{path}" fill="{fill}" fill-rule="evenodd" '
           f'stroke="{stroke}"{stroke_extra} stroke-linejoin="round"/>')
    if item.label:
        x, y = _label_point(projection, area)
        out += (f'<text class="count" x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" {FONT} '
                f'font-size="12" font-weight="700" pointer-events="none" fill="{text_colour_on(item.fill)}" '
                f'aria-hidden="true">{escape(item.label)}</text>')
    return out + "</a>"


def _areas_svg(plan: Plan, projection: Projection, output: Output) -> list[str]:
    """The Land (hatched when it is highlighted), the areas, and the Land's outline on top."""
    out = []
    if plan.land is not None:
        land_fill = f"url(#{output.id_prefix}-hatch)" if plan.land_highlighted else "none"
        out.append(f'<path class="land" d="{_path(projection, plan.land)}" fill="{land_fill}" '
                   f'fill-rule="evenodd" stroke="none" aria-hidden="true"/>')
    out.append('<g class="areas">')
    out.extend(_area_svg(item, projection, output) for item in plan.items)
    out.append("</g>")
    if plan.land is not None:
        out.append(f'<path class="outline" d="{_path(projection, plan.land)}" fill="none" stroke="{OUTLINE}" '
                   f'stroke-width="1.6" pointer-events="none" aria-hidden="true"/>')
    return out


def _legend_svg(legend: list[LegendRow], top: float, output: Output) -> list[str]:
    """The legend (in words as well as colours) and the attribution below it."""
    out = [f'<g class="legend" transform="translate(12,{top:.0f})">']
    for row, (fill, words, hatched, dashed) in enumerate(legend):
        y = row * 22
        swatch_fill = f"url(#{output.id_prefix}-hatch)" if hatched else fill
        dash = ' stroke-dasharray="3 2"' if dashed else ""
        out.append(f'<rect x="0" y="{y}" width="26" height="16" fill="{swatch_fill}" stroke="{BORDER}"{dash}/>'
                   f'<text x="34" y="{y + 13}" {FONT} font-size="13" fill="{TEXT}">{escape(words)}</text>')
    out.append("</g>")
    attribution_y = top + 22 * len(legend) + 16
    out.append(f'<a href="{ATTRIBUTION_URL}" class="attribution-link">'
               f'<text class="attribution" x="12" y="{attribution_y:.0f}" {FONT} font-size="11" fill="{TEXT}">'
               f'{escape(attribution(output.language))}</text></a>')
    return out


def render_map(areas: dict, view: MapView, output: Output) -> str:
    plan = plan_map(areas, view, output.language)
    projection = Projection(THURINGIA_BBOX)
    width, legend_top = projection.width, projection.height + 8
    height = legend_top + 22 * len(plan.legend) + 34
    p = output.id_prefix
    out = svg_start(output, f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
                            f'class="ikpe-picture ikpe-map ikpe-map-{view.kind}"', view.title, plan.desc,
                    f' data-kind="{view.kind}" data-date="{view.on.isoformat()}"')
    out.append(f'<defs><pattern id="{p}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
               f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{HIGHLIGHT_FILL}"/>'
               f'<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="1.6"/></pattern></defs>')
    out.append(f'<g id="{p}">')
    out.append(f'<rect width="{width:.0f}" height="{height:.0f}" fill="{BACKGROUND}"/>')
    out.extend(_areas_svg(plan, projection, output))
    out.extend(_legend_svg(plan.legend, legend_top, output))
    out.append("</g></svg>")
    return "".join(out)
