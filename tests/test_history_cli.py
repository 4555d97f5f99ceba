"""``ikpe-lod history`` and ``ikpe-lod rollback`` on three releases, and a build without changes."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from history_builds import three_releases
from server.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    return three_releases(tmp_path_factory.mktemp("history-cli"), keep_releases=1)


def cli(history, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", "--data", str(history.root / "data"),
                           "--build-dir", str(history.settings.build_dir), *args],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, COLUMNS="200"))


def dump_graph(path) -> Graph:
    with gzip.open(path, "rb") as handle:
        return Graph().parse(data=handle.read().decode("utf-8"), format="nt")


def test_history_lists_every_release_newest_first(releases):
    result = cli(releases, "history")
    assert result.returncode == 0, result.stderr
    positions = [result.stdout.index(r) for r in releases.releases]
    assert positions == sorted(positions, reverse=True)
    assert f"{releases.releases[-1]} (current)" in result.stdout
    listed = json.loads(cli(releases, "history", "--json").stdout)
    assert [r["release"] for r in listed] == releases.releases
    assert [(r["added"], r["removed"]) for r in listed[1:]] == [(1, 1), (2, 2)]


def test_a_build_without_changes_says_so_and_publishes_nothing(releases):
    result = cli(releases, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Nothing new" in result.stdout and releases.releases[-1] in result.stdout
    assert os.readlink(releases.settings.build_dir / "current").endswith(releases.releases[-1])


def test_rollback_refuses_unknown_and_current_releases(releases):
    unknown = cli(releases, "rollback", "19990101T000000Z-deadbeef")
    assert unknown.returncode != 0 and "No release" in unknown.stderr
    current = cli(releases, "rollback", releases.releases[-1])
    assert current.returncode != 0 and "current release already" in current.stderr


def test_rollback_publishes_the_old_graph_as_a_new_release(releases):
    result = cli(releases, "rollback", releases.releases[0])
    assert result.returncode == 0, result.stdout + result.stderr
    current = (releases.settings.build_dir / "current").resolve()
    assert current.name not in releases.releases
    assert isomorphic(dump_graph(current / "dumps" / "ikpe.nt.gz"), dump_graph(releases.root / "dump-1.nt.gz"))
    manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rollback_of"] == releases.releases[0]
    assert (manifest["changes"]["added"], manifest["changes"]["removed"]) == (2, 2)  # undoes releases 2 and 3
    listed = json.loads(cli(releases, "history", "--json").stdout)
    assert [r["release"] for r in listed] == releases.releases + [current.name]
