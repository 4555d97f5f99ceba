"""Catalog pages written by pyoxigraph: the graph of a page is a list of pyoxigraph triples, and a
page of the million-triple catalog is written in milliseconds in every RDF format it is offered in
(rdflib's RDF/XML and JSON-LD writers took about a second a page).
"""
from __future__ import annotations

import json

import pyoxigraph as ox

from .vocab import PREFIXES

WRITERS = {"ttl": ox.RdfFormat.TURTLE, "rdf": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD,
           "nt": ox.RdfFormat.N_TRIPLES}
CATALOG_PREFIXES = {prefix: str(ns) for prefix, ns in PREFIXES.items()}


def grouped(triples: list) -> list:
    """The triples with each subject's triples together (subjects in order of first appearance, blank
    nodes after the IRIs), so Turtle and RDF/XML write one description per subject."""
    first: dict = {}
    for triple in triples:
        first.setdefault(triple.subject, len(first))
    return sorted(dict.fromkeys(triples), key=lambda t: (isinstance(t.subject, ox.BlankNode), first[t.subject]))


def serialize(triples: list, key: str) -> bytes:
    """``triples`` in the format ``key`` (``ttl``, ``rdf``, ``jsonld``, ``nt``); N-Triples as sorted
    unique lines, so the same graph gives the same bytes."""
    if key == "nt":
        lines = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines()
        return b"".join(line + b"\n" for line in sorted(set(lines)) if line)
    if key == "jsonld":
        return jsonld(triples)
    return ox.serialize(grouped(triples), format=WRITERS[key], prefixes=CATALOG_PREFIXES)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _compact(iri: str) -> str:
    for prefix, namespace in CATALOG_PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _node_id(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def _jsonld_value(term) -> dict:
    if not isinstance(term, ox.Literal):
        return {"@id": _node_id(term)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD_STRING:
        return {"@value": term.value}
    return {"@value": term.value, "@type": _compact(term.datatype.value)}


def jsonld(triples: list) -> bytes:
    """JSON-LD with an inline context of the catalog prefixes: one node object per subject, properties
    and types as compact IRIs (valid JSON-LD 1.1 that every processor expands to the same triples)."""
    nodes: dict = {}
    for triple in grouped(triples):
        node = nodes.setdefault(triple.subject, {"@id": _node_id(triple.subject)})
        if triple.predicate.value == RDF_TYPE and not isinstance(triple.object, ox.Literal):
            node.setdefault("@type", []).append(_compact(_node_id(triple.object)))
        else:
            node.setdefault(_compact(triple.predicate.value), []).append(_jsonld_value(triple.object))
    document = {"@context": CATALOG_PREFIXES, "@graph": list(nodes.values())}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")  # C encoder (no indent)
