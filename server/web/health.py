"""``GET /health``: is this process able to answer from a release? For load balancers and monitoring.

JSON, never cached::

    {"status": "ok", "release": {"id": …, "created": …, "triples": …},
     "store": {"kind": "embedded", "mode": "memory", "reachable": true, "seconds": 0.001},
     "process": {"pid": …, …}}

``mode`` (embedded store only): ``disk`` while the in-memory copy of a new release is still loading
(or with ``IKPE_STORE_MEMORY_COPY`` other than ``all``), ``memory`` once requests are answered from the copy.

``200`` when a release is in service and the store answers a trivial query; ``503`` (with
``Retry-After``) otherwise, with ``"status": "unavailable"`` and the reason. It carries no secrets
(no store URLs or users, no paths) and is exempt from the request limits.
"""
from __future__ import annotations

import os
import time

from flask import Blueprint, current_app, jsonify

from ..store import StoreUnavailable
from .store_access import request_snapshot

blueprint = Blueprint("health", __name__)

STARTED = time.time()


@blueprint.route("/health", methods=["GET", "HEAD"])
def health():
    settings = current_app.config["SETTINGS"]
    body = {"status": "ok", "release": None,
            "store": {"kind": settings.store, "reachable": False, "seconds": None},
            "process": {"pid": os.getpid(), "uptime_seconds": round(time.time() - STARTED, 1)}}
    limiter = current_app.extensions["ikpe_limits"]
    body["process"].update(requests_in_progress=limiter.in_flight, queries_in_progress=limiter.queries_in_flight,
                           refused_429=limiter.refused)
    problem = None
    try:
        snapshot = request_snapshot()
        release = snapshot.release()
        body["release"] = {"id": release.id, "created": release.created,
                           "triples": release.manifest.get("triples")}
        started = time.perf_counter()
        snapshot.ask("ASK { ?s ?p ?o }")
        body["store"].update(reachable=True, seconds=round(time.perf_counter() - started, 4))
        if snapshot.mode:
            body["store"]["mode"] = snapshot.mode
    except StoreUnavailable as error:
        problem = str(error)
    except Exception as error:  # noqa: BLE001 — a health check reports, it does not fail
        problem = f"{type(error).__name__}: the store did not answer"
        current_app.logger.warning("health check: store did not answer: %r", error)
    if problem:
        body["status"], body["problem"] = "unavailable", problem
    response = jsonify(body)
    response.status_code = 200 if problem is None else 503
    response.headers["Cache-Control"] = "no-store"
    if problem:
        response.headers["Retry-After"] = str(settings.retry_after)
    return response
