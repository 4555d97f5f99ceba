"""The release history a release carries: every statement ever published, once, with the span of
releases in which it held, and the list of releases.

In a release folder::

    changes/added.nt.gz, changes/removed.nt.gz   what this release changed against the one before
    history/                                    a pyoxigraph store: each statement in the named graph of
                                                its span, ``urn:ikpe:history:<first release>/<release
                                                that removed it>`` (``…/open`` while it holds)
    history.json                                the releases in order (id, time, counts; ``retained``)

The graph of release *k* is the union of the spans that hold at *k* (first ≤ k < end), so any SPARQL
query runs against a past release by naming those graphs as its default graph
(``server.store.history``). A new release's history is a checkpoint of the previous one (RocksDB hard-
links its files) plus this release's changes, so it grows with the changes, not with the graph.
Retention (:class:`Retention`) ends the memento of old releases: their spans are dropped from the
store, and they stay in ``history.json`` with ``retained: false`` (the server answers 410 for them).
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .changes import ADDED, REMOVED, ChangeCounts

HISTORY, HISTORY_FILE, CHANGES = "history", "history.json", "changes"
SPAN_PREFIX, OPEN = "urn:ikpe:history:", "open"


def span_graph(first: str, end: str | None) -> ox.NamedNode:
    return ox.NamedNode(f"{SPAN_PREFIX}{first}/{end or OPEN}")


def parse_span(graph: ox.NamedNode) -> tuple[str, str | None] | None:
    """(first release, release that ended it or None) of a span graph, None for any other graph."""
    if not graph.value.startswith(SPAN_PREFIX):
        return None
    first, _, end = graph.value[len(SPAN_PREFIX):].partition("/")
    return first, None if end == OPEN else end


@dataclass(frozen=True)
class Retention:
    """How far back mementos go: the newest ``releases`` releases, and none older than ``days``
    (0: no bound). The current release is always retained."""

    releases: int = 0
    days: int = 0

    def retained(self, entries: list[dict], now: dt.datetime) -> list[bool]:
        keep = []
        for position, entry in enumerate(entries):
            age = now - dt.datetime.fromisoformat(entry["created"])
            newest = len(entries) - position
            keep.append(newest == 1 or ((not self.releases or newest <= self.releases)
                                        and (not self.days or age <= dt.timedelta(days=self.days))))
        return keep


def read_history(folder: Path) -> dict | None:
    try:
        return json.loads((folder / HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _triples(path: Path):
    if path.exists():
        with gzip.open(path, "rb") as handle:
            yield from ox.parse(handle, ox.RdfFormat.N_TRIPLES)


def _apply_changes(store: ox.Store, changes: Path, release: str) -> None:
    """Close the span of every removed statement at ``release``; open one for every added one."""
    quads = []
    for triple in _triples(changes / REMOVED):
        for quad in store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None):
            span = parse_span(quad.graph_name)
            if span is not None and span[1] is None:
                store.remove(quad)
                quads.append(ox.Quad(quad.subject, quad.predicate, quad.object, span_graph(span[0], release)))
    opened = span_graph(release, None)
    quads.extend(ox.Quad(t.subject, t.predicate, t.object, opened) for t in _triples(changes / ADDED))
    store.extend(quads)


def _start_history(store: ox.Store, statements: Path, release: str) -> None:
    """The first release with a history: all its statements in one open span."""
    with (gzip.open(statements, "rb") if statements.suffix == ".gz" else statements.open("rb")) as handle:
        store.bulk_load(handle, ox.RdfFormat.N_TRIPLES, to_graph=span_graph(release, None))


def _drop_expired_spans(store: ox.Store, entries: list[dict]) -> None:
    """Remove the spans that ended at or before the oldest retained release (no retained release
    holds their statements) and the spans left empty (all their statements moved on)."""
    order = {entry["id"]: position for position, entry in enumerate(entries)}
    oldest = min(order[e["id"]] for e in entries if e["retained"])
    for graph in list(store.named_graphs()):
        span = parse_span(graph) if isinstance(graph, ox.NamedNode) else None
        if span is None:
            continue
        expired = span[1] is not None and order.get(span[1], len(entries)) <= oldest
        if expired or next(iter(store.quads_for_pattern(None, None, None, graph)), None) is None:
            store.remove_graph(graph)


def extend_history(previous: Path | None, folder: Path, entry: dict, statements: Path,
                   counts: ChangeCounts | None, retention: Retention) -> dict:
    """Write ``folder/history`` and ``folder/history.json`` for the release ``entry`` (id, created,
    triples …): the previous release's history plus ``folder/changes``, or a new history holding
    ``statements`` (the release's canonical N-Triples) when the previous release has none."""
    before = read_history(previous) if previous is not None else None
    target = folder / HISTORY
    shutil.rmtree(target, ignore_errors=True)
    if before is not None and counts is not None and (previous / HISTORY).is_dir():
        ox.Store.read_only(str(previous / HISTORY)).backup(str(target))
        store = ox.Store(str(target))
        _apply_changes(store, folder / CHANGES, entry["id"])
        entries = before["releases"]
    else:
        store = ox.Store(str(target))
        _start_history(store, statements, entry["id"])
        entries = []
    entries = [*entries, dict(entry, retained=True)]
    now = dt.datetime.fromisoformat(entry["created"])
    for item, keep in zip(entries, retention.retained(entries, now)):
        item["retained"] = item["retained"] and keep
    _drop_expired_spans(store, entries)
    store.flush()  # no optimize(): compaction would rewrite the files shared with the previous release
    spans = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and parse_span(g))
    del store
    history = {"releases": entries, "retention": {"releases": retention.releases, "days": retention.days},
               "spans": spans}
    (folder / HISTORY_FILE).write_text(json.dumps(history, indent=1, ensure_ascii=False), encoding="utf-8")
    return history
