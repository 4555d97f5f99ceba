"""The registry of RDF serialisations the app serves graphs in (one entry per format).

Each format has the media type clients ask for (and that goes into ``Content-Type``), the file
suffix of its explicit URL (``/doc/project/thilik.ttl``, ``/catalog.ttl``), and its writer
(pyoxigraph for Turtle, rdflib for the others). Adding a format is one line here; content
negotiation, ``Link`` headers and the HTML format lists all read this table, and
:func:`graph_response` is how every area (documents, the ontology, the catalog, VoID) writes a graph.

A writer gets the graph and a *context*: an object with ``prefixes_for(graph)`` (the prefixes to
declare), ``topic`` (the subject written first, or None) and ``document_iri`` (the graph name in
N-Quads and TriG, or None); :class:`GraphContext` is the plain one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from flask import Response

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from ..store.embedded import to_oxigraph


def prefixes_in_use(graph: Graph, namespaces) -> dict[str, str]:
    """The (prefix, namespace) pairs of ``namespaces`` that an IRI or a datatype in ``graph`` is in."""
    used = {str(term) for triple in graph for term in triple if isinstance(term, URIRef)}
    used |= {str(o.datatype) for o in graph.objects() if isinstance(o, Literal) and o.datatype}
    return {prefix: str(ns) for prefix, ns in namespaces if prefix and any(u.startswith(str(ns)) for u in used)}


@dataclass(frozen=True)
class GraphContext:
    """A graph without a topic: the prefixes declared are the graph's own bindings that it uses."""

    topic: object = None
    document_iri: str | None = None

    def prefixes_for(self, graph: Graph) -> dict[str, str]:
        return prefixes_in_use(graph, graph.namespaces())


@dataclass(frozen=True)
class RdfFormat:
    key: str            # the suffix of the explicit URL and the value of ?format=
    media_type: str     # the registered media type
    label: str          # shown in the HTML format list
    write: Callable[[Graph, "object"], str]
    charset: bool = True  # text format: Content-Type carries ;charset=utf-8

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


def _turtle(graph: Graph, context) -> str:
    """Turtle written by pyoxigraph (a tenth of rdflib's time): the topic first, then the other
    subjects in order, each with its predicates grouped; only the prefixes in use are declared."""
    topic = str(context.topic) if context.topic is not None else None
    rdf_type = str(RDF.type)

    def order(triple):
        s, p, o = triple
        return (str(s) != topic, isinstance(s, BNode), str(s), str(p) != rdf_type, str(p), str(o))

    prefixes = dict(context.prefixes_for(graph))
    triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in sorted(graph, key=order)]
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")


def _ntriples(graph: Graph, context) -> str:
    # N-Triples is ASCII-safe UTF-8; sort the lines so the same graph gives the same bytes.
    lines = graph.serialize(format="nt").splitlines()
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"


def _rdfxml(graph: Graph, context) -> str:
    return graph.serialize(format="pretty-xml")


def _jsonld(graph: Graph, context) -> str:
    """JSON-LD with an inline context (prefixes of the namespaces in use), compacted."""
    inline = dict(context.prefixes_for(graph))
    text = graph.serialize(format="json-ld", context=inline, auto_compact=True)
    return json.dumps(json.loads(text), ensure_ascii=False, indent=2)


def _dataset(graph: Graph, context, fmt: str) -> str:
    dataset = Dataset()
    for prefix, namespace in graph.namespaces():
        dataset.bind(prefix, namespace)
    named = dataset.graph(URIRef(context.document_iri) if context.document_iri else None)
    for triple in graph:
        named.add(triple)
    return dataset.serialize(format=fmt)


def _nquads(graph: Graph, context) -> str:
    return _dataset(graph, context, "nquads")


def _trig(graph: Graph, context) -> str:
    return _dataset(graph, context, "trig")


FORMATS: dict[str, RdfFormat] = {f.key: f for f in (
    RdfFormat("ttl", "text/turtle", "Turtle", _turtle),
    RdfFormat("jsonld", "application/ld+json", "JSON-LD", _jsonld),
    RdfFormat("rdf", "application/rdf+xml", "RDF/XML", _rdfxml),
    RdfFormat("nt", "application/n-triples", "N-Triples", _ntriples),
    RdfFormat("nq", "application/n-quads", "N-Quads", _nquads),
    RdfFormat("trig", "application/trig", "TriG", _trig),
)}

HTML_MEDIA_TYPE = "text/html"


def by_media_type(media_type: str) -> RdfFormat | None:
    return next((f for f in FORMATS.values() if f.media_type == media_type), None)


def graph_response(graph: Graph, key: str, context=None, status: int = 200) -> Response:
    """``graph`` written in the format ``key`` of the registry, with its ``Content-Type``."""
    fmt = FORMATS[key]
    body = fmt.write(graph, context if context is not None else GraphContext())
    return Response(body, status=status, headers={"Content-Type": fmt.content_type})
