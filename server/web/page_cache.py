"""The response cache: complete answers that depend only on the release, in two levels.

The first level is a small LRU in each process (below); the second, :mod:`.shared_cache`, keeps the
same entries as files shared by the processes of the machine and across restarts (``IKPE_RESPONSE_CACHE_*``),
so a page is rendered once per release per machine, not once per worker and after every restart.
Used by the ``/doc/…`` documents (HTML and every RDF format) and, through :mod:`.http_caching`, by every
answer that goes through ``cacheable``.

A document is a pure function of the release and of the request's path, query string, the media type
its ``Accept`` header selects and the interface language; so the rendered bytes and headers (``ETag``,
``Last-Modified``, ``Vary``, ``Link``, ``Content-Location``, ``Cache-Control``, ``Content-Type``) can be
kept and served again. The key starts with the id of the release pinned for the request (``flask.g``),
so after a build switches ``build/current`` no entry of the old release can match any more (they age
out of the LRU). This keeps the stateless rule: the cache never changes an answer, it only skips
recomputing it.

Bounded by count (``MAX_ENTRIES``) and total bytes (``IKPE_PAGE_CACHE_MB``; 0 disables it), least
recently used first out. Only complete ``200`` answers are kept, never one rendered while part of the
page degraded (e.g. a picture left out because the store timed out: ``mark_uncacheable``). Conditional
requests (304) and HEAD are answered from the entry by the caller (``make_conditional``).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Response, current_app, g

EXTENSION = "ikpe_page_cache"
SHARED = "ikpe_shared_response_cache"
MAX_ENTRIES = 10_000
ENTRY_OVERHEAD = 512  # bytes counted per entry for the key, the headers' objects and the bookkeeping


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + ENTRY_OVERHEAD

    def response(self) -> Response:
        return Response(self.body, status=self.status, headers=list(self.headers))


class PageCache:
    """LRU of ``Entry`` by key, at most ``max_entries`` entries and ``max_bytes`` bytes; thread-safe."""

    def __init__(self, max_bytes: int, max_entries: int = MAX_ENTRIES):
        self.max_bytes = max(0, int(max_bytes))
        self.max_entries = max(0, int(max_entries))
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0 and self.max_entries > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> Entry | None:
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple, entry: Entry) -> bool:
        size = entry.size
        if not self.enabled or size > self.max_bytes:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._entries[key] = entry
            self.bytes += size
            while self._entries and (self.bytes > self.max_bytes or len(self._entries) > self.max_entries):
                _, dropped = self._entries.popitem(last=False)
                self.bytes -= dropped.size
        return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


def init_app(app) -> None:
    from .shared_cache import open_shared_cache

    app.extensions[EXTENSION] = PageCache(app.config["SETTINGS"].page_cache_mb * 1024 * 1024)
    shared = app.extensions[SHARED] = open_shared_cache(app.config["SETTINGS"])
    if shared is not None:
        app.jinja_env.bytecode_cache = shared.template_cache()


def _cache() -> PageCache | None:
    cache = current_app.extensions.get(EXTENSION)
    return cache if cache is not None and cache.enabled else None


def _shared():
    return current_app.extensions.get(SHARED)


def key(release_id: str, path: str, query_string: str, media_type: str | None, language: str) -> tuple:
    return (release_id, path, query_string, media_type, language)


def lookup(cache_key: tuple) -> Response | None:
    """A fresh response (status, headers, body) for ``cache_key``, not yet made conditional."""
    entry = find(_cache(), _shared(), cache_key)
    return entry.response() if entry is not None else None


def find(cache: PageCache | None, shared, cache_key: tuple) -> Entry | None:
    """The entry under ``cache_key``: this process's LRU first, then the machine's shared cache (kept
    in the LRU once found there)."""
    entry = cache.get(cache_key) if cache is not None and cache.enabled else None
    if entry is None and shared is not None:
        entry = shared.get(cache_key)
        if entry is not None and cache is not None:
            cache.put(cache_key, entry)
    return entry


def remember_endpoint(endpoint: str) -> None:
    """Tell the machine's other processes (and the next start) that ``endpoint`` answers from the release only."""
    shared = _shared()
    if shared is not None:
        shared.remember_endpoint(endpoint)


def endpoint_remembered(endpoint: str) -> bool:
    shared = _shared()
    return shared is not None and shared.endpoint_remembered(endpoint)


def mark_uncacheable() -> None:
    """The answer of this request is incomplete (a part degraded): do not keep it."""
    g.ikpe_page_uncacheable = True


def keep(cache_key: tuple, response: Response) -> None:
    """Keep ``response`` (a complete 200, before ``make_conditional``) under ``cache_key``."""
    cache, shared = _cache(), _shared()
    if (cache is None and shared is None) or response.status_code != 200 or response.is_streamed \
            or response.direct_passthrough or g.get("ikpe_page_uncacheable"):
        return
    entry = Entry(response.status_code, tuple(response.headers.items()), response.get_data())
    if cache is not None:
        cache.put(cache_key, entry)
    if shared is not None:
        shared.put(cache_key, entry)


__all__ = ["Entry", "PageCache", "init_app", "key", "lookup", "find", "keep", "mark_uncacheable", "remember_endpoint", "endpoint_remembered",
           "MAX_ENTRIES", "SHARED"]
