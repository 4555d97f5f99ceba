"""Writing a validated graph as a release (store, dumps, checksums) and switching to it atomically.

Layout of ``build/``::

    releases/<release-id>/store/          the pyoxigraph store (RocksDB)
    releases/<release-id>/dumps/          ikpe.ttl, ikpe.nt.gz, ikpe.jsonld, ikpe.rdf, SHA256SUMS
    releases/<release-id>/manifest.json   what was built, when, from what
    current -> releases/<release-id>      the release being served (a symlink, replaced atomically)

A release is written into ``releases/.incoming-<id>`` and renamed only when complete, and ``current``
is switched by ``os.replace`` of a new symlink: a reader sees the old release or the new one, never
a half-written one. A failed or killed build leaves ``current`` untouched.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gzip
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .namespaces import PREFIXES


@dataclass(frozen=True)
class DumpFormat:
    file: str
    media_type: str
    rdf_format: object
    gzip: bool = False


DUMPS = (
    DumpFormat("ikpe.ttl", "text/turtle", ox.RdfFormat.TURTLE),
    DumpFormat("ikpe.nt.gz", "application/n-triples", ox.RdfFormat.N_TRIPLES, gzip=True),
    DumpFormat("ikpe.jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    DumpFormat("ikpe.rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
)


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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_release(graph: Graph, build_dir: Path, metadata: dict, progress=lambda step: None,
                  extra_steps=(), timings: dict | None = None) -> Path:
    """Write ``graph`` as a new release and make it current; returns the release folder.

    ``extra_steps`` are called as ``step(graph, folder, manifest)`` after the store and dumps are
    written and before the release goes live (catalog, VoID, search index …); they may add files to
    ``folder`` and entries to ``manifest``. ``timings`` (if given) receives the seconds of each part.
    """
    timings = {} if timings is None else timings
    started = time.perf_counter()
    releases = build_dir / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    release_id = created.strftime("%Y%m%dT%H%M%SZ") + "-" + metadata["source_digest"][:8]
    base_id, serial = release_id, 1
    while (releases / release_id).exists():  # a second build of the same data within the same second
        serial += 1
        release_id = f"{base_id}-{serial}"
    incoming = releases / f".incoming-{release_id}"
    if incoming.exists():
        shutil.rmtree(incoming)
    (incoming / "dumps").mkdir(parents=True)

    progress("store")
    ntriples = graph.serialize(format="nt", encoding="utf-8")
    store = ox.Store(str(incoming / "store"))
    store.bulk_load(ntriples, ox.RdfFormat.N_TRIPLES)
    store.flush()

    timings["store"] = time.perf_counter() - started
    started = time.perf_counter()
    progress("dumps")
    prefixes = {name: str(ns) for name, ns in PREFIXES.items()}
    files = {}
    for dump in DUMPS:
        target = incoming / "dumps" / dump.file
        if dump.gzip:
            with gzip.GzipFile(target, "wb", compresslevel=6, mtime=0) as handle:
                handle.write(ntriples)
        else:
            kwargs = {"prefixes": prefixes} if dump.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
            store.dump(str(target), dump.rdf_format, from_graph=ox.DefaultGraph(), **kwargs)
        files[dump.file] = {"bytes": target.stat().st_size, "sha256": sha256_file(target),
                            "media_type": dump.media_type, "gzip": dump.gzip}
    del store
    (incoming / "dumps" / "SHA256SUMS").write_text(
        "".join(f"{info['sha256']}  {name}\n" for name, info in files.items()), encoding="utf-8")

    timings["dumps"] = time.perf_counter() - started
    started = time.perf_counter()
    manifest = dict(metadata, release=release_id, created=created.isoformat(), triples=len(graph), dumps=files)
    for step in extra_steps:
        progress(getattr(step, "__name__", "extra"))
        step(graph, incoming, manifest)
    (incoming / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")

    timings["release steps"] = time.perf_counter() - started
    progress("switch")
    final = releases / release_id
    os.rename(incoming, final)
    _fsync_dir(releases)
    switch_current(build_dir, final)
    return final


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
    return removed
