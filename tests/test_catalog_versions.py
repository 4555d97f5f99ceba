"""The catalog knows its versions (DCAT 3, issue 15 item 6), read with rdflib from the catalog of the
three test releases (``history`` fixture; older release folders are pruned): a version per retained
release with its notes, downloads that verify against their checksums (an older release's full dump
reconstructed from the history store, its changeset kept with the history), the change feed in the
catalog and VoID, and DCAT-AP.de 3.0 still without violations."""
from __future__ import annotations

import gzip
import hashlib

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS

from history_builds import VIDOT, VIDOT_LABELS
from server.store.history import ReleaseHistory
from server.web.app import create_app
from test_catalog_dcat_ap_de import harvest_pages, ontologies, shacl, shapes  # noqa: F401 (fixtures)

BASE = "https://lod.ikpe-erfurt.de"
WHOLE = URIRef(f"{BASE}/catalog/dataset/ikpe")
D3 = Namespace("http://www.w3.org/ns/dcat#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")


@pytest.fixture(scope="module")
def client(history):
    return create_app(history.settings).test_client()


@pytest.fixture(scope="module")
def dataset(client) -> Graph:
    response = client.get("/catalog/dataset/ikpe.ttl")
    assert response.status_code == 200
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def version(history, number: int) -> URIRef:
    return URIRef(f"{WHOLE}/version/{history.releases[number - 1]}")


def test_every_retained_release_is_a_version_with_notes(dataset, history):
    releases = ReleaseHistory.of(history.folders[-1]).releases
    assert set(dataset.objects(WHOLE, D3.hasVersion)) == {version(history, n) for n in (1, 2, 3)}
    assert dataset.value(WHOLE, D3.hasCurrentVersion) == version(history, 3)
    assert str(dataset.value(WHOLE, D3.version)) == history.releases[2]
    for number, release in enumerate(releases, start=1):
        v = version(history, number)
        assert (v, D3.isVersionOf, WHOLE) in dataset and (v, RDF.type, DCAT.Dataset) in dataset
        assert str(dataset.value(v, D3.version)) == release.id
        notes = {n.language: str(n) for n in dataset.objects(v, ADMS.versionNotes)}
        if number > 1:
            assert notes["en"].startswith(f"+{release.added} / −{release.removed} statements")
            assert (v, D3.previousVersion, version(history, number - 1)) in dataset
    assert "1 resources changed" in {n.language: str(n) for n in dataset.objects(version(history, 2), ADMS.versionNotes)}["en"]


def test_modified_is_the_time_of_the_last_release_that_changed_the_graph(dataset, history):
    assert dataset.value(WHOLE, DCTERMS.modified).toPython() == \
        ReleaseHistory.of(history.folders[-1]).current.created


def downloads(dataset: Graph, v: URIRef) -> dict[str, tuple[str, str]]:
    """distribution local name → (download path, sha256)."""
    out = {}
    for dist in dataset.objects(v, DCAT.distribution):
        url = str(dataset.value(dist, DCAT.downloadURL))
        out[str(dist).rsplit("/", 1)[1]] = (url.replace(BASE, ""), str(dataset.value(
            dataset.value(dist, SPDX.checksum), SPDX.checksumValue)))
    return out


def test_every_version_downloads_and_verifies(client, dataset, history):
    for number in (1, 2, 3):
        files = downloads(dataset, version(history, number))
        assert set(files) == ({"dump"} if number == 1 else {"dump", "added", "removed"})
        for name, (path, sha256) in files.items():
            response = client.get(path)
            assert response.status_code == 200, path
            assert hashlib.sha256(response.data).hexdigest() == sha256, path
        # the full dump of a pruned release: reconstructed from the history, the same bytes as published
        assert client.get(files["dump"][0]).data == (history.root / f"dump-{number}.nt.gz").read_bytes()


def test_a_changeset_holds_the_edited_statements(client, history):
    added = Graph().parse(data=gzip.decompress(client.get(f"/dumps/{history.releases[1]}/added.nt.gz").data)
                          .decode(), format="nt")
    removed = Graph().parse(data=gzip.decompress(client.get(f"/dumps/{history.releases[1]}/removed.nt.gz").data)
                            .decode(), format="nt")
    assert (URIRef(VIDOT), None, Literal(VIDOT_LABELS[1], lang="de")) in added
    assert (URIRef(VIDOT), None, Literal(VIDOT_LABELS[0], lang="de")) in removed


@pytest.mark.parametrize("path,status", [("/dumps/20990101T000000Z-deadbeef/ikpe.nt.gz", 404),
                                         ("/dumps/20990101T000000Z-deadbeef/added.nt.gz", 404),
                                         ("/dumps/{first}/added.nt.gz", 404),
                                         ("/dumps/{first}/nothing.txt", 404)])
def test_bad_download_requests_are_404(client, history, path, status):
    assert client.get(path.format(first=history.releases[0])).status_code == status


def test_the_change_feed_is_in_the_catalog_and_in_void(client, dataset):
    head = Graph().parse(data=client.get("/catalog.ttl").get_data(as_text=True), format="turtle")
    services = {s for s in head.subjects(DCAT.endpointURL, URIRef(f"{BASE}/ldes"))}
    assert services and all((s, RDF.type, DCAT.DataService) in head for s in services)
    assert (URIRef(f"{WHOLE}/distribution/ldes"), DCAT.accessURL, URIRef(f"{BASE}/ldes")) in dataset
    void = Graph().parse(data=client.get("/.well-known/void.ttl").get_data(as_text=True), format="turtle")
    assert (None, RDFS.seeAlso, URIRef(f"{BASE}/ldes")) in void


def test_the_catalog_with_versions_conforms_to_dcat_ap_de(client, dataset, shapes, ontologies):  # noqa: F811
    violations, warnings = shacl(harvest_pages(client), shapes, ontologies)
    assert violations == [] and warnings == []
    for v in dataset.objects(WHOLE, D3.hasVersion):  # each version's own document conforms too
        response = client.get(str(v).replace(BASE, "") + ".ttl")
        assert response.status_code == 200
        own = Graph().parse(data=response.get_data(as_text=True), format="turtle")
        assert (v, D3.isVersionOf, WHOLE) in own and len(list(own.objects(v, DCAT.distribution))) >= 1
        assert shacl(own, shapes, ontologies)[0] == []
