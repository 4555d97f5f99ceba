"""Harvest the catalog over real HTTP the way ckanext-dcat's RDF harvester (2.3/2.4) does.

What the harvester does (``DCATHarvester._get_content_and_type`` and ``RDFParser``): a
``requests`` session, no Accept header, ``HEAD`` first (an error status fails the source), then
``GET``; the Content-Type (before ``;``) of page 1 names the rdflib parser for every page; the
body is parsed without a base IRI; datasets are the subjects typed ``dcat:Dataset``; the next page
is the ``hydra:next`` of the node typed ``hydra:PagedCollection``; a page fails the whole run.

The published IRIs are under the public base (``https://lod.ikpe-erfurt.de``); the session is given
a transport adapter that sends that host to the live test server, like a hosts-file entry would.
"""
from __future__ import annotations

import gzip
import hashlib
import re
from urllib.parse import urlsplit

import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from servers import LiveServer
from server.settings import load_settings
from server.web.app import create_app

PUBLIC = "https://lod.ikpe-erfurt.de"
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
KEYWORD = re.compile(r"^[\w \-.]{2,100}$")
MAX_FILE_SIZE = 50 * 1024 * 1024


class PublicHostAdapter(requests.adapters.HTTPAdapter):
    """Send requests for the public base to the live server (the body and headers stay unchanged)."""

    def __init__(self, target: str):
        super().__init__()
        self.target = target

    def send(self, request, **kwargs):
        request.url = self.target + request.url[len(PUBLIC):]
        return super().send(request, **kwargs)


def session_for(server) -> requests.Session:
    session = requests.Session()
    session.mount(PUBLIC + "/", PublicHostAdapter(server.url))
    session.headers.pop("Accept", None)  # ckanext-dcat sends requests' default: no explicit type
    return session


def get_content_and_type(session, url, content_type=None):
    """ckanext-dcat: HEAD first (GET again on 405/400), size limit, GET, content type of the response."""
    r = session.head(url)
    if r.status_code in (405, 400):
        r = session.get(url, stream=True)
    r.raise_for_status()
    length = r.headers.get("content-length")
    assert length is None or int(length) <= MAX_FILE_SIZE
    r = session.get(url, stream=True)
    r.raise_for_status()
    content = r.content
    assert len(content) <= MAX_FILE_SIZE
    text = content.decode("utf-8")  # strict UTF-8: an undecodable page fails the harvest
    if content_type is None and r.headers.get("content-type"):
        content_type = r.headers["content-type"].split(";", 1)[0]
    return text, content_type


IS_VERSION_OF = URIRef("http://www.w3.org/ns/dcat#isVersionOf")


def next_page(graph: Graph):
    for node in graph.subjects(RDF.type, HYDRA.PagedCollection):
        for o in graph.objects(node, HYDRA.next):
            return str(o)
        for o in graph.objects(node, HYDRA.nextPage):
            return str(o)
    return None


def harvest(server, start=PUBLIC + "/catalog"):
    session = session_for(server)
    url, rdf_format, seen, pages, datasets = start, None, [], [], {}
    while url:
        assert url not in seen, f"hydra:next loops back to {url}"
        seen.append(url)
        content, rdf_format = get_content_and_type(session, url, rdf_format)
        graph = Graph()
        graph.parse(data=content, format=rdf_format)  # no publicID: relative IRIs would break here
        pages.append(graph)
        for dataset in graph.subjects(RDF.type, DCAT.Dataset):
            assert dataset not in datasets, f"{dataset} harvested twice"
            datasets[dataset] = graph
        url = next_page(graph)
        assert url is None or url.startswith(PUBLIC + "/")
    return session, rdf_format, pages, datasets


@pytest.fixture(scope="module")
def small_pages(build_dir):
    """A second live server on the same release with one dataset per page."""
    app = create_app(load_settings(build_dir=build_dir, catalog_page_size=1))
    with LiveServer(app) as server:
        yield server


def test_first_request_is_rdf_and_head_answers_200(live_server):
    session = session_for(live_server)
    head = session.head(PUBLIC + "/catalog")
    assert head.status_code == 200
    get = session.get(PUBLIC + "/catalog")
    assert get.headers["Content-Type"].split(";")[0] in ("application/rdf+xml", "text/turtle")
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert int(head.headers["Content-Length"]) == len(get.content)
    browser = session.get(PUBLIC + "/catalog", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert browser.headers["Content-Type"].startswith("text/html")


def test_harvest_reads_every_dataset_once_and_every_dump_verifies(live_server, store):
    session, rdf_format, pages, datasets = harvest(live_server)
    assert rdf_format == "application/rdf+xml"
    projects = {str(r["p"]) for r in store.select(
        "SELECT ?p WHERE { ?p a <https://lod.ikpe-erfurt.de/def/ikpe#Project> }")}
    versions = {d for d, g in datasets.items() if g.value(d, IS_VERSION_OF) is not None}  # DCAT 3 versions
    assert len(datasets) - len(versions) == len(projects) + 1 and versions
    primary = {str(g.value(d, URIRef("http://xmlns.com/foaf/0.1/primaryTopic"))) for d, g in datasets.items()}
    assert projects <= primary

    downloads = 0
    for dataset, graph in datasets.items():
        assert isinstance(dataset, URIRef)
        titles = {t.language: str(t) for t in graph.objects(dataset, DCTERMS.title)}
        assert titles.get("de") and titles.get("en")
        assert graph.value(dataset, DCTERMS.identifier) is not None
        assert str(graph.value(dataset, DCTERMS.license)).startswith("http://dcat-ap.de/def/licenses/")
        for kw in graph.objects(dataset, DCAT.keyword):
            assert KEYWORD.match(str(kw)), kw
        landing = graph.value(dataset, DCAT.landingPage)
        assert landing is not None and str(landing).startswith(PUBLIC + "/")
        distributions = list(graph.objects(dataset, DCAT.distribution))
        assert len(distributions) >= (1 if dataset in versions else 4)
        for dist in distributions:
            assert str(graph.value(dist, DCTERMS.license)).startswith("http://dcat-ap.de/def/licenses/")
            assert graph.value(dist, DCTERMS.format) is not None
            url = graph.value(dist, DCAT.downloadURL)
            if url is None:
                assert graph.value(dist, DCAT.accessURL) is not None
                continue
            response = session.get(str(url))
            assert response.status_code == 200, url
            body = response.content
            assert len(body) == int(graph.value(dist, DCAT.byteSize))
            checksum = graph.value(dist, SPDX.checksum)
            assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            assert hashlib.sha256(body).hexdigest() == str(graph.value(checksum, SPDX.checksumValue))
            media = str(graph.value(dist, DCAT.mediaType)).rsplit("media-types/", 1)[1]
            if graph.value(dist, DCAT.compressFormat) is not None:
                assert response.headers["Content-Type"] == "application/gzip"
                body = gzip.decompress(body)
            else:
                assert response.headers["Content-Type"].split(";")[0] == media
            parsed = Graph().parse(data=body.decode("utf-8"), format=media)
            assert len(parsed) > 0
            downloads += 1
    assert downloads >= 4 * (len(datasets) - len(versions)) + len(versions)


def test_paging_one_dataset_per_page_ends_and_covers_everything(small_pages, live_server):
    _, _, pages, datasets = harvest(small_pages)
    _, _, _, all_at_once = harvest(live_server)
    listed = {d for d, g in datasets.items() if g.value(d, IS_VERSION_OF) is None}
    assert len(pages) == len(listed) == len(all_at_once) - (len(datasets) - len(listed))
    assert set(datasets) == set(all_at_once)
    last = pages[-1]
    view = next(last.subjects(RDF.type, HYDRA.PartialCollectionView))
    assert last.value(view, HYDRA.next) is None
    assert int(last.value(view, HYDRA.totalItems)) == len(listed)
    assert str(last.value(view, HYDRA.first)) == PUBLIC + "/catalog?page=1"
    assert str(last.value(view, HYDRA.last)) == PUBLIC + f"/catalog?page={len(pages)}"
    numbers = [int(urlsplit(str(p.value(next(p.subjects(RDF.type, HYDRA.PagedCollection)), HYDRA.next)))
                   .query.rsplit("=", 1)[1]) for p in pages[:-1]]
    assert numbers == list(range(2, len(pages) + 1))  # strictly forward: no cycle


def test_paging_links_come_from_the_public_base_not_the_host(small_pages):
    response = requests.get(small_pages.url + "/catalog.ttl", headers={"Host": "evil.example"})
    graph = Graph().parse(data=response.text, format="turtle")
    links = {str(o) for p in (HYDRA.first, HYDRA.next, HYDRA.last) for o in graph.objects(None, p)}
    assert links and all(link.startswith(PUBLIC + "/catalog.ttl?") for link in links)
    assert "evil.example" not in response.text


def test_modified_since_filters_and_keeps_the_filter_in_the_links(small_pages):
    session = session_for(small_pages)
    future = session.get(PUBLIC + "/catalog.ttl?modified_since=2999-01-01")
    graph = Graph().parse(data=future.text, format="turtle")
    assert not list(graph.subjects(RDF.type, DCAT.Dataset))
    assert int(next(graph.objects(None, HYDRA.totalItems))) == 0
    past = session.get(PUBLIC + "/catalog.ttl?modified_since=2000-01-01")
    graph = Graph().parse(data=past.text, format="turtle")
    nxt = str(next(graph.objects(None, HYDRA.next)))
    assert "modified_since=2000-01-01" in nxt and "page=2" in nxt
    assert session.get(PUBLIC + "/catalog?modified_since=yesterday").status_code == 400


def test_jsonld_page_has_an_inline_context(live_server):
    session = session_for(live_server)
    response = session.get(PUBLIC + "/catalog.jsonld")
    data = response.json()
    assert isinstance(data.get("@context"), dict)
    graph = Graph().parse(data=response.text, format="json-ld")
    assert list(graph.subjects(RDF.type, DCAT.Catalog)) == [URIRef(PUBLIC + "/catalog")]
