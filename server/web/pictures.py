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

from cachetools import LRUCache
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import get_translations, gettext
from markupsafe import Markup

from .. import pictures
from ..pictures import data
from ..kg.namespaces import IKPE
from ..store import StoreUnavailable
from .describe import resource_exists
from .http_caching import cacheable
from .i18n import current_language
from .links import LOCAL_NAME
from .page_cache import mark_uncacheable
from .store_access import request_snapshot

blueprint = Blueprint("pictures", __name__)

CACHE = "ikpe_pictures_cache"
CACHE_SIZE = 512
_MISSING = object()


def _settings():
    return current_app.config["SETTINGS"]


def _language() -> pictures.Language:
    """The interface language of the request with its gettext catalogue (Flask-Babel's)."""
    return pictures.Language(current_language(), get_translations())


def _release_id() -> str:
    return request_snapshot().release().id


def cached(key: tuple, make):
    """``make()`` once per release and key (the release id is part of the key); least recently used out."""
    if CACHE not in current_app.extensions:
        current_app.extensions.setdefault(CACHE, (LRUCache(CACHE_SIZE), threading.Lock()))
    cache, lock = current_app.extensions[CACHE]
    full = (_release_id(),) + key
    with lock:
        value = cache.get(full, _MISSING)
    if value is _MISSING:
        value = make()
        with lock:
            cache[full] = value
    return value


def _href(standalone: bool):
    """Links to things: root-relative on our pages, absolute in standalone files (they travel)."""
    from .links import href

    root = request.host_url.rstrip("/") if standalone else ""

    def link(iri: str) -> str:
        target = href(str(iri)) or "#"
        return root + target if target.startswith("/") else target
    return link


def _output(kind: str, what: str, standalone: bool) -> pictures.Output:
    return pictures.Output(_language(), _href(standalone), f"{what}-{kind}", standalone)


def _map(kind: str, iri: str | None, standalone: bool) -> str:
    if kind not in pictures.MAP_KINDS:
        return ""
    return cached(("map", kind, iri, current_language(), standalone, request.host_url if standalone else ""),
                  lambda: pictures.map_picture(request_snapshot(), _settings(), kind, iri,
                                               _output(kind, "map", standalone)))


def _timeline(kind: str, iri: str | None, standalone: bool) -> str:
    if kind not in pictures.TIMELINE_KINDS:
        return ""
    return cached(("timeline", kind, iri, current_language(), standalone, request.host_url if standalone else ""),
                  lambda: pictures.timeline_picture(request_snapshot(), _settings(), kind, iri,
                                                    _output(kind, "timeline", standalone)))


def _embed(svg: str, kind: str) -> Markup:
    if not svg:
        return Markup("")
    from flask import url_for

    # a stylesheet link in the body is valid HTML; same host, so the strict CSP of the pages allows it
    stylesheet = url_for("static", filename="css/pictures.css")
    return Markup(f'<link rel="stylesheet" href="{stylesheet}"><figure class="ikpe-figure ikpe-figure-{kind}">'
                  f'{svg}</figure>')


def _embedded(draw, what: str, kind: str, iri) -> Markup:
    try:
        return _embed(draw(kind, str(iri) if iri else None, False), what)
    except StoreUnavailable:
        mark_uncacheable()  # the page without its picture must not be kept
        return Markup("")


@blueprint.app_template_global("map_svg")
def map_svg(kind: str, iri=None) -> Markup:
    return _embedded(_map, "map", kind, iri)


@blueprint.app_template_global("timeline_svg")
def timeline_svg(kind: str, iri=None) -> Markup:
    return _embedded(_timeline, "timeline", kind, iri)


def _svg_response(svg: str) -> Response:
    if not svg:
        abort(404)
    response = Response(svg, headers={"Content-Type": "image/svg+xml; charset=utf-8",
                                      "Content-Language": current_language()})
    # a standalone file links to the host that served it: the host is part of the representation
    return cacheable(response, request_snapshot().release(), current_language(), request.host_url,
                     vary=["Accept-Language"])


def _thing(kind: str, slug: str) -> str:
    if "/" in slug or not LOCAL_NAME.match(slug):  # only characters our own IRIs use reach SPARQL
        abort(404)
    iri = f"{_settings().id_base}{kind}/{slug}"
    if not resource_exists(request_snapshot(), iri):
        abort(404)
    return iri


@blueprint.route("/pictures/map.svg")
def map_home():
    return _svg_response(_map("home", None, True))


@blueprint.route("/pictures/map/<slug>.svg")
def map_project(slug: str):
    return _svg_response(_map("project", _thing("project", slug), True))


@blueprint.route("/pictures/map/gebietskoerperschaft/<key>.svg")
def map_area(key: str):
    return _svg_response(_map("gebietskoerperschaft", _thing("gebietskoerperschaft", key), True))


@blueprint.route("/pictures/timeline.svg")
def timeline_home():
    return _svg_response(_timeline("home", None, True))


@blueprint.route("/pictures/timeline/<kind>/<slug>.svg")
def timeline_thing(kind: str, slug: str):
    if kind not in pictures.TIMELINE_KINDS or kind == "home":
        abort(404)
    return _svg_response(_timeline(kind, _thing(kind, slug), True))


# -- overview -------------------------------------------------------------------------------------
def overview_view(lang: str) -> dict:
    store = request_snapshot()
    facts = data.overview(store, _settings(), data.recent_projects(store, pictures.RECENT_PROJECTS))
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
        "projects": next((c["count"] for c in facts["counts"] if c["type"] == str(IKPE.Project)), 0),
        "recent": len(facts["per_project"]),
    }


@blueprint.route("/overview")
def overview():
    lang = current_language()
    view = cached(("overview", lang), lambda: overview_view(lang))
    html = render_template("overview.html", overview=view, lang=lang,
                           breadcrumbs=[(gettext("Overview of the dataset"), None)],
                           map_picture=map_svg("home"), timeline_picture=timeline_svg("home"),
                           attribution=pictures.attribution(_language()))
    return cacheable(Response(html, mimetype="text/html"), request_snapshot().release(), lang, vary=["Accept-Language"])
