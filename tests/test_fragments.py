"""Triple Pattern Fragments (/fragments, docs/fragments.md) on the test release: the documents read
with rdflib (data, metadata graph, controls, counts, paging), content negotiation, caching headers,
bad input, and the HTML view in Chromium with axe."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import FOAF, RDF, XSD

from accessibility import serious_axe_violations

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VOID = Namespace("http://rdfs.org/ns/void#")
IKPE = Namespace("https://lod.ikpe-erfurt.de/def/ikpe#")
BASE = "http://localhost/fragments"
TYPE_PATTERN = "/fragments?predicate=" + quote(str(RDF.type), safe="")
RDF_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
               "application/rdf+xml": "xml"}


def fetch(client, url: str, accept: str = "text/turtle", **headers):
    return client.get(url, headers={"Accept": accept, **headers})


def graph_of(response, fmt: str = "turtle") -> Graph:
    assert response.status_code == 200, response.data[:500]
    return Graph().parse(data=response.data, format=fmt, publicID=BASE)


def count_of(graph: Graph, page: str) -> int:
    values = {int(v) for v in graph.objects(URIRef(page), HYDRA.totalItems)}
    assert values == {int(v) for v in graph.objects(URIRef(page), VOID.triples)} and len(values) == 1
    return values.pop()


def matches(graph: Graph, pattern) -> set:
    return set(graph.triples(pattern))


def test_a_fragment_carries_its_data_count_and_controls(client, store):
    response = fetch(client, TYPE_PATTERN)
    graph = graph_of(response)
    page = "http://localhost" + TYPE_PATTERN
    total = len(store.select(f"SELECT * WHERE {{ ?s <{RDF.type}> ?o }}"))
    assert count_of(graph, page) == total > 100
    assert len(matches(graph, (None, RDF.type, None)) - matches(graph, (None, RDF.type, HYDRA.IriTemplate))) >= 100
    dataset = URIRef(BASE + "#dataset")
    assert {RDF.type: {VOID.Dataset, HYDRA.Collection}}[RDF.type] <= set(graph.objects(dataset, RDF.type))
    search = graph.value(dataset, HYDRA.search)
    assert str(graph.value(search, HYDRA.template)) == BASE + "{?subject,predicate,object}"
    assert graph.value(search, HYDRA.variableRepresentation) == HYDRA.ExplicitRepresentation
    mapped = {str(graph.value(m, HYDRA.variable)): graph.value(m, HYDRA.property)
              for m in graph.objects(search, HYDRA.mapping)}
    assert mapped == {"subject": RDF.subject, "predicate": RDF.predicate, "object": RDF.object}
    assert (dataset, VOID.subset, URIRef(page)) in graph
    assert int(graph.value(URIRef(page), HYDRA.itemsPerPage)) == 100
    assert graph.value(URIRef(page), HYDRA.next) is not None and graph.value(URIRef(page), HYDRA.previous) is None


def test_paging_walks_every_match_once(client, store):
    expected = {(r["s"], r["o"]) for r in store.select(f"SELECT * WHERE {{ ?s <{RDF.type}> ?o }}")}
    seen, url, pages = [], "http://localhost" + TYPE_PATTERN, 0
    while url:
        graph = graph_of(fetch(client, url[len("http://localhost"):]))
        data = [(s, o) for s, o in graph.subject_objects(RDF.type) if not str(s).startswith(BASE)]
        seen += data
        assert len(data) <= 100
        following = graph.value(URIRef(url), HYDRA.next)
        if pages:
            assert graph.value(URIRef(url), HYDRA.previous) is not None
        url, pages = (str(following) if following else None), pages + 1
    named = {pair for pair in seen if not isinstance(pair[0], BNode)}  # a blank node is renamed per document
    assert len(seen) == len(expected) and named == {pair for pair in expected if not isinstance(pair[0], BNode)}
    assert len(named) == len([pair for pair in seen if not isinstance(pair[0], BNode)])
    assert pages == -(-len(expected) // 100)


def test_trig_and_nquads_put_metadata_in_their_own_graph(client):
    url = "/fragments?predicate=rdf%3Atype&object=ikpe%3AProject"
    for accept, fmt in (("application/trig", "trig"), ("application/n-quads", "nquads")):
        dataset = Dataset().parse(data=fetch(client, url, accept).data, format=fmt, publicID=BASE)
        meta = dataset.graph(URIRef(BASE + "#metadata"))
        assert (URIRef(BASE + "#metadata"), FOAF.primaryTopic, URIRef("http://localhost" + url)) in meta
        assert count_of(meta, "http://localhost" + url) == 2
        data = dataset.default_graph
        assert set(data.subject_objects(RDF.type)) == {(s, IKPE.Project) for s in data.subjects()}
        assert len(data) == 2 and not set(meta.triples((None, RDF.type, IKPE.Project)))


@pytest.mark.parametrize("accept", list(RDF_FORMATS))
def test_every_format_without_graphs_holds_data_and_metadata(client, accept):
    url = "/fragments?predicate=rdf%3Atype&object=ikpe%3AProject"
    graph = graph_of(fetch(client, url, accept), RDF_FORMATS[accept])
    assert count_of(graph, "http://localhost" + url) == 2
    assert len(matches(graph, (None, RDF.type, IKPE.Project))) == 2


def test_literal_terms_in_the_specifications_syntax(client, store):
    row = store.select('SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o '
                       'FILTER(lang(?o) = "de") } LIMIT 1')[0]
    literal = f'"{row["o"]}"@de'
    graph = graph_of(fetch(client, "/fragments?object=" + quote(literal, safe="")))
    assert (row["s"], URIRef("http://www.w3.org/2000/01/rdf-schema#label"), row["o"]) in graph
    assert all(o == row["o"] for s, p, o in graph if not str(s).startswith(BASE))
    typed = fetch(client, "/fragments?object=" + quote('"2"^^http://www.w3.org/2001/XMLSchema#integer', safe=""))
    assert typed.status_code == 200
    assert all(o == Literal(2) for s, p, o in graph_of(typed) if not str(s).startswith(BASE) and p != RDF.type)


def test_a_pattern_without_matches_is_an_empty_first_page(client):
    url = "/fragments?subject=" + quote("https://lod.ikpe-erfurt.de/id/nothing/here", safe="")
    graph = graph_of(fetch(client, url))
    assert count_of(graph, "http://localhost" + url) == 0
    assert graph.value(URIRef("http://localhost" + url), HYDRA.next) is None


@pytest.mark.parametrize("query, status", [
    ("subject=%22a%20literal%22", 400), ("predicate=%22x%22@de", 400), ("predicate=nope:type", 400),
    ("subject=_:b0", 400), ("object=%22unterminated", 400), ("object=%22x%22@not%20a%20tag", 400),
    ("subject=http://exa%20mple.org/x", 400), ("object=%22x%22junk", 400), ("subject=notaniri", 400),
    ("page=0", 400), ("page=-1", 400), ("page=two", 400), ("page=1&page=2", 400), ("subject=a&subject=b", 400),
    ("page=100000", 404), ("object=" + "x" * 3000, 414), ("subject=http://x.org/" + "a" * 1200, 400),
])
def test_bad_input_is_a_clear_4xx(client, query, status):
    response = fetch(client, "/fragments?" + query)
    assert response.status_code == status
    if status == 400:
        assert b"400" in response.data


def test_fragments_are_cacheable_per_release(client, store):
    response = fetch(client, TYPE_PATTERN)
    assert response.headers["ETag"].startswith(f'"{store.release().id}-')  # strong, per release and pattern
    assert response.cache_control.public and response.cache_control.max_age > 0
    assert {"Accept", "Accept-Datetime"} <= set(response.vary.as_set(preserve_casing=True))
    again = fetch(client, TYPE_PATTERN, **{"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    other = fetch(client, TYPE_PATTERN + "&page=2")
    assert other.headers["ETag"] != response.headers["ETag"]


def test_html_view_has_a_form_links_and_escapes(client):
    response = fetch(client, "/fragments?predicate=rdf%3Atype&object=ikpe%3AProject&lang=en", "text/html")
    text = response.data.decode()
    assert response.status_code == 200 and 'name="subject"' in text and "/doc/project/" in text
    hostile = fetch(client, "/fragments?object=" + quote('"<script>alert(1)</script>"', safe="") + "&lang=de",
                    "text/html").data.decode()
    assert "<script>alert" not in hostile and "&lt;script&gt;" in hostile


def test_html_form_works_in_a_browser_and_is_accessible(live_server, page):
    page.goto(live_server.url + "/fragments?lang=de")
    page.fill("#tpf-predicate", "rdf:type")
    page.fill("#tpf-object", "ikpe:Project")
    page.click(".fragment-form button[type=submit]")
    page.wait_for_selector("table.fragment-triples")
    assert page.locator("table.fragment-triples tbody tr").count() == 2
    assert serious_axe_violations(page) == []
    page.goto(live_server.url + "/fragments?predicate=rdf%3Atype&lang=en")
    assert page.locator("a[rel=next]").count() == 1
    assert serious_axe_violations(page) == []
