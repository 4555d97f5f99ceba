"""The reconciliation service (Reconciliation Service API 0.2, as OpenRefine calls it), through HTTP.

Every answer is checked against the API's published JSON Schemas (tests/fixtures/reconciliation/0.2/,
origin and licence in SOURCES.md there), validated as Draft 7 with a local registry: nothing is fetched.
"""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).parent / "fixtures" / "reconciliation" / "0.2"
BASE = "https://reconciliation-api.github.io/specs/0.2/schemas/"
ID_BASE = "https://lod.ikpe-erfurt.de/id/"
IKPE = "https://lod.ikpe-erfurt.de/def/ikpe#"


def _registry() -> tuple[Registry, dict]:
    registry, schemas = Registry(), {}
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        schemas[path.name] = schema
        resource = Resource.from_contents(schema, default_specification=DRAFT7)
        uris = {BASE + path.name, schema["$id"].rstrip("#")}
        if path.name == "openapi.json":
            uris.add("http://swagger.io/v2/schema.json")
        for uri in uris:
            registry = registry.with_resource(uri, resource)
    return registry, schemas


REGISTRY, SCHEMA_FILES = _registry()


def validate(instance, schema_file: str) -> None:
    schema = SCHEMA_FILES[schema_file]
    validator = Draft7Validator(schema, registry=REGISTRY)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_schemas_reject_what_they_should():
    """The validator is live: an invalid manifest and an invalid candidate are refused."""
    with pytest.raises(AssertionError):
        validate({"name": "x", "identifierSpace": "x", "schemaSpace": "x"}, "manifest.json")  # no versions
    with pytest.raises(AssertionError):
        validate({"q0": {"result": [{"id": "a", "name": "b"}]}}, "reconciliation-result-batch.json")  # no score
    with pytest.raises(AssertionError):  # the $ref into openapi.json is resolved locally
        validate({"versions": ["0.2"], "name": "x", "identifierSpace": "x", "schemaSpace": "x",
                  "authentication": {"type": "nonsense"}}, "manifest.json")


def reconcile(client, queries: dict, path: str = "/reconcile", method: str = "POST") -> dict:
    validate(queries, "reconciliation-query-batch.json")
    if method == "POST":
        response = client.post(path, data={"queries": json.dumps(queries)})
    else:
        response = client.get(f"{path}?queries={quote(json.dumps(queries))}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    validate(body, "reconciliation-result-batch.json")
    assert set(body) == set(queries)  # OpenRefine looks every answer up by its key
    return body


# -- manifest -----------------------------------------------------------------------------------
@pytest.mark.parametrize("path, space", [("/reconcile", ID_BASE),
                                         ("/reconcile/gebietskoerperschaft", ID_BASE + "gebietskoerperschaft/")])
def test_manifest(client, path, space):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    manifest = response.get_json()
    validate(manifest, "manifest.json")
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == space
    assert manifest["schemaSpace"] == IKPE
    assert {"id": "Landkreis", "name": "Landkreis"} in manifest["defaultTypes"]
    assert "{{id}}" in manifest["view"]["url"] and "{{id}}" in manifest["preview"]["url"]
    assert manifest["preview"]["width"] > 0 and manifest["preview"]["height"] > 0
    for kind in ("entity", "type", "property"):
        service = manifest["suggest"][kind]
        assert service["service_url"].startswith("http") and service["service_path"].startswith("/")
    assert "${id}" in manifest["suggest"]["entity"]["flyout_service_path"]
    assert manifest["extend"]["propose_properties"]["service_path"]


def test_manifest_in_english(client):
    manifest = client.get("/reconcile?lang=en").get_json()
    names = {t["id"]: t["name"] for t in manifest["defaultTypes"]}
    assert names["Project"] == "Project" and names["Landkreis"].startswith("Landkreis")


# -- reconciling --------------------------------------------------------------------------------
def test_reconcile_batch_like_openrefine(client):
    """OpenRefine: POST form queries=, keys q0…q9, type as one id with type_strict 'should'."""
    names = ["Sömmerda", "Soemmerda", "sommerda", "Erfurt", "Kyffhäuserkreis", "Wartburgkreis", "Jena",
             "Gera", "Nordhausen", "Saale-Orla-Kreis"]
    queries = {f"q{i}": {"query": name, "type": "Gebietskoerperschaft", "type_strict": "should"}
               for i, name in enumerate(names)}
    body = reconcile(client, queries)
    for key, name in zip(queries, names):
        top = body[key]["result"][0]
        assert top["match"] is True, (name, body[key])
        assert top["score"] >= 90
        assert top["id"].startswith("gebietskoerperschaft/")
        assert any(t["id"] == "Gebietskoerperschaft" for t in top["type"])
    assert body["q0"]["result"][0]["id"] == "gebietskoerperschaft/16068"
    assert body["q1"]["result"][0]["id"] == body["q2"]["result"][0]["id"] == "gebietskoerperschaft/16068"
    assert body["q3"]["result"][0] == {**body["q3"]["result"][0], "id": "gebietskoerperschaft/16051",
                                       "name": "Erfurt"}


def test_reconcile_by_get_and_single_query(client):
    body = reconcile(client, {"q0": {"query": "Jena"}}, method="GET")
    assert body["q0"]["result"][0]["id"] == "gebietskoerperschaft/16053"
    single = client.get("/reconcile?query=Jena").get_json()
    assert single["result"][0]["id"] == "gebietskoerperschaft/16053"


def test_candidates_are_sorted_and_ambiguity_is_not_a_match(client):
    body = reconcile(client, {"q0": {"query": "Eisenach"}, "q1": {"query": "Kyffhauser"},
                              "q2": {"query": "Thüringen Landkreis nirgendwo"}})
    for key in body:
        scores = [c["score"] for c in body[key]["result"]]
        assert scores == sorted(scores, reverse=True)
    eisenach = {c["id"]: c for c in body["q0"]["result"]}
    assert {"gebietskoerperschaft/16063105", "gebietskoerperschaft/16056"} <= set(eisenach)
    assert body["q1"]["result"][0]["id"] == "gebietskoerperschaft/16065"
    assert body["q1"]["result"][0]["match"] is False  # a partial name is a candidate, not a match


def test_type_filter(client):
    body = reconcile(client, {
        "q0": {"query": "Erfurt", "type": "Landkreis"},
        "q1": {"query": "Erfurt", "type": "KreisfreieStadt"},
        "q2": {"query": "Erfurt", "type": IKPE + "KreisfreieStadt"},
        "q3": {"query": "Gotha", "type": ["Landkreis", "KreisfreieStadt"], "limit": 1},
        "q4": {"query": "ThILIK", "type": "Project"},
    })
    assert body["q0"]["result"] == []
    assert body["q1"]["result"][0]["id"] == body["q2"]["result"][0]["id"] == "gebietskoerperschaft/16051"
    assert len(body["q3"]["result"]) == 1 and body["q3"]["result"][0]["id"] == "gebietskoerperschaft/16067"
    assert [c["id"] for c in body["q4"]["result"]] == ["project/thilik"]


def test_properties_name_plus_key(client):
    """A Landkreis by name plus its key: the key decides between close names and confirms a match."""
    body = reconcile(client, {
        "q0": {"query": "Saale Orla", "type": "Landkreis",
               "properties": [{"pid": "kreisschluessel", "v": "16075"}]},
        "q1": {"query": "Sömmerda", "properties": [{"pid": "ikpe:kreisschluessel", "v": "16051"}]},
        "q2": {"properties": [{"pid": "ags", "v": 16051000}]},
        "q3": {"query": "Nordhausen", "properties": [{"pid": IKPE + "ags", "v": "16062"}]},
        "q4": {"query": "Erfurt", "properties": [{"pid": "schema:sameAs", "v": "Q1729"}]},
        "q5": {"query": "Nordhausen", "properties": [
            {"pid": "schema:containedInPlace", "v": {"id": "gebietskoerperschaft/16", "name": "Thüringen"}}]},
    })
    top = body["q0"]["result"][0]
    assert top["id"] == "gebietskoerperschaft/16075" and top["match"] is True
    assert {"id": "property:kreisschluessel", "value": 1.0} in top["features"]
    assert all(c["match"] is False for c in body["q1"]["result"])  # name and key disagree
    assert body["q1"]["result"][0]["score"] < 90
    assert body["q2"]["result"][0]["id"] == "gebietskoerperschaft/16051" and body["q2"]["result"][0]["match"]
    assert body["q3"]["result"][0]["id"] == "gebietskoerperschaft/16062" and body["q3"]["result"][0]["score"] == 100
    assert body["q4"]["result"][0]["score"] == 100
    assert body["q5"]["result"][0]["score"] == 100


def test_entity_id_as_query(client):
    body = reconcile(client, {"q0": {"query": "gebietskoerperschaft/16051"},
                              "q1": {"query": ID_BASE + "project/thilik"}})
    assert body["q0"]["result"][0]["id"] == "gebietskoerperschaft/16051" and body["q0"]["result"][0]["match"]
    assert body["q1"]["result"][0]["id"] == "project/thilik"


def test_gebietskoerperschaft_service_uses_keys_as_ids(client):
    body = reconcile(client, {"q0": {"query": "Sömmerda"}, "q1": {"query": "ThILIK"},
                              "q2": {"query": "Erfurt"}}, path="/reconcile/gebietskoerperschaft")
    assert body["q0"]["result"][0]["id"] == "16068" and body["q0"]["result"][0]["match"]
    assert body["q1"]["result"] == []  # a project is not a Gebietskörperschaft
    assert [c["id"] for c in body["q2"]["result"]] == ["16051"]


def test_entity_ids_need_no_escaping_and_resolve(client):
    """ids contain only [a-z0-9-/] (main) or digits (keys): OpenRefine's encodeURI leaves them as they are;
    identifierSpace + id is the entity's IRI, and the server answers for it."""
    body = reconcile(client, {f"q{i}": {"query": q} for i, q in enumerate(
        ["Erfurt", "ThILIK", "Huber", "Integration", "TMMJV", "Eisenach"])})
    ids = [c["id"] for answer in body.values() for c in answer["result"]]
    assert ids and all(re.fullmatch(r"[a-z0-9][a-z0-9/-]*", i) for i in ids), ids
    for entity_id in ids[:10]:
        assert client.get("/id/" + entity_id).status_code == 303, entity_id
    keys = reconcile(client, {"q0": {"query": "Eisenach"}}, path="/reconcile/gebietskoerperschaft")
    assert all(re.fullmatch(r"[0-9]+", c["id"]) for c in keys["q0"]["result"])
    # the same preview both ways: raw (OpenRefine) and encoded as a URI component (the spec)
    raw = client.get("/reconcile/preview?id=gebietskoerperschaft/16051")
    encoded = client.get("/reconcile/preview?id=" + quote("gebietskoerperschaft/16051", safe=""))
    assert raw.status_code == encoded.status_code == 200 and raw.data == encoded.data


def test_odd_queries_never_fail(client):
    odd = ['"', "NEAR(a b)", "*", "(", "AND", "x" * 5000, "\x00", "", "   ", "Sömmerda\" OR \"x", "🙂",
           "label:Erfurt", "-", "^Erfurt"]
    queries = {f"q{i}": {"query": text} for i, text in enumerate(odd)}
    queries["limit0"] = {"query": "Erfurt", "limit": 0}
    body = reconcile(client, queries)
    assert body["q10"]["result"] == []  # 🙂: no letters or digits, no candidates
    assert body["q11"]["result"][0]["name"] == body["q13"]["result"][0]["name"] == "Erfurt"
    assert body["q9"]["result"][0]["name"] == "Sömmerda"
    # wrong shapes inside a batch: that key gets no candidates, the rest is answered
    response = client.post("/reconcile", data={"queries": json.dumps(
        {"a": "Erfurt", "b": {"query": ["x"], "type": 5, "limit": "many", "properties": "no"},
         "c": {"query": "Jena", "properties": [{"pid": "nonsense", "v": "1"}, {"v": "x"}, 7]}})})
    assert response.status_code == 200
    body = response.get_json()
    validate(body, "reconciliation-result-batch.json")
    assert body["a"]["result"] == [] and body["c"]["result"][0]["name"] == "Jena"


@pytest.mark.parametrize("data, status", [({"queries": "{not json"}, 400), ({"queries": "[1, 2]"}, 400),
                                          ({"extend": "nope"}, 400),
                                          ({"queries": json.dumps({f"q{i}": {"query": "a"} for i in range(101)})},
                                           413)])
def test_bad_requests_are_client_errors_with_cors(client, data, status):
    response = client.post("/reconcile", data=data)
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "error" in response.get_json()


# -- suggest --------------------------------------------------------------------------------------
def test_suggest_entity(client):
    response = client.get("/reconcile/suggest/entity?prefix=Kyff")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    validate(body, "suggest-entities-response.json")
    top = body["result"][0]
    assert top["id"] == "gebietskoerperschaft/16065" and top["name"] == "Kyffhäuserkreis"
    assert {"id": "Landkreis", "name": "Landkreis"} in top["notable"]
    assert client.get("/reconcile/suggest/entity?prefix=soemm").get_json()["result"][0]["name"] == "Sömmerda"
    empty = client.get("/reconcile/suggest/entity?prefix=%22NEAR(").get_json()
    validate(empty, "suggest-entities-response.json")
    paged = client.get("/reconcile/suggest/entity?prefix=Teilnahme&cursor=2").get_json()["result"]
    first = client.get("/reconcile/suggest/entity?prefix=Teilnahme").get_json()["result"]
    assert paged and paged[0] == first[2]


def test_suggest_type(client):
    body = client.get("/reconcile/suggest/type?prefix=land").get_json()
    validate(body, "suggest-types-response.json")
    assert {"Land", "Landkreis"} <= {t["id"] for t in body["result"]}
    english = client.get("/reconcile/suggest/type?prefix=district&lang=en").get_json()
    assert "Landkreis" in {t["id"] for t in english["result"]}


def test_suggest_property(client):
    body = client.get("/reconcile/suggest/property?prefix=schl%C3%BCssel").get_json()
    validate(body, "suggest-properties-response.json")
    assert {"ags", "kreisschluessel", "ars"} <= {p["id"] for p in body["result"]}
    wikidata = client.get("/reconcile/suggest/property?prefix=wiki").get_json()["result"]
    assert wikidata[0]["id"] == "schema:sameAs"


def test_flyout(client):
    body = client.get("/reconcile/flyout/entity?id=project/thilik").get_json()
    assert body["id"] == "project/thilik" and "ThILIK" in body["html"]
    assert client.get("/reconcile/flyout/entity?id=nope/nothing").status_code == 404


# -- preview --------------------------------------------------------------------------------------
def test_preview_card_is_embeddable(client):
    response = client.get("/reconcile/preview?id=gebietskoerperschaft/16068")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert "Sömmerda" in html and "16068" in html and "Q7865" in html
    assert client.get("/reconcile/gebietskoerperschaft/preview?id=16068").get_data(as_text=True).count("Sömmerda") >= 1
    missing = client.get("/reconcile/preview?id=%3Cscript%3Ex")
    assert missing.status_code == 404 and "<script>x" not in missing.get_data(as_text=True)


# -- data extension ---------------------------------------------------------------------------------
def test_propose_properties(client):
    response = client.get("/reconcile/propose_properties?type=Landkreis&limit=5")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    validate(body, "data-extension-property-proposal.json")
    assert body["type"] == "Landkreis" and len(body["properties"]) == 5
    assert {"ags", "kreisschluessel"} <= {p["id"] for p in body["properties"]}
    project = client.get("/reconcile/propose_properties?type=Project").get_json()
    assert "kreisschluessel" not in {p["id"] for p in project["properties"]}
    assert "rdf:type" in {p["id"] for p in project["properties"]}
    assert client.get("/reconcile/propose_properties").status_code == 400


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_extend(client, method):
    query = {"ids": ["gebietskoerperschaft/16068", "gebietskoerperschaft/16063105", "project/thilik", "no/such"],
             "properties": [{"id": "kreisschluessel"}, {"id": "ags"}, {"id": "schema:sameAs"}, {"id": "rdf:type"},
                            {"id": "schema:containedInPlace"}]}
    validate(query, "data-extension-query.json")
    if method == "POST":
        response = client.post("/reconcile", data={"extend": json.dumps(query)})
    else:
        response = client.get("/reconcile?extend=" + quote(json.dumps(query)))
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    validate(body, "data-extension-response.json")
    assert [m["id"] for m in body["meta"]] == [p["id"] for p in query["properties"]]
    assert set(body["rows"]) == set(query["ids"])
    soemmerda = body["rows"]["gebietskoerperschaft/16068"]
    assert soemmerda["kreisschluessel"] == [{"str": "16068"}]
    assert soemmerda["schema:sameAs"] == [{"id": "Q7865", "name": "Q7865"}]
    assert soemmerda["rdf:type"][0] == {"id": "Landkreis", "name": "Landkreis"}
    assert soemmerda["schema:containedInPlace"] == [{"id": "gebietskoerperschaft/16", "name": "Thüringen"}]
    assert body["rows"]["gebietskoerperschaft/16063105"]["schema:containedInPlace"][0]["name"] == "Wartburgkreis"
    assert body["rows"]["project/thilik"]["kreisschluessel"] == []
    assert body["rows"]["no/such"] == {p["id"]: [] for p in query["properties"]}
    wikidata = next(m for m in body["meta"] if m["id"] == "schema:sameAs")
    assert wikidata["service"].startswith("https://")  # the values are reconciled against Wikidata


def test_extend_on_key_service(client):
    body = client.post("/reconcile/gebietskoerperschaft", data={"extend": json.dumps(
        {"ids": ["16068"], "properties": [{"id": "schema:containedInPlace"}, {"id": "ars"}]})}).get_json()
    validate(body, "data-extension-response.json")
    assert body["rows"]["16068"] == {"schema:containedInPlace": [{"id": "16", "name": "Thüringen"}],
                                     "ars": [{"str": "160680000000"}]}


# -- cross-origin -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/reconcile", "/reconcile/suggest/entity?prefix=a", "/reconcile/suggest/type",
                                  "/reconcile/suggest/property", "/reconcile/propose_properties?type=Land",
                                  "/reconcile/preview?id=project/thilik", "/reconcile/flyout/entity?id=project/thilik",
                                  "/reconcile/gebietskoerperschaft"])
def test_cors_everywhere(client, path):
    response = client.get(path, headers={"Origin": "http://127.0.0.1:3333"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(path.split("?")[0], headers={
        "Origin": "http://127.0.0.1:3333", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"] or "GET" in \
        preflight.headers["Access-Control-Allow-Methods"]


def test_jsonp(client):
    response = client.get("/reconcile?callback=jQuery123_456")
    assert response.mimetype == "application/javascript"
    text = response.get_data(as_text=True)
    assert text.startswith("/**/jQuery123_456(") and text.endswith(");")
    manifest = json.loads(text[len("/**/jQuery123_456("):-2])
    validate(manifest, "manifest.json")
    bad = client.get("/reconcile?callback=alert(1)//")  # not a function name: plain JSON
    assert bad.mimetype == "application/json"


@pytest.fixture()
def other_origin():
    """A second HTTP server on another port (another origin, like OpenRefine's web UI at :3333),
    serving one page given by the test."""
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get("html", "").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()


@pytest.mark.browser
def test_in_a_browser_from_another_origin(live_server, page, other_origin):
    """What OpenRefine's browser side does, from another origin: fetch the manifest and suggestions
    cross-origin, POST a batch, and show the preview card in an iframe."""
    base = live_server.url
    origin, pages = other_origin
    preview = f"{base}/reconcile/preview?id=gebietskoerperschaft/16068"
    pages["html"] = f'<!doctype html><p>OpenRefine</p><iframe id="p" src="{preview}" width="420" height="160"></iframe>'
    page.goto(origin + "/")
    result = page.evaluate("""async (base) => {
        const manifest = await (await fetch(base + '/reconcile')).json();
        const suggest = await (await fetch(base + '/reconcile/suggest/entity?prefix=Kyff')).json();
        const form = new URLSearchParams({queries: JSON.stringify({q0: {query: 'Sömmerda'}})});
        const batch = await (await fetch(base + '/reconcile', {method: 'POST', body: form})).json();
        return {name: manifest.name, suggest: suggest.result[0].name, match: batch.q0.result[0].match};
    }""", base)
    assert result == {"name": "IKPE Linked Open Data", "suggest": "Kyffhäuserkreis", "match": True}
    frame = page.frame_locator("#p")
    assert "Sömmerda" in frame.locator(".ikpe-title").inner_text(timeout=10000)
