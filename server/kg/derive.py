"""Triples the build adds to the source data, each by a general rule (documented in docs/model.md).

- comparable bounds: ``ikpe:periodStart``/``ikpe:periodEnd`` (xsd:date) from partial start/end dates;
- English-text note: ``skos:editorialNote`` on every thing whose English text the publisher wrote;
- entailment: superclass types and superproperties declared in our ontology (RDFS, our terms only).
"""
from __future__ import annotations

import calendar
import datetime as dt

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from .namespaces import IKPE, SCHEMA

TRANSLATION_NOTE = (
    Literal("Englische Texte zu diesem Eintrag sind Übersetzungen des Herausgebers; maßgeblich ist "
            "der deutsche Text.", lang="de"),
    Literal("English text for this entry was written by the publisher; the German text is "
            "authoritative.", lang="en"),
)


def period_bounds(literal: Literal) -> tuple[dt.date, dt.date] | None:
    """First and last day covered by a year, year-month or date literal."""
    text = str(literal)
    try:
        if literal.datatype == XSD.gYear:
            year = int(text)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if literal.datatype == XSD.gYearMonth:
            year, month = (int(part) for part in text.split("-"))
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        if literal.datatype == XSD.date:
            day = dt.date.fromisoformat(text)
            return day, day
    except ValueError:
        return None
    return None


def add_period_bounds(graph: Graph) -> int:
    added = 0
    for source, target, pick in ((SCHEMA.startDate, IKPE.periodStart, 0), (SCHEMA.endDate, IKPE.periodEnd, 1)):
        for subject, value in list(graph.subject_objects(source)):
            bounds = period_bounds(value)
            if bounds is not None:
                graph.add((subject, target, Literal(bounds[pick].isoformat(), datatype=XSD.date)))
                added += 1
    return added


def add_translation_notes(graph: Graph) -> int:
    subjects = {s for s, _, o in graph if isinstance(o, Literal) and o.language == "en"
                and isinstance(s, URIRef)}
    for subject in subjects:
        for note in TRANSLATION_NOTE:
            graph.add((subject, SKOS.editorialNote, note))
    return len(subjects)


def closure(ontology: Graph, relation: URIRef, namespace: str = "") -> dict[URIRef, set[URIRef]]:
    """Transitive closure of ``relation`` (e.g. rdfs:subClassOf) for terms starting with ``namespace``."""
    direct: dict[URIRef, set[URIRef]] = {}
    for sub, sup in ontology.subject_objects(relation):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef) and str(sub).startswith(namespace):
            direct.setdefault(sub, set()).add(sup)
    closed = {}
    for term in direct:
        seen, todo = set(), list(direct[term])
        while todo:
            parent = todo.pop()
            if parent not in seen and parent != term:
                seen.add(parent)
                todo.extend(direct.get(parent, ()))
        closed[term] = seen
    return closed


def add_entailments(graph: Graph, ontology: Graph) -> int:
    before = len(graph)
    supers = closure(ontology, RDFS.subClassOf, str(IKPE))
    for subject, cls in list(graph.subject_objects(RDF.type)):
        for parent in supers.get(cls, ()):
            graph.add((subject, RDF.type, parent))
    superprops = closure(ontology, RDFS.subPropertyOf, str(IKPE))
    for prop, parents in superprops.items():
        for s, o in list(graph.subject_objects(prop)):
            for parent in parents:
                graph.add((s, parent, o))
    return len(graph) - before


def derive(graph: Graph, ontology: Graph) -> dict[str, int]:
    return {
        "period bounds": add_period_bounds(graph),
        "translation notes": add_translation_notes(graph),
        "entailed triples": add_entailments(graph, ontology),
    }
