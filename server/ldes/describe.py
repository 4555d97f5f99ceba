"""A member of the stream: a version object, the description of one root as one release had it.

The version object's IRI is release-bound: the memento URL ``<public_base>/release/<id>/id/…`` for a
resource under ``/id/`` (dereferenceable), ``<public_base>/ldes/<id>/version?of=<IRI>`` for any other
subject (terms of the ontology, external IRIs). It carries ``dcterms:isVersionOf`` the resource,
``prov:generatedAtTime`` the release time, and the resource's statements (as subject) with the
version object in the resource's place, plus the blank nodes they point to. A root without
statements at the release was withdrawn: its member is an ``as:Tombstone``.
"""
from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox

from ..store.history import PastRelease, ReleaseHistory
from .members import orphan_blank_nodes
from .vocab import GENERATED_AT, HAS_PART, IS_VERSION_OF, TOMBSTONE, TYPE, date_time


def version_iri(public_base: str, release_id: str, iri: str) -> str:
    id_base = public_base + "/id/"
    if iri.startswith(id_base):
        return f"{public_base}/release/{release_id}/id/{iri[len(id_base):]}"
    return f"{public_base}/ldes/{release_id}/version?of={quote(iri, safe='')}"


class Describer:
    """Statements of roots as ``release`` had them (read from the history store's spans)."""

    def __init__(self, history: ReleaseHistory, release: PastRelease, public_base: str, unattached: str):
        self.history, self.release, self.public_base, self.unattached = history, release, public_base, unattached
        self.spans = set(history.spans_at(release))

    def _held(self, subject) -> list[ox.Quad]:
        return [q for q in self.history.store.quads_for_pattern(subject, None, None, None) if q.graph_name in self.spans]

    def _closure(self, nodes, out: list[ox.Triple]) -> None:
        """The statements of the blank nodes ``nodes`` and of those they point to."""
        seen, todo = set(nodes), list(nodes)
        while todo:
            for quad in self._held(todo.pop()):
                out.append(ox.Triple(quad.subject, quad.predicate, quad.object))
                if isinstance(quad.object, ox.BlankNode) and quad.object not in seen:
                    seen.add(quad.object)
                    todo.append(quad.object)

    def member(self, root: str) -> tuple[ox.NamedNode, list[ox.Triple]]:
        """The version object of ``root`` and its statements."""
        version = ox.NamedNode(version_iri(self.public_base, self.release.id, root))
        out = [ox.Triple(version, IS_VERSION_OF, ox.NamedNode(root)),
               ox.Triple(version, GENERATED_AT, date_time(self.release.created))]
        if root == self.unattached:
            objects = orphan_blank_nodes(self.history, self.release)
            out.extend(ox.Triple(version, HAS_PART, node) for node in objects)
        else:
            held = self._held(ox.NamedNode(root))
            out.extend(ox.Triple(version, q.predicate, q.object) for q in held)
            objects = [q.object for q in held if isinstance(q.object, ox.BlankNode)]
        if len(out) == 2:
            out.append(ox.Triple(version, TYPE, TOMBSTONE))
        self._closure(objects, out)
        return version, out
