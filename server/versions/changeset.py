"""A changeset (the statements added and removed) grouped by resource.

Statements are grouped by their subject IRI; a statement about a blank node goes to the resource that
points to it (through any chain of blank nodes), with the predicates on the way as its ``path``. A
resource is *added* when the older graph had no statement about it, *removed* when the newer has none,
*changed* otherwise; the newer graph is only asked how many statements it has about each resource
(older = newer − added + removed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
MAX_PATH = 8  # blank nodes nested deeper than this are shown as their own entry


class Side(Protocol):
    """A release (or an edit) as the summary asks about it."""

    def subject_counts(self, iris: list[str]) -> dict[str, int]: ...

    def labels(self, iris: list[str]) -> Graph: ...


@dataclass(frozen=True, order=True)
class Statement:
    path: tuple[URIRef, ...]  # predicates from the resource to the blank node this is about; () for itself
    predicate: URIRef
    object: Node


@dataclass
class ResourceChange:
    iri: str
    status: str = CHANGED
    added: list[Statement] = field(default_factory=list)
    removed: list[Statement] = field(default_factory=list)

    def own(self, statements: list[Statement]) -> int:
        return sum(1 for s in statements if not s.path)


@dataclass
class Summary:
    added: list[ResourceChange]
    removed: list[ResourceChange]
    changed: list[ResourceChange]
    labels: Graph  # the label statements of every IRI a summary shows (resources, properties, values)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def all(self) -> list[ResourceChange]:
        return self.added + self.removed + self.changed


def owners(graph: Graph) -> dict[BNode, tuple[Node, tuple[URIRef, ...]]]:
    """Each blank node that something in ``graph`` points to → (the IRI at the top, the predicates on the way)."""
    parent = {}
    for s, p, o in sorted(graph):
        if isinstance(o, BNode) and o not in parent and o != s:
            parent[o] = (s, p)
    found = {}
    for node in parent:
        path, top = [], node
        while isinstance(top, BNode) and top in parent and len(path) < MAX_PATH:
            top, predicate = parent[top]
            path.append(predicate)
            if top == node:  # a cycle of blank nodes
                break
        if isinstance(top, URIRef):
            found[node] = (top, tuple(reversed(path)))
    return found


def group(added: Graph, removed: Graph) -> dict[str, ResourceChange]:
    """The statements of both graphs by resource (blank nodes attached to the resource pointing to them)."""
    changes: dict[str, ResourceChange] = {}
    for graph, side in ((added, "added"), (removed, "removed")):
        attached = owners(graph)
        for s, p, o in graph:
            if isinstance(o, BNode) and o in attached:
                continue  # the blank node's own statements show what it holds
            top, path = attached.get(s, (s, ())) if isinstance(s, BNode) else (s, ())
            key = str(top) if isinstance(top, URIRef) else f"_:{top}"
            change = changes.setdefault(key, ResourceChange(key))
            getattr(change, side).append(Statement(path, p, o))
    for change in changes.values():
        change.added.sort()
        change.removed.sort()
    return changes


def classify(changes: dict[str, ResourceChange], newer: Side) -> None:
    """Set each change's status from the newer graph's statement counts."""
    counts = newer.subject_counts([iri for iri in changes if not iri.startswith("_:")])
    for iri, change in changes.items():
        new = counts.get(iri, 0)
        old = new - change.own(change.added) + change.own(change.removed)
        change.status = ADDED if old <= 0 else REMOVED if new <= 0 else CHANGED


def iris_shown(changes) -> list[str]:
    """Every IRI a summary names: the resources, the properties and the IRI values."""
    found = set()
    for change in changes:
        if not change.iri.startswith("_:"):
            found.add(change.iri)
        for statement in change.added + change.removed:
            found.update(str(p) for p in statement.path)
            found.add(str(statement.predicate))
            if isinstance(statement.object, URIRef):
                found.add(str(statement.object))
    return sorted(found)


def label_graph(iris: list[str], sources: list[Side]) -> Graph:
    """The label statements of ``iris``, each IRI's from the first source that has one."""
    labels, missing = Graph(), list(iris)
    for source in sources:
        if not missing:
            break
        found = source.labels(missing)
        for triple in found:
            labels.add(triple)
        labelled = {str(s) for s in found.subjects()}
        missing = [iri for iri in missing if iri not in labelled]
    return labels


def summarize(added: Graph, removed: Graph, newer: Side, label_sources: list[Side]) -> Summary:
    """What ``added`` and ``removed`` change, by resource, sorted by IRI; labels from ``label_sources``
    in order (the newer release first, then e.g. the removed statements themselves)."""
    changes = group(added, removed)
    classify(changes, newer)
    ordered = [changes[key] for key in sorted(changes)]
    return Summary([c for c in ordered if c.status == ADDED], [c for c in ordered if c.status == REMOVED],
                   [c for c in ordered if c.status == CHANGED], label_graph(iris_shown(ordered), label_sources))
