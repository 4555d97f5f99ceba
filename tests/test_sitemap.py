"""The sitemap is written at build time (``server/sitemap``) and served as files: one ``<urlset>`` up
to 50,000 URLs, past that a ``<sitemapindex>`` of gzip parts; absolute URLs from the public base."""
from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET

import pytest

from server import sitemap

NS = {"sm": sitemap.NS}
BASE = "https://lod.ikpe-erfurt.de"


def locs(xml: bytes) -> list[str]:
    return [e.text for e in ET.fromstring(xml).iterfind(".//sm:loc", NS)]


def test_the_build_wrote_the_sitemap_with_every_document(build_dir, store):
    folder = build_dir / "current" / sitemap.FOLDER
    urls = locs((folder / sitemap.INDEX).read_bytes())
    assert urls[0] == BASE + "/" and f"{BASE}/doc/project/thilik" in urls
    assert f"{BASE}/list/gebietskoerperschaft" in urls
    things = {str(r["s"]) for r in store.select(
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"{BASE}/id/\")) }}")}
    assert {u.replace("/doc/", "/id/", 1) for u in urls if "/doc/" in u} == things
    assert len(urls) == len(set(urls))


def test_sitemap_is_served_as_the_file_with_validators(client, build_dir):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.data == (build_dir / "current" / sitemap.FOLDER / sitemap.INDEX).read_bytes()
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "public" in response.headers["Cache-Control"]
    again = client.get("/sitemap.xml", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/sitemap-1.xml.gz").status_code == 404  # small: no parts


def test_past_the_limit_an_index_of_gzip_parts(tmp_path, monkeypatch):
    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 3)
    urls = [f"{BASE}/doc/thing/{i}" for i in range(7)]
    assert sitemap.write_files(tmp_path, urls, BASE, "2026-01-02") == 3
    index = ET.fromstring((tmp_path / sitemap.INDEX).read_bytes())
    assert index.tag == f"{{{sitemap.NS}}}sitemapindex"
    parts = locs((tmp_path / sitemap.INDEX).read_bytes())
    assert parts == [f"{BASE}/sitemap-{n}.xml.gz" for n in (1, 2, 3)]
    listed = [u for n in (1, 2, 3) for u in locs(gzip.decompress((tmp_path / f"sitemap-{n}.xml.gz").read_bytes()))]
    assert listed == urls
    assert "<lastmod>2026-01-02</lastmod>" in (tmp_path / sitemap.INDEX).read_text()


@pytest.fixture()
def big_sitemap_client(settings, build_dir, tmp_path, monkeypatch):
    """An app on a release folder whose sitemap has parts (written by the same writer). A new app: the
    files of a release never change, so an app that sent them before may send them again from memory."""
    from server.web.app import create_app

    app = create_app(settings)
    folder = build_dir / "current" / sitemap.FOLDER
    saved = {p.name: p.read_bytes() for p in folder.iterdir()}
    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 2)
    sitemap.write_files(folder, [f"{BASE}/", f"{BASE}/a", f"{BASE}/b"], BASE, None)
    yield app.test_client()
    for part in folder.glob("sitemap-*.xml.gz"):
        part.unlink()
    for name, data in saved.items():
        (folder / name).write_bytes(data)


def test_parts_are_served_as_gzip_files(big_sitemap_client):
    index = big_sitemap_client.get("/sitemap.xml")
    assert "<sitemapindex" in index.get_data(as_text=True)
    part = big_sitemap_client.get("/sitemap-2.xml.gz")
    assert part.status_code == 200 and part.mimetype == "application/gzip"
    assert locs(gzip.decompress(part.data)) == [f"{BASE}/b"]
    assert big_sitemap_client.get("/sitemap-3.xml.gz").status_code == 404
    assert big_sitemap_client.head("/sitemap-1.xml.gz").status_code == 200


def test_robots_points_at_the_sitemap_of_the_public_base(client):
    robots = client.get("/robots.txt", base_url="http://other-host.example").get_data(as_text=True)
    assert f"Sitemap: {BASE}/sitemap.xml" in robots
