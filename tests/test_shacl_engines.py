"""pyshacl-turbo (the build's default SHACL engine) gives the same reports as pySHACL.

Every shape-test fixture (tests/fixtures/shapes/*.ttl) is validated by both engines, the way
tests/test_shapes.py validates it; the top-level results (focus node, path, severity, source shape,
messages) and the conforms flag must be identical. The fixtures' own expectations are checked with
the turbo engine too.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.plugins.sparql import processor

from server.kg.validate import engine
from tests.test_shapes import FIXTURE_FILES, load_ontology, load_shapes, parse_expectation, results

logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


@pytest.fixture(scope="module", autouse=True)
def prepared_sparql_constraints():
    """pySHACL re-parses each sh:sparql query for every focus node (~95% of its time here).

    Parse each query text once and reuse the prepared query, as rdflib does for a query passed
    in prepared: the evaluation, and so the reference report, is unchanged.
    """
    original = processor.SPARQLProcessor.query
    prepare = functools.lru_cache(maxsize=None)(
        lambda text, base, namespaces: processor.translateQuery(
            processor.parseQuery(text), base, dict(namespaces)))

    def query(self, query_or_text, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(query_or_text, str):
            query_or_text = prepare(query_or_text, base, tuple(sorted((initNs or {}).items())))
        return original(self, query_or_text, initBindings, None, base, DEBUG)

    processor.SPARQLProcessor.query = query
    yield
    processor.SPARQLProcessor.query = original


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
