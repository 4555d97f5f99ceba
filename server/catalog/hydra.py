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

A page is a list of pyoxigraph triples (the release's catalog blocks, parsed once and cached), so a
page of the million-triple catalog is put together and serialised in milliseconds.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Callable

import pyoxigraph as ox

from .vocab import HYDRA

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
HAS_PART = ox.NamedNode("http://purl.org/dc/terms/hasPart")


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


def _hydra(term: str) -> ox.NamedNode:
    return ox.NamedNode(str(HYDRA[term]))


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


def view_triples(catalog: str, page: int, total: int, size: int, url_for_page: Callable[[int], str]) -> list:
    """The ``hydra:view`` of the catalog on page ``page``: its counts and links to the other pages."""
    last = page_count(total, size)
    view = ox.NamedNode(url_for_page(page))
    triples = [ox.Triple(ox.NamedNode(catalog), _hydra("view"), view),
               ox.Triple(view, _hydra("totalItems"), _integer(total)),
               ox.Triple(view, _hydra("itemsPerPage"), _integer(size)),
               ox.Triple(view, RDF_TYPE, _hydra("PartialCollectionView")),
               ox.Triple(view, RDF_TYPE, _hydra("PagedCollection")),
               ox.Triple(view, _hydra("first"), ox.NamedNode(url_for_page(1))),
               ox.Triple(view, _hydra("last"), ox.NamedNode(url_for_page(last)))]
    if page > 1:
        triples.append(ox.Triple(view, _hydra("previous"), ox.NamedNode(url_for_page(page - 1))))
    if page < last:
        following = ox.NamedNode(url_for_page(page + 1))
        triples += [ox.Triple(view, _hydra("next"), following), ox.Triple(view, _hydra("nextPage"), following)]
    return triples


def build_page(cat, entries: list[dict], page: int, size: int, url_for_page: Callable[[int], str]) -> list:
    """The triples of one page of the catalog ``cat`` (a :class:`~server.catalog.ReleaseCatalog`);
    raises PageNotFound past the last page.

    The head's service lists every dataset, the whole graph's dataset has every project dataset as a
    part; on a page both name only the datasets described there, so each page is complete on its
    own (a validator checks that the object is a dcat:Dataset) and its size does not grow with the
    number of projects."""
    if page < 1 or page > page_count(len(entries), size):
        raise PageNotFound(page)
    shown = entries[(page - 1) * size: page * size]
    here = {entry["iri"] for entry in shown}
    triples = list(cat.head_triples())
    for entry in shown:
        triples += cat.served_triples(entry["iri"])
    for entry in shown:
        triples += [t for t in cat.dataset_triples(entry["iri"]) if not _elsewhere(t, cat.blocks, here)]
    return triples + view_triples(str(cat.catalog), page, len(entries), size, url_for_page)


def _elsewhere(triple, catalogued: dict, here: set) -> bool:
    """A ``dcterms:hasPart`` of the whole graph's dataset naming a dataset on another page (one per
    project: thousands at 1M); the page keeps those of its own datasets, each project dataset states
    ``dcterms:isPartOf`` itself."""
    return triple.predicate == HAS_PART and triple.object.value in catalogued and triple.object.value not in here
