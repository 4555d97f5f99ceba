"""Resource pages in the steady state of the page cache (``server/web/page_cache.py``).

``serve_bench.py --pages-only`` measures the first 15 s after a start (5 pages warmed), so most of its
requests render a page for the first time on that worker. This runs the same production command and the
same ``wrk`` load twice per format on one server: a first run of ``warm`` seconds (every page rendered
once on both workers; reported too), then the measured run of ``seconds``.

    .venv/bin/python bench/serve_pages_warm.py 6300 15 45            # projects, seconds, warm-up seconds
    GUNICORN_CMD_ARGS="--max-requests 0" .venv/bin/python bench/serve_pages_warm.py 6300 15 45

(``GUNICORN_CMD_ARGS`` overrides ``deploy/gunicorn.conf.py``: ``--max-requests 0`` turns off the worker
recycling, which at ~1,000 requests/s replaces a worker every ~25–50 s.) Prints one JSON object.
"""
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serve_bench as sb  # noqa: E402

projects = int(sys.argv[1])
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
warm = int(sys.argv[3]) if len(sys.argv) > 3 else seconds
work = Path(os.environ.get("SERVE_BENCH_WORK", "/tmp/sb"))
build = sb.ensure_build(work, projects).resolve()
paths = [f"/doc/project/bench-{i:06d}" for i in range(min(projects, 200))]
server = sb.Production(build, True)
out = {"projects": projects, "page_cache_mb": os.environ.get("IKPE_PAGE_CACHE_MB", "64"),
       "gunicorn_cmd_args": os.environ.get("GUNICORN_CMD_ARGS", ""), "loadavg": []}
try:
    server.wait_ready()
    sb.warm_up(server.url, paths)
    for kind, accept in (("HTML", "text/html"), ("Turtle", sb.TURTLE)):
        out["loadavg"].append(sb.loadavg())
        out[kind + " first"] = sb.wrk(server.url, paths, accept, warm)
        out["loadavg"].append(sb.loadavg())
        out[kind + " again"] = sb.wrk(server.url, paths, accept, seconds)
    out["loadavg"].append(sb.loadavg())
    out["rss"] = sb.worker_memory(server.process.pid)
finally:
    server.stop()
print(json.dumps(out))
