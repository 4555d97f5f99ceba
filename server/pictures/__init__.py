"""Pictures of the knowledge graph drawn on the server as SVG: the map of Thuringia and the timeline.

Entry points (used by ``server/web/pictures.py``):

- :func:`map_picture` ``(store, settings, kind, iri, output)`` — kind ``home`` (choropleth),
  ``project`` (participants highlighted), ``gebietskoerperschaft`` (its position);
- :func:`timeline_picture` — kind ``home``, ``project``, ``organisation``, ``person``,
  ``gebietskoerperschaft``;
- :func:`highlighted_set` — the Gebietskörperschaften a project map highlights (the SPARQL answer).

Both return ``""`` when there is nothing to draw (an unknown thing, no boundary, no project).
``output`` (:class:`~.svg.Output`) says the language (with its gettext catalogue: this package knows
no Flask), where links go, the prefix of element ids and whether the SVG is a standalone file.
"""
from __future__ import annotations

import datetime as dt

from ..kg.derive import period_bounds
from . import data
from .data import PRECISION
from .map import MapView, render_map
from .svg import Output
from .texts import Language, attribution, role_name
from .timeline import Row, format_partial, render_timeline

MAP_KINDS = ("home", "project", "gebietskoerperschaft")
RECENT_PROJECTS = 12  # the home timeline and the overview's tables: the projects that started last
TIMELINE_KINDS = ("home", "project", "organisation", "person", "gebietskoerperschaft")


def highlighted_set(store, settings, project: str) -> set[str]:
    return {row["area"] for row in data.participants(store, settings, project)}


def _label(store, iri: str, lang: str) -> str:
    labels = data.labels_of(store, [iri]).get(iri, {})
    return data.pick_label(labels, lang, iri.rsplit("/", 1)[-1])


def _project_map(store, settings, iri: str, language: Language, today: dt.date) -> MapView | None:
    """The participants on the base map of the day their list was true (``ikpe:asOf``)."""
    rows = data.participants(store, settings, iri)
    if not rows:
        return None
    as_of = [r["as_of"] for r in rows if r["as_of"] is not None]
    latest = max(as_of, key=lambda literal: (period_bounds(literal) or (dt.date.min,) * 2)[1], default=None)
    bounds = period_bounds(latest) if latest is not None else None
    note = None
    if latest is not None:
        note = language.gettext("as of %(date)s", date=format_partial(latest, PRECISION.get(str(latest.datatype)),
                                                                      language.code))
    title = language.gettext("Map: participating Gebietskörperschaften – %(name)s",
                             name=_label(store, iri, language.code))
    return MapView("project", title, min(bounds[1], today) if bounds else today,
                   targets=frozenset(r["area"] for r in rows), note=note)


def _area_map(areas: dict, iri: str, language: Language, today: dt.date) -> MapView | None:
    area = areas.get(iri)
    if area is None:
        return None
    on = area.valid_through if area.valid_through and area.valid_through < today else today
    title = language.gettext("Map: where %(name)s lies in Thuringia", name=area.label(language.code))
    return MapView("gebietskoerperschaft", title, on, targets=frozenset({iri}))


def map_picture(store, settings, kind: str, iri: str | None, output: Output, today: dt.date | None = None) -> str:
    if kind not in MAP_KINDS:
        raise ValueError(f"unknown map kind {kind!r}")
    today = today or dt.date.today()
    areas = data.areas(store, settings)
    if not areas:
        return ""
    if kind == "home":
        view = MapView("home", output.language.gettext("Map: projects per district of Thuringia"), today,
                       counts=data.projects_per_area(store, settings))
    elif kind == "project":
        view = _project_map(store, settings, iri, output.language, today)
    else:
        view = _area_map(areas, iri, output.language, today)
    return render_map(areas, view, output) if view is not None else ""


# -- timeline -------------------------------------------------------------------------------------
def _span_row(kind, label, iri, span, language: Language, fallback: Row | None = None) -> Row | None:
    """A row for ``span`` (data.Span); missing ends fall back to ``fallback`` (the project's row, under
    which the row is indented)."""
    first = span.first_day or (fallback.first if fallback else None)
    last = span.last_day or (fallback.last if fallback else None)
    if first is None and last is None:
        return None
    first = first or last
    last = last or first
    lang, notes, start_cover, end_cover = language.code, [], None, None
    if span.start is not None:
        start_text = format_partial(span.start, span.start_precision, lang)
        if span.start_precision in ("year", "month"):
            start_cover = period_bounds(span.start)
    else:
        start_text = language.gettext("for the whole runtime") if fallback else language.gettext("open")
    if span.end is not None:
        end_text = format_partial(span.end, span.end_precision, lang)
        if span.end_precision in ("year", "month"):
            end_cover = period_bounds(span.end)
    else:
        end_text = "" if fallback else language.gettext("open")
    precisions = {span.start_precision if span.start is not None else None,
                  span.end_precision if span.end is not None else None}
    if "year" in precisions:
        notes.append(language.gettext("year only"))
    if "month" in precisions:
        notes.append(language.gettext("month only"))
    if fallback and span.start is None and span.end is not None:  # only an end: "until 05/2022"
        start_text, end_text = "", language.gettext("until %(date)s", date=end_text)
    elif fallback and span.start is not None and span.end is None:  # only a start: "from 05/2022"
        start_text, end_text = language.gettext("from %(date)s", date=start_text), ""
    elif fallback and span.start is None and span.end is None:
        start_text, end_text = fallback.start_text, fallback.end_text
        label += " (" + language.gettext("for the whole runtime") + ")"
    return Row(kind, label, iri, first, last, start_text, end_text, start_cover, end_cover,
               ", ".join(notes), fallback is not None)


def _projects_shown(store, kind: str, iri: str | None):
    """Which projects a timeline reads: the most recent on the home page, else those of ``iri``."""
    if kind == "home":
        return data.recent_projects(store, RECENT_PROJECTS)
    return iri if kind == "project" else data.projects_of(store, iri)


def timeline_rows(store, settings, kind: str, iri: str | None, language: Language) -> list[Row]:
    projects, names = data.timeline(store, settings, _projects_shown(store, kind, iri))

    def name_of(thing):
        return data.pick_label(names.get(thing, {}), language.code, thing.rsplit("/", 1)[-1]) if thing else ""

    shown = [p.iri for p in projects]
    funders = data.funders_of(store, settings, shown) if kind == "organisation" else {}
    participations = data.participations_of(store, settings, shown) if kind == "gebietskoerperschaft" else {}
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
        project_row = _span_row("project", project.short_name or name_of(project.iri), project.iri, project.span,
                                language)
        if project_row is None:
            continue
        rows.append(project_row)
        if funds:
            rows.append(Row("Funder", role_name("Funder", language), project.iri, project_row.first,
                            project_row.last, project_row.start_text, project_row.end_text, None, None, "", True))
        for role in sorted(roles, key=lambda r: (r.span.first_day or project_row.first, r.iri)):
            label = f"{role_name(role.kind, language)}: {name_of(role.holder)}"
            target = role.holder if kind in ("home", "project") else role.iri
            row = _span_row(role.kind, label, target, role.span, language, fallback=project_row)
            if row is not None:
                rows.append(row)
    return rows


def timeline_picture(store, settings, kind: str, iri: str | None, output: Output) -> str:
    if kind not in TIMELINE_KINDS:
        raise ValueError(f"unknown timeline kind {kind!r}")
    language = output.language
    rows = timeline_rows(store, settings, kind, iri, language)
    if not rows and kind != "home":
        return ""
    title = language.gettext("Timeline of the projects and time-bounded roles") if kind == "home" else \
        language.gettext("Timeline: projects and roles – %(name)s", name=_label(store, iri, language.code))
    return render_timeline(rows, title, output)


__all__ = ["Language", "MAP_KINDS", "Output", "RECENT_PROJECTS", "TIMELINE_KINDS", "attribution", "highlighted_set", "map_picture",
           "timeline_picture", "timeline_rows"]
