"""Withdrawn and moved resources, driven by the data (``ikpe:Tombstone``, ``ikpe:movedTo``).

A tombstone keeps a once-published URI from breaking: without ``ikpe:movedTo`` it answers
``410 Gone`` (with a page saying when and why it was withdrawn); with ``ikpe:movedTo`` it redirects
permanently (``301``) to its successor — a renamed or merged resource. ``dcterms:isReplacedBy``
alone (history, like Eisenach's change of status in 2021) is *not* a redirect: both resources
stay described and answer ``200``.
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from ..kg.namespaces import IKPE
from .describe import iri_ref


@dataclass(frozen=True)
class Tombstone:
    iri: str
    moved_to: str | None

    @property
    def gone(self) -> bool:
        return self.moved_to is None


def tombstone(store, iri: str) -> Tombstone | None:
    ref = iri_ref(iri)
    rows = store.select(f"SELECT ?moved WHERE {{ {ref} a {iri_ref(str(IKPE.Tombstone))} "
                        f"OPTIONAL {{ {ref} {iri_ref(str(IKPE.movedTo))} ?moved }} }} LIMIT 1")
    if not rows:
        return None
    moved = rows[0].get("moved")
    return Tombstone(iri, str(moved) if isinstance(moved, URIRef) else None)
