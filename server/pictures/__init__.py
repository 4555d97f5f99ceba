"""Pictures of the knowledge graph drawn on the server as SVG: the map of Thuringia and the timeline.

Entry points (used by ``server/web/pictures.py``):

- :func:`map_picture` ``(store, settings, kind, iri, lang, href)`` — kind ``home`` (choropleth),
  ``project`` (participants highlighted), ``gebietskoerperschaft`` (its position);
- :func:`timeline_picture` — kind ``home``, ``project``, ``organisation``, ``person``,
  ``gebietskoerperschaft``;
- :func:`highlighted_set` — the Gebietskörperschaften a project map highlights (the SPARQL answer).

Both return ``""`` when there is nothing to draw (an unknown thing, no boundary, no project).
"""
from __future__ import annotations

import datetime as dt

from ..kg.derive import period_bounds
from . import data
from .map import render_map
from .texts import text
from .timeline import Row, format_partial, render_timeline

MAP_KINDS = ("home", "project", "gebietskoerperschaft")
TIMELINE_KINDS = ("home", "project", "organisation", "person", "gebietskoerperschaft")


def highlighted_set(store, settings, project: str) -> set[str]:
    return {row["area"] for row in data.participants(store, settings, project)}


def _label(store, iri: str, lang: str) -> str:
    labels = data.labels_of(store, [iri]).get(iri, {})
    return data.pick_label(labels, lang, iri.rsplit("/", 1)[-1])


def map_picture(store, settings, kind: str, iri: str | None, lang: str, href, *, id_prefix: str = "map",
                standalone: bool = False, today: dt.date | None = None) -> str:
    if kind not in MAP_KINDS:
        raise ValueError(f"unknown map kind {kind!r}")
    today = today or dt.date.today()
    areas = data.areas(store, settings)
    if not areas:
        return ""
    common = dict(lang=lang, href=href, id_prefix=id_prefix, standalone=standalone)
    if kind == "home":
        return render_map(areas, kind="home", title=text("map_home_title", lang), on=today,
                          counts=data.projects_per_area(store, settings), **common)
    if kind == "project":
        rows = data.participants(store, settings, iri)
        if not rows:
            return ""
        as_of = [r["as_of"] for r in rows if r["as_of"] is not None]
        latest = max(as_of, key=lambda literal: (period_bounds(literal) or (dt.date.min,) * 2)[1], default=None)
        bounds = period_bounds(latest) if latest is not None else None
        on = min(bounds[1], today) if bounds else today
        note = None
        if latest is not None:
            from .data import PRECISION
            note = text("as_of", lang, date=format_partial(latest, PRECISION.get(str(latest.datatype)), lang))
        return render_map(areas, kind="project", title=text("map_project_title", lang, name=_label(store, iri, lang)),
                          on=on, highlighted={r["area"] for r in rows}, note=note, **common)
    area = areas.get(iri)
    if area is None:
        return ""
    on = area.valid_through if area.valid_through and area.valid_through < today else today
    return render_map(areas, kind="gebietskoerperschaft", title=text("map_area_title", lang, name=area.label(lang)),
                      on=on, focus=iri, **common)


# -- timeline -------------------------------------------------------------------------------------
def _span_row(kind, label, iri, span, lang, fallback=None, indent=False) -> Row | None:
    """A row for ``span`` (data.Span); missing ends fall back to ``fallback`` (the project's row)."""
    first = span.first_day or (fallback.first if fallback else None)
    last = span.last_day or (fallback.last if fallback else None)
    if first is None and last is None:
        return None
    first = first or last
    last = last or first
    notes, start_cover, end_cover = [], None, None
    if span.start is not None:
        start_text = format_partial(span.start, span.start_precision, lang)
        if span.start_precision in ("year", "month"):
            start_cover = period_bounds(span.start)
    else:
        start_text = text("whole_project", lang) if fallback else text("open", lang)
    if span.end is not None:
        end_text = format_partial(span.end, span.end_precision, lang)
        if span.end_precision in ("year", "month"):
            end_cover = period_bounds(span.end)
    else:
        end_text = "" if fallback else text("open", lang)
    precisions = {span.start_precision if span.start is not None else None,
                  span.end_precision if span.end is not None else None}
    if "year" in precisions:
        notes.append(text("year_precise", lang))
    if "month" in precisions:
        notes.append(text("month_precise", lang))
    if fallback and span.start is None and span.end is not None:  # only an end: "until 05/2022"
        start_text, end_text = "", text("until", lang, date=end_text)
    elif fallback and span.start is not None and span.end is None:  # only a start: "from 05/2022"
        start_text, end_text = text("from", lang, date=start_text), ""
    elif fallback and span.start is None and span.end is None:
        start_text, end_text = fallback.start_text, fallback.end_text
        label = f"{label} ({text('whole_project', lang)})"
    return Row(kind, label, iri, first, last, start_text, end_text, start_cover, end_cover,
               ", ".join(notes), indent)


def timeline_rows(store, settings, kind: str, iri: str | None, lang: str) -> list[Row]:
    projects, names = data.timeline(store, settings, iri if kind == "project" and iri else None)

    def name_of(thing):
        return data.pick_label(names.get(thing, {}), lang, thing.rsplit("/", 1)[-1]) if thing else ""

    funders = data.funders_of(store, settings) if kind == "organisation" else {}
    participations = data.participations_of(store, settings) if kind == "gebietskoerperschaft" else {}
    rows: list[Row] = []
    for project in projects:
        if kind == "project" and project.iri != iri:
            continue
        if kind in ("home", "project"):
            roles = [r for r in project.roles if kind == "project" or r.bounded]
        elif kind in ("person", "organisation"):
            roles = [r for r in project.roles if iri in (r.holder, r.acting_through)]
        else:
            roles = []
        funds = kind == "organisation" and iri in funders.get(project.iri, set())
        takes_part = kind == "gebietskoerperschaft" and iri in participations.get(project.iri, set())
        if kind in ("person", "organisation", "gebietskoerperschaft") and not (roles or funds or takes_part):
            continue
        title = project.short_name or name_of(project.iri)
        project_row = _span_row("project", title, project.iri, project.span, lang)
        if project_row is None:
            continue
        rows.append(project_row)
        if funds:
            rows.append(Row("Funder", text("Funder", lang), project.iri, project_row.first, project_row.last,
                            project_row.start_text, project_row.end_text, None, None, "", True))
        for role in sorted(roles, key=lambda r: (r.span.first_day or project_row.first, r.iri)):
            holder = name_of(role.holder)
            label = f"{text(role.kind, lang)}: {holder}"
            target = role.holder if kind in ("home", "project") else role.iri
            row = _span_row(role.kind, label, target, role.span, lang, fallback=project_row, indent=True)
            if row is not None:
                rows.append(row)
    return rows


def timeline_picture(store, settings, kind: str, iri: str | None, lang: str, href, *,
                     id_prefix: str = "timeline", standalone: bool = False) -> str:
    if kind not in TIMELINE_KINDS:
        raise ValueError(f"unknown timeline kind {kind!r}")
    rows = timeline_rows(store, settings, kind, iri, lang)
    if not rows and kind != "home":
        return ""
    title = text("timeline_home_title", lang) if kind == "home" else \
        text("timeline_title", lang, name=_label(store, iri, lang))
    return render_timeline(rows, lang=lang, title=title, href=href, id_prefix=id_prefix, standalone=standalone)
