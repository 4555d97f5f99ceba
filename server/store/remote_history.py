"""The release history on a remote SPARQL store (put there by ``ikpe-lod publish``,
:mod:`.publish`): the same graphs as a release's ``history/`` store, and ``history.json`` recorded
with the release in the meta graph. A past release is the protocol dataset whose default graph is the
union of the base and the segment graphs on its path (``default-graph-uri`` for each), so every
query reads it as the embedded store's :class:`~.history.PastSnapshot` does.
"""
from __future__ import annotations

import pyoxigraph as ox

from .base import ReleaseInfo, StoreUnavailable
from .history import PastRelease, ReleaseHistory, past_info
from .remote import SELECT_TYPES, RemoteSnapshot


MAX_DEPTH = 40  # blank nodes followed in a chain (deeper trees, or cycles, are cut there)
WINDOW = 8      # depths read by one query


class RemoteHistory(ReleaseHistory):
    """The history read from the store by SPARQL. SPARQL cannot name a stored blank node, so the
    statements below a blank node are reached by chains of triple patterns, one level per query."""

    def __init__(self, snapshot: RemoteSnapshot, data: dict):
        super().__init__(None, data)
        self._remote = snapshot
        self._orphans: dict[str, tuple] = {}

    @property
    def store(self):
        raise StoreUnavailable("The release history is read from the remote store.")

    @property
    def remote_store(self):
        return self._remote.remote_store

    @property
    def identity(self) -> str:
        return f"remote:{self.remote_store.url}:{self.current.id}"

    def rows(self, query: str, default: list, named: list) -> list:
        """A SELECT against the protocol dataset ``default`` (its union) and ``named`` graphs."""
        remote = self.remote_store
        fields = [("query", query)] + [("default-graph-uri", g.value) for g in default or [remote_none(remote)]]
        fields += [("named-graph-uri", g.value) for g in named or [remote_none(remote)]]
        response = remote.post(fields, SELECT_TYPES)
        if response.status != 200:
            raise StoreUnavailable(f"The store answered {response.status} reading the history.")
        return list(ox.parse_query_results(response.data, ox.QueryResultsFormat.JSON))

    def quads_about(self, iri: str):
        subject = ox.NamedNode(iri)
        graphs = self.release_graphs()
        rows = self.rows(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {subject} ?p ?o }} }}", [], graphs)
        return [ox.Quad(subject, row["p"], row["o"], row["g"]) for row in rows]

    def graph_triples(self, graph: ox.NamedNode) -> list[ox.Triple]:
        rows = self.rows(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}", [], [graph])
        return [ox.Triple(row["s"], row["p"], row["o"]) for row in rows]

    def statements_about(self, iri: str, limit: int = 1000) -> list[ox.Quad]:
        return self.statements_about_all([iri], limit)[iri]

    def statements_about_all(self, iris: list[str], limit: int = 1000) -> dict[str, list[ox.Quad]]:
        values = " ".join(str(ox.NamedNode(iri)) for iri in iris)
        found = {iri: [] for iri in iris}
        for root, quad in self._below(f"VALUES ?n0 {{ {values} }}", self.release_graphs(), limit * len(iris)):
            found[root.value].append(quad)
        return found

    def _below(self, start: str, graphs: list, limit: int = 100_000) -> list[tuple[ox.Term, ox.Quad]]:
        """(node, quad): the quads (in ``graphs``) of the nodes ``start`` binds to ``?n0`` and of the
        blank nodes below them. Depth k is the chain ``?n0 → … → ?nk`` of blank nodes: depth 0 by one
        query, then WINDOW depths per query (a UNION) while the deepest read still has blank nodes."""
        found: dict[tuple, None] = {}
        deeper = False
        for row in self.rows(f"SELECT ?n0 ?p ?o ?g WHERE {{ {start} GRAPH ?g {{ ?n0 ?p ?o }} }}", graphs, graphs):
            found.setdefault((row["n0"], ox.Quad(row["n0"], row["p"], row["o"], row["g"])))
            deeper |= isinstance(row["o"], ox.BlankNode)
        for first in range(1, MAX_DEPTH, WINDOW):
            if not deeper or len(found) >= limit:
                break
            branches = " UNION ".join(
                "{ " + "".join(f"?n{i} ?q{i} ?n{i + 1} . FILTER(isBlank(?n{i + 1})) " for i in range(depth))
                + f"GRAPH ?g {{ ?n{depth} ?p ?o }} BIND(?n{depth} AS ?s) BIND({depth} AS ?d) }}"
                for depth in range(first, first + WINDOW))
            deeper = False
            for row in self.rows(f"SELECT DISTINCT ?n0 ?s ?p ?o ?g ?d WHERE {{ {start} {branches} }}", graphs, graphs):
                found.setdefault((row["n0"], ox.Quad(row["s"], row["p"], row["o"], row["g"])))
                deeper |= int(row["d"].value) == first + WINDOW - 1 and isinstance(row["o"], ox.BlankNode)
        return list(found)

    def subjects_at(self, release: PastRelease) -> set[str]:
        rows = self.rows("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }", self.spans_at(release), [])
        return {row["s"].value for row in rows}

    def orphans_at(self, release: PastRelease) -> tuple[list[ox.BlankNode], list[ox.Triple]]:
        if release.id not in self._orphans:  # a scan of the release: asked for its base and its member
            start = ("{ SELECT DISTINCT ?n0 WHERE { ?n0 ?p0 ?o0 FILTER(isBlank(?n0)) "
                     "FILTER NOT EXISTS { ?x0 ?y0 ?n0 } } }")
            below = self._below(start, self.spans_at(release))
            self._orphans[release.id] = (sorted({node for node, _ in below}, key=str),
                                         list(dict.fromkeys(quad.triple for _, quad in below)))
        return self._orphans[release.id]

    def roots_above(self, graph: ox.NamedNode, unattached: str) -> set[str]:
        everything = self.release_graphs() + [g for r in self.retained for g in self.change_graphs(r) or ()]
        start = f"{{ SELECT DISTINCT ?n0 WHERE {{ GRAPH {graph} {{ ?n0 ?p0 ?o0 FILTER(isBlank(?n0)) }} }} }}"
        roots = set()
        for depth in range(MAX_DEPTH):
            chain = "".join(f" ?n{i + 1} ?q{i} ?n{i} . FILTER(isBlank(?n{i + 1}))" for i in range(depth))
            query = (f"SELECT DISTINCT (IF(!BOUND(?top), \"\", IF(isIRI(?top), STR(?top), \"_\")) AS ?r) "
                     f"WHERE {{ {start}{chain} OPTIONAL {{ ?top ?qt ?n{depth} }} }}")
            found = {row["r"].value for row in self.rows(query, everything, [graph])}
            roots |= {unattached if r == "" else r for r in found if r != "_"}
            if "_" not in found:
                break
        return roots

    def snapshot(self, release: PastRelease, current: ReleaseInfo) -> "RemotePastSnapshot":
        return RemotePastSnapshot(self, release, current)


def remote_none(remote) -> ox.NamedNode:
    return ox.NamedNode(remote.layout.no_graph)


class RemotePastSnapshot(RemoteSnapshot):
    """A retained release read from the remote store's history graphs."""

    mode = "history"

    def __init__(self, history: RemoteHistory, release: PastRelease, carrier: ReleaseInfo):
        super().__init__(history.remote_store, past_info(release), [g.value for g in history.spans_at(release)])
        self.history_of, self.past, self.carrier = history, release, carrier

    @property
    def spans(self) -> list[str]:
        return list(self.graph)

    def history(self) -> RemoteHistory:
        return self.history_of
