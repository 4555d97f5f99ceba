"""The release history a release carries: every retained release's graph as the union of a few
graphs of one store (a segment tree over release positions), and the list of releases.

In a release folder::

    changes/added.nt.gz, changes/removed.nt.gz   what this release changed against the one before
    history/                                    a pyoxigraph store (below)
    history.json                                the releases in order (id, time, counts; ``retained``),
                                                "layout": 3 and the non-empty segment graphs

A release's *position* is its index in ``history.json``. Every statement holds on intervals of
positions ``[a, b)`` (``b`` open while the current release holds it). The history store holds

* ``urn:ikpe:history:base``: the statements held in every retained release and still current (most
  of the graph, one copy);
* ``urn:ikpe:history:seg/<level>/<index>``: a node of a segment tree over positions
  (:mod:`.segments`); every other interval is stored in its O(log n) canonical nodes;
* ``urn:ikpe:history:added/<id>`` and ``…:removed/<id>``: each retained release's changeset.

The graph of release *p* is ``base`` ∪ the non-empty nodes on *p*'s root-to-leaf path
(:func:`graphs_at`: one per level of the tree besides the base, 3 for up to 27 releases); a query runs
against it by naming those graphs as its default graph (``server.store.history``).

The tree has ``ARITY`` (3) children per node (:mod:`.segments`): a past release reads the base and
one graph per level (3 for 10–27 releases), an interval is stored in at most 2·(ARITY−1) nodes per
level. (Binary: 5 levels to read for 17–32 releases, ~19 % fewer segment quads; reads cost about one
index seek per graph, so fewer levels won.)

Open intervals. While a statement is current its interval ``[a, ∞)`` is stored as ``[a, C)`` with
``C`` = :func:`~.segments.capacity` of the newest position (the smallest power of ARITY above it).
When the newest position reaches ``C`` the tree grows: ``[a, ARITY·C)`` is ``[a, C)``'s nodes plus the
ARITY−1 nodes right of the old tree (:func:`~.segments.grown`; ``a`` > 0 always: position 0 is the
start, all in the base), so every open statement outside the base is copied into those. They are the
statements added since the oldest retained release (older ones are in the base): at most the changes
of the retained window, copied when the positions reach 3, 9, 27, 81 …, so O(changes) per release
amortised.

Per release *p*, in store writes: a removed statement with open interval ``[a, C)`` becomes ``[a, p)``
(only the nodes of the two decompositions that differ, O(log n)); a removed base statement becomes
``[oldest retained, p)``; an added one gets ``[p, C)``; the changeset graphs get the changes. The
start ``a`` is the newest ``added/<id>`` graph holding the statement, found with its base
membership by one lookup per statement (a VALUES join of a thousand statements per query). The writes
are batched: one ``bulk_extend`` and one ``DELETE DATA`` per 5000 (per-quad transactions cost
~10x). So the history step is O(changes · log n) writes plus the growth copy, and the store grows
with the changes (each interval in ≤ 2·(ARITY−1)·log n nodes), not with the graph or with releases ×
retention.

Retention (:class:`Retention`) ends the memento of old releases: they stay in ``history.json`` with
``retained: false`` (the server answers 410), their changeset graphs and every node wholly before the
oldest retained position are dropped, and the statements current since a release no longer after the
oldest retained one move from their nodes to the base. A new release's history is a checkpoint of
the previous one (RocksDB hard-links its files) plus these writes, in the unpublished release folder.
A previous history of another layout (2: a live graph per release) is not converted: the history
starts afresh from the release's statements and the earlier entries stay listed as not retained.
"""
from __future__ import annotations

import datetime as dt
import gc
import gzip
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .changes import ADDED, REMOVED, ChangeCounts
from .segments import ARITY, Node, capacity, covers, decompose, end_of, grown, node_name, parse_node

HISTORY, HISTORY_FILE, CHANGES = "history", "history.json", "changes"
PREFIX = "urn:ikpe:history:"
BASE = ox.NamedNode(PREFIX + "base")
LAYOUT = 3  # history.json "layout": 1 one graph per span, 2 a live graph per release (not read any more)
ROLES = ("base", "seg", "added", "removed")


def segment_graph(node: Node) -> ox.NamedNode:
    return ox.NamedNode(f"{PREFIX}seg/{node_name(node)}")


def added_graph(release: str) -> ox.NamedNode:
    return ox.NamedNode(f"{PREFIX}added/{release}")


def removed_graph(release: str) -> ox.NamedNode:
    return ox.NamedNode(f"{PREFIX}removed/{release}")


def graph_role(graph) -> tuple[str, str | None] | None:
    """("base", None), ("seg", "<level>/<index>"), ("added" | "removed", release id) for a history
    graph, else None."""
    if not isinstance(graph, ox.NamedNode) or not graph.value.startswith(PREFIX):
        return None
    role, _, rest = graph.value[len(PREFIX):].partition("/")
    return (role, rest or None) if role in ROLES else None


def segments_of(history: dict) -> set[Node]:
    """The non-empty segment nodes a history (``history.json``) records."""
    return {node for node in map(parse_node, history.get("segments", [])) if node is not None}


def graphs_at(segments: set[Node], position: int) -> list[ox.NamedNode]:
    """The graphs whose union is the graph of the release at ``position``: the base and the non-empty
    nodes on its path (``segments``: :func:`segments_of`)."""
    return [BASE] + [segment_graph(node) for node in sorted(segments) if covers(node, position)]


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


def _read_json(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_history(folder: Path) -> dict | None:
    data = _read_json(folder)
    return data if readable(data) else None


def readable(data: dict | None) -> bool:
    """Whether this code reads a history of that ``history.json``: layout 3 of the tree's arity."""
    return data is not None and data.get("layout") == LAYOUT and data.get("arity", ARITY) == ARITY


def _triples(path: Path) -> list:
    if not path.exists():
        return []
    with gzip.open(path, "rb") as handle:  # parse() gives quads (in the default graph): their triples
        return [quad.triple for quad in ox.parse(handle, ox.RdfFormat.N_TRIPLES)]


def _quads(triples, graph: ox.NamedNode) -> list[ox.Quad]:
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]


class HistoryMismatch(ValueError):
    """The previous history does not hold what the changeset removes (a history written otherwise)."""


class _Tree:
    """The writes of one release at ``position`` on a copy of the previous history store, batched:
    :meth:`write` adds every quad collected, then removes every quad collected. No quad is collected
    both to be added and to stay: a quad added for the tree's growth or a statement added now and
    removed again (its interval cut, or moved to the base) is meant to be gone."""

    def __init__(self, store: ox.Store, entries: list[dict], segments: set[Node]):
        self.store, self.segments = store, set(segments)
        self.position = len(entries) - 1
        self.positions = {e["id"]: i for i, e in enumerate(entries)}
        self.width = capacity(self.position)
        self.adds: list[ox.Quad] = []
        self.removes: list[ox.Quad] = []

    def _graphs(self, triples) -> dict:
        """The graphs holding each of ``triples``: a VALUES join per thousand (one query instead of an
        index seek from Python each), one seek for those with blank nodes (SPARQL cannot name them)."""
        found = {t: [] for t in triples}
        plain = [t for t in found if not _has_blank_node(t)]
        for start in range(0, len(plain), 1000):
            values = " ".join(f"({t.subject} {t.predicate} {t.object})" for t in plain[start:start + 1000])
            for row in self.store.query(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?o) {{ {values} }} "
                                        f"GRAPH ?g {{ ?s ?p ?o }} }}"):
                found.setdefault(ox.Triple(row["s"], row["p"], row["o"]), []).append(row["g"])
        for triple in [t for t in triples if not found[t]]:  # blank nodes (or a term written otherwise)
            found[triple] = [q.graph_name for q in self.store.quads_for_pattern(
                triple.subject, triple.predicate, triple.object, None)]
        return {t: found[t] for t in triples}

    def _state(self, graphs) -> tuple[bool, list[int], list[int]]:
        """In the base?, the positions whose added graph and whose removed graph hold the statement."""
        in_base, added, removed = False, [], []
        for graph in graphs:
            role = graph_role(graph)
            if role == ("base", None):
                in_base = True
            elif role is not None and role[0] in ("added", "removed") and role[1] in self.positions:
                (added if role[0] == "added" else removed).append(self.positions[role[1]])
        return in_base, added, removed

    def _move(self, triple, old: list[Node], new: list[Node]) -> None:
        self.removes.extend(_quads([triple], segment_graph(node))[0] for node in set(old) - set(new))
        fresh = set(new) - set(old)
        self.adds.extend(_quads([triple], segment_graph(node))[0] for node in fresh)
        self.segments.update(fresh)

    def grow(self) -> None:
        """The newest position reached the tree's width C: every open statement outside the base also
        holds in the nodes right of the old tree ([C, ARITY·C), ARITY − 1 nodes)."""
        before = self.position - 1
        if capacity(before) == self.width:
            return
        open_now = set()
        for graph in graphs_at(self.segments, before)[1:]:
            open_now.update(q.triple for q in self.store.quads_for_pattern(None, None, None, graph))
        if open_now:
            for node in grown(capacity(before)):
                self.adds.extend(_quads(open_now, segment_graph(node)))
                self.segments.add(node)

    def close(self, triples, oldest: int) -> None:
        """``triples`` end at this position."""
        for triple, graphs in self._graphs(triples).items():
            in_base, added, _ = self._state(graphs)
            if in_base:
                self.removes.append(_quads([triple], BASE)[0])
                self._move(triple, [], decompose(oldest, self.position))
            elif not added:
                raise HistoryMismatch(f"The history holds no start of the removed statement {triple}.")
            else:
                self._move(triple, decompose(max(added), self.width), decompose(max(added), self.position))

    def open(self, triples) -> None:
        nodes = decompose(self.position, self.width)
        for node in nodes:
            self.adds.extend(_quads(triples, segment_graph(node)))
        if triples:
            self.segments.update(nodes)

    def promote(self, candidates, oldest: int) -> None:
        """Statements current since a position at or before ``oldest`` move to the base."""
        for triple, graphs in self._graphs(list(candidates)).items():
            in_base, added, removed = self._state(graphs)
            if in_base or not added or max(added) <= max(removed, default=-1) or max(added) > oldest:
                continue
            self._move(triple, decompose(max(added), self.width), [])
            self.adds.append(_quads([triple], BASE)[0])

    def write(self) -> None:
        self.store.bulk_extend(self.adds)  # new files, no transaction: ~50x faster than extend() at 1M
        plain = [q for q in self.removes if not _has_blank_node(q)]
        for start in range(0, len(plain), 5000):  # one update per 5000 (DELETE DATA takes no blank node)
            body = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}"
                            for q in plain[start:start + 5000])
            self.store.update(f"DELETE DATA {{ {body} }}")
        for quad in self.removes:
            if _has_blank_node(quad):
                self.store.remove(quad)
        self.adds, self.removes = [], []

    def drop_before(self, oldest: int) -> None:
        """Drop the nodes wholly before ``oldest`` and the nodes left empty."""
        for node in sorted(self.segments):
            graph = segment_graph(node)
            empty = next(iter(self.store.quads_for_pattern(None, None, None, graph)), None) is None
            if end_of(node) <= oldest or empty:
                self.store.remove_graph(graph)
                self.segments.discard(node)


def _has_blank_node(statement) -> bool:
    return isinstance(statement.subject, ox.BlankNode) or isinstance(statement.object, ox.BlankNode)


def _oldest(entries: list[dict]) -> int:
    return next(i for i, e in enumerate(entries) if e["retained"])


def _apply_release(store: ox.Store, changes: Path, entries: list[dict], oldest_before: int,
                   segments: set[Node]) -> set[Node]:
    """Add the newest entry's changes; ``entries`` carry the retention after it. The non-empty nodes."""
    release, oldest = entries[-1]["id"], _oldest(entries)
    added, removed = _triples(changes / ADDED), _triples(changes / REMOVED)
    tree = _Tree(store, entries, segments)
    tree.grow()
    tree.close(removed, oldest)
    tree.open(added)
    tree.write()
    store.bulk_extend(_quads(added, added_graph(release)) + _quads(removed, removed_graph(release)))
    if oldest > oldest_before:
        candidates = set()
        for entry in entries[oldest_before + 1:oldest + 1]:
            candidates.update(q.triple for q in store.quads_for_pattern(None, None, None, added_graph(entry["id"])))
        tree.promote(candidates, oldest)
        tree.write()
    for entry in entries:
        if not entry["retained"]:
            for graph in (added_graph(entry["id"]), removed_graph(entry["id"])):
                if store.contains_named_graph(graph):
                    store.remove_graph(graph)
    tree.drop_before(oldest)
    return tree.segments


def _start_history(store: ox.Store, statements: Path, changes: Path, release: str) -> None:
    """The first release of a history: all its statements in the base (and its changeset against a
    release before it, if there was one)."""
    # The loader renames blank nodes, and the changesets name them by their canonical labels (_:c14nN),
    # which must find the same nodes here: the (few) lines with a blank node are added as parsed.
    plain, blank = statements.with_name("history-plain.nt"), []
    with (gzip.open(statements, "rb") if statements.suffix == ".gz" else statements.open("rb")) as source, \
            plain.open("wb") as target:
        for line in source:
            if b"_:" in line:
                blank.append(line)
            else:
                target.write(line)
    with plain.open("rb") as handle:
        store.bulk_load(handle, ox.RdfFormat.N_TRIPLES, to_graph=BASE)
    plain.unlink()
    store.extend(_quads([q.triple for q in ox.parse(b"".join(blank), ox.RdfFormat.N_TRIPLES)], BASE))
    store.extend(_quads(_triples(changes / ADDED), added_graph(release))
                 + _quads(_triples(changes / REMOVED), removed_graph(release)))


def _earlier(previous: Path | None) -> list[dict]:
    """The releases a history of another layout (or without its store) listed: kept as not retained."""
    data = _read_json(previous) if previous is not None else None
    entries = data.get("releases", []) if data is not None else []
    return [dict(e, retained=False) for e in entries if isinstance(e, dict) and "id" in e and "created" in e]


def _continue(previous: Path, target: Path, changes: Path, entries: list[dict], oldest_before: int,
              before: dict) -> set[Node] | None:
    """The previous history plus this release's changes in ``target``; the non-empty nodes (None, and
    nothing in ``target``, if the previous history does not match the changeset)."""
    ox.Store.read_only(str(previous / HISTORY)).backup(str(target))
    store = ox.Store(str(target))
    try:
        segments, mismatch = _apply_release(store, changes, entries, oldest_before, segments_of(before)), None
    except HistoryMismatch as error:
        segments, mismatch = None, str(error)
    if mismatch is None:
        store.flush()  # no optimize(): compaction would rewrite the files shared with the previous release
    del store  # (outside the except block: its traceback held the store open)
    if mismatch is not None:
        gc.collect()
        print(f"{mismatch} Starting the release history afresh.", file=sys.stderr)
        shutil.rmtree(target)
    return segments


def extend_history(previous: Path | None, folder: Path, entry: dict, statements: Path,
                   counts: ChangeCounts | None, retention: Retention) -> dict:
    """Write ``folder/history`` and ``folder/history.json`` for the release ``entry`` (id, created,
    triples …): the previous release's history plus ``folder/changes``, or a new history holding
    ``statements`` (the release's canonical N-Triples) when the previous release has none."""
    before = read_history(previous) if previous is not None else None
    target = folder / HISTORY
    shutil.rmtree(target, ignore_errors=True)
    continued = before is not None and counts is not None and (previous / HISTORY).is_dir()
    entries = [dict(e) for e in before["releases"]] if continued else _earlier(previous)
    oldest_before = _oldest(entries) if continued else len(entries)
    entries.append(dict(entry, retained=True))
    now = dt.datetime.fromisoformat(entry["created"])
    for item, keep in zip(entries, retention.retained(entries, now)):
        item["retained"] = item["retained"] and keep
    segments = _continue(previous, target, folder / CHANGES, entries, oldest_before, before) if continued else None
    if segments is None:  # a new history: the earlier releases stay listed, not retained
        entries = [dict(e, retained=False) for e in entries[:-1]] + entries[-1:]
        store = ox.Store(str(target))
        _start_history(store, statements, folder / CHANGES, entry["id"])
        store.flush()
        del store
        segments = set()
    history = {"layout": LAYOUT, "arity": ARITY, "releases": entries,
               "segments": [node_name(n) for n in sorted(segments)],
               "retention": {"releases": retention.releases, "days": retention.days}}
    (folder / HISTORY_FILE).write_text(json.dumps(history, indent=1, ensure_ascii=False), encoding="utf-8")
    return history
