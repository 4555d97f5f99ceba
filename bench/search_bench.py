"""Search latency on a synthetic index the size of a million-triple graph.

    .venv/bin/python bench/search_bench.py [--resources 100000] [--repeat 30] [--out /tmp/search-bench]
    .venv/bin/python bench/search_bench.py --data /tmp/gen-1m      # index of a real pipeline graph

Default: ``--resources`` synthetic records (seeded, deterministic) written with the same index writer
the build uses (``server.search.index.write_index``). A resource of our graph carries about ten
triples (labels de/en, names, keys, types, description, source, links), so 100 000 records stand for
≈ 1 000 000 triples; the text is German with umlauts and ß, labels of 1–6 words, descriptions of
20–60 words, 8-digit keys. With ``--data`` the records come from a real graph instead: the source
data folder (e.g. written by ``bench/generate.py --projects 2500``) is mapped and derived by the
pipeline (no SHACL, which is not what is measured) and indexed by ``records_from_graph``.

Measured, after one warm-up: the index build (seconds, bytes), then per query the median, p95 and
maximum of ``--repeat`` runs of ``SearchIndex.search`` (ranking and JSON decoding included) and of
``GET /search.json`` through the Flask app (test client: routing, JSON). Prints a Markdown section
for docs/benchmarks.md ("Search").
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.search.index import FILE_NAME, Record, write_index  # noqa: E402
from server.search.query import SearchIndex  # noqa: E402

IKPE = "https://lod.ikpe-erfurt.de/def/ikpe#"
ID = "https://lod.ikpe-erfurt.de/id/"
WORDS = ("Integration Teilhabe Quartier Bildung Vielfalt Armutsprävention Pflege Jugend Familie Sozialplanung "
         "Migration Ehrenamt Mobilität Demografie Gesundheit Wohnen Arbeit Kultur Verwaltung Netzwerk Straße "
         "Brücke Schule Gemeinde Landkreis Stadt Dorf Kirche Förderung Beratung Zukunft Heimat Grün Wasser "
         "Energie Öffnung Übergang Begegnung Nachbarschaft Gemeinwesen Kommune Planung Entwicklung Initiative "
         "Zentrum Verein Stiftung Projekt Programm Thüringen Erfurt Weimar Jena Gera Gotha Sömmerda Eisenach "
         "Nordhausen Kyffhäuser Saale Orla Ilm Unstrut Hainich Rennsteig Wartburg Schmalkalden Meiningen").split()
SYLLABLES = "ab al an bau berg born burg dorf eich feld furt gau hain hau hausen heim kirch lin mar "\
            "nau ö rode sch stadt stein tal thal ü ä ß ing ler ow itz roda leben".split()
TYPES = [("Project", "Projekt", 0.15), ("Person", "Person", 0.15), ("Organisation", "Organisation", 0.08),
         ("Participation", "Teilnahme", 0.35), ("ProjectLead", "Projektleitung", 0.12),
         ("Funding", "Förderung", 0.07), ("Landkreis", "Landkreis", 0.08)]


def place(rng) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    return name[0].upper() + name[1:]


def synthetic_records(count: int, seed: int):
    rng = random.Random(seed)
    weights = [w for _, _, w in TYPES]
    for number in range(count):
        local, label_de, kind = TYPES[rng.choices(range(len(TYPES)), weights)[0]][:2] + (0,)
        words = [rng.choice(WORDS) if rng.random() < 0.6 else place(rng) for _ in range(rng.randint(1, 6))]
        label = " ".join(words)
        key = f"16{number:06d}"
        record = Record(f"{ID}{local.lower()}/{number}", types=[IKPE + local], type=IKPE + local,
                        type_labels=(label_de, local))
        record.labels = {"de": [label]}
        if rng.random() < 0.5:
            record.labels["en"] = [label + " (en)"]
        if rng.random() < 0.3:
            record.names = ["".join(w[0] for w in words).upper() + str(number % 97)]
        record.keys = [key, str(number)]
        record.descriptions = {"de": [" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))]}
        record.props = {"ags": [key]}
        record.kind = 1 if local in ("Participation", "ProjectLead", "Funding") else kind
        yield record


def pipeline_records(data_dir: Path):
    """Records of the real pipeline's graph (mapping and derivation, no SHACL) of a data folder."""
    from server.kg.derive import derive
    from server.kg.mapping import SourceIndex, load_records
    from server.kg.problems import ProblemList
    from server.kg.validate import load_turtle_dir
    from server.search.index import records_from_graph
    from server.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    problems = ProblemList()
    mapping, records = load_records(settings, problems, SourceIndex())
    if problems:
        raise SystemExit(f"the data folder has problems: {problems}")
    graph = mapping.to_graph(records)
    ontology = load_turtle_dir(settings.ontology_dir)
    derive(graph, ontology)
    graph += ontology
    print(f"graph: {len(graph)} triples", file=sys.stderr)
    return records_from_graph(graph, settings.id_base), len(graph)


QUERIES = [  # (what, query, options)
    ("exact label", "Sömmerda", {}),
    ("transliterated", "Soemmerda", {}),
    ("ß folded", "strasse", {}),
    ("common word", "Integration", {}),
    ("two common words", "Integration Teilhabe", {}),
    ("three words", "Förderung Kultur Netzwerk", {}),
    ("prefix 1 letter", "k", {}),
    ("prefix 2 letters", "ky", {}),
    ("prefix 4 letters", "Kyff", {}),
    ("key (8 digits)", "16051000", {}),
    ("no entry has all words (OR)", "Integration qqqq", {}),
    ("nothing", "zzzzzzzz", {}),
    ("odd input", 'NEAR("a" b) AND * OR (', {}),
    ("long input (1500 chars)", "Integration " * 125, {}),
    ("type filter", "Integration", {"types": (IKPE + "Landkreis",)}),
    ("names only (reconcile)", "Gemeinde Planung", {"names_only": True, "kinds": (0, 1)}),
]


class _Release:
    def __init__(self, path: Path):
        self.path, self.id, self.manifest = path, "bench", {}


class _Store:
    def __init__(self, path: Path):
        self._release = _Release(path)

    def release(self):
        return self._release

    def snapshot(self):  # one release only: the store is its own snapshot
        return self


def timed(function, repeat: int) -> tuple[float, float, float]:
    function()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95, samples[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("/tmp/search-bench"))
    parser.add_argument("--reuse", action="store_true", help="query the index already in --out")
    parser.add_argument("--data", type=Path, help="index the pipeline graph of this source data folder instead")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / FILE_NAME

    started = time.perf_counter()
    if args.reuse and path.exists():
        source = f"index reused from `{path}`"
        counts = {"resources": SearchIndex(path).db.execute("SELECT COUNT(*) FROM resources").fetchone()[0],
                  "bytes": path.stat().st_size}
    elif args.data:
        records, triples = pipeline_records(args.data)
        source = f"pipeline graph of `{args.data}` ({triples} triples)"
    else:
        records = synthetic_records(args.resources, args.seed)
        source = f"{args.resources} synthetic resources (≈ {args.resources * 10:,} triples), seed {args.seed}"
    if not (args.reuse and path.exists()):
        counts = write_index(records, path)
    build_seconds = time.perf_counter() - started

    index = SearchIndex(path)
    from server.settings import load_settings
    from server.web.app import create_app

    app = create_app(load_settings(build_dir=args.out / "no-build"))
    app.extensions["ikpe_store"] = _Store(args.out)
    client = app.test_client()

    rows = []
    for what, text, options in QUERIES:
        found = index.search(text, limit=20, **options)
        direct = timed(lambda: index.search(text, limit=20, **options), args.repeat)
        http = timed(lambda: client.get("/search.json", query_string={"q": text[:1500]}).get_data(), args.repeat) \
            if not options else None
        rows.append((what, text if len(text) < 40 else text[:24] + "…", found.total, direct, http))

    print(f"### Search ({time.strftime('%Y-%m-%d')})\n")
    print(f"Command: `.venv/bin/python bench/search_bench.py {' '.join(sys.argv[1:])}`".rstrip() + "  ")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}; load average at the end {os.getloadavg()[0]:.1f} "
          f"(other work on the machine inflates the numbers).  ")
    print(f"Index: {source}; {counts['resources']:,} rows, {counts['bytes'] / 1e6:.1f} MB, "
          f"built in {build_seconds:.1f} s.  ")
    print(f"Latency in ms over {args.repeat} runs after a warm-up (median / p95 / max); 20 results per query.\n")
    print("| query | text | matches | index: median / p95 / max | GET /search.json: median / p95 / max |")
    print("|---|---|---:|---:|---:|")
    for what, text, total, direct, http in rows:
        http_text = " / ".join(f"{v:.1f}" for v in http) if http else "–"
        shown = text.replace("|", "\\|").replace("*", "\\*")
        print(f"| {what} | `{shown}` | {total} | {' / '.join(f'{v:.1f}' for v in direct)} | {http_text} |")


if __name__ == "__main__":
    main()
