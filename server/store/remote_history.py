"""The release history on a remote SPARQL store (put there by ``ikpe-lod publish``,
:mod:`.publish`): the same graphs as a release's ``history/`` store, and ``history.json`` recorded
with the release in the meta graph. A past release is the protocol dataset whose default graph is the
union of the base and its live graph (``default-graph-uri`` twice), so every query reads it as the
embedded store's :class:`~.history.PastSnapshot` does.
"""
from __future__ import annotations

import pyoxigraph as ox

from ..kg.history import BASE, live_graph
from .base import ReleaseInfo, StoreUnavailable
from .history import PastRelease, ReleaseHistory, past_info
from .remote import SELECT_TYPES, RemoteSnapshot


class RemoteHistory(ReleaseHistory):
    def __init__(self, snapshot: RemoteSnapshot, data: dict):
        super().__init__(None, data)
        self._remote = snapshot

    @property
    def store(self):
        raise StoreUnavailable("The release history is read from the remote store.")

    @property
    def remote_store(self):
        return self._remote.remote_store

    def quads_about(self, iri: str):
        remote = self.remote_store
        query = f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}"
        graphs = [BASE] + [live_graph(r.id) for r in self.retained]
        fields = [("query", query), ("default-graph-uri", remote.layout.no_graph)]
        fields += [("named-graph-uri", g.value) for g in graphs]
        response = remote.post(fields, SELECT_TYPES)
        if response.status != 200:
            raise StoreUnavailable(f"The store answered {response.status} reading the history.")
        subject = ox.NamedNode(iri)
        return [ox.Quad(subject, row["p"], row["o"], row["g"])
                for row in ox.parse_query_results(response.data, ox.QueryResultsFormat.JSON)]

    def snapshot(self, release: PastRelease, current: ReleaseInfo) -> "RemotePastSnapshot":
        return RemotePastSnapshot(self, release, current)


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
