"""Writing a validated graph as a release (store, dumps, checksums) and switching to it atomically.

Layout of ``build/``::

    releases/<release-id>/store/          the pyoxigraph store (RocksDB): the data in the default graph
                                          and again in the SPARQL dataset's named graph
    releases/<release-id>/dumps/          ikpe.ttl, ikpe.nt.gz, ikpe.jsonld, ikpe.rdf, SHA256SUMS
    releases/<release-id>/def/            the ontology and shapes documents served under ``/def/``
    releases/<release-id>/changes/        added.nt.gz, removed.nt.gz: the statements changed against
                                          the release before (:mod:`.changes`)
    releases/<release-id>/history/        every statement ever published with the span of releases
    releases/<release-id>/history.json    in which it held, and the releases (:mod:`.history`)
    releases/<release-id>/manifest.json   what was built, when, from what
    current -> releases/<release-id>      the release being served (a symlink, replaced atomically)
    responses/<release-id>/               the servers' response cache (if not configured elsewhere);
                                          removed with the release, or once the release is not current

Store and dumps are written by a second process (:mod:`.dumps`) while the build validates the graph.
A release is written into ``releases/.incoming-<id>`` and renamed only when complete, and ``current``
is switched by ``os.replace`` of a new symlink: a reader sees the old release or the new one, never
a half-written one. A failed or killed build leaves ``current`` untouched.

What a release carries beside store and dumps is written by *release steps* (:data:`ReleaseStep`),
handed in by the caller of the build: this package does not know the areas above it (catalog,
search …). See docs/release.md, "Release steps".
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Sequence

from rdflib import Graph

from ..processes import start_module
from .dumps import GRAPH_FILE, REPORT_FILE
from .history import Retention, read_history
from .namespaces import graph_name


ReleaseStep = Callable[[Graph, Path, dict, object], None]
"""``step(graph, folder, manifest, settings)``: called after the store and dumps are written and
before the release goes live. It may add files to ``folder`` (the unpublished release folder) and
entries to ``manifest``; an exception abandons the release (nothing is published). It reads
``graph`` and never changes it: SHACL validates the same graph in another thread meanwhile."""


RESPONSES = "responses"  # the servers' default response cache folder in build/
RECONSTRUCTED = "reconstructed"  # per past release: its rebuilt full dump, the change feed's member lists


class BuildLockedError(RuntimeError):
    pass


@contextlib.contextmanager
def build_lock(build_dir: Path):
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLockedError(f"Another build is running in {build_dir}.") from None
        yield


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ReleaseWriter:
    """One release being written: store and dumps in a process of their own (:mod:`.dumps`), started
    as soon as the graph is mapped, so they are written while the build validates the graph.

    Nothing is published before :meth:`finish`, which the build calls only for a graph that conforms;
    :meth:`abandon` removes the folder (for a graph that does not). A killed build leaves an
    ``.incoming-*`` folder that :func:`prune_releases` removes.
    """

    def __init__(self, graph: Graph, build_dir: Path, source_digest: str, graph_name: str,
                 retention: Retention = Retention()):
        started = time.perf_counter()
        self.build_dir = build_dir
        releases = build_dir / "releases"
        releases.mkdir(parents=True, exist_ok=True)
        self.created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        release_id = self.created.strftime("%Y%m%dT%H%M%SZ") + "-" + source_digest[:8]
        base_id, serial = release_id, 1
        while (releases / release_id).exists() or (releases / f".incoming-{release_id}").exists():
            serial += 1  # a second build of the same data within the same second
            release_id = f"{base_id}-{serial}"
        self.release_id = release_id
        self.incoming = releases / f".incoming-{release_id}"
        self.incoming.mkdir()
        try:
            graph.serialize(self.incoming / GRAPH_FILE, format="nt", encoding="utf-8")
        except BaseException:
            shutil.rmtree(self.incoming, ignore_errors=True)
            raise
        self.previous = current_release(build_dir)
        history = {"entry": {"id": release_id, "created": self.created.isoformat()},
                   "previous": str(self.previous) if self.previous else None,
                   "retention": {"releases": retention.releases, "days": retention.days}}
        self._process = start_module("server.kg.dumps", str(self.incoming), graph_name, json.dumps(history),
                                     stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.changes: dict | None = None
        self.timings = {"serialise": time.perf_counter() - started}

    def abandon(self) -> None:
        if self._process.returncode is None:  # still running, or not yet collected
            with contextlib.suppress(OSError):
                self._process.kill()
            self._process.communicate()
        shutil.rmtree(self.incoming, ignore_errors=True)

    def _wait_for_dumps(self) -> dict:
        started = time.perf_counter()
        _, errors = self._process.communicate()
        self.timings["waited for store and dumps"] = time.perf_counter() - started
        try:
            report = json.loads((self.incoming / REPORT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            last = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            report = {"error": last[0] or f"the writer process ended with status {self._process.returncode}"}
        if "error" in report:
            raise OSError(f"Writing the store and dumps failed: {report['error']}")
        (self.incoming / REPORT_FILE).unlink()
        self.timings.update(report["timings"])
        self.named_graph = report["named_graph"]
        self.changes = report.get("changes")
        return report["files"]

    @property
    def graph_unchanged(self) -> bool:
        """Store and dumps are written, and the graph equals the previous release's statement for statement."""
        return bool(self.changes and self.changes["previous"] and not (self.changes["added"] or self.changes["removed"]))

    def prepare(self, graph: Graph, metadata: dict, progress=lambda step: None,
                steps: Sequence[ReleaseStep] = (), settings=None, stop=lambda: False) -> bool:
        """Wait for store and dumps, run the release steps (with ``settings``) and write the manifest;
        nothing is published yet. ``stop()`` is asked before each step: when it says so, the rest is
        skipped and False returned (the build found the graph does not conform meanwhile)."""
        progress("dumps")
        try:
            files = self._wait_for_dumps()
        except BaseException:
            self.abandon()
            raise
        started = time.perf_counter()
        manifest = dict(metadata, release=self.release_id, created=self.created.isoformat(),
                        triples=len(graph), dumps=files, store={"named_graph": self.named_graph},
                        changes=self.changes)
        try:
            for step in steps:
                if stop():
                    return False
                progress(step.__name__)
                step(graph, self.incoming, manifest, settings)
            (self.incoming / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                                         encoding="utf-8")
        except BaseException:  # e.g. a full disk in a release step: nothing half-written stays behind
            self.abandon()
            raise
        self.timings["release steps"] = time.perf_counter() - started
        return True

    def publish(self) -> Path:
        """Move the prepared release in place and make it current."""
        final = self.build_dir / "releases" / self.release_id
        os.rename(self.incoming, final)
        _fsync_dir(final.parent)
        switch_current(self.build_dir, final)
        return final

    def finish(self, graph: Graph, metadata: dict, progress=lambda step: None,
               steps: Sequence[ReleaseStep] = (), settings=None) -> Path:
        """Wait for store and dumps, run the release steps (with ``settings``), make the release current."""
        self.prepare(graph, metadata, progress, steps, settings)
        progress("switch")
        return self.publish()


def write_release(graph: Graph, build_dir: Path, metadata: dict, progress=lambda step: None,
                  steps: Sequence[ReleaseStep] = (), settings=None, timings: dict | None = None) -> Path:
    """Write ``graph`` as a new release and make it current; returns the release folder.

    ``steps`` are called as ``step(graph, folder, manifest, settings)`` before the release goes live.
    ``timings`` (if given) receives the seconds of each part.
    """
    progress("store")
    writer = ReleaseWriter(graph, build_dir, metadata["source_digest"], graph_name(metadata["public_base"]))
    try:
        return writer.finish(graph, metadata, progress, steps, settings)
    finally:
        if timings is not None:
            timings.update(writer.timings)


def switch_current(build_dir: Path, release: Path) -> None:
    link = build_dir / "current"
    staging = build_dir / ".current.new"
    with contextlib.suppress(FileNotFoundError):
        staging.unlink()
    staging.symlink_to(release.relative_to(build_dir))
    os.replace(staging, link)
    _fsync_dir(build_dir)


def current_release(build_dir: Path) -> Path | None:
    link = build_dir / "current"
    try:
        target = link.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        return None
    return target if (target / "manifest.json").exists() else None


def prune_releases(build_dir: Path, keep: int) -> list[Path]:
    """Remove old releases and leftovers of interrupted builds, never the current one."""
    releases = build_dir / "releases"
    current = current_release(build_dir)
    removed = []
    for leftover in releases.glob(".incoming-*"):
        shutil.rmtree(leftover, ignore_errors=True)
        removed.append(leftover)
    finished = sorted((p for p in releases.iterdir() if not p.name.startswith(".")), reverse=True)
    old = [p for p in finished if p != current][keep:]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    # the servers' response cache (server/web/shared_cache.py) of every release no longer in service
    for cached in (build_dir / RESPONSES).glob("[!.]*"):
        if current is None or cached.name != current.name:
            shutil.rmtree(cached, ignore_errors=True)
    return removed + _prune_reconstructed(build_dir, current)


def _prune_reconstructed(build_dir: Path, current: Path | None) -> list[Path]:
    """What was rebuilt for past releases (``reconstructed/<id>``) goes with the release: kept while
    the history of the release in service retains it (or, without a history, while its folder is on
    disk), removed with it."""
    history = read_history(current) if current is not None else None
    if history is not None:
        kept = {entry["id"] for entry in history["releases"] if entry.get("retained", True)}
    else:
        kept = {p.name for p in (build_dir / "releases").iterdir() if not p.name.startswith(".")}
    removed = []
    for folder in (build_dir / RECONSTRUCTED).glob("*"):
        if folder.name not in kept:
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            else:
                folder.unlink(missing_ok=True)
            removed.append(folder)
    return removed
