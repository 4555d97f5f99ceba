"""Comunica end to end over our Triple Pattern Fragments vs over our SPARQL endpoint: time per query,
the HTTP requests the server saw, and the CPU time the server spent on them.

    nice -n 10 .venv/bin/python bench/comunica_bench.py --build-dir /tmp/comunica/b100k

Serves ``--build-dir`` with the production command (bench/production.py; client limits off, access log
on) and runs each of ``--queries`` (three competency questions of ``queries/``) ``--runs`` times per
interface, the two interfaces side by side in one run, after one warm-up each. One Comunica process
per query run (tools/comunica/run-queries.js): its HTTP cache is empty for every run; time is measured
inside Node from the query to its last solution (no Node start-up). SPARQL texts carry a new comment
each run, so the endpoint evaluates them (never its answer cache); fragments are served as they would
be (a fragment of a release never changes, so a server process may keep it in its page cache; the
machine-wide response cache is off): the CPU of the first run of each query (cold) is shown as well.
Requests: access log lines of the run. CPU: user + system time of the server's whole process tree
(/proc), before and after the run. Prints a Markdown table: medians over the runs.
"""
from __future__ import annotations

import argparse
import statistics
import sys
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


def measure(server: Server, queries: dict[str, str], runs: int, interfaces: list[str]) -> list[dict]:
    sources = {"TPF": f"{server.url}/fragments", "SPARQL": f"sparql@{server.url}/sparql"}
    sources = {key: sources[key] for key in interfaces}
    rows = []
    for name, text in queries.items():
        for interface, source in sources.items():
            first = one_run(server, source, name, text)
            samples = [one_run(server, source, name, f"{text}\n# run {i} {time.monotonic_ns()}") for i in range(runs)]
            rows.append({"query": name, "interface": interface, "rows": samples[0]["rows"], "first_cpu_ms": first["cpu_ms"],
                         **{key: statistics.median(s[key] for s in samples)
                            for key in ("ms", "requests", "client_requests", "cpu_ms")}})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| query | interface | solutions | Comunica ms | requests (server) | server CPU ms | first run CPU ms "
             "| TPF/SPARQL time | TPF/SPARQL CPU |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    by_key = {(r["query"], r["interface"]): r for r in rows}
    for r in rows:
        other = by_key.get((r["query"], "SPARQL"))
        ratio = (f"{r['ms'] / other['ms']:.1f}x | {r['cpu_ms'] / max(other['cpu_ms'], 0.1):.1f}x"
                 if r["interface"] == "TPF" and other else " | ")
        lines.append(f"| {r['query']} | {r['interface']} | {r['rows']} | {r['ms']:.0f} | {r['requests']:.0f} "
                     f"| {r['cpu_ms']:.0f} | {r['first_cpu_ms']:.0f} | {ratio} |")
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
    env = {"IKPE_LOG_LEVEL": "INFO", "IKPE_PUBLIC_BASE": url, "IKPE_RESPONSE_CACHE_DIR": "off"}
    with Server(args.build_dir.resolve(), args.port, env=env) as server:
        rows = measure(server, queries, args.runs, args.interfaces)
    print(f"Command: {shown(' '.join(sys.argv))}; {args.runs} runs per query and interface, medians\n")
    print(table(rows))


if __name__ == "__main__":
    main()
