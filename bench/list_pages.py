"""First and second request of the index pages (``/list/<type>``) in a fresh process, in process (Flask's
test client, response cache off): what a list costs before anything is cached.

    PYTHONPATH=. .venv/bin/python bench/list_pages.py --build-dir $BUILD_1M --label after
    PYTHONPATH=/tmp/main .venv/bin/python bench/list_pages.py --build-dir $BUILD_1M --label before

Run it for each code tree (``PYTHONPATH``) on the same release, alternating, so both see the same machine.
"""
from __future__ import annotations

import argparse
import time

PATHS = ("/list/project", "/list/role", "/list/role?page=1000&order=desc", "/list/person")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    from server.settings import load_settings
    from server.web.app import create_app

    app = create_app(load_settings(build_dir=args.build_dir, response_cache_dir="off", page_cache_mb=0))
    client = app.test_client()
    client.get("/robots.txt")
    cells = []
    for path in PATHS:
        times = []
        for _ in range(2):
            started = time.perf_counter()
            status = client.get(path, headers={"Accept": "text/html"}).status_code
            times.append((time.perf_counter() - started) * 1000)
        cells.append(f"{path} {status}: first {times[0]:.0f} ms, second {times[1]:.0f} ms")
    print(args.label, "|", "; ".join(cells))


if __name__ == "__main__":
    main()
