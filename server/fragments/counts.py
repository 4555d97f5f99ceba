"""How many triples a pattern matches: ``hydra:totalItems`` and ``void:triples`` of a fragment.

Exact where that is cheap: the whole graph, one predicate, one class (``?s rdf:type <C>``) are read
from the counts the release's VoID step computed once at build time (``catalog/void.ttl`` in the
release folder: the property and class partitions); any other pattern is counted in the store's index
up to :data:`EXACT_UP_TO` (10,000) matches. Past that, the count is an *estimate* (marked so in the document):
the matches counted, raised to what the partitions bound it by; never below the matches seen, so
never 0 when there are matches.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
EXACT_UP_TO = 10_000  # matches counted in the index per request at most (≈ 1 ms a thousand at 1M)


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool


@dataclass(frozen=True)
class ReleaseCounts:
    """Triples in all, per predicate and per class (``?s rdf:type <class>``) of one release.
    ``exact``: the counts are of the release read (False: another release's, only bounds)."""

    total: int
    predicates: dict
    classes: dict
    exact: bool = True

    @classmethod
    def from_void(cls, path: Path) -> "ReleaseCounts | None":
        """The counts of the VoID description at ``path`` (None if the release has none)."""
        if not path.is_file():
            return None
        total, parts = 0, {}
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            key = triple.predicate.value[len(VOID):] if triple.predicate.value.startswith(VOID) else None
            if key == "triples" and isinstance(triple.subject, ox.NamedNode) and triple.subject.value.endswith(
                    "/catalog/dataset/ikpe"):
                total = int(triple.object.value)
            elif key in ("property", "class", "triples", "entities"):
                parts.setdefault(triple.subject, {})[key] = triple.object.value
        predicates = {ox.NamedNode(p["property"]): int(p["triples"]) for p in parts.values() if "property" in p}
        classes = {ox.NamedNode(p["class"]): int(p["entities"]) for p in parts.values() if "class" in p}
        return cls(total, predicates, classes)

    def as_bounds(self) -> "ReleaseCounts":
        return ReleaseCounts(self.total, self.predicates, self.classes, exact=False)

    def known(self, pattern: tuple) -> int | None:
        """The exact count where the partitions hold it, else None."""
        subject, predicate, obj = pattern
        if not self.exact or subject is not None:
            return None
        if predicate is None and obj is None:
            return self.total
        if obj is None:
            return self.predicates.get(predicate, 0)
        if predicate == RDF_TYPE and isinstance(obj, ox.NamedNode):
            return self.classes.get(obj, 0)
        return None

    def bound(self, pattern: tuple) -> int:
        """At most this many triples match (the predicate's triples, or the whole graph)."""
        predicate = pattern[1]
        return self.predicates.get(predicate, self.total) if predicate is not None else self.total


def count(snapshot, pattern: tuple, counts: ReleaseCounts | None, up_to: int = EXACT_UP_TO) -> Count:
    """The count of ``pattern`` on ``snapshot`` (a ``server.store.Snapshot``)."""
    known = counts.known(pattern) if counts is not None else None
    if known is not None:
        return Count(known, True)
    counted = snapshot.count_matching(pattern, up_to + 1)
    if counted <= up_to:
        return Count(counted, True)
    return Count(max(counted, counts.bound(pattern) if counts is not None else counted), False)
