"""Memento (RFC 7089) for the documents of the resources: mementos, TimeGates and TimeMaps.

    /doc/…, /id/…                      the original resources, each its own TimeGate (RFC 7089 §4.1.2,
                                       pattern 2.1): ``Accept-Datetime`` → 302 to the memento
    /release/<id>/doc/…[.ext]          a memento: the document as release <id> published it
    /release/<id>/id/…                 303 to the memento's document, as /id/ does
    /timemap/link/<path>               the TimeMap of /<path> (``application/link-format``, RFC 7089 §5)
    /timemap/json/<path>               the same as JSON (the layout of MementoWeb's TimeTravel service)

The mementos of a resource are the releases in which its description changed
(:meth:`server.store.history.ReleaseHistory.versions_of`); any retained release answers at its
release-bound URL, with the same content as the version in service then. A memento is immutable
(strong ``ETag`` over its bytes, ``Cache-Control: immutable``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from email.utils import format_datetime

from flask import Blueprint, Response, abort, current_app, g, redirect, request
from flask_babel import format_datetime as local_datetime, gettext

from ..store.history import PastRelease, ReleaseHistory, parse_http_date
from . import page_cache
from .describe import DATA_LICENSE
from .formats import FORMATS
from .http_caching import cacheable, document_key
from .i18n import current_language
from .resources import SUFFIX, _check_local, _document
from .store_access import carrier_snapshot, pin_snapshot, request_snapshot
from .versions import current_history, memento_path

blueprint = Blueprint("memento", __name__)

TIMEGATES = frozenset({"resources.thing", "resources.document"})
IMMUTABLE = "public, max-age=31536000, immutable"
LINK_FORMAT = "application/link-format"


def http_date(moment: dt.datetime) -> str:
    """RFC 1123 as HTTP writes it (``Thu, 03 Dec 2026 15:03:25 GMT``)."""
    return format_datetime(moment.astimezone(dt.timezone.utc), usegmt=True)


def _settings():
    return current_app.config["SETTINGS"]


def resource_iri(path: str) -> str | None:
    """The resource a path is about: ``/doc/x.ttl``, ``/doc/x``, ``/id/x`` → ``<id base>x``."""
    kind, _, local = path.lstrip("/").partition("/")
    if kind not in ("doc", "id") or not local:
        return None
    match = SUFFIX.match(local) if kind == "doc" else None
    if match and (match["suffix"].lower() == "html" or match["suffix"].lower() in FORMATS):
        local = match["local"]
    return _settings().id_base + local


def history_or_none() -> ReleaseHistory | None:
    snapshot = carrier_snapshot()
    return snapshot.history()


# -- Link headers ------------------------------------------------------------------------------------

def _link(target: str, rels: list[str], **attributes) -> str:
    extra = "".join(f'; {name}="{value}"' for name, value in attributes.items())
    return f'<{target}>; rel="{" ".join(rels)}"{extra}'


def memento_links(path: str, versions: list[PastRelease], around: PastRelease | None) -> list[str]:
    """original + timegate, timemap, and the mementos (first/last, prev/next of ``around``, itself)."""
    links = [_link(path, ["original", "timegate"]),
             _link(f"/timemap/link{path}", ["timemap"], type=LINK_FORMAT)]
    if not versions:
        return links
    rels: dict[str, list[str]] = {}
    marks = {"first": versions[0], "last": versions[-1]}
    if around is not None:
        before = [v for v in versions if v.position < around.position]
        after = [v for v in versions if v.position > around.position]
        marks.update({"prev": before[-1]} if before else {})
        marks.update({"next": after[0]} if after else {})
        marks["memento"] = around
    for rel, release in marks.items():
        rels.setdefault(release.id, []).append(rel)
    for release_id, names in rels.items():
        release = next(r for r in versions + [around] if r is not None and r.id == release_id)
        names = [n for n in ("first", "last", "prev", "next") if n in names] + ["memento"]
        links.append(_link(memento_path(release_id, path), names, datetime=http_date(release.created)))
    return links


# -- the original resources: TimeGate and links ------------------------------------------------------

@blueprint.before_app_request
def timegate():
    """``Accept-Datetime`` on /doc/… or /id/…: 302 to the memento in service at that time."""
    if request.endpoint not in TIMEGATES or "Accept-Datetime" not in request.headers:
        return None
    _check_local(request.view_args.get("local", ""))
    try:
        moment = parse_http_date(request.headers["Accept-Datetime"])
    except ValueError as error:
        return _plain(400, f"Malformed Accept-Datetime: {error}")
    history = history_or_none()
    versions = history.versions_of(resource_iri(request.path)) if history is not None else []
    if not versions:
        return None  # no past for this resource: the current answer
    in_service = history.at(moment)  # its memento is what the server answered then, byte for byte
    chosen = in_service if versions[0].position <= in_service.position else versions[0]
    response = redirect(memento_path(chosen.id, request.path), code=302)
    response.headers["Link"] = ", ".join(memento_links(request.path, versions, None))
    response.vary.add("Accept-Datetime")
    response.cache_control.no_cache = True  # the answer depends on the header; revalidate
    return response


@blueprint.after_app_request
def original_links(response: Response) -> Response:
    """Every answer of an original resource names its TimeGate and TimeMap and varies by the date."""
    return link_original(response, request.endpoint, request.path)


def link_original(response: Response, endpoint: str | None, path: str) -> Response:
    """:func:`original_links` without Flask's context (:mod:`.cached_answers`)."""
    if endpoint in TIMEGATES and (response.status_code < 400 or response.status_code == 410):
        response.vary.add("Accept-Datetime")
        if "Memento-Datetime" not in response.headers and response.status_code != 302:
            response.headers.add("Link", ", ".join(memento_links(path, [], None)))
    return response


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")


# -- mementos ---------------------------------------------------------------------------------------

@blueprint.route("/release/<release_id>/id/<path:local>", methods=["GET", "HEAD"])
def memento_thing(release_id, local):
    _check_local(local)
    past_release_snapshot(release_id)
    response = redirect(memento_path(release_id, f"/doc/{local}"), code=303)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


def past_release_snapshot(release_id: str):
    """Pin release ``release_id`` for this request (404 unknown, 410 beyond retention); its history entry."""
    history = current_history()
    past = history.release(release_id)
    snapshot = history.snapshot(past, carrier_snapshot().release())
    pin_snapshot(snapshot)
    g.ikpe_memento = past
    return past


@blueprint.route("/release/<release_id>/doc/<path:local>", methods=["GET", "HEAD"])
def memento_document(release_id, local):
    _check_local(local)
    carrier = carrier_snapshot().release()
    history = current_history()
    history.release(release_id)
    cache_key = document_key(carrier.id, request, current_language())  # the key cached_answers computes
    cached = page_cache.lookup(cache_key)
    if cached is not None:
        return cached.make_conditional(request)
    past = past_release_snapshot(release_id)
    prefix = memento_path(release_id, "")
    response = _document(local, request_snapshot(), _settings(), prefix=prefix)
    if response.status_code in (301, 302, 303) and response.location.startswith("/doc/"):
        response.location = prefix + response.location
    if response.status_code != 200:
        return response
    original = request.path[len(prefix):]
    _memento_headers(response, history, past, original)
    page_cache.keep(cache_key, response)
    return response.make_conditional(request)


def _memento_headers(response: Response, history: ReleaseHistory, past: PastRelease, original: str) -> None:
    versions = history.versions_of(resource_iri(original))
    response.headers.add("Link", ", ".join(memento_links(original, versions, past)))
    response.headers["Memento-Datetime"] = http_date(past.created)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = IMMUTABLE


# -- TimeMaps ---------------------------------------------------------------------------------------

def _timemap_versions(path: str) -> tuple[str, list[PastRelease]]:
    original = "/" + path
    if resource_iri(original) is None:
        abort(404)
    _check_local(path.partition("/")[2])
    versions = current_history().versions_of(resource_iri(original))
    if not versions:
        abort(404, description=gettext("This resource was never published here."))
    return original, versions


@blueprint.route("/timemap/link/<path:path>", methods=["GET", "HEAD"])
def timemap_link(path):
    original, versions = _timemap_versions(path)
    base = _settings().public_base
    lines = [_link(base + original, ["original"]), _link(base + original, ["timegate"]),
             _link(base + request.path, ["self"], type=LINK_FORMAT, **{"from": http_date(versions[0].created),
                                                                          "until": http_date(versions[-1].created)})]
    for number, release in enumerate(versions):
        rels = (["first"] if number == 0 else []) + (["last"] if number == len(versions) - 1 else []) + ["memento"]
        lines.append(_link(base + memento_path(release.id, original), rels, datetime=http_date(release.created)))
    response = Response(",\n".join(lines) + "\n", content_type=LINK_FORMAT)
    return cacheable(response, carrier_snapshot().release(), LINK_FORMAT)


@blueprint.route("/timemap/json/<path:path>", methods=["GET", "HEAD"])
def timemap_json(path):
    original, versions = _timemap_versions(path)
    base = _settings().public_base

    def entry(release: PastRelease) -> dict:
        return {"datetime": release.created.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "uri": base + memento_path(release.id, original), "release": release.id}

    body = {"original_uri": base + original, "timegate_uri": base + original,
            "timemap_uri": {"link_format": f"{base}/timemap/link{original}", "json_format": base + request.path},
            "mementos": {"first": entry(versions[0]), "last": entry(versions[-1]),
                         "list": [entry(r) for r in versions]}}
    response = Response(json.dumps(body, indent=1) + "\n", content_type="application/json")
    return cacheable(response, carrier_snapshot().release(), "json")


# -- what the templates show: the memento banner and "cite this version" ------------------------------

@blueprint.app_context_processor
def memento_context():
    return {"memento": g.get("ikpe_memento"), "citation": citation, "release_date": release_date}


def release_date(release: PastRelease) -> str:
    return local_datetime(release.created.astimezone(dt.timezone.utc), "medium") + " UTC"


def citation(base_path: str) -> dict:
    """How to cite the page at ``base_path``: the memento's URL, its date and the licence."""
    settings, past = _settings(), g.get("ikpe_memento")
    if past is None:
        release = carrier_snapshot().release()
        history = history_or_none()
        past = history.release(release.id) if history is not None and release.id in {
            r.id for r in history.retained} else None
        path = memento_path(past.id, base_path) if past is not None else base_path
    else:
        path = base_path
    return {"url": settings.public_base + path, "path": path, "date": release_date(past) if past is not None else None,
            "licence": str(DATA_LICENSE)}


def original_path(base_path: str) -> str:
    """``/release/<id>/doc/x`` → ``/doc/x``."""
    past = g.get("ikpe_memento")
    return base_path[len(memento_path(past.id, "")):] if past is not None else base_path


blueprint.add_app_template_global(original_path, "original_path")
