"""The history store's segment-tree layout (server/kg/history.py, server/kg/segments.py), property-tested:
for random sequences of releases (adds, removes and re-adds of the same statements, retention by count)
every retained release read through ``graphs_at`` is exactly its statement set, and the store grows with
the changes (quads counted), not with releases × retention."""
from __future__ import annotations

import datetime as dt
import gzip
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.kg.changes import ADDED, REMOVED, ChangeCounts
from server.kg.history import (BASE, CHANGES, HISTORY, HISTORY_FILE, LAYOUT, Retention, extend_history,
                               graph_role, graphs_at, read_history, segments_of)
from server.kg.segments import capacity, covers, decompose, end_of, most_nodes

UNIVERSE = [ox.Triple(ox.NamedNode(f"http://ex/s{n % 3}"), ox.NamedNode("http://ex/p"), ox.Literal(f"v{n}"))
            for n in range(5)] + [
    ox.Triple(ox.NamedNode("http://ex/s0"), ox.NamedNode("http://ex/q"), ox.Literal('a "b"\nc ä', language="de")),
    ox.Triple(ox.NamedNode("http://ex/s1"), ox.NamedNode("http://ex/q"),
              ox.Literal("5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
] + [  # blank nodes by their canonical labels, as the changesets name them
    ox.Triple(ox.BlankNode("c14n0"), ox.NamedNode("http://ex/p"), ox.BlankNode("c14n1")),
    ox.Triple(ox.BlankNode("c14n1"), ox.NamedNode("http://ex/p"), ox.Literal("v"))]
START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _write_nt(path: Path, triples) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as handle:
        handle.writelines(f"{t} .\n".encode() for t in sorted(triples, key=str))


def publish(root: Path, number: int, statements: set, before: set | None, retention: Retention) -> dict:
    """Release ``number`` holding ``statements`` (``before``: the previous release's), as a build writes it."""
    folder = root / f"r{number:03d}"
    _write_nt(folder / "graph.nt.gz", statements)
    counts = None
    if before is not None:
        _write_nt(folder / CHANGES / ADDED, statements - before)
        _write_nt(folder / CHANGES / REMOVED, before - statements)
        counts = ChangeCounts(len(statements - before), len(before - statements))
    entry = {"id": f"r{number:03d}", "created": (START + dt.timedelta(days=number)).isoformat(),
             "triples": len(statements)}
    previous = root / f"r{number - 1:03d}" if before is not None else None
    return extend_history(previous, folder, entry, folder / "graph.nt.gz", counts, retention)


def read_at(store: ox.Store, history: dict, position: int) -> set:
    graphs = graphs_at(segments_of(history), position)
    return {q.triple for graph in graphs for q in store.quads_for_pattern(None, None, None, graph)}


def segment_quads(store: ox.Store) -> int:
    return sum(1 for q in store.quads_for_pattern(None, None, None, None) if graph_role(q.graph_name)[0] == "seg")


releases = st.lists(st.sets(st.sampled_from(range(len(UNIVERSE)))), min_size=1, max_size=10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases=releases, keep=st.integers(min_value=0, max_value=5))
def test_every_retained_release_reads_back_as_its_statements(releases, keep):
    root = Path(tempfile.mkdtemp(prefix="segtree-"))
    try:
        sets = [{UNIVERSE[n] for n in chosen} for chosen in releases]
        retention, before = Retention(keep, 0), None
        for number, statements in enumerate(sets):
            history = publish(root, number, statements, before, retention)
            before = statements
        folder = root / f"r{len(sets) - 1:03d}"
        assert read_history(folder) == history and history["layout"] == LAYOUT
        kept = [e["retained"] for e in history["releases"]]
        assert kept == Retention(keep, 0).retained(history["releases"], START + dt.timedelta(days=len(sets)))
        store = ox.Store.read_only(str(folder / HISTORY))
        for position, statements in enumerate(sets):
            if kept[position]:
                assert read_at(store, history, position) == statements, position
        base = {q.triple for q in store.quads_for_pattern(None, None, None, BASE)}
        oldest = kept.index(True)
        assert all(base <= s for s, k in zip(sets, kept) if k)
        assert all(end_of(node) > oldest for node in segments_of(history))
        # storage: every interval in ≤ 2(b−1)·levels nodes, one interval per change in the window
        changes = sum(len(sets[p] ^ sets[p - 1]) for p in range(oldest + 1, len(sets)))
        assert segment_quads(store) <= changes * most_nodes(capacity(len(sets) - 1))
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("start, end", [(0, 1), (1, 8), (3, 11), (5, 6), (0, 16), (7, 9)])
def test_decompose_covers_the_interval_once(start, end):
    nodes = decompose(start, end)
    for position in range(0, 20):
        hits = sum(covers(node, position) for node in nodes)
        assert hits == (1 if start <= position < end else 0)
    assert len(nodes) <= most_nodes(capacity(end))


def test_one_percent_changes_grow_the_store_with_the_changes_not_with_retention(tmp_path):
    """20 releases of a 400-statement graph changing 4 statements each: the segment graphs hold
    O(changes · log n) quads; a live graph per release would hold Σ over releases of what differs
    from the base (here more than twice as much)."""
    universe = [ox.Triple(ox.NamedNode(f"http://ex/s{n}"), ox.NamedNode("http://ex/p"), ox.Literal(f"v{n}"))
                for n in range(480)]
    statements, before, history = set(universe[:400]), None, None
    for number in range(20):
        if number:
            gone, new = universe[number * 4 - 4:number * 4], universe[396 + number * 4:400 + number * 4]
            statements = (statements - set(gone)) | set(new)
        history = publish(tmp_path, number, statements, before, Retention(20, 0))
        before = statements
    store = ox.Store.read_only(str(tmp_path / "r019" / HISTORY))
    changes = 19 * 8
    assert segment_quads(store) <= changes * most_nodes(capacity(19))
    base = {q.triple for q in store.quads_for_pattern(None, None, None, BASE)}
    beside_base = sum(len(read_at(store, history, p) - base) for p in range(20))  # what live graphs would hold
    assert segment_quads(store) * 2 < beside_base


def test_a_changeset_the_history_does_not_match_starts_it_afresh(tmp_path, capsys):
    first, second = set(UNIVERSE[:3]), set(UNIVERSE[1:4])
    publish(tmp_path, 0, first, None, Retention(5, 0))
    history = publish(tmp_path, 1, second, first | {UNIVERSE[5]}, Retention(5, 0))  # removes what never was
    assert "afresh" in capsys.readouterr().err
    assert [e["retained"] for e in history["releases"]] == [False, True]
    store = ox.Store.read_only(str(tmp_path / "r001" / HISTORY))
    assert read_at(store, history, 1) == second
