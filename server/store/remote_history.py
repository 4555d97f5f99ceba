"""The release history on a remote SPARQL store (put there by ``ikpe-lod publish``,
:mod:`.publish`): the same span graphs as a release's ``history/`` store, and ``history.json`` recorded
with the release in the meta graph. A past release is the protocol dataset whose default graph is the
union of its spans (``default-graph-uri``, one per span), so every query reads it as the embedded
store's :class:`~.history.PastSnapshot` does.
"""
from __future__ import annotations

import json

import pyoxigraph as ox

from .base import ReleaseInfo, StoreUnavailable
from .history import PastRelease, ReleaseHistory
from .remote import SELECT_TYPES, RemoteSnapshot


class RemoteHistory(ReleaseHistory):
    def __init__(self, snapshot: RemoteSnapshot, data: dict):
        super().__init__(None, data)
        self._remote = snapshot

    @property
    def store(self):
        raise StoreUnavailable("The release history is read from the remote store.")

    def span_graphs_about(self, iri: str) -> set[ox.NamedNode]:
        remote = self._remote.remote_store
        query = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}"
        fields = [("query", query), ("default-graph-uri", remote.layout.no_graph)]
        fields += [("named-graph-uri", name) for name in self._span_names or []]
        response = remote.post(fields, SELECT_TYPES)
        if response.status != 200:
            raise StoreUnavailable(f"The store answered {response.status} reading the history.")
        return {ox.NamedNode(row["g"]["value"]) for row in json.loads(response.data)["results"]["bindings"]}

    def snapshot(self, release: PastRelease, current: ReleaseInfo) -> "RemotePastSnapshot":
        return RemotePastSnapshot(self, release, current)


class RemotePastSnapshot(RemoteSnapshot):
    """A retained release read from the remote store's span graphs."""

    mode = "history"

    def __init__(self, history: RemoteHistory, release: PastRelease, carrier: ReleaseInfo):
        manifest = {"release": release.id, "created": release.created.isoformat(), "triples": release.triples,
                    "past": True}
        spans = [g.value for g in history.spans_at(release)] or [history._remote.remote_store.layout.no_graph]
        super().__init__(history._remote.remote_store,
                         ReleaseInfo(release.id, release.created.isoformat(), manifest, None), spans)
        self.history_of, self.past, self.carrier = history, release, carrier

    @property
    def spans(self) -> list[str]:
        return list(self.graph)

    def history(self) -> RemoteHistory:
        return self.history_of
