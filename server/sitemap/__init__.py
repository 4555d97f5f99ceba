"""The sitemap (Sitemaps protocol 0.9), written once per release at build time.

A release step (:func:`write_sitemap`) lists every page a crawler should find — the home page, the
vocabulary documents, the index pages (:data:`INDEX_TYPES`) and the document of every thing in the
release except withdrawn ones — into ``<release>/sitemap/``:

- up to :data:`SITEMAP_LIMIT` URLs: ``sitemap.xml``, one ``<urlset>``;
- more: ``sitemap.xml`` is a ``<sitemapindex>`` of ``sitemap-<n>.xml.gz`` files (gzip, which the
  protocol allows), each of at most :data:`SITEMAP_LIMIT` URLs.

URLs are absolute, built from the ``public_base`` setting (never from a request's host). The web
layer serves the files as they are (``server/web/resources.py``); nothing is computed per request.
"""
from __future__ import annotations

import gzip
from pathlib import Path
from xml.sax.saxutils import escape

import pyoxigraph as ox
from rdflib.namespace import ORG, SKOS

from ..kg.namespaces import IKPE

SITEMAP_LIMIT = 50000  # URLs per file (the protocol's limit; our URLs stay far below its 50 MB)
FOLDER = "sitemap"
INDEX = "sitemap.xml"
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

# Index pages: URL slug → class, in the order of the home page.
INDEX_TYPES = {
    "project": IKPE.Project, "programme": IKPE.FundingProgramme, "organisation": IKPE.Organisation,
    "unit": IKPE.OrganisationalUnit, "person": IKPE.Person, "gebietskoerperschaft": IKPE.Gebietskoerperschaft,
    "role": IKPE.Role, "funding": IKPE.Funding, "concept": SKOS.Concept, "scheme": SKOS.ConceptScheme,
    "source": IKPE.SourceDocument, "reference": IKPE.ReferenceDataset, "event": ORG.ChangeEvent,
}


def part_name(number: int) -> str:
    return f"sitemap-{number}.xml.gz"


def documented_things(store: ox.Store, id_base: str) -> list[str]:
    """The IRIs in ``id_base`` that are the subject of a triple and not withdrawn, sorted."""
    subjects = store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")
    tombstones = {row["s"].value for row in store.query(f"SELECT ?s WHERE {{ ?s a <{IKPE.Tombstone}> }}")}
    return sorted(iri for iri in (row["s"].value for row in subjects)
                  if iri.startswith(id_base) and iri not in tombstones)


def page_urls(store: ox.Store, public_base: str, id_base: str) -> list[str]:
    urls = [public_base + "/", public_base + "/def/ikpe", public_base + "/def/shapes"]
    urls += [f"{public_base}/list/{slug}" for slug in INDEX_TYPES]
    urls += [public_base + "/doc/" + iri[len(id_base):] for iri in documented_things(store, id_base)]
    return urls


def urlset(urls, lastmod: str | None) -> str:
    extra = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{NS}">']
    lines += [f"  <url><loc>{escape(url)}</loc>{extra}</url>" for url in urls]
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def sitemap_index(public_base: str, parts: int, lastmod: str | None) -> str:
    extra = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{NS}">']
    lines += [f"  <sitemap><loc>{escape(public_base)}/{part_name(n)}</loc>{extra}</sitemap>"
              for n in range(1, parts + 1)]
    lines.append("</sitemapindex>")
    return "\n".join(lines) + "\n"


def write_files(folder: Path, urls: list[str], public_base: str, lastmod: str | None) -> int:
    """Write ``sitemap.xml`` (and its parts) into ``folder``; the number of part files."""
    folder.mkdir(parents=True, exist_ok=True)
    if len(urls) <= SITEMAP_LIMIT:
        (folder / INDEX).write_text(urlset(urls, lastmod), encoding="utf-8")
        return 0
    parts = (len(urls) + SITEMAP_LIMIT - 1) // SITEMAP_LIMIT
    for number in range(1, parts + 1):
        chunk = urls[(number - 1) * SITEMAP_LIMIT: number * SITEMAP_LIMIT]
        # mtime=0: the same URLs give the same bytes
        (folder / part_name(number)).write_bytes(gzip.compress(urlset(chunk, lastmod).encode(), mtime=0))
    (folder / INDEX).write_text(sitemap_index(public_base, parts, lastmod), encoding="utf-8")
    return parts


def write_sitemap(graph, folder, manifest, settings) -> None:
    """Release step: the sitemap files of the release (read from its store, written before the steps run)."""
    store = ox.Store.read_only(str(Path(folder) / "store"))
    try:
        urls = page_urls(store, settings.public_base, settings.id_base)
    finally:
        del store
    lastmod = (manifest.get("created") or "")[:10] or None
    parts = write_files(Path(folder) / FOLDER, urls, settings.public_base, lastmod)
    manifest["sitemap"] = {"folder": FOLDER, "urls": len(urls), "parts": parts}


__all__ = ["FOLDER", "INDEX", "INDEX_TYPES", "SITEMAP_LIMIT", "part_name", "write_sitemap"]
