"""The catalog area: DCAT-AP.de catalog with Hydra paging, VoID, and the dumps.

Routes (all GET and HEAD; HEAD answers like GET without a body, never 404/405 where GET works):

``/catalog`` and ``/catalog.{ttl,rdf,jsonld,nt,html}``
    the catalog, paged (``?page=N``, page size setting ``page_size``; optional ``?modified_since=``
    ISO date or date-time). Without an Accept header, or with ``*/*``, the answer is RDF/XML (what
    CKAN harvesters parse most reliably); browsers asking for ``text/html`` get an HTML view.
``/catalog/<path>``
    the description of one catalog resource (a dataset, distribution, the service, a linkset).
``/.well-known/void`` and ``/.well-known/void.{ttl,rdf,jsonld,nt}``
    the VoID description (Turtle by default).
``/dumps/<file>``, ``/dumps/projects/<file>``, ``/dumps/<release>/<file>``
    the dump files of the release in service, and of every release still kept (versioned URLs).

Every RDF answer carries only absolute IRIs built from ``public_base``; every response of the app
that is RDF or HTML gets ``Link`` headers to the catalog and the VoID description.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, send_file
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS

from .. import catalog as catalog_data
from ..catalog import hydra
from ..catalog.vocab import bind_prefixes
from ..store import StoreUnavailable
from .store_access import request_snapshot

blueprint = Blueprint("catalog", __name__)


# -- formats and content negotiation ------------------------------------------------------------------

def _jsonld(graph: Graph) -> str:
    """JSON-LD with an inline @context (harvesters must not fetch a remote context)."""
    context = {prefix: str(ns) for prefix, ns in graph.namespaces()
               if prefix and any(str(t).startswith(str(ns)) for t in graph.predicates())}
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    return json.dumps(json.loads(text), ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class Format:
    key: str
    media_type: str
    write: Callable[[Graph], str]


FORMATS = {f.key: f for f in (
    Format("rdf", "application/rdf+xml", lambda g: g.serialize(format="pretty-xml")),
    Format("ttl", "text/turtle", lambda g: g.serialize(format="turtle")),
    Format("jsonld", "application/ld+json", _jsonld),
    Format("nt", "application/n-triples",
           lambda g: "".join(sorted(line + "\n" for line in g.serialize(format="nt").splitlines() if line))),
)}
# media types a client may ask for → format key ("html" for the HTML view); order breaks ties
OFFERS = [("application/rdf+xml", "rdf"), ("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
          ("application/n-triples", "nt"), ("text/html", "html"), ("application/xhtml+xml", "html"),
          ("application/json", "jsonld"), ("application/xml", "rdf"), ("text/n3", "ttl")]


def negotiate(default: str, html: bool) -> str:
    """The format key for this request's Accept header; no header or ``*/*`` gives ``default``."""
    if not request.headers.get("Accept", "").strip():
        return default
    offers = [m for m, key in OFFERS if html or key != "html"]
    if default != "rdf":  # the default comes first, so that */* picks it
        offers.sort(key=lambda m: dict(OFFERS)[m] != default)
    best = request.accept_mimetypes.best_match(offers)
    if best is None:
        abort(406)
    return dict(OFFERS)[best]


def _settings():
    return current_app.config["SETTINGS"]


def _release_catalog() -> catalog_data.ReleaseCatalog:
    try:
        info = request_snapshot().release()
    except StoreUnavailable:
        abort(503)
    if info.path is None or not (info.path / "catalog" / "index.json").exists():
        abort(503)
    return catalog_data.load(info.path.resolve())


def discovery_links() -> list[str]:
    """``Link`` header values pointing to the catalog, the VoID description and the dataset.

    ``collection`` (RFC 6573): the document is a member of the data the catalog lists;
    ``describedby``: the VoID description of the dataset the document belongs to;
    ``void:inDataset``: the dataset IRI itself (it dereferences to its DCAT and VoID description).
    """
    base = _settings().public_base
    return [f'<{base}/catalog>; rel="collection"; type="application/rdf+xml"; title="DCAT-AP.de catalog"',
            f'<{base}/.well-known/void>; rel="describedby"; type="text/turtle"; title="VoID"',
            f'<{base}/catalog/dataset/ikpe>; rel="http://rdfs.org/ns/void#inDataset"']


def _rdf_response(graph: Graph, fmt: str, etag_parts: tuple, extra_links=()) -> Response:
    chosen = FORMATS[fmt]
    body = chosen.write(graph).encode("utf-8")
    response = Response(body, content_type=f"{chosen.media_type}; charset=utf-8")
    return _finish(response, etag_parts + (fmt,), extra_links)


def _finish(response: Response, etag_parts: tuple, extra_links=()) -> Response:
    settings = _settings()
    response.headers["Vary"] = "Accept"
    response.set_etag(hashlib.sha256("|".join(map(str, etag_parts)).encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={settings.cache_max_age}"
    response.headers["Access-Control-Allow-Origin"] = settings.cors_origins
    response.headers.setdefault("Access-Control-Expose-Headers", "Link, ETag, Content-Length")
    for link in extra_links:
        response.headers.add("Link", link)
    return response.make_conditional(request)


@blueprint.after_app_request
def add_discovery_links(response: Response) -> Response:
    """Every RDF document and HTML page of the app links to the catalog and the VoID description."""
    mimetype = response.mimetype or ""
    rdf_types = {f.media_type for f in FORMATS.values()} | {"application/n-quads", "application/trig"}
    if mimetype in rdf_types or mimetype == "text/html":
        existing = " ".join(response.headers.getlist("Link"))
        for link in discovery_links():
            if link.split(";", 1)[0] not in existing:
                response.headers.add("Link", link)
    return response


def _alternates(path: str, query: str, keys) -> list[str]:
    base = _settings().public_base
    suffix = f"?{query}" if query else ""
    links = []
    for key in keys:
        media = FORMATS[key].media_type if key in FORMATS else "text/html"
        links.append(f'<{base}{path}.{key}{suffix}>; rel="alternate"; type="{media}"')
    return links


# -- the catalog ---------------------------------------------------------------------------------------

def _page_args() -> tuple[int, object, str]:
    raw_page = request.args.get("page", "1")
    if not raw_page.isdigit() or int(raw_page) < 1:
        abort(400, description="page must be a positive integer")
    try:
        since = hydra.parse_modified_since(request.args.get("modified_since"))
    except ValueError:
        abort(400, description="modified_since must be an ISO 8601 date or date-time")
    return int(raw_page), since, request.args.get("modified_since", "")


@blueprint.route("/catalog", methods=["GET"])
@blueprint.route("/catalog.<ext>", methods=["GET"])
def catalog(ext: str | None = None):
    if ext is not None and ext not in FORMATS and ext != "html":
        abort(404)
    fmt = ext or negotiate("rdf", html=True)
    page, since, since_text = _page_args()
    cat = _release_catalog()
    settings = _settings()
    entries = hydra.select(cat.datasets, since)
    path = "/catalog" + (f".{ext}" if ext else "")

    def url_for_page(n: int) -> str:
        params = ([("modified_since", since_text)] if since_text else []) + [("page", str(n))]
        return f"{settings.public_base}{path}?{urlencode(params)}"

    try:
        graph = hydra.build_page(cat.head(), cat.dataset_graph, entries, cat.catalog, page, settings.page_size,
                                 url_for_page)
    except hydra.PageNotFound:
        abort(404)
    query = request.query_string.decode("utf-8", "replace")
    links = _alternates("/catalog", query, ["rdf", "ttl", "jsonld", "nt", "html"])
    if fmt == "html":
        response = Response(_catalog_html(cat, graph, entries, page, url_for_page))
        return _finish(response, ("catalog", cat.folder.name, page, since_text, request.accept_languages,
                                  request.args.get("lang", "")), links)
    return _rdf_response(graph, fmt, ("catalog", cat.folder.name, page, since_text), links)


# German for interface texts of the catalog pages that the shared message catalog does not have yet
GERMAN = {"Web page": "Webseite", "This description as": "Diese Beschreibung als", "This catalog as": "Dieser Katalog als",
          "%(total)s datasets, page %(page)s of %(last)s": "%(total)s Datensätze, Seite %(page)s von %(last)s",
          "Pages": "Seiten", "Previous page": "Vorige Seite", "Next page": "Nächste Seite", "Period": "Zeitraum",
          "Spatial coverage": "Räumliche Abdeckung", "Keywords": "Schlagwörter", "Licence": "Lizenz",
          "Modified": "Geändert", "Identifier": "Kennung", "Download": "Herunterladen", "Catalog": "Katalog",
          "Bytes": "Bytes"}


@blueprint.app_template_global("catalog_text")
def interface_text(text: str, **values) -> str:
    """Flask-Babel's translation, else our German fallback (English is the msgid)."""
    from flask_babel import gettext

    from .i18n import current_language

    translated = gettext(text, **values)
    if current_language() == "de" and translated == (text % values if values else text) and text in GERMAN:
        return GERMAN[text] % values if values else GERMAN[text]
    return translated


def _local(iri) -> str:
    """Links in our HTML stay on the answering server (root-relative) for IRIs under the public base."""
    base = _settings().public_base
    iri = str(iri)
    return iri[len(base):] if iri.startswith(base + "/") else iri


def _text(graph: Graph, subject, predicate, lang: str) -> str:
    values = {o.language: str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal)}
    return values.get(lang) or values.get("de") or next(iter(values.values()), "")


def _dataset_view(graph: Graph, dataset, lang: str) -> dict:
    """What the HTML shows of one dataset (title, text, period, places, downloads with checksums)."""
    spdx = Namespace("http://spdx.org/rdf/terms#")
    dists = []
    for dist in sorted(graph.objects(dataset, DCAT.distribution)):
        checksum = graph.value(dist, spdx.checksum)
        dists.append({"title": _text(graph, dist, DCTERMS.title, lang),
                      "url": _local(graph.value(dist, DCAT.downloadURL) or graph.value(dist, DCAT.accessURL)),
                      "size": graph.value(dist, DCAT.byteSize),
                      "sha256": graph.value(checksum, spdx.checksumValue) if checksum is not None else None})
    period = graph.value(dataset, DCTERMS.temporal)
    return {
        "iri": str(dataset), "page": _local(dataset), "title": _text(graph, dataset, DCTERMS.title, lang),
        "description": _text(graph, dataset, DCTERMS.description, lang),
        "landing": _local(graph.value(dataset, DCAT.landingPage) or dataset),
        "keywords": sorted(str(k) for k in graph.objects(dataset, DCAT.keyword) if k.language == lang),
        "start": graph.value(period, DCAT.startDate) if period is not None else None,
        "end": graph.value(period, DCAT.endDate) if period is not None else None,
        "modified": graph.value(dataset, DCTERMS.modified), "distributions": dists,
        "spatial": sorted(_text(graph, s, SKOS.prefLabel, lang) for s in graph.objects(dataset, DCTERMS.spatial)),
    }


def _catalog_html(cat, graph: Graph, entries, page: int, url_for_page) -> str:
    from .i18n import current_language

    lang = current_language()
    order = [e["iri"] for e in cat.datasets]
    datasets = [_dataset_view(graph, d, lang)
                for d in sorted(graph.objects(cat.catalog, DCAT.dataset), key=lambda d: order.index(str(d)))]
    last = hydra.page_count(len(entries), _settings().page_size)
    title = _text(graph, cat.catalog, DCTERMS.title, lang)
    return render_template(
        "catalog.html", title=title, description=_text(graph, cat.catalog, DCTERMS.description, lang),
        datasets=datasets, page=page, last=last, total=len(entries),
        previous_url=_local(url_for_page(page - 1)) if page > 1 else None,
        next_url=_local(url_for_page(page + 1)) if page < last else None,
        formats=[(f.key, f.media_type) for f in FORMATS.values()], query=request.query_string.decode(),
        breadcrumbs=[("IKPE Linked Open Data", "/"), (title, None)])


# -- single catalog resources ------------------------------------------------------------------------

def _describe(graph: Graph, subject: URIRef) -> Graph:
    """The triples about ``subject`` and, recursively, about the blank nodes they lead to."""
    out = bind_prefixes(Graph())
    todo, seen = [subject], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            out.add((node, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return out


@blueprint.route("/catalog/<path:rest>", methods=["GET"])
def catalog_resource(rest: str):
    match = re.fullmatch(r"(.+?)(?:\.(ttl|rdf|jsonld|nt))?", rest)
    local, ext = match.group(1), match.group(2)
    cat = _release_catalog()
    iri = URIRef(f"{cat.base}/catalog/{local}")
    graph = _describe(cat.about(str(iri)), iri)
    for triple in _describe(cat.void, iri):
        graph.add(triple)
    if not len(graph):
        abort(404)
    if (iri, RDF.type, DCAT.Dataset) in graph:  # a dataset: with its distributions and locations
        graph = bind_prefixes(Graph())
        for triple in cat.dataset_graph(str(iri)):
            graph.add(triple)
        for triple in _describe(cat.void, iri):
            graph.add(triple)
        # the agents and the service it points to, so the document stands on its own
        head = cat.head()
        for p in (DCTERMS.publisher, DCAT.contactPoint, DCAT.accessService):
            for node in set(graph.objects(None, p)):
                for s_, p_, o_ in _describe(head, node):
                    if p_ != DCAT.servesDataset or o_ == iri:  # only links to datasets in this document
                        graph.add((s_, p_, o_))
    fmt = ext or negotiate("ttl", html=True)
    links = _alternates(f"/catalog/{local}", "", ["ttl", "rdf", "jsonld", "nt"])
    if fmt == "html":
        if (iri, RDF.type, DCAT.Dataset) not in graph:  # people read about a dataset on its page
            owner = next((d for d in cat.datasets if str(iri).startswith(d["iri"] + "/")), None)
            return redirect(_local(owner["iri"]) if owner else "/catalog", code=303)
        from .i18n import current_language

        view = _dataset_view(graph, iri, current_language())
        html = render_template("catalog_dataset.html", dataset=view, local=local,
                               formats=[(f.key, f.media_type) for f in FORMATS.values()],
                               breadcrumbs=[("IKPE Linked Open Data", "/"), (_text(cat.head(), cat.catalog, DCTERMS.title,
                                            current_language()), "/catalog"), (view["title"], None)])
        return _finish(Response(html), ("resource-html", cat.folder.name, local, current_language()), links)
    return _rdf_response(graph, fmt, ("resource", cat.folder.name, local), links)


# -- VoID -----------------------------------------------------------------------------------------------

@blueprint.route("/.well-known/void", methods=["GET"])
@blueprint.route("/.well-known/void.<ext>", methods=["GET"])
def void(ext: str | None = None):
    if ext is not None and ext not in FORMATS:
        abort(404)
    cat = _release_catalog()
    fmt = ext or negotiate("ttl", html=False)
    return _rdf_response(cat.void, fmt, ("void", cat.folder.name),
                         _alternates("/.well-known/void", "", ["ttl", "rdf", "jsonld", "nt"]))


# -- dumps ----------------------------------------------------------------------------------------------

# Content-Type of each dump file. ``*.nt.gz`` is served as the gzip file it is (no Content-Encoding),
# so the bytes a client saves are the bytes the checksum covers; ``*.nt`` is the same content as
# N-Triples, gzip-encoded for clients that accept it (see _uncompressed_ntriples).
DUMP_TYPES = {".ttl": "text/turtle; charset=utf-8", ".jsonld": "application/ld+json; charset=utf-8",
              ".rdf": "application/rdf+xml; charset=utf-8", ".gz": "application/gzip",
              "SHA256SUMS": "text/plain; charset=utf-8"}
RELEASE_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?$")
FILE_NAME = re.compile(r"^(projects/)?[A-Za-z0-9][A-Za-z0-9._-]*$")


def _checksums(folder: Path) -> dict[str, str]:
    sums = {}
    for sumfile, prefix in ((folder / "SHA256SUMS", ""), (folder / "projects" / "SHA256SUMS", "projects/")):
        if sumfile.exists():
            for line in sumfile.read_text(encoding="utf-8").splitlines():
                digest, _, name = line.partition("  ")
                sums[prefix + name] = digest
    return sums


@blueprint.route("/dumps/<path:rest>", methods=["GET"])
def dumps(rest: str):
    info = _current_release_info()
    releases = info.path.parent
    release, name = info.id, rest
    first, _, remainder = rest.partition("/")
    versioned = bool(RELEASE_ID.match(first))
    if versioned:
        release, name = first, remainder
    if not FILE_NAME.match(name) or ".." in name:
        abort(404)
    folder = (releases / release / "dumps") if versioned else info.path / "dumps"
    if not folder.is_dir():
        abort(404)
    if name.endswith(".nt"):
        return _uncompressed_ntriples(folder, name, release, versioned)
    path = folder / name
    if not path.is_file():
        abort(404)
    kind = "SHA256SUMS" if path.name == "SHA256SUMS" else path.suffix
    if kind not in DUMP_TYPES:
        abort(404)
    digest = _checksums(folder).get(name) or hashlib.sha256(path.read_bytes()).hexdigest()
    response = send_file(path, mimetype=DUMP_TYPES[kind].split(";")[0], conditional=True, etag=digest,
                         max_age=_settings().cache_max_age if not versioned else 31536000)
    response.headers["Content-Type"] = DUMP_TYPES[kind]
    base = _settings().public_base
    if not versioned:
        response.headers.add("Link", f'<{base}/dumps/{release}/{name}>; rel="duplicate"')
    sums = f'{base}/dumps/{release + "/" if versioned else ""}{"projects/" if name.startswith("projects/") else ""}SHA256SUMS'
    response.headers.add("Link", f'<{sums}>; rel="describedby"; type="text/plain"')
    for link in discovery_links():
        response.headers.add("Link", link)
    response.headers["Access-Control-Allow-Origin"] = _settings().cors_origins
    response.headers["Digest"] = "sha-256=" + _b64(digest)
    return response


def _b64(hexdigest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hexdigest)).decode()


def _uncompressed_ntriples(folder: Path, name: str, release: str, versioned: bool) -> Response:
    """``*.nt``: the N-Triples of ``*.nt.gz`` as ``application/n-triples``.

    A client that accepts gzip gets the stored gzip bytes with ``Content-Encoding: gzip`` (the
    representation is N-Triples, the coding is a transfer detail); others get the decompressed bytes.
    """
    gz = folder / (name + ".gz")
    if not gz.is_file():
        abort(404)
    digest = _checksums(folder).get(name + ".gz", "")
    with gz.open("rb") as handle:
        handle.seek(-4, 2)
        size = struct.unpack("<I", handle.read(4))[0]
    encoded = "gzip" in request.headers.get("Accept-Encoding", "").lower() and not re.search(
        r"gzip\s*;\s*q=0(\.0*)?\s*(,|$)", request.headers.get("Accept-Encoding", "").lower())
    if encoded:
        response = send_file(gz, mimetype="application/n-triples", conditional=True, etag=digest + "-gzip")
        response.headers["Content-Encoding"] = "gzip"
    else:
        def generate():
            with gzip.open(gz, "rb") as handle:
                while chunk := handle.read(1 << 16):
                    yield chunk

        response = Response(generate(), mimetype="application/n-triples")
        response.headers["Content-Length"] = str(size)
        response.set_etag(digest + "-identity")
        response = response.make_conditional(request)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Access-Control-Allow-Origin"] = _settings().cors_origins
    response.headers["Cache-Control"] = f"public, max-age={_settings().cache_max_age if not versioned else 31536000}"
    return response


def _current_release_info():
    try:
        info = request_snapshot().release()
    except StoreUnavailable:
        abort(503)
    if info.path is None:
        abort(503)
    return info
