"""Where a link to an IRI goes in our HTML pages.

IRIs under the configured public base (``settings.public_base``) link to the same path on the
server answering the request (a root-relative link such as ``/id/project/thilik``), so a server
started locally — or behind any host name — lets a reader click through the whole graph. Other
``http``/``https`` IRIs link out; IRIs with any other scheme (``javascript:``, ``data:`` …) are
shown as text and never become links.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app

SAFE_SCHEMES = ("http", "https")
# What a local name of one of our IRIs (the path after /id/, /doc/ …) may look like.
LOCAL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_~-]*(?:[./][A-Za-z0-9][A-Za-z0-9_~-]*)*$")


def local_path(iri: str, public_base: str | None = None) -> str | None:
    """The root-relative path of an IRI under the public base, else None."""
    base = public_base if public_base is not None else current_app.config["SETTINGS"].public_base
    text = str(iri)
    if text == base:
        return "/"
    if text.startswith(base + "/") or text.startswith(base + "#"):
        return text[len(base):] if text[len(base)] == "/" else "/" + text[len(base):]
    return None


def href(iri: str) -> str | None:
    """The link target for ``iri``, or None when it must not be a link."""
    local = local_path(iri)
    if local is not None:
        return local
    scheme = urlsplit(str(iri)).scheme.lower()
    return str(iri) if scheme in SAFE_SCHEMES else None


def on_this_server(iri: str) -> str:
    """Where ``iri`` is shown from this server: its root-relative path under the public base, else itself."""
    return local_path(iri) or str(iri)
