"""What the app needs from a store, whatever is behind it: plain Python, no web framework.

A :class:`GraphStore` gives a :class:`Snapshot` of the release in service; every read of a snapshot
answers from that one release, whatever a build or a publish switches meanwhile. The web layer takes
one snapshot per request (``server.web.store_access``).
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Generic, TypeVar

from rdflib import Graph
from rdflib.plugins.stores.memory import SimpleMemory

T = TypeVar("T")


def result_graph() -> Graph:
    """An empty graph for query results: rdflib's store without contexts, about twice as fast to fill
    and to read as the default store (results never need contexts)."""
    return Graph(store=SimpleMemory())


# -- errors ------------------------------------------------------------------------------------
class StoreError(RuntimeError):
    """The store cannot answer now; asking again later may work (the web layer answers 503)."""


class StoreUnavailable(StoreError):
    """No release is built or published yet, or the remote store cannot be reached."""


class StoreTimeout(StoreError):
    """The store did not answer within its time limit (the read timeout, or the store's own limit)."""


class RemoteQueryError(RuntimeError):
    """The store refused a query (a 4xx/5xx that is not about availability); ``status`` and ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(f"The store answered {status}: {message[:500]}")
        self.status = status
        self.message = message


class DatasetClauseError(ValueError):
    """A public query names its own dataset (FROM / FROM NAMED); the endpoint serves one dataset."""


# -- triple patterns ---------------------------------------------------------------------------
Pattern = tuple  # (subject, predicate, object): pyoxigraph terms, None for "any"


def pattern_query(pattern: Pattern, offset: int = 0, limit: int | None = None) -> str:
    """``SELECT ?s ?p ?o WHERE { … }`` for one triple pattern (bound terms in N-Triples syntax, as
    pyoxigraph writes and escapes them), each bound term also bound to its variable, so every row is a
    whole triple."""
    binds = " ".join(f"BIND({term} AS ?{name})" for name, term in zip("spo", pattern) if term is not None)
    terms = " ".join(f"?{name}" if term is None else str(term) for name, term in zip("spo", pattern))
    return (f"SELECT ?s ?p ?o WHERE {{ {terms} . {binds} }}" + (f" OFFSET {int(offset)}" if offset else "")
            + (f" LIMIT {int(limit)}" if limit is not None else ""))


# -- releases and snapshots ----------------------------------------------------------------------
@dataclass(frozen=True)
class ReleaseInfo:
    """A release: its id (used for ETags), creation time, counts and dump files."""

    id: str
    created: str
    manifest: dict
    path: Path | None  # local release folder (dumps), None if only remote

    @classmethod
    def from_folder(cls, folder: Path) -> "ReleaseInfo":
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return cls(manifest["release"], manifest["created"], manifest, folder)

    @property
    def dumps_dir(self) -> Path | None:
        return self.path / "dumps" if self.path else None


class PublicQueryPaths(ABC, Generic[T]):
    """The SPARQL endpoint's two ways to evaluate a public (untrusted) query. A snapshot takes the one
    that fits where its release lives (:meth:`Snapshot.dispatch_public_query`), so the endpoint never
    asks which kind of store it has."""

    @abstractmethod
    def in_worker_processes(self, folder: Path) -> T:
        """The release's on-disk store is in ``folder``: evaluate the query in processes of our own
        that can be ended at the time limit."""

    @abstractmethod
    def through_the_store(self, sparql: Callable[..., Any]) -> T:
        """The store evaluates queries itself, under its own time limits: ``sparql`` is
        :meth:`server.store.remote.RemoteSnapshot.sparql` (pyoxigraph results of this release)."""


class Snapshot(ABC):
    """One release, pinned: every read answers from it. Results use rdflib terms."""

    mode: str | None = None  # where the release is read from ("disk" or "memory"); None: not local

    def __init__(self, info: ReleaseInfo, source: str):
        self._info = info
        self.source = source  # which store the release is read from: caches of derived data key by it

    def release(self) -> ReleaseInfo:
        return self._info

    @abstractmethod
    def select(self, query: str) -> list[dict]:
        """Rows of a SELECT query as dicts of variable name → rdflib term (unbound variables absent)."""

    @abstractmethod
    def ask(self, query: str) -> bool:
        ...

    @abstractmethod
    def construct(self, query: str) -> Graph:
        """The triples of a CONSTRUCT or DESCRIBE query."""

    @abstractmethod
    def dispatch_public_query(self, paths: PublicQueryPaths[T]) -> T:
        """Call the one of ``paths`` that evaluates a public query on this release."""

    # -- triple patterns (Triple Pattern Fragments): a lookup in one index, never a query plan ------
    def triples_matching(self, pattern: Pattern, offset: int = 0, limit: int | None = None) -> list:
        """The triples (``pyoxigraph.Triple``) of the release that match ``pattern`` (subject, predicate,
        object as pyoxigraph terms; None: any), in a stable order, from ``offset`` on, at most ``limit``."""
        raise NotImplementedError

    def count_matching(self, pattern: Pattern, up_to: int) -> int:
        """How many triples match ``pattern``, counted up to ``up_to`` (``up_to``: at least that many)."""
        raise NotImplementedError

    def history(self):
        """The release history this release carries (``server.store.history.ReleaseHistory``), or None
        (a release built before the history was kept, or a store that keeps none)."""
        return None


class GraphStore(ABC):
    """Read access to the published graph, one release at a time."""

    @abstractmethod
    def snapshot(self) -> Snapshot:
        """The release in service now, pinned (raises :class:`StoreUnavailable` if there is none)."""

    def release_at_hand(self) -> ReleaseInfo | None:
        """The release in service if the store can tell without a query (for logs), else None."""
        return None

    # One-off reads (scripts, tests): each call takes a snapshot of its own.
    def release(self) -> ReleaseInfo:
        return self.snapshot().release()

    def select(self, query: str) -> list[dict]:
        return self.snapshot().select(query)

    def ask(self, query: str) -> bool:
        return self.snapshot().ask(query)

    def construct(self, query: str) -> Graph:
        return self.snapshot().construct(query)
