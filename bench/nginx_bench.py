"""Cached pages through nginx (deploy/nginx.conf) against the app alone, side by side in one run.

    .venv/bin/python bench/nginx_bench.py --work /tmp/nb                     # 100k triples (625 projects)
    .venv/bin/python bench/nginx_bench.py --build-dir /srv/build6300          # an existing release (1M)

Starts the production command (``bench/serve_bench.py``'s ``Production``: on-disk store only, per-client
limits off) and Debian's nginx with ``deploy/nginx.conf`` in front of it (``tests/servers.py``'s
``Nginx``: a child process, its own prefix and cache under the work folder, one worker per core), fills
nginx's cache with one request per page, then runs ``wrk --latency`` with the same project pages
(HTML, then Turtle) against the app alone and against nginx, interleaved. Prints a Markdown table
(requests/s, p50, p99, errors) and the same as JSON. Needs ``wrk`` and ``nginx`` (``make system-deps``).
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
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]
import serve_bench as sb  # noqa: E402
from servers import Nginx  # noqa: E402

from bench.build_bench import machine  # noqa: E402

HTML, TURTLE = "text/html", "text/turtle"


def fill_cache(url: str, paths: list[str], accept: str) -> dict:
    """One request per page fills nginx's cache; a second one must be a HIT."""
    statuses: dict[str, int] = {}
    for round_ in range(2):
        for path in paths:
            answer = requests.get(url + path, headers={"Accept": accept}, timeout=300)
            answer.raise_for_status()
            if round_:
                status = answer.headers.get("X-Cache-Status", "none")
                statuses[status] = statuses.get(status, 0) + 1
    return statuses


def run(build: Path, work: Path, seconds: int, pages: int, ports: tuple[int, int] | None) -> dict:
    if ports:  # fixed ports (e.g. a range of one's own) instead of free ones
        sb.free_port = lambda: ports[0]
    paths = [f"/doc/project/bench-{n:06d}" for n in range(pages)]  # ids start at 0, as in serve_bench
    shutil.rmtree(work / "nginx", ignore_errors=True)  # an empty cache: nothing left from an earlier run
    app = sb.Production(build, in_memory=False)
    try:
        app.wait_ready()
        sb.warm_up(app.url, paths)
        with Nginx(f"127.0.0.1:{app.port}", work / "nginx", port=ports[1] if ports else None,
                   workers=os.cpu_count() or 1) as nginx:
            rows = []
            for accept in (HTML, TURTLE):
                rows.append({"server": "nginx cache", "cache": fill_cache(nginx.url, paths, accept),
                             **sb.wrk(nginx.url, paths, accept, seconds)})
                rows.append({"server": "app alone", **sb.wrk(app.url, paths, accept, seconds)})
                rows.append({"server": "nginx cache", **sb.wrk(nginx.url, paths, accept, seconds)})
            assert "[alert]" not in nginx.errors() and "[emerg]" not in nginx.errors(), nginx.errors()
    finally:
        app.stop()
    return {"build": str(build), "pages": len(paths), "seconds": seconds, "rows": rows, "machine": machine()}


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
    parser.add_argument("--ports", help="APP,NGINX: fixed ports instead of free ones")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    build = args.build_dir or sb.ensure_build(args.work, args.projects)
    ports = tuple(int(p) for p in args.ports.split(",")) if args.ports else None
    pages = args.pages if args.build_dir else min(args.pages, args.projects)
    result = run(build, args.work, args.seconds, pages, ports)
    print(markdown(result))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
