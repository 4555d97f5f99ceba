"""Choosing one label for a resource: requested language → de → en → any language → local name.

Labels come from ``rdfs:label``, ``skos:prefLabel``, ``schema:name`` and ``dcterms:title`` (in that
order of preference); the local name (the last path segment or the fragment of the IRI) is the
last resort, so an HTML page never has to show a bare IRI as a link text.
"""
from __future__ import annotations

from typing import Iterable

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDFS, SKOS

from ..kg.namespaces import SCHEMA

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SCHEMA.name, DCTERMS.title)
FALLBACK_LANGUAGES = ("de", "en")


def language_chain(requested: str | None) -> list[str]:
    chain = [requested] if requested else []
    return chain + [lang for lang in FALLBACK_LANGUAGES if lang not in chain]


def pick_literal(literals: Iterable[Literal], requested: str | None) -> Literal | None:
    """The literal in the best language: requested → de → en → untagged → any other (stable order)."""
    literals = sorted((l for l in literals if isinstance(l, Literal)), key=lambda l: (l.language or "", str(l)))
    if not literals:
        return None
    for lang in language_chain(requested):
        for literal in literals:
            if literal.language and literal.language.lower().split("-")[0] == lang:
                return literal
    untagged = [l for l in literals if not l.language]
    return untagged[0] if untagged else literals[0]


def local_name(iri: str) -> str:
    text = str(iri).rstrip("/")
    for separator in ("#", "/", ":"):
        if separator in text:
            candidate = text.rsplit(separator, 1)[1]
            if candidate:
                return candidate
    return text


def label_literal(graph: Graph, iri, requested: str | None) -> Literal | None:
    for prop in LABEL_PROPERTIES:
        found = pick_literal(graph.objects(iri, prop), requested)
        if found is not None:
            return found
    return None


def label(graph: Graph, iri, requested: str | None) -> str:
    """The display label of ``iri`` in ``graph`` (never empty)."""
    found = label_literal(graph, iri, requested)
    return str(found) if found is not None else local_name(iri)

