"""Three releases built from edited copies of the source data, for the release history's tests.

Release 1 is the real data; release 2 renames Viviane Vidot; release 3 renames her again and gives
ThILIK a new German label. So Vidot's description changed in releases 1, 2 and 3, ThILIK's in 1 and 3,
and every other resource's only in 1.
"""
from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from server.release_steps import build
from server.settings import PROJECT_ROOT, load_settings

BASE = "https://lod.ikpe-erfurt.de"
VIDOT = f"{BASE}/id/person/viviane-vidot"
THILIK = f"{BASE}/id/project/thilik"
THILIK_LABEL = "Thüringer Initiative für lokales Integrationsmanagement in den Kommunen (ThILIK)"
VIDOT_LABELS = ("Dr. Viviane Vidot", "Dr. Viviane Vidot Fassung2", "Dr. Viviane Vidot Fassung3")
THILIK_LABELS = (THILIK_LABEL, THILIK_LABEL, "ThILIK – Fassung3")


@dataclass
class History:
    root: Path             # data/, ontology/, shapes/, build/
    settings: object
    releases: list[str]    # the three release ids, oldest first
    folders: list[Path]    # (pruned unless keep_releases is set)
    manifests: list[dict]  # as each release was published


def copy_sources(root: Path) -> None:
    for name in ("data", "ontology", "shapes"):
        shutil.copytree(PROJECT_ROOT / name, root / name)


def set_vidot_label(data: Path, label: str) -> None:
    people = data / "people.yaml"
    text = people.read_text(encoding="utf-8")
    new = re.sub(r"(- id: person/viviane-vidot\n  type: Person\n  label:\n    de: )[^\n]*", rf"\g<1>{label}", text)
    assert new != text
    people.write_text(new, encoding="utf-8")


def set_thilik_label(data: Path, label: str) -> None:
    projects = data / "projects.yaml"
    text = projects.read_text(encoding="utf-8")
    new = text.replace(f"    de: {THILIK_LABEL}\n", f"    de: {label}\n", 1)
    assert new != text
    projects.write_text(new, encoding="utf-8")


def build_release(settings) -> Path:
    outcome = build(settings)
    assert outcome.ok and outcome.stage == "done", [str(p) for p in outcome.problems] or outcome.stage
    time.sleep(1.1)  # release ids and times have a resolution of one second
    return outcome.release


def three_releases(root: Path, on_release=lambda number, settings, folder: None, **overrides) -> History:
    """Build the three releases into ``root/build``; ``on_release(number, settings, folder)`` is called
    while each is current (number 1–3), e.g. to fetch what the server answered at that time. Each
    release's canonical dump is kept as ``root/dump-<number>.nt.gz``."""
    copy_sources(root)
    settings = load_settings(data_dir=root / "data", build_dir=root / "build", **overrides)
    folders, manifests = [], []
    for number in (1, 2, 3):
        if number == 2:
            set_vidot_label(root / "data", VIDOT_LABELS[1])
        if number == 3:
            set_vidot_label(root / "data", VIDOT_LABELS[2])
            set_thilik_label(root / "data", THILIK_LABELS[2])
        folders.append(build_release(settings))
        shutil.copy(folders[-1] / "dumps" / "ikpe.nt.gz", root / f"dump-{number}.nt.gz")
        manifests.append(json.loads((folders[-1] / "manifest.json").read_text(encoding="utf-8")))
        on_release(number, settings, folders[-1])
    return History(root, settings, [m["release"] for m in manifests], folders, manifests)
