"""The document of one catalog resource (``/catalog/<path>``): a dataset, a distribution, the service,
a linkset or an external dataset, from the catalog blocks and VoID of the release, as pyoxigraph
triples (a few hundred per document, put together in a millisecond)."""
from __future__ import annotations

import pyoxigraph as ox

from .triples import TripleIndex

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCAT_DATASET = ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")
DISTRIBUTION = ox.NamedNode("http://www.w3.org/ns/dcat#distribution")
IS_VERSION_OF = ox.NamedNode("http://www.w3.org/ns/dcat#isVersionOf")
# what a dataset points to in the head: described in the dataset's document so it stands on its own
HEAD_LINKS = frozenset(ox.NamedNode(iri) for iri in (
    "http://purl.org/dc/terms/publisher", "http://www.w3.org/ns/dcat#contactPoint",
    "http://www.w3.org/ns/dcat#accessService"))


def is_dataset(triples: list, iri: str) -> bool:
    return TripleIndex(triples).has(iri, RDF_TYPE, DCAT_DATASET)


def _dataset_document(cat, iri: str, own: list) -> list:
    """A dataset with its distributions, locations, its VoID, and the agents and the service it
    points to; the service's ``dcat:servesDataset`` only for this dataset."""
    triples = list(own) + cat.void_index().describe(iri)
    nodes = sorted({t.object for t in triples if t.predicate in HEAD_LINKS}, key=str)
    head = cat.head_index()
    for node in nodes:
        triples += head.describe(node)
    triples += [t for t in cat.served_triples(iri) if t.subject in set(nodes)]
    return list(dict.fromkeys(triples))


def resource_triples(cat, iri: str) -> list:
    """What the catalog and VoID of the release ``cat`` say about ``iri`` (empty if nothing)."""
    owner = cat.owner_of(iri)
    own = cat.dataset_triples(owner) if owner else []
    if owner == iri and is_dataset(own, iri):
        return _dataset_document(cat, iri, own)
    block = TripleIndex(own)
    if block.value(iri, IS_VERSION_OF) is not None:  # a version of a dataset (docs/dcat.md, "Versions")
        part = block.describe(iri)
        for download in [t.object for t in part if t.predicate == DISTRIBUTION]:
            part += block.describe(download)
        return _dataset_document(cat, iri, part)
    index = TripleIndex(cat.head_triples() + own + cat.service_triples(iri))
    return list(dict.fromkeys(index.describe(iri) + cat.void_index().describe(iri)))
