"""How long `ikpe-lod publish` (keep 0) leaves the dated statements out of the release graph on Virtuoso
7.2 while it writes them again (docs/versions.md, "On a remote store").

Uploads the release in service of ``--build-dir`` into its release graph on a private Virtuoso on
127.0.0.1 (the upload step of publishing; the whole publish of the 1M release crashes Virtuoso 7.2.5 when
it records the 6 MB manifest literal), puts a copy of its dated statements into another graph and drops it (as a previous release's graph comes and goes),
checks that a date range query (``queries/cq-03-projekte-2021.rq``) now answers no rows, then times
``Publisher.rewrite_dated`` and checks the rows are back. Prints the upload time, the number of
dated statements, each chunk's delete + insert time (the time its statements are missing) and the
total. Examples:

    nice -n 10 .venv/bin/python bench/virtuoso_dates_bench.py --build-dir /tmp/virtkeep/b100k --work /tmp/vd
    nice -n 10 .venv/bin/python bench/virtuoso_dates_bench.py --build-dir $BUILD_1M --work /tmp/vd1m
"""
from __future__ import annotations

import argparse
import gzip
import sys
import json
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.kg.release import current_release  # noqa: E402
from server.settings import load_settings  # noqa: E402
from server.store.publish import DATED, REWRITE_CHUNK, Publisher  # noqa: E402
from server.store.stores import VirtuosoServer  # noqa: E402

CQ_03 = (ROOT / "queries" / "cq-03-projekte-2021.rq").read_text(encoding="utf-8")


def cq_03_rows(query_url: str, graph: str) -> int:
    response = requests.post(query_url, data={"query": CQ_03, "default-graph-uri": graph},
                             headers={"Accept": "application/sparql-results+json"}, timeout=300)
    response.raise_for_status()
    return len(json.loads(response.content)["results"]["bindings"])


def run(build_dir: Path, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    server = VirtuosoServer(work / "virtuoso").start()
    try:
        publisher = Publisher(load_settings(build_dir=build_dir, **server.settings()))
        folder = current_release(build_dir)
        graph = publisher.layout.release_graph(folder.name)
        with gzip.open(folder / "dumps" / "ikpe.nt.gz", "rb") as handle:
            everything = [line.rstrip(b"\r\n") for line in handle if line.strip() and not line.startswith(b"#")]
        started = time.perf_counter()
        publisher.load(graph, everything)
        print(f"upload of {len(everything)} triples: {time.perf_counter() - started:.1f} s")
        lines = [line for line in everything if line.endswith(DATED)]
        rows = lambda: cq_03_rows(server.query_url, graph)  # noqa: E731
        print(f"dated statements: {len(lines)}; cq-03 rows alone: {rows()}")
        publisher.load("urn:ikpe:bench:previous", lines)
        print(f"cq-03 rows while another graph holds the dates: {rows()}")
        publisher.update("DROP SILENT GRAPH <urn:ikpe:bench:previous>", "bench")
        print(f"cq-03 rows after another graph held the dates: {rows()}")
        marks = [time.perf_counter()]
        publisher.progress = lambda event, **info: marks.append(time.perf_counter()) if event == "uploaded" else None
        publisher.rewrite_dated(graph, lines)
        chunks = [f"{(b - a) * 1000:.0f}" for a, b in zip(marks, marks[1:])]
        print(f"rewrite: {len(chunks)} chunk(s) of <= {REWRITE_CHUNK}, ms each (delete + insert): "
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
