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

from .map import FONT, STYLESHEET
from .texts import text

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


def render_timeline(rows: list[Row], *, lang: str, title: str, href, id_prefix: str = "timeline",
                    standalone: bool = False) -> str:
    p = id_prefix
    left, width, right_pad, row_height, top = 310, 800, 14, 40, 34
    chart = width - left - right_pad
    if rows:
        first_year = min(r.first for r in rows).year
        last_year = max(r.last for r in rows).year
    else:
        first_year = last_year = dt.date.today().year
    origin = dt.date(first_year, 1, 1)
    total = (dt.date(last_year + 1, 1, 1) - origin).days

    def x(day: dt.date, end: bool = False) -> float:
        days = (day - origin).days + (1 if end else 0)  # an end day is drawn to its end
        return left + chart * days / total

    kinds = []
    for row in rows:
        if row.kind not in kinds:
            kinds.append(row.kind)
    legend_rows = len(kinds) + 1
    chart_bottom = top + row_height * max(len(rows), 1)
    height = chart_bottom + 16 + 22 * legend_rows + 10
    out = []
    if standalone:
        out.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.append(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
               f'height="{height}" class="ikpe-picture ikpe-timeline" role="group" aria-labelledby="{p}-title" '
               f'aria-describedby="{p}-desc" lang="{lang}">')
    out.append(f'<title id="{p}-title">{escape(title)}</title>')
    out.append(f'<desc id="{p}-desc">{escape(text("timeline_desc", lang))}</desc>')
    if standalone:
        out.append(f"<style>{STYLESHEET}</style>")
    out.append(f'<defs><pattern id="{p}-hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
               f'patternTransform="rotate(45)"><rect width="5" height="5" fill="#ffffff" fill-opacity="0"/>'
               f'<line x1="0" y1="0" x2="0" y2="5" stroke="#ffffff" stroke-width="2"/></pattern></defs>')
    out.append(f'<g id="{p}"><rect width="{width}" height="{height}" fill="#ffffff"/>')
    # year grid
    out.append('<g class="axis" aria-hidden="true">')
    for year in range(first_year, last_year + 2):
        gx = x(dt.date(year, 1, 1))
        out.append(f'<line x1="{gx:.1f}" y1="{top - 6}" x2="{gx:.1f}" y2="{chart_bottom}" stroke="{GRID}" '
                   f'stroke-width="0.6"/>')
        if year <= last_year:
            mid = (gx + x(dt.date(year + 1, 1, 1))) / 2
            out.append(f'<text class="year" x="{mid:.1f}" y="{top - 12}" text-anchor="middle" {FONT} font-size="12" '
                       f'fill="{TEXT}">{year}</text>')
    out.append("</g>")
    if not rows:
        out.append(f'<text x="{left}" y="{top + 20}" {FONT} font-size="13" fill="{TEXT}">{escape(text("no_entries", lang))}</text>')
    out.append('<g class="bars">')
    for index, row in enumerate(rows):
        y = top + index * row_height
        colour = COLOURS.get(row.kind, COLOURS["project"])
        bar_y, bar_h = (y + 8, 14) if row.indent else (y + 5, 20)
        x1, x2 = x(row.first), x(row.last, end=True)
        indent = 14 if row.indent else 0
        weight = "400" if row.indent else "600"
        # the visible label sits beside the link (hidden from screen readers, which hear the link's name)
        out.append(f'<g class="row-label" aria-hidden="true">'
                   f'<text x="{8 + indent}" y="{y + 15}" font-weight="{weight}" {FONT} font-size="13" '
                   f'fill="{TEXT}">{escape(_clip(row.label, 44))}</text>'
                   f'<text class="dates" x="{8 + indent}" y="{y + 31}" {FONT} font-size="11.5" '
                   f'fill="{TEXT}">{escape(_clip(row.dates(), 50))}</text></g>')
        out.append(f'<a href={quoteattr(href(row.iri))} class="bar bar-{row.kind}" data-iri={quoteattr(row.iri)} '
                   f'aria-label={quoteattr(row.name())}><title>{escape(row.name())}</title>')
        out.append(f'<rect class="body" x="{x1:.1f}" y="{bar_y}" width="{max(x2 - x1, 2):.1f}" height="{bar_h}" '
                   f'rx="2" fill="{colour}"/>')
        for cover in (row.start_cover, row.end_cover):
            if cover:
                c1, c2 = x(cover[0]), x(cover[1], end=True)
                out.append(f'<rect class="imprecise" x="{c1:.1f}" y="{bar_y}" width="{max(c2 - c1, 1):.1f}" '
                           f'height="{bar_h}" fill="url(#{p}-hatch)" pointer-events="none"/>')
        out.append("</a>")
    out.append("</g>")
    # legend
    ly = chart_bottom + 16
    out.append(f'<g class="legend" transform="translate(8,{ly})">')
    for i, kind in enumerate(kinds):
        words = text("legend_project", lang) if kind == "project" else text(kind, lang)
        out.append(f'<rect x="0" y="{i * 22}" width="26" height="14" fill="{COLOURS.get(kind, COLOURS["project"])}"/>'
                   f'<text x="34" y="{i * 22 + 12}" {FONT} font-size="13" fill="{TEXT}">{escape(words)}</text>')
    i = len(kinds)
    out.append(f'<rect x="0" y="{i * 22}" width="26" height="14" fill="{COLOURS["project"]}"/>'
               f'<rect x="0" y="{i * 22}" width="26" height="14" fill="url(#{p}-hatch)"/>'
               f'<text x="34" y="{i * 22 + 12}" {FONT} font-size="13" fill="{TEXT}">{escape(text("legend_year", lang))} / '
               f'{escape(text("legend_month", lang))}</text>')
    out.append("</g></g></svg>")
    return "".join(out)


def _clip(value: str, length: int) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"
