"""HTTP caching (RFC 9111) and conditional requests (RFC 9110 §13) for everything built from a release.

The validators come from the build: the ``ETag`` is the release id plus what else the representation
depends on (path and query, format, language), weak because serialisers may order triples differently; the
``Last-Modified`` date is the release's creation time. ``Cache-Control: public, max-age=…`` (the
``cache_max_age`` setting) lets a reverse proxy or CDN keep the answer; ``Vary`` names the request
headers the representation was chosen by. Conditional GET/HEAD answer ``304 Not Modified``.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app, request


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


def cacheable(response, release, *parts, vary=(), conditional=True):
    """Add validators, Cache-Control and Vary; answer 304 if the client's copy is current.

    ``parts`` are what the representation depends on beside the release and the URL (format,
    language …). ``conditional=False`` leaves the 304 to the caller
    (``response.make_conditional(request)``), who may keep the complete answer first (``page_cache``)."""
    response.set_etag(etag(release, request.path, request.query_string.decode("latin-1"), *parts), weak=True)
    modified = release_time(release)
    if modified is not None:
        response.last_modified = modified
    cache_publicly(response, vary=vary)
    return response.make_conditional(request) if conditional else response
