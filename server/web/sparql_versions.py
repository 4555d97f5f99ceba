"""The SPARQL endpoint against a past release (RFC 7089 for queries): ``/sparql?release=<id>`` answers
from release <id> (an immutable answer: a memento of the query), ``Accept-Datetime`` on a GET query
redirects (302) to the release in service at that time (the endpoint is its own TimeGate)."""
from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from flask import Response, redirect, request

from ..store.history import PastRelease, ReleaseGone, UnknownRelease, parse_http_date
from .memento import IMMUTABLE, history_or_none, http_date
from .store_access import carrier_snapshot, pin_snapshot


class NotThere(Exception):
    """A release the endpoint cannot query: ``status`` (400, 404 or 410) and a message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def without_release() -> str:
    """This request's URL path and query string without the ``release`` parameter (the original query)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "release"]
    return request.path + (f"?{urlencode(params)}" if params else "")


def timegate(query_request) -> Response | None:
    """A GET query with ``Accept-Datetime`` and no ``release``: 302 to the release in service then."""
    if request.method not in ("GET", "HEAD") or query_request.query is None or query_request.release \
            or "Accept-Datetime" not in request.headers:
        return None
    try:
        moment = parse_http_date(request.headers["Accept-Datetime"])
    except ValueError as error:
        raise NotThere(400, f"Malformed Accept-Datetime: {error}") from None
    history = history_or_none()
    if history is None:
        return None
    chosen = history.at(moment)
    target = f"{request.path}?{urlencode(list(request.args.items(multi=True)) + [('release', chosen.id)])}"
    response = redirect(target, code=302)
    response.headers["Link"] = f'<{without_release()}>; rel="original timegate"'
    response.vary.add("Accept-Datetime")
    response.cache_control.no_cache = True
    return response


def pin_release(release_id: str) -> PastRelease:
    """Answer this request from release ``release_id`` (NotThere: 404 never published, 410 beyond retention)."""
    history = history_or_none()
    if history is None:
        raise NotThere(404, "This server keeps no release history: only the release in service can be queried.")
    try:
        past = history.release(release_id)
    except UnknownRelease as error:
        raise NotThere(404, str(error)) from None
    except ReleaseGone as error:
        raise NotThere(410, str(error)) from None
    pin_snapshot(history.snapshot(past, carrier_snapshot().release()))
    return past


def memento_headers(response: Response, past: PastRelease) -> Response:
    """An answer of a past release never changes: strong ETag, immutable, and its Memento headers."""
    if response.status_code != 200:
        return response
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Memento-Datetime"] = http_date(past.created)
    response.headers.add("Link", f'<{without_release()}>; rel="original timegate"')
    return response.make_conditional(request)
