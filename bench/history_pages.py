"""What changed, for people, at scale: the pages /release/<id> and /history/<path> and ``ikpe-lod diff``
on two releases of generated data, the second changing about 1 % of the statements (people renamed).

    .venv/bin/python bench/history_pages.py                        # ~100k triples (625 projects)
    .venv/bin/python bench/history_pages.py --projects 6300 --work /tmp/hp1m   # ~1M triples

Prints, side by side in one run: each page's first answer (computed) and a repeated one (from the
page cache), the current release's resource page with and without the history link, and the preview
(``diff``: validate + compare) against validation alone. The machine may be shared: read the ratios.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.generate import generate  # noqa: E402

RENAMED = " (umbenannt)"
RUN = uuid.uuid4().hex[:8]


def rename_people(data: Path, count: int) -> list[str]:
    """Give ``count`` people (spread over the file) a new label; their ids."""
    people = data / "people.yaml"
    text = people.read_text(encoding="utf-8")
    ids = re.findall(r"^- id: (person/\S+)$", text, flags=re.M)
    chosen = set(ids[:: max(1, len(ids) // count)][:count])
    pattern = re.compile(r'^(- id: (person/\S+)\n  type: Person\n  label:\n    de: "[^"\n]*)"', re.M)
    people.write_text(pattern.sub(lambda m: m[1] + RENAMED + '"' if m[2] in chosen else m[0], text),
                      encoding="utf-8")
    return sorted(chosen)


def build(settings) -> dict:
    from server.release_steps import build as run_build

    started = time.perf_counter()
    outcome = run_build(settings)
    assert outcome.ok and outcome.stage == "done", outcome.stage
    manifest = json.loads((outcome.release / "manifest.json").read_text(encoding="utf-8"))
    print(f"built {manifest['release']}: {manifest['triples']} triples in {time.perf_counter() - started:.1f} s")
    time.sleep(1.1)
    return manifest


def timed(client, path: str, repeat: int = 5) -> tuple[float, float]:
    """(first answer, median of the repeated ones) in ms; a query parameter of this run keeps answers
    of earlier runs (the page cache is shared by the machine's processes) out."""
    path += ("&" if "?" in path else "?") + f"run={RUN}"

    def one() -> float:
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return (time.perf_counter() - started) * 1000

    first = one()
    return first, statistics.median([one() for _ in range(repeat)] or [first])


def pages(settings, release_id: str, person: str) -> None:
    from server.web.app import create_app

    app = create_app(settings)
    client = app.test_client()
    for path in ("/releases", f"/release/{release_id}", f"/release/{release_id}?lang=en", f"/history/doc/{person}",
                 f"/doc/{person}"):
        first, warm = timed(client, path)
        print(f"{path:<60} first {first:8.1f} ms   again {warm:6.2f} ms")
    plain = create_app(settings)  # the same page without the history link: what the link costs
    plain.jinja_env.globals["history_kept"] = lambda: False
    times: dict[str, list[float]] = {"with history link": [], "without": []}
    for n in range(40):  # alternating; a new ?page= each time, so no cache answers
        name, application = ("with history link", app) if n % 2 else ("without", plain)
        times[name].append(timed(application.test_client(), f"/doc/{person}?page={1000 + n}", repeat=0)[0])
    for name, found in times.items():
        print(f"/doc/{person} uncached, {name:<18} median {statistics.median(found):6.1f} ms")


def preview(settings) -> None:
    from server.kg.pipeline import assemble
    from server.versions.preview import preview as run_preview

    started = time.perf_counter()
    outcome = assemble(settings)  # the source data of the release in service: the comparison finds nothing
    validated = time.perf_counter() - started
    found = run_preview(outcome.graph, settings.build_dir)
    total = time.perf_counter() - started
    print(f"diff: validate {validated:.1f} s + compare {total - validated:.1f} s "
          f"({total / validated:.2f}x validate); {len(found.summary.all())} resources changed")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=625)
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    args = parser.parse_args(argv)
    from server.settings import load_settings

    work = args.work or Path(tempfile.mkdtemp(prefix="history-pages-"))
    settings = load_settings(data_dir=work / "data", build_dir=work / "build")
    if (work / "build" / "current" / "manifest.json").exists():  # built by an earlier run: measure again
        second = json.loads((work / "build" / "current" / "manifest.json").read_text(encoding="utf-8"))
        renamed = re.findall(r"^- id: (person/\S+)\n  type: Person\n  label:\n    de: \"[^\"\n]*" + re.escape(RENAMED),
                             (work / "data" / "people.yaml").read_text(encoding="utf-8"), flags=re.M)
    else:
        generate(args.projects, work / "data")
        first = build(settings)
        renamed = rename_people(work / "data", max(1, first["triples"] // 100 // 2))  # 2 statements each
        second = build(settings)
    print(f"release {second['release']} changed {second['changes']['added']} + {second['changes']['removed']} "
          f"statements ({len(renamed)} people renamed)")
    pages(settings, second["release"], renamed[len(renamed) // 2])
    preview(settings)


if __name__ == "__main__":
    main()
