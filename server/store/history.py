"""Reading the release history a release carries (written by :mod:`server.kg.history`): the releases,
the releases in which a resource's description changed, and any retained release as a
:class:`Snapshot` (its graph is the union of the base and the segment graphs on its path, queried from
the history store).
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..kg.history import HISTORY, added_graph, graphs_at, read_history, removed_graph, segments_of
from .base import PublicQueryPaths, ReleaseInfo, StoreUnavailable, T
from .embedded import OxigraphReads


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
        self.segments = segments_of(data)
        self._by_id = {r.id: r for r in self.releases}
        self._store: ox.Store | None = None
        self._release_graphs: list[ox.NamedNode] | None = None
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
        by_graph: dict = {}
        for quad in self.quads_about(iri):
            by_graph.setdefault(quad.graph_name, set()).add(quad.triple)
        versions, before = [], set()
        for release in self.retained:
            now = set().union(*(by_graph.get(g, set()) for g in self.spans_at(release)))
            if now != before:
                versions.append(release)
            before = now
        return versions

    def quads_about(self, iri: str):
        """The history's quads with ``iri`` as subject (one index lookup over every graph)."""
        return self.store.quads_for_pattern(ox.NamedNode(iri), None, None, None)

    # -- what the pages and the change feed read (RemoteHistory answers the same by SPARQL) ---------
    @property
    def identity(self) -> str:
        """What names this history among others (the change feed keeps one member index per history)."""
        return f"folder:{self.folder}"

    def release_graphs(self) -> list[ox.NamedNode]:
        """Every graph some retained release's graph is a union of (whatever the layout)."""
        if self._release_graphs is None:
            self._release_graphs = list(dict.fromkeys(g for r in self.retained for g in self.spans_at(r)))
        return self._release_graphs

    def graph_triples(self, graph: ox.NamedNode) -> list[ox.Triple]:
        """The statements of one graph of the history (e.g. a changeset's ``added/<id>``)."""
        return [quad.triple for quad in self.store.quads_for_pattern(None, None, None, graph)]

    def statements_about(self, iri: str, limit: int = 1000) -> list[ox.Quad]:
        """The quads of the release graphs about ``iri`` and about the blank nodes it leads to (at most
        ``limit`` of them), through any retained release."""
        graphs = set(self.release_graphs())
        found, todo, seen = [], [ox.NamedNode(iri)], set()
        while todo and len(seen) < limit:
            for quad in self.store.quads_for_pattern(todo.pop(), None, None, None):
                if quad.graph_name not in graphs:
                    continue
                found.append(quad)
                if isinstance(quad.object, ox.BlankNode) and quad.object not in seen:
                    seen.add(quad.object)
                    todo.append(quad.object)
        return found

    def statements_about_all(self, iris: list[str], limit: int = 1000) -> dict[str, list[ox.Quad]]:
        """:meth:`statements_about` of each of ``iris`` (a remote store answers them in one go)."""
        return {iri: self.statements_about(iri, limit) for iri in iris}

    def subjects_at(self, release: PastRelease) -> set[str]:
        """The IRI subjects of ``release``'s graph."""
        rows = self.store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }",
                                default_graph=self.spans_at(release) or [EMPTY], named_graphs=[])
        return {row["s"].value for row in rows}

    def orphans_at(self, release: PastRelease) -> tuple[list[ox.BlankNode], list[ox.Triple]]:
        """The blank nodes of ``release`` that nothing there points to (sorted), and the statements of
        the blank-node trees below them."""
        spans = self.spans_at(release) or [EMPTY]
        held = set(spans)
        rows = self.store.query("SELECT DISTINCT ?b WHERE { ?b ?p ?o FILTER(isBlank(?b)) }",
                                default_graph=spans, named_graphs=[])
        # one index seek per blank node (a FILTER NOT EXISTS in the query took seven times as long)
        orphans = sorted((row["b"] for row in rows if not any(
            q.graph_name in held for q in self.store.quads_for_pattern(None, None, row["b"], None))), key=str)
        return orphans, closure(orphans, lambda node: [q.triple for q in self.store.quads_for_pattern(
            node, None, None, None) if q.graph_name in held])

    def roots_above(self, graph: ox.NamedNode, unattached: str) -> set[str]:
        """The IRI subjects that point (through blank nodes, in any graph of the history) to the blank
        subjects of ``graph``; ``unattached`` where some chain of blank nodes has no IRI above it."""
        roots, todo = set(), {q.subject for q in self.store.quads_for_pattern(None, None, None, graph)
                              if isinstance(q.subject, ox.BlankNode)}
        seen = set(todo)
        while todo:
            current = todo.pop()
            parents = {q.subject for q in self.store.quads_for_pattern(None, None, current, None)}
            if not parents:
                roots.add(unattached)
            for parent in parents:
                if isinstance(parent, ox.NamedNode):
                    roots.add(parent.value)
                elif parent not in seen:
                    seen.add(parent)
                    todo.add(parent)
        return roots

    def spans_at(self, release: PastRelease) -> list[ox.NamedNode]:
        """The graphs whose union is the graph of ``release`` (the base and the non-empty segment graphs
        on its path)."""
        return graphs_at(self.segments, release.position)

    def change_graphs(self, release: PastRelease) -> tuple[ox.NamedNode, ox.NamedNode] | None:
        """The graphs of the statements ``release`` added and removed; None for the first release kept
        (it has no release before it in the history: all its statements are new)."""
        if release.previous is None:
            return None
        return added_graph(release.id), removed_graph(release.id)

    def snapshot(self, release: PastRelease, current: ReleaseInfo) -> "PastSnapshot":
        return PastSnapshot(self, release, current)


EMPTY = ox.NamedNode("urn:ikpe:empty")  # a default graph that holds nothing


def closure(nodes, statements_of) -> list[ox.Triple]:
    """The statements of the blank nodes ``nodes`` and of the blank nodes they lead to
    (``statements_of(node)``: the triples with ``node`` as subject)."""
    out, seen, todo = [], set(nodes), list(nodes)
    while todo:
        for triple in statements_of(todo.pop()):
            out.append(triple)
            if isinstance(triple.object, ox.BlankNode) and triple.object not in seen:
                seen.add(triple.object)
                todo.append(triple.object)
    return out


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

    def statements(self):
        """Every statement of the release (pyoxigraph triples), e.g. to write it again."""
        return (t for t in self._query("CONSTRUCT WHERE { ?s ?p ?o }"))

    def dispatch_public_query(self, paths: PublicQueryPaths[T]) -> T:
        return paths.in_worker_processes(self.carrier.path)
