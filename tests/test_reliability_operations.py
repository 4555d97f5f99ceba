"""Operations: the health endpoint (release in service, store reachability) and the structured logs
(JSON lines; method, path, status, duration, release, client; no secrets and no query texts at INFO;
tracebacks in the log, never in the answer)."""
from __future__ import annotations

import io
import json
import logging

import pytest

from server import logging_setup
from server.settings import load_settings
from server.web.app import create_app

SECRET = "s3cr3t-Passw0rd-for-the-store"


@pytest.fixture(autouse=True, scope="module")
def restore_logging():
    yield
    logging_setup.reset()  # other modules' caplog relies on propagation to the root logger


def make_app(build_dir, **overrides):
    """An app with the logs an entry point sets up (``ikpe-lod serve``, gunicorn), into a stream."""
    settings = load_settings(build_dir=build_dir, **overrides)
    stream = io.StringIO()
    logging_setup.configure(settings, stream=stream)
    return create_app(settings), stream


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.fixture()
def logged(build_dir):
    """The log handler is process-wide (the last app set up owns it): one app per test."""
    return make_app(build_dir, remote_password=SECRET, limit_client_rate=0)


def test_health_reports_release_and_store(logged, build_dir):
    app, _ = logged
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    manifest = json.loads((build_dir / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert body["status"] == "ok"
    assert body["release"]["id"] == manifest["release"] and body["release"]["triples"] == manifest["triples"]
    assert body["store"]["reachable"] is True and body["store"]["kind"] == "embedded"
    assert SECRET not in response.get_data(as_text=True)


def test_health_is_503_without_a_release(tmp_path):
    app, _ = make_app(tmp_path / "empty-build")
    response = app.test_client().get("/health")
    assert response.status_code == 503 and "Retry-After" in response.headers
    body = response.get_json()
    assert body["status"] == "unavailable" and body["store"]["reachable"] is False
    assert "ikpe-lod build" in body["problem"]


def test_health_follows_a_new_release(data_copy, tmp_path):
    from server.release_steps import build

    settings = load_settings(build_dir=tmp_path / "b", data_dir=data_copy / "data")
    assert build(settings).ok
    app, _ = make_app(tmp_path / "b", data_dir=data_copy / "data")
    first = app.test_client().get("/health").get_json()["release"]["id"]
    (data_copy / "data" / "people.yaml").write_text(
        (data_copy / "data" / "people.yaml").read_text(encoding="utf-8").replace("Dr. Viviane Vidot",
                                                                               "Dr. Viviane Vidot (neu)", 1),
        encoding="utf-8")
    assert build(settings).ok
    second = app.test_client().get("/health").get_json()["release"]["id"]
    assert first != second


def test_access_log_is_one_json_line_per_request(logged):
    app, stream = logged
    client = app.test_client()
    release = client.get("/health").get_json()["release"]["id"]
    stream.truncate(0)
    stream.seek(0)
    query = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    client.get("/doc/project/thilik.ttl", buffered=True).close()
    client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv",
                                                               "User-Agent": "probe/1"}, buffered=True).close()
    client.get("/no/such/page", buffered=True).close()
    entries = [e for e in lines(stream) if e["logger"] == "ikpe.access"]
    assert [e["path"] for e in entries] == ["/doc/project/thilik.ttl", "/sparql", "/no/such/page"]
    assert [e["status"] for e in entries] == [200, 200, 404]
    for entry in entries:
        assert {"time", "level", "method", "path", "status", "duration_ms", "bytes", "release", "client",
                "pid"} <= set(entry)
        assert entry["method"] == "GET" and entry["client"] == "127.0.0.1" and entry["duration_ms"] >= 0
        assert entry["release"] == release
    assert entries[0]["bytes"] > 1000
    assert entries[1]["user_agent"] == "probe/1" and entries[1]["query_chars"] > len(query)
    assert "SELECT" not in stream.getvalue(), "query texts are not logged at INFO"


def test_query_text_only_at_debug(build_dir):
    app, stream = make_app(build_dir, log_level="DEBUG")
    app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, buffered=True).close()
    debug = [e for e in lines(stream) if e.get("event") == "sparql-query"]
    assert debug and "ASK" in debug[0]["query_string"]


def test_429_is_logged_with_the_reason(build_dir):
    app, stream = make_app(build_dir, limit_client_requests=1)
    release, _ = app.extensions["ikpe_limits"].acquire("127.0.0.1", False)
    try:
        app.test_client().get("/robots.txt", buffered=True).close()
    finally:
        release()
    entry = [e for e in lines(stream) if e["logger"] == "ikpe.access"][-1]
    assert entry["status"] == 429 and "requests in progress" in entry["limited"]


def test_errors_are_logged_with_traceback_but_never_answered_with_one(build_dir):
    app, stream = make_app(build_dir, remote_password=SECRET)

    @app.route("/__boom")
    def boom():
        raise RuntimeError(f"store said no (password {SECRET})")

    response = app.test_client().get("/__boom", buffered=True)
    response.close()
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    assert SECRET not in response.get_data(as_text=True)
    errors = [e for e in lines(stream) if e["level"] == "ERROR" and e["logger"] != "ikpe.access"]
    assert errors and "Traceback" in errors[0]["exception"] and "RuntimeError" in errors[0]["exception"]
    assert SECRET not in stream.getvalue(), "the store password is masked in the log"
    access = [e for e in lines(stream) if e["logger"] == "ikpe.access"][-1]
    assert access["status"] == 500 and access["level"] == "ERROR"


def test_text_format(build_dir):
    app, stream = make_app(build_dir, log_format="text")
    app.test_client().get("/robots.txt", buffered=True).close()
    line = stream.getvalue().strip().splitlines()[-1]
    assert "ikpe.access" in line and "status=200" in line and "path=/robots.txt" in line


def test_structured_handler_is_installed_once(build_dir):
    for _ in range(3):
        make_app(build_dir)
    for name in logging_setup.APP_LOGGERS:
        marked = [h for h in logging.getLogger(name).handlers if getattr(h, "_ikpe_structured", False)]
        assert len(marked) == 1


def test_create_app_leaves_the_process_logging_alone(build_dir):
    logging_setup.reset()
    before = {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).level,
                     logging.getLogger(name).propagate) for name in (*logging_setup.APP_LOGGERS, "")}
    create_app(load_settings(build_dir=build_dir, log_level="DEBUG", log_format="text"))
    after = {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).level,
                    logging.getLogger(name).propagate) for name in (*logging_setup.APP_LOGGERS, "")}
    assert after == before
