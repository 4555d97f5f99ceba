"""The embedded store: pyoxigraph, opened from the current release (on disk or copied into memory).

The release in service is found through ``build/current``; when a new build switches that link, the
next request opens the new release, so a request is always answered wholly from one release.
"""
from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from .base import GraphStore, ReleaseInfo, StoreUnavailable


def to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unexpected term {term!r}")


def open_release_store(folder: Path, in_memory: bool) -> ox.Store:
    if not in_memory:
        return ox.Store.read_only(str(folder / "store"))
    store = ox.Store()
    with gzip.open(folder / "dumps" / "ikpe.nt.gz", "rb") as handle:
        store.bulk_load(handle, ox.RdfFormat.N_TRIPLES)
    return store


class EmbeddedStore(GraphStore):
    def __init__(self, settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._target: str | None = None
        self._info: ReleaseInfo | None = None
        self._store: ox.Store | None = None

    # -- release switching ----------------------------------------------------------------
    def _current(self) -> tuple[ReleaseInfo, ox.Store]:
        """The release of this request: pinned in ``flask.g`` at the first read, so a request that
        reads the store several times is answered wholly from one release even if a build
        switches ``current`` meanwhile."""
        from flask import g, has_app_context

        if not has_app_context():
            return self._latest()
        pinned = g.get("ikpe_embedded_release")
        if pinned is None:
            pinned = g.ikpe_embedded_release = self._latest()
        return pinned

    def _latest(self) -> tuple[ReleaseInfo, ox.Store]:
        link = self.settings.current_release
        try:
            target = os.readlink(link)
        except OSError:
            raise StoreUnavailable("No release has been built yet: run `ikpe-lod build`.") from None
        if target != self._target:
            with self._lock:
                if target != self._target:
                    folder = (link.parent / target).resolve()
                    try:
                        info = ReleaseInfo.from_folder(folder)
                        store = open_release_store(folder, self.settings.store_in_memory)
                    except OSError as error:
                        if self._store is None:
                            raise StoreUnavailable(f"The current release cannot be opened: {error}") from None
                        return self._info, self._store  # keep serving the release we have
                    self._info, self._store, self._target = info, store, target
        return self._info, self._store

    def release(self) -> ReleaseInfo:
        return self._current()[0]

    def oxigraph(self) -> ox.Store:
        """The pyoxigraph store of the release in service (for the SPARQL endpoint)."""
        return self._current()[1]

    def snapshot(self) -> tuple[ReleaseInfo, ox.Store]:
        """Release info and store together, so one request reads one release."""
        return self._current()

    # -- queries ----------------------------------------------------------------------------
    def select(self, query: str) -> list[dict]:
        solutions = self.oxigraph().query(query)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = to_rdflib(value)
            rows.append(row)
        return rows

    def ask(self, query: str) -> bool:
        return bool(self.oxigraph().query(query))

    def construct(self, query: str) -> Graph:
        graph = Graph()
        for triple in self.oxigraph().query(query):
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph
