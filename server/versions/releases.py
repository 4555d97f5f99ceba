"""The changeset of a retained release, read from the history store: the statements whose span begins
at the release were added by it, those whose span ends at it were removed by it."""
from __future__ import annotations

from typing import Iterable

import pyoxigraph as ox
from rdflib import Graph

from ..kg.history import parse_span


def rdflib_graph(triples: Iterable) -> Graph:
    """pyoxigraph triples (or quads) as an rdflib graph."""
    text = "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)
    return Graph().parse(data=text, format="nt") if text else Graph()


def release_changes(history, release) -> tuple[Graph, Graph]:
    """(added, removed) by ``release`` (a retained :class:`~server.store.history.PastRelease`). For the
    oldest retained release, what it removed may already be dropped from the history store."""
    began, ended = [], []
    for graph in history.store.named_graphs():
        span = parse_span(graph) if isinstance(graph, ox.NamedNode) else None
        if span is None:
            continue
        if span[0] == release.id:
            began.append(graph)
        if span[1] == release.id:
            ended.append(graph)
    return _read(history.store, began), _read(history.store, ended)


def _read(store: ox.Store, graphs: list) -> Graph:
    return rdflib_graph(quad for graph in graphs for quad in store.quads_for_pattern(None, None, None, graph))
