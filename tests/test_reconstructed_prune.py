"""``<build_dir>/reconstructed/<release>/`` (rebuilt full dumps, the change feed's member lists) goes
with its release: kept while the history of the release in service retains it, pruned with it."""
from __future__ import annotations

import json

from server.kg.history import HISTORY_FILE, LAYOUT
from server.kg.release import RECONSTRUCTED, prune_releases, switch_current

IDS = ["20261201T000000Z-aaaaaaaa", "20261202T000000Z-bbbbbbbb", "20261203T000000Z-cccccccc"]


def releases(build_dir, retained: list[bool] | None):
    """Three release folders (the last in service), with a history retaining ``retained`` (None: no
    history), and something reconstructed for each release and for one never published."""
    for release in IDS:
        folder = build_dir / "releases" / release
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text(json.dumps({"release": release}), encoding="utf-8")
    if retained is not None:
        entries = [{"id": r, "retained": kept} for r, kept in zip(IDS, retained)]
        (folder / HISTORY_FILE).write_text(json.dumps({"layout": LAYOUT, "releases": entries}), encoding="utf-8")
    switch_current(build_dir, folder)
    for release in [*IDS, "20261130T000000Z-dddddddd"]:
        target = build_dir / RECONSTRUCTED / release
        target.mkdir(parents=True)
        (target / "ldes-changed.txt").write_text("x\n", encoding="utf-8")


def kept(build_dir) -> set[str]:
    return {p.name for p in (build_dir / RECONSTRUCTED).iterdir()}


def test_reconstructed_files_follow_the_history_retention(tmp_path):
    releases(tmp_path, [False, True, True])
    prune_releases(tmp_path, keep=0)
    assert kept(tmp_path) == set(IDS[1:])  # release B's folder is gone, but the history still retains it
    assert [p.name for p in (tmp_path / "releases").iterdir()] == [IDS[2]]


def test_without_a_history_they_follow_the_release_folders(tmp_path):
    releases(tmp_path, None)
    prune_releases(tmp_path, keep=1)
    assert kept(tmp_path) == set(IDS[1:])
