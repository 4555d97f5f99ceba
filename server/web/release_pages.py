"""Pages for people about the release history (docs/versions.md, "What changed, for people"):

    /releases          the retained releases, newest first, with what each added and removed
    /release/<id>      what release <id> changed: resources added, removed and changed, with labels
    /history/<path>    the versions of /<path> (/doc/… or /id/…), newest first, each with what it changed

They depend only on the release in service, so they are cacheable like the other pages of a release.
Unknown release ids answer 404, releases beyond retention 410 (server/web/versions.py).
"""
from __future__ import annotations

import threading

from cachetools import LRUCache
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext

from ..versions import GraphSide, SnapshotSide, history_of, release_changes, summarize
from .change_view import ChangeView
from .http_caching import cacheable
from .i18n import current_language
from .resources import SUFFIX
from .formats import FORMATS
from .links import LOCAL_NAME
from .store_access import carrier_snapshot, request_snapshot
from .versions import current_history

blueprint = Blueprint("release_pages", __name__)

MAX_STATEMENTS = 50_000  # a release that changed more is summed up, not listed resource by resource
MAX_LISTED = 200         # resources listed per kind of change on one page of a release
_SUMMARIES: LRUCache = LRUCache(4)  # (release in service, release shown) → its summary
_SUMMARIES_LOCK = threading.Lock()


def _page(template: str, **context) -> Response:
    html = render_template(template, **context)
    return cacheable(Response(html, mimetype="text/html"), request_snapshot().release(), current_language(),
                     vary=["Accept-Language"])


@blueprint.app_template_global("history_kept")
def history_kept() -> bool:
    """Whether the release in service carries a history (resource pages link to theirs)."""
    return carrier_snapshot().history() is not None  # the release in service, also on a memento page


@blueprint.route("/releases", methods=["GET", "HEAD"])
def releases():
    history = current_history()
    gone = [r for r in history.releases if not r.retained]
    return _page("releases.html", releases=list(reversed(history.retained)), current=history.current,
                 gone=len(gone), breadcrumbs=[(gettext("Home"), "/"), (gettext("Releases"), None)])


@blueprint.route("/release/<release_id>", methods=["GET", "HEAD"])
def release(release_id):
    history = current_history()
    past = history.release(release_id)  # UnknownRelease → 404, ReleaseGone → 410
    shown, pages, page = None, 1, _page_number()
    if past.previous is not None and past.added + past.removed <= MAX_STATEMENTS:
        shown, pages = _changes_of(history, past, page)
    _page_number(pages)
    previous = next((r for r in history.releases if r.id == past.previous), None)
    return _page("release.html", release=past, current=history.current, changes=shown, page=page, pages=pages,
                 previous=previous if previous is not None and previous.retained else None,
                 breadcrumbs=[(gettext("Home"), "/"), (gettext("Releases"), "/releases"), (past.id, None)])


def _summary(history, past):
    """What ``past`` changed, by resource: computed once per release (both languages use it)."""
    serving = request_snapshot()
    key = (serving.release().id, past.id)
    with _SUMMARIES_LOCK:
        found = _SUMMARIES.get(key)
    if found is None:
        newer = serving if past.id == serving.release().id else history.snapshot(past, serving.release())
        added, removed = release_changes(history, past)
        found = summarize(added, removed, SnapshotSide(newer), [SnapshotSide(newer), GraphSide(removed)])
        with _SUMMARIES_LOCK:
            _SUMMARIES[key] = found
    return found


def _changes_of(history, past, page: int) -> tuple[dict, int]:
    """Page ``page`` of each kind of change (sorted by label), and the number of pages."""
    summary = _summary(history, past)
    view = ChangeView(summary.labels, current_language())
    shown, pages = {}, 1
    for status, changes in (("added", summary.added), ("removed", summary.removed), ("changed", summary.changed)):
        ordered = sorted(changes, key=lambda c: view.title(c.iri).casefold())
        listed = ordered[(page - 1) * MAX_LISTED: page * MAX_LISTED]
        shown[status] = {"listed": [view.change(c, past.id, past.previous) for c in listed], "total": len(ordered),
                         "first": (page - 1) * MAX_LISTED + 1}
        pages = max(pages, -(-len(ordered) // MAX_LISTED))
    return shown, pages


def _page_number(pages: int | None = None) -> int:
    """``?page=``: not a positive integer → 400, past the last page → 404."""
    value = request.args.get("page", "1")
    if not value.isdigit() or int(value) < 1:
        abort(400, description=gettext("The page number must be a positive integer."))
    if pages is not None and int(value) > pages:
        abort(404)
    return int(value)


def _versions(history, local: str):
    """The versions of the resource at ``local`` (a format suffix such as ``.ttl`` or ``.html`` allowed)."""
    id_base = current_app.config["SETTINGS"].id_base
    versions, labels = history_of(history, id_base + local, SnapshotSide(request_snapshot()))
    suffix = SUFFIX.match(local)
    if not versions and suffix and (suffix["suffix"] == "html" or suffix["suffix"] in FORMATS):
        local = suffix["local"]
        versions, labels = history_of(history, id_base + local, SnapshotSide(request_snapshot()))
    return local, versions, labels


@blueprint.route("/history/<path:path>", methods=["GET", "HEAD"])
def resource_history(path):
    kind, _, local = path.partition("/")
    if kind not in ("doc", "id") or not LOCAL_NAME.match(local) or len(local) > 512:
        abort(404)
    history = current_history()
    local, versions, labels = _versions(history, local)
    if not versions:
        abort(404, description=gettext("No release ever published statements about this resource."))
    view = ChangeView(labels, current_language())
    shown = [(v.release, view.change(v.change, v.release.id, v.release.previous)) for v in versions]
    title = view.change(versions[0].change)
    return _page("history.html", versions=shown, title=title, page="/doc/" + local,
                 older_gone=any(not r.retained for r in history.releases),
                 breadcrumbs=[(gettext("Home"), "/"), (title.title, "/doc/" + local), (gettext("History"), None)])
