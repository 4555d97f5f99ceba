"""The store and the dump files of a release, written from the release's N-Triples.

Runs in a process of its own (``python -m server.kg.dumps <incoming folder> <graph name> <JSON of the
release entry, previous release and retention>``), started by :class:`server.kg.release.ReleaseWriter`
while the build validates the graph: the two take about as long as each other at a million triples
and the machine has more than one core. The process reads ``<incoming>/graph.nt``, puts it in
canonical sorted form (:mod:`.changes`), writes ``store/``, ``dumps/``, the changes against the
previous release and the history (:mod:`.history`), and reports in ``dumps.json``;
it dies with the build (``PR_SET_PDEATHSIG``), so a killed build leaves only an ``.incoming-*``
folder, which the next build removes.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..processes import die_with_parent
from .changes import canonicalize_file, read_lines, sorted_lines_of, write_changeset
from .history import CHANGES, HISTORY_FILE, Retention, extend_history
from .namespaces import PREFIXES

GRAPH_FILE = "graph.nt"      # the validated graph's N-Triples, handed over by the build
REPORT_FILE = "dumps.json"   # what was written, or the error


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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _DefaultAndNamed(io.RawIOBase):
    """The N-Triples file read as N-Quads: its lines as they are (the default graph), then each
    line again in the named graph ``graph_name``. Streamed, so the file is never held in memory."""

    def __init__(self, path: Path, graph_name: str):
        self._chunks = self._read(path, f"<{graph_name}> .\n".encode())
        self._pending = memoryview(b"")

    @staticmethod
    def _read(path: Path, suffix: bytes):
        last = b"\n"
        with path.open("rb") as plain:
            for last in iter(lambda: plain.read(1 << 20), b""):
                yield last
        if not last.endswith(b"\n"):
            yield b"\n"
        with path.open("rb") as plain:
            rest = b""
            for chunk in iter(lambda: plain.read(1 << 20), b""):
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                # an N-Triples statement is one line ending in "."; the graph goes before that dot
                yield b"".join(line.rstrip()[:-1] + suffix for line in lines if line.strip())
        if rest.strip():
            yield rest.rstrip()[:-1] + suffix

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def write_store_and_dumps(folder: Path, graph_name: str, release: dict | None = None) -> dict:
    """Load ``folder/graph.nt`` into ``folder/store`` and write every dump, and (with ``release``: its
    ``entry``, ``previous`` release folder or None, ``retention``) the changes and the history;
    returns the report. ``ikpe.nt.gz`` holds the canonical sorted lines the changes are taken from.

    The store holds the data twice: in its default graph (what the pages and the catalog read) and
    in the named graph ``graph_name``, so the SPARQL dataset (the data as default graph and as that
    named graph) is the same whether it is served from this store or from a copy in memory.
    """
    timings, started = {}, time.perf_counter()
    store = ox.Store(str(folder / "store"))
    # One N-Quads document with both copies: its blank node labels name the same nodes in both
    # graphs (two separate loads would give each copy blank nodes of its own).
    both = io.BufferedReader(_DefaultAndNamed(folder / GRAPH_FILE, graph_name), 1 << 20)
    store.bulk_load(both, format=ox.RdfFormat.N_QUADS)
    store.flush()
    (folder / GRAPH_FILE).unlink()
    timings["store"] = time.perf_counter() - started

    started = time.perf_counter()  # the canonical lines, from the store's own N-Triples (written in Rust)
    plain, source = folder / "plain.nt", folder / "canonical.nt"
    store.dump(str(plain), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    triples = canonicalize_file(plain, source, written_by_oxigraph=True)
    plain.unlink()
    timings["canonical form"] = time.perf_counter() - started

    started = time.perf_counter()
    prefixes = {name: str(ns) for name, ns in PREFIXES.items()}
    files = {}
    (folder / "dumps").mkdir(exist_ok=True)
    for dump in DUMPS:
        target = folder / "dumps" / dump.file
        if dump.gzip:
            with source.open("rb") as plain, gzip.GzipFile(target, "wb", compresslevel=6, mtime=0) as packed:
                for chunk in iter(lambda: plain.read(1 << 20), b""):
                    packed.write(chunk)
        else:
            kwargs = {"prefixes": prefixes} if dump.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
            store.dump(str(target), dump.rdf_format, from_graph=ox.DefaultGraph(), **kwargs)
        files[dump.file] = {"bytes": target.stat().st_size, "sha256": sha256_file(target),
                            "media_type": dump.media_type, "gzip": dump.gzip}
    del store
    (folder / "dumps" / "SHA256SUMS").write_text(
        "".join(f"{info['sha256']}  {name}\n" for name, info in files.items()), encoding="utf-8")
    timings["dumps"] = time.perf_counter() - started
    report = {"files": files, "timings": timings, "named_graph": graph_name, "triples": triples}
    if release is not None:
        report["changes"] = write_history(folder, source, dict(release["entry"], triples=triples),
                                          release["previous"], Retention(**release["retention"]), timings)
    source.unlink()
    return report


def write_history(folder: Path, statements: Path, entry: dict, previous: str | None, retention: Retention,
                  timings: dict) -> dict:
    """``changes/`` against the previous release (if there is one) and ``history/``; the counts."""
    started = time.perf_counter()
    previous_folder = Path(previous) if previous else None
    counts = None
    entry = dict(entry, previous=None, added=entry["triples"], removed=0)
    if previous_folder is not None and (previous_folder / "dumps" / "ikpe.nt.gz").exists():
        # a release with a history wrote its ikpe.nt.gz from the canonical lines: no need to check
        old = sorted_lines_of(previous_folder / "dumps" / "ikpe.nt.gz", folder / "previous.canonical.nt",
                              known_canonical=(previous_folder / HISTORY_FILE).exists())
        counts = write_changeset(read_lines(old), read_lines(statements), folder / CHANGES)
        if old.parent == folder:
            old.unlink()
        entry = dict(entry, previous=previous_folder.name, added=counts.added, removed=counts.removed)
    timings["changes"] = time.perf_counter() - started
    started = time.perf_counter()
    extend_history(previous_folder, folder, entry, statements, counts, retention)
    timings["history"] = time.perf_counter() - started
    return {key: entry[key] for key in ("previous", "added", "removed")}


def main(folder: Path, graph_name: str, release: dict | None = None) -> int:
    die_with_parent()
    try:
        report = write_store_and_dumps(folder, graph_name, release)
    except Exception as error:  # noqa: BLE001 — reported to the build, which says what failed
        report = {"error": f"{type(error).__name__}: {error}"}
    try:
        (folder / REPORT_FILE).write_text(json.dumps(report), encoding="utf-8")
    except OSError as error:  # e.g. the disk is full: the build reads the last line of stderr
        print(report.get("error") or f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 1 if "error" in report else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else None))
