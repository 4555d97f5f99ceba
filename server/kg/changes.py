"""What changed between two releases: their statements in one canonical, sorted N-Triples form, and
the lines only one of them has.

Blank nodes are given the labels of RDF Dataset Canonicalization (RDFC-1.0, pyoxigraph's
implementation), computed over the statements that hold a blank node (the only ones the algorithm
reads), so the same graph always gives the same lines, whatever labels a serialisation chose: a
re-serialisation is no change. Every other statement is written as pyoxigraph writes N-Triples. The
lines are sorted (by their UTF-8 bytes), so a changeset is one merge of two sorted files: memory does
not grow with the graph.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Iterable, Iterator

import pyoxigraph as ox

ADDED, REMOVED = "added.nt.gz", "removed.nt.gz"  # a release's changes/ folder


def _line(triple) -> bytes:
    return f"{triple} .\n".encode("utf-8")


def canonical_lines(triples: Iterable) -> list[bytes]:
    """The sorted canonical N-Triples lines of ``triples`` (pyoxigraph triples or quads of one graph)."""
    lines, with_blank_nodes = [], ox.Dataset()
    for triple in triples:
        subject, obj = triple.subject, triple.object
        if isinstance(subject, ox.BlankNode) or isinstance(obj, ox.BlankNode):
            with_blank_nodes.add(ox.Quad(subject, triple.predicate, obj))
        else:
            lines.append(_line(triple))
    if len(with_blank_nodes):
        with_blank_nodes.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        lines.extend(_line(quad.triple) for quad in with_blank_nodes)
    lines.sort()
    return lines


def canonicalize_file(source: Path, target: Path, written_by_oxigraph: bool = False) -> int:
    """Write the N-Triples file ``source`` as sorted canonical lines to ``target``; the statement count.
    A statement given twice is written once. ``written_by_oxigraph``: ``source`` is pyoxigraph's own
    N-Triples (e.g. a store's dump), whose lines are already in the canonical form except for blank
    node labels: only the lines that may hold a blank node are parsed again (fast at any size)."""
    if written_by_oxigraph:
        lines = _relabelled(source)
    else:
        with source.open("rb") as handle:
            lines = canonical_lines(ox.parse(handle, ox.RdfFormat.N_TRIPLES))
    count = 0
    with target.open("wb") as out:
        previous = None
        for line in lines:
            if line != previous:
                out.write(line)
                count += 1
            previous = line
    return count


def _relabelled(source: Path) -> list[bytes]:
    with source.open("rb") as handle:
        lines = handle.readlines()
    if any(b"_:" in line for line in lines):  # rare: only then the lines are split
        maybe_blank = [line for line in lines if b"_:" in line]
        lines = [line for line in lines if b"_:" not in line]
        lines.extend(canonical_lines(ox.parse(b"".join(maybe_blank), ox.RdfFormat.N_TRIPLES)))
    lines.sort()
    return lines


def read_lines(path: Path) -> Iterator[bytes]:
    """The lines of an N-Triples file, gzipped or not (read in large blocks: fast at any size)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        while block := handle.readlines(1 << 22):
            yield from block


def is_sorted_canonical(path: Path) -> bool:
    """Whether a dump holds sorted canonical lines (dumps of releases before the history was kept
    do not): sorted, and its blank node labels are RDFC-1.0's."""
    previous = b""
    for line in read_lines(path):
        if line < previous or (b"_:" in line and b"_:c14n" not in line):
            return False
        previous = line
    return True


def sorted_lines_of(path: Path, scratch: Path, known_canonical: bool = False) -> Path:
    """``path`` itself if it holds sorted canonical lines (``known_canonical``: written so, not checked),
    else a canonical copy written to ``scratch``."""
    if known_canonical or is_sorted_canonical(path):
        return path
    plain = scratch.with_suffix(".plain.nt")
    with plain.open("wb") as out:
        for line in read_lines(path):
            out.write(line)
    canonicalize_file(plain, scratch)
    plain.unlink()
    return scratch


@dataclass
class ChangeCounts:
    added: int = 0
    removed: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed)


def diff_sorted(old: Iterable[bytes], new: Iterable[bytes], added: IO[bytes], removed: IO[bytes]) -> ChangeCounts:
    """Write the lines only ``new`` has to ``added`` and those only ``old`` has to ``removed``; both
    inputs sorted and free of repeats (one pass over both, as ``comm`` does)."""
    counts, old, new = ChangeCounts(), iter(old), iter(new)
    left, right = next(old, None), next(new, None)
    while left is not None and right is not None:
        if left == right:
            left, right = next(old, None), next(new, None)
        elif left < right:
            removed.write(left)
            counts.removed += 1
            left = next(old, None)
        else:
            added.write(right)
            counts.added += 1
            right = next(new, None)
    for line in chain([left] if left is not None else [], old):
        removed.write(line)
        counts.removed += 1
    for line in chain([right] if right is not None else [], new):
        added.write(line)
        counts.added += 1
    return counts


def write_changeset(old_lines: Iterable[bytes], new_lines: Iterable[bytes], folder: Path) -> ChangeCounts:
    """``folder/added.nt.gz`` and ``folder/removed.nt.gz``: the statements added and removed."""
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(folder / ADDED, "wb", compresslevel=6, mtime=0) as added, \
            gzip.GzipFile(folder / REMOVED, "wb", compresslevel=6, mtime=0) as removed:
        return diff_sorted(old_lines, new_lines, added, removed)


def changed_subjects(folder: Path) -> set[str]:
    """The IRIs whose statements (as subject) a changeset adds or removes."""
    subjects = set()
    for name in (ADDED, REMOVED):
        path = folder / name
        if path.exists():
            with gzip.open(path, "rb") as handle:
                for triple in ox.parse(handle, ox.RdfFormat.N_TRIPLES):
                    if isinstance(triple.subject, ox.NamedNode):
                        subjects.add(triple.subject.value)
    return subjects
