"""Concurrency and per-client limits: past a limit the answer is ``429 Too Many Requests`` with
``Retry-After`` (RFC 6585 §4, RFC 9110 §10.2.3), immediately, instead of a queue that grows until
every client times out.

Counted per server process (a gunicorn worker; see ``deploy/gunicorn.conf.py``), as WSGI middleware
so that a slot is held until the last byte of a streamed answer is sent:

``limit_concurrent_requests``   requests in progress in this process
``limit_concurrent_queries``    SPARQL queries in progress (``/sparql`` with a query); the query
                                workers are few (``sparql_workers``) and a query may run to its time
                                limit, so a queue beyond a few waiting queries only turns into timeouts
``limit_client_requests``       requests in progress from one client (IP address)
``limit_client_queries``        SPARQL queries in progress from one client
``limit_client_rate`` / ``limit_client_burst``
                                a token bucket per client: sustained requests per second, and the burst

``/health`` is never limited (a load balancer must see the process is alive while it is busy).
A value of 0 switches a limit off. The client is ``REMOTE_ADDR``, or the last address of
``X-Forwarded-For`` when ``limit_trust_forwarded`` is set (only behind a proxy that sets it).
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict

from .pipeline import SECURITY_HEADERS, cors_headers
from .wsgi_body import FinishingBody

EXEMPT_PATHS = ("/health",)
BUCKETS_KEPT = 10000  # forget idle clients' token buckets beyond this many


def client_address(environ, trust_forwarded: bool) -> str:
    if trust_forwarded:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return environ.get("REMOTE_ADDR") or "unknown"


def is_query(environ) -> bool:
    """A request that makes the SPARQL endpoint run a query (not the UI, not the service description)."""
    if environ.get("PATH_INFO", "").rstrip("/") != "/sparql":
        return False
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "POST":
        return True
    query_string = environ.get("QUERY_STRING", "")
    return method in ("GET", "HEAD") and any(
        part.split("=", 1)[0] == "query" for part in query_string.split("&"))


class _Bucket:
    __slots__ = ("tokens", "stamp")

    def __init__(self, burst: float, now: float):
        self.tokens, self.stamp = burst, now


class Limiter:
    """The counters (thread-safe); ``acquire`` returns a release function or the refusal reason."""

    def __init__(self, settings):
        self.total = settings.limit_concurrent_requests
        self.queries = settings.limit_concurrent_queries
        self.per_client = settings.limit_client_requests
        self.per_client_queries = settings.limit_client_queries
        self.rate = settings.limit_client_rate
        self.burst = max(1, settings.limit_client_burst)
        self.retry_after = settings.limit_retry_after
        self.trust_forwarded = settings.limit_trust_forwarded
        self.cors_origins = settings.cors_origins
        self._lock = threading.Lock()
        self.in_flight = 0
        self.queries_in_flight = 0
        self._clients: dict[str, int] = defaultdict(int)
        self._client_queries: dict[str, int] = defaultdict(int)
        self._buckets: dict[str, _Bucket] = {}
        self.refused = 0

    def _rate_ok(self, client: str) -> bool:
        if self.rate <= 0:
            return True
        now = time.monotonic()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= BUCKETS_KEPT:
                self._buckets.clear()
            bucket = self._buckets[client] = _Bucket(self.burst, now)  # full, as of now (not a tick later)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def acquire(self, client: str, query: bool):
        with self._lock:
            reason = None
            if self.total and self.in_flight >= self.total:
                reason = "The server is handling as many requests as it can right now."
            elif query and self.queries and self.queries_in_flight >= self.queries:
                reason = "The SPARQL endpoint is running as many queries as it can right now."
            elif self.per_client and self._clients[client] >= self.per_client:
                reason = f"You have {self._clients[client]} requests in progress; at most {self.per_client} are allowed."
            elif query and self.per_client_queries and self._client_queries[client] >= self.per_client_queries:
                reason = (f"You have {self._client_queries[client]} SPARQL queries in progress; at most "
                          f"{self.per_client_queries} are allowed.")
            elif not self._rate_ok(client):
                reason = f"Too many requests: at most {self.rate:g} per second (bursts of {self.burst})."
            if reason:
                self.refused += 1
                if not self._clients[client]:
                    del self._clients[client]
                if query and not self._client_queries[client]:
                    del self._client_queries[client]
                return None, reason
            self.in_flight += 1
            self._clients[client] += 1
            if query:
                self.queries_in_flight += 1
                self._client_queries[client] += 1
        done = threading.Event()

        def release():
            if done.is_set():
                return
            done.set()
            with self._lock:
                self.in_flight -= 1
                self._clients[client] -= 1
                if self._clients[client] <= 0:
                    del self._clients[client]
                if query:
                    self.queries_in_flight -= 1
                    self._client_queries[client] -= 1
                    if self._client_queries[client] <= 0:
                        del self._client_queries[client]

        return release, None


class LimitsMiddleware:
    def __init__(self, wsgi_app, limiter: Limiter):
        self.wsgi_app, self.limiter = wsgi_app, limiter

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") in EXEMPT_PATHS:
            return self.wsgi_app(environ, start_response)
        limiter = self.limiter
        client = client_address(environ, limiter.trust_forwarded)
        release, reason = limiter.acquire(client, is_query(environ))
        if release is None:
            environ["ikpe.limited"] = reason
            body = (f"429 Too Many Requests: {reason} Try again in {limiter.retry_after} s.\n").encode()
            start_response("429 Too Many Requests", [
                ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                ("Retry-After", str(limiter.retry_after)), ("Cache-Control", "no-store"),
                *cors_headers(environ.get("HTTP_ORIGIN"), limiter.cors_origins), *SECURITY_HEADERS])
            return [body] if environ.get("REQUEST_METHOD") != "HEAD" else [b""]
        try:
            iterable = self.wsgi_app(environ, start_response)
        except BaseException:
            release()
            raise
        return FinishingBody(iterable, release)


def init_app(app) -> Limiter:
    """Wrap the app's WSGI callable; the counters are ``app.extensions["ikpe_limits"]``."""
    limiter = Limiter(app.config["SETTINGS"])
    app.wsgi_app = LimitsMiddleware(app.wsgi_app, limiter)
    app.extensions["ikpe_limits"] = limiter
    return limiter
