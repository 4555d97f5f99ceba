"""The release history a release carries: every retained release's graph as the union of two graphs
of one store, and the list of releases.

In a release folder::

    changes/added.nt.gz, changes/removed.nt.gz   what this release changed against the one before
    history/                                    a pyoxigraph store (below)
    history.json                                the releases in order (id, time, counts; ``retained``)

The history store holds

* ``urn:ikpe:history:base``: the statements that hold in *every* retained release (most of the graph);
* ``urn:ikpe:history:live/<id>``, per retained release: the other statements that hold in it;
* ``urn:ikpe:history:added/<id>`` and ``…:removed/<id>``: each retained release's changeset.

So the graph of release *k* is ``base ∪ live/k``: a query runs against a past release by naming
those two graphs as its default graph (``server.store.history``), at the cost of two index lookups
per pattern, whatever the number of releases. (A layout with one graph per span of releases needs
up to k·(n−k) graphs for release k and one lookup for each.) The live graphs hold what changed
within the retained releases: their size grows with the changes and with retention, not with the
graph. A new release's history is a checkpoint of the previous one (RocksDB hard-links its files)
plus this release's changes.

Retention (:class:`Retention`) ends the memento of old releases: their graphs are dropped, they
stay in ``history.json`` with ``retained: false`` (the server answers 410 for them), and the
statements that now hold in every retained release move to the base.
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
PREFIX = "urn:ikpe:history:"
BASE = ox.NamedNode(PREFIX + "base")
LAYOUT = 2  # history.json "layout": 1 was one graph per span of releases (not read any more)


def live_graph(release: str) -> ox.NamedNode:
    return ox.NamedNode(f"{PREFIX}live/{release}")


def added_graph(release: str) -> ox.NamedNode:
    return ox.NamedNode(f"{PREFIX}added/{release}")


def removed_graph(release: str) -> ox.NamedNode:
    return ox.NamedNode(f"{PREFIX}removed/{release}")


def graph_role(graph) -> tuple[str, str | None] | None:
    """("base", None), ("live" | "added" | "removed", release id) for a history graph, else None."""
    if not isinstance(graph, ox.NamedNode) or not graph.value.startswith(PREFIX):
        return None
    role, _, release = graph.value[len(PREFIX):].partition("/")
    return (role, release or None) if role in ("base", "live", "added", "removed") else None


def graphs_at(release: str) -> list[ox.NamedNode]:
    """The graphs whose union is the graph of ``release``."""
    return [BASE, live_graph(release)]


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
        data = json.loads((folder / HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if data.get("layout") == LAYOUT else None


def _triples(path: Path) -> list:
    if not path.exists():
        return []
    with gzip.open(path, "rb") as handle:  # parse() gives quads (in the default graph): their triples
        return [quad.triple for quad in ox.parse(handle, ox.RdfFormat.N_TRIPLES)]


def _quads(triples, graph: ox.NamedNode) -> list[ox.Quad]:
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]


def _in(store: ox.Store, triple, graph: ox.NamedNode) -> bool:
    return next(iter(store.quads_for_pattern(triple.subject, triple.predicate, triple.object, graph)), None) is not None


def _apply_changes(store: ox.Store, changes: Path, release: str, previous: str, window: list[str]) -> None:
    """Add release ``release`` after ``previous``; ``window``: the releases retained before it."""
    added, removed = _triples(changes / ADDED), _triples(changes / REMOVED)
    gone = set(removed)
    moved = []
    for triple in removed:  # a base statement that ends now held in every earlier retained release
        if _in(store, triple, BASE):
            store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, BASE))
            moved.extend(_quads([triple], live_graph(k))[0] for k in window)
    store.extend(moved)
    live = [q.triple for q in store.quads_for_pattern(None, None, None, live_graph(previous)) if q.triple not in gone]
    store.extend(_quads(live, live_graph(release)) + _quads(added, live_graph(release))
                 + _quads(added, added_graph(release)) + _quads(removed, removed_graph(release)))


def _start_history(store: ox.Store, statements: Path) -> None:
    """The first release with a history: all its statements in the base."""
    with (gzip.open(statements, "rb") if statements.suffix == ".gz" else statements.open("rb")) as handle:
        store.bulk_load(handle, ox.RdfFormat.N_TRIPLES, to_graph=BASE)


def _apply_retention(store: ox.Store, entries: list[dict], oldest_before: str) -> None:
    """Drop the graphs of releases no longer retained; when the oldest retained release moved on, the
    statements that hold in every retained release move from the live graphs to the base."""
    retained = [e["id"] for e in entries if e["retained"]]
    for entry in entries:
        if not entry["retained"]:
            for graph in (live_graph(entry["id"]), added_graph(entry["id"]), removed_graph(entry["id"])):
                if store.contains_named_graph(graph):
                    store.remove_graph(graph)
    oldest = retained[0]
    if oldest == oldest_before:
        return
    removed_since = set()
    for release in retained[1:]:
        removed_since.update(q.triple for q in store.quads_for_pattern(None, None, None, removed_graph(release)))
    stays = [q.triple for q in store.quads_for_pattern(None, None, None, live_graph(oldest))
             if q.triple not in removed_since]  # held at the oldest and never removed since: in every one
    store.extend(_quads(stays, BASE))
    for release in retained:
        for triple in stays:
            store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, live_graph(release)))


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
        entries = before["releases"]
        window = [e["id"] for e in entries if e["retained"]]
        _apply_changes(store, folder / CHANGES, entry["id"], entries[-1]["id"], window)
        oldest_before = window[0]
    else:
        store = ox.Store(str(target))
        _start_history(store, statements)
        entries, oldest_before = [], entry["id"]
    entries = [*entries, dict(entry, retained=True)]
    now = dt.datetime.fromisoformat(entry["created"])
    for item, keep in zip(entries, retention.retained(entries, now)):
        item["retained"] = item["retained"] and keep
    _apply_retention(store, entries, oldest_before)
    store.flush()  # no optimize(): compaction would rewrite the files shared with the previous release
    del store
    history = {"layout": LAYOUT, "releases": entries,
               "retention": {"releases": retention.releases, "days": retention.days}}
    (folder / HISTORY_FILE).write_text(json.dumps(history, indent=1, ensure_ascii=False), encoding="utf-8")
    return history
