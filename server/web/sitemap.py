"""``/sitemap.xml`` (the Sitemaps protocol 0.9, a sitemap index past 50,000 URLs) and ``/robots.txt``.
URLs are absolute and built from the configured public base, never from the request's host."""
from __future__ import annotations

from xml.sax.saxutils import escape

from rdflib import URIRef

from ..kg.namespaces import IKPE

SITEMAP_LIMIT = 50000
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def page_urls(store, settings, type_slugs) -> list[str]:
    base = settings.public_base
    rows = store.select(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o "
        f"FILTER(STRSTARTS(STR(?s), \"{settings.id_base}\")) "
        f"FILTER NOT EXISTS {{ ?s a <{IKPE.Tombstone}> }} }} ORDER BY ?s")
    urls = [base + "/", base + "/def/ikpe", base + "/def/shapes"]
    urls += [f"{base}/list/{slug}" for slug in type_slugs]
    urls += [base + "/doc/" + str(r["s"])[len(settings.id_base):] for r in rows if isinstance(r.get("s"), URIRef)]
    return urls


def urlset(urls, lastmod: str | None) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{NS}">']
    for url in urls:
        extra = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{escape(url)}</loc>{extra}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def sitemap_index(base: str, pages: int, lastmod: str | None) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{NS}">']
    for page in range(1, pages + 1):
        extra = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines.append(f"  <sitemap><loc>{escape(base)}/sitemap.xml?page={page}</loc>{extra}</sitemap>")
    lines.append("</sitemapindex>")
    return "\n".join(lines) + "\n"


def robots(base: str) -> str:
    return ("User-agent: *\n"
            "Allow: /\n"
            "Disallow: /sparql\n"
            "Disallow: /search\n"
            "Disallow: /reconcile\n"
            f"Sitemap: {base}/sitemap.xml\n")
