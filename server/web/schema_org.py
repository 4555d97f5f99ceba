"""The schema.org JSON-LD embedded in the HTML pages (``<script type="application/ld+json">``), so
search engines see each page's main entity, always with a ``name`` in the page language:

- a resource page: the resource, from its own ``schema:`` triples plus its label and description;
- the home page: the dataset (the ``dcat:Dataset`` of the catalog);
- a list page: an ``ItemList`` of the resources of one type listed on that page.

Safe to embed (``<``, ``>``, ``&`` escaped)."""
from __future__ import annotations

import json

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from ..kg.namespaces import SCHEMA
from .labels import label, pick_literal

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
    entity["name"] = label(graph, subject, lang)
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


def dataset_entity(dataset_iri: str, name: str, description: str, license_iri: str, page_url: str) -> dict:
    return {"@context": "https://schema.org/", "@type": "Dataset", "@id": dataset_iri, "name": name,
            "description": description, "license": license_iri, "inLanguage": ["de", "en"],
            "mainEntityOfPage": page_url}


def item_list_entity(name: str, items: list[tuple[str, str]], first_position: int, total: int,
                     page_url: str) -> dict:
    """``items``: (IRI, name) of the resources listed on this page, starting at ``first_position``."""
    elements = [{"@type": "ListItem", "position": first_position + offset, "item": {"@id": iri, "name": text}}
                for offset, (iri, text) in enumerate(items)]
    return {"@context": "https://schema.org/", "@type": "ItemList", "name": name, "numberOfItems": total,
            "itemListElement": elements, "mainEntityOfPage": page_url}


def script_json(data: dict) -> str:
    """JSON safe inside a <script> element (no "</script>" or HTML comment can appear)."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
