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

from ..store.history import PastRelease, ReleaseHistory, closure
from .vocab import GENERATED_AT, HAS_PART, IS_VERSION_OF, TOMBSTONE, TYPE, date_time

MAX_BLANK_NODES = 100_000  # blank nodes followed below one root


def version_iri(public_base: str, release_id: str, iri: str) -> str:
    id_base = public_base + "/id/"
    if iri.startswith(id_base):
        return f"{public_base}/release/{release_id}/id/{iri[len(id_base):]}"
    return f"{public_base}/ldes/{release_id}/version?of={quote(iri, safe='')}"


class Describer:
    """Statements of roots as ``release`` had them (read through the history's interface: embedded or
    on a remote store alike)."""

    def __init__(self, history: ReleaseHistory, release: PastRelease, public_base: str, unattached: str):
        self.history, self.release, self.public_base, self.unattached = history, release, public_base, unattached
        self.spans = set(history.spans_at(release))
        self._fetched: dict[str, list[ox.Quad]] = {}

    def prefetch(self, roots: list[str]) -> None:
        """Read the statements of ``roots`` together (one query on a remote store, not one per root)."""
        self._fetched.update(self.history.statements_about_all([r for r in roots if r != self.unattached],
                                                               MAX_BLANK_NODES))

    def _held(self, root: str) -> tuple[list[ox.Triple], list[ox.Triple]]:
        """The statements of ``root`` at the release, and those of the blank nodes below it."""
        quads = self._fetched.get(root)
        if quads is None:
            quads = self.history.statements_about(root, MAX_BLANK_NODES)
        quads = [q for q in quads if q.graph_name in self.spans]
        subject = ox.NamedNode(root)
        own = list(dict.fromkeys(q.triple for q in quads if q.subject == subject))
        below: dict = {}
        for quad in quads:
            if quad.subject != subject:
                below.setdefault(quad.subject, []).append(quad.triple)
        objects = [t.object for t in own if isinstance(t.object, ox.BlankNode)]
        return own, list(dict.fromkeys(closure(objects, lambda node: below.get(node, ()))))

    def member(self, root: str) -> tuple[ox.NamedNode, list[ox.Triple]]:
        """The version object of ``root`` and its statements."""
        version = ox.NamedNode(version_iri(self.public_base, self.release.id, root))
        out = [ox.Triple(version, IS_VERSION_OF, ox.NamedNode(root)),
               ox.Triple(version, GENERATED_AT, date_time(self.release.created))]
        if root == self.unattached:
            objects, below = self.history.orphans_at(self.release)
            out.extend(ox.Triple(version, HAS_PART, node) for node in objects)
        else:
            own, below = self._held(root)
            out.extend(ox.Triple(version, t.predicate, t.object) for t in own)
        if len(out) == 2:
            out.append(ox.Triple(version, TYPE, TOMBSTONE))
        out.extend(below)
        return version, out
