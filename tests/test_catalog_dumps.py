"""Dump files over HTTP, versioned URLs, checksums, conneg of the catalog, and change dates across builds."""
from __future__ import annotations

import gzip
import hashlib
import json
import shutil

import pytest

from server.release_steps import build
from server.settings import load_settings

TYPES = {"ikpe.ttl": "text/turtle; charset=utf-8", "ikpe.jsonld": "application/ld+json; charset=utf-8",
         "ikpe.rdf": "application/rdf+xml; charset=utf-8", "ikpe.nt.gz": "application/gzip"}


def sums(text: str) -> dict:
    return {name: digest for digest, name in (line.split("  ") for line in text.splitlines())}


@pytest.mark.parametrize("name", sorted(TYPES))
def test_dump_headers_and_checksum(client, store, name):
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == TYPES[name]
    assert "Content-Encoding" not in response.headers  # .nt.gz is the gzip file itself
    assert int(response.headers["Content-Length"]) == len(response.data)
    checksums = sums(client.get("/dumps/SHA256SUMS").get_data(as_text=True))
    assert hashlib.sha256(response.data).hexdigest() == checksums[name]
    assert response.headers["ETag"].strip('"') == checksums[name]
    assert client.get(f"/dumps/{name}", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    head = client.head(f"/dumps/{name}")
    assert head.status_code == 200 and head.headers["Content-Length"] == response.headers["Content-Length"]
    links = " ".join(response.headers.getlist("Link"))
    release = store.release().id
    assert f"/dumps/{release}/{name}>; rel=\"duplicate\"" in links
    versioned = client.get(f"/dumps/{release}/{name}")
    assert versioned.status_code == 200 and versioned.data == response.data


def test_uncompressed_ntriples_with_and_without_gzip_encoding(client):
    gz = client.get("/dumps/ikpe.nt.gz").data
    encoded = client.get("/dumps/ikpe.nt", headers={"Accept-Encoding": "gzip"})
    assert encoded.headers["Content-Type"] == "application/n-triples"
    assert encoded.headers["Content-Encoding"] == "gzip"
    assert encoded.data == gz
    plain = client.get("/dumps/ikpe.nt", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.data == gzip.decompress(gz)
    assert int(plain.headers["Content-Length"]) == len(plain.data)
    assert plain.headers["ETag"] != encoded.headers["ETag"]
    assert "Accept-Encoding" in plain.headers["Vary"]


def test_project_dumps_have_their_own_checksums(client):
    checksums = sums(client.get("/dumps/projects/SHA256SUMS").get_data(as_text=True))
    assert "thilik.ttl" in checksums
    for name, digest in checksums.items():
        assert hashlib.sha256(client.get(f"/dumps/projects/{name}").data).hexdigest() == digest


@pytest.mark.parametrize("path", ["/dumps/../manifest.json", "/dumps/nope.ttl", "/dumps/20000101T000000Z-00000000/ikpe.ttl",
                                  "/dumps/store/CURRENT", "/dumps/%2e%2e/manifest.json"])
def test_no_file_outside_the_dumps(client, path):
    assert client.get(path).status_code in (400, 404)


@pytest.mark.parametrize("accept,expected", [
    (None, "application/rdf+xml"), ("*/*", "application/rdf+xml"), ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"), ("application/n-triples", "application/n-triples"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("application/ld+json;q=0.5, text/turtle;q=0.9", "text/turtle"),
])
def test_catalog_content_negotiation(client, accept, expected):
    response = client.get("/catalog", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected
    # the page is in the interface language: it varies on Accept-Language too
    assert response.headers["Vary"] == ("Accept, Accept-Language" if expected == "text/html" else "Accept")
    response.get_data().decode("utf-8")  # strict UTF-8


@pytest.mark.parametrize("ext,media", [("ttl", "text/turtle"), ("rdf", "application/rdf+xml"),
                                       ("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
                                       ("html", "text/html")])
def test_catalog_format_urls(client, ext, media):
    response = client.get(f"/catalog.{ext}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media
    assert client.head(f"/catalog.{ext}").status_code == 200


def test_catalog_html_lists_datasets_and_downloads(client):
    html = client.get("/catalog.html?lang=de").get_data(as_text=True)
    assert "/dumps/ikpe.ttl" in html and "/dumps/projects/thilik.ttl" in html
    assert 'rel="alternate" type="text/turtle"' in html


def test_unchanged_datasets_keep_their_dates_across_builds(data_copy, tmp_path):
    settings = load_settings(build_dir=tmp_path / "build", data_dir=data_copy / "data",
                             ontology_dir=data_copy / "ontology", shapes_dir=data_copy / "shapes")
    first = build(settings)
    assert first.ok
    before = {e["key"]: e for e in json.loads((first.release / "catalog" / "index.json").read_text())["datasets"]}
    projects = data_copy / "data" / "projects.yaml"
    text = projects.read_text(encoding="utf-8")
    assert "Thuringian Initiative for Local Integration Management in the Municipalities\n" in text
    projects.write_text(text.replace("Thuringian Initiative for Local Integration Management in the Municipalities\n",
                                     "Thuringian Initiative for Local Integration Management in Municipalities\n", 1),
                        encoding="utf-8")
    import time
    time.sleep(1.1)  # release ids have second resolution
    second = build(settings)
    assert second.ok, [str(p) for p in second.problems]
    after = {e["key"]: e for e in json.loads((second.release / "catalog" / "index.json").read_text())["datasets"]}
    assert after["project/vielfalt-leben"]["modified"] == before["project/vielfalt-leben"]["modified"]
    assert after["project/thilik"]["modified"] > before["project/thilik"]["modified"]
    assert after["project/thilik"]["issued"] == before["project/thilik"]["issued"]
    assert after["ikpe"]["modified"] > before["ikpe"]["modified"]
    shutil.rmtree(tmp_path / "build", ignore_errors=True)


def test_catalog_file_is_trig_with_one_self_contained_block_per_graph(build_dir):
    """The server reads a dataset's block alone (byte range in index.json): each block must parse on
    its own and hold exactly its named graph; together they are the whole file."""
    import pyoxigraph as ox

    release = (build_dir / "current").resolve()
    index = json.loads((release / "catalog" / "index.json").read_text(encoding="utf-8"))
    data = (release / "catalog" / "catalog.trig").read_bytes()
    whole = list(ox.parse(data, format=ox.RdfFormat.TRIG))
    blocks = [(index["catalog"], index["head"])] + [(d["iri"], d["block"]) for d in index["datasets"]]
    total = 0
    for name, (offset, length) in blocks:
        quads = list(ox.parse(data[offset:offset + length], format=ox.RdfFormat.TRIG))
        assert quads and {q.graph_name.value for q in quads} == {name}
        total += len(quads)
    assert total == len(whole)
    assert sum(length for _, (_, length) in blocks) == len(data)


def test_settings_passed_in_code_reach_the_catalog(tmp_path, monkeypatch):
    """The catalog step uses the settings the build was given, not the environment's."""
    monkeypatch.delenv("IKPE_CONTACT_EMAIL", raising=False)
    base = "https://data.example.org/ikpe"
    settings = load_settings(build_dir=tmp_path / "build", public_base=base, contact_email="daten@example.org",
                             publisher_homepage="https://www.example.org/")
    outcome = build(settings)
    assert outcome.ok, [str(p) for p in outcome.problems]
    index = json.loads((outcome.release / "catalog" / "index.json").read_text(encoding="utf-8"))
    assert index["public_base"] == base and index["catalog"] == base + "/catalog"
    assert all(entry["iri"].startswith(base + "/catalog/dataset/") for entry in index["datasets"])
    trig = (outcome.release / "catalog" / "catalog.trig").read_text(encoding="utf-8")
    assert "<mailto:daten@example.org>" in trig and "<https://www.example.org/>" in trig
    assert "lod.ikpe-erfurt.de/catalog" not in trig
