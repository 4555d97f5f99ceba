"""``/sitemap.xml`` and its parts, served as the files the build wrote (``server/sitemap``), and
``/robots.txt``. Nothing is computed per request: a sitemap at a million triples is a file read.
Served by the view below, and before Flask by :mod:`.cached_answers` (the same response, built here)."""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, request
from werkzeug.utils import send_file

from ..sitemap import FOLDER
from .http_caching import cache_publicly, release_time

MEDIA_TYPES = {".xml": "application/xml", ".gz": "application/gzip"}


def sitemap_file(release, name: str):
    """The release's sitemap file ``name`` with validators (the file is fixed for the release), or
    404; 503 if the release has no local folder or was built without a sitemap."""
    if release.path is None or not (release.path / FOLDER).is_dir():
        abort(503)
    path = sitemap_path(release, name)
    if path is None:
        abort(404)
    return sitemap_response(release, path, request.environ, current_app)


def sitemap_path(release, name: str) -> Path | None:
    """The file of the release's sitemap ``name``, if the build wrote it."""
    if release.path is None:
        return None
    path = release.path / FOLDER / name
    return path if path.is_file() else None


def sitemap_response(release, path: Path, environ, app):
    """The answer for the sitemap file ``path``: conditional, cacheable for ``cache_max_age``."""
    max_age = app.config["SETTINGS"].cache_max_age  # given to send_file, else it says no-cache
    response = send_file(path, environ, mimetype=MEDIA_TYPES[path.suffix], conditional=True,
                         etag=f"{release.id}-{path.name}", last_modified=release_time(release), max_age=max_age,
                         use_x_sendfile=app.config["USE_X_SENDFILE"], response_class=app.response_class,
                         _root_path=app.root_path)
    return cache_publicly(response, max_age)


def robots(base: str) -> str:
    return ("User-agent: *\n"
            "Allow: /\n"
            "Disallow: /sparql\n"
            "Disallow: /search\n"
            "Disallow: /reconcile\n"
            f"Sitemap: {base}/sitemap.xml\n")
