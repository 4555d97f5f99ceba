"""Compare the stores: embedded pyoxigraph, Oxigraph server and Virtuoso, on the same queries and pages.

    .venv/bin/python bench/stores.py [--build-dir build] [--stores embedded,oxigraph-server,virtuoso]
                                     [--repeat 30] [--wrk-seconds 10] [--json out.json]

For each store: a private instance is started on 127.0.0.1 (as in the tests), the build's current
release is published to it (timed), then

* the query set (``queries/*.rq``) runs through the store interface, ``--repeat`` times after one
  warm-up round; the table gives the median per query and the sum of the medians over the set;
* a few pages are fetched through the app (Flask test client, in-process), same repetitions;
* if ``wrk`` is installed (Debian package ``wrk``), the app runs under gunicorn (4 workers) and ``wrk``
  measures requests/s on one HTML page for ``--wrk-seconds``.

Prints a Markdown table (for docs/benchmarks.md, section "Stores").
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.settings import load_settings  # noqa: E402
from server.store import open_store  # noqa: E402
from server.store.publish import Publisher  # noqa: E402
from server.store.stores import OxigraphServer, VirtuosoServer  # noqa: E402
from server.web.app import create_app  # noqa: E402

PAGES = [("home", "/", "text/html"),
         ("project HTML", "/doc/project/thilik", "text/html"),
         ("project Turtle", "/doc/project/thilik", "text/turtle"),
         ("district HTML", "/doc/gebietskoerperschaft/16056", "text/html"),
         ("catalog", "/catalog", "text/turtle")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(function, repeat: int) -> list[float]:
    function()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def wrk(settings_env: dict, path: str, seconds: int) -> float | None:
    if not shutil.which("wrk"):
        return None
    port = free_port()
    env = {**os.environ, **settings_env}
    gunicorn = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "4", "--timeout", "60",
                                 "-b", f"127.0.0.1:{port}", "server.web.app:create_app()"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        subprocess.run(["wrk", "-t2", "-c8", "-d15s", "-H", "Accept: text/html", f"http://127.0.0.1:{port}{path}"],
                       capture_output=True)  # warm-up: each worker loads its caches on its first requests
        out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-H", "Accept: text/html",
                              f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if non2xx:
            print(f"  warning: {non2xx.group(1)} non-2xx answers under load", file=sys.stderr)
        if not match:
            print(f"  wrk gave no rate: {out[-300:]}", file=sys.stderr)
        return float(match.group(1)) if match else None
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(30)


def bench_store(kind: str, build_dir: Path, repeat: int, wrk_seconds: int, queries: list[Path]) -> dict:
    server = None
    result = {"store": kind}
    if kind == "embedded":
        overrides = {}
        result["version"] = "pyoxigraph " + __import__("pyoxigraph").__version__
    else:
        server = (OxigraphServer if kind == "oxigraph-server" else VirtuosoServer)(Path(tempfile.mkdtemp()))
        server.start()
        overrides = server.settings()
        result["version"] = server.version()
    try:
        settings = load_settings(build_dir=build_dir, **overrides)
        if server:
            started = time.perf_counter()
            Publisher(settings).publish()
            result["publish_s"] = time.perf_counter() - started
        store = open_store(settings)
        result["triples"] = store.release().manifest["triples"]
        result["queries"] = {}
        for path in queries:
            text = path.read_text(encoding="utf-8")
            result["queries"][path.stem] = statistics.median(timed(lambda: store.select(text), repeat))
        app = create_app(settings)
        client = app.test_client()
        result["pages"] = {}
        for name, url, accept in PAGES:
            status = client.get(url, headers={"Accept": accept}).status_code
            if status != 200:
                result["pages"][name] = None
                continue
            result["pages"][name] = statistics.median(
                timed(lambda: client.get(url, headers={"Accept": accept}), repeat))
        if wrk_seconds:
            env = {f"IKPE_{k.upper()}": str(v) for k, v in overrides.items()}
            env["IKPE_BUILD_DIR"] = str(build_dir)
            result["wrk_rps"] = wrk(env, "/doc/project/thilik", wrk_seconds)
    finally:
        if server:
            server.stop()
            shutil.rmtree(server.folder, ignore_errors=True)
    return result


def markdown(results: list[dict]) -> str:
    stores = [r["store"] for r in results]
    lines = ["| | " + " | ".join(stores) + " |", "|---|" + "---:|" * len(stores)]

    def row(label, values):
        lines.append(f"| {label} | " + " | ".join(values) + " |")

    ms = lambda v: "–" if v is None else f"{v * 1000:.1f}"  # noqa: E731
    row("publish (s)", ["–" if "publish_s" not in r else f"{r['publish_s']:.2f}" for r in results])
    row("**query set: sum of medians (ms)**", [f"**{sum(r['queries'].values()) * 1000:.1f}**" for r in results])
    for name in results[0]["queries"]:
        row(f"query {name} (ms)", [ms(r["queries"][name]) for r in results])
    for name in results[0]["pages"]:
        row(f"page {name} (ms)", [ms(r["pages"][name]) for r in results])
    if any(r.get("wrk_rps") for r in results):
        row("gunicorn -w 4, wrk -c8: project page (req/s)",
            ["–" if not r.get("wrk_rps") else f"{r['wrk_rps']:.0f}" for r in results])
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build")
    parser.add_argument("--stores", default="embedded,oxigraph-server,virtuoso")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--queries", default=str(ROOT / "queries" / "*.rq"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    queries = sorted(Path("/").glob(args.queries.lstrip("/")))
    results = []
    for kind in args.stores.split(","):
        print(f"… {kind}", file=sys.stderr)
        results.append(bench_store(kind.strip(), args.build_dir, args.repeat, args.wrk_seconds, queries))
    info = (f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{platform.platform()}; " + "; ".join(f"{r['store']}: {r['version']}" for r in results)
            + f"; {results[0]['triples']} triples, {len(queries)} queries, {args.repeat} repetitions.")
    print(info)
    print()
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps({"info": info, "results": results}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
