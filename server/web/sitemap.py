"""``/sitemap.xml`` and its parts, served as the files the build wrote (``server/sitemap``), and
``/robots.txt``. Nothing is computed per request: a sitemap at a million triples is a file read."""
from __future__ import annotations

from flask import abort, current_app, send_file

from ..sitemap import FOLDER
from .http_caching import cache_publicly, release_time

MEDIA_TYPES = {".xml": "application/xml", ".gz": "application/gzip"}


def sitemap_file(release, name: str):
    """The release's sitemap file ``name`` with validators (the file is fixed for the release), or
    404; 503 if the release has no local folder or was built without a sitemap."""
    if release.path is None or not (release.path / FOLDER).is_dir():
        abort(503)
    path = release.path / FOLDER / name
    if not path.is_file():
        abort(404)
    max_age = current_app.config["SETTINGS"].cache_max_age  # given to send_file, else it says no-cache
    response = send_file(path, mimetype=MEDIA_TYPES[path.suffix], conditional=True, etag=f"{release.id}-{name}",
                         last_modified=release_time(release), max_age=max_age)
    return cache_publicly(response, max_age)


def robots(base: str) -> str:
    return ("User-agent: *\n"
            "Allow: /\n"
            "Disallow: /sparql\n"
            "Disallow: /search\n"
            "Disallow: /reconcile\n"
            f"Sitemap: {base}/sitemap.xml\n")
