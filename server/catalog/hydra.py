"""Hydra paging of the catalog for harvesters.

Page ``n`` of the catalog is the catalog head plus the datasets ``(n-1)·size … n·size-1`` in the
fixed order of the index (whole graph first, then the projects by IRI), and a
``hydra:PartialCollectionView`` with ``first``/``last``/``previous``/``next`` and
``totalItems``/``itemsPerPage``. Every link is absolute and built from the configured public base
(never from the request's Host), the last page has no ``next``, and ``next`` always points to a
higher page number, so a client that follows ``next`` ends and sees every dataset exactly once.

ckanext-dcat (2.x) looks for the next page only on a node typed ``hydra:PagedCollection`` (the Hydra
draft term it was written against), so the view carries that type too; ``hydra:nextPage`` is given
beside ``hydra:next`` for clients that only know the older term.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDF, XSD

from .vocab import HYDRA, bind_prefixes


class PageNotFound(LookupError):
    pass


def parse_modified_since(value: str | None) -> dt.datetime | None:
    """An ISO date or date-time (UTC if no zone given); ValueError if it is neither."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace(" ", "+")
    parsed = dt.datetime.fromisoformat(text) if "T" in text else dt.datetime.combine(
        dt.date.fromisoformat(text), dt.time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def select(entries: list[dict], modified_since: dt.datetime | None) -> list[dict]:
    if modified_since is None:
        return list(entries)
    return [e for e in entries if dt.datetime.fromisoformat(e["modified"].replace("Z", "+00:00")) >= modified_since]


def page_count(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def build_page(head: Graph, dataset_graphs: Callable[[str], Graph], entries: list[dict], catalog: URIRef,
               page: int, size: int, url_for_page: Callable[[int], str]) -> Graph:
    """The graph of one page; raises PageNotFound past the last page."""
    total = len(entries)
    last = page_count(total, size)
    if page < 1 or page > last:
        raise PageNotFound(page)
    g = bind_prefixes(Graph())
    for triple in head:
        g.add(triple)
    shown = entries[(page - 1) * size: page * size]
    for entry in shown:
        for triple in dataset_graphs(entry["iri"]):
            g.add(triple)
    # The head's service lists every dataset; on a page it serves the datasets described there, so
    # each page is complete on its own (a validator checks that the object is a dcat:Dataset).
    here = {URIRef(e["iri"]) for e in shown}
    for service, _, dataset in list(g.triples((None, DCAT.servesDataset, None))):
        if dataset not in here:
            g.remove((service, DCAT.servesDataset, dataset))
    view = URIRef(url_for_page(page))
    g.add((catalog, HYDRA.view, view))
    g.add((view, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    g.add((view, HYDRA.itemsPerPage, Literal(size, datatype=XSD.integer)))
    for cls in (HYDRA.PartialCollectionView, HYDRA.PagedCollection):
        g.add((view, RDF.type, cls))
    g.add((view, HYDRA.first, URIRef(url_for_page(1))))
    g.add((view, HYDRA.last, URIRef(url_for_page(last))))
    if page > 1:
        g.add((view, HYDRA.previous, URIRef(url_for_page(page - 1))))
    if page < last:
        g.add((view, HYDRA.next, URIRef(url_for_page(page + 1))))
        g.add((view, HYDRA.nextPage, URIRef(url_for_page(page + 1))))
    return g
