"""Search: ``GET /search?q=`` (results page grouped by type, matches highlighted), its JSON form
(``/search.json?q=``, ``/search?q=&format=json`` or ``Accept: application/json``) and type-ahead
(``/search/suggest?q=``). Reads the full-text index of the release in service (``server.search``)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from ..search import SearchUnavailable, index_for
from ..search.query import MAX_QUERY_CHARS, highlight, parse, snippet
from ..store import StoreError
from .conneg import negotiate
from .formats import HTML_MEDIA_TYPE
from .http_caching import cacheable
from .i18n import current_language
from .links import on_this_server
from .store_access import request_snapshot

blueprint = Blueprint("search", __name__)

SUGGEST_LIMIT = 10


def _settings():
    return current_app.config["SETTINGS"]


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(int(request.args.get(name, default)), high))
    except (TypeError, ValueError):
        return default


def _wants_json() -> bool:
    """``.json``, ``?format=json``, or an ``Accept`` that prefers JSON to HTML (ties go to HTML)."""
    if request.args.get("format") == "json" or request.path.endswith(".json"):
        return True
    return negotiate(request.headers.get("Accept"), [HTML_MEDIA_TYPE, "application/json"]) == "application/json"


def _unavailable(problem: SearchUnavailable):
    response = jsonify({"error": "search unavailable", "detail": str(problem)})
    response.status_code = 503
    return response


def _hit_json(hit, tokens, lang):
    return {
        "iri": hit.iri,
        "url": on_this_server(hit.iri),
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
    lang = current_language()
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
        release = request_snapshot().release()
    except (SearchUnavailable, StoreError) as problem:  # no release, store down: no index either
        current_app.logger.warning("search unavailable: %s", problem)
        if json_form:
            return _unavailable(problem)
        error, results, release = str(problem), None, None
    if json_form:
        response = jsonify({
            "query": query.text, "tokens": list(query.tokens), "type": type_filter or None,
            "page": page, "page_size": page_size, "total": results.total, "more": results.capped,
            "any_word": results.fallback, "release": release.id,
            "results": [_hit_json(hit, query.tokens, lang) for hit in results.hits],
        })
    else:
        groups = {}
        if results:
            for hit in results.hits:
                groups.setdefault(hit.type, []).append(hit)
        html = render_template(
            "search.html", q=query.text, query=query, lang=lang, results=results,
            groups=list(groups.values()), type_filter=type_filter, page=page, page_size=page_size,
            error=error, highlight=highlight, snippet=snippet, local_url=on_this_server,
            max_chars=MAX_QUERY_CHARS)
        if error:
            return current_app.make_response((html, 503))
        response = current_app.make_response(html)
    return cacheable(response, release, "json" if json_form else "html", lang, vary=["Accept", "Accept-Language"])


@blueprint.get("/search/suggest")
def suggest():
    """Type-ahead: the best few resources whose words start with what was typed."""
    lang = current_language()
    query = parse(request.args.get("q", ""))
    limit = _int_arg("limit", SUGGEST_LIMIT, 1, 50)
    try:
        results = index_for(request_snapshot()).search(query, limit=limit)
        release = request_snapshot().release()
    except (SearchUnavailable, StoreError) as problem:  # no release, store down: no index either
        return _unavailable(problem)
    response = jsonify({"query": query.text, "results": [
        {"iri": hit.iri, "url": on_this_server(hit.iri), "label": hit.label(lang),
         "type": hit.type_label(lang)} for hit in results.hits]})
    return cacheable(response, release, lang, vary=["Accept-Language"])
