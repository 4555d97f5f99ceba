"""Linked Data resources (W3C "Cool URIs for the Semantic Web", 303 pattern).

    /id/<local>              the thing: 303 See Other → /doc/<local>   (301 if moved, 410 if withdrawn)
    /doc/<local>             the document about it, negotiated on Accept (HTML, Turtle, JSON-LD, …)
    /doc/<local>.<suffix>    one format explicitly (ttl, jsonld, rdf, nt, nq, trig, html); ?format= too
    /def/<name>[.<suffix>]   the ontology (/def/ikpe, /def/ikpe/alignment) and shapes (/def/shapes)
    /list/<type>             index of the things of one type, paged and sortable by label
    /                        home page;  /sitemap.xml, /robots.txt
"""
from __future__ import annotations

import re
import threading

from cachetools import LRUCache
from flask import (Blueprint, Response, abort, current_app, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import gettext, lazy_gettext as _l
from rdflib import Literal, URIRef

from ..kg.namespaces import IKPE
from ..pictures import RECENT_PROJECTS
from ..pictures.summary import summary_of
from ..sitemap import INDEX, INDEX_TYPES, part_name
from ..sitemap.lists import SortedItems, SortedList, members_query, sort_items
from . import sitemap as sitemaps
from .conneg import negotiate, offers
from .describe import DATA_LICENSE, DATASET_PATH, Document, document, iri_ref, resource_exists
from .formats import FORMATS, HTML_MEDIA_TYPE, by_media_type, graph_response
from . import page_cache
from .http_caching import cache_publicly, cacheable, document_key
from .i18n import current_language
from .lifecycle import tombstone
from .links import LOCAL_NAME, href, on_this_server
from .presentation import View
from .schema_org import dataset_entity, item_list_entity, main_entity, script_json
from .store_access import request_snapshot
from .vocabulary import VocabularyView, find_document, subproperties

blueprint = Blueprint("resources", __name__)

MAX_PATH = 512
SUFFIX = re.compile(r"^(?P<local>.+?)\.(?P<suffix>[A-Za-z0-9-]{1,10})$")

HOME_DESCRIPTION = _l("This dataset describes the projects of the Institut für Kommunale Planung und Entwicklung "
                      "e.V. (Erfurt), the organisations and people behind them and the Thuringian "
                      "Gebietskörperschaften taking part, each fact with its source.")
PLURALS = {
    "project": _l("Projects"), "programme": _l("Funding programmes"), "organisation": _l("Organisations"),
    "unit": _l("Organisational units"), "person": _l("People"), "gebietskoerperschaft": _l("Gebietskörperschaften"),
    "role": _l("Roles and participations"), "funding": _l("Fundings"), "concept": _l("Concepts"),
    "scheme": _l("Concept schemes"), "source": _l("Source documents"), "reference": _l("Reference datasets"),
    "event": _l("Change events"),
}


@blueprint.app_context_processor
def template_globals():
    from .presentation import NS

    return {"ns": NS}


@blueprint.app_template_filter("local_link")
def local_link(iri) -> str:
    return href(str(iri)) or ""


def _gone(iri: str):
    """410 Gone with what the tombstone says (label, date, history note)."""
    from rdflib.namespace import SKOS as _SKOS

    from .dates import format_partial_date
    from .describe import describe

    lang = current_language()
    graph = describe(request_snapshot(), iri)
    view = View(graph, iri, lang)
    withdrawn = next(iter(graph.objects(URIRef(iri), IKPE.withdrawnOn)), None)
    html = render_template("errors/410.html", breadcrumbs=None, tomb_label=view.title,
                           withdrawn=format_partial_date(withdrawn, lang) if withdrawn is not None else None,
                           history=view.text(_SKOS.historyNote))
    return cache_publicly(Response(html, status=410, mimetype="text/html"), vary=["Accept-Language"])


def _settings():
    return current_app.config["SETTINGS"]


def _check_local(local: str) -> None:
    """Refuse what cannot name a resource: traversal (400), overlong (414), odd characters (404)."""
    if len(local) > MAX_PATH:
        abort(414)
    if any(segment in ("..", ".") for segment in local.split("/")) or "\\" in local or "\x00" in local:
        abort(400)
    if not LOCAL_NAME.match(local):
        abort(404)


# -- things -----------------------------------------------------------------------------------------

@blueprint.route("/id/<path:local>", methods=["GET", "HEAD"])
def thing(local):
    _check_local(local)
    settings = _settings()
    iri = settings.id_base + local
    gone = tombstone(request_snapshot(), iri)
    if gone is not None and not gone.gone:
        return redirect(on_this_server(gone.moved_to), code=301)
    if gone is not None:
        return _gone(iri)
    if not resource_exists(request_snapshot(), iri):
        abort(404)
    response = redirect(url_for("resources.document", local=local), code=303)
    response.headers["Link"] = f'<{url_for("resources.document", local=local)}>; rel="describedby"'
    return cache_publicly(response)


def _split_format(local: str, exists) -> tuple[str, str | None]:
    """``project/thilik.ttl`` → (``project/thilik``, ``ttl``) unless a resource has the dotted name."""
    match = SUFFIX.match(local)
    if not match or exists(local):
        return local, None
    suffix = match["suffix"].lower()
    if suffix != "html" and suffix not in FORMATS:
        abort(404, description=gettext("Unknown format “.%(suffix)s”. Available: %(formats)s.", suffix=suffix,
                                       formats=", ".join(["html"] + list(FORMATS))))
    return match["local"], suffix


def _chosen_media_type(suffix: str | None) -> str:
    if suffix is None and request.args.get("format"):
        suffix = request.args["format"].lower()
        if suffix != "html" and suffix not in FORMATS:
            abort(400, description=gettext("Unknown format “%(suffix)s”. Available: %(formats)s.", suffix=suffix,
                                           formats=", ".join(["html"] + list(FORMATS))))
    if suffix is not None:
        return HTML_MEDIA_TYPE if suffix == "html" else FORMATS[suffix].media_type
    chosen = negotiate(request.headers.get("Accept"), offers())
    if chosen is None:
        raise NotAcceptable(offers())
    return chosen


class NotAcceptable(Exception):
    def __init__(self, available):
        self.available = available


@blueprint.app_errorhandler(NotAcceptable)
def not_acceptable(error):
    base = request.path
    lines = [gettext("None of the media types in your Accept header is available here. Available:"), ""]
    lines += [f"{t}\t{base}.{_suffix_of(t)}" for t in error.available]
    response = make_response("\n".join(lines) + "\n", 406)
    response.mimetype = "text/plain"
    response.headers["Link"] = _alternates(base, error.available)
    response.vary.add("Accept")
    return response


def _suffix_of(media_type: str) -> str:
    fmt = by_media_type(media_type)
    return fmt.key if fmt else "html"


def _alternates(base_path: str, media_types) -> str:
    return ", ".join(f'<{base_path}.{_suffix_of(t)}>; rel="alternate"; type="{t}"' for t in media_types)


def _format_links(base_path: str) -> list[dict]:
    return [{"label": f.label, "href": f"{base_path}.{f.key}", "type": f.media_type} for f in FORMATS.values()]


def _negotiated(response: Response, release, media_type: str, negotiated: bool, base_path: str,
                lang: str | None, extra_vary=(), conditional=True):
    response.headers["Link"] = _alternates(base_path, offers())
    if negotiated:
        response.headers["Content-Location"] = f"{base_path}.{_suffix_of(media_type)}"
    vary = (["Accept"] if negotiated else []) + list(extra_vary)
    if media_type == HTML_MEDIA_TYPE:
        vary.append("Accept-Language")
    return cacheable(response, release, media_type, lang, vary=vary, conditional=conditional)


@blueprint.route("/doc/<path:local>", methods=["GET", "HEAD"], endpoint="document")
def document_view(local):
    _check_local(local)
    store, settings = request_snapshot(), _settings()
    # rendered documents are kept per (release, path, query, the type Accept selects, language): a hit
    # skips the queries and the rendering; the release pinned for this request is part of the key
    cache_key = document_key(store.release().id, request, current_language())
    cached = page_cache.lookup(cache_key)
    if cached is not None:
        return cached.make_conditional(request)
    response = _document(local, store, settings)
    if response.status_code != 200:  # 301 to a new address, 410: answered as they are, not kept
        return response
    page_cache.keep(cache_key, response)
    return response.make_conditional(request)


def _document(local: str, store, settings, prefix: str = "") -> Response:
    """The complete answer of ``/doc/<local>`` (before the 304 check), or a redirect / 410 / error;
    ``prefix``: the release-bound path of a memento (``/release/<id>``), for its own links."""
    local, suffix = _split_format(local, lambda name: resource_exists(store, settings.id_base + name))
    iri = settings.id_base + local
    gone = tombstone(store, iri)
    if gone is not None:
        if gone.gone:
            return _gone(iri)
        target = on_this_server(gone.moved_to).replace("/id/", "/doc/", 1)
        return redirect(target + (f".{suffix}" if suffix else ""), code=301)
    media_type = _chosen_media_type(suffix)
    negotiated = suffix is None and not request.args.get("format")
    release = store.release()
    base_path = prefix + "/doc/" + local
    doc = document(store, settings, iri, "/doc/" + local, release)  # a memento describes the original
    if doc is None:
        abort(404)
    if media_type != HTML_MEDIA_TYPE:
        response = graph_response(doc.graph, by_media_type(media_type).key, doc)
        return _negotiated(response, release, media_type, negotiated, base_path, None, conditional=False)
    lang = current_language()
    response = Response(_document_html(doc, base_path, lang, store, settings), mimetype="text/html")
    return _negotiated(response, release, media_type, negotiated, base_path, lang, conditional=False)


def _document_html(doc: Document, base_path: str, lang: str, store, settings) -> str:
    iri = str(doc.topic)
    page = request.args.get("page", "1")
    view = View(doc.graph, iri, lang, page=int(page) if page.isdigit() else 1, page_size=settings.page_size,
                subproperties=subproperties(store), skip_subjects=[doc.document_iri])
    return render_template(
        f"resource_{view.kind}.html", view=view, iri=iri, formats=_format_links(base_path), base_path=base_path,
        breadcrumbs=_breadcrumbs(view), jsonld=script_json(main_entity(doc.graph, iri, lang,
                                                                          settings.public_base + base_path)))


def _breadcrumbs(view: View) -> list[tuple[str, str | None]]:
    crumbs = [(gettext("Home"), "/")]
    for slug, cls in INDEX_TYPES.items():
        if cls in set(view.types()):
            crumbs.append((str(PLURALS[slug]), url_for("resources.type_index", slug=slug)))
            break
    crumbs.append((view.title, None))
    return crumbs


# -- home and index pages ---------------------------------------------------------------------------

def _counts(store) -> dict[str, int]:
    summary = summary_of(store)  # counted at build time: the query below scans every typed thing
    if summary is not None:
        return {slug: summary["things_per_class"].get(str(cls), 0) for slug, cls in INDEX_TYPES.items()}
    values = " ".join(iri_ref(str(c)) for c in INDEX_TYPES.values())
    rows = store.select(
        f"SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?type {{ {values} }} ?s a ?type "
        f"FILTER NOT EXISTS {{ ?s a {iri_ref(str(IKPE.Tombstone))} }} }} GROUP BY ?type")
    by_class = {str(r["type"]): int(r["n"]) for r in rows}
    return {slug: by_class.get(str(cls), 0) for slug, cls in INDEX_TYPES.items()}


@blueprint.route("/", methods=["GET", "HEAD"])
def home():
    store = request_snapshot()
    release = store.release()
    counts = _counts(store)
    types = [{"slug": s, "label": str(PLURALS[s]), "count": n, "href": url_for("resources.type_index", slug=s)}
             for s, n in counts.items() if n]
    base = _settings().public_base
    dataset = dataset_entity(base + DATASET_PATH, gettext("Projects, actors and places of the IKPE"),
                             str(HOME_DESCRIPTION), str(DATA_LICENSE), base + "/")
    html = render_template("home.html", types=types, release=release, triples=release.manifest.get("triples"),
                           breadcrumbs=None, jsonld=script_json(dataset), projects=counts["project"],
                           recent=min(counts["project"], RECENT_PROJECTS))
    return cacheable(Response(html, mimetype="text/html"), release, current_language(), vary=["Accept-Language"])


LISTS = "ikpe_index_lists"


def _sorted_list(store, slug: str, lang: str):
    """The things of the type ``slug`` sorted by their label in ``lang``: the list the build wrote
    (read a page at a time), else read and sorted here once per release and language."""
    written = SortedList.open(store.release().path, slug, lang)
    return written if written is not None else SortedItems(_index_items(store, slug, lang))


def _index_items(store, slug: str, lang: str) -> list[tuple]:
    """Sorted in the app (kept per release and language, eight lists at a time): for a release
    built without the lists (``server/sitemap/lists.py``)."""
    if LISTS not in current_app.extensions:
        current_app.extensions.setdefault(LISTS, (LRUCache(8), threading.Lock()))
    cache, lock = current_app.extensions[LISTS]
    key = (store.release().id, slug, lang)
    with lock:
        items = cache.get(key)
    if items is None:
        items = _read_index_items(store, INDEX_TYPES[slug], lang)
        with lock:
            cache[key] = items
    return items


def _read_index_items(store, cls, lang: str) -> list[tuple]:
    labels: dict = {}
    for row in store.select(members_query(str(cls))):
        texts = labels.setdefault(str(row["s"]), [])
        if isinstance(row.get("label"), Literal):
            texts.append((str(row["label"]), row["label"].language))
    return sort_items(labels, lang)


@blueprint.route("/list/<slug>", methods=["GET", "HEAD"])
def type_index(slug):
    if slug not in INDEX_TYPES:
        abort(404)
    store, settings = request_snapshot(), _settings()
    release = store.release()
    lang = current_language()
    order = request.args.get("order", "asc")
    if order not in ("asc", "desc") or request.args.get("sort", "label") != "label":
        abort(400, description=gettext("Sort by “label”, order “asc” or “desc”."))
    things = _sorted_list(store, slug, lang)
    size = settings.page_size
    pages = max(1, (things.total + size - 1) // size)
    page_arg = request.args.get("page", "1")
    if not page_arg.isdigit() or not 1 <= int(page_arg) <= pages:
        abort(404)
    page = int(page_arg)
    start = (page - 1) * size
    shown = [{"iri": iri, "label": label, "lang": label_lang, "href": href(iri)}
             for iri, label, label_lang in things.slice(start, size, descending=order == "desc")]
    listing = item_list_entity(str(PLURALS[slug]), [(i["iri"], i["label"]) for i in shown], start + 1,
                               things.total, f"{settings.public_base}/list/{slug}")
    html = render_template("type_index.html", slug=slug, title=str(PLURALS[slug]),
                           items=shown, total=things.total, page=page, pages=pages,
                           order=order, class_iri=str(INDEX_TYPES[slug]), jsonld=script_json(listing),
                           breadcrumbs=[(gettext("Home"), "/"), (str(PLURALS[slug]), None)])
    return cacheable(Response(html, mimetype="text/html"), release, lang, vary=["Accept-Language"])


# -- the /def/ namespace ----------------------------------------------------------------------------

@blueprint.route("/def/<path:name>", methods=["GET", "HEAD"])
def vocabulary(name):
    _check_local(name)
    settings, release = _settings(), request_snapshot().release()
    found = find_document(release, f"{settings.public_base}/def/{name}")
    suffix = None
    if found is None:
        match = SUFFIX.match(name)
        if not match:
            abort(404)
        name, suffix = match["local"], match["suffix"].lower()
        found = find_document(release, f"{settings.public_base}/def/{name}")
        if found is None:
            abort(404)
        if suffix != "html" and suffix not in FORMATS:
            abort(404, description=gettext("Unknown format “.%(suffix)s”.", suffix=suffix))
    iri, graph = found
    media_type = _chosen_media_type(suffix)
    negotiated = suffix is None and not request.args.get("format")
    base_path = f"/def/{name}"
    if media_type != HTML_MEDIA_TYPE:
        response = graph_response(graph, by_media_type(media_type).key, Document(URIRef(iri), iri, graph))
        return _negotiated(response, release, media_type, negotiated, base_path, None)
    lang = current_language()
    view = VocabularyView(graph, iri, lang, settings.public_base)
    template = "shapes.html" if name == "shapes" else "ontology.html"
    html = render_template(template, vocab=view, iri=iri, formats=_format_links(base_path),
                           breadcrumbs=[(gettext("Home"), "/"), (view.title, None)])
    return _negotiated(Response(html, mimetype="text/html"), release, media_type, negotiated, base_path, lang)


# -- crawlers ---------------------------------------------------------------------------------------

@blueprint.route("/sitemap.xml", methods=["GET", "HEAD"])
def sitemap():
    return sitemaps.sitemap_file(request_snapshot().release(), INDEX)


@blueprint.route("/sitemap-<int:number>.xml.gz", methods=["GET", "HEAD"])
def sitemap_part(number: int):
    return sitemaps.sitemap_file(request_snapshot().release(), part_name(number))


@blueprint.route("/robots.txt", methods=["GET", "HEAD"])
def robots():
    return Response(sitemaps.robots(_settings().public_base), mimetype="text/plain")


__all__ = ["blueprint", "INDEX_TYPES", "DATASET_PATH"]
