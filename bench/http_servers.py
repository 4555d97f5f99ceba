"""The same app under two WSGI servers, side by side in one run: gunicorn (gthread, the production
configuration ``deploy/gunicorn.conf.py``) and granian (Rust HTTP server, WSGI interface).

    .venv/bin/python bench/http_servers.py --build-dir build --project thilik --seconds 15
    .venv/bin/python bench/http_servers.py --build-dir $BUILD_1M --project bench-000032

Both servers run at once with the same number of worker processes and Python threads per worker
(``--workers``, ``--threads``); ``wrk -t2 -cN -dSs --latency`` measures one route on one server at a time,
the servers taking turns route by route, so that both see the same machine. Routes: ``/robots.txt``
(the HTTP floor), a project page as HTML and as Turtle, a small ``/sparql`` GET answered from the answer
cache, and the same query with a fresh comment on every request (parsed and run each time). Prints a
Markdown table (req/s, p50, p99, errors per server and the ratio) and writes it as JSON with
``--json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production import stop_process  # noqa: E402
from bench.wrk import parse  # noqa: E402

BIN = Path(sys.executable).parent
SMALL_QUERY = "SELECT ?l WHERE { <%s> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
LUA = """request = function()
  return wrk.format("GET", "%s", {["Accept"] = "%s"})
end
"""
# a fresh comment makes every request a new query (parsed and run, never the answer cache)
LUA_FRESH = """i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "%s" .. "%%0A%%23" .. i .. "-" .. math.random(1000000000), {["Accept"] = "%s"})
end
"""


def commands(name: str, port: int, workers: int, threads: int) -> list[str]:
    if name == "gunicorn":
        return [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
                "-w", str(workers), "--threads", str(threads), "--max-requests", "0", "server.web.app:create_app()"]
    if name == "granian":
        return [str(BIN / "granian"), "--interface", "wsgi", "--factory", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--blocking-threads", str(threads), "--backpressure", str(threads),
                "--log-level", "warning", "server.web.app:create_app"]
    raise ValueError(name)


class Server:
    def __init__(self, name: str, port: int, build: Path, workers: int, threads: int):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, IKPE_BUILD_DIR=str(build), IKPE_LIMIT_CLIENT_REQUESTS="0", IKPE_LIMIT_CLIENT_QUERIES="0",
                   IKPE_LIMIT_CONCURRENT_QUERIES="0", IKPE_LOG_LEVEL="WARNING", IKPE_GUNICORN_LOGLEVEL="warning",
                   PYTHONPATH=str(ROOT))
        self.log = tempfile.NamedTemporaryFile(prefix=f"http-bench-{name}-", suffix=".log", delete=False)
        self.process = subprocess.Popen(commands(name, self.port, workers, threads), cwd=ROOT, env=env,
                                        stdout=self.log, stderr=self.log, start_new_session=True)

    def wait_up(self, limit: float = 300) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} ended: see {self.log.name}")
            try:
                if requests.get(self.url + "/robots.txt", timeout=30).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not come up: see {self.log.name}")

    def stop(self) -> None:
        stop_process(self.process)


def routes(base: str, project: str) -> list[tuple[str, str, str, bool]]:
    """(name, path, Accept, fresh query each request)."""
    query = requests.utils.quote(SMALL_QUERY % f"{base}/id/project/{project}", safe="")
    json_results = "application/sparql-results+json"
    return [("/robots.txt (floor)", "/robots.txt", "text/plain", False),
            (f"/doc/project/{project} HTML", f"/doc/project/{project}", "text/html", False),
            (f"/doc/project/{project} Turtle", f"/doc/project/{project}", "text/turtle", False),
            ("/sparql small GET (answer cache)", f"/sparql?query={query}", json_results, False),
            ("/sparql small GET (fresh query)", f"/sparql?query={query}", json_results, True)]


def warm_up(server: Server, paths: list[tuple[str, str, str, bool]]) -> None:
    for _ in range(8):  # new connections reach every worker
        for _, path, accept, _ in paths:
            requests.get(server.url + path, headers={"Accept": accept, "Connection": "close"}, timeout=300)


def wrk(url: str, path: str, accept: str, fresh: bool, connections: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write((LUA_FRESH if fresh else LUA) % (path, accept))
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                          "-s", script.name, url], capture_output=True, text=True).stdout
    os.unlink(script.name)
    return parse(out)


def measure(servers: list[Server], paths, connections: list[int], seconds: int) -> list[dict]:
    rows = []
    for c in connections:
        for name, path, accept, fresh in paths:
            row = {"route": name, "connections": c}
            for server in servers:  # taking turns: the same machine for both
                row[server.name] = wrk(server.url, path, accept, fresh, c, seconds)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    return rows


def markdown(rows: list[dict], names: list[str]) -> str:
    head = "| route | -c | " + " | ".join(f"{n} req/s | {n} p50 / p99 ms | {n} errors" for n in names)
    head += f" | {names[-1]} / {names[0]} req/s |\n|---|---|" + "---|" * (3 * len(names) + 1)
    lines = [head]
    for row in rows:
        cells = []
        for n in names:
            r = row[n]
            cells += [f"{r['rps']:,.0f}", f"{r['p50_ms'] or 0:.2f} / {r['p99_ms'] or 0:.1f}", str(r["errors"])]
        ratio = row[names[-1]]["rps"] / row[names[0]]["rps"] if row[names[0]]["rps"] else float("nan")
        lines.append(f"| {row['route']} | {row['connections']} | " + " | ".join(cells) + f" | {ratio:.2f}× |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build")
    parser.add_argument("--project", default="thilik")
    parser.add_argument("--base", default="https://lod.ikpe-erfurt.de")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", default="8,64")
    parser.add_argument("--servers", default="gunicorn,granian")
    parser.add_argument("--port", type=int, default=18420, help="first port; the servers take the next ones")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    names = args.servers.split(",")
    paths = routes(args.base, args.project)
    servers = [Server(n, args.port + i, args.build_dir.resolve(), args.workers, args.threads)
               for i, n in enumerate(names)]
    try:
        for server in servers:
            server.wait_up()
            warm_up(server, paths)
        rows = measure(servers, paths, [int(c) for c in args.connections.split(",")], args.seconds)
    finally:
        for server in servers:
            server.stop()
    info = {"python": platform.python_version(), "cpus": os.cpu_count(), "loadavg": os.getloadavg(),
            **{p: version(p) for p in ("gunicorn", "granian", "flask", "werkzeug", "pyoxigraph")},
            "workers": args.workers, "threads": args.threads, "build": str(args.build_dir)}
    print(markdown(rows, names))
    print(json.dumps(info))
    if args.json:
        args.json.write_text(json.dumps({"info": info, "rows": rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
