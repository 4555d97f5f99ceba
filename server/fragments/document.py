"""A fragment as RDF (the Triple Pattern Fragments specification): the *data* (the page's triples),
the *metadata* (``hydra:totalItems`` and ``void:triples``, the page size) and the *controls*
(``hydra:search`` with an ``hydra:IriTemplate`` over subject, predicate and object, and
``hydra:first``/``previous``/``next``, ``hydra:last`` where the count is exact), so a client needs only the start URL.

Metadata and controls are one graph of their own (named ``<interface>#metadata``, which says
``foaf:primaryTopic <page>``); formats with graphs (TriG, N-Quads) write it as a named graph beside
the data in the default graph, the others write both in one document. Every IRI of the metadata is a
fixed IRI (no blank nodes), so the same fragment is the same bytes in every process.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from .counts import Count
from .terms import POSITIONS

HYDRA = "http://www.w3.org/ns/hydra/core#"
VOID = "http://rdfs.org/ns/void#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
TPF_SPEC = "https://linkeddatafragments.org/specification/triple-pattern-fragments/"
PAGE_SIZE = 100
PREFIXES = {"hydra": HYDRA, "void": VOID, "rdf": RDF, "xsd": XSD, "dcterms": DCTERMS, "foaf": FOAF}


def _iri(text: str) -> ox.NamedNode:
    return ox.NamedNode(text)


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_iri(XSD + "integer"))


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
    def dataset(self) -> ox.NamedNode:
        return _iri(self.base + "#dataset")

    @property
    def metadata_graph(self) -> ox.NamedNode:
        return _iri(self.base + "#metadata")

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

    def metadata(self) -> list:
        """Metadata and controls (specification §3–4), about the page as it was requested."""
        page, fragment = _iri(self.page_url or self.url(self.number)), _iri(self.url())
        triples = [(self.interface.metadata_graph, _iri(FOAF + "primaryTopic"), page)]
        triples += self._dataset(page)
        triples.append((page, _iri(RDF + "type"), _iri(HYDRA + "PartialCollectionView")))
        for subject in dict.fromkeys([page, fragment]):
            triples += [(subject, _iri(HYDRA + "totalItems"), _integer(self.count.value)),
                        (subject, _iri(VOID + "triples"), _integer(self.count.value))]
            if not self.count.exact:
                triples.append((subject, _iri(self.interface.estimate_property), ox.Literal("true", datatype=_iri(
                    XSD + "boolean"))))
        triples += [(page, _iri(HYDRA + "itemsPerPage"), _integer(self.size)),
                    (page, _iri(DCTERMS + "source"), self.interface.dataset)]
        triples += [(page, _iri(DCTERMS + "title"), ox.Literal(title, language=lang))
                    for lang, title in self.titles.items()]
        triples.append((page, _iri(HYDRA + "first"), _iri(self.url(1))))
        if self.count.exact:  # an estimate knows no last page
            triples.append((page, _iri(HYDRA + "last"), _iri(self.url(max(1, -(-self.count.value // self.size))))))
        if self.number > 1:
            triples.append((page, _iri(HYDRA + "previous"), _iri(self.url(self.number - 1))))
        if self.has_next:
            triples.append((page, _iri(HYDRA + "next"), _iri(self.url(self.number + 1))))
        return [ox.Triple(*triple) for triple in triples]

    def _dataset(self, page: ox.NamedNode) -> list:
        """The dataset the fragment is a subset of, with its search form (the IRI template)."""
        base, dataset = self.interface.base, self.interface.dataset
        search, kind = _iri(base + "#triplePattern"), _iri(RDF + "type")
        triples = [(dataset, kind, _iri(VOID + "Dataset")), (dataset, kind, _iri(HYDRA + "Collection")),
                   (dataset, _iri(VOID + "subset"), page), (dataset, _iri(DCTERMS + "conformsTo"), _iri(TPF_SPEC)),
                   (dataset, _iri(HYDRA + "search"), search), (search, kind, _iri(HYDRA + "IriTemplate")),
                   (search, _iri(HYDRA + "template"), ox.Literal(self.interface.template)),
                   (search, _iri(HYDRA + "variableRepresentation"), _iri(HYDRA + "ExplicitRepresentation"))]
        for position in POSITIONS:
            mapping = _iri(f"{base}#{position}")
            triples += [(search, _iri(HYDRA + "mapping"), mapping), (mapping, kind, _iri(HYDRA + "IriTemplateMapping")),
                        (mapping, _iri(HYDRA + "variable"), ox.Literal(position)),
                        (mapping, _iri(HYDRA + "property"), _iri(RDF + position))]
        return triples
