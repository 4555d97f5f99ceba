"""Every route family at 10k, 100k and 1M triples: time and size of a first and a second request, then
``wrk -t2 -c8 -d5s --latency`` (requests/s, p99, errors) per route, served by the production command
(``bench/production.py``, read from the README).

    .venv/bin/python bench/routes.py --work /tmp/bench-routes --scales 60 625 6300
    .venv/bin/python bench/routes.py --build 6300=$BUILD_1M   # an existing build
    .venv/bin/python bench/routes.py --report-only                         # rewrite the docs section

For each scale (projects: 60 ≈ 10k, 625 ≈ 100k, 6300 ≈ 1M published triples) the data are generated and
built into ``<work>/gen<N>``, ``<work>/build<N>`` unless they exist. The server is started fresh per
scale with an empty response cache (``IKPE_RESPONSE_CACHE_DIR`` in a new temporary folder); the first
request of each route is the first one this machine answers for it. A route whose second request takes
longer than ``--max-load-seconds`` is not put under load (it would only measure a queue): its row says
so. At the end the server is restarted and each route requested once more: what survives a restart.

Results are kept per scale and label in ``docs/routes.json`` (``--label before`` keeps the figures of a
run before the changes); the section "Every route" of docs/benchmarks.md is rewritten from it.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production import Server, documented_command, shown  # noqa: E402
from bench.serve_bench import ensure_build  # noqa: E402
from bench.wrk import run_wrk  # noqa: E402

RESULTS = ROOT / "docs" / "routes.json"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- routes:begin -->", "<!-- routes:end -->"
HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SMALL_QUERY = ("SELECT ?p ?o WHERE { <https://lod.ikpe-erfurt.de/id/project/bench-000032> ?p ?o } LIMIT 20")
SITEMAP_PART = "(first file of the sitemap index)"
# (name, path, Accept): the route families of issue 17's tables; the slugs exist at every scale.
ROUTES = [
    ("robots.txt (floor)", "/robots.txt", None),
    ("home", "/", HTML),
    ("overview", "/overview", HTML),
    ("sitemap.xml", "/sitemap.xml", None),
    ("sitemap part", SITEMAP_PART, None),
    ("catalog HTML", "/catalog", HTML),
    ("catalog RDF/XML", "/catalog", "application/rdf+xml"),
    ("catalog Turtle", "/catalog", "text/turtle"),
    ("catalog JSON-LD", "/catalog", "application/ld+json"),
    ("catalog N-Triples", "/catalog", "application/n-triples"),
    ("catalog.ttl", "/catalog.ttl", None),
    ("catalog page 2", "/catalog.ttl?page=2", None),
    ("VoID", "/.well-known/void", None),
    ("/def/ikpe", "/def/ikpe", "text/turtle"),
    ("list of projects", "/list/project", HTML),
    ("list of Gebietskörperschaften", "/list/gebietskoerperschaft", HTML),
    ("project page HTML", "/doc/project/bench-000032", HTML),
    ("project page Turtle", "/doc/project/bench-000032", "text/turtle"),
    ("person page HTML", "/doc/person/p000003", HTML),
    ("person page N-Triples", "/doc/person/p000003.nt", None),
    ("map", "/pictures/map.svg", None),
    ("timeline", "/pictures/timeline.svg", None),
    ("search", "/search?q=Schwarz", HTML),
    ("reconcile GET", "/reconcile?query=Erfurt", None),
    ("SPARQL small query", "/sparql?query=" + urllib.parse.quote(SMALL_QUERY), "application/sparql-results+json"),
]


def fetch(session, url: str, accept: str | None, timeout: float) -> dict:
    """One request: status, seconds, bytes of the body (uncompressed, as wrk gets it too) and the body."""
    import requests

    # sizes uncompressed; a new connection per request (a kept-alive one may be closed by the server meanwhile)
    headers = {"Accept-Encoding": "identity", "Connection": "close", **({"Accept": accept} if accept else {})}
    started = time.perf_counter()
    try:
        response = session.get(url, headers=headers, timeout=timeout, stream=True)
        body = b"".join(response.raw.stream(65536, decode_content=False))
        return {"status": response.status_code, "s": time.perf_counter() - started, "bytes": len(body),
                "encoding": response.headers.get("Content-Encoding"), "body": body}
    except requests.RequestException as error:
        return {"status": None, "s": time.perf_counter() - started, "bytes": 0, "error": type(error).__name__}


def sitemap_part(sitemap: dict | None) -> str | None:
    """The local path of the first file the sitemap index names (or of the only sitemap)."""
    if not sitemap or sitemap["second"]["status"] != 200:
        return None
    body = sitemap["second"]["body"].decode("utf-8", "replace")
    if "<sitemapindex" not in body:
        return "/sitemap.xml?page=1"
    first = re.search(r"<loc>\s*([^<\s]+)\s*</loc>", body)
    if not first:
        return None
    parts = urllib.parse.urlsplit(first.group(1))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def measure_route(server: Server, session, path: str, accept: str | None, args) -> dict:
    first = fetch(session, server.url + path, accept, args.timeout)
    # a first request that took minutes is not repeated (the second would only measure the same again)
    second = first if first["s"] > args.max_repeat_seconds or first["status"] is None else fetch(session, server.url + path, accept,
                                                                       args.timeout)
    row = {"path": path, "accept": accept, "first": first, "second": second, "repeated": second is not first}
    if second["status"] != 200 or second["s"] > args.max_load_seconds:
        row["load"] = None  # a queue, not a measurement
        return row
    row["load"] = run_wrk(server.url, [(path, accept)], seconds=args.wrk_seconds, timeout=10)
    return row


def measure_scale(projects: int, build: Path, args) -> dict:
    import requests

    # the machine's response cache (kept across restarts) starts empty: the first request is a first
    cache_dir = tempfile.mkdtemp(prefix=f"routes-cache-{projects}-")
    rows = {}
    with Server(build, args.port, env={"IKPE_RESPONSE_CACHE_DIR": cache_dir}) as server, \
            requests.Session() as session:
        for name, path, accept in ROUTES:
            if path == SITEMAP_PART:
                path = sitemap_part(rows.get("sitemap.xml"))
                if path is None:
                    rows[name] = {"path": None, "note": "no sitemap file named in the index"}
                    continue
            rows[name] = measure_route(server, session, path, accept, args)
            print(f"{projects:>5} {name:<32} {brief(rows[name])}", flush=True)
            if rows[name]["first"]["status"] is None:  # its thread may still be busy: start afresh
                server.restart()
        server.restart()  # what a restart keeps: one request per route on new processes
        for row in rows.values():
            if row.get("path"):
                row["after_restart"] = fetch(session, server.url + row["path"], row["accept"], args.timeout)
            for key in ("first", "second", "after_restart"):  # the bodies were kept for the sitemap index
                row.get(key, {}).pop("body", None)
    shutil.rmtree(cache_dir, ignore_errors=True)
    return {"projects": projects, "triples": published_triples(build), "build": shown(str(build)), "routes": rows,
            "server_command": shown(" ".join(server.argv)), "loadavg": Path("/proc/loadavg").read_text().split()[:3],
            "measured": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def published_triples(build: Path) -> int | None:
    try:
        return json.loads((build / "current" / "manifest.json").read_text())["triples"]
    except (OSError, ValueError, KeyError):
        return None


def brief(row: dict) -> str:
    if not row.get("path"):
        return row.get("note", "")
    first, second, load = row["first"], row["second"], row.get("load")
    text = f"{first['status']} {first['s']*1000:.0f}/{second['s']*1000:.0f} ms {second['bytes']:,} B"
    if load:
        text += f"  {load['rps']:,.0f} req/s p99 {load['p99_ms']:.1f} ms err {load['errors']}"
    return text


# -- report ------------------------------------------------------------------------------------------
def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    names = ("pyoxigraph", "rdflib", "flask", "gunicorn", "granian")
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    import platform
    return {"nproc": __import__("os").cpu_count(), "ram_gib": round(mem / 2**20, 1), "cpu": cpu,
            "python": platform.python_version(), "versions": versions}


def fmt_size(n: int) -> str:
    for unit, factor in (("MB", 1e6), ("KB", 1e3)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} B"


def fmt_time(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms" if seconds < 0.01 else \
        f"{seconds * 1000:.0f} ms"


def cell(row: dict | None) -> str:
    """first / second (/ first after a restart) · size · req/s · p99 (· errors)."""
    if not row or not row.get("path"):
        return "–"
    first, second, load = row["first"], row["second"], row.get("load")
    if second["status"] is None:
        return f"no answer within {fmt_time(second['s'])} ({second.get('error')})"
    if second["status"] != 200:
        return f"status {second['status']}"
    again = fmt_time(second["s"]) if row.get("repeated", True) else "not repeated"
    restart = row.get("after_restart")
    after = f" / {fmt_time(restart['s'])}" if restart and restart["status"] == 200 else \
        (" / no answer after restart" if restart else "")
    text = f"{fmt_time(first['s'])} / {again}{after} · {fmt_size(second['bytes'])}"
    if load is None:
        return text + " · not loaded"
    text += f" · {load['rps']:,.0f}/s · p99 {load['p99_ms']:.0f} ms"
    return text + (f" · **{load['errors']} errors**" if load["errors"] else "")


def verdict(rows: list[dict | None], floor: dict | None) -> str:
    """Against the target at the largest scale measured: ≥ 2,000 req/s and p99 ≤ 25 ms, 0 errors. Where the
    floor (robots.txt) itself is below 2,000 req/s, the machine was too busy to tell: the share of the
    floor's req/s is given instead."""
    row = rows[-1]
    if not row or not row.get("path"):
        return "–"
    load, floor_load = row.get("load"), (floor or {}).get("load")
    if row["second"]["status"] != 200:
        return "no answer" if row["second"]["status"] is None else f"status {row['second']['status']}"
    if load is None:
        return "missed (too slow to load)"
    if load["errors"]:
        return "missed (errors)"
    if floor_load and floor_load["rps"] < 2000:
        return f"{load['rps'] / floor_load['rps']:.2f} × the floor"
    ok = load["rps"] >= 2000 and load["p99_ms"] <= 25
    return "met" if ok else "missed"


def markdown(results: dict, label: str) -> str:
    runs = results.get(label, {})
    scales = sorted(runs.values(), key=lambda r: r["projects"])
    if not scales:
        return ""
    head = " | ".join(f"{(s['triples'] or 0):,} triples" for s in scales)
    lines = [f"| route | {head} | target at {scales[-1]['triples'] or 0:,} (≥ 2,000 req/s, p99 ≤ 25 ms) |",
             "|---|" + "---|" * len(scales) + "---|"]
    for name, _, _ in ROUTES:
        rows = [s["routes"].get(name) for s in scales]
        path = next((r["path"] for r in rows if r and r.get("path")), "")
        lines.append(f"| {name} (`{path.split('?query=')[0]}`) | " + " | ".join(cell(r) for r in rows)
                     + f" | {verdict(rows, scales[-1]['routes'].get(ROUTES[0][0]))} |")
    return "\n".join(lines)


def section(results: dict) -> str:
    info = results.get("machine", {})
    versions = ", ".join(f"{k} {v}" for k, v in info.get("versions", {}).items())
    labels = [label for label in ("after", "before") if results.get(label)]
    out = ["Each cell: first request / second request / first request after a restart of the server (the "
           "machine's response cache kept; runs before it existed have no third figure) · size of the answer · "
           "`wrk -t2 -c8 -d5s --latency` requests/s · p99. A route whose second request takes longer than 1 s is "
           "not put under load (\"not loaded\"). The `robots.txt` row is the floor of the same run: compare the "
           "others with it. Served by the production command "
           f"(`{documented_command()}`, read from the README by `bench/production.py`), started fresh per "
           "scale with an empty response cache, per-client limits off.", "",
           f"Machine: {info.get('nproc')} cores, {info.get('ram_gib')} GiB RAM, {info.get('cpu')}; Python "
           f"{info.get('python')}; {versions}. Shared by other work while measured: compare within a column.", "",
           "    .venv/bin/python bench/routes.py --work /tmp/bench-routes --scales 60 625 6300 --label after", ""]
    for label in labels:
        dates = sorted({s["measured"][:16] for s in results[label].values()})
        title = "Now" if label == "after" else "Before issue 17's changes"
        out += [f"### {title} ({', '.join(dates)})", "", markdown(results, label), ""]
    return "\n".join(out).rstrip() + "\n"


def write_doc(results: dict) -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + section(results) + text[end:], encoding="utf-8")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-routes")
    parser.add_argument("--scales", type=int, nargs="*", default=[], help="projects per scale (built if missing)")
    parser.add_argument("--build", action="append", default=[], metavar="PROJECTS=DIR",
                        help="use an existing build directory for a scale (read only)")
    parser.add_argument("--label", default="after", choices=("before", "after"))
    parser.add_argument("--port", type=int, default=18800)
    parser.add_argument("--wrk-seconds", type=int, default=5)
    parser.add_argument("--max-load-seconds", type=float, default=1.0)
    parser.add_argument("--max-repeat-seconds", type=float, default=30.0)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per single request")
    parser.add_argument("--report-only", action="store_true")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    builds = {int(k): Path(v) for k, v in (item.split("=", 1) for item in args.build)}
    if not args.report_only:
        results["machine"] = machine()
        for projects in args.scales + [p for p in builds if p not in args.scales]:
            build = builds.get(projects) or ensure_build(args.work, projects)
            results.setdefault(args.label, {})[str(projects)] = measure_scale(projects, build, args)
            RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    write_doc(results)


if __name__ == "__main__":
    main()
