"""SHACL validation with results traced back to the source file and line.

Two engines with the same API and, on the shape tests, the same results (``tests/test_shacl_engines.py``
runs every fixture through both and compares the reports): ``turbo`` (pyshacl-turbo, a Rust engine;
the default, seconds on a million triples) and ``pyshacl`` (the reference engine; its SPARQL-based
constraints are re-parsed per focus node, so it takes minutes already at 20k triples).
"""
from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal

from .mapping import SourceIndex
from .namespaces import SH
from .problems import ProblemList


def load_turtle_dir(folder: Path) -> Graph:
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _message(report: Graph, result, language: str, shapes: Graph | None = None) -> str:
    messages = [m for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)]
    if shapes is not None and not any(m.language == language for m in messages):
        # Engines drop the language tags of sh:sparql messages: take them from the shapes graph.
        for source in (report.value(result, SH.sourceConstraint), report.value(result, SH.sourceShape)):
            tagged = [m for m in shapes.objects(source, SH.message) if isinstance(m, Literal) and m.language]
            if source is not None and tagged and len(tagged) >= len(messages):
                messages = tagged
                break
    for wanted in (language, "en", "de", None):
        for message in messages:
            if message.language == wanted:
                return str(message)
    return str(messages[0]) if messages else "constraint violated"


def _short(term) -> str:
    text = str(term)
    for cut in ("#", "/"):
        if cut in text:
            text = text.rsplit(cut, 1)[-1]
    return text


ENGINES = ("turbo", "pyshacl")


def engine(name: str = "turbo"):
    """The ``validate`` function of a SHACL engine (both share pySHACL's signature)."""
    if name == "turbo":
        from pyshacl_turbo import validate
    elif name == "pyshacl":
        from pyshacl import validate
    else:
        raise ValueError(f"Unknown SHACL engine {name!r}; known: {', '.join(ENGINES)}.")
    return validate


def shacl_problems(data: Graph, shapes: Graph, ontology: Graph, index: SourceIndex,
                   language: str = "de", engine_name: str = "turbo") -> ProblemList:
    if engine_name == "turbo" and ontology is not None and all(t in data for t in ontology):
        # The build validates data that already contains the ontology: mixing it in again changes
        # nothing, and turbo would copy the whole data graph through rdflib for it (2.5× slower,
        # 2.4× the memory at a million triples).
        ontology = None
    conforms, report, text = engine(engine_name)(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none",
        abort_on_first=False, allow_warnings=True, advanced=True,
    )
    if not isinstance(report, Graph):  # turbo reports an engine failure as (False, failure, text)
        raise RuntimeError(f"The SHACL engine {engine_name!r} failed: {text}")
    problems = ProblemList()
    if conforms:
        return problems
    for result in report.objects(None, SH.result):  # top-level results only, not nested sh:detail
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        severity = report.value(result, SH.resultSeverity)
        component = report.value(result, SH.sourceConstraintComponent)
        problems.add(
            index.locate(str(focus), str(path) if path is not None else None),
            _message(report, result, language, shapes),
            record=str(focus),
            property=str(path) if path is not None else None,
            value=None if value is None else str(value),
            rule=_short(component) if component is not None else None,
            severity=_short(severity) if severity is not None else "Violation",
        )
    problems.items.sort(key=lambda p: (p.location.file if p.location else "~", p.location.line or 0
                                       if p.location else 0, p.record or ""))
    return problems
