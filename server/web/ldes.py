"""The change feed (LDES, docs/versions.md "Change feed (LDES)").

    /ldes                              the ldes:EventStream: paths, retention policy, tree:view
    /ldes/base/<release>/<n>           page n of the base: every resource as <release> had it (the
                                       view's first pages, from the oldest retained release)
    /ldes/<release>/<n>                page n of the changes of <release>: a version object per
                                       resource it changed (a withdrawn one as an as:Tombstone)
    /ldes/<release>/version?of=<IRI>   one version object of a subject outside /id/ (those under /id/
                                       are named by their memento URL, /release/<release>/id/…)

Turtle (default), JSON-LD, N-Triples, N-Quads, TriG by ``Accept`` or ``?format=ttl|jsonld|nt|nq|trig``.
Every page but the newest is immutable: a strong ``ETag`` and ``Cache-Control: immutable``, one year.
Unknown release or page → 404, a release beyond retention → 410 (``versions``).
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pyoxigraph as ox
from cachetools import LRUCache
from flask import Blueprint, Response, abort, current_app, request

from ..kg.release import RECONSTRUCTED
from ..ldes.describe import Describer
from ..ldes.members import MemberIndex
from ..ldes.pages import BASE, CHANGES, NoSuchPage, Stream
from ..ldes.vocab import PREFIXES, TOMBSTONE
from . import conneg, page_cache
from .formats import FORMATS
from .http_caching import cacheable
from .store_access import request_snapshot
from .versions import current_history

blueprint = Blueprint("ldes", __name__)

WRITERS = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "nt": ox.RdfFormat.N_TRIPLES,
           "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
IMMUTABLE_SECONDS = 365 * 24 * 3600
_indexes: LRUCache = LRUCache(maxsize=4)       # (history identity, public base) → MemberIndex
_lock = threading.Lock()


def _format() -> str:
    asked = request.args.get("format")
    if asked is not None:
        if asked not in WRITERS:
            abort(400, f"Unknown format {asked[:20]!r}; one of: {', '.join(WRITERS)}.")
        return asked
    available = [FORMATS[key].media_type for key in WRITERS]
    chosen = conneg.negotiate(request.headers.get("Accept"), available)
    if chosen is None:
        abort(406)
    return next(key for key in WRITERS if FORMATS[key].media_type == chosen)


def _stream() -> Stream:
    history = current_history()
    settings = current_app.config["SETTINGS"]
    key = (history.identity, settings.public_base)
    # embedded: the member lists are kept beside the releases for the machine's other processes; on a
    # remote store the app keeps no files (stateless): memory here, the pages in the response cache
    cache_dir = Path(settings.build_dir) / RECONSTRUCTED if history.folder is not None else None
    with _lock:
        index = _indexes.get(key)
        if index is None:  # one per history: it never changes
            index = _indexes[key] = MemberIndex(history, f"{settings.public_base}/ldes/unattached",
                                                cache_dir=cache_dir)
    return Stream(index.history, settings.public_base, settings.ldes_page_size, index)


def _write(triples, key: str) -> bytes:
    return ox.serialize(triples, format=WRITERS[key], prefixes=PREFIXES if key in ("ttl", "trig", "jsonld") else None)


def _immutable(response: Response) -> Response:
    """A strong ETag (the bytes' SHA-256) and a year of ``Cache-Control: immutable``."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = IMMUTABLE_SECONDS
    response.cache_control.immutable = True
    return response


def _answer(body: bytes, key: str) -> Response:
    response = Response(body, headers={"Content-Type": FORMATS[key].content_type})
    response.vary.add("Accept")
    return response


@blueprint.get("/ldes")
def stream():
    feed, key = _stream(), _format()
    return cacheable(_answer(_write(feed.description(), key), key), request_snapshot().release(), key,
                     vary=("Accept",))


@blueprint.get("/ldes/base/<release>/<number>")
def base_page(release: str, number: str):
    return _page(release, BASE, number)


@blueprint.get("/ldes/<release>/<number>")
def changes_page(release: str, number: str):
    return _page(release, CHANGES, number)


def _page(release_id: str, kind: str, number: str):
    feed, key = _stream(), _format()
    release = feed.history.release(release_id)  # 404 unknown, 410 beyond retention
    try:
        ref = feed.page(release, kind, int(number) if number.isdigit() and len(number) < 10 else 0)
    except NoSuchPage as error:
        abort(404, str(error))
    if not feed.immutable(ref):  # the newest page: it gains a relation when the next release comes
        return cacheable(_answer(_write(feed.page_triples(ref), key), key), request_snapshot().release(), key,
                         vary=("Accept",))
    # an immutable page is written once per release in service and machine (the response cache)
    cache_key = page_cache.key(request_snapshot().release().id, feed.url(ref), str(feed.page_size), key, "ldes")
    response = page_cache.lookup(cache_key)
    if response is None:
        response = _immutable(_answer(_write(feed.page_triples(ref), key), key))
        page_cache.keep(cache_key, response)
    return response.make_conditional(request)


def _valid_iri(iri: str) -> bool:
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


@blueprint.get("/ldes/<release>/version")
def version(release: str):
    """A version object of a subject outside ``/id/`` (terms of the ontology, external IRIs): its
    member as the release published it (those under ``/id/`` have their memento URL instead)."""
    iri = request.args.get("of", "")
    if not iri.startswith(("http://", "https://")) or len(iri) > 1000 or not _valid_iri(iri):
        abort(400, "?of= must be the IRI of a resource (http or https).")
    feed, key = _stream(), _format()
    past = feed.history.release(release)
    described = Describer(feed.history, past, feed.public_base, feed.index.unattached).member(iri)[1]
    if described[-1].object == TOMBSTONE and past not in feed.history.versions_of(iri):
        abort(404, f"Release {release} neither held nor withdrew statements about {iri[:200]}.")
    return _immutable(_answer(_write(described, key), key)).make_conditional(request)
