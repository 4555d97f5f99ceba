"""Choosing one label for a resource: requested language → de → en → any language → local name
(the language rule: ``server/sitemap/labels.py``).

Labels come from ``rdfs:label``, ``skos:prefLabel``, ``schema:name`` and ``dcterms:title`` (in that
order of preference); the local name (the last path segment or the fragment of the IRI) is the
last resort, so an HTML page never has to show a bare IRI as a link text.
"""
from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDFS, SKOS

from ..kg.namespaces import SCHEMA
# the rule itself is below the web layer (the build sorts the index pages' lists by it); kept importable here
from ..sitemap.labels import local_name, pick_literal  # noqa: F401

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SCHEMA.name, DCTERMS.title)


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

