"""pyshacl-turbo (the build's default SHACL engine) gives the same reports as pySHACL.

Every shape-test fixture (tests/fixtures/shapes/*.ttl) is validated by both engines, the way
tests/test_shapes.py validates it; the top-level results (focus node, path, severity, source shape,
messages) and the conforms flag must be identical. The fixtures' own expectations are checked with
the turbo engine too.
"""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from rdflib import Graph

from server.kg.validate import engine
from tests.test_shapes import FIXTURE_FILES, load_ontology, load_shapes, parse_expectation, results

logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


@pytest.fixture(scope="module")
def shapes():
    return load_shapes()


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


def _run(name, data, shapes, ontology):
    conforms, report, _ = engine(name)(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                                       allow_warnings=False, abort_on_first=False)
    found = sorted((str(r["focus"]), str(r["path"]), str(r["severity"]), str(r["shape"]),
                    tuple(sorted(r["messages"]))) for r in results(report))
    return conforms, found


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[f.stem for f in FIXTURE_FILES])
def test_turbo_equals_pyshacl(fixture: Path, shapes, ontology):
    data = Graph().parse(fixture, format="turtle")
    reference = _run("pyshacl", data, shapes, ontology)
    turbo = _run("turbo", data, shapes, ontology)
    assert turbo == reference
    expected = parse_expectation(fixture.read_text("utf-8"))
    assert turbo[0] == expected.conforms
    if not expected.conforms:
        assert any(focus == str(expected.focus) for focus, *_ in turbo[1])


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError):
        engine("nope")
