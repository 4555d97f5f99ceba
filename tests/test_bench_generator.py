"""The benchmark's data generator: deterministic, in the project's input format, and it builds."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from server.release_steps import build  # noqa: E402
from server.settings import load_settings  # noqa: E402


def test_same_seed_same_files(tmp_path):
    generate(10, tmp_path / "a", seed=6)
    generate(10, tmp_path / "b", seed=6)
    generate(10, tmp_path / "c", seed=7)
    files = sorted(p.name for p in (tmp_path / "a").glob("*.yaml"))
    assert files == ["concepts.yaml", "funding.yaml", "gebietskoerperschaften.yaml", "organisations.yaml",
                     "people.yaml", "projects.yaml", "sources.yaml"]
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    assert (tmp_path / "a" / "projects.yaml").read_bytes() != (tmp_path / "c" / "projects.yaml").read_bytes()


def test_ten_projects_build_and_conform(tmp_path):
    data = tmp_path / "data"
    counts = generate(10, data)
    assert counts["projects"] == 10 and counts["participations"] >= 30 and counts["roles"] >= 20
    settings = load_settings(data_dir=data, build_dir=tmp_path / "build")
    outcome = build(settings)
    assert outcome.ok, [p.as_dict() for p in outcome.problems]
    assert outcome.stage == "done"
    graph = outcome.graph
    query = """PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#> PREFIX schema: <https://schema.org/>
        SELECT (COUNT(DISTINCT ?p) AS ?projects) (COUNT(DISTINCT ?part) AS ?participations)
        WHERE { ?p a ikpe:Project . ?part a ikpe:Participation ; ikpe:roleIn ?p ;
                   ikpe:roleHolder/a ikpe:Gebietskoerperschaft . }"""
    row = next(iter(graph.query(query)))
    assert int(row.projects) == 10
    assert int(row.participations) == counts["participations"]
    # dated roles keep their precision (gYear / gYearMonth), and the build derived the bounds
    datatypes = {o.datatype for o in graph.objects(None, graph.namespace_manager.expand_curie("schema:startDate"))}
    assert {"http://www.w3.org/2001/XMLSchema#gYear", "http://www.w3.org/2001/XMLSchema#gYearMonth"} \
        <= {str(d) for d in datatypes}


def test_a_planted_error_is_reported_with_its_line(tmp_path):
    data = tmp_path / "data"
    generate(10, data)
    text = (data / "projects.yaml").read_text(encoding="utf-8")
    broken = text.replace('  end: "', '  end: "20X', 1)
    line = broken[:broken.index('end: "20X')].count("\n") + 1
    (data / "projects.yaml").write_text(broken, encoding="utf-8")
    outcome = build(load_settings(data_dir=data, build_dir=tmp_path / "build"))
    assert not outcome.ok
    problem = next(iter(outcome.problems))
    assert problem.location.file.endswith("projects.yaml") and problem.location.line == line
