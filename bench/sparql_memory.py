"""Memory of the serving tree with in-memory SPARQL, as PSS (issue 17, target 5).

    .venv/bin/python bench/sparql_memory.py --build-dir build [--code /path/to/other/checkout ...]

Starts ``gunicorn -c deploy/gunicorn.conf.py`` (2 workers, 2 SPARQL query processes each, the default
``IKPE_STORE_MEMORY_COPY=sparql``) on ``--build-dir`` for this checkout and for each ``--code`` checkout
(e.g. the code before a change), one after the other. It sends queries until every worker has its
two query processes (with the zygote: all forked by it) and ``--settle`` seconds more (the copies load), then sums PSS
(``/proc/PID/smaps_rollup``: shared pages divided among their sharers, so a copy shared by forked
processes counts once) and RSS over the master, its workers, and every process whose command line is a
SPARQL query process or zygote of this run. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def rollup(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        values[name] = int(value.split()[0])
    return values


def descendants(pid: int) -> list[int]:
    out = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:  # the thread or the process ended meanwhile
            continue
        for child in map(int, children):
            out += [child] + descendants(child)
    return out


def tree(master: int) -> dict[int, str]:
    """The master, its descendants, and the zygotes they started (another session, same parent)."""
    pids = [master] + descendants(master)
    return {pid: Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:80] for pid in pids
            if Path(f"/proc/{pid}").exists()}


def query_processes(processes: dict[int, str]) -> int | None:
    """How many query processes the tree has, or None while on-disk ones wait for the zygote."""
    engines = sum("server.sparql.engine" in cmd for cmd in processes.values())
    forked = sum("server.sparql.zygote" in cmd for cmd in processes.values())
    if forked and engines:
        return None
    return engines or max(0, forked - 1)  # the zygote itself is no query process


def measure(code: Path, build: Path, port: int, settle: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code), IKPE_BUILD_DIR=str(build), IKPE_STORE_MEMORY_COPY="sparql",
               IKPE_GUNICORN_WORKERS="2", IKPE_SPARQL_WORKERS="2", IKPE_SPARQL_CACHE_MB="0",
               IKPE_LIMIT_CLIENT_QUERIES="0", IKPE_LIMIT_CONCURRENT_QUERIES="0", IKPE_LOG_LEVEL="WARNING")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                               "-b", f"127.0.0.1:{port}", "server.web.app:create_app()"], cwd=code, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready_at = None  # every worker's 2 query processes up (and, with a zygote, all forked by it)
        while ready_at is None or time.monotonic() - ready_at < settle:  # then the copies load
            try:
                requests.post(f"http://127.0.0.1:{port}/sparql", data={"query": QUERY}, timeout=120,
                              headers={"Connection": "close"})
            except requests.RequestException:
                pass
            if ready_at is None and query_processes(tree(server.pid)) == 4:
                ready_at = time.monotonic()
            time.sleep(0.5)
        processes = tree(server.pid)
        for pid, cmd in processes.items():
            try:
                print(f"  {pid} PSS {rollup(pid).get('Pss', 0) / 1024:.0f} MB {cmd}", file=sys.stderr)
            except OSError:
                pass
        totals = {"pss_mb": 0.0, "rss_mb": 0.0, "processes": len(processes)}
        for pid in processes:
            try:
                values = rollup(pid)
            except OSError:
                continue
            totals["pss_mb"] += values.get("Pss", 0) / 1024
            totals["rss_mb"] += values.get("Rss", 0) / 1024
        return totals
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build")
    parser.add_argument("--code", type=Path, action="append", default=[])
    parser.add_argument("--port", type=int, default=18530)
    parser.add_argument("--settle", type=float, default=30.0,
                        help="seconds of queries after the query processes are up, before measuring")
    args = parser.parse_args(argv)
    triples = json.loads((args.build_dir / "current" / "manifest.json").read_text())["triples"]
    print(f"{triples} triples; gunicorn 2 workers × 2 SPARQL query processes; after {args.settle:g} s of queries\n")
    print("| code | processes | PSS total | RSS total |\n|---|---:|---:|---:|")
    for code in [ROOT, *args.code]:
        result = measure(code.resolve(), args.build_dir.resolve(), args.port, args.settle)
        print(f"| {code} | {result['processes']} | {result['pss_mb']:.0f} MB | {result['rss_mb']:.0f} MB |",
              flush=True)
        time.sleep(35)  # the zygote of the first run ends (LINGER) before the next run is measured


if __name__ == "__main__":
    main()
