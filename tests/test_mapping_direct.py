"""The direct converter (``Mapping.to_graph``) makes exactly the triples rdflib's JSON-LD parser makes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib.compare import isomorphic, to_isomorphic, graph_diff

from server.kg.mapping import SourceIndex, _DirectConverter, load_records
from server.kg.problems import ProblemList
from server.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def _both(data_dir: Path):
    settings = load_settings(data_dir=data_dir)
    problems, index = ProblemList(), SourceIndex()
    mapping, records = load_records(settings, problems, index)
    assert not problems, [str(p) for p in problems]
    _DirectConverter(mapping.jsonld_context()).graph(records)  # no fallback: the direct path is what is compared
    return mapping.to_graph(records), mapping.to_graph(records, reference=True)


def _assert_same(direct, reference):
    assert len(direct) == len(reference) > 0
    if not isomorphic(direct, reference):
        _, only_direct, only_reference = graph_diff(to_isomorphic(direct), to_isomorphic(reference))
        pytest.fail(f"only direct: {sorted(only_direct)[:5]}\nonly rdflib: {sorted(only_reference)[:5]}")
    assert set(direct.namespaces()) >= {(p, n) for p, n in reference.namespaces() if p in ("ikpe", "schema")}


def test_direct_converter_matches_rdflib_on_the_real_data():
    _assert_same(*_both(ROOT / "data"))


def test_direct_converter_matches_rdflib_on_generated_data(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT))
    from bench.generate import generate

    generate(15, tmp_path / "data", seed=3)
    _assert_same(*_both(tmp_path / "data"))


def test_unusual_values_match_rdflib(tmp_path):
    """A language tag with a region, a full IRI and a compact IRI as ids: still identical."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(ROOT / "data" / "context.jsonld", data / "context.jsonld")
    (data / "things.yaml").write_text(
        "- id: concept/x\n  type: Concept\n  label: {de-AT: Servus, en: Hello}\n"
        "  notation: [a, b]\n  url: https://example.org/a\n  inScheme: scheme/x\n"
        "- id: scheme/x\n  type: [ConceptScheme]\n  label: {de: Schema}\n  date: '2021-02'\n"
        "  validFrom: '2021-02-03'\n",
        encoding="utf-8")
    _assert_same(*_both(data))
