"""The stream cut into TREE pages, ordered by time.

The view starts at the **base** of the oldest retained release (every resource as that release had
it: what a new client needs when older releases are beyond retention; for the first release ever
that is also its change), then the **changes** of each later release in order. A release's members
are sorted by IRI and cut into pages of ``page_size``; each page links to the next with a
``tree:GreaterThanOrEqualToRelation`` on ``prov:generatedAtTime`` (the next page's release time).

A page is immutable once a next page exists (``ldes:immutable``): every page but the newest one.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..store.history import PastRelease, ReleaseHistory
from .describe import Describer
from .members import MemberIndex
from .vocab import DCT, LDES, MEMBER, PROV, RDFS, TREE, TYPE, XSD, date_time, term

BASE, CHANGES = "base", "changes"


class NoSuchPage(LookupError):
    """A page number beyond a release's pages (or below 1)."""


@dataclass(frozen=True)
class PageRef:
    release: PastRelease
    kind: str      # BASE or CHANGES
    number: int    # from 1


class Stream:
    """The event stream of one history (that of the release in service)."""

    def __init__(self, history: ReleaseHistory, public_base: str, page_size: int, index: MemberIndex):
        self.history, self.public_base, self.page_size, self.index = history, public_base, max(1, page_size), index
        self.iri = ox.NamedNode(f"{public_base}/ldes")

    # -- addresses --------------------------------------------------------------------------------
    def url(self, ref: PageRef) -> str:
        middle = f"base/{ref.release.id}" if ref.kind == BASE else ref.release.id
        return f"{self.public_base}/ldes/{middle}/{ref.number}"

    def root(self) -> PageRef:
        return PageRef(self.history.retained[0], BASE, 1)

    def roots_of(self, release: PastRelease, kind: str) -> list[str]:
        return self.index.base(release) if kind == BASE else self.index.changed(release)

    def page_count(self, release: PastRelease, kind: str) -> int:
        return max(1, -(-len(self.roots_of(release, kind)) // self.page_size))

    def page(self, release: PastRelease, kind: str, number: int) -> PageRef:
        if number < 1 or number > self.page_count(release, kind):
            raise NoSuchPage(f"Release {release.id} has {self.page_count(release, kind)} page(s) of {kind} "
                             f"in the change feed; there is no page {number}.")
        return PageRef(release, kind, number)

    def next_page(self, ref: PageRef) -> PageRef | None:
        if ref.number < self.page_count(ref.release, ref.kind):
            return PageRef(ref.release, ref.kind, ref.number + 1)
        later = [r for r in self.history.retained if r.position > ref.release.position]
        return PageRef(later[0], CHANGES, 1) if later else None

    def immutable(self, ref: PageRef) -> bool:
        return self.next_page(ref) is not None

    # -- documents ----------------------------------------------------------------------------------
    def description(self) -> list[ox.Triple]:
        """The stream itself: its paths, its view, its retention policy."""
        s = self.iri
        policy = ox.BlankNode("retention")
        oldest = self.history.retained[0]
        keep = self.history.retention
        triples = [
            ox.Triple(s, TYPE, term(LDES, "EventStream")),
            ox.Triple(s, term(LDES, "timestampPath"), term(PROV, "generatedAtTime")),
            ox.Triple(s, term(LDES, "versionOfPath"), term(DCT, "isVersionOf")),
            ox.Triple(s, term(LDES, "versionDeletePath"), TYPE),
            ox.Triple(s, term(LDES, "versionDeleteObject"), term("https://www.w3.org/ns/activitystreams#", "Tombstone")),
            ox.Triple(s, term(TREE, "view"), ox.NamedNode(self.url(self.root()))),
            ox.Triple(s, term(LDES, "retentionPolicy"), policy),
            ox.Triple(policy, TYPE, term(LDES, "RetentionPolicy")),
            ox.Triple(policy, term(LDES, "startingFrom"), date_time(oldest.created)),
            ox.Triple(policy, term(RDFS, "comment"), ox.Literal(
                f"Every change of the last {keep.get('releases') or 'all'} releases"
                + (f" and at most {keep['days']} days" if keep.get("days") else "")
                + f" (from release {oldest.id}); before that, the latest version of every resource "
                  "(the base of the oldest kept release).", language="en")),
        ]
        if keep.get("days"):
            triples.append(ox.Triple(policy, term(LDES, "fullLogDuration"),
                                     ox.Literal(f"P{keep['days']}D", datatype=term(XSD, "duration"))))
        return triples

    def page_triples(self, ref: PageRef) -> list[ox.Triple]:
        """The page: the node, its relation to the next page, its members."""
        node = ox.NamedNode(self.url(ref))
        triples = [ox.Triple(node, TYPE, term(TREE, "Node"))]
        if ref == self.root():
            triples.extend(self.description())
        following = self.next_page(ref)
        if following is not None:
            triples.extend(self._relation(node, following))
            triples.append(ox.Triple(node, term(LDES, "immutable"), ox.Literal(True)))
        start = (ref.number - 1) * self.page_size
        describer = Describer(self.history, ref.release, self.public_base, self.index.unattached)
        roots = self.roots_of(ref.release, ref.kind)[start:start + self.page_size]
        describer.prefetch(roots)
        for root in roots:
            version, statements = describer.member(root)
            triples.append(ox.Triple(self.iri, MEMBER, version))
            triples.extend(statements)
        return triples

    def _relation(self, node: ox.NamedNode, following: PageRef) -> list[ox.Triple]:
        relation = ox.BlankNode("next")
        return [ox.Triple(node, term(TREE, "relation"), relation),
                ox.Triple(relation, TYPE, term(TREE, "GreaterThanOrEqualToRelation")),
                ox.Triple(relation, term(TREE, "node"), ox.NamedNode(self.url(following))),
                ox.Triple(relation, term(TREE, "path"), term(PROV, "generatedAtTime")),
                ox.Triple(relation, term(TREE, "value"), date_time(following.release.created))]
