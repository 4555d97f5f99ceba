"""What the guard's parse lock costs at 16 concurrent clients (issue 17, target 7).

    .venv/bin/python bench/sparql_guard_lock.py [--clients 16] [--seconds 5]

rdflib's SPARQL parser (pyparsing) is not thread-safe, so :func:`server.sparql.guard.screen` parses under
one lock per process. The script measures parses per second of a query that needs the parse (it has a
``FROM``), in one run, side by side:

* ``1 thread``: one thread parsing in a loop (the floor);
* ``N threads, lock``: N threads in one process through ``screen`` (as the remote-store path does in a
  server process);
* ``N threads, no lock``: the same without the lock (unsafe; to see whether the lock or the GIL limits);
* ``P processes``: the parse in P single-threaded processes, as the embedded store does it (the guard
  runs in the query processes; ``P`` = CPU count).

If ``N threads, lock`` ≈ ``N threads, no lock``, the lock costs nothing the GIL does not already cost.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERY = """PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?project ?label FROM <https://lod.ikpe-erfurt.de/sparql#graph>
WHERE { ?project a ikpe:Project ; rdfs:label ?label FILTER(LANG(?label) = "de") } ORDER BY ?label LIMIT 20"""


def parse_loop(seconds: float, lock: bool, counts: list, errors: list) -> None:
    from rdflib.plugins.sparql.parser import parseQuery

    from server.sparql import guard

    deadline = time.perf_counter() + seconds
    done = failed = 0
    while time.perf_counter() < deadline:
        try:
            if lock:
                guard.screen(QUERY)
            else:
                parseQuery(QUERY)
            done += 1
        except Exception:  # noqa: BLE001 — pyparsing without the lock: spurious errors
            failed += 1
    counts.append(done)
    errors.append(failed)


def threads(n: int, seconds: float, lock: bool) -> tuple[float, int]:
    counts, errors = [], []
    workers = [threading.Thread(target=parse_loop, args=(seconds, lock, counts, errors)) for _ in range(n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / seconds, sum(errors)


def _process_main(seconds: float, out) -> None:
    counts, errors = [], []
    parse_loop(seconds, True, counts, errors)
    out.put(counts[0])


def processes(n: int, seconds: float) -> float:
    out = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_process_main, args=(seconds, out)) for _ in range(n)]
    for worker in workers:
        worker.start()
    total = sum(out.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    from server.sparql import guard

    assert guard.needs_parse(QUERY)
    threads(1, 0.5, True)  # warm-up: imports, pyparsing's caches
    one, _ = threads(1, args.seconds, True)
    locked, _ = threads(args.clients, args.seconds, True)
    unlocked, failed = threads(args.clients, args.seconds, False)
    spread = processes(os.cpu_count() or 1, args.seconds)
    print(f"| parses per second | {args.clients} clients |\n|---|---:|")
    print(f"| 1 thread | {one:.0f} |")
    print(f"| {args.clients} threads, one process, with the lock | {locked:.0f} |")
    print(f"| {args.clients} threads, one process, without the lock | {unlocked:.0f} ({failed} spurious errors) |")
    print(f"| {os.cpu_count()} single-threaded processes (the query processes) | {spread:.0f} |")
    print(f"\nCommand: `.venv/bin/python bench/sparql_guard_lock.py --clients {args.clients} --seconds {args.seconds:g}`")


if __name__ == "__main__":
    main()
