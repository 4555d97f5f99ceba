"""The catalog area's routes (catalog pages in every format, dataset documents, VoID, /def, dumps) side by
side with ``/robots.txt`` (the HTTP floor), served by the production command (bench/production.py).

    .venv/bin/python bench/catalog_routes.py --build-dir $BUILD_1M
    .venv/bin/python bench/catalog_routes.py --build-dir B --checkout ../old-checkout --checkout .   # before/after

Per checkout (its code serves the same release; one run, so the figures compare): a fresh server, the
first request of each route (cold: nothing rendered yet, time and size), a second one, then
``wrk -t2 -c8 -d<seconds>s --latency`` per route (req/s, p50, p99, errors). Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import production  # noqa: E402
from bench.wrk import run_wrk  # noqa: E402

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def routes(slug: str) -> list[tuple[str, str | None]]:
    project = f"/catalog/dataset/project/{slug}"
    return [("/robots.txt", None), ("/catalog", None), ("/catalog.ttl", None), ("/catalog.jsonld", None),
            ("/catalog.nt", None), ("/catalog.rdf?page=3", None), ("/catalog?page=2", HTML),
            (project, None), (project + ".rdf", None), (project, HTML), ("/catalog/dataset/ikpe.ttl", None),
            (project + "/distribution/ttl", None), ("/.well-known/void", None), ("/.well-known/void.rdf", None),
            ("/def/ikpe", HTML), ("/def/ikpe.ttl", None), ("/def/shapes", HTML),
            (f"/dumps/projects/{slug}.ttl", None), ("/dumps/projects/SHA256SUMS", None)]


def timed(url: str, accept: str | None) -> tuple[float, int, int]:
    started = time.perf_counter()
    response = requests.get(url, headers={"Accept": accept} if accept else {}, timeout=300)
    return (time.perf_counter() - started) * 1000, len(response.content), response.status_code


def measure(build_dir: Path, checkout: Path, port: int, seconds: int) -> list[dict]:
    production.ROOT = checkout.resolve()  # the server runs in (and imports from) the checkout
    # a fresh response cache (the first request is cold) outside the build folder (it may be read-only)
    cache = tempfile.mkdtemp(prefix="catalog-routes-cache-")
    server = production.Server(build_dir, port, env={"IKPE_RESPONSE_CACHE_DIR": cache})
    rows = []
    with server:
        slug = re.search(r"catalog/dataset/project/([^>/]+)>", requests.get(server.url + "/catalog.nt").text).group(1)
        for path, accept in routes(slug):
            first_ms, size, status = timed(server.url + path, accept)
            second_ms = timed(server.url + path, accept)[0]
            report = run_wrk(server.url, [(path, accept)], seconds=seconds)
            rows.append({"route": path + (" (HTML)" if accept else ""), "status": status, "first_ms": first_ms,
                         "second_ms": second_ms, "bytes": size, **report})
    shutil.rmtree(cache, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, required=True)
    parser.add_argument("--checkout", type=Path, action="append", help="code to serve with (default: this one)")
    parser.add_argument("--port", type=int, default=18201)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    checkouts = args.checkout or [Path(__file__).resolve().parent.parent]
    print("| checkout | route | status | first ms | second ms | bytes | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, checkout in enumerate(checkouts):
        for row in measure(args.build_dir, checkout, args.port + n, args.seconds):
            print(f"| {checkout} | `{row['route']}` | {row['status']} | {row['first_ms']:.1f} | {row['second_ms']:.1f} "
                  f"| {row['bytes']:,} | {row['rps']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['errors']} |",
                  flush=True)


if __name__ == "__main__":
    main()
