"""Triple Pattern Fragments (/fragments, docs/fragments.md) under wrk: the app alone and behind nginx
(deploy/nginx.conf), side by side in one run; and the time of a count over millions of matches.

    .venv/bin/python bench/fragments_bench.py --work /tmp/fb                # 100k triples (625 projects)
    nice -n 10 .venv/bin/python bench/fragments_bench.py --build-dir $BUILD_1M --work /tmp/fb   # an existing release

Starts the production command (``bench/production.py``, read from the README) and Debian's nginx with
``deploy/nginx.conf`` in front of it (``tests/servers.py``'s ``Nginx``), then, for a pattern with one
bound term (``subject=<project n>``) and one with two (``subject=<project n>&predicate=rdf:type``) over
``--pages`` projects, in N-Quads (what Comunica asks for first), runs ``wrk -t2 -c8 --latency``:

* ``app, new URLs``: every request a URL never asked before (``&n=<i>``, ignored by the app), so
  nothing is answered from a cache: the cost of a fragment;
* ``app, kept answers``: the same URLs again: the app's response cache, sent without Flask;
* ``nginx cache``: the same URLs through nginx, its cache filled (every answer a HIT).

The count: ``?s rdf:type ?o`` (exact, from the release's VoID partitions) and ``?s ?p <ikpe:Project>``
(counted by the store up to 10,000, then an estimate) asked ``--count-requests`` times each with new
URLs, one at a time; the time until the answer is read (client side); and the count alone, in process.
Prints a Markdown table and JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from servers import Nginx, free_port  # noqa: E402

from bench.build_bench import machine  # noqa: E402
from bench.production import Server  # noqa: E402
from bench.serve_bench import ensure_build  # noqa: E402
from bench.wrk import run_wrk  # noqa: E402

NQUADS = "application/n-quads"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FRESH_URLS = 30_000  # more than the app answers in one run: no URL is asked twice


def public_base(build: Path) -> str:
    return json.loads((build / "current" / "manifest.json").read_text(encoding="utf-8"))["public_base"]


def patterns(base: str, pages: int) -> dict[str, list[str]]:
    """The URLs of each pattern kind, one per project."""
    subjects = [quote(f"{base}/id/project/bench-{n:06d}", safe="") for n in range(pages)]
    return {"one bound (subject)": [f"/fragments?subject={s}" for s in subjects],
            "two bound (subject, predicate)": [f"/fragments?subject={s}&predicate={quote(RDF_TYPE, safe='')}"
                                               for s in subjects]}


def fill(url: str, paths: list[str]) -> dict:
    """Each URL twice: the X-Cache-Status of the second answers (all HIT behind nginx)."""
    statuses: dict[str, int] = {}
    for round_ in range(2):
        for path in paths:
            answer = requests.get(url + path, headers={"Accept": NQUADS}, timeout=300)
            answer.raise_for_status()
            if round_:
                status = answer.headers.get("X-Cache-Status", "none")
                statuses[status] = statuses.get(status, 0) + 1
    return statuses


def timed_counts(url: str, base: str, requests_: int) -> dict:
    """Client-side ms of a fragment whose count is over all matches, with new URLs each time."""
    result = {}
    for name, query in (("?s rdf:type ?o", f"predicate={quote(RDF_TYPE, safe='')}"),
                        ("?s ?p <ikpe:Project>", f"object={quote(base + '/def/ikpe#Project', safe='')}")):
        times, counts = [], set()
        for n in range(requests_):
            started = time.perf_counter()
            answer = requests.get(f"{url}/fragments?{query}&n=count{n}", headers={"Accept": NQUADS}, timeout=60)
            times.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            counts.add(next(line.split('"')[1] for line in answer.text.splitlines() if "hydra/core#totalItems" in line))
        result[name] = {"p50_ms": statistics.median(times), "max_ms": max(times), "totalItems": sorted(counts),
                        "requests": requests_}
    return result


def counts_in_process(build: Path, repeat: int = 200) -> dict:
    """The count alone (no HTTP, no page), in this process on the release's store: ms per count."""
    import pyoxigraph as ox

    from server.fragments import ReleaseCounts, count
    from server.settings import load_settings
    from server.store.embedded import EmbeddedStore

    snapshot = EmbeddedStore(load_settings(build_dir=build)).snapshot()
    base, partitions = public_base(build), ReleaseCounts.from_void(snapshot.release().path / "catalog" / "void.ttl")
    result = {}
    for name, pattern in (("?s rdf:type ?o", (None, ox.NamedNode(RDF_TYPE), None)),
                          ("?s ?p <ikpe:Project>", (None, None, ox.NamedNode(base + "/def/ikpe#Project")))):
        started = time.perf_counter()
        for _ in range(repeat):
            found = count(snapshot, pattern, partitions)
        result[name] = {"ms": (time.perf_counter() - started) * 1000 / repeat, "value": found.value,
                        "exact": found.exact}
    return result


def run(build: Path, work: Path, seconds: int, pages: int, count_requests: int, ports: tuple[int, int]) -> dict:
    shutil.rmtree(work / "nginx", ignore_errors=True)  # an empty cache
    base, rows = public_base(build), []
    with Server(build, ports[0]) as app, \
            Nginx(f"127.0.0.1:{app.port}", work / "nginx", port=ports[1], workers=os.cpu_count() or 1) as nginx:
        counts = timed_counts(app.url, base, count_requests)
        for name, alone in counts_in_process(build).items():
            counts[name]["in_process"] = alone
        for kind, paths in patterns(base, pages).items():
            fresh = [(f"{paths[i % len(paths)]}&n={i}", NQUADS) for i in range(FRESH_URLS)]
            rows.append({"pattern": kind, "server": "app, new URLs (no cache)", **run_wrk(app.url, fresh, seconds)})
            fill(app.url, paths)
            cycle = [(path, NQUADS) for path in paths]
            rows.append({"pattern": kind, "server": "app, kept answers", **run_wrk(app.url, cycle, seconds)})
            rows.append({"pattern": kind, "server": "nginx cache", "fill": fill(nginx.url, paths),
                         **run_wrk(nginx.url, cycle, seconds)})
        problems = [line for line in nginx.errors().splitlines() if "[alert]" in line or "[emerg]" in line]
        assert not problems, problems
        command = " ".join(app.argv)
    return {"build": build.name, "pages": pages, "seconds": seconds, "server": command, "counts": counts,
            "loadavg_after": Path("/proc/loadavg").read_text().split()[:3], "rows": rows, "machine": machine()}


def markdown(result: dict) -> str:
    lines = ["| pattern | server | requests/s | p50 | p99 | errors | × new URLs |", "|---|---|---:|---:|---:|---:|---:|"]
    fresh = {row["pattern"]: row["rps"] for row in result["rows"] if row["server"].startswith("app, new")}
    for row in result["rows"]:
        lines.append(f"| {row['pattern']} | {row['server']} | {row['rps']:,.0f} | {row['p50_ms']:.2f} ms | "
                     f"{row['p99_ms']:.2f} ms | {row['errors']} | {row['rps'] / fresh[row['pattern']]:.1f} |")
    lines += ["", "| count | fragment over HTTP, p50 | max | the count alone (in process) | hydra:totalItems |",
              "|---|---:|---:|---:|---|"]
    for name, figures in result["counts"].items():
        alone = figures["in_process"]
        lines.append(f"| `{name}` | {figures['p50_ms']:.1f} ms | {figures['max_ms']:.1f} ms | {alone['ms']:.3f} ms "
                     f"({'exact' if alone['exact'] else 'estimate'}) | {', '.join(figures['totalItems'])} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/ikpe-fragments-bench"))
    parser.add_argument("--projects", type=int, default=625, help="generate and build this scale (no --build-dir)")
    parser.add_argument("--build-dir", type=Path, help="serve this build folder instead (read only)")
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run")
    parser.add_argument("--pages", type=int, default=200, help="projects whose fragments are cycled through")
    parser.add_argument("--count-requests", type=int, default=50)
    parser.add_argument("--ports", help="APP,NGINX: fixed ports instead of free ones")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    build = args.build_dir or ensure_build(args.work, args.projects)
    ports = tuple(int(p) for p in args.ports.split(",")) if args.ports else (free_port(), free_port())
    pages = args.pages if args.build_dir else min(args.pages, args.projects)
    result = run(build, args.work, args.seconds, pages, args.count_requests, ports)
    print(markdown(result))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
