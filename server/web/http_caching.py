"""HTTP caching (RFC 9111) and conditional requests (RFC 9110 §13) for everything built from a release.

The validators come from the build: the ``ETag`` is the release id plus what else the representation
depends on (path and query, format, language), weak because serialisers may order triples differently; the
``Last-Modified`` date is the release's creation time. ``Cache-Control: public, max-age=…`` (the
``cache_max_age`` setting) lets a reverse proxy or CDN keep the answer; ``Vary`` names the request
headers the representation was chosen by. Conditional GET/HEAD answer ``304 Not Modified``.

Since an answer that goes through :func:`cacheable` depends only on the release and the request's
URL, ``Accept`` and language, its complete ``200`` is kept in the response cache (:mod:`.page_cache`:
per process, then shared by the machine's processes) under that key, and :func:`answer_from_cache`
(before every request of an endpoint known to answer so) serves it again without running the view.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app, request

from . import page_cache
from .conneg import negotiate, offers
from .i18n import current_language
from .store_access import request_snapshot

# the request headers an answer kept by the generic cache may vary on (Origin: CORS is added afterwards)
# (Accept-Datetime: a request with it is never answered from the cache, the TimeGate answers it)
KEYED_HEADERS = frozenset({"accept", "accept-language", "accept-datetime"})
KNOWN_ENDPOINTS = "ikpe_release_only_endpoints"


def release_time(release) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(release.created)
    except (AttributeError, TypeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def etag(release, *parts) -> str:
    variant = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:12]
    return f"{release.id}-{variant}"


def cache_publicly(response, max_age: int | None = None, vary=()):
    """``Cache-Control: public, max-age=…`` (the ``cache_max_age`` setting unless given) and ``Vary``:
    for answers without validators (redirects, 410, files with their own)."""
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["SETTINGS"].cache_max_age if max_age is None else max_age
    for header in vary:
        response.vary.add(header)
    return response


def cacheable(response, release, *parts, vary=(), conditional=True, strong=False):
    """Add validators, Cache-Control and Vary; answer 304 if the client's copy is current.

    ``parts`` are what the representation depends on beside the release and the URL (format,
    language …). ``conditional=False`` leaves the 304 to the caller
    (``response.make_conditional(request)``), who may keep the complete answer first (``page_cache``).
    ``strong``: the bytes are the same for the same release and parts (a strong ``ETag``)."""
    response.set_etag(etag(release, request.path, request.query_string.decode("latin-1"), *parts), weak=not strong)
    modified = release_time(release)
    if modified is not None:
        response.last_modified = modified
    cache_publicly(response, vary=vary)
    if not conditional:
        return response
    _keep(response)
    return response.make_conditional(request)


def request_key(release_id: str) -> tuple:
    """What an answer of a release-only endpoint depends on: URL (host and scheme too), Accept, language."""
    return release_only_key(release_id, request, current_language())


def release_only_key(release_id: str, req, language: str) -> tuple:
    """:func:`request_key` of ``req`` (Flask's request or a plain werkzeug one, :mod:`.cached_answers`)."""
    return (release_id, "release-only", req.host_url, req.path, req.query_string.decode("latin-1"),
            req.headers.get("Accept", ""), language)


def document_key(release_id: str, req, language: str) -> tuple:
    """What a ``/doc/…`` document depends on: path, query, the media type ``Accept`` selects, language."""
    return page_cache.key(release_id, req.path, req.query_string.decode("latin-1"),
                          negotiate(req.headers.get("Accept"), offers()), language)


def _keep(response) -> None:
    if request.method not in ("GET", "HEAD") or request.endpoint is None or \
            not {h.lower() for h in response.vary} <= KEYED_HEADERS:
        return
    page_cache.keep(request_key(request_snapshot().release().id), response)
    _learn(request.endpoint)


def _learn(endpoint: str) -> None:
    known = current_app.extensions.setdefault(KNOWN_ENDPOINTS, set())
    if endpoint not in known:
        known.add(endpoint)
        page_cache.remember_endpoint(endpoint)


def _known(endpoint: str) -> bool:
    known = current_app.extensions.setdefault(KNOWN_ENDPOINTS, set())
    if endpoint in known:
        return True
    if page_cache.endpoint_remembered(endpoint):
        known.add(endpoint)
        return True
    return False


def answer_from_cache():
    """Before a request: the kept answer of a release-only endpoint (made conditional), or None."""
    if request.method not in ("GET", "HEAD") or request.endpoint is None or not _known(request.endpoint) \
            or "Accept-Datetime" in request.headers:  # Memento: a TimeGate may answer (server/web/memento.py)
        return None
    cached = page_cache.lookup(request_key(request_snapshot().release().id))
    return cached.make_conditional(request) if cached is not None else None
