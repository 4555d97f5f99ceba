"""The schema.org JSON-LD embedded in every HTML page (``<script type="application/ld+json">``), so
search engines see the page's main entity. Built from the resource's own ``schema:`` triples plus its
label and description in the page language; safe to embed (``<``, ``>``, ``&`` escaped)."""
from __future__ import annotations

import json

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from ..kg.namespaces import SCHEMA
from .labels import pick_literal

SCHEMA_NS = str(SCHEMA)


def _plain(term, lang):
    if isinstance(term, URIRef):
        return {"@id": str(term)}
    return str(term)


def main_entity(graph: Graph, iri: str, lang: str, page_url: str) -> dict:
    subject = URIRef(iri)
    types = sorted(str(t)[len(SCHEMA_NS):] for t in graph.objects(subject, RDF.type) if str(t).startswith(SCHEMA_NS))
    entity: dict = {"@context": "https://schema.org/", "@id": iri}
    if types:
        entity["@type"] = types if len(types) > 1 else types[0]
    name = pick_literal(graph.objects(subject, RDFS.label), lang)
    if name is not None:
        entity["name"] = str(name)
    description = pick_literal(graph.objects(subject, DCTERMS.description), lang)
    if description is not None:
        entity["description"] = str(description)
    for prop in sorted(set(graph.predicates(subject, None))):
        if not str(prop).startswith(SCHEMA_NS) or prop in (SCHEMA.name,):
            continue
        values = list(graph.objects(subject, prop))
        chosen = [v for v in values if not isinstance(v, Literal) or not v.language]
        best = pick_literal([v for v in values if isinstance(v, Literal) and v.language], lang)
        if best is not None:
            chosen.append(best)
        if chosen:
            plain = sorted((_plain(v, lang) for v in chosen), key=lambda v: json.dumps(v, sort_keys=True))
            entity[str(prop)[len(SCHEMA_NS):]] = plain if len(plain) > 1 else plain[0]
    entity["mainEntityOfPage"] = page_url
    return entity


def script_json(data: dict) -> str:
    """JSON safe inside a <script> element (no "</script>" or HTML comment can appear)."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
