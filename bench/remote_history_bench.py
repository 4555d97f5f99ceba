"""The release history on a remote store (Oxigraph server) against the embedded one, side by side.

Builds ``--releases`` releases of the synthetic data (as ``bench/ldes_bench.py``: ``--change`` of the
project descriptions edited each time) into ``--work``, or takes an existing build (``--build-dir``, a
build folder whose release in service carries a history); publishes the release in service to a
private Oxigraph server on 127.0.0.1 (``--port``), then times the same requests on two apps in this
process (Flask test client, no socket; page and response caches off, so every request is computed):
the embedded one and one reading everything from the store (its build folder empty). Prints p50 /
p90 in ms of each and the ratio remote / embedded. Examples:

    nice -n 10 .venv/bin/python bench/remote_history_bench.py --projects 625 --work /tmp/rh/bench   # 100k
    nice -n 10 .venv/bin/python bench/remote_history_bench.py --build-dir "$BUILD_1M" --work /tmp/rh/1m
"""
from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ldes_bench import ReleaseIds, build_releases  # noqa: E402
from server.settings import load_settings  # noqa: E402
from server.store.publish import Publisher  # noqa: E402
from server.store.stores import OxigraphServer  # noqa: E402
from server.web import release_pages  # noqa: E402
from server.web.app import create_app  # noqa: E402


def timed(client, path: str, accept: str) -> float:
    started = time.perf_counter()
    response = client.get(path, headers={"Accept": accept, "Accept-Language": "de"})
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    return elapsed


def p50_p90(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.9) - 1)]


def requests_to_time(client) -> list[tuple[str, str, str, int | None]]:
    """(name, path, Accept, how often; None: once, cold) of the requests compared."""
    ids = ReleaseIds(client)
    page = client.get(f"/ldes/{ids.last}/1", headers={"Accept": "application/n-triples"}).get_data(as_text=True)
    changed = re.search(r"<[^>]*/release/[^/]+/id/(project/[^>]+)>", page).group(1)
    html, ttl = "text/html", "text/turtle"
    return [("reference: /doc/project/….ttl", "/doc/project/bench-000001.ttl", ttl, 0),
            ("/releases", "/releases", html, 0),
            ("/release/<last>, first (changes grouped)", f"/release/{ids.last}", html, None),
            ("/release/<last> again (grouping kept)", f"/release/{ids.last}", html, 0),
            ("/history/doc/<changed project>", f"/history/doc/{changed}", html, 0),
            ("/ldes/base/<first>/2, first (member index)", f"/ldes/base/{ids.first}/2", ttl, None),
            ("/ldes/base/<first>/3 (index known)", f"/ldes/base/{ids.first}/3", ttl, 0),
            ("/ldes/<last>/1 (newest page)", f"/ldes/{ids.last}/1", ttl, 0),
            ("memento /release/<first>/doc/<changed project>.ttl", f"/release/{ids.first}/doc/{changed}.ttl", ttl, 0)]


def measure(apps: dict, repeat: int) -> list[str]:
    plan = requests_to_time(next(iter(apps.values())).test_client())
    lines = ["| request | embedded p50 / p90 ms | remote p50 / p90 ms | remote / embedded (p50) |",
             "|---|---|---|---|"]
    for name, path, accept, count in plan:
        figures = []
        for app in apps.values():  # one after the other for each request: the same machine state
            release_pages._SUMMARIES.clear()  # the grouping is kept per process for both apps
            client = app.test_client()
            if count is None:
                figures.append(p50_p90([timed(client, path, accept)]))
                continue
            timed(client, path, accept)
            figures.append(p50_p90([timed(client, path, accept) for _ in range(repeat)]))
        (e50, e90), (r50, r90) = figures
        lines.append(f"| {name} | {e50:.1f} / {e90:.1f} | {r50:.1f} / {r90:.1f} | {r50 / e50:.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=625)
    parser.add_argument("--releases", type=int, default=3)
    parser.add_argument("--change", type=float, default=0.01)
    parser.add_argument("--work", type=Path, default=Path("/tmp/remotehist/bench"))
    parser.add_argument("--build-dir", type=Path, help="an existing build (with a history) instead of building")
    parser.add_argument("--reuse", action="store_true", help="serve the releases already in --work")
    parser.add_argument("--port", type=int, default=18610)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if args.build_dir or args.reuse:
        settings = load_settings(build_dir=args.build_dir or args.work / "build")
    else:
        settings = build_releases(args)
    quiet = dict(response_cache_dir="off", page_cache_mb=0)
    for kept in Path(settings.build_dir).glob("reconstructed/*/ldes-*.txt"):
        kept.unlink()  # the embedded member index is computed again too (the cold first page)
    (args.work / "stateless").mkdir(parents=True, exist_ok=True)
    shutil.rmtree(args.work / "oxigraph", ignore_errors=True)
    with OxigraphServer(args.work / "oxigraph", port=args.port) as server:
        store = load_settings(**server.settings())
        remote = dataclasses.replace(settings, **{name: getattr(store, name) for name in server.settings()})
        started = time.perf_counter()
        Publisher(remote).publish(keep=1)
        print(f"published with its history in {time.perf_counter() - started:.1f} s", flush=True)
        apps = {"embedded": create_app(dataclasses.replace(settings, **quiet)),
                "remote": create_app(dataclasses.replace(remote, build_dir=args.work / "stateless", **quiet))}
        print("\n".join(measure(apps, args.repeat)))


if __name__ == "__main__":
    main()
