"""What publishing an edit would change (``ikpe-lod diff``): the mapped graph of the source data against
the dump of the release in service, both in the canonical sorted form the build compares
(:mod:`server.kg.changes`), grouped by resource. Nothing is written outside a temporary folder."""
from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from ..kg.changes import ChangeCounts, canonicalize_file, diff_sorted, read_lines, sorted_lines_of
from ..kg.release import current_release
from .changeset import Summary, summarize
from .sides import GraphSide

DUMP = Path("dumps") / "ikpe.nt.gz"


@dataclass
class Preview:
    release: str | None  # the release in service compared against (None: nothing published yet)
    counts: ChangeCounts
    summary: Summary


def _parsed(buffer: io.BytesIO) -> Graph:
    data = buffer.getvalue().decode("utf-8")
    return Graph().parse(data=data, format="nt") if data else Graph()


def changed_lines(graph: Graph, old_dump: Path | None) -> tuple[ChangeCounts, Graph, Graph]:
    """The statements ``graph`` adds to and removes from the dump ``old_dump`` (None: an empty graph)."""
    with tempfile.TemporaryDirectory(prefix="ikpe-diff-") as scratch:
        folder = Path(scratch)
        graph.serialize(folder / "new.nt", format="nt", encoding="utf-8")
        canonicalize_file(folder / "new.nt", folder / "new.canonical.nt")
        old = sorted_lines_of(old_dump, folder / "old.canonical.nt") if old_dump is not None else None
        added, removed = io.BytesIO(), io.BytesIO()
        counts = diff_sorted(read_lines(old) if old is not None else [], read_lines(folder / "new.canonical.nt"),
                             added, removed)
    return counts, _parsed(added), _parsed(removed)


def preview(graph: Graph, build_dir: Path) -> Preview:
    """What publishing ``graph`` would change against the release in service in ``build_dir``."""
    folder = current_release(build_dir)
    dump = folder / DUMP if folder is not None and (folder / DUMP).exists() else None
    counts, added, removed = changed_lines(graph, dump)
    new = GraphSide(graph)
    summary = summarize(added, removed, new, [new, GraphSide(removed)])
    return Preview(folder.name if folder is not None else None, counts, summary)
