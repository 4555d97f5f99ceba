"""The pictures' data, read from the store with the example queries in ``queries/pictures-*.rq``.

The same query text is offered in the query UI, so what a picture shows can be checked there. The
queries are written against the default public base; when the setting differs the base is replaced,
and the example ``VALUES`` line is replaced by the thing asked about. Everything comes from the
release the store serves (the boundaries too: the build puts them into the graph).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import Literal

from ..kg.derive import period_bounds
from ..kg.geometry import parse_wkt
from ..kg.namespaces import IKPE, XSD
from ..settings import PROJECT_ROOT, Settings
from .summary import RECENT_KEPT, RECENT_QUERY, summary_of

QUERY_DIR = PROJECT_ROOT / "queries"
EXAMPLE_BASE = Settings().public_base + "/"  # the queries are written against the default public base
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@lru_cache(maxsize=None)
def query_text(name: str) -> str:
    return (QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")


def query(name: str, public_base: str, values: dict[str, str] | None = None) -> str:
    text = query_text(name)
    base = public_base.rstrip("/") + "/"
    if base != EXAMPLE_BASE:
        text = text.replace(EXAMPLE_BASE + "id/", base + "id/")
    for variable, iri in (values or {}).items():
        text, count = re.subn(r"VALUES \?" + variable + r" \{[^}]*\}", f"VALUES ?{variable} {{ <{iri}> }}", text)
        if not count:
            raise ValueError(f"query {name} has no VALUES line for ?{variable}")
    return text


def pick_label(labels: dict[str, str], lang: str, fallback: str) -> str:
    return labels.get(lang) or labels.get("de") or labels.get("") or next(iter(labels.values()), fallback)


def labels_of(store, iris) -> dict[str, dict[str, str]]:
    """IRI → {language: rdfs:label} for all the given IRIs (one query)."""
    iris = sorted({str(i) for i in iris if i})
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris)
    rows = store.select(f"SELECT ?s ?label WHERE {{ VALUES ?s {{ {values} }} ?s <{RDFS_LABEL}> ?label }}")
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        label = row["label"]
        out.setdefault(str(row["s"]), {}).setdefault(getattr(label, "language", None) or "", str(label))
    return out


def _date(term) -> dt.date | None:
    if term is None:
        return None
    try:
        return dt.date.fromisoformat(str(term)[:10])
    except ValueError:
        return None


# -- areas ----------------------------------------------------------------------------------------
@dataclass
class Area:
    iri: str
    kind: str  # Land | Landkreis | KreisfreieStadt | GrosseKreisstadt
    polygons: list
    labels: dict = field(default_factory=dict)
    valid_from: dt.date | None = None
    valid_through: dt.date | None = None
    container: str | None = None
    label_at: tuple | None = None  # where its name is printed (lon, lat), from the build's summary
    drawn: dict = field(default_factory=dict, compare=False, repr=False)  # map.py: shapes per projection

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and \
            (self.valid_through is None or day <= self.valid_through)

    def label(self, lang: str) -> str:
        return pick_label(self.labels, lang, self.iri.rsplit("/", 1)[-1])


_AREAS_OF_RELEASE: dict[tuple, dict[str, Area]] = {}


def areas(store, settings) -> dict[str, Area]:
    """Every Gebietskörperschaft with a boundary, read from the store (GeoSPARQL); read once per release
    and process (the boundaries and their drawn shapes are the same on every map of a release)."""
    if not hasattr(store, "source"):  # not a snapshot (tests, tools): nothing to key a copy by
        return _read_areas(store, settings)
    key = (store.source, store.release().id, settings.public_base)  # per store: each one is read itself
    found = _AREAS_OF_RELEASE.get(key)
    if found is None:
        found = _read_areas(store, settings)
        if len(_AREAS_OF_RELEASE) >= 4:  # the release in service and the one before, per store
            _AREAS_OF_RELEASE.pop(next(iter(_AREAS_OF_RELEASE)), None)
        _AREAS_OF_RELEASE[key] = found
    return found


def _read_areas(store, settings) -> dict[str, Area]:
    """The boundaries the release carries (GeoSPARQL), with the labels of their areas."""
    rows = store.select(query("pictures-01-map-areas", settings.public_base))
    found: dict[str, Area] = {}
    for row in rows:
        iri = str(row["area"])
        found[iri] = Area(iri, str(row["kind"]).rsplit("#", 1)[-1], parse_wkt(row["wkt"]),
                          valid_from=_date(row.get("validFrom")), valid_through=_date(row.get("validThrough")),
                          container=str(row["container"]) if row.get("container") else None)
    for iri, labels in labels_of(store, found).items():
        found[iri].labels = labels
    points = (summary_of(store) or {}).get("label_points", {})
    for iri, area in found.items():
        area.label_at = tuple(points[iri]) if iri in points else None
    return found


def participants(store, settings, project: str) -> list[dict]:
    """The Gebietskörperschaften taking part in ``project`` (the highlighted set of its map)."""
    rows = store.select(query("pictures-02-project-participants", settings.public_base, {"project": project}))
    return [{"area": str(r["area"]), "as_of": r.get("asOf")} for r in rows]


def projects_per_area(store, settings) -> dict[str, int]:
    summary = summary_of(store)  # computed at build time (a scan of every participation)
    if summary is not None:
        return summary["projects_per_area"]
    rows = store.select(query("pictures-03-projects-per-district", settings.public_base))
    return {str(r["area"]): int(r["projects"]) for r in rows}


# -- timeline -------------------------------------------------------------------------------------
PRECISION = {str(XSD.gYear): "year", str(XSD.gYearMonth): "month", str(XSD.date): "day"}


@dataclass
class Span:
    """A runtime at its precision: the partial dates as written and the days they cover."""

    start: Literal | None
    end: Literal | None

    @property
    def start_precision(self) -> str | None:
        return PRECISION.get(str(self.start.datatype)) if self.start is not None else None

    @property
    def end_precision(self) -> str | None:
        return PRECISION.get(str(self.end.datatype)) if self.end is not None else None

    @property
    def first_day(self) -> dt.date | None:
        bounds = period_bounds(self.start) if self.start is not None else None
        return bounds[0] if bounds else None

    @property
    def last_day(self) -> dt.date | None:
        bounds = period_bounds(self.end) if self.end is not None else None
        return bounds[1] if bounds else None


@dataclass
class TimelineRole:
    iri: str
    kind: str
    project: str
    holder: str
    span: Span
    acting_through: str | None = None

    @property
    def bounded(self) -> bool:
        return self.span.start is not None or self.span.end is not None


@dataclass
class TimelineProject:
    iri: str
    labels: dict
    short_name: str | None
    span: Span
    roles: list = field(default_factory=list)


ROLE_KINDS_VALUES = "VALUES ?kind { ikpe:ContactPerson ikpe:ProjectLead ikpe:ProjectPartner }"
ROLE_KINDS_FILTER = "FILTER(?kind IN (ikpe:ContactPerson, ikpe:ProjectLead, ikpe:ProjectPartner))"


def _only_project(text: str, only, variable: str = "project") -> str:
    """The query restricted to one project or a list of them (``?project`` bound first), so a page
    does not read them all."""
    if only is None:
        return text
    iris = [only] if isinstance(only, str) else list(only)
    iris = [i for i in iris if not any(c in i for c in '<>"{}|^`\\ \n')]
    if not iris:
        return text.replace("WHERE {", "WHERE {\n  VALUES ?" + variable + " { }", 1)
    values = " ".join(f"<{i}>" for i in iris)
    return text.replace("WHERE {", f"WHERE {{\n  VALUES ?{variable} {{ {values} }}", 1)


def recent_projects(store, limit: int) -> list[str]:
    """The ``limit`` projects that started last (the home page's and the overview's timeline and tables)."""
    summary = summary_of(store)  # sorted at build time
    if summary is not None and "recent_projects" in summary and limit <= RECENT_KEPT:
        return summary["recent_projects"][:limit]
    return [str(r["project"]) for r in store.select(RECENT_QUERY.format(limit=int(limit)))]


def timeline(store, settings, only=None) -> tuple[list[TimelineProject], dict[str, dict]]:
    """All projects (or only the project or list of projects ``only``) with their roles, plus the labels
    of everything named."""
    projects: dict[str, TimelineProject] = {}
    for row in store.select(_only_project(query("pictures-04-timeline-projects", settings.public_base), only)):
        iri = str(row["project"])
        if iri not in projects:
            projects[iri] = TimelineProject(iri, {}, str(row["shortName"]) if row.get("shortName") else None,
                                            Span(row.get("start"), row.get("end")))
    roles = query("pictures-05-timeline-roles", settings.public_base)
    if only is not None:  # from the projects' roles, not from every role of the kinds (1.3 s -> 0.03 s at 1M)
        roles = roles.replace(ROLE_KINDS_VALUES, ROLE_KINDS_FILTER)
    for row in store.select(_only_project(roles, only)):
        project = projects.get(str(row["project"]))
        if project is not None:
            project.roles.append(TimelineRole(str(row["role"]), str(row["kind"]).rsplit("#", 1)[-1], project.iri,
                                              str(row["holder"]), Span(row.get("start"), row.get("end")),
                                              str(row["actingThrough"]) if row.get("actingThrough") else None))
    names = labels_of(store, list(projects) + [r.holder for p in projects.values() for r in p.roles]
                      + [r.acting_through for p in projects.values() for r in p.roles])
    for iri, project in projects.items():
        project.labels = names.get(iri, {})
    ordered = sorted(projects.values(), key=lambda p: (p.span.first_day or dt.date.max, p.iri))
    return ordered, names


def funders_of(store, settings, only=None) -> dict[str, set[str]]:
    """Funded item → its funders (organisation timelines show funded projects too), for the projects ``only``."""
    out: dict[str, set[str]] = {}
    for row in store.select(_only_project(query("pictures-08-overview-funding", settings.public_base), only, "item")):
        out.setdefault(str(row["item"]), set()).add(str(row["funder"]))
    return out


def participations_of(store, settings, only=None) -> dict[str, set[str]]:
    """Project → participating Gebietskörperschaften (for a Gebietskörperschaft's timeline)."""
    text = f"""PREFIX ikpe: <{IKPE}>
        SELECT ?project ?area WHERE {{ ?p a ikpe:Participation ; ikpe:roleIn ?project ; ikpe:roleHolder ?area }}"""
    out: dict[str, set[str]] = {}
    for row in store.select(_only_project(text, only)):
        out.setdefault(str(row["project"]), set()).add(str(row["area"]))
    return out


def projects_of(store, iri: str) -> list[str]:
    """The projects ``iri`` holds a role in (itself or acting through), funds or takes part in: a
    person's, organisation's or Gebietskörperschaft's timeline reads only these."""
    if any(c in iri for c in '<>"{}|^`\\ \n'):
        return []
    rows = store.select(f"""PREFIX ikpe: <{IKPE}> PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?project WHERE {{
          {{ ?r ikpe:roleIn ?project ; ikpe:roleHolder <{iri}> }} UNION
          {{ ?r ikpe:roleIn ?project ; ikpe:actingThrough <{iri}> }} UNION
          {{ ?f schema:fundedItem ?project ; schema:funder <{iri}> }} }}""")
    return sorted(str(r["project"]) for r in rows)


# -- overview -------------------------------------------------------------------------------------
def overview(store, settings, projects: list[str]) -> dict:
    """The overview's facts: counts per type (from the build's summary if the release has one), and the
    participants and fundings of ``projects`` (bounded: the most recent ones, not all)."""
    summary = summary_of(store)
    if summary is not None:
        counts = [{"type": t, "count": n} for t, n in summary["overview_counts"].items()]
    else:
        counts = [{"type": str(r["type"]), "count": int(r["count"])}
                  for r in store.select(query("pictures-06-overview-counts", settings.public_base))]
    counts.sort(key=lambda c: (-c["count"], c["type"]))
    per_project = store.select(_only_project(query("pictures-07-overview-participants", settings.public_base),
                                             projects))
    funding = store.select(_only_project(query("pictures-08-overview-funding", settings.public_base), projects,
                                         "item"))
    programmes = store.select(query("pictures-09-overview-programmes", settings.public_base))
    iris = [c["type"] for c in counts] + [r["project"] for r in per_project] + \
        [r.get(k) for r in funding for k in ("funder", "item", "programme")] + [r["programme"] for r in programmes]
    return {
        "labels": labels_of(store, iris),
        "counts": counts,
        "per_project": [{"project": str(r["project"]), "gebietskoerperschaften": int(r["gebietskoerperschaften"]),
                         "partners": int(r["partners"]), "people": int(r["people"])} for r in per_project],
        "funding": [{"funding": str(r["funding"]), "funder": str(r["funder"]), "item": str(r["item"]),
                     "programme": str(r["programme"]) if r.get("programme") else None} for r in funding],
        "programmes": [{"programme": str(r["programme"]), "projects": int(r["projects"])} for r in programmes],
    }
