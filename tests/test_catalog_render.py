"""The catalog's documents written by pyoxigraph: every format states the same graph, a page holds
``catalog_page_size`` datasets, a page or document states exactly what the catalog blocks say about
it, and the project subsets are the same bytes whether one process or two write them."""
from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF

from server import catalog as catalog_data
from server.catalog import subsets
from server.settings import load_settings
from server.web.app import create_app

BASE = "https://lod.ikpe-erfurt.de"
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
PARSERS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld", "nt": "nt"}


def parsed(client, url: str, ext: str) -> Graph:
    response = client.get(url)
    assert response.status_code == 200, url
    return Graph().parse(data=response.get_data(as_text=True), format=PARSERS[ext])


@pytest.mark.parametrize("path", ["/catalog/dataset/ikpe", "/catalog/service/sparql", "/.well-known/void",
                                  "/catalog/dataset/ikpe/distribution/ttl"])
def test_every_format_states_the_same_graph(client, path):
    graphs = [parsed(client, f"{path}.{ext}", ext) for ext in PARSERS]
    assert len(graphs[0]) > 0
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])


def test_page_formats_differ_only_in_their_own_page_links(client):
    graphs = {}
    for ext in PARSERS:
        g = parsed(client, f"/catalog.{ext}?page=1", ext)
        for s, p, o in list(g):  # the view and its links name the URL of the format: make them comparable
            if str(s).startswith(f"{BASE}/catalog.{ext}") or str(o).startswith(f"{BASE}/catalog.{ext}"):
                g.remove((s, p, o))
                g.add((URIRef(str(s).replace(f".{ext}?", "?")), p, URIRef(str(o).replace(f".{ext}?", "?"))
                       if isinstance(o, URIRef) else o))
        graphs[ext] = g
    assert all(isomorphic(graphs["nt"], g) for g in graphs.values())


@pytest.mark.parametrize("size", [1, 3])
def test_a_page_holds_catalog_page_size_datasets(settings, size):
    client = create_app(load_settings(build_dir=settings.build_dir, catalog_page_size=size)).test_client()
    g = parsed(client, "/catalog.nt?page=1", "nt")
    catalog = URIRef(f"{BASE}/catalog")
    datasets = set(g.objects(catalog, DCAT.dataset))
    assert len(datasets) == size
    versions = set(g.subjects(URIRef("http://www.w3.org/ns/dcat#isVersionOf"), None))  # reached by dcat:hasVersion
    assert set(g.subjects(RDF.type, DCAT.Dataset)) - versions == datasets
    view = g.value(catalog, HYDRA.view)
    assert int(g.value(view, HYDRA.itemsPerPage)) == size
    served = set(g.objects(URIRef(f"{BASE}/catalog/service/sparql"), DCAT.servesDataset))
    assert served == datasets  # the service serves only the datasets of the page


def test_a_dataset_document_is_its_block_plus_what_it_points_to(settings, client):
    release = (settings.build_dir / "current").resolve()
    cat = catalog_data.load(release)
    entry = cat.datasets[-1]
    document = parsed(client, entry["iri"].replace(BASE, "") + ".nt", "nt")
    block = cat.dataset_graph(entry["iri"])
    assert all(triple in document for triple in block if not any(isinstance(t, BNode) for t in triple))
    service = URIRef(f"{BASE}/catalog/service/sparql")
    assert set(document.objects(service, DCAT.servesDataset)) <= {URIRef(entry["iri"])}


def test_subsets_written_by_two_processes_are_the_same_files(settings, tmp_path, monkeypatch):
    release = (settings.build_dir / "current").resolve()
    store = subsets.release_store(release)
    parts = subsets.Subsets(store)
    iris = subsets.projects(store)
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    monkeypatch.setattr(subsets.os, "cpu_count", lambda: 1)
    alone = subsets.write_subsets(parts, iris, one)
    monkeypatch.setattr(subsets.os, "cpu_count", lambda: 2)
    forked = subsets.write_subsets(parts, iris, two)
    assert alone == forked and len(alone) == len(iris) > 1
    names = sorted(p.name for p in Path(one).iterdir())
    assert names == sorted(p.name for p in Path(two).iterdir())
    assert filecmp.cmpfiles(one, two, names, shallow=False)[0] == names


def test_a_page_names_only_its_own_datasets_as_parts(settings):
    """The whole graph's dataset (page 1) has every project as a part; page 1 lists only its own."""
    client = create_app(load_settings(build_dir=settings.build_dir, catalog_page_size=2)).test_client()
    g = parsed(client, "/catalog.nt?page=1", "nt")
    whole = URIRef(f"{BASE}/catalog/dataset/ikpe")
    on_page = set(g.objects(URIRef(f"{BASE}/catalog"), DCAT.dataset))
    parts = set(g.objects(whole, DCTERMS.hasPart))
    assert parts and parts <= on_page
    document = parsed(client, "/catalog/dataset/ikpe.nt", "nt")
    assert len(set(document.objects(whole, DCTERMS.hasPart))) > len(parts)  # its own document lists them all


@pytest.mark.parametrize("path", ['/catalog/dataset/%22', '/catalog/dataset/a%20b', '/catalog/dataset/%3C%3E.ttl'])
def test_a_path_that_is_no_iri_is_not_found(client, path):
    """A request path that cannot be an IRI (found by schemathesis: a quote) is a 404, not a 500."""
    assert client.get(path).status_code == 404
