"""Triple Pattern Fragments (Linked Data Fragments, TPF): one triple pattern of the release in service,
page by page, with its count and the hypermedia controls a client (Comunica) needs to evaluate a whole
SPARQL query on its side (docs/fragments.md).

* :mod:`.terms`: the pattern as a client writes it (the specification's RDF term syntax) → rdflib terms;
* :mod:`.counts`: how many triples a pattern matches (exact where cheap, else a marked estimate) from
  the counts the release's VoID step computed once;
* :mod:`.document`: the fragment as RDF: the data, and the metadata and controls (Hydra, VoID).
"""
from .counts import Count, ReleaseCounts, count
from .document import PAGE_SIZE, Fragment, Interface, fragment_url
from .terms import BadTerm, parse_pattern

__all__ = ["BadTerm", "Count", "Fragment", "Interface", "PAGE_SIZE", "ReleaseCounts", "count", "fragment_url",
           "parse_pattern"]
