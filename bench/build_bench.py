"""Build at scale: generate source data at three sizes, build each, record time and peak RSS.

    .venv/bin/python bench/build_bench.py                  # 10k, 100k, 1M triples, the full build (about 5 minutes)
    .venv/bin/python bench/build_bench.py --scales 60 625  # only some sizes (projects per scale)

Each build is the real command, ``/usr/bin/time -v .venv/bin/ikpe-lod --data <gen> --build-dir <tmp>
build``; its printed timings give the split (mapping = reading + checking + converting + derivation;
validation = SHACL; store = N-Triples + bulk load; dumps; release steps = catalog, search index …).
Writes the table into the section "Build at scale" of docs/build-scale.md (replacing that section
only) and a plot docs/build-scale.svg.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.generate import generate  # noqa: E402

SCALES = (60, 625, 6300)  # projects: ~10k, ~100k, ~1M published triples
TARGET_SECONDS, TARGET_RSS_GB = 60, 2.0  # issue 17: the full build, everything included, at 1M
# one after the other in the build process ...
PARTS = ("mapping", "serialise", "waited for store and dumps", "release steps", "waited for validation")
# ... and what runs meanwhile: SHACL in a thread of the build (from the end of "serialise" on),
# store and dumps in another process (server/kg/dumps.py)
PARALLEL = ("validation", "store", "dumps")
BEGIN, END = "<!-- build-at-scale:begin -->", "<!-- build-at-scale:end -->"


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    versions = {name: metadata.version(name) for name in
                ("rdflib", "pyshacl", "pyshacl-turbo", "pyoxigraph", "PyYAML", "ruamel.yaml")}
    return {"nproc": os.cpu_count(), "ram_gib": round(mem / 2**20, 1), "cpu": cpu,
            "python": platform.python_version(), "versions": versions}


def core_build(data: str, build_dir: str) -> None:
    """The build without the release steps of other areas (catalog, search): what the target covers."""
    from server.kg.pipeline import build as run_build
    from server.settings import load_settings

    settings = load_settings(data_dir=data, build_dir=build_dir)
    outcome = run_build(settings, steps=())
    if not outcome.ok:
        raise SystemExit(f"{len(outcome.problems)} problems: {[p.as_dict() for p in outcome.problems][:3]}")
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in outcome.timings.items())
    print(f"Built release {outcome.release.name}: {outcome.counts['published triples']} published triples. ({timings})")


def build(projects: int, work: Path, core: bool = False) -> dict:
    data, build_dir = work / f"gen-{projects}", work / f"build-{projects}"
    generate(projects, data)
    if core:
        command = ["/usr/bin/time", "-v", sys.executable, str(Path(__file__).resolve()), "--core-build",
                   str(data), str(build_dir)]
    else:
        command = ["/usr/bin/time", "-v", str(ROOT / ".venv/bin/ikpe-lod"), "--data", str(data),
                   "--build-dir", str(build_dir), "build"]
    started = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, COLUMNS="400"))
    wall = time.perf_counter() - started
    out = run.stdout + run.stderr
    if run.returncode != 0:
        raise SystemExit(f"build of {projects} projects failed:\n{out[-3000:]}")
    built = next(line for line in out.splitlines() if line.startswith("Built release"))
    timings = {k.strip(): float(v) for k, v in re.findall(r"([a-z][a-z ]*?) ([0-9.]+)s", built.rsplit("(", 1)[-1])}
    triples = int(re.search(r"(\d+) published triples", out).group(1))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out).group(1))
    return {"projects": projects, "triples": triples, "wall": wall, "rss_gb": rss_kb / 2**20,
            "timings": timings, "core": core,
            "command": " ".join(command[:2] + ([".venv/bin/python", "bench/build_bench.py", "--core-build",
                                                  f"<gen-{projects}>", "<tmp>"] if core else
                                                 [".venv/bin/ikpe-lod", "--data", f"<gen-{projects}>",
                                                  "--build-dir", "<tmp>", "build"]))}


def table(rows: list[dict]) -> str:
    head = ("| projects | published triples | " + " | ".join(PARTS) + " | in parallel: " + " + ".join(PARALLEL) +
            " | total (wall) | peak RSS | target (≤ 60 s, ≤ 2 GB at 1M) |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        t = r["timings"]
        verdict = ""
        if r["triples"] >= 500_000:
            ok_t, ok_m = r["wall"] <= TARGET_SECONDS, r["rss_gb"] <= TARGET_RSS_GB
            verdict = ("met" if ok_t and ok_m else
                       "missed: " + ", ".join(x for x in (
                           None if ok_t else f"time +{r['wall'] - TARGET_SECONDS:.0f} s "
                                             f"({r['wall'] / TARGET_SECONDS - 1:.0%} over)",
                           None if ok_m else f"memory +{r['rss_gb'] - TARGET_RSS_GB:.1f} GB") if x))
        lines.append(f"| {r['projects']} | {r['triples']:,} | " +
                     " | ".join(f"{t.get(p, 0):.1f} s" for p in PARTS) +
                     " | " + " + ".join(f"{t.get(p, 0):.1f} s" for p in PARALLEL) +
                     f" | {r['wall']:.1f} s | {r['rss_gb']:.2f} GB | {verdict} |")
    return "\n".join(lines)


def plot(rows: list[dict], target: Path) -> None:
    try:
        import matplotlib
    except ModuleNotFoundError:  # the table is the result; the plot is a picture of it
        print("matplotlib is not installed: no plot written (pip install matplotlib)")
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [r["triples"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    bottom = [0.0] * len(rows)
    for part in PARTS:
        ys = [r["timings"].get(part, 0.0) for r in rows]
        ax.plot(xs, [b + y for b, y in zip(bottom, ys)], marker="o", label=f"+ {part}")
        bottom = [b + y for b, y in zip(bottom, ys)]
    ax.plot(xs, [r["wall"] for r in rows], "k--", marker="s", label="total (wall, incl. start-up)")
    ax.axhline(TARGET_SECONDS, color="red", linestyle=":", label=f"target at 1M: {TARGET_SECONDS} s")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("published triples")
    ax.set_ylabel("seconds (cumulative)")
    ax.set_title("ikpe-lod build time vs graph size")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(target, format="svg")


def write_section(rows: list[dict], info: dict, doc: Path) -> None:
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    scope = ("Scope (`--core`): reading, mapping, SHACL, store and dumps; the release steps of other "
             "areas (catalog subsets, search index) are left out." if rows[0].get("core") else
             "Scope: the full build, everything included (the target's scope).")
    section = f"""{BEGIN}
## Build at scale

Synthetic source data in the project's own YAML format (`bench/generate.py`, seed 6: projects with
roles, dated hand-overs, partners and participations of the real Thuringian Gebietskörperschaften),
built with the real command; the whole pipeline runs (reading, mapping, SHACL, store, dumps, release
steps). Regenerate this section and the plot with

    .venv/bin/python bench/build_bench.py   # the full build, the target's scope (--core: no catalog, search)

Machine: {info['nproc']} cores, {info['ram_gib']} GiB RAM, {info['cpu']}; Python {info['python']};
{versions}. Each build: `{rows[0]['command']}`.
{scope}

{table(rows)}

Parts (seconds, from the build's own timings), in the order the build process runs them: *mapping* =
reading the YAML files, checking every record, converting to RDF, reference checks and derivation;
*serialise* = the mapped graph written as N-Triples for the store writer; *waited for store and dumps*
= how long the build waited for the writer process; *release steps* = `/def/` documents, catalog/VoID
and search index; *waited for validation* = how long SHACL still ran after the release steps. *In
parallel*, from the end of *serialise* on: *validation* = SHACL (pyshacl-turbo, the default
`IKPE_SHACL_ENGINE=turbo`) in a thread of the build (it runs in Rust without the GIL), and a second
process (`server/kg/dumps.py`) that loads the store (the default graph and the SPARQL dataset's named
graph in one pyoxigraph bulk load) and writes the dumps (Turtle, N-Triples.gz, JSON-LD, RDF/XML +
checksums). The release is switched to only if the graph conforms. *Total (wall)* also includes
interpreter start-up and imports.

![build time vs graph size](build-scale.svg)

Raw numbers: `docs/build-scale.json`.
{END}"""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=list(SCALES), help="projects per scale")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "build-scale.md")
    parser.add_argument("--core", action="store_true",
                        help="build without the catalog/search release steps (the target's scope)")
    parser.add_argument("--core-build", nargs=2, metavar=("DATA", "BUILD_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.core_build:
        return core_build(*args.core_build)
    info = machine()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ikpe-build-bench-") as work:
        for projects in args.scales:
            row = build(projects, Path(work), args.core)
            print(json.dumps(row), flush=True)
            rows.append(row)
    (args.doc.parent / "build-scale.json").write_text(json.dumps({"machine": info, "builds": rows}, indent=2),
                                                       encoding="utf-8")
    plot(rows, args.doc.parent / "build-scale.svg")
    write_section(rows, info, args.doc)


if __name__ == "__main__":
    main()
