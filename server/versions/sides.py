"""The releases a summary asks about: an rdflib graph in memory (an edit not yet published, the
statements of a changeset) or a release read through a :class:`~server.store.base.Snapshot`."""
from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from ..kg.namespaces import SCHEMA

# what names a resource, in the order the web layer prefers them (server/web/labels.py)
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SCHEMA.name, DCTERMS.title)
CHUNK = 400  # IRIs per query


class GraphSide:
    def __init__(self, graph: Graph):
        self.graph = graph

    def subject_counts(self, iris: list[str]) -> dict[str, int]:
        counts = {}
        for iri in iris:
            count = sum(1 for _ in self.graph.triples((URIRef(iri), None, None)))
            if count:
                counts[iri] = count
        return counts

    def labels(self, iris: list[str]) -> Graph:
        found = Graph()
        for iri in iris:
            for prop in LABEL_PROPERTIES:
                for value in self.graph.objects(URIRef(iri), prop):
                    found.add((URIRef(iri), prop, value))
        return found


NOT_IN_IRIS = set('<>"{}|^`\\ \n')


def _chunks(iris: list[str]):
    """The IRIs as ``<…>`` in lists of at most CHUNK (anything that is no IRI left out)."""
    safe = [f"<{i}>" for i in iris if not NOT_IN_IRIS & set(i)]
    for start in range(0, len(safe), CHUNK):
        yield safe[start:start + CHUNK]


class SnapshotSide:
    def __init__(self, snapshot):
        self.snapshot = snapshot

    def subject_counts(self, iris: list[str]) -> dict[str, int]:
        counts = {}
        for chunk in _chunks(iris):
            values = " ".join(chunk)
            rows = self.snapshot.select(
                f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }} GROUP BY ?s")
            counts.update({str(row["s"]): int(row["n"]) for row in rows})
        return counts

    def labels(self, iris: list[str]) -> Graph:
        found = Graph()
        for chunk in _chunks(iris):  # (IRI, property) pairs: two VALUES lists join slowly in pyoxigraph
            pairs = " ".join(f"({iri} <{p}>)" for iri in chunk for p in LABEL_PROPERTIES)
            for triple in self.snapshot.construct(
                    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES (?s ?p) {{ {pairs} }} ?s ?p ?o }}"):
                found.add(triple)
        return found
