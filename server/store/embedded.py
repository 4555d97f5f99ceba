"""The embedded store: pyoxigraph, opened from the current release (on disk or copied into memory).

The release in service is found through ``build/current``; when a new build switches that link, the
next request opens the new release, so a request is always answered wholly from one release.

A release is first opened on disk (read-only, well under a second at a million triples). With
``IKPE_STORE_IN_MEMORY=all`` a copy is then loaded into memory in a background thread (pyoxigraph lets
other threads run meanwhile; ~3 s per million triples) and replaces the on-disk store for the
requests that start after it is ready. Both hold the same triples, so only the speed of scans changes.
"""
from __future__ import annotations

import gzip
import logging
import os
import threading
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from .base import GraphStore, ReleaseInfo, StoreUnavailable, result_graph

log = logging.getLogger(__name__)


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


def to_oxigraph(term):
    """The pyoxigraph term for an rdflib term (the inverse of :func:`to_rdflib`)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unexpected term {term!r}")


def load_memory_copy(folder: Path, to_graph=None) -> ox.Store:
    """An in-memory store holding the release's triples (from its N-Triples dump)."""
    store = ox.Store()
    with gzip.open(folder / "dumps" / "ikpe.nt.gz", "rb") as handle:
        store.bulk_load(handle, ox.RdfFormat.N_TRIPLES, to_graph=to_graph)
    return store


def load_memory_copy_in_background(folder: Path, ready: Callable[[ox.Store], None], to_graph=None) -> None:
    """Call ``ready(store)`` from a daemon thread once the memory copy is loaded; on failure log and
    leave the caller on its on-disk store."""
    def load():
        try:
            store = load_memory_copy(folder, to_graph)
        except Exception as error:  # noqa: BLE001 — the on-disk store keeps serving
            log.warning("memory copy of %s not loaded, serving from disk: %r", folder.name, error)
            return
        ready(store)

    threading.Thread(target=load, name="ikpe-memory-copy", daemon=True).start()


class EmbeddedStore(GraphStore):
    def __init__(self, settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._target: str | None = None
        self._serving: tuple[ReleaseInfo, ox.Store] | None = None
        self.mode: str | None = None  # "disk" or "memory": where the release in service is read from

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
                        store = ox.Store.read_only(str(folder / "store"))
                    except OSError as error:
                        if self._serving is None:
                            raise StoreUnavailable(f"The current release cannot be opened: {error}") from None
                        return self._serving  # keep serving the release we have
                    self._serving, self._target, self.mode = (info, store), target, "disk"
                    if self.settings.store_in_memory == "all":
                        load_memory_copy_in_background(folder, lambda memory: self._use_copy(target, info, memory))
        return self._serving

    def _use_copy(self, target: str, info: ReleaseInfo, memory: ox.Store) -> None:
        with self._lock:
            if self._target == target:  # not for a release that was switched away meanwhile
                self._serving, self.mode = (info, memory), "memory"

    def release(self) -> ReleaseInfo:
        return self._current()[0]

    def oxigraph(self) -> ox.Store:
        """The pyoxigraph store of the release in service (for the SPARQL endpoint)."""
        return self._current()[1]

    def snapshot(self) -> tuple[ReleaseInfo, ox.Store]:
        """Release info and store together, so one request reads one release."""
        return self._current()

    # -- queries ----------------------------------------------------------------------------
    def _query(self, query: str):
        """The app's own queries see the published data as the default graph and no named graph (the
        on-disk store also holds it as the SPARQL dataset's named graph), as on a remote store."""
        return self.oxigraph().query(query, default_graph=ox.DefaultGraph(), named_graphs=[])

    def select(self, query: str) -> list[dict]:
        solutions = self._query(query)
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
        return bool(self._query(query))

    def construct(self, query: str) -> Graph:
        graph = result_graph()
        for triple in self._query(query):
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph
