"""Memento (RFC 7089) against the current release, side by side, in one process (issue 15 targets:
a memento of an old release p50 ≤ 10 ms cold and ≤ the current page warm; a TimeMap ≤ 10 ms).

``--prepare`` makes the release history first: ``bench/generate.py --projects N`` into ``<work>/data``,
a build, then two more builds each after an edit of about 1 % of the people (their German label), so
release 1 is two releases old. Then, in one app (``create_app``, the Flask test client: the server's
own time per request, without HTTP), for ``--samples`` project and people documents, alternating:

* cold: the first request of each URL (nothing kept in the response cache for it), current page
  (``/doc/…``) and the memento of release 1 (``/release/<first>/doc/…``);
* warm: the same URLs again (answered from the response cache);
* the TimeMap (``/timemap/link/doc/…``) cold and warm, and the TimeGate (``Accept-Datetime`` → 302).

    .venv/bin/python bench/memento_bench.py --work /tmp/memento/b100k --projects 625 --prepare
    .venv/bin/python bench/memento_bench.py --work /tmp/memento/b100k --samples 300 --format ttl
    .venv/bin/python bench/history_bench.py --build-dir /tmp/memento/b100k/build --releases 20 --work /tmp/hist20
    .venv/bin/python bench/memento_bench.py --work /tmp/memento/b100k --spans /tmp/hist20/r020 --samples 200

Prints one JSON object (milliseconds; ``ratio`` = memento / current).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(work: Path) -> None:
    subprocess.run([sys.executable, "-m", "server.cli", "--data", str(work / "data"), "--build-dir",
                    str(work / "build"), "build"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    time.sleep(1.1)  # release ids have a resolution of one second


def edit_people(data: Path, tag: str, every: int = 100) -> int:
    """Append ``tag`` to the German label of every ``every``-th person; the number changed."""
    people = data / "people.yaml"
    text, count = people.read_text(encoding="utf-8"), 0

    def change(match):
        nonlocal count
        count += 1
        if count % every:
            return match[0]
        return match[0][:-1] + f' {tag}"' if match[0].endswith('"') else match[0] + f" {tag}"

    people.write_text(re.sub(r"(?m)^(- id: person/[^\n]+\n(?:  [^\n]*\n)*?  label:\n    de: [^\n]+)",
                             change, text), encoding="utf-8")
    return count // every


def prepare(work: Path, projects: int) -> dict:
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--projects", str(projects), "--out",
                    str(work / "data")], check=True)
    started, edits = time.monotonic(), []
    build(work)
    for tag in ("Fassung2", "Fassung3"):
        edits.append(edit_people(work / "data", tag))
        build(work)
    return {"prepared_in_s": round(time.monotonic() - started, 1), "people_edited": edits}


def timed(client, path: str, headers: dict) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(path, headers=headers)
    response.get_data()
    return (time.perf_counter() - start) * 1000, response.status_code


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 2), "p90": round(ordered[int(len(ordered) * 0.9)], 2),
            "n": len(ordered)}


def measure(work: Path, samples: int, fmt: str) -> dict:
    from server.settings import load_settings
    from server.web.app import create_app

    cache = tempfile.mkdtemp(prefix="memento-bench-")
    settings = load_settings(build_dir=work / "build", response_cache_dir=cache, limit_client_requests=0,
                             limit_client_queries=0)
    app = create_app(settings)
    client = app.test_client()
    with app.test_request_context():
        from server.web.store_access import request_snapshot

        history = request_snapshot().history()
        rows = request_snapshot().select(
            "SELECT ?s WHERE { { ?s a <https://lod.ikpe-erfurt.de/def/ikpe#Project> } UNION "
            "{ ?s a <https://lod.ikpe-erfurt.de/def/ikpe#Person> } }")
    first = history.retained[0]
    locals_ = sorted(str(r["s"]).split("/id/", 1)[1] for r in rows)
    step = max(1, len(locals_) // samples)
    chosen = locals_[::step][:samples]
    suffix = "" if fmt == "html" else f".{fmt}"
    headers = {"Accept": "text/html"} if fmt == "html" else {}
    runs: dict[str, list[float]] = {}
    statuses: dict[str, set] = {}

    def run(name: str, path: str, extra: dict | None = None) -> None:
        took, status = timed(client, path, {**headers, **(extra or {})})
        runs.setdefault(name, []).append(took)
        statuses.setdefault(name, set()).add(status)

    client.get(f"/doc/{chosen[0]}{suffix}", headers=headers)  # the app's first request (opening stores)
    for phase in ("cold", "warm"):
        for local in chosen:
            run(f"current {phase}", f"/doc/{local}{suffix}")
            run(f"memento {phase}", f"/release/{first.id}/doc/{local}{suffix}")
            run(f"timemap {phase}", f"/timemap/link/doc/{local}")
    for local in chosen:
        run("timegate", f"/doc/{local}{suffix}", {"Accept-Datetime": "Thu, 01 Jan 2015 00:00:00 GMT"})
    out = {name: summary(values) for name, values in runs.items()}
    for phase in ("cold", "warm"):
        out[f"ratio {phase}"] = round(out[f"memento {phase}"]["p50"] / out[f"current {phase}"]["p50"], 2)
    out["statuses"] = {name: sorted(s) for name, s in statuses.items()}
    out.update({"format": fmt, "releases": len(history.releases), "memento_release": first.id,
                "triples": history.current.triples, "loadavg": os.getloadavg()})
    return out


def spans_cost(history_folder: Path, current_build: Path, samples: int) -> dict:
    """The document queries (``describe``) of a past release, read from the union of its spans in a long
    history (``bench/history_bench.py`` writes one: N releases of the build's graph, a fraction changed
    each), beside the same queries on the current release's own store. ms per document, p50."""
    from server.store import open_store
    from server.settings import load_settings
    from server.store.base import ReleaseInfo
    from server.store.history import ReleaseHistory
    from server.web.describe import describe

    current = open_store(load_settings(build_dir=current_build)).snapshot()
    history = ReleaseHistory.of(history_folder)
    rows = current.select("SELECT ?s WHERE { ?s a <https://lod.ikpe-erfurt.de/def/ikpe#Person> }")
    iris = sorted(str(r["s"]) for r in rows)[:samples]
    carrier = ReleaseInfo.from_folder((current_build / "current").resolve())
    out = {"releases": len(history.releases)}
    snapshots = {"current store": current}
    for release in (history.releases[0], history.releases[len(history.releases) // 2], history.releases[-1]):
        past = history.snapshot(release, carrier)
        snapshots[f"history {release.id} ({len(past.spans)} spans)"] = past
    for name, snapshot in snapshots.items():
        describe(snapshot, iris[0])
        took = []
        for iri in iris:
            start = time.perf_counter()
            describe(snapshot, iri)
            took.append((time.perf_counter() - start) * 1000)
        out[name] = summary(took)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="folder with data/ and build/")
    parser.add_argument("--projects", type=int, default=625, help="with --prepare: generated projects")
    parser.add_argument("--prepare", action="store_true", help="generate the data and build three releases")
    parser.add_argument("--samples", type=int, default=300, help="documents measured")
    parser.add_argument("--format", default="ttl", help="ttl, html, nt, jsonld …")
    parser.add_argument("--spans", type=Path, help="instead: the cost of the spans, on this release folder "
                                                   "of bench/history_bench.py (e.g. /tmp/hist20/r020)")
    args = parser.parse_args()
    if args.spans:
        print(json.dumps(spans_cost(args.spans, args.work / "build", args.samples), indent=1))
        return
    out = prepare(args.work, args.projects) if args.prepare else {}
    out.update(measure(args.work, args.samples, args.format))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
