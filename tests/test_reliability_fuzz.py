"""Fuzzing (hypothesis): whatever arrives — random bytes, Unicode edge cases (NUL, lone surrogates,
right-to-left marks, very long strings), random Accept / Accept-Language headers, random paths and query
strings at every route of ``app.url_map``, mutated SPARQL queries at ``/sparql`` — the app answers
within a bound, never with a 5xx, and never with a traceback in the response.

Requests are built as raw WSGI environs (bytes as an HTTP server hands them over: ``PATH_INFO`` is the
percent-decoded path as latin-1, ``REQUEST_URI`` the raw one), so that bytes no test client would send
— invalid UTF-8, encoded surrogates — reach the app. Each request runs in a thread with a deadline.
A SPARQL query may legitimately be stopped at the time limit (503 saying so); nothing else may be 5xx.
"""
from __future__ import annotations

import concurrent.futures
import io
import re
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from werkzeug.test import EnvironBuilder, run_wsgi_app

from server import logging_setup
from server.settings import PROJECT_ROOT, load_settings
from server.web.app import create_app

pytestmark = pytest.mark.slow

REQUEST_DEADLINE = 20.0  # seconds: a request slower than this counts as a hang
SPARQL_TIMEOUT = 4.0
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|"
                       r"werkzeug\.exceptions\.|jinja2\.exceptions\.|pyoxigraph\.|rdflib\.")
FUZZ = hsettings(max_examples=150, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])


@pytest.fixture(scope="module")
def fuzz_app(build_dir):
    app = create_app(load_settings(build_dir=build_dir, sparql_timeout=SPARQL_TIMEOUT, sparql_workers=2))
    app.config["TESTING"] = False  # exceptions become 500s, as in production: the tests must see them
    logging_setup.configure(app.config["SETTINGS"], stream=io.StringIO())  # structured logs, to a buffer
    yield app
    logging_setup.reset()
    engine = app.extensions.get("ikpe_sparql_engine")
    if engine is not None:
        engine.close()


@pytest.fixture(scope="module")
def pool():
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


# -- building raw requests -------------------------------------------------------------------------
def raw_environ(method: str, path: bytes, query: bytes = b"", headers: dict | None = None,
                body: bytes = b"", content_type: str | None = None) -> dict:
    from urllib.parse import unquote_to_bytes

    builder = EnvironBuilder(method=method, path="/", data=body or None, content_type=content_type)
    environ = builder.get_environ()
    builder.close()
    raw_path = path if path.startswith(b"/") else b"/" + path
    environ["PATH_INFO"] = unquote_to_bytes(raw_path).decode("latin-1")
    environ["QUERY_STRING"] = query.decode("latin-1")
    environ["REQUEST_URI"] = environ["RAW_URI"] = (raw_path + (b"?" + query if query else b"")).decode("latin-1")
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def call(app, pool, environ) -> tuple[int, dict, bytes]:
    def run():
        app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
        try:
            body = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        return int(status.split(" ", 1)[0]), headers, body

    future = pool.submit(run)
    try:
        return future.result(timeout=REQUEST_DEADLINE)
    except concurrent.futures.TimeoutError:
        pytest.fail(f"no answer within {REQUEST_DEADLINE} s: {environ['REQUEST_METHOD']} {environ['REQUEST_URI']!r}")


def check(app, pool, environ, sparql: bool = False):
    status, headers, body = call(app, pool, environ)
    where = f"{environ['REQUEST_METHOD']} {environ['REQUEST_URI'][:300]!r}"
    text = body.decode("utf-8", "replace")
    timed_out = sparql and status == 503 and "time limit" in text
    assert status < 500 or timed_out, f"{status} for {where}: {text[:500]}"
    assert not TRACEBACK.search(text), f"traceback text in the answer to {where}: {text[:800]}"
    return status, headers, body


# -- strategies ------------------------------------------------------------------------------------
EDGE_TEXT = ["\x00", "a\x00b", "\ud800", "\udfff", "x\udc80y", "\u202e\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
             "\u200f\u05e2\u05d1\u05e8\u05d9\u05ea\u200e", "\ufeff", "\uffff", "\U0010ffff", "e\u0301", "\u0000" * 50,
             "%", "%%", "%zz", "%00", "%C0%AF", "%ED%A0%80", "..", "../../etc/passwd", "..%2f..%2f", "//", "\\",
             "<script>alert(1)</script>", "\"'><svg onload=alert(1)>", "{{7*7}}", "${jndi:ldap://x}", "' OR 1=1 --",
             "a" * 5000, "ä" * 3000, "🏳️‍🌈" * 200, "\r\n", " ", "\t", "?", "#", "&", "=", ";"]
text = st.one_of(st.text(max_size=60), st.sampled_from(EDGE_TEXT),
                 st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
                 st.text(alphabet=st.characters(categories=["Cf", "Mn", "Zs", "Cc"]), max_size=20))


def to_bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


segment_bytes = st.one_of(text.map(to_bytes), st.binary(max_size=40))
encoded_segment = st.one_of(
    segment_bytes.map(lambda b: quote_from_bytes(b, safe="").encode()),  # percent-encoded
    segment_bytes.map(lambda b: b.replace(b"/", b"").replace(b"?", b"").replace(b"#", b"")),  # raw bytes
)
KNOWN = ["project/thilik", "gebietskoerperschaft/16051", "organisation/ikpe", "person/stefan-huber", "ikpe",
         "shapes", "dataset/ikpe", "ikpe.ttl", "ikpe.nt", "ikpe.nt.gz", "SHA256SUMS", "project", "map",
         "16051", "thilik", "ttl", "rdf", "jsonld", "nt", "html"]


@st.composite
def route_paths(draw, rules):
    """A path for one of the app's URL rules, its variables filled with known or random segments."""
    rule = draw(st.sampled_from(rules))
    parts = re.split(r"(<[^>]+>)", rule.rule)
    out = b""
    for part in parts:
        if part.startswith("<"):
            value = draw(st.one_of(st.sampled_from(KNOWN).map(str.encode), encoded_segment))
            if "path:" in part and draw(st.booleans()):
                value += b"/" + draw(st.one_of(st.sampled_from(KNOWN).map(str.encode), encoded_segment))
            if draw(st.booleans()):
                value += draw(st.sampled_from([b".ttl", b".jsonld", b".rdf", b".nt", b".html", b".x", b"."]))
            out += value or b"x"
        else:
            out += part.encode()
    if draw(st.integers(0, 9)) == 0:
        out += draw(st.sampled_from([b"/", b"//", b"/..", b"%2e%2e/", b";x", b"/%00"]))
    return out


def query_strings():
    key = st.one_of(st.sampled_from(["q", "query", "page", "format", "lang", "type", "limit", "order", "sort",
                                     "cursor", "prefix", "id", "queries", "extend", "callback", "modified_since",
                                     "default-graph-uri", "named-graph-uri", "subject", "predicate", "object"]), text)
    value = st.one_of(text, st.integers(-2**70, 2**70).map(str),
                      st.sampled_from(["json", "html", "ttl", "de", "en", "xx", "{}", "[]", '{"q0":{"query":"Erfurt"}}',
                                       "-1", "0", "99999999999999999999", "1e9", "NaN", "true", "alert(1)//",
                                       # Triple Pattern Fragments terms (/fragments)
                                       '"x"@de', '"1"^^xsd:integer', '"x"^^<http://a>', '"', "rdf:type", "?s", "_:b",
                                       "http://a b", "<http://x>", "nope:x", '"x"@', '"x"^^']))
    pair = st.tuples(key, value).map(lambda kv: (quote(to_bytes(kv[0]), safe="") + "=" +
                                                   quote(to_bytes(kv[1]), safe="")).encode())
    # any bytes, percent-encoded as a client must (RFC 3986); raw non-ASCII bytes: see the test below
    raw = st.binary(max_size=80).map(lambda b: quote_from_bytes(b, safe="=&;+%").encode())
    return st.one_of(st.lists(pair, max_size=5).map(b"&".join), raw)


MEDIA = ["text/html", "application/xhtml+xml", "application/xml", "*/*", "text/turtle", "application/ld+json",
         "application/rdf+xml", "application/n-triples", "application/json", "application/sparql-results+json",
         "application/sparql-results+xml", "text/csv", "text/tab-separated-values", "image/*", "text/*",
         "application/*", "x/y", "", ";", "*/*;q=0", "text/html;q=abc", "text/html;level=1;q=0.5",
         "text/turtle;charset=utf-8;q=1.1", "application/ld+json;profile=\"http://www.w3.org/ns/json-ld#compacted\""]


def header_value(choices):
    one = st.one_of(st.sampled_from(choices), st.tuples(st.sampled_from(choices), st.floats(-1, 2)).map(
        lambda mq: f"{mq[0]};q={mq[1]:.3f}"))
    junk = st.binary(max_size=200).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").decode("latin-1"))
    return st.one_of(st.lists(one, max_size=6).map(", ".join), junk, st.just("a" * 8000))


accept = header_value(MEDIA)
accept_language = header_value(["de", "en", "de-DE", "en-GB", "fr", "*", "de-x-evil", "zh-Hant-TW", "i-klingon",
                                "", "x" * 100, "de;q=0", "en;q=1"])


# -- the tests -------------------------------------------------------------------------------------
def _rules(app):
    return [r for r in app.url_map.iter_rules()]


def test_every_route_is_fuzzed(fuzz_app):
    """The fuzzer covers every rule of the URL map (a new area is fuzzed without touching this file)."""
    rules = _rules(fuzz_app)
    assert {"/sparql", "/catalog", "/doc/<path:local>", "/search", "/reconcile"} <= {r.rule for r in rules}


@hsettings(parent=FUZZ, max_examples=200)
@given(data=st.data())
def test_random_paths_query_strings_and_headers_at_every_route(fuzz_app, pool, data):
    path = data.draw(route_paths(_rules(fuzz_app)), label="path")
    query = data.draw(query_strings(), label="query")
    method = data.draw(st.sampled_from(["GET", "GET", "GET", "HEAD", "OPTIONS"]), label="method")
    headers = {"Accept": data.draw(accept, label="accept"),
               "Accept-Language": data.draw(accept_language, label="accept-language")}
    if data.draw(st.booleans()):
        headers["If-None-Match"] = data.draw(st.sampled_from(['W/"x"', "*", '"', "", 'W/"' + "a" * 500 + '"']))
    if data.draw(st.booleans()):
        headers["Accept-Encoding"] = data.draw(st.sampled_from(["gzip", "gzip;q=0", "br, gzip;q=0.5", "*", "x"]))
    check(fuzz_app, pool, raw_environ(method, path, query, headers),
          sparql=path.startswith(b"/sparql"))


@hsettings(parent=FUZZ, max_examples=100)
@given(method=st.sampled_from(["POST", "PUT", "PATCH", "DELETE"]),
       path=st.sampled_from([b"/sparql", b"/reconcile", b"/reconcile/gebietskoerperschaft", b"/search",
                             b"/catalog", b"/doc/project/thilik", b"/dumps/ikpe.ttl", b"/health"]),
       body=st.one_of(st.binary(max_size=2000), text.map(to_bytes)),
       content_type=st.sampled_from([None, "application/x-www-form-urlencoded", "application/sparql-query",
                                     "application/json", "multipart/form-data; boundary=x", "text/plain",
                                     "application/x-www-form-urlencoded; charset=utf-16", "x"]))
def test_random_bodies_with_any_method(fuzz_app, pool, method, path, body, content_type):
    environ = raw_environ(method, path, b"", {}, body, content_type)
    check(fuzz_app, pool, environ, sparql=path == b"/sparql")


def _examples() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "queries").glob("*.rq"))]


TOKENS = ["{", "}", "(", ")", ".", ";", ",", "?x", "*", "SELECT", "WHERE", "FILTER(", "OPTIONAL {", "UNION",
          "SERVICE <http://127.0.0.1:9/>", "LIMIT 99999999999999999999999", "OFFSET -1", "GRAPH ?g {",
          "FROM <file:///etc/passwd>", "<javascript:alert(1)>", "\"\\u0000\"", "\x00", "\ud800", "\u202e",
          "BIND(1/0 AS ?z)", "REGEX(?x, \"(a+)+$\")", "INSERT DATA { <a:b> <c:d> <e:f> }", "LOAD <http://x/>",
          "DESCRIBE *", "ASK {}", "PREFIX x: <", "#", "\"\"\"", "'", "^^<x:y>", "@de-x", "1e999999", "COUNT(*)",
          "VALUES ?x { 1 2 3 }", "?s ?p ?o .", "?a ?b ?c . ?d ?e ?f . ?g ?h ?i ."]


@st.composite
def mutated_queries(draw):
    query = draw(st.sampled_from(_examples()))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "truncate"]))
        at = draw(st.integers(0, len(query)))
        if kind == "insert":
            query = query[:at] + " " + draw(st.one_of(st.sampled_from(TOKENS), text)) + " " + query[at:]
        elif kind == "delete":
            query = query[:at] + query[at + draw(st.integers(1, 40)):]
        elif kind == "replace":
            query = query[:at] + draw(st.sampled_from(TOKENS)) + query[at + draw(st.integers(1, 10)):]
        elif kind == "duplicate":
            query = query[:at] + query[at:at + 200] + query[at:]
        else:
            query = query[:at]
    return query


@hsettings(parent=FUZZ, max_examples=150)
@given(query=mutated_queries(), how=st.sampled_from(["get", "form", "direct"]), accept_header=accept)
def test_mutated_sparql_queries(fuzz_app, pool, query, how, accept_header):
    raw = to_bytes(query)
    headers = {"Accept": accept_header}
    if how == "get":
        environ = raw_environ("GET", b"/sparql", b"query=" + quote_from_bytes(raw, safe="").encode(), headers)
    elif how == "form":
        environ = raw_environ("POST", b"/sparql", b"", headers, b"query=" + quote_from_bytes(raw, safe="").encode(),
                              "application/x-www-form-urlencoded")
    else:
        environ = raw_environ("POST", b"/sparql", b"", headers, raw, "application/sparql-query")
    check(fuzz_app, pool, environ, sparql=True)


def test_examples_still_answer_after_fuzzing(fuzz_app, pool):
    """The endpoint is not left broken: every example query still answers 200."""
    for query in _examples()[:5]:
        environ = raw_environ("GET", b"/sparql", b"query=" + quote(query, safe="").encode(),
                              {"Accept": "application/sparql-results+json"})
        status, _, body = check(fuzz_app, pool, environ, sparql=True)
        assert status == 200, body[:300]


@pytest.mark.parametrize("raw_path,expected", [
    (b"/doc/%ED%A0%80", 400), (b"/id/%00", 400), (b"/doc/project/thilik%00.ttl", 400), (b"/%C0%AF", 400),
    (b"/catalog/%FF%FE", 400), (b"/search?q=%ED%A0%80", 200), (b"/doc/" + b"a" * 3000, 414),
    (b"/dumps/..%2f..%2fmanifest.json", 404), (b"/dumps/%2e%2e/%2e%2e/etc/passwd", 404), (b"/list/%E2%80%AE", 404),
    (b"/def/ikpe%0d%0aX-Injected:%201", 404), (b"/reconcile/preview?id=%3Cscript%3E", 404),
])
def test_known_nasty_urls(fuzz_app, pool, raw_path, expected):
    path, _, query = raw_path.partition(b"?")
    status, headers, body = check(fuzz_app, pool, raw_environ("GET", path, query, {"Accept": "text/html"}))
    assert status == expected, body[:300]
    assert "X-Injected" not in headers
    if b"%3Cscript" in raw_path:
        assert b"<script>" not in body


def test_deadline_and_traceback_checks_can_fail(fuzz_app, pool):
    """The checks are real: a view that raises is a 500 the helper rejects."""
    from flask import Flask

    broken = Flask("broken")

    @broken.route("/boom")
    def boom():
        raise RuntimeError("boom")

    with pytest.raises(AssertionError, match="500"):
        check(broken, pool, raw_environ("GET", b"/boom"))


# -- bugs the fuzzer found once (fixed): pinned so they stay fixed --------------------------------------
def test_raw_non_utf8_byte_in_query_string(fuzz_app, pool):
    assert check(fuzz_app, pool, raw_environ("GET", b"/", b"\x80"))[0] == 400


@pytest.mark.parametrize("path", [b"/pictures/map/%1F.svg", b"/pictures/map/gebietskoerperschaft/%7B.svg",
                                  b"/pictures/timeline/project/a%22b.svg"])
def test_control_character_in_picture_slug(fuzz_app, pool, path):
    assert check(fuzz_app, pool, raw_environ("GET", path))[0] == 404
