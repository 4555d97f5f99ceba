"""Hostile data is displayed harmlessly: a literal with <script> and an IRI with a javascript:
scheme. The fixture writes a release from the real graph plus planted triples directly (bypassing
validation on purpose: the renderer must be safe whatever the data says)."""
from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS

from server.kg.namespaces import SCHEMA
from server.kg.pipeline import assemble, source_digest
from server.kg.release import write_release
from server.settings import load_settings
from server.web.app import create_app

THILIK = URIRef("https://lod.ikpe-erfurt.de/id/project/thilik")
SCRIPT = '<script>alert("pwned")</script></script><!--'


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    settings = load_settings(build_dir=tmp_path_factory.mktemp("hostile"))
    outcome = assemble(settings)
    graph = outcome.graph
    graph.add((THILIK, DCTERMS.description, Literal(SCRIPT, lang="de-x-evil")))
    graph.add((THILIK, RDFS.label, Literal(SCRIPT + " label")))
    graph.add((THILIK, SCHEMA.url, URIRef("javascript:alert(1)")))
    graph.add((THILIK, SCHEMA.sameAs, URIRef("data:text/html,%3Cscript%3Ealert(2)%3C/script%3E")))
    write_release(graph, settings.build_dir, {"source_digest": source_digest(settings),
                                              "public_base": settings.public_base})
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_script_literal_and_javascript_iri_are_harmless(hostile_client, lang):
    response = hostile_client.get(f"/doc/project/thilik?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html or "&lt;script&gt;" in html
    assert 'href="javascript:' not in html.lower()
    assert 'href="data:' not in html.lower()
    assert "javascript:alert(1)" in html                     # shown as text, not as a link
    # the embedded JSON-LD cannot close its <script> element
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block
    assert "Content-Security-Policy" in response.headers


def test_rdf_serialisations_keep_the_literal_verbatim(hostile_client):
    turtle = hostile_client.get("/doc/project/thilik.ttl").get_data(as_text=True)
    assert "<script>alert" in turtle                           # data stays data in RDF
    assert hostile_client.get("/doc/project/thilik.ttl").headers["X-Content-Type-Options"] == "nosniff"
