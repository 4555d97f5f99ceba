"""The terms the change feed writes (LDES, TREE, PROV, Dublin Core, Activity Streams)."""
from __future__ import annotations

import pyoxigraph as ox

LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
AS = "https://www.w3.org/ns/activitystreams#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES = {"ldes": LDES, "tree": TREE, "prov": PROV, "dcterms": DCT, "as": AS, "rdf": RDF, "rdfs": RDFS,
            "xsd": XSD}


def term(namespace: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(namespace + name)


TYPE = term(RDF, "type")
IS_VERSION_OF = term(DCT, "isVersionOf")
HAS_PART = term(DCT, "hasPart")
GENERATED_AT = term(PROV, "generatedAtTime")
TOMBSTONE = term(AS, "Tombstone")
MEMBER = term(TREE, "member")


def date_time(value) -> ox.Literal:
    """An ``xsd:dateTime`` literal of a timezone-aware datetime."""
    return ox.Literal(value.isoformat(), datatype=term(XSD, "dateTime"))
