"""The release history at the build and store level (server/kg/changes.py, server/kg/history.py,
server/store/history.py): changesets, the history store, past releases as snapshots, retention."""
from __future__ import annotations

import datetime as dt
import gzip
import json

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from history_builds import THILIK, THILIK_LABELS, VIDOT, VIDOT_LABELS, build_release, three_releases
from server.kg.changes import canonical_lines, diff_sorted
from server.kg.history import HISTORY_FILE
from server.kg.release import current_release
from server.release_steps import build
from server.store.base import ReleaseInfo
from server.store.history import ReleaseGone, ReleaseHistory, UnknownRelease


def current_history(history) -> ReleaseHistory:
    return ReleaseHistory.of(current_release(history.settings.build_dir))


def changeset(folder, name) -> set[str]:
    with gzip.open(folder / "changes" / name, "rt", encoding="utf-8") as handle:
        return set(handle)


def parse_nt(path) -> Graph:
    with gzip.open(path, "rb") as handle:
        return Graph().parse(data=handle.read().decode("utf-8"), format="nt")


def test_every_release_records_its_changes_against_the_one_before(history):
    first, second, third = (m["changes"] for m in history.manifests)
    assert first["previous"] is None
    assert second == {"previous": history.releases[0], "added": 1, "removed": 1}
    assert third == {"previous": history.releases[1], "added": 2, "removed": 2}


def test_the_changeset_holds_exactly_the_edited_statements(history):
    folder = current_release(history.settings.build_dir)
    added, removed = changeset(folder, "added.nt.gz"), changeset(folder, "removed.nt.gz")
    assert f'<{VIDOT}> <{RDFS.label}> "{VIDOT_LABELS[2]}"@de .\n' in added
    assert f'<{VIDOT}> <{RDFS.label}> "{VIDOT_LABELS[1]}"@de .\n' in removed
    assert any(THILIK_LABELS[2] in line for line in added) and any(THILIK_LABELS[0] in line for line in removed)


def test_history_lists_the_releases_in_order(history):
    releases = current_history(history).releases
    assert [r.id for r in releases] == history.releases
    assert [r.created for r in releases] == sorted(r.created for r in releases)
    assert all(r.retained for r in releases)
    assert [(r.added, r.removed) for r in releases[1:]] == [(1, 1), (2, 2)]


def test_a_build_without_changes_publishes_nothing(history):
    before = sorted(p.name for p in (history.settings.build_dir / "releases").iterdir())
    outcome = build(history.settings)
    assert outcome.ok and outcome.stage == "unchanged"
    assert outcome.release.name == history.releases[-1]
    assert sorted(p.name for p in (history.settings.build_dir / "releases").iterdir()) == before
    assert current_release(history.settings.build_dir).name == history.releases[-1]


@pytest.mark.parametrize("number", [0, 1, 2])
def test_every_past_release_is_its_graph_again(history, number):
    carrier = current_release(history.settings.build_dir)
    past = current_history(history)
    snapshot = past.snapshot(past.release(history.releases[number]), ReleaseInfo.from_folder(carrier))
    graph = Graph()
    for triple in snapshot.statements():
        graph.add(tuple(map(_rdflib, (triple.subject, triple.predicate, triple.object))))
    assert isomorphic(graph, parse_nt(history.root / f"dump-{number + 1}.nt.gz"))
    rows = snapshot.select(f"SELECT ?label WHERE {{ <{VIDOT}> <{RDFS.label}> ?label FILTER(lang(?label) = 'de') }}")
    assert [r["label"] for r in rows] == [Literal(VIDOT_LABELS[number], lang="de")]


def _rdflib(term):
    from server.store.embedded import to_rdflib

    return to_rdflib(term)


def test_versions_of_a_resource_are_the_releases_where_its_statements_changed(history):
    past = current_history(history)
    assert [r.id for r in past.versions_of(VIDOT)] == history.releases
    assert [r.id for r in past.versions_of(THILIK)] == [history.releases[0], history.releases[2]]
    assert [r.id for r in past.versions_of("https://lod.ikpe-erfurt.de/id/person/stefan-huber")] == history.releases[:1]
    assert past.versions_of("https://lod.ikpe-erfurt.de/id/person/nobody") == []


def test_the_release_at_a_moment_is_the_one_in_service_then(history):
    past = current_history(history)
    first, second, third = past.releases
    assert past.at(second.created) == second
    assert past.at(second.created + dt.timedelta(milliseconds=500)) == second
    assert past.at(first.created - dt.timedelta(days=400)) == first  # before the first: the first
    assert past.at(dt.datetime(2999, 1, 1, tzinfo=dt.timezone.utc)) == third
    with pytest.raises(UnknownRelease):
        past.release("20000101T000000Z-00000000")


def test_retention_ends_old_releases_and_their_statements(tmp_path):
    history = three_releases(tmp_path, keep_releases=0, history_keep_releases=2)
    past = current_history(history)
    assert [r.retained for r in past.releases] == [False, True, True]
    with pytest.raises(ReleaseGone) as gone:
        past.release(history.releases[0])
    assert gone.value.oldest.id == history.releases[1]
    # the first label held only in release 1: no retained release's graph holds it (release 2's
    # changeset still records its removal)
    store = past.store
    graphs = {q.graph_name.value for q in store.quads_for_pattern(
        ox.NamedNode(VIDOT), ox.NamedNode(str(RDFS.label)), ox.Literal(VIDOT_LABELS[0], language="de"), None)}
    assert graphs == {f"urn:ikpe:history:removed/{history.releases[1]}"}
    assert not store.contains_named_graph(ox.NamedNode(f"urn:ikpe:history:live/{history.releases[0]}"))
    # a resource unchanged since release 1 shows the oldest retained release as its first version
    assert [r.id for r in past.versions_of(THILIK)] == history.releases[1:]


def test_a_reserialisation_with_other_blank_node_labels_is_no_change():
    def lines(label_a, label_b):
        nt = (f'_:{label_a} <http://ex/p> "x" .\n_:{label_a} <http://ex/q> _:{label_b} .\n'
              f'_:{label_b} <http://ex/p> "y" .\n<http://ex/s> <http://ex/r> _:{label_a} .\n')
        return canonical_lines(ox.parse(nt.encode(), ox.RdfFormat.N_TRIPLES))

    one, other = lines("a", "b"), lines("n17", "zz")
    assert one == other and any(b"_:c14n" in line for line in one)
    added, removed = _Sink(), _Sink()
    assert diff_sorted(iter(one), iter(other), added, removed).empty


class _Sink(list):
    def write(self, line):
        self.append(line)


def test_history_file_is_written_with_the_release(history):
    for folder in [current_release(history.settings.build_dir)]:
        data = json.loads((folder / HISTORY_FILE).read_text(encoding="utf-8"))
        assert [e["id"] for e in data["releases"]] == history.releases
