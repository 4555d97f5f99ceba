"""Search: ``GET /search?q=`` (results page grouped by type, matches highlighted), its JSON form
(``/search.json?q=``, ``/search?q=&format=json`` or ``Accept: application/json``) and type-ahead
(``/search/suggest?q=``). Reads the full-text index of the release in service (``server.search``)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from jinja2 import TemplateNotFound

from ..search import SearchUnavailable, index_for
from ..search.query import MAX_QUERY_CHARS, highlight, parse, snippet
from ..store import StoreError
from .store_access import request_snapshot

blueprint = Blueprint("search", __name__)

SUGGEST_LIMIT = 10


def _settings():
    return current_app.config["SETTINGS"]


def language() -> str:
    """The interface language: Flask-Babel's choice when it is set up, else ``?lang=``/Accept-Language."""
    if "babel" in current_app.extensions:
        from .i18n import current_language

        return current_language()
    wanted = request.args.get("lang", "")
    if wanted in ("de", "en"):
        return wanted
    return request.accept_languages.best_match(("de", "en"), default=_settings().default_language)


def _gettext(message, **values):
    return message % values if values else message


@blueprint.context_processor
def _i18n_fallback():
    """``_``/``gettext`` for these templates when Flask-Babel is not set up (else Babel's own)."""
    if "babel" in current_app.extensions:
        return {}
    return {"_": _gettext, "gettext": _gettext}


def layout_template() -> str | None:
    """``base.html`` (the site layout) when it exists; the templates render standalone otherwise."""
    try:
        current_app.jinja_env.get_template("base.html")
        return "base.html"
    except TemplateNotFound:
        return None


def local_url(iri: str) -> str:
    """Where a resource is shown on this server: a relative path for our IRIs, else the IRI."""
    base = _settings().public_base
    return iri[len(base):] if iri.startswith(base + "/") else iri


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(int(request.args.get(name, default)), high))
    except (TypeError, ValueError):
        return default


def _cors(response):
    response.headers["Access-Control-Allow-Origin"] = _settings().cors_origins
    return response


def _wants_json() -> bool:
    if request.args.get("format") == "json" or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"], default="text/html")
    return best == "application/json" and request.accept_mimetypes["application/json"] > \
        request.accept_mimetypes["text/html"]


def _hit_json(hit, tokens, lang):
    return {
        "iri": hit.iri,
        "url": local_url(hit.iri),
        "label": hit.label(lang),
        "type": {"iri": hit.type, "label": hit.type_label(lang)},
        "description": snippet(hit.description(lang), tokens),
        "score": hit.score,
        "exact": hit.exact is not None,
    }


@blueprint.get("/search.json")
def search_json():
    return search()


@blueprint.get("/search")
def search():
    lang = language()
    query = parse(request.args.get("q", ""))
    type_filter = request.args.get("type", "").strip()[:500]
    page_size = _settings().page_size
    page = _int_arg("page", 1, 1, 200)
    json_form = _wants_json()
    error = None
    try:
        index = index_for(request_snapshot())
        results = index.search(query, limit=page_size, offset=(page - 1) * page_size,
                               types=(type_filter,) if type_filter else ())
        release = request_snapshot().release().id
    except (SearchUnavailable, StoreError) as problem:  # no release, store down: no index either
        current_app.logger.warning("search unavailable: %s", problem)
        error, results, release = str(problem), None, None
    if json_form:
        if error:
            response = jsonify({"error": "search unavailable", "detail": error})
            response.status_code = 503
            return _cors(response)
        body = {
            "query": query.text, "tokens": list(query.tokens), "type": type_filter or None,
            "page": page, "page_size": page_size, "total": results.total, "more": results.capped,
            "any_word": results.fallback, "release": release,
            "results": [_hit_json(hit, query.tokens, lang) for hit in results.hits],
        }
        response = _cors(jsonify(body))
    else:
        groups = {}
        if results:
            for hit in results.hits:
                groups.setdefault(hit.type, []).append(hit)
        html = render_template(
            "search.html", layout=layout_template(), q=query.text, query=query, lang=lang, results=results,
            groups=list(groups.values()), type_filter=type_filter, page=page, page_size=page_size,
            error=error, highlight=highlight, snippet=snippet, local_url=local_url,
            max_chars=MAX_QUERY_CHARS)
        response = current_app.make_response((html, 503 if error else 200))
    response.headers["Cache-Control"] = f"public, max-age={_settings().cache_max_age}"
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return response


@blueprint.get("/search/suggest")
def suggest():
    """Type-ahead: the best few resources whose words start with what was typed."""
    lang = language()
    query = parse(request.args.get("q", ""))
    limit = _int_arg("limit", SUGGEST_LIMIT, 1, 50)
    try:
        results = index_for(request_snapshot()).search(query, limit=limit)
    except (SearchUnavailable, StoreError) as problem:  # no release, store down: no index either
        response = jsonify({"error": "search unavailable", "detail": str(problem)})
        response.status_code = 503
        return _cors(response)
    response = jsonify({"query": query.text, "results": [
        {"iri": hit.iri, "url": local_url(hit.iri), "label": hit.label(lang),
         "type": hit.type_label(lang)} for hit in results.hits]})
    response.headers["Cache-Control"] = f"public, max-age={_settings().cache_max_age}"
    response.vary.add("Accept-Language")
    return _cors(response)
