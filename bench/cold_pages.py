"""Resource pages from a cold start: the first 15 s after the production server starts, then 15 s more.

For each code tree given (e.g. the code before a change, unpacked with ``git archive``, and this one) and
each format (HTML, then Turtle), the production command (gunicorn, ``deploy/gunicorn.conf.py`` of that
tree) is started fresh; as soon as ``/health`` answers, ``wrk -t2 -c8 -d15s --latency`` cycles through up
to 200 project pages ("cold"), then runs again on the same server ("steady"). A tree is measured with
the response cache folder emptied before the start (the first start after a build) and, with
``--restart``, once more with the folder the previous run filled (a restart). Runs alternate between
the trees so both see the same machine. Prints one JSON object; the numbers go to docs/benchmarks.md.

    .venv/bin/python bench/cold_pages.py --build $BUILD_1M --cache /tmp/rc \\
        --tree before=/tmp/base --tree after=. --restart
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_bench import TURTLE, free_port, loadavg, wrk  # noqa: E402

VENV = Path(sys.executable).parent
FORMATS = (("HTML", "text/html"), ("Turtle", TURTLE))


def start(tree: Path, build: Path, cache: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(tree), IKPE_BUILD_DIR=str(build), IKPE_RESPONSE_CACHE_DIR=str(cache),
               IKPE_GUNICORN_BIND=f"127.0.0.1:{port}", IKPE_LIMIT_CLIENT_REQUESTS="0", IKPE_LIMIT_CLIENT_QUERIES="0",
               IKPE_LIMIT_CONCURRENT_QUERIES="0", IKPE_LOG_LEVEL="WARNING", IKPE_GUNICORN_LOGLEVEL="warning")
    process = subprocess.Popen([str(VENV / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "server.web.app:create_app()"],
                               cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(3000):
        try:
            if requests.get(url + "/health", timeout=60).status_code == 200:
                return process, url
        except requests.RequestException:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure(tree: Path, build: Path, cache: Path, paths: list[str], accept: str, seconds: int) -> dict:
    began = time.perf_counter()
    process, url = start(tree, build, cache)
    result = {"start_s": round(time.perf_counter() - began, 2), "loadavg": loadavg()}
    try:
        result["cold"] = wrk(url, paths, accept, seconds)
        result["steady"] = wrk(url, paths, accept, seconds)
    finally:
        stop(process)
    return result


def tree_arguments() -> argparse.ArgumentParser:
    """The options of the side-by-side runs: the release, the response cache folder, the code trees."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True, help="response cache folder (emptied before each cold run)")
    parser.add_argument("--tree", action="append", required=True, help="name=path of a code tree")
    return parser


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the server started (finally) when killed
    parser = tree_arguments()
    parser.add_argument("--restart", action="store_true", help="also measure a restart with the filled cache")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--projects", type=int, default=200)
    args = parser.parse_args()
    paths = [f"/doc/project/bench-{i:06d}" for i in range(args.projects)]
    trees = [(name, Path(path).resolve()) for name, path in (t.split("=", 1) for t in args.tree)]
    out: dict = {"build": str(args.build), "runs": {}}
    for kind, accept in FORMATS:
        for name, tree in trees:
            shutil.rmtree(args.cache, ignore_errors=True)
            out["runs"][f"{name} {kind} empty cache"] = measure(tree, args.build, args.cache, paths, accept, args.seconds)
            if args.restart:
                out["runs"][f"{name} {kind} restart"] = measure(tree, args.build, args.cache, paths, accept,
                                                                args.seconds)
            print(json.dumps({k: (v["cold"]["p50_ms"], v["cold"]["p99_ms"], v["cold"]["rps"], v["steady"]["p50_ms"],
                                  v["steady"]["p99_ms"], v["steady"]["rps"]) for k, v in out["runs"].items()}),
                  file=sys.stderr)
    shutil.rmtree(args.cache, ignore_errors=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
