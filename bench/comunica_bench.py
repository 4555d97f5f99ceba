"""Comunica end to end over our Triple Pattern Fragments vs over our SPARQL endpoint: time per query,
the HTTP requests the server saw, and the CPU time the server spent on them.

    nice -n 10 .venv/bin/python bench/comunica_bench.py --build-dir /tmp/comunica/b100k --runs 3

Serves ``--build-dir`` with the production command (bench/production.py: one worker, client limits
off, access log on, the response cache in an empty temporary folder) and, after one fragment and one
query to warm the process up, runs each of ``--queries`` (competency questions of ``queries/``) over
both interfaces side by side: once cold (no fragment of the query served before, the SPARQL text new)
and ``--runs`` times warm (fragments from the server's caches, as a shared cache in front would serve
them too; SPARQL texts with a new comment each run, so always evaluated, never from the answer cache).
One Comunica process per run (tools/comunica/run-queries.js): its own HTTP cache is empty each time;
time is measured inside Node from the query to its last solution (no Node start-up). Requests: the
server's access log lines of the run. CPU: user + system time of the server's whole process tree
(/proc: the worker and its SPARQL processes), before and after the run; warm figures are medians.
Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.comunica_client import MISSING, installed, run_queries, solutions  # noqa: E402
from bench.production import Server, shown  # noqa: E402
from bench.sparql_cpu import cpu_seconds  # noqa: E402

# Answers on the synthetic data (bench/generate.py) too: one resource's history (a lookup), the people
# with a title (one class, four properties), the projects running in 2021 (every project, filtered).
DEFAULT_QUERIES = ("cq-10-geschichte-eisenach", "cq-20-personen", "cq-03-projekte-2021")
ACCESS_LINE = '"logger": "ikpe.access"'


def access_lines(log: Path) -> int:
    return log.read_text(encoding="utf-8", errors="replace").count(ACCESS_LINE)


def one_run(server: Server, source: str, name: str, text: str) -> dict:
    """One query by a fresh Comunica process: ms, rows, requests (server's log and client's count), CPU ms."""
    log = Path(server.log.name)
    before_cpu, before_lines = cpu_seconds(server.process.pid), access_lines(log)
    line = run_queries([source], {name: text})[name]
    time.sleep(0.5)  # the access log line is written when the last byte was sent
    if "error" in line:
        raise RuntimeError(f"{name} over {source}: {line['error'][:2000]}")
    return {"ms": line["ms"], "rows": len(solutions(line["results"])[1]), "client_requests": line["requests"],
            "requests": access_lines(log) - before_lines,
            "cpu_ms": (cpu_seconds(server.process.pid) - before_cpu) * 1000}


def warm_up(server: Server) -> None:
    """One fragment and one query first: what a server process does once (opening the store, counts)
    is not any query's cost."""
    run_queries([f"{server.url}/fragments"], {"warm-up": "SELECT * WHERE { ?s a ?o } LIMIT 1"})
    run_queries([f"sparql@{server.url}/sparql"], {"warm-up": "SELECT * WHERE { ?s a ?o } LIMIT 1"})


def measure(server: Server, queries: dict[str, str], runs: int, interfaces: list[str]) -> list[dict]:
    """Per query and interface: the first run (cold: no fragment of it served before) and the median of
    ``runs`` more (warm: fragments from the server's caches; SPARQL texts new, so evaluated)."""
    sources = {"TPF": f"{server.url}/fragments", "SPARQL": f"sparql@{server.url}/sparql"}
    sources = {key: sources[key] for key in interfaces}
    warm_up(server)
    rows = []
    for name, text in queries.items():
        for interface, source in sources.items():
            cold = one_run(server, source, name, text)
            samples = [one_run(server, source, name, f"{text}\n# run {i} {time.monotonic_ns()}") for i in range(runs)]
            warm = {key: statistics.median(s[key] for s in samples) for key in ("ms", "requests", "cpu_ms")}
            rows.append({"query": name, "interface": interface, "rows": cold["rows"], "requests": cold["requests"],
                         "client_requests": cold["client_requests"], "cold": cold, "warm": warm})
    return rows


def ratio(mine: float, other: float) -> str:
    """CPU is counted in ticks of 10 ms: below one tick the ratio is a lower bound."""
    return f"{mine / other:.0f}x" if other >= 10 else f"≥ {mine / 10:.0f}x"


def table(rows: list[dict]) -> str:
    lines = ["| query | interface | solutions | requests | Comunica ms cold / warm | server CPU ms cold / warm "
             "| TPF/SPARQL server CPU cold / warm |", "|---|---|---:|---:|---:|---:|---:|"]
    by_key = {(r["query"], r["interface"]): r for r in rows}
    for r in rows:
        other = by_key.get((r["query"], "SPARQL"))
        cold, warm = r["cold"], r["warm"]
        ratios = (f"{ratio(cold['cpu_ms'], other['cold']['cpu_ms'])} / {ratio(warm['cpu_ms'], other['warm']['cpu_ms'])}"
                  if r["interface"] == "TPF" and other else "")
        lines.append(f"| {r['query']} | {r['interface']} | {r['rows']} | {r['requests']} "
                     f"| {cold['ms']:.0f} / {warm['ms']:.0f} | {cold['cpu_ms']:.0f} / {warm['cpu_ms']:.0f} | {ratios} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build")
    parser.add_argument("--port", type=int, default=18810)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--queries", nargs="+", default=list(DEFAULT_QUERIES), help="stems of files in queries/")
    parser.add_argument("--interfaces", nargs="+", choices=("TPF", "SPARQL"), default=["TPF", "SPARQL"])
    args = parser.parse_args(argv)
    if not installed():
        sys.exit(MISSING)
    queries = {name: (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8") for name in args.queries}
    url = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory(prefix="comunica-bench-") as cache:
        env = {"IKPE_LOG_LEVEL": "INFO", "IKPE_PUBLIC_BASE": url, "IKPE_GUNICORN_WORKERS": "1",
               "IKPE_RESPONSE_CACHE_DIR": cache}  # empty at the start; the build folder stays untouched
        with Server(args.build_dir.resolve(), args.port, env=env) as server:
            rows = measure(server, queries, args.runs, args.interfaces)
    print(f"Command: {shown(' '.join(sys.argv))}; {args.runs} runs per query and interface, medians\n")
    print(table(rows))


if __name__ == "__main__":
    main()
