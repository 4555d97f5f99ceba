"""Pictures on the web: standalone SVG files, the Jinja globals that embed them, and ``/overview``.

Routes (every SVG is ``image/svg+xml``, in the language of ``?lang=`` / ``Accept-Language``)::

    /pictures/map.svg                                 home choropleth (projects per district)
    /pictures/map/<project-slug>.svg                  a project's participants highlighted
    /pictures/map/gebietskoerperschaft/<key>.svg      the position of one Gebietskörperschaft
    /pictures/timeline.svg                            all projects and time-bounded roles
    /pictures/timeline/<kind>/<slug>.svg              kind: project, organisation, person, gebietskoerperschaft
    /overview                                         counts by type, participants, funders and programmes

Templates embed the same pictures with ``{{ map_svg(kind, iri) }}`` and ``{{ timeline_svg(kind, iri) }}``
(kind: home, project, gebietskoerperschaft, organisation, person); they give ``""`` when there is
nothing to draw. Pictures and the overview are computed once per release and language, then cached.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Blueprint, Response, abort, current_app, render_template, request
from markupsafe import Markup

from .. import pictures
from ..pictures import data
from ..pictures.texts import text
from ..store import StoreUnavailable
from .page_cache import mark_uncacheable
from .resources import LOCAL_NAME

blueprint = Blueprint("pictures", __name__)

CACHE_SIZE = 512
_lock = threading.Lock()

OVERVIEW_TEXT = {
    "title": {"de": "Überblick über den Datenbestand", "en": "Overview of the dataset"},
    "intro": {"de": "Alle Zahlen und Tabellen dieser Seite kommen aus SPARQL-Abfragen; die Abfragen stehen als "
                    "Beispiele in der Abfrage-Oberfläche.",
              "en": "Every number and table on this page comes from a SPARQL query; the queries are examples "
                    "in the query interface."},
    "counts": {"de": "Anzahl je Typ", "en": "Number per type"},
    "type": {"de": "Typ", "en": "Type"},
    "number": {"de": "Anzahl", "en": "Number"},
    "participants": {"de": "Beteiligte je Projekt", "en": "Participants per project"},
    "project": {"de": "Projekt", "en": "Project"},
    "gk": {"de": "Gebietskörperschaften", "en": "Gebietskörperschaften"},
    "partners": {"de": "Projektpartner", "en": "Project partners"},
    "people": {"de": "Personen", "en": "People"},
    "funding": {"de": "Förderer und Programme", "en": "Funders and programmes"},
    "funder": {"de": "Förderer", "en": "Funder"},
    "funded": {"de": "gefördert", "en": "Funded"},
    "programme": {"de": "Programm", "en": "Programme"},
    "programmes": {"de": "Förderprogramme", "en": "Funding programmes"},
    "blocks": {"de": "Projektbausteine", "en": "Building-block projects"},
    "pictures": {"de": "Bilder", "en": "Pictures"},
    "map": {"de": "Karte", "en": "Map"},
    "timeline": {"de": "Zeitleiste", "en": "Timeline"},
    "svg_files": {"de": "Als SVG-Datei (für Berichte):", "en": "As SVG file (for reports):"},
    "queries": {"de": "Die Abfragen dazu", "en": "The queries behind it"},
    "none": {"de": "–", "en": "–"},
}


def _settings():
    return current_app.config["SETTINGS"]


def _store():
    return current_app.extensions["ikpe_store"]


def _language() -> str:
    try:
        from .i18n import current_language

        lang = current_language()
    except Exception:  # Flask-Babel not set up (tests of this area alone)
        lang = request.args.get("lang") or _settings().default_language
    return lang if lang in ("de", "en") else "de"


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("ikpe_pictures_cache", OrderedDict())


def _release_id() -> str:
    return _store().release().id


def cached(key: tuple, make):
    """``make()`` once per release and key (the release id is part of the key)."""
    full = (_release_id(),) + key
    cache = _cache()
    with _lock:
        if full in cache:
            cache.move_to_end(full)
            return cache[full]
    value = make()
    with _lock:
        cache[full] = value
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return value


def _href(standalone: bool):
    """Links to things: root-relative on our pages, absolute in standalone files (they travel)."""
    from .links import href

    root = request.host_url.rstrip("/") if standalone else ""

    def link(iri: str) -> str:
        target = href(str(iri)) or "#"
        return root + target if target.startswith("/") else target
    return link


def _map(kind: str, iri: str | None, lang: str, standalone: bool) -> str:
    if kind not in pictures.MAP_KINDS:
        return ""
    return cached(("map", kind, iri, lang, standalone, request.host_url if standalone else ""),
                  lambda: pictures.map_picture(_store(), _settings(), kind, iri, lang, _href(standalone),
                                               id_prefix=f"map-{kind}", standalone=standalone))


def _timeline(kind: str, iri: str | None, lang: str, standalone: bool) -> str:
    if kind not in pictures.TIMELINE_KINDS:
        return ""
    return cached(("timeline", kind, iri, lang, standalone, request.host_url if standalone else ""),
                  lambda: pictures.timeline_picture(_store(), _settings(), kind, iri, lang, _href(standalone),
                                                    id_prefix=f"timeline-{kind}", standalone=standalone))


def _embed(svg: str, kind: str) -> Markup:
    if not svg:
        return Markup("")
    from flask import url_for

    # a stylesheet link in the body is valid HTML; same host, so the strict CSP of the pages allows it
    stylesheet = url_for("static", filename="css/pictures.css")
    return Markup(f'<link rel="stylesheet" href="{stylesheet}"><figure class="ikpe-figure ikpe-figure-{kind}">'
                  f'{svg}</figure>')


@blueprint.app_template_global("map_svg")
def map_svg(kind: str, iri=None) -> Markup:
    try:
        return _embed(_map(kind, str(iri) if iri else None, _language(), False), "map")
    except StoreUnavailable:
        mark_uncacheable()  # the page without its picture must not be kept
        return Markup("")


@blueprint.app_template_global("timeline_svg")
def timeline_svg(kind: str, iri=None) -> Markup:
    try:
        return _embed(_timeline(kind, str(iri) if iri else None, _language(), False), "timeline")
    except StoreUnavailable:
        mark_uncacheable()  # the page without its picture must not be kept
        return Markup("")


def _svg_response(svg: str) -> Response:
    if not svg:
        abort(404)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["Content-Language"] = _language()
    response.vary.add("Accept-Language")
    response.cache_control.public = True
    response.cache_control.max_age = _settings().cache_max_age
    response.set_etag(f"{_release_id()}-{_language()}")
    return response.make_conditional(request)


def _exists(iri: str) -> bool:
    return _store().ask(f"ASK {{ <{iri}> ?p ?o }}")


def _thing(kind: str, slug: str) -> str:
    if "/" in slug or not LOCAL_NAME.match(slug):  # only characters our own IRIs use reach SPARQL
        abort(404)
    iri = f"{_settings().id_base}{kind}/{slug}"
    if not _exists(iri):
        abort(404)
    return iri


@blueprint.route("/pictures/map.svg")
def map_home():
    return _svg_response(_map("home", None, _language(), True))


@blueprint.route("/pictures/map/<slug>.svg")
def map_project(slug: str):
    return _svg_response(_map("project", _thing("project", slug), _language(), True))


@blueprint.route("/pictures/map/gebietskoerperschaft/<key>.svg")
def map_area(key: str):
    return _svg_response(_map("gebietskoerperschaft", _thing("gebietskoerperschaft", key), _language(), True))


@blueprint.route("/pictures/timeline.svg")
def timeline_home():
    return _svg_response(_timeline("home", None, _language(), True))


@blueprint.route("/pictures/timeline/<kind>/<slug>.svg")
def timeline_thing(kind: str, slug: str):
    if kind not in pictures.TIMELINE_KINDS or kind == "home":
        abort(404)
    return _svg_response(_timeline(kind, _thing(kind, slug), _language(), True))


# -- overview -------------------------------------------------------------------------------------
def overview_view(lang: str) -> dict:
    facts = data.overview(_store(), _settings())
    labels = facts["labels"]
    link = _href(False)

    def thing(iri):
        if iri is None:
            return None
        return {"iri": iri, "href": link(iri), "label": data.pick_label(labels.get(iri, {}), lang, iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1])}

    return {
        "counts": [dict(c, type=thing(c["type"])) for c in facts["counts"]],
        "per_project": [dict(r, project=thing(r["project"])) for r in facts["per_project"]],
        "funding": [{"funder": thing(r["funder"]), "item": thing(r["item"]), "programme": thing(r["programme"])}
                    for r in facts["funding"]],
        "programmes": [dict(r, programme=thing(r["programme"])) for r in facts["programmes"]],
        "queries": sorted(p.stem for p in data.QUERY_DIR.glob("pictures-*.rq")),
    }


@blueprint.route("/overview")
def overview():
    lang = _language()
    view = cached(("overview", lang), lambda: overview_view(lang))

    def t(key):
        entry = OVERVIEW_TEXT[key]
        return entry.get(lang) or entry["de"]

    html = render_template("overview.html", overview=view, t=t, lang=lang,
                           breadcrumbs=[(t("title"), None)],
                           map_picture=map_svg("home"), timeline_picture=timeline_svg("home"),
                           attribution=text("attribution", lang))
    response = Response(html, mimetype="text/html")
    response.vary.add("Accept-Language")
    response.cache_control.public = True
    response.cache_control.max_age = _settings().cache_max_age
    response.set_etag(f"overview-{_release_id()}-{lang}")
    return response.make_conditional(request)
