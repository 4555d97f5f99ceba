"""Cached pages through nginx (deploy/nginx.conf) against the app alone, side by side in one run.

    .venv/bin/python bench/nginx_bench.py --work /tmp/nb                      # 100k triples (625 projects)
    .venv/bin/python bench/nginx_bench.py --build-dir $BUILD_1M    # an existing release (1M)

Starts the production command (``bench/production.py``, read from the README) and Debian's nginx with
``deploy/nginx.conf`` in front of it (``tests/servers.py``'s ``Nginx``: a child process with its own
prefix and an empty cache under the work folder, one worker per core, no access log), fills nginx's
cache with one request per page and checks that a second one is a HIT, warms the app (each page
rendered by its workers), then runs ``wrk -t2 -c8
--latency`` over the same project pages (HTML, then Turtle): nginx, the app alone, nginx again, and
nginx serving the same bytes as static files (the ceiling of nginx on the machine).
Prints a Markdown table (requests/s, p50, p99, errors) and the same as JSON. Needs ``wrk`` and
``nginx`` (``make bench``).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from servers import Nginx, free_port  # noqa: E402

from bench.build_bench import machine  # noqa: E402
from bench.production import Server  # noqa: E402
from bench.serve_bench import ensure_build  # noqa: E402
from bench.wrk import run_wrk  # noqa: E402

HTML, TURTLE = "text/html", "text/turtle"


def fill_cache(url: str, paths: list[str], accept: str) -> dict:
    """One request per page fills nginx's cache; the X-Cache-Status of a second one (all HIT)."""
    statuses: dict[str, int] = {}
    for round_ in range(2):
        for path in paths:
            answer = requests.get(url + path, headers={"Accept": accept}, timeout=300)
            answer.raise_for_status()
            if round_:
                status = answer.headers.get("X-Cache-Status", "none")
                statuses[status] = statuses.get(status, 0) + 1
    return statuses


def warm_app(url: str, paths: list[str], accept: str) -> None:
    """Each page rendered by the app's workers (new connections land on either worker)."""
    for path in paths * 3:
        requests.get(url + path, headers={"Accept": accept, "Connection": "close"}, timeout=300).raise_for_status()


def static_copies(url: str, paths: list[str], accept: str, folder: Path) -> list[tuple[str, str]]:
    """The pages as files (the ceiling: nginx serving the same bytes from disk); their wrk cycle."""
    suffix = ".html" if accept == HTML else ".ttl"
    for path in paths:
        target = folder / (path.lstrip("/") + suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(requests.get(url + path, headers={"Accept": accept}, timeout=300).content)
    return [(path + suffix, None) for path in paths]


def run(build: Path, work: Path, seconds: int, pages: int, ports: tuple[int, int, int]) -> dict:
    paths = [f"/doc/project/bench-{n:06d}" for n in range(pages)]  # ids start at 0, as in serve_bench
    shutil.rmtree(work / "nginx", ignore_errors=True)  # an empty cache: nothing left from an earlier run
    static = work / "nginx" / "static"
    rows = []
    with Server(build, ports[0]) as app, \
            Nginx(f"127.0.0.1:{app.port}", work / "nginx", port=ports[1], workers=os.cpu_count() or 1,
                  extra=f"server {{ listen 127.0.0.1:{ports[2]}; root {static}; }}") as nginx:
        static_url = f"http://127.0.0.1:{ports[2]}"
        for accept in (HTML, TURTLE):
            cycle = [(path, accept) for path in paths]
            rows.append({"server": "nginx cache", "accept": accept, "fill": fill_cache(nginx.url, paths, accept),
                         **run_wrk(nginx.url, cycle, seconds)})
            warm_app(app.url, paths, accept)
            rows.append({"server": "app alone", "accept": accept, **run_wrk(app.url, cycle, seconds)})
            rows.append({"server": "nginx cache", "accept": accept, **run_wrk(nginx.url, cycle, seconds)})
            files = static_copies(nginx.url, paths, accept, static)
            rows.append({"server": "nginx, the same bytes as static files", "accept": accept,
                         **run_wrk(static_url, files, seconds)})
        problems = [line for line in nginx.errors().splitlines() if "[alert]" in line or "[emerg]" in line]
        assert not problems, problems
        command = " ".join(app.argv)
    return {"build": str(build), "pages": len(paths), "seconds": seconds, "server": command,
            "loadavg_after": Path("/proc/loadavg").read_text().split()[:3], "rows": rows, "machine": machine()}


def markdown(result: dict) -> str:
    lines = ["| server | Accept | requests/s | p50 | p99 | errors |", "|---|---|---:|---:|---:|---:|"]
    for row in result["rows"]:
        lines.append(f"| {row['server']} | {row['accept']} | {row['rps']:,.0f} | {row['p50_ms']:.2f} ms | "
                     f"{row['p99_ms']:.2f} ms | {row['errors']} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/ikpe-nginx-bench"))
    parser.add_argument("--projects", type=int, default=625, help="generate and build this scale (no --build-dir)")
    parser.add_argument("--build-dir", type=Path, help="serve this build folder instead (read only)")
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run")
    parser.add_argument("--pages", type=int, default=200, help="project pages cycled through")
    parser.add_argument("--ports", help="APP,NGINX,STATIC: fixed ports instead of free ones")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    build = args.build_dir or ensure_build(args.work, args.projects)
    ports = tuple(int(p) for p in args.ports.split(",")) if args.ports else (free_port(), free_port(), free_port())
    pages = args.pages if args.build_dir else min(args.pages, args.projects)
    result = run(build, args.work, args.seconds, pages, ports)
    print(markdown(result))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
