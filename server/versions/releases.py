"""The changeset of a retained release, read from the history (its graphs ``added/<id>`` and
``removed/<id>``, server/kg/history.py; embedded or on a remote store alike); the first release of the
history added all it holds."""
from __future__ import annotations

from typing import Iterable

from rdflib import Graph


def rdflib_graph(triples: Iterable) -> Graph:
    """pyoxigraph triples (or quads) as an rdflib graph."""
    text = "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)
    return Graph().parse(data=text, format="nt") if text else Graph()


def release_changes(history, release) -> tuple[Graph, Graph]:
    """(added, removed) by ``release`` (a retained :class:`~server.store.history.PastRelease`)."""
    graphs = history.change_graphs(release)
    if graphs is None:  # the first release of the history: all of it is new
        return _read(history, history.spans_at(release)), Graph()
    return _read(history, [graphs[0]]), _read(history, [graphs[1]])


def _read(history, graphs: list) -> Graph:
    return rdflib_graph(triple for graph in graphs for triple in history.graph_triples(graph))
