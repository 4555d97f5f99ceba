"""How long `ikpe-lod publish` (keep 0) leaves the dated statements out of the release graph on Virtuoso
7.2 while it writes them again (docs/versions.md, "On a remote store").

Publishes the release in service of ``--build-dir`` to a private Virtuoso on 127.0.0.1, puts a copy of
its dated statements into another graph and drops it (as a previous release's graph comes and goes),
checks that a date range query (``queries/cq-03-projekte-2021.rq``) now answers no rows, then times
``Publisher.rewrite_dated`` and checks the rows are back. Prints the publish time, the number of
dated statements, each chunk's delete + insert time (the time its statements are missing) and the
total. Examples:

    nice -n 10 .venv/bin/python bench/virtuoso_dates_bench.py --build-dir /tmp/virtkeep/b100k --work /tmp/vd
    nice -n 10 .venv/bin/python bench/virtuoso_dates_bench.py --build-dir /work/bench/b1m --work /tmp/vd1m
"""
from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.kg.release import current_release  # noqa: E402
from server.settings import load_settings  # noqa: E402
from server.store.publish import DATED, Publisher  # noqa: E402
from server.store.remote import RemoteStore  # noqa: E402
from server.store.stores import VirtuosoServer  # noqa: E402

CQ_03 = (ROOT / "queries" / "cq-03-projekte-2021.rq").read_text(encoding="utf-8")


def run(build_dir: Path, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    server = VirtuosoServer(work / "virtuoso").start()
    try:
        settings = load_settings(build_dir=build_dir, **server.settings())
        publisher = Publisher(settings)
        started = time.perf_counter()
        graph = publisher.publish().graph
        print(f"publish: {time.perf_counter() - started:.1f} s")
        with gzip.open(current_release(build_dir) / "dumps" / "ikpe.nt.gz", "rb") as handle:
            lines = [line.rstrip(b"\r\n") for line in handle if line.rstrip(b"\r\n").endswith(DATED)]
        rows = lambda: len(RemoteStore(settings).snapshot().select(CQ_03))  # noqa: E731
        print(f"dated statements: {len(lines)}; cq-03 rows alone: {rows()}")
        publisher.load("urn:ikpe:bench:previous", lines)
        publisher.update("DROP SILENT GRAPH <urn:ikpe:bench:previous>", "bench")
        print(f"cq-03 rows after another graph held the dates: {rows()}")
        marks = [time.perf_counter()]
        publisher.progress = lambda event, **info: marks.append(time.perf_counter()) if event == "uploaded" else None
        publisher.rewrite_dated(graph, lines)
        chunks = [f"{(b - a) * 1000:.0f}" for a, b in zip(marks, marks[1:])]
        print(f"rewrite: {len(chunks)} chunk(s) of <= {publisher.chunk_size}, ms each (delete + insert): "
              f"{', '.join(chunks)}; total {(marks[-1] - marks[0]) * 1000:.0f} ms")
        print(f"cq-03 rows after the rewrite: {rows()}")
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    arguments = parser.parse_args()
    run(arguments.build_dir, arguments.work)
