"""Serving at scale: start time, worker RSS, SPARQL latency against three other engines, page load.

    .venv/bin/python bench/serve_bench.py --work /tmp/sb                 # 10k, 100k, 1M triples
    .venv/bin/python bench/serve_bench.py --work /tmp/sb --scales 60 625 # only some sizes

For each scale (projects: 60 ≈ 10k, 625 ≈ 100k, 6300 ≈ 1M published triples) the data are generated
(``bench/generate.py``) and built (``ikpe-lod build``) into ``<work>/gen<N>``, ``<work>/build<N>`` unless
they exist already. Then, with the production command (the README's, read by ``bench/production.py``;
per-client limits off as in ``bench/load.sh``):

* **start time**: from starting gunicorn to the first ``200`` from ``/health``, and to the moment every
  worker has answered ``/health`` — once with ``IKPE_STORE_IN_MEMORY=false`` (on-disk store) and once
  with ``true`` (each process loads the N-Triples dump);
* **RSS** of each serving worker (alone, and with the SPARQL query processes it started), after warm-up
  and after the load runs;
* **SPARQL latency** (median, p95) of a fixed set of 9 queries, interleaved in the same run: our
  ``/sparql`` (production server, in-memory mode), pyoxigraph in-process (in-memory copy of the dump,
  and read-only on the release's on-disk store), Oxigraph server (``oxigraph serve-read-only`` on the
  release's store folder) and rdflib's in-memory SPARQL (a helper process; every query runs in a forked
  child that is killed past ``--cap`` seconds → "> cap");
* **resource pages** under bounded load: ``wrk -t2 -c8 -d15s --latency`` on project pages (HTML, then
  Turtle), cycling through up to 200 projects; p50, p99, requests/s, errors.

Results are kept per scale in ``docs/serve-scale.json`` (a run of some scales keeps the others) and the
section "Serving at scale" of docs/serve-scale.md (only that section) and ``docs/serve-scale.svg`` are
rewritten from it.
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.build_bench import machine  # noqa: E402
from bench.production import documented_command, production_argv  # noqa: E402
from bench.stores import free_port  # noqa: E402
from bench.wrk import unit_ms  # noqa: E402

SCALES = (60, 625, 6300)
RESULTS = ROOT / "docs" / "serve-scale.json"
PLOT = ROOT / "docs" / "serve-scale.svg"
DOC = ROOT / "docs" / "serve-scale.md"
BEGIN, END = "<!-- serving-at-scale:begin -->", "<!-- serving-at-scale:end -->"
PROJECT = "https://lod.ikpe-erfurt.de/id/project/bench-000032"  # exists at every scale (≥ 32 projects)
PREFIXES = """PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
QUERIES = {
    "resource-page": f"SELECT ?s ?p ?o WHERE {{ {{ <{PROJECT}> ?p ?o }} UNION {{ ?s ?p <{PROJECT}> }} }}",
    "aggregate-per-place": """SELECT ?place (COUNT(DISTINCT ?project) AS ?projects) WHERE {
  ?part a ikpe:Participation ; ikpe:roleIn ?project ; ikpe:roleHolder ?place }
GROUP BY ?place ORDER BY DESC(?projects) ?place""",
    "year-filter": """SELECT ?project ?start WHERE {
  ?project a ikpe:Project ; ikpe:periodStart ?start
  FILTER(?start >= "2021-01-01"^^xsd:date && ?start <= "2021-12-31"^^xsd:date) } ORDER BY ?project""",
    "label-search": """SELECT ?s ?label WHERE { ?s rdfs:label ?label
  FILTER(CONTAINS(LCASE(STR(?label)), "zimmermann")) }""",
    "two-hop-join": """SELECT ?person (COUNT(DISTINCT ?place) AS ?places) WHERE {
  ?lead a ikpe:ProjectLead ; ikpe:roleHolder ?person ; ikpe:roleIn ?project .
  ?part a ikpe:Participation ; ikpe:roleIn ?project ; ikpe:roleHolder ?place }
GROUP BY ?person ORDER BY DESC(?places) ?person LIMIT 100""",
    "construct": f"""CONSTRUCT {{ <{PROJECT}> ?p ?o . ?role ?rp ?ro }} WHERE {{
  {{ <{PROJECT}> ?p ?o }} UNION {{ ?role ikpe:roleIn <{PROJECT}> ; ?rp ?ro }} }}""",
    "count": "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }",
    "paged-order-by": """SELECT ?project ?label WHERE {
  ?project a ikpe:Project ; rdfs:label ?label FILTER(LANG(?label) = "de") }
ORDER BY ?label LIMIT 20 OFFSET 20""",
    "count-projects-per-theme": """SELECT ?theme (COUNT(?project) AS ?projects) WHERE {
  ?project a ikpe:Project ; dcterms:subject ?theme } GROUP BY ?theme ORDER BY ?theme""",
}
JSON_RESULTS = "application/sparql-results+json"
TURTLE = "text/turtle"
ENGINES = ("http", "http-cached", "pyoxigraph-mem", "pyoxigraph-disk", "oxigraph-server-mem", "oxigraph-server", "rdflib")
ENGINE_TITLES = {"http": "our /sparql (HTTP)", "http-cached": "ours, repeated (answer cache)", "pyoxigraph-mem": "pyoxigraph in-process, in memory",
                 "pyoxigraph-disk": "pyoxigraph in-process, on disk", "oxigraph-server": "Oxigraph server on disk (HTTP)",
                 "oxigraph-server-mem": "Oxigraph server in memory (HTTP)",
                 "rdflib": "rdflib in memory"}


def full(query: str) -> str:
    return PREFIXES + query


def is_construct(name: str) -> bool:
    return name == "construct"


# -- data --------------------------------------------------------------------------------------------
def ensure_build(work: Path, projects: int) -> Path:
    gen, build = work / f"gen{projects}", work / f"build{projects}"
    if (build / "current").exists():
        return build
    if not (gen / "data").is_dir():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--projects", str(projects),
                        "--out", str(gen / "data")], check=True)
    subprocess.run([sys.executable, "-m", "server.cli", "--data", str(gen / "data"), "--build-dir", str(build),
                    "build"], check=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return build


# -- processes ---------------------------------------------------------------------------------------
def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def worker_memory(master: int) -> list[dict]:
    """RSS of each gunicorn worker, and of the worker with every process it started (SPARQL workers)."""
    rows = []
    for worker in children(master):
        tree, todo = [], [worker]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children(pid)
        rows.append({"pid": worker, "rss_mb": rss_mb(worker), "tree_rss_mb": sum(rss_mb(p) for p in tree),
                     "processes": len(tree)})
    return rows


class Production:
    """The production command on 127.0.0.1 and a free port."""

    def __init__(self, build: Path, in_memory: bool):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # in memory: the production default (the SPARQL query processes hold copies); else disk only
        env = dict(os.environ, IKPE_BUILD_DIR=str(build), IKPE_STORE_IN_MEMORY="sparql" if in_memory else "none",
                   IKPE_GUNICORN_BIND=f"127.0.0.1:{self.port}", IKPE_LIMIT_CLIENT_REQUESTS="0",
                   IKPE_LIMIT_CLIENT_QUERIES="0", IKPE_LIMIT_CONCURRENT_QUERIES="0", IKPE_LOG_LEVEL="WARNING",
                   IKPE_GUNICORN_LOGLEVEL="warning")
        self.command = production_argv("127.0.0.1", self.port)  # the README's production command
        self.log = tempfile.NamedTemporaryFile(prefix="serve-bench-", suffix=".log", delete=False)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)

    def wait_ready(self, limit: float = 300) -> dict:
        """Seconds to the first 200 from /health, and until every worker has answered it."""
        import requests

        first, pids, deadline = None, set(), self.started + limit
        while time.perf_counter() < deadline:
            try:
                response = requests.get(self.url + "/health", timeout=limit, headers={"Connection": "close"})
                if response.status_code == 200:
                    now = time.perf_counter() - self.started
                    first = first if first is not None else now
                    pids.add(response.json()["process"]["pid"])
                    workers = len(children(self.process.pid))
                    if workers and len(pids) >= workers:
                        return {"first_health_s": first, "all_workers_s": now, "workers": workers}
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ended: see {self.log.name}")
            time.sleep(0.02)
        return {"first_health_s": first, "all_workers_s": None, "workers": len(children(self.process.pid))}

    def wait_idle(self, quiet: float = 1.5, limit: float = 300) -> float:
        """Seconds from the start until the server's processes have used no CPU for ``quiet`` seconds
        (the query processes have loaded their copies of the release in the background)."""
        def cpu() -> int:
            total = 0
            for pid in [self.process.pid] + [c for w in children(self.process.pid) for c in [w] + children(w)]:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    total += int(fields[11]) + int(fields[12])
                except (OSError, IndexError, ValueError):
                    pass
            return total
        last, since = cpu(), time.perf_counter()
        while time.perf_counter() - self.started < limit:
            time.sleep(0.25)
            now = cpu()
            if now > last + 2:  # clock ticks (1/100 s): still working
                last, since = now, time.perf_counter()
            elif time.perf_counter() - since >= quiet:
                return since - self.started
        return float("nan")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def warm_up(url: str, paths: list[str]) -> None:
    import requests

    for _ in range(6):  # new connections land on both workers
        for path in paths[:5]:
            for accept in ("text/html", TURTLE):
                requests.get(url + path, headers={"Accept": accept, "Connection": "close"}, timeout=300)
        requests.post(url + "/sparql", data={"query": "ASK {}"}, headers={"Connection": "close"}, timeout=300)


# -- load --------------------------------------------------------------------------------------------
LUA = """paths = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Accept"] = "%s"})
end
"""


def wrk(url: str, paths: list[str], accept: str, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % (", ".join(f'"{p}"' for p in paths), accept))
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", script.name, url]
    out = subprocess.run(command, capture_output=True, text=True).stdout
    os.unlink(script.name)
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"accept": accept, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "p50_ms": unit_ms(latency["50"]), "p99_ms": unit_ms(latency["99"]),
            "errors": (sum(int(g) for g in errors.groups()) if errors else 0) + (int(non2xx.group(1)) if non2xx else 0),
            "error_kinds": {**(dict(zip(("connect", "read", "write", "timeout"), map(int, errors.groups())))
                               if errors else {}), "non_2xx": int(non2xx.group(1)) if non2xx else 0},
            "command": "wrk -t2 -c8 -d%ds --latency -s <cycle %d project pages, Accept: %s>" % (
                seconds, len(paths), accept)}


# -- rdflib in a helper process ------------------------------------------------------------------------
def rdflib_helper(dump: str, repeat: int, cap: float) -> None:
    """Load the dump into an rdflib Graph, then time each query in a forked child (killed past ``cap``)."""
    from rdflib import Graph

    graph = Graph()
    started = time.perf_counter()
    with gzip.open(dump, "rb") as handle:
        graph.parse(handle, format="nt")
    out = {"load_s": time.perf_counter() - started, "queries": {}}
    for name, query in QUERIES.items():
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            times = []
            for _ in range(repeat + 1):  # first one is the warm-up
                began = time.perf_counter()
                result = graph.query(full(query))
                result.serialize(format="turtle" if is_construct(name) else "json")
                times.append(time.perf_counter() - began)
                if sum(times) > cap:
                    break
            os.write(write, json.dumps(times).encode())
            os._exit(0)
        os.close(write)
        chunks, deadline = [], time.monotonic() + cap * 1.5 + 5
        import select
        timed_out = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read], [], [], left)
            if ready:
                data = os.read(read, 65536)
                if not data:
                    break
                chunks.append(data)
        os.close(read)
        if timed_out:
            os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        times = json.loads(b"".join(chunks)) if chunks and not timed_out else []
        if not times or times[0] > cap:
            out["queries"][name] = {"capped": True}
        else:
            measured = times[1:] or times
            out["queries"][name] = summary(measured)
        print(f"  rdflib {name}: {out['queries'][name]}", file=sys.stderr)
    print(json.dumps(out))


def start_rdflib(dump: Path, repeat: int, cap: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--rdflib-helper", str(dump),
                             "--repeat", str(repeat), "--cap", str(cap)], stdout=subprocess.PIPE, text=True)


# -- SPARQL ------------------------------------------------------------------------------------------
def summary(times: list[float]) -> dict:
    times = sorted(times)
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return {"median_ms": statistics.median(times) * 1000, "p95_ms": p95 * 1000, "runs": len(times)}


def start_oxigraph(release: Path, in_memory: bool) -> tuple[subprocess.Popen, str]:
    """Oxigraph server on the release: read-only on its store folder, or in memory loaded from the dump
    (the storage mode of our endpoint's query processes)."""
    port = free_port()
    where = [] if in_memory else ["--location", str(release / "store")]
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "oxigraph"), "serve" if in_memory else "serve-read-only",
                                *where, "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    if in_memory:
        import requests

        with gzip.open(release / "dumps" / "ikpe.nt.gz", "rb") as handle:
            requests.post(url + "/store?default", data=handle, timeout=600,
                          headers={"Content-Type": "application/n-triples"}).raise_for_status()
    return process, url


def sparql_engines(release: Path, http_url: str, oxigraph_url: str, timeout: float,
                   oxigraph_memory_url: str | None = None) -> dict:
    import pyoxigraph as ox
    import requests

    memory = ox.Store()
    with gzip.open(release / "dumps" / "ikpe.nt.gz", "rb") as handle:
        memory.bulk_load(handle, ox.RdfFormat.N_TRIPLES)
    disk = ox.Store.read_only(str(release / "store"))
    ours, theirs = requests.Session(), requests.Session()

    def in_process(store):
        def run(name, query):
            result = store.query(query)
            if is_construct(name):
                return result.serialize(format=ox.RdfFormat.TURTLE)
            return result.serialize(format=ox.QueryResultsFormat.JSON)
        return run

    runs = iter(range(10**9))

    def over_http(session, url, unique=False):
        def run(name, query):
            accept = TURTLE if is_construct(name) else JSON_RESULTS
            if unique:  # a comment makes each text new: evaluated, never answered from the answer cache
                query = f"{query}\n# run {next(runs)}"
            response = session.post(url, data={"query": query}, headers={"Accept": accept}, timeout=timeout)
            if response.status_code != 200 or response.headers.get("X-SPARQL-Truncated"):
                raise RuntimeError(f"{response.status_code} {response.text[:200]}")
            return response.content
        return run

    return {"http": over_http(ours, http_url + "/sparql", unique=True),
            "http-cached": over_http(requests.Session(), http_url + "/sparql"), "pyoxigraph-mem": in_process(memory),
            "pyoxigraph-disk": in_process(disk), "oxigraph-server": over_http(theirs, oxigraph_url + "/query"),
            **({"oxigraph-server-mem": over_http(requests.Session(), oxigraph_memory_url + "/query")}
               if oxigraph_memory_url else {})}


def run_sparql(engines: dict, repeat: int, budget: float) -> dict:
    """Interleaved: one warm-up each, then round after round over the engines, ``repeat`` rounds at most
    (fewer when a query's rounds pass ``budget`` seconds, at least 3)."""
    out = {}
    for name, query in QUERIES.items():
        query = full(query)
        times = {engine: [] for engine in engines}
        errors = {}
        for engine, run in engines.items():
            try:
                run(name, query)
            except Exception as error:  # noqa: BLE001 — record which engine cannot answer
                errors[engine] = str(error).splitlines()[0][:160]
        began = time.perf_counter()
        for round_ in range(repeat):
            for engine, run in engines.items():
                if engine in errors:
                    continue
                started = time.perf_counter()
                run(name, query)
                times[engine].append(time.perf_counter() - started)
            if round_ >= 2 and time.perf_counter() - began > budget:
                break
        out[name] = {engine: ({"error": errors[engine]} if engine in errors else summary(times[engine]))
                     for engine in engines}
        print(f"  {name}: " + ", ".join(f"{e} {v.get('median_ms', float('nan')):.2f}" for e, v in out[name].items()),
              file=sys.stderr)
    return out


# -- one scale ----------------------------------------------------------------------------------------
def loadavg() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def bench_scale(projects: int, work: Path, args) -> dict:
    build = ensure_build(work, projects).resolve()
    release = (build / "current").resolve()
    manifest = json.loads((release / "manifest.json").read_text())
    row = {"projects": projects, "triples": manifest["triples"], "release": release.name, "loadavg": [loadavg()]}
    paths = [f"/doc/project/bench-{i:06d}" for i in range(min(projects, 200))]  # ids start at 0

    # start time and memory, on-disk mode first (no load of the dump), then the production default
    row["start"] = {}
    for in_memory in (False, True):
        server = Production(build, in_memory)
        try:
            ready = server.wait_ready()
            if in_memory:
                ready["memory_copies_loaded_s"] = server.wait_idle()
            warm_up(server.url, paths)
            ready["rss_after_warm_up"] = worker_memory(server.process.pid)
            key = "in_memory" if in_memory else "on_disk"
            row["start"][key] = ready
            print(f"  start {key}: {ready}", file=sys.stderr)
            if not in_memory:
                continue
            oxigraph, oxigraph_url = start_oxigraph(release, in_memory=False)
            oxigraph_mem, oxigraph_memory_url = start_oxigraph(release, in_memory=True)
            try:
                engines = sparql_engines(release, server.url, oxigraph_url, timeout=args.cap * 2,
                                         oxigraph_memory_url=oxigraph_memory_url)
                row["sparql"] = run_sparql(engines, args.repeat, args.budget)
                row["loadavg"].append(loadavg())
            finally:
                for process in (oxigraph, oxigraph_mem):
                    process.send_signal(signal.SIGTERM)
                    process.wait(30)
            row["pages"] = {kind: wrk(server.url, paths, accept, args.wrk_seconds)
                            for kind, accept in (("HTML", "text/html"), ("Turtle", TURTLE))}
            print(f"  pages: {row['pages']}", file=sys.stderr)
            row["loadavg"].append(loadavg())
            row["rss_after_load"] = worker_memory(server.process.pid)
        finally:
            server.stop()
            if "Traceback" in Path(server.log.name).read_text(errors="replace"):
                row.setdefault("warnings", []).append(f"tracebacks in the server log {server.log.name}")
            else:
                os.unlink(server.log.name)
    if args.rdflib:  # after the servers have stopped: its load of the dump would disturb their numbers
        rdflib = start_rdflib(release / "dumps" / "ikpe.nt.gz", args.rdflib_repeat, args.cap)
        out, _ = rdflib.communicate()
        row["rdflib"] = json.loads(out.strip().splitlines()[-1])
        for name, value in row["rdflib"]["queries"].items():
            row["sparql"][name]["rdflib"] = value
    row["loadavg"].append(loadavg())
    return row


def pages_only(projects: int, work: Path, args, row: dict) -> dict:
    """Only the load runs (and the worker RSS after them) again, on the production command in memory; the
    previous load results are kept under ``pages_before`` (e.g. to show a fix)."""
    build = ensure_build(work, projects).resolve()
    paths = [f"/doc/project/bench-{i:06d}" for i in range(min(projects, 200))]  # ids start at 0
    server = Production(build, True)
    try:
        server.wait_ready()
        server.wait_idle()  # as in the full run, where the pages come after the SPARQL runs
        warm_up(server.url, paths)
        if "pages" in row:  # the first measurement stays the "before"
            row.setdefault("pages_before", row["pages"])
        row["loadavg"].append(loadavg())
        row["pages"] = {kind: wrk(server.url, paths, accept, args.wrk_seconds)
                        for kind, accept in (("HTML", "text/html"), ("Turtle", TURTLE))}
        row["loadavg"].append(loadavg())
        row["rss_after_load"] = worker_memory(server.process.pid)
        print(f"  pages: {row['pages']}", file=sys.stderr)
    finally:
        server.stop()
    return row


# -- report --------------------------------------------------------------------------------------------
def lat(p: dict, key: str) -> str:
    if p["requests"] and p.get("error_kinds", {}).get("timeout", 0) >= p["requests"]:
        return "> 2 s (all timed out)"
    return f"{p[key]:.1f} ms"


def fmt_ms(value: dict | None) -> str:
    if not value:
        return "–"
    if value.get("capped"):
        return f"> {CAP:.0f} s"
    if "error" in value:
        return "error"
    return f"{value['median_ms']:.2f} / {value['p95_ms']:.2f}"


CAP = 60.0


def markdown(results: dict, info: dict, command: str) -> str:
    scales = sorted(results.values(), key=lambda r: r["triples"])
    lines = [BEGIN, "## Serving at scale", "",
             "Releases of the generated data of section \"Build at scale\" (`bench/generate.py`, seed 6; built into "
             "`<work>/build<N>` if missing), served with the production command, measured by one script, one run "
             "per scale:", "",
             *[f"    {c}" for c in dict.fromkeys(r.get(k) for k in ("command", "pages_command") for r in scales
                                                if r.get(k)) or [command]], "",
             "(`--pages-only` repeats only the load runs of a scale after a fix and keeps the first ones as "
             "\"before the fixes\"; `--report-only` rewrites this section and the plot from `docs/serve-scale.json`.)", "",
             f"The production command is `{documented_command()}` (the README's, read by `bench/production.py`) "
             "with `IKPE_BUILD_DIR` set to the build and the per-client limits off (one client address, as in "
             "`bench/load.sh`).", "",
             f"Machine: {info['nproc']} cores, {info['ram_gib']} GiB RAM, {info['cpu']}; Python {info['python']}; "
             + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + ". "
             "The load average (1/5/15 min) at the start, middle and end of each scale is in the table below "
             "(this benchmark's own servers and clients make most of it), so "
             "compare engines within a row (they ran interleaved), not rows across runs.", "",
             "### Start time and memory", "",
             "| triples | store mode | first 200 from /health | all workers answered | memory copies loaded "
             "(background) | worker RSS (alone) | "
             "worker + its SPARQL processes | after the load runs (alone / with SPARQL processes) | load average |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in scales:
        for key, label in (("on_disk", "on disk (`IKPE_STORE_IN_MEMORY=none`)"),
                           ("in_memory", "query processes in memory (`sparql`, default)")):
            s = r["start"].get(key)
            if not s:
                continue
            warm = s["rss_after_warm_up"]
            after = r.get("rss_after_load") if key == "in_memory" else None
            lines.append(
                f"| {r['triples']:,} | {label} | {s['first_health_s']:.2f} s | "
                + (f"{s['all_workers_s']:.2f} s" if s.get("all_workers_s") else "–")
                + (f" | {s['memory_copies_loaded_s']:.1f} s" if s.get("memory_copies_loaded_s") else " | –")
                + f" | {max(w['rss_mb'] for w in warm):.0f} MB | {max(w['tree_rss_mb'] for w in warm):.0f} MB "
                  f"({max(w['processes'] for w in warm)} processes) | "
                + (f"{max(w['rss_mb'] for w in after):.0f} / {max(w['tree_rss_mb'] for w in after):.0f} MB"
                   if after else "–")
                + " | " + " → ".join("/".join(f"{v:.1f}" for v in la) for la in r["loadavg"]) + " |")
    lines += ["", "RSS is the largest of the 2 workers, measured from `/proc/<pid>/status` after a warm-up (pages in "
              "both formats and a SPARQL query on each worker); the SPARQL processes are the worker's children.", "",
              "### SPARQL latency: median / p95 in ms, same run, interleaved", ""]
    engines = [e for e in ENGINES if any(e in q for r in scales for q in r.get("sparql", {}).values())]
    for r in scales:
        if "sparql" not in r:
            continue
        runs = max(v.get("runs", 0) for q in r["sparql"].values() for v in q.values())
        lines += [f"**{r['triples']:,} triples** (release `{r['release']}`; up to {runs} timed runs per query and "
                  f"engine after one warm-up; rdflib: {r.get('rdflib', {}).get('load_s', 0):.0f} s to load the dump)", "",
                  "| query | " + " | ".join(ENGINE_TITLES[e] for e in engines)
                  + " | ours ÷ pyoxigraph mem | ours − pyoxigraph mem (ms) | ours ÷ Oxigraph server in memory | rdflib ÷ ours |",
                  "|---|" + "---:|" * (len(engines) + 4)]
        for name, q in r["sparql"].items():
            ours, mem, oxs, rdf = (q.get(k, {}).get("median_ms") for k in ("http", "pyoxigraph-mem",
                                                                            "oxigraph-server-mem", "rdflib"))
            rdf_capped = q.get("rdflib", {}).get("capped")
            cells = [fmt_ms(q.get(e)) for e in engines]
            cells.append(f"{ours / mem:.1f}" if ours and mem else "–")
            cells.append(f"{ours - mem:.2f}" if ours and mem else "–")
            cells.append(f"{ours / oxs:.2f}" if ours and oxs else "–")
            cells.append(f"> {CAP * 1000 / ours:.0f}" if rdf_capped and ours else
                         f"{rdf / ours:.1f}" if rdf and ours else "–")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["The query set (prefixes `ikpe:`, `rdfs:`, `xsd:`, `dcterms:` added to each; the resource is "
              f"`<{PROJECT}>`): " + "; ".join(f"*{k}*" for k in QUERIES) + " — see `QUERIES` in "
              "`bench/serve_bench.py`. SELECT results as SPARQL JSON, the CONSTRUCT as Turtle, for every engine "
              "(pyoxigraph serializes in-process, rdflib too). Our endpoint and Oxigraph server are called by POST "
              "over one keep-alive `requests` session each. *our /sparql* sends each query with a new comment "
              "(`# run N`), so every request is evaluated by a query process; *ours, repeated* sends the same text "
              "again and is answered from the per-process answer cache (`IKPE_SPARQL_CACHE_MB`) — what a client "
              "repeating a query sees. The ratios use the evaluated column.", "",
              "### Resource pages under load (`wrk -t2 -c8 -d15s`)", "",
              "| triples | page | requests/s | p50 | p99 | requests | errors (socket + non-2xx) |",
              "|---:|---|---:|---:|---:|---:|---:|"]
    for r in scales:
        runs = [(kind, p, "") for kind, p in r.get("pages", {}).items()]
        runs += [(kind, p, ", before the fixes") for kind, p in r.get("pages_before", {}).items()]
        for kind, p, when in runs:
            lines.append(f"| {r['triples']:,} | project, {kind}{when} | {p['rps']:.0f} | {lat(p, 'p50_ms')} | "
                         f"{lat(p, 'p99_ms')} | {p['requests']:,} | {p['errors']}"
                         + (" (" + ", ".join(f"{k} {v}" for k, v in p.get("error_kinds", {}).items() if v) + ")"
                            if p["errors"] and p.get("error_kinds") else "") + " |")
    lines += targets(scales)
    lines += ["", "wrk's default per-request timeout (2 s) applies: a request slower than that counts as a timeout "
              "error (its latency is not in the percentiles).", "", "Each wrk run cycles through the first (up to) 200 project pages (`/doc/project/bench-NNNNNN`) with "
              "one `Accept` header; a project page holds the project, its roles, participations and funding "
              "with their labels.", "", "![latency vs graph size](serve-scale.svg)", "",
              "Raw numbers: `docs/serve-scale.json`.", END]
    return "\n".join(lines)


def targets(scales: list[dict]) -> list[str]:
    """The targets of issue 6 at the largest scale measured: met, or missed by how much."""
    r = scales[-1]
    out = ["", f"### Targets of issue 6 at {r['triples']:,} triples", "",
           "| target | measured | verdict |", "|---|---|---|"]

    def verdict(value, limit, unit, higher_is_better=False):
        if value is None:
            return "not measured"
        ok = value >= limit if higher_is_better else value <= limit
        if ok:
            return "met"
        return (f"missed: {limit - value:,.0f} {unit} short ({value / limit:.1%} of the target)" if higher_is_better
                else f"missed by {value - limit:,.2f} {unit} ({value / limit:.1f}×)")

    for key, label in (("in_memory", "in memory"), ("on_disk", "on disk")):
        s = r.get("start", {}).get(key)
        if s:
            out.append(f"| server start ≤ 2 s ({label}) | first 200 from /health {s['first_health_s']:.2f} s "
                       f"(all workers {s['all_workers_s'] or float('nan'):.2f} s) | {verdict(s['first_health_s'], 2, 's')} |")
    for key, label in (("in_memory", "in memory"), ("on_disk", "on disk")):
        s = r.get("start", {}).get(key)
        if s:
            mem = (r.get("rss_after_load") if key == "in_memory" else None) or s["rss_after_warm_up"]
            alone, tree = max(w["rss_mb"] for w in mem), max(w["tree_rss_mb"] for w in mem)
            out.append(f"| serving worker ≤ 500 MB RSS ({label}) | {alone:.0f} MB alone, {tree:.0f} MB with its "
                       f"SPARQL processes | {verdict(alone, 500, 'MB')} (with SPARQL processes: "
                       f"{verdict(tree, 500, 'MB')}) |")
    sparql = r.get("sparql", {})
    heavy, light, slower, cached = [], [], [], []
    for name, q in sparql.items():
        ours, mem, oxs = (q.get(k, {}).get("median_ms") for k in ("http", "pyoxigraph-mem", "oxigraph-server-mem"))
        if not (ours and mem):
            continue
        (heavy if mem > 10 else light).append((name, ours, mem))
        if oxs and ours > oxs:
            slower.append(f"{name} {ours / oxs:.2f}×")
        if q.get("http-cached", {}).get("median_ms"):
            cached.append(q["http-cached"]["median_ms"])
    bad_heavy = [f"{n} {o / m:.2f}×" for n, o, m in heavy if o > 1.3 * m]
    bad_light = [f"{n} +{o - m:.1f} ms" for n, o, m in light if o - m > 1.5]
    out.append(f"| SPARQL ≤ 1.3× pyoxigraph in-process on queries > 10 ms ({len(heavy)} queries) | "
               + ", ".join(f"{n} {o / m:.2f}×" for n, o, m in heavy) + " | "
               + ("met" if not bad_heavy else "missed on " + ", ".join(bad_heavy)) + " |")
    out.append(f"| SPARQL ≤ 1.5 ms added on the light ones ({len(light)} queries) | "
               + ", ".join(f"{n} +{o - m:.1f} ms" for n, o, m in light) + " | "
               + ("met" if not bad_light else "missed on " + ", ".join(bad_light)) + " |")
    out.append("| SPARQL no slower than Oxigraph server in memory (our storage mode) on any query | median ratio "
               "ours ÷ Oxigraph server in memory per query in the table above | "
               + ("met" if not slower else "missed on " + ", ".join(slower)) + " |")
    if cached:
        worst = max(cached)
        out.append(f"| a repeated query (answer cache) ≤ 1 ms p50 | {min(cached):.2f}–{worst:.2f} ms | "
                   f"{verdict(worst, 1, 'ms')} |")
    for kind, p in r.get("pages", {}).items():
        out.append(f"| {kind} resource page p50 ≤ 5 ms | {lat(p, 'p50_ms')} | {verdict(p['p50_ms'], 5, 'ms')} |")
        out.append(f"| {kind} resource page p99 ≤ 25 ms | {lat(p, 'p99_ms')} | {verdict(p['p99_ms'], 25, 'ms')} |")
        out.append(f"| {kind} throughput ≥ 1,500 req/s, 0 errors | {p['rps']:.0f} req/s, {p['errors']} errors | "
                   f"{verdict(p['rps'], 1500, 'req/s', True)}{'' if not p['errors'] else '; errors ≠ 0'} |")
    return out


def plot(results: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scales = sorted(results.values(), key=lambda r: r["triples"])
    x = [r["triples"] for r in scales]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in QUERIES:
        ys = [r.get("sparql", {}).get(name, {}).get("http", {}).get("median_ms") for r in scales]
        left.plot(x, ys, marker="o", label=name)
    left.set(xscale="log", yscale="log", xlabel="triples", ylabel="median latency (ms)",
             title="/sparql (HTTP), median per query")
    left.legend(fontsize=7)
    for kind, style in (("HTML", "-"), ("Turtle", "--")):
        for stat in ("p50_ms", "p99_ms"):
            ys = [r.get("pages", {}).get(kind, {}).get(stat) for r in scales]
            right.plot(x, ys, style, marker="o", label=f"{kind} {stat[:3]}")
    right.axhline(5, color="grey", lw=0.8, ls=":")
    right.axhline(25, color="grey", lw=0.8, ls=":")
    right.set(xscale="log", yscale="log", xlabel="triples", ylabel="latency (ms)",
              title="project page under wrk -t2 -c8 (targets 5 / 25 ms)")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(PLOT, format="svg")


def write_doc(section: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


def main(argv=None) -> None:
    global CAP
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ikpe-serve-bench")
    parser.add_argument("--scales", type=int, nargs="+", default=list(SCALES), help="projects per scale")
    parser.add_argument("--repeat", type=int, default=20, help="timed rounds per query (after a warm-up)")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per query before fewer rounds")
    parser.add_argument("--rdflib-repeat", type=int, default=3)
    parser.add_argument("--cap", type=float, default=60.0, help="rdflib: seconds before a query is reported '> cap'")
    parser.add_argument("--no-rdflib", dest="rdflib", action="store_false")
    parser.add_argument("--wrk-seconds", type=int, default=15)
    parser.add_argument("--no-doc", dest="doc", action="store_false", help="only update docs/serve-scale.json")
    parser.add_argument("--pages-only", action="store_true",
                        help="repeat only the wrk runs of the given scales, keeping the rest of their results")
    parser.add_argument("--report-only", action="store_true", help="only rewrite the section and the plot")
    parser.add_argument("--rdflib-helper", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    CAP = args.cap
    if args.rdflib_helper:
        return rdflib_helper(args.rdflib_helper, args.repeat, args.cap)
    if args.doc and importlib.util.find_spec("matplotlib") is None:  # fail now, not after an hour of measuring
        raise SystemExit("matplotlib is missing (it draws docs/serve-scale.svg): `make bench` installs the "
                         "`bench` extra, or pass --no-doc")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results = {k: v for k, v in results.items() if k != "_info"}
    for projects in [] if args.report_only else args.scales:
        print(f"… {projects} projects", file=sys.stderr)
        command = " ".join([".venv/bin/python", "bench/serve_bench.py"] + (argv if argv is not None else sys.argv[1:]))
        if args.pages_only:
            results[str(projects)] = pages_only(projects, args.work, args, results[str(projects)])
            results[str(projects)]["pages_command"] = command
        else:
            results[str(projects)] = bench_scale(projects, args.work, args)
            results[str(projects)]["command"] = command
        info = machine()
        info["versions"] = {name: metadata.version(name) for name in
                            ("pyoxigraph", "oxigraph", "rdflib", "flask", "gunicorn", "requests")}
        info["wrk"] = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        RESULTS.write_text(json.dumps({"_info": info, **results}, indent=2), encoding="utf-8")
    info = json.loads(RESULTS.read_text())["_info"]
    command = (f".venv/bin/python bench/serve_bench.py --work {args.work} --scales "
               + " ".join(map(str, args.scales)) + f" --repeat {args.repeat} --cap {args.cap:.0f}")
    section = markdown(results, info, command)
    print(section)
    if args.doc:
        plot(results)
        write_doc(section)


if __name__ == "__main__":
    main()
