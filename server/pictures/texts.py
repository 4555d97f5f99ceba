"""Interface text of the pictures in German and English.

The SVG files are also served on their own (for reports), outside any page, so their text lives
here, chosen by the request language (``?lang=`` or the page's language), not in a page template.
"""
from __future__ import annotations

TEXTS = {
    "map_home_title": {"de": "Karte: Projekte je Landkreis und kreisfreier Stadt in Thüringen",
                       "en": "Map: projects per district of Thuringia"},
    "map_project_title": {"de": "Karte: teilnehmende Gebietskörperschaften – {name}",
                          "en": "Map: participating Gebietskörperschaften – {name}"},
    "map_area_title": {"de": "Karte: Lage von {name} in Thüringen", "en": "Map: where {name} lies in Thuringia"},
    "takes_part": {"de": "nimmt teil", "en": "takes part"},
    "not_taking_part": {"de": "nimmt nicht teil", "en": "does not take part"},
    "this_area": {"de": "diese Gebietskörperschaft", "en": "this Gebietskörperschaft"},
    "projects_n": {"de": "{n} Projekte", "en": "{n} projects"},
    "projects_1": {"de": "1 Projekt", "en": "1 project"},
    "projects_0": {"de": "keine Projekte", "en": "no projects"},
    "legend": {"de": "Legende", "en": "Legend"},
    "legend_town": {"de": "Stadt in einem Landkreis (Umriss gestrichelt)",
                    "en": "town inside a district (dashed outline)"},
    "as_of": {"de": "Stand {date}", "en": "as of {date}"},
    "highlighted_desc": {"de": "{n} von {total} Gebieten hervorgehoben: {names}.",
                         "en": "{n} of {total} areas highlighted: {names}."},
    "choropleth_desc": {"de": "Anzahl der Projekte, an denen jedes Gebiet (oder eine Stadt darin) teilnimmt.",
                        "en": "Number of projects each area (or a town inside it) takes part in."},
    "without_boundary": {"de": "ohne Grenze in den Daten: {names}", "en": "without a boundary in the data: {names}"},
    "attribution": {"de": "Grenzen: © GeoBasis-DE / BKG (2021), Daten verändert · dl-de/by-2-0",
                    "en": "Boundaries: © GeoBasis-DE / BKG (2021), Daten verändert · dl-de/by-2-0"},
    "land": {"de": "Thüringen (ganzes Land)", "en": "Thuringia (whole Land)"},
    "timeline_home_title": {"de": "Zeitleiste der Projekte und zeitlich begrenzten Rollen",
                            "en": "Timeline of the projects and time-bounded roles"},
    "timeline_title": {"de": "Zeitleiste: Projekte und Rollen – {name}", "en": "Timeline: projects and roles – {name}"},
    "timeline_desc": {"de": "Balken zeigen Laufzeiten; schraffierte Enden sind nur als Jahr (oder Monat) angegeben "
                            "und bis zu dessen Ende gezeichnet.",
                      "en": "Bars show runtimes; hatched ends are given only as a year (or month) and are drawn "
                            "to its end."},
    "legend_project": {"de": "Projektlaufzeit", "en": "project runtime"},
    "legend_year": {"de": "nur aufs Jahr genau", "en": "precise to the year only"},
    "legend_month": {"de": "nur auf den Monat genau", "en": "precise to the month only"},
    "year_precise": {"de": "nur Jahr", "en": "year only"},
    "month_precise": {"de": "nur Monat", "en": "month only"},
    "open": {"de": "offen", "en": "open"},
    "from": {"de": "ab {date}", "en": "from {date}"},
    "until": {"de": "bis {date}", "en": "until {date}"},
    "whole_project": {"de": "für die ganze Laufzeit", "en": "for the whole runtime"},
    "ContactPerson": {"de": "Ansprechperson", "en": "Contact"},
    "ProjectLead": {"de": "Projektleitung", "en": "Project lead"},
    "ProjectPartner": {"de": "Projektpartner", "en": "Project partner"},
    "Funder": {"de": "Förderer", "en": "Funder"},
    "Participation": {"de": "Teilnahme", "en": "Participation"},
    "no_entries": {"de": "Keine Einträge.", "en": "No entries."},
}


def text(key: str, lang: str, **values) -> str:
    entry = TEXTS[key]
    template = entry.get(lang) or entry["de"]
    return template.format(**values) if values else template


def plural_projects(n: int, lang: str) -> str:
    if n == 0:
        return text("projects_0", lang)
    if n == 1:
        return text("projects_1", lang)
    return text("projects_n", lang, n=n)
