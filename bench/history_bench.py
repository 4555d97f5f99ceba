"""Release history at scale: N releases of a graph with a fraction of its statements changed each time.

What a build adds for the history is measured with the build's own code (server/kg/changes.py
``canonicalize_file`` of the store's N-Triples, server/kg/dumps.py ``write_history``: changeset, history
store; not the store's own dump to N-Triples, a second or two in Rust); each release's statements are the previous
ones with ``--change`` of them edited (a literal gets a new value, or a link a new target: removed and
added). The store, the other dump formats, the catalog and the search index do not depend on the
history: their size is taken from the input build and counted once per release folder kept on disk
(``--keep-folders``, the build's ``IKPE_KEEP_RELEASES`` + the current one).

The history store's layout is the one of the code that runs (docs/versions.md; layout 3: base +
segment tree). To compare with the layout before, run main's script of that commit beside it
(``git worktree add /tmp/layout2 e7b049f``) on the same build, one after the other.

Disk is counted per inode (the history of a release hard-links the files it shares with the previous
one, as ``du`` counts them). Example (1M triples, 20 releases, 1 % each; see docs/benchmarks.md):

    .venv/bin/python bench/history_bench.py --build-dir $BUILD_1M --releases 20 --change 0.01 --work /tmp/histbench
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.kg.changes import canonicalize_file  # noqa: E402
from server.kg.dumps import write_history  # noqa: E402
from server.kg.history import HISTORY, Retention, graph_role, read_history  # noqa: E402


def disk_bytes(*folders: Path) -> int:
    seen, total = set(), 0
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                stat = path.stat()
                if (stat.st_dev, stat.st_ino) not in seen:
                    seen.add((stat.st_dev, stat.st_ino))
                    total += stat.st_blocks * 512
    return total


def edited(lines: list[bytes], fraction: float, number: int, rng: random.Random) -> list[bytes]:
    """``lines`` with ``fraction`` of them replaced by an edited statement (same subject and predicate)."""
    out = list(lines)
    for index in rng.sample(range(len(lines)), int(len(lines) * fraction)):
        line = lines[index].rstrip(b" .\n")
        if line.endswith(b'"') or b'"^^<' in line or b'"@' in line:
            subject_predicate = line[:line.index(b'"')]
            out[index] = subject_predicate + f'"Fassung {number}-{index}"@de .\n'.encode()
        else:
            head = line.rsplit(b" ", 1)[0]
            out[index] = head + f" <https://lod.ikpe-erfurt.de/id/bench/r{number}-{index}> .\n".encode()
    return out


def write_release(folder: Path, lines: list[bytes]) -> Path:
    folder.mkdir(parents=True)
    plain = folder / "graph.nt"
    with plain.open("wb") as handle:
        handle.writelines(lines)
    return plain


def publish(work: Path, number: int, lines: list[bytes], previous: Path | None, retention: Retention) -> dict:
    """One release: canonical form, the changeset against ``previous`` and the history, as a build does."""
    folder = work / f"r{number:03d}"
    plain = write_release(folder, lines)
    timings = {}
    started = time.perf_counter()
    canonical = folder / "canonical.nt"
    triples = canonicalize_file(plain, canonical, written_by_oxigraph=True)  # as from the store's dump
    plain.unlink()
    timings["canonical form"] = time.perf_counter() - started
    (folder / "dumps").mkdir()
    with canonical.open("rb") as source, gzip.GzipFile(folder / "dumps" / "ikpe.nt.gz", "wb", mtime=0) as target:
        shutil.copyfileobj(source, target, 1 << 20)
    created = (dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=number)).isoformat()
    entry = {"id": f"r{number:03d}", "created": created, "triples": triples}
    counts = write_history(folder, canonical, entry, str(previous) if previous else None, retention, timings)
    canonical.unlink()
    return {"release": number, "triples": triples, **counts, "seconds": {k: round(v, 2) for k, v in timings.items()}}


def quads_by_role(folder: Path) -> dict:
    """Quads per kind of graph in the history store of ``folder`` (base, seg or live, added, removed)."""
    import pyoxigraph as ox

    counts: dict[str, int] = {}
    for quad in ox.Store.read_only(str(folder / HISTORY)).quads_for_pattern(None, None, None, None):
        role = (graph_role(quad.graph_name) or ("other",))[0]
        counts[role] = counts.get(role, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, required=True, help="a build whose current release is the start")
    parser.add_argument("--releases", type=int, default=20)
    parser.add_argument("--change", type=float, default=0.01, help="fraction of statements edited per release")
    parser.add_argument("--keep-folders", type=int, default=2, help="release folders on disk (IKPE_KEEP_RELEASES + 1)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ikpe-history-bench"))
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    start = (args.build_dir / "current").resolve()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    with gzip.open(start / "dumps" / "ikpe.nt.gz", "rb") as handle:
        lines = handle.readlines()
    rng, previous, rows = random.Random(15), None, []
    retention = Retention(args.releases, 0)
    for number in range(1, args.releases + 1):
        if number > 1:
            lines = edited(lines, args.change, number, rng)
        rows.append(publish(args.work, number, lines, previous, retention))
        previous = args.work / f"r{number:03d}"
        for old in sorted(args.work.glob("r*"))[:-args.keep_folders]:
            shutil.rmtree(old)  # as the build prunes release folders
        print(json.dumps(rows[-1]), flush=True)
    one_release = disk_bytes(start)
    kept = sorted(args.work.glob("r*"))
    history_part = disk_bytes(*kept)
    # what the history does not touch, per folder kept: the store, the other dumps, catalog, search …
    other = disk_bytes(start) - os.stat(start / "dumps" / "ikpe.nt.gz").st_blocks * 512
    total = history_part + other * len(kept)
    summary = {"releases": args.releases, "change": args.change, "triples": rows[-1]["triples"],
               "one_release_bytes": one_release, "kept_folders": len(kept),
               "history_and_dumps_bytes": history_part, "total_bytes": total,
               "ratio_to_one_release": round(total / one_release, 2),
               "history_bytes": disk_bytes(*(folder / "history" for folder in kept)),
               "history_quads": quads_by_role(kept[-1]),
               "segment_graphs": len((read_history(kept[-1]) or {}).get("segments", [])),
               "history_step_seconds": [r["seconds"].get("history") for r in rows],
               "history_seconds_median": sorted(sum(r["seconds"].values()) for r in rows[1:])[len(rows[1:]) // 2]
               if len(rows) > 1 else None, "rows": rows}
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
