"""Mixed-route load with rebuilds and a remote publish in the middle (issue 17, "Every route").

    .venv/bin/python bench/load_mix.py                        # real data, 30 s, 3 rebuilds, 1 publish
    .venv/bin/python bench/load_mix.py --store remote         # the app reads from the Oxigraph server
    .venv/bin/python bench/load_mix.py --report-only          # rewrite the docs section from the JSON

Builds the real data (``data/``) into ``<work>/build``, starts a private Oxigraph server (the ``oxigraph``
binary of the ``stores`` extra) and publishes the release to it, then serves with the production command
(``bench/production.py``: local store by default, ``--store remote`` reads the Oxigraph server) and runs
``wrk -t2 -c8 --latency -s bench/load_mix.lua -- routes`` (the routes of issue 17's table) for
``--duration`` seconds. During the run it rebuilds ``--rebuilds`` times, evenly spaced (each new release
is switched to while serving), and after the middle rebuild publishes it to the Oxigraph server
(``ikpe-lod publish``). While a rebuild runs it takes ``py-spy dump`` of every server process every
``--dump-every`` seconds (``<work>/pyspy-<n>.txt``), so a slow request can be explained.

Reports requests/s, p50/p99/max latency, requests slower than 1 s, errors (socket errors and answers
other than 200/303) into ``docs/load-mix.json`` and section "Mixed load with rebuilds" of
docs/benchmarks.md. Target: no request over 1 s, 0 errors.
"""
from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production import Server, documented_command, shown  # noqa: E402
from bench.routes import machine  # noqa: E402
from bench.serve_bench import children  # noqa: E402

RESULTS = ROOT / "docs" / "load-mix.json"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- load-mix:begin -->", "<!-- load-mix:end -->"
ROUTES = ("/catalog.ttl", "/sitemap.xml", "/.well-known/void", "/def/ikpe", "/catalog", "/",
          "/list/gebietskoerperschaft", "/doc/project/thilik", "/doc/person/stefan-huber",
          "/doc/person/stefan-huber.ttl")


def cli(*args: str, env: dict | None = None) -> float:
    """Run ``ikpe-lod`` with this interpreter and the checkout's code; seconds it took."""
    import os

    started = time.perf_counter()
    # a session of its own, as cron or systemd start a build: its CPU priority (IKPE_BUILD_NICE) then
    # weighs against the server's, not only within this script's session (Linux autogroup)
    subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})),
                   start_new_session=True)
    return time.perf_counter() - started


def remote_env(oxigraph) -> dict:
    return {f"IKPE_{key.upper()}": value for key, value in oxigraph.settings().items()}


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children(found[-1])
    return found


def dump_while(busy: threading.Event, server_pid: int, out: Path, every: float) -> None:
    """py-spy dump of every server process, every ``every`` seconds while ``busy`` is set."""
    py_spy = Path(sys.executable).parent / "py-spy"
    with out.open("a") as log:
        while busy.is_set():
            stamp = time.strftime("%H:%M:%S")
            for pid in descendants(server_pid):
                dump = subprocess.run([str(py_spy), "dump", "--nonblocking", "--pid", str(pid)],
                                      capture_output=True, text=True)
                log.write(f"=== {stamp} pid {pid}\n{dump.stdout}{dump.stderr}\n")
            time.sleep(every)


def events(args, server: Server, oxigraph, started: float, log: list) -> None:
    """The rebuilds (evenly spaced over the run) and, after the middle one, the publish."""
    data, build = str(args.data), str(args.work / "build")
    env = remote_env(oxigraph)
    for n in range(1, args.rebuilds + 1):
        time.sleep(max(0.0, started + args.duration * n / (args.rebuilds + 1) - time.perf_counter()))
        busy = threading.Event()
        busy.set()
        dumper = threading.Thread(target=dump_while, args=(busy, server.process.pid,
                                                           args.work / f"pyspy-{n}.txt", args.dump_every))
        if args.dump_every:
            dumper.start()
        at = time.perf_counter() - started
        seconds = cli("--data", data, "--build-dir", build, "build", env=env if args.store == "remote" else None)
        busy.clear()
        log.append({"event": "rebuild", "at_s": round(at, 2), "took_s": round(seconds, 2)})
        if n == (args.rebuilds + 1) // 2:
            at = time.perf_counter() - started
            log.append({"event": "publish", "at_s": round(at, 2),
                        "took_s": round(cli("--build-dir", build, "publish", env=env), 2)})


def short(line: str) -> str:
    """A py-spy frame without the directory and line: ``name (server/web/x.py)``."""
    line = re.sub(r":\d+\)$", ")", line.strip())  # frames of one function count together
    return re.sub(r"\s*\((?:/[^)]*?/)?((?:server|site-packages)/[^)]*|[^/)]*)\)", r" (\1)", line)


def hot_frames(dumps: list[Path], top: int = 8) -> list[tuple[str, int]]:
    """The innermost frame of the app's code (server/) in each thread busy with a request, counted over all
    py-spy dumps taken during the rebuilds: what the slow requests were doing."""
    counts: dict[str, int] = {}
    for path in dumps:
        for thread in re.split(r"^Thread ", path.read_text(errors="replace"), flags=re.M)[1:]:
            if "(active" not in thread.split("\n", 1)[0] or "handle_request" not in thread:
                continue
            lines = [short(line) for line in thread.splitlines()[1:]]
            view = next((lines[i - 1] for i, line in enumerate(lines) if "dispatch_request" in line and i), "?")
            inner = next((line for line in lines if "server/" in line), None)
            if inner:
                frame = view if inner == view else f"{view} … {inner}"
                counts[frame] = counts.get(frame, 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])[:top]


def parse_wrk(out: str) -> dict:
    statuses = {}
    for status, count in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M):
        statuses[status] = statuses.get(status, 0) + int(count)
    latency = {k: int(v) / 1000 for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"^LATENCY_US .*$", out, re.M)[0])}
    errors = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"^ERRORS .*$", out, re.M)[0])}
    total = re.search(r"^TOTAL requests=(\d+) seconds=([\d.]+)", out, re.M)
    bad = sum(n for s, n in statuses.items() if s not in ("200", "303"))
    socket_errors = sum(v for k, v in errors.items() if k != "status")
    return {"requests": int(total[1]), "seconds": float(total[2]), "rps": int(total[1]) / float(total[2]),
            "latency_ms": latency,
            "over_1s": int(re.search(r"^SLOW_OVER_1S (\d+)", out, re.M)[1]), "statuses": statuses,
            "errors": bad + socket_errors, "error_kinds": errors}


def warm_up(url: str) -> None:
    import requests

    for _ in range(4):  # new connections: every worker sees each route once
        for path in ROUTES:
            requests.get(url + path, headers={"Connection": "close"}, timeout=120)


def run(args) -> dict:
    from server.store.stores import OxigraphServer

    args.work.mkdir(parents=True, exist_ok=True)
    for old in args.work.glob("pyspy-*.txt"):
        old.unlink()
    build = args.work / "build"
    cli("--data", str(args.data), "--build-dir", str(build), "build")
    with OxigraphServer(args.work / "oxigraph", port=args.port + 1) as oxigraph:
        cli("--build-dir", str(build), "publish", env=remote_env(oxigraph))
        env = remote_env(oxigraph) if args.store == "remote" else {}
        with Server(build, args.port, env=env) as server:
            warm_up(server.url)
            log: list = []
            command = ["wrk", "-t2", f"-c{args.connections}", "-d3600s", "--timeout", "30s",
                       "--latency", "-s", str(ROOT / "bench" / "load_mix.lua"), server.url, "--", "routes"]
            started = time.perf_counter()
            wrk = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
            events(args, server, oxigraph, started, log)
            # the rebuilds may take longer than planned on a busy machine: the load lasts until they are
            # done, plus the planned gap after the last one; wrk reports on SIGINT
            time.sleep(max(0.0, started + args.duration - time.perf_counter(), args.duration / (args.rebuilds + 1)))
            wrk.send_signal(signal.SIGINT)
            out = wrk.communicate()[0]
            tracebacks = Path(server.log.name).read_text(errors="replace").count("Traceback")
    result = parse_wrk(out)
    result.update(store=args.store, events=log, hot_frames=hot_frames(sorted(args.work.glob("pyspy-*.txt"))), server_tracebacks=tracebacks, duration_s=args.duration,
                  connections=args.connections, routes=list(ROUTES), server_command=shown(" ".join(server.argv)),
                  measured=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  loadavg=Path("/proc/loadavg").read_text().split()[:3], machine=machine(),
                  command="wrk -t2 -c%d -d%ds --timeout 30s --latency -s bench/load_mix.lua URL -- routes" % (
                      args.connections, args.duration))
    return result


def row(r: dict) -> str:
    lat = r["latency_ms"]
    events_text = ", ".join(f"{e['event']} at {e['at_s']:.0f} s ({e['took_s']:.1f} s)" for e in r["events"])
    verdict = "met" if not r["over_1s"] and not r["errors"] else "missed"
    return (f"| {r['label']} | {r['store']} | {r['seconds']:.0f} s: {events_text} | {r['rps']:,.1f} | "
            f"{lat['p50']:.0f} / {lat['p99']:.0f} / "
            f"{lat['max']:,.0f} ms | {r['over_1s']} | {r['errors']} | {verdict} |")


def section(results: dict) -> str:
    runs = [dict(r, label=label) for label, r in results.items()]
    if not runs:
        return ""
    info = runs[-1]["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    return "\n".join([
        f"The real graph (`data/`), {runs[-1]['connections']} connections over the routes of issue 17's table "
        f"({', '.join(f'`{p}`' for p in ROUTES)}), at least {runs[-1]['duration_s']} s and until the rebuilds are "
        "done, served by the production command "
        f"(`{documented_command()}`); the rebuilds switch the served release during the run, the publish "
        "uploads it to a local Oxigraph server.", "",
        "    .venv/bin/python bench/load_mix.py [--store remote] [--label after]", "",
        "| run | store | length of the run: events during it (their duration) | req/s | p50 / p99 / max | requests > 1 s | errors | target |",
        "|---|---|---|---:|---|---:|---:|---|",
        *[row(r) for r in runs], "",
        "Where the request threads were while the rebuilds ran (`py-spy dump --nonblocking` of every server "
        "process each second; view … innermost frame of the app, times seen):", "",
        *[f"- {r['label']}: " + "; ".join(f"`{frame}` ×{n}" for frame, n in r.get("hot_frames", [])) for r in runs],
        "",
        f"Machine: {info['nproc']} cores, {info['ram_gib']} GiB RAM, {info['cpu']}; Python {info['python']}; "
        f"{versions}. Shared by other work while measured (load average "
        f"{', '.join(r['loadavg'][0] for r in runs)} at the ends of the runs).", ""])


def write_doc(results: dict) -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + section(results) + text[end:], encoding="utf-8")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-loadmix"))
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--store", choices=("local", "remote"), default="local")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--rebuilds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--dump-every", type=float, default=1.0, help="py-spy dump period during a rebuild; 0: none")
    parser.add_argument("--port", type=int, default=18850)
    parser.add_argument("--label", default="before")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args(argv)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if not args.report_only:
        result = run(args)
        print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=1))
        results[f"{args.label}, {args.store} store"] = result
        RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    write_doc(results)


if __name__ == "__main__":
    main()
