"""A per-process cache of SPARQL answers, keyed by release.

A release never changes, so the answer to a query is a function of the release, the query text, the
dataset given in the request and the formats negotiated; kept answers are served again without asking
the query engine (the pictures' queries, the query UI's examples and harvesters repeat the same queries).
After a build switches the release, no old entry can match (the key starts with the release id).

Only complete answers (``200``) are kept, never one of a query whose answer may change between two
evaluations (``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()``, ``BNODE()``). Bounded by
``IKPE_SPARQL_CACHE_MB`` per process (0 = off), least recently used first out (the LRU of
:mod:`.page_cache`).
"""
from __future__ import annotations

import re

from flask import current_app

from ..sparql.execute import Answer
from .page_cache import Entry, PageCache

EXTENSION = "ikpe_sparql_answer_cache"
VOLATILE = re.compile(r"\b(NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def init_app(app) -> None:
    app.extensions[EXTENSION] = PageCache(app.config["SETTINGS"].sparql_cache_mb * 1024 * 1024)


def _cache() -> PageCache | None:
    cache = current_app.extensions.get(EXTENSION)
    return cache if cache is not None and cache.enabled else None


def key(release_id: str, query_request, choice) -> tuple | None:
    """The key of a query, or None for a query that must be evaluated each time."""
    if VOLATILE.search(query_request.query):
        return None
    return (release_id, query_request.query, choice.results, choice.graph,
            tuple(query_request.default_graphs or ()), tuple(query_request.named_graphs or ()))


def lookup(cache_key: tuple | None) -> Answer | None:
    cache = _cache()
    entry = cache.get(cache_key) if cache is not None and cache_key is not None else None
    if entry is None:
        return None
    headers = dict(entry.headers)
    content_type = headers.pop("Content-Type")
    return Answer(entry.status, entry.body, content_type, headers)


def keep(cache_key: tuple | None, answer: Answer) -> None:
    cache = _cache()
    if cache is None or cache_key is None or answer.status != 200:
        return
    headers = (("Content-Type", answer.content_type),) + tuple(answer.headers.items())
    cache.put(cache_key, Entry(answer.status, headers, answer.body))


__all__ = ["init_app", "key", "lookup", "keep"]
