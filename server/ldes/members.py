"""Which resources a release changed: the members of its part of the stream.

A *root* is what a member describes: an IRI subject together with the blank nodes it points to.
Blank-node trees that no IRI points to (an OWL axiom such as ``owl:AllDisjointClasses``) have no
IRI of their own; they form one root together, ``unattached`` (``<public_base>/ldes/unattached``).

``changed(release)`` are the roots whose description the release changed: the subjects of the
statements it added or removed (the history's ``added/<id>`` and ``removed/<id>`` graphs), a
blank node standing for the roots above it (``ReleaseHistory.roots_above``). ``base(release)`` are all roots holding at the release:
the full state a client starts from when older releases are beyond retention.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

import pyoxigraph as ox

from ..store.history import PastRelease, ReleaseHistory

_UNATTACHED_MARK = "unattached"  # in a cached file: the unattached root (its IRI depends on the public base)


class MemberIndex:
    """The sorted roots of each release's part of the stream, computed once per history and kept: in
    memory, and in ``cache_dir`` (if given) for the other processes of the machine (a release's roots
    never change; the base of a large release takes a scan of its statements)."""

    def __init__(self, history: ReleaseHistory, unattached: str, keep: int = 64, cache_dir: Path | None = None):
        self.history, self.unattached, self.cache_dir = history, unattached, cache_dir
        self._cache: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def _file(self, key: tuple[str, str]) -> Path | None:
        return self.cache_dir / key[1] / f"ldes-{key[0]}.txt" if self.cache_dir is not None else None

    def _load_or_compute(self, key, compute) -> list[str]:
        path = self._file(key)
        if path is not None and path.exists():
            lines = path.read_text(encoding="utf-8").split("\n")
            return [line.replace(_UNATTACHED_MARK, self.unattached) for line in lines if line]
        value = compute()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            scratch = path.with_name(f".{path.name}.{os.getpid()}")
            scratch.write_text("".join((_UNATTACHED_MARK if r == self.unattached else r) + "\n" for r in value),
                               encoding="utf-8")
            os.replace(scratch, path)
        return value

    def changed(self, release: PastRelease) -> list[str]:
        return self._cached(("changed", release.id), lambda: self._changed(release))

    def base(self, release: PastRelease) -> list[str]:
        return self._cached(("base", release.id), lambda: self._base(release))

    def _cached(self, key, compute) -> list[str]:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = self._load_or_compute(key, compute)
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > self._keep:
                self._cache.popitem(last=False)
        return value

    def _changed(self, release: PastRelease) -> list[str]:
        if release.position == 0 or release.previous is None:
            return self._base(release)  # the first release added everything it holds
        roots = set()
        for graph in self.history.change_graphs(release) or ():
            roots |= {t.subject.value for t in self.history.graph_triples(graph) if isinstance(t.subject, ox.NamedNode)}
            roots |= self.history.roots_above(graph, self.unattached)
        return _ordered(roots, self.unattached)

    def _base(self, release: PastRelease) -> list[str]:
        roots = self.history.subjects_at(release)
        if self.history.orphans_at(release)[0]:
            roots.add(self.unattached)
        return _ordered(roots, self.unattached)


def _ordered(roots: set[str], unattached: str) -> list[str]:
    """Sorted by IRI, ``unattached`` last."""
    return sorted(roots - {unattached}) + ([unattached] if unattached in roots else [])
