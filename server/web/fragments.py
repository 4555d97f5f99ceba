"""Triple Pattern Fragments (docs/fragments.md): one triple pattern of a release, page by page.

    /fragments?subject=&predicate=&object=&page=         the release in service; its own TimeGate
                                                         (``Accept-Datetime`` → 302 to the memento)
    /release/<id>/fragments?…                            a memento: the fragment as release <id> had it

Terms in the specification's syntax (:mod:`server.fragments.terms`), ``page`` from 1, 100 triples a
page. Every format of the registry and HTML; metadata and controls in a graph of their own where the
format has graphs. A fragment depends only on the release, the URL, ``Accept`` and (HTML) the
language: strong ``ETag``, ``Cache-Control`` for shared caches, kept in the response cache (and so sent
by :mod:`.cached_answers` without Flask); a memento is immutable.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from flask_babel import gettext

from ..fragments import (PAGE_SIZE, BadTerm, Count, Fragment, Interface, ReleaseCounts, count, fragment_url,
                         parse_pattern)
from ..fragments.document import PREFIXES as CONTROL_PREFIXES
from ..fragments.terms import POSITIONS
from ..kg.namespaces import PREFIXES
from ..store.embedded import graph_of
from ..store.history import parse_http_date
from . import conneg, page_cache
from .formats import FORMATS, HTML_MEDIA_TYPE, GraphContext, by_media_type
from .http_caching import cacheable, document_key
from .i18n import current_language
from .links import href
from .memento import IMMUTABLE, history_or_none, http_date, past_release_snapshot
from .store_access import carrier_snapshot, request_snapshot
from .versions import current_history, memento_path

blueprint = Blueprint("fragments", __name__)

TIMEGATE = "fragments.fragments"
PATH = "/fragments"
MAX_PAGE_DIGITS = 7
TERM_PREFIXES = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
# what an IRI keeps unencoded of a query string as sent (WHATWG URL: space " # < > are encoded)
QUERY_SAFE = "!$&'()*+,;=:@/?%-._~[]"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _settings():
    return current_app.config["SETTINGS"]


# -- the request ----------------------------------------------------------------------------------

def pattern_values() -> dict[str, str]:
    """subject, predicate, object as the client wrote them (400 when one is given twice)."""
    values = {}
    for name in POSITIONS:
        given = request.args.getlist(name)
        if len(given) > 1:
            abort(400, description=gettext("The %(name)s is given more than once.", name=name))
        values[name] = given[0] if given else ""
    return values


def page_number() -> int:
    """``page`` from 1 (400 for 0, a sign or anything not a number)."""
    given = request.args.getlist("page")
    if not given:
        return 1
    if len(given) > 1 or not given[0].isdigit() or len(given[0]) > MAX_PAGE_DIGITS or int(given[0]) < 1:
        abort(400, description=gettext("The page must be a number from 1 on."))
    return int(given[0])


def interface_root() -> str:
    """The public base where this request came to it (behind the proxy: https), else the host asked:
    the controls must lead a client back to this server."""
    public = _settings().public_base
    return public if urlsplit(public).netloc == request.host else request.host_url.rstrip("/")


def requested_url() -> str:
    query = quote(request.query_string.decode("utf-8", "replace"), safe=QUERY_SAFE)
    return interface_root() + request.path + ("?" + query if query else "")


def choose_format() -> str:
    """``html`` or a key of the format registry: ``?format=``, else by ``Accept`` (406 when nothing fits)."""
    asked = request.args.get("format", "")
    if asked == "html" or asked in FORMATS:
        return asked
    chosen = conneg.negotiate(request.headers.get("Accept"), conneg.offers())
    if chosen is None:
        abort(406)
    return "html" if chosen == HTML_MEDIA_TYPE else by_media_type(chosen).key


@functools.lru_cache(maxsize=8)
def _counts_of(release_id: str, folder: Path) -> ReleaseCounts | None:
    return ReleaseCounts.from_void(folder / "catalog" / "void.ttl")


def release_counts(info) -> ReleaseCounts | None:
    """The counts the release's VoID step wrote, read once per release (None: no folder here)."""
    return _counts_of(info.id, info.path) if info.path is not None else None


# -- the fragment ---------------------------------------------------------------------------------

def fragment_of(snapshot, base: str, counts: ReleaseCounts | None) -> Fragment:
    """The page of the requested pattern on ``snapshot`` (400 bad input, 404 a page past the last)."""
    values = pattern_values()
    try:
        pattern = parse_pattern(values, TERM_PREFIXES)
    except BadTerm as error:
        abort(400, description=str(error))
    number = page_number()
    triples = snapshot.triples_matching(pattern, (number - 1) * PAGE_SIZE, PAGE_SIZE + 1)
    if number > 1 and not triples:
        abort(404, description=gettext("This fragment has fewer pages."))
    interface = Interface(base, _settings().public_base + "/def/fragments#estimatedCount")
    titles = {"en": "Triple Pattern Fragment", "de": "Triple-Pattern-Fragment"}
    # the last page tells the exact count without counting again
    total = Count((number - 1) * PAGE_SIZE + len(triples), True) if len(triples) <= PAGE_SIZE and \
        (number == 1 or triples) else count(snapshot, pattern, counts)
    return Fragment(interface, values, pattern, number, triples, total, page_url=requested_url(), titles=titles)


OXIGRAPH_WRITERS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
                    "trig": ox.RdfFormat.TRIG}
ALL_PREFIXES = {**TERM_PREFIXES, **CONTROL_PREFIXES}


def write(fragment: Fragment, key: str) -> Response:
    """The fragment in format ``key``: data and metadata as graphs of one dataset where the format has
    graphs, else in one graph. pyoxigraph writes Turtle, N-Triples, N-Quads and TriG (no rdflib terms
    on the way); JSON-LD and RDF/XML go through the registry's rdflib writers."""
    fmt, data, metadata = FORMATS[key], fragment.page_triples, fragment.metadata()
    if key in ("nq", "trig"):
        named = fragment.interface.metadata_graph
        quads = [ox.Quad(t.subject, t.predicate, t.object) for t in data] + \
            [ox.Quad(t.subject, t.predicate, t.object, named) for t in metadata]
        body = ox.serialize(quads, format=OXIGRAPH_WRITERS[key],
                            **({"prefixes": ALL_PREFIXES} if key == "trig" else {}))
    elif key in OXIGRAPH_WRITERS:
        body = ox.serialize(data + metadata, format=OXIGRAPH_WRITERS[key],
                            **({"prefixes": ALL_PREFIXES} if key == "ttl" else {}))
    else:
        graph = graph_of(data + metadata)
        for prefix, namespace in ALL_PREFIXES.items():
            graph.bind(prefix, namespace)
        body = fmt.write(graph, GraphContext()).encode("utf-8")
    return Response(body, headers={"Content-Type": fmt.content_type})


def html(fragment: Fragment, memento_of: str | None = None) -> Response:
    def page_href(number: int) -> str:
        query = fragment_url("", fragment.values, number).lstrip("?")
        return f"{request.path}?{query + '&' if query else ''}lang={current_language()}"

    formats = [(f.key, (f.label, f.media_type)) for f in FORMATS.values()]
    page = render_template("fragments.html", fragment=fragment, term=term_view, values=fragment.values,
                           page_href=page_href, format_href=lambda key: page_href(fragment.number) + f"&format={key}",
                           formats=formats, memento_of=memento_of, page_size=PAGE_SIZE,
                           breadcrumbs=[(gettext("Home"), "/"), (gettext("Triple Pattern Fragments"), None)])
    return Response(page, mimetype="text/html")


def term_view(term) -> dict:
    """What the HTML shows of a term: its text, a link to its own page (our IRIs: their /doc page)."""
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        suffix = f"@{term.language}" if term.language else ("" if datatype == XSD_STRING else f"^^{datatype}")
        return {"text": term.value, "suffix": suffix, "href": None, "literal": True}
    if isinstance(term, ox.BlankNode):
        return {"text": str(term), "suffix": "", "href": None, "literal": False}
    target = href(term.value)
    if target is not None and target.startswith("/id/"):
        target = "/doc/" + target[len("/id/"):]
    return {"text": term.value, "suffix": "", "href": target, "literal": False}


def answer(snapshot, base: str, counts: ReleaseCounts | None, memento_of: str | None = None) -> tuple[Response, str]:
    key = choose_format()
    fragment = fragment_of(snapshot, base, counts)
    return (html(fragment, memento_of) if key == "html" else write(fragment, key)), key


def _vary(key: str) -> list[str]:
    return ["Accept"] + (["Accept-Language"] if key == "html" else [])


# -- routes ---------------------------------------------------------------------------------------

def _original() -> str:
    """The original resource (RFC 7089) of this fragment: /fragments with the request's query."""
    return PATH + ("?" + request.query_string.decode("latin-1") if request.query_string else "")


@blueprint.route(PATH, methods=["GET", "HEAD"])
def fragments():
    snapshot = request_snapshot()
    response, key = answer(snapshot, interface_root() + PATH, release_counts(snapshot.release()))
    response.headers.add("Link", f'<{_original()}>; rel="original timegate"')
    return cacheable(response, snapshot.release(), key, current_language() if key == "html" else None,
                     vary=_vary(key) + ["Accept-Datetime"], strong=True)


@blueprint.route("/release/<release_id>" + PATH, methods=["GET", "HEAD"])
def memento(release_id: str):
    """The fragment as release ``release_id`` had it (404 never published, 410 no longer kept)."""
    carrier = carrier_snapshot().release()
    current_history().release(release_id)
    cache_key = document_key(carrier.id, request, current_language())  # the key cached_answers computes
    cached = page_cache.lookup(cache_key)
    if cached is not None:
        return cached.make_conditional(request)
    past = past_release_snapshot(release_id)
    counts = release_counts(carrier)
    if counts is not None and past.id != carrier.id:
        counts = counts.as_bounds()  # the partitions of the release in service only bound a past one
    base = memento_path(release_id, PATH)
    response, key = answer(request_snapshot(), interface_root() + base, counts, memento_of=PATH)
    response.headers.add("Link", f'<{_original()}>; rel="original timegate", '
                                 f'<{request.full_path.rstrip("?")}>; rel="memento"; '
                                 f'datetime="{http_date(past.created)}"')
    response.headers["Memento-Datetime"] = http_date(past.created)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = IMMUTABLE
    response.vary.update(_vary(key))
    page_cache.keep(cache_key, response)
    return response.make_conditional(request)


@blueprint.before_app_request
def timegate():
    """``Accept-Datetime`` on /fragments: 302 to the memento of the release in service at that time."""
    if request.endpoint != TIMEGATE or "Accept-Datetime" not in request.headers:
        return None
    try:
        moment = parse_http_date(request.headers["Accept-Datetime"])
    except ValueError as error:
        return Response(f"Malformed Accept-Datetime: {error}\n", status=400, content_type="text/plain; charset=utf-8")
    history = history_or_none()
    if history is None:
        return None  # no past kept: the current answer
    chosen = history.at(moment)
    query = request.query_string.decode("latin-1")
    response = redirect(memento_path(chosen.id, PATH) + ("?" + query if query else ""), code=302)
    response.headers["Link"] = f'<{_original()}>; rel="original timegate"'
    response.vary.add("Accept-Datetime")
    response.cache_control.no_cache = True  # the answer depends on the header; revalidate
    return response
