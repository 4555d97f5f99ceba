"""Catalog pages written by pyoxigraph: the graph of a page is a list of pyoxigraph triples, and a
page of the million-triple catalog is written in milliseconds in every RDF format it is offered in
(rdflib's RDF/XML and JSON-LD writers took about a second a page).
"""
from __future__ import annotations

import functools
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
    blank = ox.BlankNode
    return sorted(dict.fromkeys(triples), key=lambda t: (type(t.subject) is blank, first[t.subject]))


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


@functools.lru_cache(maxsize=4096)
def _compact(iri: str) -> str:
    for prefix, namespace in CATALOG_PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _node_id(term) -> str:
    return f"_:{term.value}" if type(term) is ox.BlankNode else term.value


def _jsonld_value(term) -> dict:
    if type(term) is not ox.Literal:
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
        subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
        key = _node_id(subject)
        node = nodes.get(key)
        if node is None:
            node = nodes[key] = {"@id": key}
        if predicate == RDF_TYPE and type(obj) is ox.NamedNode:
            node.setdefault("@type", []).append(_compact(obj.value))
        else:
            node.setdefault(_compact(predicate), []).append(_jsonld_value(obj))
    document = {"@context": CATALOG_PREFIXES, "@graph": list(nodes.values())}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")  # C encoder (no indent)
