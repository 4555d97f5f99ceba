"""Triple Pattern Fragments (/fragments, docs/fragments.md) on the test release: the documents read
with rdflib (data, metadata graph, controls, counts, paging), content negotiation, caching headers,
bad input, and the HTML view in Chromium with axe."""
from __future__ import annotations

import datetime as dt
import email.utils
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS

from accessibility import serious_axe_violations
from history_builds import VIDOT, VIDOT_LABELS
from stores import STORE_KINDS
from test_remote_history import published  # noqa: F401 — the fixture: three releases on a remote store
from server.web.app import create_app

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
    assert graph.value(URIRef(page), HYDRA.last) == URIRef(f"{page}&page={-(-total // 100)}")


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


# -- Memento: past releases (tests/history_builds.py: Vidot's label differs in each release) ------------

VIDOT_LABEL_PATTERN = "subject=" + quote(VIDOT, safe="") + "&predicate=" + quote(str(RDFS.label), safe="")


@pytest.fixture(scope="module")
def history_client(history):
    return create_app(history.settings).test_client()


def labels_in(response, fmt: str = "turtle", base: str = BASE) -> set[str]:
    graph = Graph().parse(data=response.data, format=fmt, publicID=base)
    return {str(o) for o in graph.objects(URIRef(VIDOT), RDFS.label)}


@pytest.mark.parametrize("number", [0, 1, 2])
def test_a_memento_is_the_fragment_of_its_release(history, history_client, number):
    release = history.releases[number]
    url = f"/release/{release}/fragments?{VIDOT_LABEL_PATTERN}"
    response = fetch(history_client, url)
    assert response.status_code == 200
    assert labels_in(response) == {VIDOT_LABELS[number]}
    assert response.headers["Memento-Datetime"] == email.utils.format_datetime(
        dt.datetime.fromisoformat(history.manifests[number]["created"]).astimezone(dt.timezone.utc), usegmt=True)
    assert "immutable" in response.headers["Cache-Control"] and not response.headers["ETag"].startswith("W/")
    assert f'</fragments?{VIDOT_LABEL_PATTERN}>; rel="original timegate"' in response.headers["Link"]
    graph = Graph().parse(data=response.data, format="turtle", publicID=BASE)
    search = graph.value(URIRef(f"http://localhost/release/{release}/fragments#dataset"), HYDRA.search)
    assert str(graph.value(search, HYDRA.template)) == f"http://localhost/release/{release}/fragments" \
                                                      "{?subject,predicate,object}"  # a client stays in the release
    assert count_of(graph, "http://localhost" + url) == 1


def test_the_fragments_are_their_own_timegate(history, history_client):
    moment = dt.datetime.fromisoformat(history.manifests[1]["created"]) + dt.timedelta(seconds=1)
    gate = fetch(history_client, f"/fragments?{VIDOT_LABEL_PATTERN}",
                 **{"Accept-Datetime": email.utils.format_datetime(moment.astimezone(dt.timezone.utc), usegmt=True)})
    assert gate.status_code == 302 and "Accept-Datetime" in gate.headers["Vary"]
    assert gate.headers["Location"] == f"/release/{history.releases[1]}/fragments?{VIDOT_LABEL_PATTERN}"
    assert labels_in(fetch(history_client, gate.headers["Location"])) == {VIDOT_LABELS[1]}
    original = f'</fragments?{VIDOT_LABEL_PATTERN}>; rel="original timegate"'  # the pattern's own URL (RFC 7089)
    assert original in gate.headers["Link"]
    current = fetch(history_client, f"/fragments?{VIDOT_LABEL_PATTERN}")
    assert labels_in(current) == {VIDOT_LABELS[2]} and "Accept-Datetime" in current.headers["Vary"]
    assert original in current.headers["Link"]
    bad = fetch(history_client, "/fragments", **{"Accept-Datetime": "yesterday"})
    assert bad.status_code == 400


def test_a_past_release_pages_and_counts_like_the_current_one(history, history_client):
    first, current = history.releases[0], f"/fragments?predicate={quote(str(RDF.type), safe='')}"
    past = Graph().parse(data=fetch(history_client, f"/release/{first}{current}").data, format="turtle", publicID=BASE)
    now = graph_of(fetch(history_client, current))
    assert count_of(past, f"http://localhost/release/{first}{current}") == count_of(now, "http://localhost" + current)
    assert past.value(URIRef(f"http://localhost/release/{first}{current}"), HYDRA.next) == \
        URIRef(f"http://localhost/release/{first}{current}&page=2")


def test_unknown_releases_are_404(history_client):
    assert fetch(history_client, "/release/20000101T000000Z-00000000/fragments").status_code == 404


# -- the same fragments on every store (tests/stores.py: embedded, Oxigraph server, Virtuoso) -------------

@pytest.fixture(scope="module", params=STORE_KINDS)
def store_client(request, store_farm, build_dir):
    return create_app(store_farm.settings(request.param, build_dir)).test_client()


@pytest.mark.parametrize("query", [
    "predicate=rdf%3Atype&object=ikpe%3AProject", VIDOT_LABEL_PATTERN, "subject=" + quote(VIDOT, safe=""),
    "object=" + quote('"Erfurt"@de', safe=""), "predicate=" + quote(str(RDFS.label), safe="") + "&page=2"])
def test_every_store_answers_the_same_fragment(client, store_client, query):
    url = "/fragments?" + query
    expected, got = graph_of(fetch(client, url, "application/n-triples"), "nt"), \
        graph_of(fetch(store_client, url, "application/n-triples"), "nt")
    assert count_of(got, "http://localhost" + url) == count_of(expected, "http://localhost" + url)
    if "page=2" in query:  # the order of a page is the store's own: compare sizes and the controls
        assert len(got) == len(expected)
        assert got.value(URIRef("http://localhost" + url), HYDRA.previous) is not None
    else:
        assert set(got) == set(expected)


def test_every_store_walks_all_pages_of_a_predicate(client, store_client):
    url, seen = "http://localhost/fragments?predicate=" + quote(str(RDFS.label), safe=""), set()
    while url:
        graph = graph_of(fetch(store_client, url[len("http://localhost"):], "application/n-triples"), "nt")
        seen |= set(graph.triples((None, RDFS.label, None)))
        url = graph.value(URIRef(url), HYDRA.next)
        url = str(url) if url else None
    everything = graph_of(fetch(client, "/fragments?predicate=" + quote(str(RDFS.label), safe="")), "turtle")
    assert len(seen) == count_of(everything, "http://localhost/fragments?predicate=" + quote(str(RDFS.label), safe=""))


# -- discovery ---------------------------------------------------------------------------------------

PUBLIC = "https://lod.ikpe-erfurt.de"
TPF_SPEC = URIRef("https://linkeddatafragments.org/specification/triple-pattern-fragments/")


def test_the_home_page_void_and_service_description_announce_the_fragments(client):
    assert 'href="/fragments"' in fetch(client, "/", "text/html").data.decode()
    void = graph_of(fetch(client, "/.well-known/void"))
    assert (URIRef(PUBLIC + "/catalog/dataset/ikpe"), RDFS.seeAlso, URIRef(PUBLIC + "/fragments")) in void
    assert (URIRef(PUBLIC + "/fragments"), DCTERMS.conformsTo, TPF_SPEC) in void
    service = graph_of(fetch(client, "/sparql"))
    assert (URIRef(PUBLIC + "/sparql#dataset"), RDFS.seeAlso, URIRef(PUBLIC + "/fragments")) in service


def test_the_catalog_lists_the_fragments_as_a_data_service(client):
    catalog = graph_of(fetch(client, "/catalog.ttl"))
    service = URIRef(PUBLIC + "/catalog/service/fragments")
    assert (service, RDF.type, DCAT.DataService) in catalog
    assert catalog.value(service, DCAT.endpointURL) == URIRef(PUBLIC + "/fragments")
    assert catalog.value(service, DCTERMS.conformsTo) == TPF_SPEC
    assert (service, DCAT.servesDataset, URIRef(PUBLIC + "/catalog/dataset/ikpe")) in catalog


# -- any pattern text: an answer or a clear 4xx, never a 500 ----------------------------------------------

TERM_PIECES = ['"', "@", "^^", "<", ">", "?", "_:", ":", "rdf:type", "ikpe:", "http://", "https://lod.ikpe-erfurt.de/id/",
               "xsd:integer", "de", "-", " ", "\\", "%", "\u200f", "\x00", "Ä", "#", "{", "}", "ikpe:Project"]
term_text = st.one_of(st.text(max_size=40), st.lists(st.sampled_from(TERM_PIECES), max_size=8).map("".join))


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subject=term_text, predicate=term_text, obj=term_text, page=st.one_of(st.none(), st.text(max_size=6)))
def test_any_pattern_is_answered_or_refused_clearly(client, subject, predicate, obj, page):
    query = {"subject": subject, "predicate": predicate, "object": obj} | ({"page": page} if page is not None else {})
    url = "/fragments?" + "&".join(f"{k}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in query.items())
    response = fetch(client, url, "application/n-quads")
    assert response.status_code in (200, 400, 404), (url, response.status_code)
    if response.status_code == 200:
        Dataset().parse(data=response.data, format="nquads")


@pytest.mark.parametrize("number", [0, 1, 2])
def test_mementos_on_a_remote_store(published, number):
    """The three releases published to a remote store (tests/test_remote_history.py): each memento's
    fragment is its release's, read from the store's history graphs."""
    history, store = published
    client = create_app(store.settings).test_client()
    response = fetch(client, f"/release/{history.releases[number]}/fragments?{VIDOT_LABEL_PATTERN}")
    assert labels_in(response) == {VIDOT_LABELS[number]} and "Memento-Datetime" in response.headers
