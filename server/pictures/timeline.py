"""SVG timeline (Gantt-like) of projects and time-bounded roles, at the precision of the source.

A runtime given as a year (``xsd:gYear``) covers the whole year: a year-only end is drawn to
31 December of that year and the year it covers is hatched, so the picture does not claim more
precision than the data has; a month (``xsd:gYearMonth``) is drawn to the month's last day and its
month hatched likewise. The bar's accessible name says the same in words. A role without its own
dates lasts as long as its project. Colours are the Okabe–Ito/Tol colour-blind-safe set (each at
least 3:1 against white), and every bar is labelled in words, so colour is never the only cue.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .svg import FONT, Output, svg_start
from .texts import Language, role_name

COLOURS = {
    "project": "#0b5394",        # dark blue
    "ContactPerson": "#b84a00",  # vermilion (darkened for contrast)
    "ProjectLead": "#117733",    # green (Tol)
    "ProjectPartner": "#882e72",  # purple (Tol)
    "Funder": "#555555",         # grey
    "Participation": "#0b5394",
}
TEXT = "#1a1a1a"
GRID = "#8c8c8c"
WIDTH, LEFT, RIGHT_PAD, ROW_HEIGHT, TOP = 800, 310, 14, 40, 34  # the label column is LEFT wide


@dataclass
class Row:
    kind: str            # "project" or a role kind
    label: str           # the visible label (left column)
    iri: str             # what the bar links to
    first: dt.date       # first day drawn
    last: dt.date        # last day drawn
    start_text: str      # start as written ("2016", "05/2022", …) or words
    end_text: str
    start_cover: tuple[dt.date, dt.date] | None = None  # the days the partial start covers (hatched)
    end_cover: tuple[dt.date, dt.date] | None = None
    precision_note: str = ""
    indent: bool = False

    def dates(self) -> str:
        note = f" ({self.precision_note})" if self.precision_note else ""
        span = " – ".join(part for part in (self.start_text, self.end_text) if part)
        return span + note

    def name(self) -> str:
        return f"{self.label}: {self.dates()}"


def format_partial(literal, precision: str | None, lang: str) -> str:
    value = str(literal)
    if precision == "year":
        return value
    if precision == "month":
        year, month = value.split("-")[:2]
        return f"{month}/{year}"
    if precision == "day":
        day = dt.date.fromisoformat(value[:10])
        return day.strftime("%d.%m.%Y") if lang == "de" else day.isoformat()
    return value


@dataclass(frozen=True)
class Scale:
    """Days → x: whole years side by side, from ``first_year`` to ``last_year``."""

    first_year: int
    last_year: int

    @classmethod
    def of(cls, rows: list[Row]) -> Scale:
        if not rows:
            return cls(dt.date.today().year, dt.date.today().year)
        return cls(min(r.first for r in rows).year, max(r.last for r in rows).year)

    def x(self, day: dt.date, end: bool = False) -> float:
        origin = dt.date(self.first_year, 1, 1)
        total = (dt.date(self.last_year + 1, 1, 1) - origin).days
        days = (day - origin).days + (1 if end else 0)  # an end day is drawn to its end
        return LEFT + (WIDTH - LEFT - RIGHT_PAD) * days / total


def _axis_svg(scale: Scale, chart_bottom: int) -> list[str]:
    """The year grid with the years written between the lines."""
    out = ['<g class="axis" aria-hidden="true">']
    for year in range(scale.first_year, scale.last_year + 2):
        gx = scale.x(dt.date(year, 1, 1))
        out.append(f'<line x1="{gx:.1f}" y1="{TOP - 6}" x2="{gx:.1f}" y2="{chart_bottom}" stroke="{GRID}" '
                   f'stroke-width="0.6"/>')
        if year <= scale.last_year:
            mid = (gx + scale.x(dt.date(year + 1, 1, 1))) / 2
            out.append(f'<text class="year" x="{mid:.1f}" y="{TOP - 12}" text-anchor="middle" {FONT} font-size="12" '
                       f'fill="{TEXT}">{year}</text>')
    out.append("</g>")
    return out


def _row_svg(row: Row, index: int, scale: Scale, output: Output) -> str:
    """One row: its visible label and dates, and the bar (a link) with hatched imprecise ends."""
    y = TOP + index * ROW_HEIGHT
    colour = COLOURS.get(row.kind, COLOURS["project"])
    bar_y, bar_h = (y + 8, 14) if row.indent else (y + 5, 20)
    x1, x2 = scale.x(row.first), scale.x(row.last, end=True)
    indent = 14 if row.indent else 0
    weight = "400" if row.indent else "600"
    # the visible label sits beside the link (hidden from screen readers, which hear the link's name)
    out = (f'<g class="row-label" aria-hidden="true">'
           f'<text x="{8 + indent}" y="{y + 15}" font-weight="{weight}" {FONT} font-size="13" '
           f'fill="{TEXT}">{escape(_clip(row.label, 44))}</text>'
           f'<text class="dates" x="{8 + indent}" y="{y + 31}" {FONT} font-size="11.5" '
           f'fill="{TEXT}">{escape(_clip(row.dates(), 50))}</text></g>')
    out += (f'<a href={quoteattr(output.href(row.iri))} class="bar bar-{row.kind}" data-iri={quoteattr(row.iri)} '
            f'aria-label={quoteattr(row.name())}><title>{escape(row.name())}</title>')
    out += (f'<rect class="body" x="{x1:.1f}" y="{bar_y}" width="{max(x2 - x1, 2):.1f}" height="{bar_h}" '
            f'rx="2" fill="{colour}"/>')
    for cover in (row.start_cover, row.end_cover):
        if cover:
            c1, c2 = scale.x(cover[0]), scale.x(cover[1], end=True)
            out += (f'<rect class="imprecise" x="{c1:.1f}" y="{bar_y}" width="{max(c2 - c1, 1):.1f}" '
                    f'height="{bar_h}" fill="url(#{output.id_prefix}-hatch)" pointer-events="none"/>')
    return out + "</a>"


def _legend_svg(kinds: list[str], top: int, output: Output) -> str:
    """A swatch per kind of bar, and one for the hatched (imprecise) ends."""
    language, p = output.language, output.id_prefix
    out = f'<g class="legend" transform="translate(8,{top})">'
    for i, kind in enumerate(kinds):
        words = language.gettext("project runtime") if kind == "project" else role_name(kind, language)
        out += (f'<rect x="0" y="{i * 22}" width="26" height="14" fill="{COLOURS.get(kind, COLOURS["project"])}"/>'
                f'<text x="34" y="{i * 22 + 12}" {FONT} font-size="13" fill="{TEXT}">{escape(words)}</text>')
    i = len(kinds)
    year, month = language.gettext("precise to the year only"), language.gettext("precise to the month only")
    imprecise = f"{escape(year)} / {escape(month)}"
    out += (f'<rect x="0" y="{i * 22}" width="26" height="14" fill="{COLOURS["project"]}"/>'
            f'<rect x="0" y="{i * 22}" width="26" height="14" fill="url(#{p}-hatch)"/>'
            f'<text x="34" y="{i * 22 + 12}" {FONT} font-size="13" fill="{TEXT}">{imprecise}</text>')
    return out + "</g>"


def render_timeline(rows: list[Row], title: str, output: Output) -> str:
    language, p = output.language, output.id_prefix
    scale = Scale.of(rows)
    kinds = list(dict.fromkeys(row.kind for row in rows))
    chart_bottom = TOP + ROW_HEIGHT * max(len(rows), 1)
    height = chart_bottom + 16 + 22 * (len(kinds) + 1) + 10
    desc = language.gettext("Bars show runtimes; hatched ends are given only as a year (or month) and are drawn "
                            "to its end.")
    out = svg_start(output, f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
                            f'class="ikpe-picture ikpe-timeline"', title, desc)
    out.append(f'<defs><pattern id="{p}-hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
               f'patternTransform="rotate(45)"><rect width="5" height="5" fill="#ffffff" fill-opacity="0"/>'
               f'<line x1="0" y1="0" x2="0" y2="5" stroke="#ffffff" stroke-width="2"/></pattern></defs>')
    out.append(f'<g id="{p}"><rect width="{WIDTH}" height="{height}" fill="#ffffff"/>')
    out.extend(_axis_svg(scale, chart_bottom))
    if not rows:
        nothing = language.gettext("No entries.")
        out.append(f'<text x="{LEFT}" y="{TOP + 20}" {FONT} font-size="13" fill="{TEXT}">{escape(nothing)}</text>')
    out.append('<g class="bars">')
    out.extend(_row_svg(row, index, scale, output) for index, row in enumerate(rows))
    out.append("</g>")
    out.append(_legend_svg(kinds, chart_bottom + 16, output))
    out.append("</g></svg>")
    return "".join(out)


def _clip(value: str, length: int) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"
