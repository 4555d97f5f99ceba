"""Release-only routes answered from the response cache, two code trees side by side in one run (e.g.
before and after ``server/web/cached_answers.py``, which sends kept answers before Flask).

Both trees serve the same release with the production command (gunicorn, ``deploy/gunicorn.conf.py`` of
each tree, 2 workers × 16 threads), each with a response cache folder of its own, emptied first. Every
route is requested a few times on each server (rendered once, then kept), then, route by route, ``wrk
-t2 -c8 --latency`` runs on one server and then on the other, the order alternating from route to
route, so both see the same machine. Prints a Markdown table (requests/s, p50, p99, errors per tree and
the ratio) and writes the raw figures as JSON with ``--json``.

    .venv/bin/python bench/cached_routes.py --build $BUILD_1M --tree before=/tmp/main --tree after=. \\
        --cache /tmp/cached-routes --port 18110
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production import BENCH_ENV, stop_process  # noqa: E402
from bench.routes import HTML, ROUTES  # noqa: E402
from bench.serve_bench import loadavg  # noqa: E402
from bench.wrk import run_wrk  # noqa: E402

VENV = Path(sys.executable).parent
NOT_RELEASE_ONLY = ("/search", "/reconcile", "/sparql")  # answers of another kind: not this benchmark's
WARM_UP = 4  # requests per route and server before the load: rendered once, then kept by the workers


def routes(project: str, part: str | None) -> list[tuple[str, str, str | None]]:
    chosen = []
    for name, path, accept in ROUTES:
        if path.startswith(NOT_RELEASE_ONLY):
            continue
        if path.startswith("("):  # the sitemap part: the first file the index names
            if part is None:
                continue
            path = part
        chosen.append((name, path.replace("bench-000032", project), accept))
    return chosen


def start(tree: Path, build: Path, cache: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, **BENCH_ENV, PYTHONPATH=str(tree), IKPE_BUILD_DIR=str(build),
               IKPE_RESPONSE_CACHE_DIR=str(cache), IKPE_GUNICORN_BIND=f"127.0.0.1:{port}",
               IKPE_STORE_MEMORY_COPY="none")  # no copy loading beside the load: these answers are kept ones
    process = subprocess.Popen([str(VENV / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "server.web.app:create_app()"],
                               cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    for _ in range(6000):
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=60).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.05)
    stop_process(process)
    raise RuntimeError(f"the server of {tree} did not start")


def first_sitemap_part(url: str) -> str | None:
    import re
    import urllib.parse

    body = requests.get(url + "/sitemap.xml", timeout=60).text
    if "<sitemapindex" not in body:
        return None
    first = re.search(r"<loc>\s*([^<\s]+)\s*</loc>", body)
    return urllib.parse.urlsplit(first.group(1)).path if first else None


def warm(url: str, chosen) -> None:
    for _, path, accept in chosen:
        for _ in range(WARM_UP):
            status = requests.get(url + path, headers={"Accept": accept} if accept else {}, timeout=300).status_code
            if status != 200:
                raise RuntimeError(f"{path}: {status}")


def measure(servers: dict[str, str], chosen, seconds: int) -> list[dict]:
    rows = []
    for number, (name, path, accept) in enumerate(chosen):
        order = list(servers) if number % 2 == 0 else list(reversed(servers))
        row = {"route": name, "path": path, "accept": accept}
        for tree in order:
            row[tree] = run_wrk(servers[tree], [(path, accept)], seconds=seconds)
        rows.append(row)
        print(f"{name:<32} " + "  ".join(f"{t}: {row[t]['rps']:.0f}/s p99 {row[t]['p99_ms']:.1f} ms" for t in servers),
              file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict], trees: list[str]) -> str:
    first, last = trees[0], trees[-1]
    head = "| route | " + " | ".join(f"{t}: req/s · p50 · p99 · errors" for t in trees) + f" | {last} / {first} |"
    lines = [head, "|---" * (len(trees) + 2) + "|"]
    for row in rows:
        cells = [f"{row[t]['rps']:,.0f} · {row[t]['p50_ms']:.1f} ms · {row[t]['p99_ms']:.1f} ms · {row[t]['errors']}"
                 for t in trees]
        accept = "" if row["accept"] in (None, HTML) else f" ({row['accept']})"
        lines.append(f"| {row['route']} (`{row['path']}`{accept}) | " + " | ".join(cells) +
                     f" | {row[last]['rps'] / row[first]['rps']:.2f}× |")
    return "\n".join(lines)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers started (finally) when killed
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--tree", action="append", required=True, help="name=path of a code tree (two)")
    parser.add_argument("--cache", type=Path, required=True, help="folder for the trees' response caches (emptied)")
    parser.add_argument("--port", type=int, default=18110, help="first port; the trees take consecutive ones")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--project", default="bench-000032")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    trees = [(name, Path(path).resolve()) for name, path in (t.split("=", 1) for t in args.tree)]
    processes, servers = [], {}
    try:
        for offset, (name, tree) in enumerate(trees):
            cache = args.cache / name
            shutil.rmtree(cache, ignore_errors=True)
            processes.append(start(tree, args.build, cache, args.port + offset))
            servers[name] = f"http://127.0.0.1:{args.port + offset}"
        chosen = routes(args.project, first_sitemap_part(next(iter(servers.values()))))
        for url in servers.values():
            warm(url, chosen)
        before = loadavg()
        rows = measure(servers, chosen, args.seconds)
        result = {"build": str(args.build), "loadavg": [before, loadavg()], "rows": rows}
    finally:
        for process in processes:
            stop_process(process)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    print(table(rows, list(servers)))
    print(f"\nload average before / after: {result['loadavg'][0]} / {result['loadavg'][1]}")


if __name__ == "__main__":
    main()
