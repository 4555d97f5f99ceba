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

import functools
import gzip
import hashlib
import re
import struct
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, send_file
from rdflib.namespace import DCAT, DCTERMS, SKOS

from .. import catalog as catalog_data
from ..catalog import documents, hydra, render
from ..catalog import versions as catalog_versions
from ..catalog.triples import TripleIndex
from ..catalog.vocab import SPDX
from ..store import StoreUnavailable
from . import conneg
from .formats import FORMATS, HTML_MEDIA_TYPE, by_media_type
from .http_caching import cache_publicly, cacheable
from .i18n import current_language
from .links import on_this_server
from .store_access import request_snapshot
from .versions import past_release, past_snapshot

blueprint = Blueprint("catalog", __name__)


# -- formats and content negotiation ------------------------------------------------------------------

CATALOG_FORMATS = ("rdf", "ttl", "jsonld", "nt")  # keys of the format registry offered here


def negotiate(default: str, html: bool) -> str:
    """The format key for this request's Accept header; no header or ``*/*`` gives ``default``."""
    keys = [default] + [key for key in CATALOG_FORMATS if key != default]  # ties go to the default
    available = [FORMATS[key].media_type for key in keys] + ([HTML_MEDIA_TYPE] if html else [])
    chosen = conneg.negotiate(request.headers.get("Accept"), available)
    if chosen is None:
        abort(406)
    return "html" if chosen == HTML_MEDIA_TYPE else by_media_type(chosen).key


def _settings():
    return current_app.config["SETTINGS"]


def _release():
    """The release in service (503 when there is none, or it has no folder)."""
    try:
        info = request_snapshot().release()
    except StoreUnavailable:
        abort(503)
    if info.path is None:
        abort(503)
    return info


def _release_catalog() -> catalog_data.ReleaseCatalog:
    info = _release()
    if not (info.path / "catalog" / "index.json").exists():
        abort(503)
    return catalog_data.load(info.path.resolve())


def discovery_links(base: str | None = None) -> list[str]:
    """``Link`` header values pointing to the catalog, the VoID description and the dataset.

    ``collection`` (RFC 6573): the document is a member of the data the catalog lists;
    ``describedby``: the VoID description of the dataset the document belongs to;
    ``void:inDataset``: the dataset IRI itself (it dereferences to its DCAT and VoID description).
    """
    base = _settings().public_base if base is None else base
    return [f'<{base}/catalog>; rel="collection"; type="application/rdf+xml"; title="DCAT-AP.de catalog"',
            f'<{base}/.well-known/void>; rel="describedby"; type="text/turtle"; title="VoID"',
            f'<{base}/catalog/dataset/ikpe>; rel="http://rdfs.org/ns/void#inDataset"']


def _finish(response: Response, fmt: str, negotiated: bool, links=()) -> Response:
    """Links, then validators and caching: the ETag names the release, URL, format (and the interface
    language of a page)."""
    for link in links:
        response.headers.add("Link", link)
    html = fmt == "html"
    vary = (["Accept"] if negotiated else []) + (["Accept-Language"] if html else [])
    return cacheable(response, _release(), fmt, current_language() if html else None, vary=vary)


@blueprint.after_app_request
def add_discovery_links(response: Response) -> Response:
    """Every RDF document and HTML page of the app links to the catalog and the VoID description."""
    return link_discovery(response, _settings().public_base)


def link_discovery(response: Response, base: str) -> Response:
    """:func:`add_discovery_links` without Flask's context (:mod:`.cached_answers`)."""
    mimetype = response.mimetype or ""
    if by_media_type(mimetype) is not None or mimetype == HTML_MEDIA_TYPE:
        existing = " ".join(response.headers.getlist("Link"))
        for link in discovery_links(base):
            if link.split(";", 1)[0] not in existing:
                response.headers.add("Link", link)
    return response


def _alternates(path: str, query: str, keys) -> list[str]:
    base = _settings().public_base
    suffix = f"?{query}" if query else ""
    links = []
    for key in keys:
        media = FORMATS[key].media_type if key in FORMATS else HTML_MEDIA_TYPE
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
    if ext is not None and ext not in CATALOG_FORMATS and ext != "html":
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

    size = settings.catalog_page_size
    try:
        triples = hydra.build_page(cat, entries, page, size, url_for_page)
    except hydra.PageNotFound:
        abort(404)
    query = request.query_string.decode("utf-8", "replace")
    links = _alternates("/catalog", query, [*CATALOG_FORMATS, "html"])
    if fmt == "html":
        response = Response(_catalog_html(cat, TripleIndex(triples), entries, page, url_for_page),
                            mimetype=HTML_MEDIA_TYPE)
    else:
        response = _rdf_response(triples, fmt)
    return _finish(response, fmt, ext is None, links)


def _text(index: TripleIndex, subject, predicate, lang: str) -> str:
    values = {o.language: o.value for o in index.objects(subject, predicate) if isinstance(o, ox.Literal)}
    return values.get(lang) or values.get("de") or next(iter(values.values()), "")


def _value(index: TripleIndex, subject, predicate) -> str | None:
    found = index.value(subject, predicate) if subject is not None else None
    return found.value if found is not None else None


def _distribution_view(index: TripleIndex, dist, lang: str) -> dict:
    checksum = index.value(dist, SPDX.checksum)
    return {"title": _text(index, dist, DCTERMS.title, lang),
            "url": on_this_server(_value(index, dist, DCAT.downloadURL) or _value(index, dist, DCAT.accessURL)),
            "size": _value(index, dist, DCAT.byteSize), "sha256": _value(index, checksum, SPDX.checksumValue)}


def _dataset_view(index: TripleIndex, dataset, lang: str) -> dict:
    """What the HTML shows of one dataset (title, text, period, places, downloads with checksums)."""
    dataset = ox.NamedNode(str(dataset))
    period = index.value(dataset, DCTERMS.temporal)
    return {
        "iri": dataset.value, "page": on_this_server(dataset.value), "title": _text(index, dataset, DCTERMS.title, lang),
        "description": _text(index, dataset, DCTERMS.description, lang),
        "landing": on_this_server(_value(index, dataset, DCAT.landingPage) or dataset.value),
        "keywords": sorted(k.value for k in index.objects(dataset, DCAT.keyword) if k.language == lang),
        "start": _value(index, period, DCAT.startDate), "end": _value(index, period, DCAT.endDate),
        "modified": _value(index, dataset, DCTERMS.modified),
        "distributions": [_distribution_view(index, d, lang)
                          for d in sorted(index.objects(dataset, DCAT.distribution), key=lambda d: d.value)],
        "spatial": sorted(_text(index, s, SKOS.prefLabel, lang) for s in index.objects(dataset, DCTERMS.spatial)),
    }


def _format_list() -> list[tuple[str, str]]:
    return [(key, FORMATS[key].media_type) for key in CATALOG_FORMATS]


def _catalog_html(cat, index: TripleIndex, entries, page: int, url_for_page) -> str:
    lang = current_language()
    order = {e["iri"]: n for n, e in enumerate(cat.datasets)}
    shown = sorted((d.value for d in index.objects(str(cat.catalog), DCAT.dataset)), key=order.__getitem__)
    datasets = [_dataset_view(index, d, lang) for d in shown]
    last = hydra.page_count(len(entries), _settings().catalog_page_size)
    title = _text(index, str(cat.catalog), DCTERMS.title, lang)
    return render_template(
        "catalog.html", title=title, description=_text(index, str(cat.catalog), DCTERMS.description, lang),
        datasets=datasets, page=page, last=last, total=len(entries),
        previous_url=on_this_server(url_for_page(page - 1)) if page > 1 else None,
        next_url=on_this_server(url_for_page(page + 1)) if page < last else None,
        formats=_format_list(), query=request.query_string.decode(),
        breadcrumbs=[("IKPE Linked Open Data", "/"), (title, None)])


def _rdf_response(triples: list, fmt: str) -> Response:
    """``triples`` written by pyoxigraph in the catalog format ``fmt`` (:mod:`server.catalog.render`)."""
    return Response(render.serialize(triples, fmt), headers={"Content-Type": FORMATS[fmt].content_type})


# -- single catalog resources ------------------------------------------------------------------------

@blueprint.route("/catalog/<path:rest>", methods=["GET"])
def catalog_resource(rest: str):
    match = re.fullmatch(rf"(.+?)(?:\.({'|'.join(CATALOG_FORMATS)}))?", rest)
    local, ext = match.group(1), match.group(2)
    cat = _release_catalog()
    iri = f"{cat.base}/catalog/{local}"
    triples = documents.resource_triples(cat, iri)
    if not triples:
        abort(404)
    fmt = ext or negotiate("ttl", html=True)
    links = _alternates(f"/catalog/{local}", "", ["ttl", "rdf", "jsonld", "nt"])
    if fmt != "html":
        return _finish(_rdf_response(triples, fmt), fmt, ext is None, links)
    if not documents.is_dataset(triples, iri):  # people read about a dataset on its page
        owner = next((d for d in cat.datasets if iri.startswith(d["iri"] + "/")), None)
        return redirect(on_this_server(owner["iri"]) if owner else "/catalog", code=303)
    lang = current_language()
    view = _dataset_view(TripleIndex(triples), iri, lang)
    html = render_template("catalog_dataset.html", dataset=view, local=local, formats=_format_list(),
                           breadcrumbs=[("IKPE Linked Open Data", "/"),
                                        (_text(cat.head_index(), str(cat.catalog), DCTERMS.title, lang), "/catalog"),
                                        (view["title"], None)])
    return _finish(Response(html, mimetype=HTML_MEDIA_TYPE), fmt, ext is None, links)


# -- VoID -----------------------------------------------------------------------------------------------

@blueprint.route("/.well-known/void", methods=["GET"])
@blueprint.route("/.well-known/void.<ext>", methods=["GET"])
def void(ext: str | None = None):
    if ext is not None and ext not in CATALOG_FORMATS:
        abort(404)
    cat = _release_catalog()
    fmt = ext or negotiate("ttl", html=False)
    return _finish(_rdf_response(cat.void_index().triples, fmt), fmt, ext is None,
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
IMMUTABLE_MAX_AGE = 31536000  # a versioned dump URL never changes: a year


@functools.lru_cache(maxsize=16)
def _checksums(folder: Path) -> dict[str, str]:
    """File name → SHA-256 of a release's dumps folder (cached: a release never changes; at a million
    triples ``projects/SHA256SUMS`` has 25,000 lines)."""
    sums = {}
    for sumfile, prefix in ((folder / "SHA256SUMS", ""), (folder / "projects" / "SHA256SUMS", "projects/")):
        if sumfile.exists():
            for line in sumfile.read_text(encoding="utf-8").splitlines():
                digest, _, name = line.partition("  ")
                sums[prefix + name] = digest
    return sums


@blueprint.route("/dumps/<path:rest>", methods=["GET"])
def dumps(rest: str):
    info = _release()
    releases = info.path.parent
    release, name = info.id, rest
    first, _, remainder = rest.partition("/")
    versioned = bool(RELEASE_ID.match(first))
    if versioned:
        release, name = first, remainder
    if not FILE_NAME.match(name) or ".." in name:
        abort(404)
    if versioned and (name in catalog_versions.CHANGESET or not (releases / release / "dumps").is_dir()):
        return _version_file(info, release, name)
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
    digest = _checksums(folder.resolve()).get(name) or hashlib.sha256(path.read_bytes()).hexdigest()
    response = send_file(path, mimetype=DUMP_TYPES[kind].split(";")[0], conditional=True, etag=digest,
                         max_age=IMMUTABLE_MAX_AGE if versioned else _settings().cache_max_age)
    response.headers["Content-Type"] = DUMP_TYPES[kind]
    base = _settings().public_base
    if not versioned:
        response.headers.add("Link", f'<{base}/dumps/{release}/{name}>; rel="duplicate"')
    sums = f'{base}/dumps/{release + "/" if versioned else ""}{"projects/" if name.startswith("projects/") else ""}SHA256SUMS'
    response.headers.add("Link", f'<{sums}>; rel="describedby"; type="text/plain"')
    for link in discovery_links():
        response.headers.add("Link", link)
    response.headers["Digest"] = "sha-256=" + _b64(digest)
    return response


def _version_file(info, release: str, name: str) -> Response:
    """A file of a retained release whose folder may be pruned (docs/dcat.md, "Versions"): its
    changeset (kept with the history), its full dump (reconstructed once from the history store and
    cached in ``<build_dir>/reconstructed/``) or their SHA256SUMS."""
    record = next((r for r in catalog_versions.read_versions(info.path) if r["id"] == release), None)
    if record is None:
        past_release(release)  # 404 never published, 410 beyond retention
        abort(404)
    sums = {catalog_versions.DUMP: record["dump"]["sha256"],
            **{n: record[n]["sha256"] for n in catalog_versions.CHANGESET if n in record}}
    if name == "SHA256SUMS":
        body = "".join(f"{digest}  {file}\n" for file, digest in sums.items())
        response = Response(body, headers={"Content-Type": DUMP_TYPES["SHA256SUMS"]})
        response.set_etag(hashlib.sha256(body.encode()).hexdigest())
        return cache_publicly(response.make_conditional(request), IMMUTABLE_MAX_AGE)
    if name not in sums:
        abort(404)
    if name == catalog_versions.DUMP:
        path = catalog_versions.reconstruct_dump(
            past_snapshot(release), Path(_settings().build_dir) / "reconstructed" / release / name)
    else:
        path = info.path / catalog_versions.VERSIONS / release / name
    response = send_file(path, mimetype="application/gzip", conditional=True, etag=sums[name],
                         max_age=IMMUTABLE_MAX_AGE)
    response.headers["Digest"] = "sha-256=" + _b64(sums[name])
    response.headers.add("Link", f'<{_settings().public_base}/dumps/{release}/SHA256SUMS>; rel="describedby"; '
                                 'type="text/plain"')
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
    digest = _checksums(folder.resolve()).get(name + ".gz", "")
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
    return cache_publicly(response, IMMUTABLE_MAX_AGE if versioned else None, vary=["Accept-Encoding"])
