"""A fragment as RDF (the Triple Pattern Fragments specification): the *data* (the page's triples),
the *metadata* (``hydra:totalItems`` and ``void:triples``, the page size) and the *controls*
(``hydra:search`` with an ``hydra:IriTemplate`` over subject, predicate and object, and
``hydra:first``/``previous``/``next``), so a client needs only the start URL.

Metadata and controls are one graph of their own (named ``<interface>#metadata``, which says
``foaf:primaryTopic <page>``); formats with graphs (TriG, N-Quads) write it as a named graph beside
the data in the default graph, the others write both in one document. Every IRI of the metadata is a
fixed IRI (no blank nodes), so the same fragment is the same bytes in every process.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from ..store.base import result_graph
from .counts import Count
from .terms import POSITIONS

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VOID = Namespace("http://rdfs.org/ns/void#")
TPF_SPEC = "https://linkeddatafragments.org/specification/triple-pattern-fragments/"
PAGE_SIZE = 100
PREFIXES = {"hydra": str(HYDRA), "void": str(VOID), "rdf": str(RDF), "xsd": str(XSD), "dcterms": str(DCTERMS),
            "foaf": str(FOAF)}


def fragment_url(base: str, values: dict[str, str], page: int = 1) -> str:
    """The URL of a fragment page: ``base`` (the interface) with the pattern as the client wrote it,
    percent-encoded as an RFC 6570 form-style query expands it; page 1 has no ``page``."""
    pairs = [(name, values[name]) for name in POSITIONS if values.get(name)] + \
        ([("page", str(page))] if page > 1 else [])
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in pairs)
    return base + ("?" + query if query else "")


@dataclass(frozen=True)
class Interface:
    """Where the fragments are served: ``base`` (``…/fragments`` or a release's
    ``…/release/<id>/fragments``), and a vocabulary IRI for the estimate mark."""

    base: str
    estimate_property: str

    @property
    def dataset(self) -> URIRef:
        return URIRef(self.base + "#dataset")

    @property
    def metadata_graph(self) -> URIRef:
        return URIRef(self.base + "#metadata")

    @property
    def template(self) -> str:
        return self.base + "{?subject,predicate,object}"


@dataclass
class Fragment:
    """One page of the fragment of ``pattern``: ``values`` as the client wrote them, ``triples`` of the
    page (one more than the page size was read when there is a next page), ``count`` of the pattern."""

    interface: Interface
    values: dict
    pattern: tuple
    number: int
    triples: list
    count: Count
    page_url: str = ""
    size: int = PAGE_SIZE
    titles: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return len(self.triples) > self.size

    @property
    def page_triples(self) -> list:
        return self.triples[:self.size]

    def url(self, page: int = 1) -> str:
        return fragment_url(self.interface.base, self.values, page)

    def data(self):
        graph = result_graph()
        for triple in self.page_triples:
            graph.add(triple)
        return graph

    def metadata(self):
        """Metadata and controls (specification §3–4), about the page as it was requested."""
        graph = result_graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        page, fragment = URIRef(self.page_url or self.url(self.number)), URIRef(self.url())
        graph.add((self.interface.metadata_graph, FOAF.primaryTopic, page))
        self._dataset(graph, page)
        graph.add((page, RDF.type, HYDRA.PartialCollectionView))
        for subject in {page, fragment}:
            graph.add((subject, HYDRA.totalItems, Literal(self.count.value, datatype=XSD.integer)))
            graph.add((subject, VOID.triples, Literal(self.count.value, datatype=XSD.integer)))
            if not self.count.exact:
                graph.add((subject, URIRef(self.interface.estimate_property), Literal(True)))
        graph.add((page, HYDRA.itemsPerPage, Literal(self.size, datatype=XSD.integer)))
        graph.add((page, DCTERMS.source, self.interface.dataset))
        for lang, title in self.titles.items():
            graph.add((page, DCTERMS.title, Literal(title, lang=lang)))
        graph.add((page, HYDRA.first, URIRef(self.url(1))))
        if self.number > 1:
            graph.add((page, HYDRA.previous, URIRef(self.url(self.number - 1))))
        if self.has_next:
            graph.add((page, HYDRA.next, URIRef(self.url(self.number + 1))))
        return graph

    def _dataset(self, graph, page: URIRef) -> None:
        """The dataset the fragment is a subset of, with its search form (the IRI template)."""
        base, dataset = self.interface.base, self.interface.dataset
        search = URIRef(base + "#triplePattern")
        graph.add((dataset, RDF.type, VOID.Dataset))
        graph.add((dataset, RDF.type, HYDRA.Collection))
        graph.add((dataset, VOID.subset, page))
        graph.add((dataset, DCTERMS.conformsTo, URIRef(TPF_SPEC)))
        graph.add((dataset, HYDRA.search, search))
        graph.add((search, RDF.type, HYDRA.IriTemplate))
        graph.add((search, HYDRA.template, Literal(self.interface.template)))
        graph.add((search, HYDRA.variableRepresentation, HYDRA.ExplicitRepresentation))
        for position in POSITIONS:
            mapping = URIRef(f"{base}#{position}")
            graph.add((search, HYDRA.mapping, mapping))
            graph.add((mapping, RDF.type, HYDRA.IriTemplateMapping))
            graph.add((mapping, HYDRA.variable, Literal(position)))
            graph.add((mapping, HYDRA.property, RDF[position]))
