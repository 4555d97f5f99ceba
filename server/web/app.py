"""Application factory (``create_app``): settings, store, and one blueprint per area."""
from __future__ import annotations

import re

from flask import Flask, abort, render_template, request
from werkzeug.exceptions import HTTPException

from ..settings import Settings, load_settings
from ..store import StoreError, open_store

MAX_URL_LENGTH = 2048
OWN_LENGTH_LIMITS = ("/sparql",)  # answer 414/413 themselves, with their own (documented) limit
BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    settings = settings or load_settings(**overrides)
    app = Flask(__name__)
    app.config["SETTINGS"] = settings

    from . import store_access

    store_access.init_app(app, open_store(settings))

    from . import i18n

    i18n.init_app(app)

    from . import page_cache

    page_cache.init_app(app)

    from . import answer_cache

    answer_cache.init_app(app)

    from . import catalog, ldes, pictures, pipeline, reconcile, release_pages, resources, search, sparql

    for area in (resources, sparql, catalog, search, reconcile, pictures, release_pages, ldes):
        app.register_blueprint(area.blueprint)

    app.before_request(refuse_malformed_urls)
    pipeline.init_app(app)  # CORS and security headers on every answer
    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(StoreError, store_unavailable)

    from . import versions

    versions.init_app(app)  # 404/410 for releases never published or no longer kept

    from . import memento

    app.register_blueprint(memento.blueprint)  # after the URL checks: its TimeGate runs after them

    from . import fragments

    app.register_blueprint(fragments.blueprint)  # Triple Pattern Fragments; a TimeGate too, after the URL checks

    from . import access_log, cached_answers, health, limits

    app.register_blueprint(health.blueprint)
    answer_cache.install(app)  # WSGI: repeated SPARQL queries answered before Flask (inside the limits)
    cached_answers.install(app)  # WSGI: kept answers of the release sent before Flask (inside the limits)
    limits.init_app(app)  # WSGI middleware: 429 + Retry-After past a limit
    access_log.init_app(app)  # last, so it wraps the limits and logs the 429s too
    return app


def refuse_malformed_urls():
    """Malformed percent-encoding or bytes that are not UTF-8 → 400; absurdly long URLs → 414.

    Not the length for ``/sparql``: queries by GET are long (rdflib's SPARQLStore sends ~2.3 kB of
    PREFIXes), and the endpoint enforces ``IKPE_SPARQL_MAX_QUERY_LENGTH`` itself (414/413 with a message).
    """
    status = malformed_url_status(request)
    if status is not None:
        abort(status)


def malformed_url_status(req) -> int | None:
    """400 or 414 for the URL of ``req`` (Flask's request or a plain werkzeug one), or None if it is fine."""
    raw = req.environ.get("RAW_URI") or req.environ.get("REQUEST_URI") or ""
    query = req.environ.get("QUERY_STRING", "")
    try:
        query.encode("latin-1").decode("utf-8")  # WSGI carries the raw bytes as latin-1 text
    except (UnicodeEncodeError, UnicodeDecodeError):
        return 400
    if req.path not in OWN_LENGTH_LIMITS and (
            len(raw) > MAX_URL_LENGTH or len(req.path) + len(query) + 1 > MAX_URL_LENGTH):
        return 414
    if BAD_PERCENT.search(raw.split("?", 1)[0]) or "\ufffd" in req.path:
        return 400
    if BAD_PERCENT.search(req.path):  # clients that hand the server an already-decoded path
        return 400
    return None


ERROR_TEMPLATES = {404: "errors/404.html", 410: "errors/410.html"}


def error_page(error: HTTPException):
    """Error pages for people (HTML in the interface language) with the right status code.

    Areas with an API (SPARQL, reconciliation) register their own handlers for their routes.
    """
    if error.code is None or error.code < 400:
        return error
    template = ERROR_TEMPLATES.get(error.code, "errors/error.html")
    try:
        body = render_template(template, error=error, breadcrumbs=None)
    except Exception:  # never fail while reporting a failure
        return error
    response = error.get_response()
    response.set_data(body)
    response.mimetype = "text/html"
    return response


def store_unavailable(error: StoreError):
    """503 Service Unavailable with Retry-After when the store is down, missing or too slow."""
    from flask import current_app

    retry = current_app.config["SETTINGS"].retry_after
    try:
        body = render_template("errors/503.html", retry_after=retry, breadcrumbs=None)
        mimetype = "text/html"
    except Exception:  # the page itself may need the store (pictures): fall back to text
        body, mimetype = f"503 Service Unavailable: the data store is not reachable. Try again in {retry} s.\n", \
            "text/plain"
    response = current_app.response_class(body, status=503, mimetype=mimetype)
    response.headers["Retry-After"] = str(retry)
    response.headers["Cache-Control"] = "no-store"
    return response
