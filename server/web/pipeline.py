"""The response pipeline: what every answer of the app passes through, whichever blueprint made it.

A route decides *what* to answer; the steps below decide *how*, each in one module:

1. negotiation: :mod:`conneg` picks the media type (``Accept`` with q-values, or an explicit suffix
   / ``?format=``) among what the route offers;
2. writing: :mod:`formats` is the registry of RDF serialisations (``write(graph, fmt)``);
3. validators and caching: :mod:`http_caching` adds ``ETag`` (release + variant), ``Last-Modified``,
   ``Cache-Control`` and ``Vary``, and answers ``304 Not Modified``;
4. before a request, :func:`.http_caching.answer_from_cache` answers from the response cache what a
   release-only endpoint answered before (the view does not run);
5. this module, after every request (errors included): CORS (Fetch standard, the one reading of the
   ``cors_origins`` setting), the answer to a CORS preflight, and the security headers.

An answer the response cache holds is sent before Flask by :mod:`.cached_answers`, which repeats
steps 4 and 5 (:func:`finish_answer`) so the answer is the same. The limits middleware answers ``429``
before Flask runs; it takes its CORS and security headers
from :func:`cors_headers` and :data:`SECURITY_HEADERS` here.
"""
from __future__ import annotations

from flask import current_app, request

from .http_caching import answer_from_cache

# response headers a script on another origin may read (beside the CORS-safelisted ones)
EXPOSED = ("Link, ETag, Last-Modified, Content-Location, Content-Language, Content-Length, Retry-After, "
           "Warning, X-SPARQL-Truncated, X-SPARQL-Max-Rows")
PREFLIGHT_MAX_AGE = "86400"
PREFLIGHT_HEADERS = "Accept, Accept-Language, Content-Type"
SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "strict-origin-when-cross-origin"))
# our HTML loads scripts, styles and images from our own host only; a page that needs another
# policy (the reconciliation preview, shown in a frame; the query UI) sets its own
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "object-src 'none'; base-uri 'none'; frame-ancestors 'self'")
# the query UI: the editor (YASGUI) styles itself inline; its scripts are files of our host
QUERY_UI_POLICY = PAGE_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def allowed_origins(setting: str) -> frozenset[str] | None:
    """``cors_origins`` read as ``*`` (None: any origin) or a list separated by commas or spaces."""
    value = setting.strip()
    if value == "*":
        return None
    return frozenset(origin.strip() for origin in value.replace(",", " ").split())


def cors_headers(origin: str | None, setting: str) -> list[tuple[str, str]]:
    """The CORS response headers for a request from ``origin`` (None: no ``Origin`` header).

    ``*`` answers every origin with ``*``; a list echoes an origin on it (and ``Vary: Origin`` is
    added by the caller, since the answer then depends on the request's origin)."""
    origins = allowed_origins(setting)
    if origins is None:
        allow = "*"
    elif origin and origin in origins:
        allow = origin
    else:
        return []
    return [("Access-Control-Allow-Origin", allow), ("Access-Control-Expose-Headers", EXPOSED)]


def _add_cors(response, req, setting: str) -> None:
    if allowed_origins(setting) is not None:
        response.vary.add("Origin")
    for name, value in cors_headers(req.headers.get("Origin"), setting):
        response.headers[name] = value
    if req.method == "OPTIONS" and "Access-Control-Request-Method" in req.headers:
        allow = response.headers.get("Allow") or "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Methods"] = allow
        response.headers["Access-Control-Allow-Headers"] = \
            req.headers.get("Access-Control-Request-Headers") or PREFLIGHT_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE


def _add_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)


def finish(response):
    """The last step of every request: CORS, preflight, security headers."""
    return finish_answer(response, request, current_app.config["SETTINGS"].cors_origins)


def finish_answer(response, req, cors_setting: str):
    """:func:`finish` for ``req`` (Flask's request or a plain werkzeug one, :mod:`.cached_answers`)."""
    _add_cors(response, req, cors_setting)
    _add_security_headers(response)
    return response


def init_app(app) -> None:
    app.before_request(answer_from_cache)  # after the URL checks of app.py: a kept answer skips the view
    app.after_request(finish)


__all__ = ["EXPOSED", "SECURITY_HEADERS", "PAGE_POLICY", "QUERY_UI_POLICY", "allowed_origins", "cors_headers",
           "finish", "finish_answer", "init_app"]
