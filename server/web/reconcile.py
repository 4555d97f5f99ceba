"""Reconciliation Service API 0.2 (W3C Entity Reconciliation CG; what OpenRefine speaks) at ``/reconcile``.

Two services share these routes (see docs/search.md, "Entity ids", and :mod:`server.search.reconcile`,
which does the matching): ``/reconcile`` (every thing under ``/id/``) and
``/reconcile/gebietskoerperschaft`` (Gebietskörperschaften, their keys as ids).

Per service: manifest (GET without parameters), reconcile (``queries=`` by POST form or GET; a single
``query=`` too), ``/suggest/{entity,type,property}``, ``/flyout/entity``, ``/preview`` (an embeddable
HTML card), data extension (``extend=`` by POST or GET) and ``/propose_properties``. CORS on every
answer, JSONP (``callback=``) on GET JSON answers. Candidates come from the release's full-text index
(``server.search``), so reconciliation switches with the release like search does.
"""
from __future__ import annotations

import json
import re

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import force_locale, get_translations
from werkzeug.exceptions import HTTPException

from ..kg.namespaces import IKPE
from ..search.query import SearchUnavailable, index_for
from ..search import reconcile as matching
from ..search.reconcile import SERVICES, InvalidQuery, Scope, Service
from ..store import StoreError
from .http_caching import cache_publicly
from .i18n import LANGUAGES, current_language
from .store_access import request_snapshot

blueprint = Blueprint("reconcile", __name__)

SERVICE_VERSION = "0.2"
MAX_BATCH = 100
MAX_BODY = 2_000_000
JSONP_NAME = re.compile(r"^[A-Za-z_$][\w$.]{0,99}$")


def _settings():
    return current_app.config["SETTINGS"]


def _translations() -> dict:
    """gettext of every interface language (names of properties are matched in all of them)."""
    found = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            found[lang] = get_translations().gettext
    return found


def _scope(service: Service) -> Scope:
    try:
        index = index_for(request_snapshot())
    except StoreError as error:  # no release, store down: no index either
        raise SearchUnavailable(str(error)) from None
    return Scope(index, service, _settings().id_base, current_language(), _translations())


def _json(body, status: int = 200) -> Response:
    text = json.dumps(body, ensure_ascii=False)
    callback = request.args.get("callback", "") if request.method == "GET" else ""
    if callback and JSONP_NAME.match(callback):
        return Response(f"/**/{callback}({text});", status, mimetype="application/javascript")
    return Response(text, status, mimetype="application/json")


class ApiError(HTTPException):
    def __init__(self, code: int, message: str):
        super().__init__(description=message)
        self.code = code


@blueprint.errorhandler(ApiError)
@blueprint.errorhandler(SearchUnavailable)
@blueprint.errorhandler(InvalidQuery)
def _api_error(error):
    if isinstance(error, SearchUnavailable):
        return _json({"error": "service unavailable", "detail": str(error)}, 503)
    if isinstance(error, InvalidQuery):
        return _json({"error": str(error)}, 400)
    return _json({"error": error.description}, error.code)


@blueprint.after_request
def _varies_by_language(response):
    response.vary.add("Accept-Language")
    return response


# -- request parameters ---------------------------------------------------------------------------
def _param(name: str) -> str | None:
    if request.method == "POST":
        if request.content_length and request.content_length > MAX_BODY:
            raise ApiError(413, "request too large")
        value = request.form.get(name)
        if value is not None:
            return value
    return request.args.get(name)


def _load_json(text: str, what: str):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise ApiError(400, f"'{what}' is not valid JSON") from None


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(int(request.args.get(name, default)), high))
    except ValueError:
        return default


def _cursor() -> int:
    return _int_arg("cursor", 0, 0, 10000)


def _prefix() -> str:
    return request.args.get("prefix", "")[:500]


# -- the manifest -------------------------------------------------------------------------------
def manifest(scope: Scope) -> dict:
    service = scope.service
    root = request.host_url.rstrip("/")
    service_url = root + service.path
    return {
        "versions": [SERVICE_VERSION],
        "name": scope.gettext(service.name),
        "identifierSpace": service.identifier_space(scope.id_base),
        "schemaSpace": str(IKPE),
        "serviceVersion": "1",
        "defaultTypes": matching.default_types(scope),
        "view": {"url": root + "/id/" + (f"{service.slug}/" if service.slug else "") + "{{id}}"},
        "preview": {"url": service_url + "/preview?id={{id}}", "width": 420, "height": 160},
        "suggest": {
            "entity": {"service_url": service_url, "service_path": "/suggest/entity",
                       "flyout_service_url": service_url, "flyout_service_path": "/flyout/entity?id=${id}"},
            "type": {"service_url": service_url, "service_path": "/suggest/type"},
            "property": {"service_url": service_url, "service_path": "/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": service_url, "service_path": "/propose_properties"},
            "property_settings": [],
        },
        "batchSize": MAX_BATCH,
    }


# -- routes ---------------------------------------------------------------------------------------
def _route(rule: str, **options):
    """Register a view for every service: ``/reconcile<rule>`` and ``/reconcile/<slug><rule>``."""
    def decorator(view):
        for slug, service in SERVICES.items():
            def bound(view=view, service=service):
                return view(service)
            bound.__name__ = f"{view.__name__}_{slug or 'all'}"
            blueprint.add_url_rule(service.path + rule, bound.__name__, bound, **options)
        return view
    return decorator


@_route("", methods=["GET", "POST"])
def endpoint(service: Service):
    queries, extend, single = _param("queries"), _param("extend"), _param("query")
    if queries is not None:
        batch = _load_json(queries, "queries")
        if not isinstance(batch, dict):
            raise ApiError(400, "'queries' must be a JSON object of queries")
        if len(batch) > MAX_BATCH:
            raise ApiError(413, f"at most {MAX_BATCH} queries per batch")
        scope = _scope(service)
        return _json({str(key): {"result": matching.reconcile(scope, query)} for key, query in batch.items()})
    if extend is not None:
        request_ = matching.extension_request(_load_json(extend, "extend"))
        return _json(matching.extend(_scope(service), request_))
    if single is not None:  # 0.1 style single query: a JSON object or plain text
        query = single
        if single.lstrip().startswith("{"):
            query = _load_json(single, "query")
        query = query if isinstance(query, dict) else {"query": str(query)}
        return _json({"result": matching.reconcile(_scope(service), query)})
    return _json(manifest(_scope(service)))


@_route("/suggest/entity")
def suggest_entity(service: Service):
    return _json({"result": matching.suggest_entities(_scope(service), _prefix(), _cursor())})


@_route("/suggest/type")
def suggest_type(service: Service):
    return _json({"result": matching.suggest_types(_scope(service), _prefix(), _cursor())})


@_route("/suggest/property")
def suggest_property(service: Service):
    return _json({"result": matching.suggest_properties(_scope(service), _prefix(), _cursor())})


@_route("/propose_properties")
def propose_properties(service: Service):
    scope = _scope(service)
    type_id = request.args.get("type", "")[:500]
    if not type_id:
        raise ApiError(400, "the 'type' parameter is required")
    return _json(matching.propose_properties(scope, type_id, _int_arg("limit", 20, 1, 100)))


def _card(scope: Scope, hit, **context) -> str:
    """The entity card (``reconcile_preview.html``) of ``hit`` (None: not found)."""
    public_base = _settings().public_base
    return render_template(
        "reconcile_preview.html", hit=hit, lang=scope.lang,
        description=matching.description(hit, scope.lang) if hit else "",
        props=matching.preview_props(scope, hit) if hit else [],
        view_url=request.host_url.rstrip("/") + hit.iri[len(public_base):] if hit else "", **context)


@_route("/flyout/entity")
def flyout(service: Service):
    scope = _scope(service)
    entity_id = request.args.get("id", "")
    hit = matching.entity(scope, entity_id)
    if hit is None:
        raise ApiError(404, "no such entity")
    return _json({"id": entity_id, "html": _card(scope, hit, flyout=True)})


@_route("/preview")
def preview(service: Service):
    """A small HTML card for OpenRefine's preview iframe: embeddable from any origin."""
    scope = _scope(service)
    entity_id = request.args.get("id", "")
    hit = matching.entity(scope, entity_id)
    html = _card(scope, hit, flyout=False, entity_id=entity_id)
    response = Response(html, 200 if hit else 404, mimetype="text/html")
    response.headers["Content-Security-Policy"] = "frame-ancestors *; default-src 'none'; style-src 'unsafe-inline'"
    return cache_publicly(response)
