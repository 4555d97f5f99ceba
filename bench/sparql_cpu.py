"""CPU time per SPARQL request: our endpoint (this checkout, and ``--code`` checkouts) against Oxigraph
server in memory, on the light queries of ``bench/serve_bench.py``.

    .venv/bin/python bench/sparql_cpu.py --build-dir build [--code /other/checkout] [--requests 300]

Wall-clock latency on a shared, loaded machine says little; the CPU time a server spends per request
does not depend on the load. For each server (one gunicorn worker of the production configuration
with its query processes and zygote, or ``oxigraph serve`` in memory) the script sends ``--requests``
requests per query over one keep-alive session and sums user + system time of the server's whole
process tree before and after. Our queries carry a new comment each (evaluated, never from the
cache); *repeated* sends one text again (the answer cache). Prints a Markdown table, ms per request.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.serve_bench import JSON_RESULTS, QUERIES, TURTLE, full, is_construct, start_oxigraph  # noqa: E402
from bench.sparql_memory import descendants  # noqa: E402

LIGHT = ("resource-page", "construct", "paged-order-by")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    total = 0
    for each in [pid] + descendants(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])  # with reaped children
    return total / TICK


def gunicorn(code: Path, build: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(code), IKPE_BUILD_DIR=str(build), IKPE_GUNICORN_WORKERS="1",
               IKPE_LIMIT_CLIENT_REQUESTS="0", IKPE_LIMIT_CLIENT_QUERIES="0", IKPE_LIMIT_CONCURRENT_QUERIES="0",
               IKPE_LOG_LEVEL="WARNING", IKPE_GUNICORN_LOGLEVEL="warning")
    return subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                             "-b", f"127.0.0.1:{port}", "server.web.app:create_app()"], cwd=code, env=env)


def per_request(pid: int, url: str, name: str, count: int, unique: bool) -> float:
    session = requests.Session()
    accept = TURTLE if is_construct(name) else JSON_RESULTS
    query = full(QUERIES[name])
    before = cpu_seconds(pid)
    for i in range(count):
        text = f"{query}\n# {time.monotonic_ns()} {i}" if unique else query
        response = session.post(url, data={"query": text}, headers={"Accept": accept}, timeout=120)
        response.raise_for_status()
    return (cpu_seconds(pid) - before) / count * 1000


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build")
    parser.add_argument("--code", type=Path, action="append", default=[])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--settle", type=float, default=60.0)
    args = parser.parse_args(argv)
    build = args.build_dir.resolve()
    oxigraph, oxigraph_url = start_oxigraph((build / "current").resolve(), in_memory=True)
    servers = {str(code): gunicorn(code.resolve(), build, 18540 + i) for i, code in enumerate([ROOT, *args.code])}
    urls = {key: f"http://127.0.0.1:{18540 + i}/sparql" for i, key in enumerate(servers)}
    try:
        deadline = time.monotonic() + args.settle  # engines started, copies loaded, disk workers replaced
        while time.monotonic() < deadline:
            for url in urls.values():
                try:
                    requests.post(url, data={"query": "ASK { ?s ?p ?o }"}, timeout=120)
                except requests.RequestException:
                    pass
            time.sleep(0.5)
        print("| query | " + " | ".join(f"`{k}` | `{k}` repeated" for k in servers) + " | Oxigraph server in memory |")
        print("|---|" + "---:|" * (2 * len(servers) + 1))
        for name in LIGHT:
            cells = []
            for key, process in servers.items():
                cells.append(per_request(process.pid, urls[key], name, args.requests, True))
                cells.append(per_request(process.pid, urls[key], name, args.requests, False))
            cells.append(per_request(oxigraph.pid, oxigraph_url + "/query", name, args.requests, False))
            print(f"| {name} | " + " | ".join(f"{c:.2f}" for c in cells) + " |", flush=True)
    finally:
        for process in [oxigraph, *servers.values()]:
            process.send_signal(signal.SIGTERM)
            process.wait(60)


if __name__ == "__main__":
    main()
