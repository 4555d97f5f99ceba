"""The change feed (LDES) at scale: time of one page, side by side with a resource document.

Builds ``--releases`` releases of the synthetic data (``bench/generate.py --projects N``), each after
editing ``--change`` of the project descriptions (1 % by default), into ``--work``; then serves the
last release in process (Flask test client: the view and serialisation, no socket) and times

- ``/ldes`` (the stream),
- the first page of the base of the first release on its first request (the member index of the
  release is computed then: every resource of the release; then kept in memory and on disk),
- base pages on their first request once the index is known (immutable pages, written once),
- the same pages again (kept bytes),
- the newest page (changes of the last release; short-lived, from the response cache when warm),
- ``/doc/project/bench-000001.ttl`` warm (the reference: a resource document),

as p50 / p90 in ms and the ratio of p50 to the reference. Example (100k triples, 3 releases):

    .venv/bin/python bench/ldes_bench.py --projects 625 --work /tmp/ldes/bench
"""
from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.release_steps import build  # noqa: E402
from server.settings import load_settings  # noqa: E402
from server.web.app import create_app  # noqa: E402

DESCRIPTION = re.compile(rb'(  description:\n    de: ")([^"\n]*)(")')


def edit_descriptions(data: Path, fraction: float, number: int) -> int:
    """Give ``fraction`` of the projects a new German description; the count edited."""
    path = data / "projects.yaml"
    text = path.read_bytes()
    matches = list(DESCRIPTION.finditer(text))
    step = max(1, round(1 / fraction))
    chosen = {m.start() for i, m in enumerate(matches) if (i + number) % step == 0}
    out = DESCRIPTION.sub(lambda m: m.group(1) + m.group(2) + f" (Fassung {number})".encode() + m.group(3)
                          if m.start() in chosen else m.group(0), text)
    path.write_bytes(out)
    return len(chosen)


def build_releases(args) -> object:
    data, build_dir = args.work / "data", args.work / "build"
    shutil.rmtree(args.work, ignore_errors=True)
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--projects", str(args.projects),
                    "--out", str(data)], check=True)
    settings = load_settings(data_dir=data, build_dir=build_dir, keep_releases=0)
    for number in range(1, args.releases + 1):
        edited = edit_descriptions(data, args.change, number) if number > 1 else 0
        started = time.perf_counter()
        outcome = build(settings)
        assert outcome.ok, outcome.stage
        print(f"release {number}: {outcome.release.name}, {edited} projects edited, "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        time.sleep(1.1)  # release ids have a resolution of one second
    return settings


def timed(client, path: str, accept: str = "text/turtle") -> float:
    started = time.perf_counter()
    response = client.get(path, headers={"Accept": accept})
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def row(name: str, samples: list[float], reference: float | None) -> str:
    p50 = statistics.median(samples)
    p90 = sorted(samples)[int(len(samples) * 0.9) - 1] if len(samples) > 1 else samples[0]
    ratio = f"{p50 / reference:.2f}" if reference else "1.00"
    return f"| {name} | {len(samples)} | {p50:.2f} | {p90:.2f} | {ratio} |"


def measure(settings, repeat: int, work: Path) -> list[str]:
    for cached in Path(settings.build_dir).glob("reconstructed/*/ldes-*.txt"):
        cached.unlink()  # the member index is computed again (the cold first page)
    shutil.rmtree(work / "responses", ignore_errors=True)
    client = create_app(dataclasses.replace(settings, response_cache_dir=str(work / "responses"))).test_client()
    reference_path = "/doc/project/bench-000001.ttl"
    timed(client, reference_path)
    reference = [timed(client, reference_path) for _ in range(repeat)]
    stream = [timed(client, "/ldes") for _ in range(repeat)]
    first_id = re.search(r"/ldes/base/([^/>]+)/1>", client.get("/ldes", headers={"Accept": "application/n-triples"})
                         .get_data(as_text=True)).group(1)
    first = [timed(client, f"/ldes/base/{first_id}/1")]
    # the pages are counted by a second app without a response cache: the measured app has not seen them
    history = ReleaseIds(create_app(dataclasses.replace(settings, response_cache_dir="off", page_cache_mb=0))
                         .test_client())
    pages = history.base_pages
    fresh = [timed(client, f"/ldes/base/{history.first}/{n}") for n in range(2, min(pages, repeat) + 1)]
    kept = [timed(client, f"/ldes/base/{history.first}/{n % (pages - 1) + 2}") for n in range(repeat)]
    newest = [timed(client, f"/ldes/{history.last}/1") for _ in range(repeat)]
    ref = statistics.median(reference)
    return ["| request | n | p50 ms | p90 ms | p50 / reference |", "|---|---|---|---|---|",
            row("reference: /doc/project/….ttl (warm)", reference, None),
            row("/ldes (stream)", stream, ref),
            row("base page 1, first request (member index computed)", first, ref),
            row(f"base page ({settings.ldes_page_size} members), first request (index known)", fresh, ref),
            row("base page again (kept bytes)", kept, ref),
            row("newest page (changes of the last release)", newest, ref)]


class ReleaseIds:
    """The first and last release ids and the number of base pages, read from the stream."""

    def __init__(self, client):
        text = client.get("/ldes", headers={"Accept": "application/n-triples"}).get_data(as_text=True)
        self.first = re.search(r"/ldes/base/([^/>]+)/1>", text).group(1)
        self.base_pages = 1
        while client.get(f"/ldes/base/{self.first}/{self.base_pages + 1}").status_code == 200:
            self.base_pages += 1
        page = client.get(f"/ldes/base/{self.first}/{self.base_pages}", headers={"Accept": "application/n-triples"})
        self.last = self.first
        following = re.search(r"<https://w3id.org/tree#node> <[^>]*/ldes/([^/>]+)/1>", page.get_data(as_text=True))
        while following:
            self.last = following.group(1)
            page = client.get(f"/ldes/{self.last}/1", headers={"Accept": "application/n-triples"})
            following = re.search(r"<https://w3id.org/tree#node> <[^>]*/ldes/([^/>]+)/1>", page.get_data(as_text=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=625)
    parser.add_argument("--releases", type=int, default=3)
    parser.add_argument("--change", type=float, default=0.01)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ldes/bench"))
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="serve the releases already in --work")
    args = parser.parse_args()
    settings = (load_settings(data_dir=args.work / "data", build_dir=args.work / "build") if args.reuse
                else build_releases(args))
    print("\n".join(measure(settings, args.repeat, args.work)))


if __name__ == "__main__":
    main()
