"""The VoID description of the knowledge graph, counted from the graph at build time (never by hand).

``<base>/catalog/dataset/ikpe`` is at once the ``dcat:Dataset`` of the catalog and the
``void:Dataset`` described here, so the two descriptions meet in one IRI. Class and property
partitions, the vocabularies in use, and the linksets to Wikidata and to the DCAT-AP.de
political-geocoding IRIs are all computed from the triples that are published.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from .vocab import LICENSE, VOID, bind_prefixes

# External datasets we link to: key → (title, URI space, homepage)
LINK_TARGETS = {
    "wikidata": ("Wikidata", "http://www.wikidata.org/entity/", "https://www.wikidata.org/"),
    "political-geocoding": ("DCAT-AP.de Politische Geokodierung", "http://dcat-ap.de/def/politicalGeocoding/",
                            "https://www.dcat-ap.de/def/"),
}

FORMATS = {  # void:feature for each dump media type (W3C format IRIs)
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
}


def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def namespace_of(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1]


def statistics(graph: Graph, uri_space: str) -> dict:
    """Every number the VoID description states, computed in one pass over the graph."""
    subjects, objects, properties = set(), set(), Counter()
    class_members = defaultdict(set)
    links = Counter()
    for s, p, o in graph:
        subjects.add(s)
        objects.add(o)
        properties[p] += 1
        if p == RDF.type:
            class_members[o].add(s)
        if isinstance(o, URIRef):
            for key, (_, space, _) in LINK_TARGETS.items():
                if str(o).startswith(space) and isinstance(s, URIRef) and str(s).startswith(uri_space):
                    links[(key, p)] += 1
    entities = {s for s in subjects if isinstance(s, URIRef) and str(s).startswith(uri_space)}
    vocabularies = sorted({namespace_of(str(p)) for p in properties} | {namespace_of(str(c)) for c in class_members})
    return {
        "triples": len(graph), "entities": len(entities), "distinctSubjects": len(subjects),
        "distinctObjects": len(objects), "properties": len(properties), "classes": len(class_members),
        "class_partitions": {c: len(m) for c, m in class_members.items()},
        "property_partitions": dict(properties), "links": dict(links), "vocabularies": vocabularies,
    }


def build_void(graph: Graph, base: str, dumps: dict, modified: str, example: URIRef | None = None) -> Graph:
    """VoID for ``graph``; ``dumps`` maps dump file names to their manifest entries."""
    stats = statistics(graph, base + "/id/")
    g = bind_prefixes(Graph())
    doc = URIRef(base + "/.well-known/void")
    ds = URIRef(base + "/catalog/dataset/ikpe")
    g.add((doc, RDF.type, VOID.DatasetDescription))
    g.add((doc, DCTERMS.title, Literal("VoID-Beschreibung des IKPE-Wissensgraphen", lang="de")))
    g.add((doc, DCTERMS.title, Literal("VoID description of the IKPE knowledge graph", lang="en")))
    g.add((doc, FOAF.primaryTopic, ds))

    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("IKPE-Wissensgraph", lang="de")))
    g.add((ds, DCTERMS.title, Literal("IKPE knowledge graph", lang="en")))
    g.add((ds, DCTERMS.publisher, URIRef(base + "/id/organisation/ikpe")))
    g.add((ds, DCTERMS.license, LICENSE))
    g.add((ds, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    g.add((ds, FOAF.homepage, URIRef(base + "/")))
    g.add((ds, VOID.uriSpace, Literal(base + "/id/")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(base + "/sparql")))
    if example is not None:
        g.add((ds, VOID.exampleResource, example))
    for name, info in sorted(dumps.items()):
        g.add((ds, VOID.dataDump, URIRef(f"{base}/dumps/{name}")))
        if info["media_type"] in FORMATS:
            g.add((ds, VOID.feature, URIRef(FORMATS[info["media_type"]])))
    for vocabulary in stats["vocabularies"]:
        g.add((ds, VOID.vocabulary, URIRef(vocabulary)))
    for key in ("triples", "entities", "distinctSubjects", "distinctObjects", "properties", "classes"):
        g.add((ds, VOID[key], _int(stats[key])))
    for cls, count in sorted(stats["class_partitions"].items()):
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, _int(count)))
    for prop, count in sorted(stats["property_partitions"].items()):
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))
        g.add((part, VOID.triples, _int(count)))

    for key, (title, space, homepage) in LINK_TARGETS.items():
        target = URIRef(f"{base}/catalog/external/{key}")
        g.add((target, RDF.type, VOID.Dataset))
        g.add((target, DCTERMS.title, Literal(title)))
        g.add((target, VOID.uriSpace, Literal(space)))
        g.add((target, FOAF.homepage, URIRef(homepage)))
    for (key, predicate), count in sorted(stats["links"].items()):
        local = str(predicate).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        linkset = URIRef(f"{base}/catalog/linkset/{key}/{local}")
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, VOID.subjectsTarget, ds))
        g.add((linkset, VOID.objectsTarget, URIRef(f"{base}/catalog/external/{key}")))
        g.add((linkset, VOID.linkPredicate, predicate))
        g.add((linkset, VOID.triples, _int(count)))
        g.add((ds, VOID.subset, linkset))
    return g
