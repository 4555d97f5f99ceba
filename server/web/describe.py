"""The RDF document about one resource (what ``/doc/…`` serves).

It holds, so that a client can show the resource without further requests:

1. the resource's own triples;
2. the triples pointing at it (inverse links);
3. the full description of the qualified-relation nodes next to it — roles and fundings
   (``ikpe:Role``, ``ikpe:Funding``), which carry the time and the other party of a relation,
   the way a Concise Bounded Description includes blank nodes;
4. the labels (and our own types) of every resource, property and class mentioned;
5. document metadata: ``foaf:primaryTopic``, ``dcterms:license``, ``dcterms:source`` and
   ``prov:wasDerivedFrom`` (where the facts come from), ``void:inDataset``, ``dcterms:modified``
   (the release), ``dcterms:publisher``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from ..kg.namespaces import IKPE, PREFIXES, VOID
from .formats import prefixes_in_use

DATA_LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
DATASET_PATH = "/catalog/dataset/ikpe"  # the void:Dataset / dcat:Dataset of the catalog area
PUBLISHER_PATH = "/id/organisation/ikpe"
QUALIFIED_CLASSES = (IKPE.Role, IKPE.Funding)


@dataclass
class Document:
    """An RDF document about ``topic``: its graph and what the serialisers need to know."""

    topic: URIRef
    document_iri: str
    graph: Graph

    def prefixes_for(self, graph: Graph) -> dict[str, str]:
        return prefixes_in_use(graph, PREFIXES.items())


def iri_ref(iri: str) -> str:
    """``<iri>`` for a SPARQL query; refuses characters that could break out of the IRI."""
    if any(ch in iri for ch in '<>"{}|^`\\ \n\r\t'):
        raise ValueError(f"unsafe IRI {iri!r}")
    return f"<{iri}>"


def resource_exists(store, iri: str) -> bool:
    """Does the store say anything about ``iri``?"""
    return store.ask(f"ASK {{ {iri_ref(iri)} ?p ?o }}")


def _mentioned(graph: Graph) -> set[URIRef]:
    return {term for triple in graph for term in triple if isinstance(term, URIRef)}


def _values(terms) -> str:
    return " ".join(iri_ref(str(t)) for t in sorted(terms) if not any(c in str(t) for c in '<>"{}|^`\\ '))


def label_and_type_triples(store, terms) -> Graph:
    """The triples giving the labels and our own types of ``terms`` (one query)."""
    values = _values(terms)
    if not values:
        return Graph()
    return store.construct(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "CONSTRUCT { ?m rdfs:label ?l . ?m skos:prefLabel ?pl . ?m a ?t } WHERE { "
        f"VALUES ?m {{ {values} }} "
        "{ ?m rdfs:label ?l } UNION { ?m skos:prefLabel ?pl } UNION "
        f"{{ ?m a ?t FILTER(STRSTARTS(STR(?t), \"{IKPE}\")) }} }}")


def describe(store, iri: str) -> Graph:
    """Triples 1–4 above (an empty graph when the store knows nothing about ``iri``)."""
    ref = iri_ref(iri)
    graph = store.construct(f"CONSTRUCT {{ {ref} ?p ?o }} WHERE {{ {ref} ?p ?o }}")
    if not len(graph):
        return graph
    graph += store.construct(f"CONSTRUCT {{ ?s ?p {ref} }} WHERE {{ ?s ?p {ref} }}")
    qualified = " ".join(iri_ref(str(c)) for c in QUALIFIED_CLASSES)
    # the type check inside each branch: written after the UNION, pyoxigraph starts from `?q a ?t` (every
    # role of every project) — 1.6 s instead of 1 ms at 1M triples (docs/benchmarks.md, "Serving at scale")
    graph += store.construct(
        f"CONSTRUCT {{ ?q ?qp ?qo }} WHERE {{ VALUES ?t {{ {qualified} }} "
        f"{{ {ref} ?p ?q . ?q a ?t . ?q ?qp ?qo }} UNION {{ ?q ?p {ref} . ?q a ?t . ?q ?qp ?qo }} }}")
    graph += label_and_type_triples(store, _mentioned(graph))
    return graph


def document(store, settings, iri: str, document_path: str, release) -> Document | None:
    """The full RDF document (with metadata), or None when ``iri`` is unknown."""
    graph = describe(store, iri)
    if not len(graph):
        return None
    topic = URIRef(iri)
    doc = URIRef(settings.public_base + document_path)
    base = settings.public_base
    graph.add((doc, RDF.type, FOAF.Document))
    graph.add((doc, FOAF.primaryTopic, topic))
    graph.add((doc, DCTERMS.license, DATA_LICENSE))
    graph.add((doc, DCTERMS.publisher, URIRef(base + PUBLISHER_PATH)))
    graph.add((doc, VOID.inDataset, URIRef(base + DATASET_PATH)))
    for source in set(graph.objects(topic, DCTERMS.source)):
        graph.add((doc, DCTERMS.source, source))
        graph.add((doc, PROV.wasDerivedFrom, source))
    modified = _release_time(release)
    if modified is not None:
        graph.add((doc, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    title = next((l for l in graph.objects(topic, RDFS.label) if l.language == "de"), None)
    if title is not None:
        graph.add((doc, RDFS.label, Literal(f"Beschreibung von {title}", lang="de")))
    for prefix, namespace in Document(topic, str(doc), graph).prefixes_for(graph).items():
        graph.bind(prefix, namespace, override=True)
    graph.bind("void", VOID)
    graph.bind("foaf", FOAF)
    return Document(topic, str(doc), graph)


def _release_time(release) -> str | None:
    try:
        return dt.datetime.fromisoformat(release.created).isoformat()
    except (AttributeError, ValueError, TypeError):
        return None


__all__ = ["Document", "describe", "document", "label_and_type_triples", "resource_exists", "iri_ref",
           "DATA_LICENSE", "DATASET_PATH", "SKOS"]
