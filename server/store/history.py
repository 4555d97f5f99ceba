"""Reading the release history a release carries (written by :mod:`server.kg.history`): the releases,
the releases in which a resource's description changed, and any retained release as a
:class:`Snapshot` (its graph is the union of the spans that hold at it, queried from the history store).
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..kg.history import HISTORY, added_graph, graph_role, graphs_at, read_history, removed_graph
from .base import PublicQueryPaths, ReleaseInfo, StoreUnavailable, T
from .embedded import OxigraphReads, oxigraph_pattern


class ReleaseGone(LookupError):
    """The release existed but is beyond retention; ``oldest`` is the oldest retained release."""

    def __init__(self, release: str, oldest: "PastRelease"):
        super().__init__(f"Release {release} is no longer kept; the oldest kept release is {oldest.id}.")
        self.release, self.oldest = release, oldest


class UnknownRelease(LookupError):
    """No release of this id was ever published."""


@dataclass(frozen=True)
class PastRelease:
    """One entry of the history: id, time (timezone-aware), triple count, change counts."""

    id: str
    created: dt.datetime
    triples: int
    added: int
    removed: int
    previous: str | None
    retained: bool
    position: int

    @classmethod
    def from_entry(cls, entry: dict, position: int) -> "PastRelease":
        return cls(entry["id"], dt.datetime.fromisoformat(entry["created"]), entry["triples"],
                   entry.get("added", 0), entry.get("removed", 0), entry.get("previous"),
                   entry.get("retained", True), position)


def parse_http_date(value: str) -> dt.datetime:
    """An RFC 1123 date as HTTP sends it (``Accept-Datetime``); ValueError if it is none."""
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"not an HTTP date (RFC 1123, e.g. 'Thu, 03 Dec 2026 15:00:00 GMT'): {value[:80]!r}") from None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"an HTTP date needs the zone GMT: {value[:80]!r}")
    return moment


class ReleaseHistory:
    """The history carried by one release folder (read-only; opened on first use)."""

    def __init__(self, folder: Path, data: dict):
        self.folder = folder
        self.releases = [PastRelease.from_entry(e, i) for i, e in enumerate(data["releases"])]
        self.retention = data.get("retention", {})
        self._by_id = {r.id: r for r in self.releases}
        self._store: ox.Store | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, folder: Path | None) -> "ReleaseHistory | None":
        data = read_history(folder) if folder is not None else None
        return cls(folder, data) if data and (folder / HISTORY).is_dir() else None

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    try:
                        self._store = ox.Store.read_only(str(self.folder / HISTORY))
                    except OSError as error:
                        raise StoreUnavailable(f"The release history cannot be opened: {error}") from None
        return self._store

    # -- releases --------------------------------------------------------------------------------
    @property
    def retained(self) -> list[PastRelease]:
        return [r for r in self.releases if r.retained]

    @property
    def current(self) -> PastRelease:
        return self.releases[-1]

    def release(self, release_id: str) -> PastRelease:
        """The retained release of this id; :class:`ReleaseGone` or :class:`UnknownRelease` otherwise."""
        found = self._by_id.get(release_id)
        if found is None:
            raise UnknownRelease(f"No release {release_id[:80]!r} was ever published here.")
        if not found.retained:
            raise ReleaseGone(release_id, self.retained[0])
        return found

    def at(self, moment: dt.datetime) -> PastRelease:
        """The release in service at ``moment``: the last retained one created at or before it, the
        first retained one for a moment before it (RFC 7089: the closest memento)."""
        chosen = self.retained[0]
        for release in self.retained:
            if release.created <= moment:
                chosen = release
        return chosen

    # -- resources -------------------------------------------------------------------------------
    def versions_of(self, iri: str) -> list[PastRelease]:
        """The retained releases in which the statements about ``iri`` (as subject) changed: the oldest
        retained release that has any, each change, and its removal. Empty for an IRI never held."""
        base, live = set(), {}
        for quad in self.quads_about(iri):
            role = graph_role(quad.graph_name)
            if role == ("base", None):
                base.add(quad.triple)
            elif role is not None and role[0] == "live":
                live.setdefault(role[1], set()).add(quad.triple)
        versions, before = [], set()
        for release in self.retained:
            now = base | live.get(release.id, set())
            if now != before:
                versions.append(release)
            before = now
        return versions

    def quads_about(self, iri: str):
        """The history's quads with ``iri`` as subject (one index lookup over every graph)."""
        return self.store.quads_for_pattern(ox.NamedNode(iri), None, None, None)

    def spans_at(self, release: PastRelease) -> list[ox.NamedNode]:
        """The graphs whose union is the graph of ``release`` (the base and its live graph)."""
        return graphs_at(release.id)

    def change_graphs(self, release: PastRelease) -> tuple[ox.NamedNode, ox.NamedNode] | None:
        """The graphs of the statements ``release`` added and removed; None for the first release kept
        (it has no release before it in the history: all its statements are new)."""
        if release.previous is None:
            return None
        return added_graph(release.id), removed_graph(release.id)

    def snapshot(self, release: PastRelease, current: ReleaseInfo) -> "PastSnapshot":
        return PastSnapshot(self, release, current)


def past_info(release: PastRelease) -> ReleaseInfo:
    """What a snapshot of a past release says of itself (it has no folder of its own)."""
    manifest = {"release": release.id, "created": release.created.isoformat(), "triples": release.triples,
                "past": True}
    return ReleaseInfo(release.id, release.created.isoformat(), manifest, None)


class PastSnapshot(OxigraphReads):
    """A retained release read from the history store: the same queries as on the release's own store.
    ``release()`` describes the past release; ``carrier`` is the release in service whose history
    answers (its folder holds the history store)."""

    mode = "history"

    def __init__(self, history: ReleaseHistory, release: PastRelease, carrier: ReleaseInfo):
        super().__init__(past_info(release), f"history:{carrier.path}")
        self.history_of, self.past, self.carrier = history, release, carrier
        self._spans = history.spans_at(release)

    def history(self) -> ReleaseHistory:
        """The history of the release in service (the carrier), which this past release is read from."""
        return self.history_of

    @property
    def spans(self) -> list[str]:
        return [g.value for g in self._spans]

    def _query(self, query: str):
        return self.history_of.store.query(query, default_graph=self._spans or [ox.NamedNode("urn:ikpe:empty")],
                                        named_graphs=[])

    def _matches(self, pattern):
        """The quads matching ``pattern`` in the graphs whose union is the release (``graphs_at``), each
        statement once: one index lookup per graph."""
        terms, seen = oxigraph_pattern(pattern), set()
        for graph in self._spans:
            for quad in self.history_of.store.quads_for_pattern(*terms, graph):
                if len(self._spans) == 1 or quad.triple not in seen:
                    seen.add(quad.triple)
                    yield quad

    def statements(self):
        """Every statement of the release (pyoxigraph triples), e.g. to write it again."""
        return (t for t in self._query("CONSTRUCT WHERE { ?s ?p ?o }"))

    def dispatch_public_query(self, paths: PublicQueryPaths[T]) -> T:
        return paths.in_worker_processes(self.carrier.path)
