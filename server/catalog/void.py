"""The VoID description of the knowledge graph, counted from the graph at build time (never by hand).

``<base>/catalog/dataset/ikpe`` is at once the ``dcat:Dataset`` of the catalog and the
``void:Dataset`` described here, so the two descriptions meet in one IRI. Class and property
partitions, the vocabularies in use, and the linksets to Wikidata and to the DCAT-AP.de
political-geocoding IRIs are all computed from the triples that are published.
"""
from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, XSD

from .vocab import LICENSE, TPF_SPEC, VOID, bind_prefixes

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


def _num(term) -> int:
    return int(term.value)


def _iri(term) -> URIRef:
    return URIRef(term.value)


def statistics(store, uri_space: str, census: dict | None = None) -> dict:
    """Every number the VoID description states, for the graph in the release's store (pyoxigraph,
    default graph).

    ``census`` (distinct subjects and objects, triples per property, entities per class, as pyoxigraph
    terms) comes from the pass over the graph that also cuts the project subsets (``subsets.py``);
    without it the same numbers are counted by SPARQL aggregates on the store. String prefix tests
    (entities, linksets) run on distinct terms only, never on every triple."""
    if census is None:
        census = {"subjects": [r["s"] for r in store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }")],
                  "objects": [r["o"] for r in store.query("SELECT DISTINCT ?o WHERE { ?s ?p ?o }")],
                  "properties": {r["p"]: _num(r["n"]) for r in store.query(
                      "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")},
                  "classes": {r["c"]: _num(r["n"]) for r in store.query(
                      "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")}}
    properties = {_iri(p): n for p, n in census["properties"].items()}
    classes = {_iri(c): n for c, n in census["classes"].items()}
    named = ox.NamedNode
    entities = sum(1 for s in census["subjects"] if type(s) is named and s.value.startswith(uri_space))
    targets = {}
    for obj in census["objects"]:
        if type(obj) is named:
            for key, (_, space, _) in LINK_TARGETS.items():
                if obj.value.startswith(space):
                    targets.setdefault(key, []).append(obj)
    links = Counter()
    for key, objects in targets.items():
        for start in range(0, len(objects), 1000):
            values = " ".join(str(o) for o in objects[start:start + 1000])
            for r in store.query(f"SELECT ?s ?p WHERE {{ VALUES ?o {{ {values} }} ?s ?p ?o FILTER(isIRI(?s)) }}"):
                if r["s"].value.startswith(uri_space):
                    links[(key, _iri(r["p"]))] += 1
    totals = {"s_": len(census["subjects"]), "o_": len(census["objects"])}
    vocabularies = sorted({namespace_of(str(p)) for p in properties} | {namespace_of(str(c)) for c in classes})
    return {
        "triples": sum(properties.values()), "entities": entities, "distinctSubjects": totals["s_"],
        "distinctObjects": totals["o_"], "properties": len(properties), "classes": len(classes),
        "class_partitions": classes, "property_partitions": properties, "links": dict(links),
        "vocabularies": vocabularies,
    }


def _other_accesses(g: Graph, ds: URIRef, base: str) -> None:
    """The change feed (LDES, docs/versions.md) and the Triple Pattern Fragments (docs/fragments.md)."""
    g.add((ds, RDFS.seeAlso, URIRef(base + "/ldes")))
    g.add((URIRef(base + "/ldes"), RDF.type, URIRef("https://w3id.org/ldes#EventStream")))
    g.add((ds, RDFS.seeAlso, URIRef(base + "/fragments")))
    g.add((URIRef(base + "/fragments"), DCTERMS.conformsTo, URIRef(TPF_SPEC)))


def build_void(store, base: str, dumps: dict, modified: str, example: URIRef | None = None,
               census: dict | None = None) -> Graph:
    """VoID for the graph in ``store`` (pyoxigraph); ``dumps`` maps dump file names to their manifest entries."""
    stats = statistics(store, base + "/id/", census)
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
    _other_accesses(g, ds, base)
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
