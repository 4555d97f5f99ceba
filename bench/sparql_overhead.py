"""What the SPARQL endpoint adds to the engine, and what the engine gains over rdflib.

    .venv/bin/python bench/sparql_overhead.py [--build-dir build] [--repeat 20] [--server gunicorn|werkzeug]
                                              [--json out.json]

In one run, on the current release of ``--build-dir`` and the same query set (``queries/*.rq``, the
competency questions, plus a few scans), each query is answered

* **http** — through ``/sparql`` on a real server on 127.0.0.1 (``--server gunicorn``: one gthread
  worker with 8 threads and keep-alive, as in production; ``werkzeug``: the development server, one
  connection per request), with the endpoint's worker processes, guard and serialization: POST form,
  ``Accept: application/sparql-results+json``, one keep-alive session, body read completely;
* **pyoxigraph** — ``Store.query`` in-process on an in-memory store of the same dump, results
  serialized to SPARQL JSON by pyoxigraph (so both sides produce the same bytes' worth of work);
* **rdflib** — ``Graph.query`` on an in-memory rdflib Graph of the same dump, serialized to JSON.

``--repeat`` rounds after one warm-up round; the median per query. Ratios per query and their geometric
mean: http/pyoxigraph (the endpoint's overhead) and rdflib/http (the speed-up over rdflib's engine).
Prints a Markdown section for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import statistics
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXTRA = {
    "scan-count": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "scan-1000": "SELECT * WHERE { ?s ?p ?o } LIMIT 1000",
    "types": "SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY DESC(?n)",
    "ask": "ASK { ?s a <https://lod.ikpe-erfurt.de/def/ikpe#Project> }",
}


def query_set() -> dict[str, str]:
    queries = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))}
    queries.update(EXTRA)
    return queries


def median_seconds(run, repeat: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn")
    parser.add_argument("--engines", default="http,pyoxigraph,rdflib",
                        help="comma-separated subset (rdflib takes minutes on large builds)")
    args = parser.parse_args(argv)

    import pyoxigraph as ox
    import requests
    from rdflib import Graph
    from werkzeug.serving import make_server

    from server.settings import load_settings
    from server.web.app import create_app

    settings = load_settings(build_dir=args.build_dir.resolve(), sparql_timeout=120, sparql_max_rows=10**7)
    release = settings.current_release.resolve()
    dump = release / "dumps" / "ikpe.nt.gz"
    triples = json.loads((release / "manifest.json").read_text())["triples"]

    oxi = ox.Store()
    with gzip.open(dump, "rb") as handle:
        oxi.bulk_load(handle, ox.RdfFormat.N_TRIPLES)
    engines = args.engines.split(",")
    graph = Graph()
    if "rdflib" in engines:
        with gzip.open(dump, "rb") as handle:
            graph.parse(handle, format="nt")

    app = gunicorn = None
    if args.server == "gunicorn":
        import socket
        import subprocess

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = dict(os.environ, IKPE_BUILD_DIR=str(args.build_dir.resolve()), IKPE_SPARQL_TIMEOUT="120",
                   IKPE_SPARQL_MAX_ROWS=str(10**7), IKPE_SPARQL_CACHE_MB="0")  # every request evaluated
        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--worker-class", "gthread", "--threads", "8",
             "--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             "server.web.app:create_app()"], cwd=ROOT, env=env)
        url = f"http://127.0.0.1:{port}/sparql"
        for _ in range(200):
            try:
                requests.get(url, params={"query": "ASK {}"}, timeout=60)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
    else:
        app = create_app(settings)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}/sparql"
        threading.Thread(target=server.serve_forever, daemon=True).start()
    session = requests.Session()

    def http(query):
        response = session.post(url, data={"query": query},
                                headers={"Accept": "application/sparql-results+json"}, timeout=300)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} {response.text[:200]}")
        return response.content

    def pyoxigraph(query):
        result = oxi.query(query)
        if isinstance(result, ox.QueryBoolean):
            return result.serialize(format=ox.QueryResultsFormat.JSON)
        return result.serialize(format=ox.QueryResultsFormat.JSON)

    def rdflib(query):
        return graph.query(query).serialize(format="json")

    rows = []
    for name, query in query_set().items():
        row = {"query": name}
        for engine, run in (("http", http), ("pyoxigraph", pyoxigraph), ("rdflib", rdflib)):
            if engine not in engines:
                row[engine] = None
                continue
            try:
                row[engine] = median_seconds(lambda: run(query), args.repeat)
            except Exception as error:  # noqa: BLE001 — record which engine cannot answer
                row[engine] = None
                row[f"{engine}_error"] = str(error).splitlines()[0][:120]
        rows.append(row)
    if gunicorn:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    else:
        server.shutdown()
        engine = app.extensions.get("ikpe_sparql_engine")
        if engine:
            engine.close()

    def geomean(values):
        values = [v for v in values if v]
        return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")

    overhead = [r["http"] / r["pyoxigraph"] for r in rows if r.get("http") and r.get("pyoxigraph")]
    speedup = [r["rdflib"] / r["http"] for r in rows if r.get("http") and r.get("rdflib")]
    added = [r["http"] - r["pyoxigraph"] for r in rows if r.get("http") and r.get("pyoxigraph")]

    ms = lambda v: "–" if v is None else f"{v * 1000:.2f}"  # noqa: E731
    lines = [
        f"Release `{release.name}`: {triples} triples; {len(rows)} queries; median of {args.repeat} runs "
        "after one warm-up; milliseconds.",
        "",
        "| query | http /sparql | pyoxigraph in-process | rdflib in-memory | http ÷ pyoxigraph | rdflib ÷ http |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = f"{r['http'] / r['pyoxigraph']:.1f}" if r.get("http") and r.get("pyoxigraph") else "–"
        gain = f"{r['rdflib'] / r['http']:.1f}" if r.get("http") and r.get("rdflib") else "–"
        lines.append(f"| {r['query']} | {ms(r.get('http'))} | {ms(r.get('pyoxigraph'))} | {ms(r.get('rdflib'))} "
                     f"| {ratio} | {gain} |")
    lines += [
        "",
        f"- Endpoint overhead over pyoxigraph in-process: geometric mean **{geomean(overhead):.1f}×**, "
        f"median added time **{statistics.median(added) * 1000:.2f} ms** per query.",
        f"- Endpoint speed-up over rdflib's in-memory SPARQL: geometric mean **{geomean(speedup):.1f}×**."
        if speedup else "- rdflib not run (`--engines`).",
    ]
    failures = [(r["query"], e, r[f"{e}_error"]) for r in rows for e in ("http", "pyoxigraph", "rdflib")
                if f"{e}_error" in r]
    for query, engine_name, error in failures:
        lines.append(f"- `{query}` failed on {engine_name}: {error}")
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    lines += [
        f"- Machine: {cpu}, {os.cpu_count()} CPUs; Python {platform.python_version()}, pyoxigraph "
        f"{version('pyoxigraph')}, rdflib {version('rdflib')}, Flask {version('flask')}, werkzeug "
        f"{version('werkzeug')}, gunicorn {version('gunicorn')}; HTTP server: {args.server}; endpoint with "
        f"{settings.sparql_workers} query worker processes.",
        f"- Command: `.venv/bin/python bench/sparql_overhead.py --build-dir {args.build_dir} --repeat {args.repeat} --server {args.server} --engines {args.engines}`",
    ]
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
