"""SHACL shapes (shapes/*.ttl) against deliberately broken data graphs.

Every file in tests/fixtures/shapes/ is a small Turtle graph. Its header comments say what to expect:

    # expect-conforms: true                        (the graph is valid and must conform)

or, for a graph that breaks exactly one rule,

    # expect-focus: <IRI>                          focus node of the violation
    # expect-path: <IRI>                           result path (``-`` for a complex path)
    # expect-message-contains: text                part of the German or English sh:message

The validation runs the way the build runs it: the build's default engine (pyshacl-turbo; that it
reports exactly what the reference pySHACL reports, fixture by fixture, is tests/test_shacl_engines.py),
inference "none", warnings not allowed, ontology/ikpe.ttl as the ontology graph when it exists.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from server.kg.validate import engine
from server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
ONTOLOGY_FILE = ROOT / "ontology" / "ikpe.ttl"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"

SH = Namespace("http://www.w3.org/ns/shacl#")
IKPE = Namespace("https://lod.ikpe-erfurt.de/def/ikpe#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
ORG = Namespace("http://www.w3.org/ns/org#")
SHAPES_NS = "https://lod.ikpe-erfurt.de/def/shapes#"

# rdflib logs a traceback for every ill-formed typed literal (e.g. "2022-02-30"^^xsd:date);
# those literals are planted on purpose.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class Expectation:
    conforms: bool
    focus: URIRef | None = None
    path: URIRef | None = None  # None: do not check (complex path)
    message: str | None = None


def parse_expectation(text: str) -> Expectation:
    header = {}
    for line in text.splitlines():
        m = re.match(r"#\s*expect-([a-z-]+):\s*(.*?)\s*$", line)
        if m:
            header[m.group(1)] = m.group(2)
    if header.get("conforms") == "true":
        return Expectation(conforms=True)

    def iri(value: str) -> URIRef | None:
        if value == "-":
            return None
        assert value.startswith("<") and value.endswith(">"), value
        return URIRef(value[1:-1])

    return Expectation(
        conforms=False,
        focus=iri(header["focus"]),
        path=iri(header["path"]),
        message=header["message-contains"],
    )


def load_shapes() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def load_ontology() -> Graph | None:
    files = [ONTOLOGY_FILE] if ONTOLOGY_FILE.is_file() else []
    if not files:
        return None
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def ontology() -> Graph | None:
    return load_ontology()


def run(data: Graph, shapes: Graph, ontology: Graph | None) -> tuple[bool, Graph]:
    conforms, report, _text = engine(Settings().shacl_engine)(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        allow_warnings=False,
        abort_on_first=False,
    )
    return conforms, report


def results(report: Graph) -> list[dict]:
    """Top-level results only (nested sh:detail results explain a parent result)."""
    out = []
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        out.extend(_result(report, result) for result in report.objects(report_node, SH.result))
    return out


def _result(report: Graph, result) -> dict:
    return {
        "focus": report.value(result, SH.focusNode),
        "path": report.value(result, SH.resultPath),
        "severity": report.value(result, SH.resultSeverity),
        "messages": [str(m) for m in report.objects(result, SH.resultMessage)],
        "shape": report.value(result, SH.sourceShape),
    }


def describe(found: list[dict]) -> str:
    return "\n".join(
        f"  focus={r['focus']} path={r['path']} messages={r['messages']}" for r in found
    )


FIXTURE_FILES = sorted(FIXTURES.glob("*.ttl"))


def test_enough_broken_fixtures():
    broken = [f for f in FIXTURE_FILES if not parse_expectation(f.read_text("utf-8")).conforms]
    valid = [f for f in FIXTURE_FILES if parse_expectation(f.read_text("utf-8")).conforms]
    assert len(broken) >= 22
    assert valid, "at least one valid fixture must prove the shapes accept good data"


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[f.stem for f in FIXTURE_FILES])
def test_fixture(fixture: Path, shapes: Graph, ontology: Graph | None):
    text = fixture.read_text("utf-8")
    expected = parse_expectation(text)
    data = Graph().parse(data=text, format="turtle")
    conforms, report = run(data, shapes, ontology)
    found = results(report)

    if expected.conforms:
        assert conforms, f"{fixture.name} must conform, got:\n{describe(found)}"
        return

    assert not conforms, f"{fixture.name} must not conform"
    assert all(r["severity"] == SH.Violation for r in found), describe(found)
    needle = expected.message.lower()
    matching = [
        r
        for r in found
        if r["focus"] == expected.focus
        and (expected.path is None or r["path"] == expected.path)
        and any(needle in m.lower() for m in r["messages"])
    ]
    assert matching, (
        f"{fixture.name}: no result with focus {expected.focus}, path {expected.path} "
        f"and a message containing {expected.message!r}; results:\n{describe(found)}"
    )


def test_valid_fixture_without_ontology(shapes: Graph):
    """The shapes list subclasses explicitly, so they work without the ontology graph."""
    data = Graph().parse(FIXTURES / "valid-minimal.ttl", format="turtle")
    conforms, report = run(data, shapes, None)
    assert conforms, describe(results(report))


def test_every_constraint_has_german_and_english_message(shapes: Graph):
    """Every property shape and SPARQL constraint carries sh:message @de and @en."""
    constrained = set(shapes.subjects(SH.path, None)) | set(shapes.objects(None, SH.sparql))
    # helper node shapes used through sh:node report their own message in sh:detail
    constrained |= set(shapes.objects(None, SH.node))
    # members of sh:or lists and qualified value shapes report through their parent shape
    nested = set(shapes.objects(None, SH.qualifiedValueShape))
    for lst in shapes.objects(None, SH["or"]):
        nested |= set(shapes.items(lst))
    missing = []
    for shape in constrained - nested:
        langs = {m.language for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)}
        if not {"de", "en"} <= langs:
            missing.append(shape)
    assert not missing, f"shapes without sh:message @de and @en: {missing}"


def test_every_model_class_has_a_node_shape(shapes: Graph):
    targeted = set(shapes.objects(None, SH.targetClass))
    model_classes = {
        IKPE.Project, IKPE.FundingProgramme, IKPE.Organisation, IKPE.OrganisationalUnit,
        IKPE.Person, IKPE.Gebietskoerperschaft, IKPE.Land, IKPE.Landkreis, IKPE.KreisfreieStadt,
        IKPE.GrosseKreisstadt, IKPE.Role, IKPE.ProjectLead, IKPE.ContactPerson,
        IKPE.ProjectPartner, IKPE.Participation, IKPE.Funding, IKPE.SourceDocument,
        IKPE.ReferenceDataset, SKOS.Concept, SKOS.ConceptScheme, ORG.ChangeEvent,
    }
    assert model_classes <= targeted, model_classes - targeted


def test_shape_iris_in_shapes_namespace(shapes: Graph):
    named = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    named |= {s for s in shapes.subjects(RDF.type, SH.PropertyShape) if isinstance(s, URIRef)}
    assert named
    assert all(str(s).startswith(SHAPES_NS) for s in named)
