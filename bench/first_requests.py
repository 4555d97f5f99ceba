"""CPU time of the first requests of a new server process, in process (no HTTP, so a busy machine
disturbs it little): what makes the first seconds after a start slow.

For each code tree (``name=path``) a fresh Python process creates the app on the release and requests
``--pages`` project pages (HTML, then the same pages as Turtle) once each, timing every request with
``time.process_time``; then a second fresh process does the same with the response cache folder the
first one filled (a restart, or another worker of the machine). Prints one JSON object.

    .venv/bin/python bench/first_requests.py --build $BUILD_1M --cache /tmp/rc \\
        --tree before=/tmp/base --tree after=.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cold_pages import tree_arguments  # noqa: E402

CHILD = r"""
import json, sys, time
from server.settings import load_settings
from server.web.app import create_app
build, pages = sys.argv[1], int(sys.argv[2])
began = time.process_time()
app = create_app(load_settings(build_dir=build))
out = {"create_app_ms": 1000 * (time.process_time() - began)}
client = app.test_client()
for accept in ("text/html", "text/turtle"):
    times = []
    for number in range(pages):
        began = time.process_time()
        assert client.get(f"/doc/project/bench-{number:06d}", headers={"Accept": accept}).status_code == 200
        times.append(1000 * (time.process_time() - began))
    out[accept] = times
print(json.dumps(out))
"""


def run(tree: Path, build: Path, cache: Path, pages: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), IKPE_RESPONSE_CACHE_DIR=str(cache), IKPE_LOG_LEVEL="WARNING")
    done = subprocess.run([sys.executable, "-c", CHILD, str(build), str(pages)], cwd=tree, env=env,
                          capture_output=True, text=True, check=True)
    raw = json.loads(done.stdout.strip().splitlines()[-1])
    summary = {"create_app_ms": round(raw["create_app_ms"], 1)}
    for accept in ("text/html", "text/turtle"):
        times = raw[accept]
        summary[accept] = {"first_ms": round(times[0], 1), "median_ms": round(statistics.median(times[1:]), 2),
                           "max_rest_ms": round(max(times[1:]), 1), "total_ms": round(sum(times), 1)}
    return summary


def main() -> None:
    parser = tree_arguments()
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    out = {}
    for name, path in (t.split("=", 1) for t in args.tree):
        shutil.rmtree(args.cache, ignore_errors=True)
        tree = Path(path).resolve()
        out[f"{name}, first process"] = run(tree, args.build, args.cache, args.pages)
        out[f"{name}, next process"] = run(tree, args.build, args.cache, args.pages)
        print(json.dumps(out[f"{name}, first process"]), json.dumps(out[f"{name}, next process"]), file=sys.stderr)
    shutil.rmtree(args.cache, ignore_errors=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
