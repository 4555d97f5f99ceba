"""The release history as the web layer reads it: the history of the release in service, a past
release as a snapshot, the release-bound URLs, and the HTTP answers for releases that are not there.

URLs (docs/versions.md):
    /release/<id>                   what release <id> changed (for people; RDF by content negotiation)
    /release/<id>/doc/…, /release/<id>/id/…   mementos: a resource as release <id> published it
    /timemap/link/<path>, /timemap/json/<path>  the TimeMap of /<path> (RFC 7089)
    /history/<path>                 the versions of /<path> for people, with what changed
    /sparql?release=<id>            a query against release <id>
"""
from __future__ import annotations

from flask import Flask, current_app, render_template
from werkzeug.exceptions import NotFound

from ..store.history import PastRelease, PastSnapshot, ReleaseGone, ReleaseHistory, UnknownRelease
from .store_access import request_snapshot

RELEASE_PREFIX = "/release/"


def memento_path(release_id: str, path: str) -> str:
    """The release-bound path of ``path`` (``/doc/…`` or ``/id/…``) as release ``release_id`` had it."""
    return f"{RELEASE_PREFIX}{release_id}{path}"


def current_history() -> ReleaseHistory:
    """The history carried by the release in service; 404 where none is kept."""
    history = request_snapshot().history()
    if history is None:
        raise NotFound("This release carries no release history (it was built before histories were kept, "
                       "or it is read from a store without one).")
    return history


def past_release(release_id: str) -> PastRelease:
    """The retained release ``release_id`` (UnknownRelease → 404, ReleaseGone → 410)."""
    return current_history().release(release_id)


def past_snapshot(release_id: str) -> PastSnapshot:
    """Release ``release_id`` as a snapshot, read from the history of the release in service."""
    history = current_history()
    return history.snapshot(history.release(release_id), request_snapshot().release())


def unknown_release(error: UnknownRelease):
    return _answer(404, str(error), None)


def release_gone(error: ReleaseGone):
    return _answer(410, str(error), error.oldest)


def _answer(status: int, message: str, oldest: PastRelease | None):
    try:
        body = render_template("errors/release.html", status=status, message=message, oldest=oldest,
                               breadcrumbs=None)
        mimetype = "text/html"
    except Exception:  # never fail while reporting a failure
        body, mimetype = message + "\n", "text/plain"
    response = current_app.response_class(body, status=status, mimetype=mimetype)
    if oldest is not None:
        response.headers["Link"] = f'<{RELEASE_PREFIX}{oldest.id}>; rel="related"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(UnknownRelease, unknown_release)
    app.register_error_handler(ReleaseGone, release_gone)
