"""A resource's versions: the retained releases in which its statements changed, each with the
statements it added and removed (blank nodes it points to included), newest first."""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from .changeset import ResourceChange, Side, group, iris_shown, label_graph
from .releases import rdflib_graph
from .sides import GraphSide

MAX_BLANK_NODES = 1000  # blank nodes followed from one resource


@dataclass
class Version:
    release: object  # PastRelease
    added: Graph
    removed: Graph


def resource_versions(history, iri: str) -> list[Version]:
    """The versions of ``iri`` (``history``: a :class:`~server.store.history.ReleaseHistory`, embedded
    or remote), newest first. The oldest retained version lists what began there (all of it if the
    resource appeared then)."""
    by_graph: dict = {}
    for quad in history.statements_about(iri, MAX_BLANK_NODES):
        by_graph.setdefault(quad.graph_name, set()).add(quad.triple)
    held, before = {}, set()
    for release in history.retained:  # what held about iri in each release, and what it changed
        now = set().union(*(by_graph.get(g, set()) for g in history.spans_at(release)))
        held[release.id] = (now - before, before - now)
        before = now
    versions = []
    for release in reversed(history.versions_of(iri)):
        added, removed = held[release.id]
        versions.append(Version(release, rdflib_graph(added), rdflib_graph(removed)))
    return versions


@dataclass
class VersionChange:
    release: object  # PastRelease
    change: ResourceChange


def history_of(history, iri: str, current: Side) -> tuple[list[VersionChange], Graph]:
    """The versions of ``iri`` newest first, each with what it changed about ``iri``, and the labels of
    every IRI they name (from ``current``, the release in service, else from the versions themselves)."""
    changes, together = [], Graph()
    for version in resource_versions(history, iri):
        grouped = group(version.added, version.removed)
        changes.append(VersionChange(version.release, grouped.get(iri, ResourceChange(iri))))
        together += version.added
        together += version.removed
    labels = label_graph(iris_shown([c.change for c in changes]), [current, GraphSide(together)])
    return changes, labels
