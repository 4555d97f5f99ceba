"""The store as the web layer reads it: one snapshot per request.

Every view reads through :func:`request_snapshot`: the first call of a request pins the release in
service (in ``flask.g``) and every later read of that request answers from the same release, even if
a build or a publish switches the release meanwhile.
"""
from __future__ import annotations

from flask import Flask, current_app, g

from ..store import GraphStore, Snapshot

EXTENSION = "ikpe_store"
_PINNED = "ikpe_snapshot"


def init_app(app: Flask, store: GraphStore) -> None:
    app.extensions[EXTENSION] = store


def store_of(app: Flask) -> GraphStore:
    return app.extensions[EXTENSION]


def request_snapshot() -> Snapshot:
    """The release this request is answered from (raises StoreUnavailable when there is none)."""
    snapshot = g.get(_PINNED)
    if snapshot is None:
        snapshot = g.setdefault(_PINNED, store_of(current_app).snapshot())
    return snapshot


def pin_snapshot(snapshot: Snapshot) -> None:
    """Answer the rest of this request from ``snapshot`` (a past release: a memento, a release-bound query)."""
    g.setdefault("ikpe_carrier", request_snapshot())  # the release in service, whose history was read
    setattr(g, _PINNED, snapshot)


def carrier_snapshot() -> Snapshot:
    """The release in service for this request, also after :func:`pin_snapshot` pinned a past one."""
    return g.get("ikpe_carrier") or request_snapshot()


def answered_release_id() -> str | None:
    """The id of the release this request was answered from, or, if it read none, the release in
    service when the store can tell without a query (for the access log)."""
    snapshot = g.get(_PINNED)
    if snapshot is not None:
        return snapshot.release().id
    at_hand = store_of(current_app).release_at_hand()
    return at_hand.id if at_hand is not None else None
