"""Time and size of the release-only pages (home, overview, lists, sitemap, pictures) on one build.

Each route is asked twice in a fresh app, after one unreported warm-up request (the first answer
computes, the second may come from a per-release cache), in process through Flask's test client: the
figure is the app's own time, no HTTP server in front. A route slower than ``--limit`` seconds on its first request is not asked again.

    PYTHONPATH=$PWD .venv/bin/python bench/route_sizes.py --build-dir $BUILD_1M
    PYTHONPATH=$PWD .venv/bin/python bench/route_sizes.py --build-dir … --routes / /overview --json

Run it with ``PYTHONPATH`` pointing at another checkout to measure that code on the same build
(before/after tables in docs/benchmarks.md, "Release-only pages at scale").
"""
from __future__ import annotations

import argparse
import json
import time

ROUTES = ["/", "/?lang=en", "/overview", "/overview?lang=en", "/list/project", "/list/project?page=2",
          "/list/person", "/sitemap.xml", "/sitemap-1.xml.gz", "/sitemap.xml?page=1", "/robots.txt",
          "/pictures/map.svg", "/pictures/timeline.svg"]


def measure(client, path: str, limit: float) -> dict:
    row = {"route": path}
    for attempt in ("first", "second"):
        started = time.perf_counter()
        response = client.get(path, headers={"Accept": "text/html"})
        body = response.get_data()
        row[attempt + "_ms"] = round((time.perf_counter() - started) * 1000, 1)
        row["status"], row["bytes"] = response.status_code, len(body)
        if row[attempt + "_ms"] > limit * 1000:
            break
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--routes", nargs="*", default=ROUTES)
    parser.add_argument("--limit", type=float, default=20.0, help="seconds; slower first answers are not repeated")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from server.settings import load_settings
    from server.web.app import create_app

    client = create_app(load_settings(build_dir=args.build_dir)).test_client()
    client.get("/list/scheme")  # warm-up, not reported: opens the store, compiles the base template
    rows = [measure(client, path, args.limit) for path in args.routes]
    if args.json:
        print(json.dumps(rows))
        return
    print("| route | status | first (ms) | second (ms) | size (bytes) |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| `{r['route']}` | {r['status']} | {r['first_ms']:,} | {r.get('second_ms', '–')} | {r['bytes']:,} |")


if __name__ == "__main__":
    main()
