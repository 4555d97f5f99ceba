"""HTTP protocol of the Linked Data resources: Cool URIs (303), content negotiation, formats,
caching, CORS and bad input — in-process with Flask's test client against a real release."""
from __future__ import annotations

import json

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS

from server.web.conneg import negotiate, offers
from server.web.formats import FORMATS

BASE = "https://lod.ikpe-erfurt.de"
THILIK = URIRef(BASE + "/id/project/thilik")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
RDFLIB_FORMAT = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt", "nq": "nquads", "trig": "trig"}


def parse(response, key) -> Graph:
    graph = Graph() if key not in ("nq", "trig") else __import__("rdflib").Dataset()
    graph.parse(data=response.get_data(as_text=True), format=RDFLIB_FORMAT[key])
    if key in ("nq", "trig"):
        merged = Graph()
        for s, p, o, _ in graph.quads():
            merged.add((s, p, o))
        return merged
    return graph


# -- Cool URIs ------------------------------------------------------------------------------

def test_thing_answers_303_to_its_document(client):
    response = client.get("/id/project/thilik", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/doc/project/thilik")
    assert 'rel="describedby"' in response.headers["Link"]


def test_unknown_thing_is_404_not_303(client):
    assert client.get("/id/project/does-not-exist").status_code == 404
    assert client.get("/doc/project/does-not-exist").status_code == 404


def test_history_is_not_a_redirect(client):
    """16056 (kreisfreie Stadt Eisenach until 2021) isReplacedBy 16063105: still described, 200."""
    assert client.get("/id/gebietskoerperschaft/16056").status_code == 303
    response = client.get("/doc/gebietskoerperschaft/16056", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = parse(response, "ttl")
    assert (URIRef(BASE + "/id/gebietskoerperschaft/16056"), DCTERMS.isReplacedBy,
            URIRef(BASE + "/id/gebietskoerperschaft/16063105")) in graph


# -- content negotiation ----------------------------------------------------------------------

@pytest.mark.parametrize("key", list(FORMATS))
def test_every_format_parses_and_contains_the_resource(client, key):
    fmt = FORMATS[key]
    for response in (client.get("/doc/project/thilik", headers={"Accept": fmt.media_type}),
                     client.get(f"/doc/project/thilik.{key}"),
                     client.get(f"/doc/project/thilik?format={key}")):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == f"{fmt.media_type}; charset=utf-8"
        graph = parse(response, key)
        assert (THILIK, RDFS.label, Literal("Thüringer Initiative für lokales Integrationsmanagement in den "
                                            "Kommunen (ThILIK)", lang="de")) in graph


def test_jsonld_has_an_inline_context(client):
    data = json.loads(client.get("/doc/project/thilik.jsonld").get_data(as_text=True))
    assert isinstance(data["@context"], dict) and data["@context"]["ikpe"] == BASE + "/def/ikpe#"


@pytest.mark.parametrize("accept, expected", [
    (BROWSER, "text/html"),
    ("*/*", "text/html"),
    (None, "text/html"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/n-triples", "application/n-triples"),
    ("text/html;q=0, */*", "text/turtle"),
    ("application/json", "application/ld+json"),
])
def test_accept_with_q_values(client, accept, expected):
    response = client.get("/doc/project/thilik", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.headers["Vary"]


def test_nothing_acceptable_is_406_listing_what_is(client):
    response = client.get("/doc/project/thilik", headers={"Accept": "image/png"})
    assert response.status_code == 406
    body = response.get_data(as_text=True)
    for media_type in offers():
        assert media_type in body
    assert 'rel="alternate"' in response.headers["Link"]


def test_quality_of_most_specific_range_wins():
    assert negotiate("text/*;q=0.1, text/turtle", offers()) == "text/turtle"
    assert negotiate("application/ld+json;q=0", ["application/ld+json"]) is None


def test_link_headers_advertise_every_format(client):
    response = client.get("/doc/project/thilik")
    link = response.headers["Link"]
    for fmt in FORMATS.values():
        assert f'</doc/project/thilik.{fmt.key}>; rel="alternate"; type="{fmt.media_type}"' in link
    assert response.headers["Content-Location"] == "/doc/project/thilik.html"


def test_explicit_format_urls_do_not_vary_on_accept(client):
    response = client.get("/doc/project/thilik.ttl", headers={"Accept": "text/html"})
    assert response.mimetype == "text/turtle"
    assert "Accept" not in response.headers.get("Vary", "").split(", ")


# -- the RDF document -------------------------------------------------------------------------

def test_document_has_inverse_links_labels_and_metadata(client):
    graph = parse(client.get("/doc/gebietskoerperschaft/16063.ttl"), "ttl")
    wartburgkreis = URIRef(BASE + "/id/gebietskoerperschaft/16063")
    participation = URIRef(BASE + "/id/participation/thilik/16063")
    assert (participation, URIRef(BASE + "/def/ikpe#roleHolder"), wartburgkreis) in graph   # inverse link
    assert (participation, URIRef(BASE + "/def/ikpe#roleIn"), THILIK) in graph              # its qualified relation
    assert any(True for _ in graph.objects(THILIK, RDFS.label))                           # label of what is mentioned
    assert any(True for _ in graph.objects(URIRef(BASE + "/def/ikpe#roleHolder"), RDFS.label))
    doc = URIRef(BASE + "/doc/gebietskoerperschaft/16063")
    assert (doc, FOAF.primaryTopic, wartburgkreis) in graph
    assert (doc, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
    assert (doc, URIRef("http://rdfs.org/ns/void#inDataset"), URIRef(BASE + "/catalog/dataset/ikpe")) in graph
    assert (doc, DCTERMS.source, URIRef(BASE + "/id/source/destatis-gv100ad")) in graph
    assert any(True for _ in graph.objects(doc, DCTERMS.modified))


# -- caching ----------------------------------------------------------------------------------

def test_etag_last_modified_and_304(client, store):
    first = client.get("/doc/project/thilik.ttl")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert store.release().id in etag
    assert "max-age=" in first.headers["Cache-Control"] and "public" in first.headers["Cache-Control"]
    assert client.get("/doc/project/thilik.ttl", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/doc/project/thilik.ttl", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/doc/project/thilik.ttl", headers={"If-None-Match": '"other"'}).status_code == 200


def test_representations_have_different_etags(client):
    turtle = client.get("/doc/project/thilik", headers={"Accept": "text/turtle"}).headers["ETag"]
    html_de = client.get("/doc/project/thilik", headers={"Accept": "text/html"}).headers["ETag"]
    html_en = client.get("/doc/project/thilik?lang=en", headers={"Accept": "text/html"}).headers["ETag"]
    assert len({turtle, html_de, html_en}) == 3


@pytest.mark.parametrize("path", ["/", "/doc/project/thilik", "/doc/project/thilik.ttl", "/list/project",
                                  "/def/ikpe", "/def/shapes.ttl", "/sitemap.xml", "/robots.txt"])
def test_head_works_everywhere(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


def test_cors_on_rdf_documents(client):
    response = client.get("/doc/project/thilik.jsonld", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in response.headers["Access-Control-Expose-Headers"]


# -- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("path, status", [
    ("/doc/project/thilik.exe", 404),           # unknown format suffix
    ("/doc/project/thilik?format=exe", 400),    # unknown format parameter
    ("/doc/project/%ZZthilik", 400),            # malformed percent-encoding
    ("/doc/project/%C3%28", 400),               # percent-encoded bytes that are not UTF-8
    ("/doc/" + "a" * 3000, 414),                # absurdly long path
    ("/doc/project/../../etc/passwd", 400),     # traversal (as sent, unnormalised)
    ("/doc/project/%2E%2E/%2E%2E/etc/passwd", 400),
    ("/doc/project/thilik%3E%20%3Fs", 404),      # characters that cannot be in our IRIs (SPARQL injection)
    ("/def/..%2F..%2Fetc%2Fpasswd", 400),
    ("/list/nothing", 404),
    ("/list/project?page=99", 404),
    ("/list/project?order=sideways", 400),
])
def test_bad_input_is_4xx(client, path, status):
    response = client.get(path)
    assert response.status_code == status


def test_404_page_is_helpful(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'action="/search"' in html and 'href="/"' in html


def test_sitemap_and_robots(client):
    sitemap = client.get("/sitemap.xml")
    assert sitemap.mimetype == "application/xml"
    text = sitemap.get_data(as_text=True)
    assert f"<loc>{BASE}/doc/project/thilik</loc>" in text and "<urlset" in text
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {BASE}/sitemap.xml" in robots


def test_pages_answer_503_with_retry_after_when_no_release_is_built(tmp_path):
    from server.settings import load_settings
    from server.web.app import create_app

    app = create_app(load_settings(build_dir=tmp_path / "empty"))
    client = app.test_client()
    for path in ("/", "/doc/project/thilik", "/id/project/thilik", "/list/project"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == str(app.config["SETTINGS"].retry_after)
        assert "try again" in response.get_data(as_text=True).lower()
