"""SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/) of the endpoint,
with the default dataset described in VoID (https://www.w3.org/TR/void/): triple count from the
release manifest, dumps, the endpoint. All IRIs from the configured public base, never the request host.
"""
from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ..kg.namespaces import PREFIXES, VOID, graph_name
from . import results

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ENT = Namespace("http://www.w3.org/ns/entailment/")


def describe(settings, manifest: dict) -> Graph:
    base = settings.public_base
    endpoint = URIRef(f"{base}/sparql")
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    g.bind("ent", ENT)
    g.bind("formats", results.FORMATS_NS)

    g.add((endpoint, RDF.type, SD.Service))
    g.add((endpoint, SD.endpoint, endpoint))
    g.add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in results.FORMATS:
        g.add((endpoint, SD.resultFormat, URIRef(fmt.w3c)))
    g.add((endpoint, SD.defaultEntailmentRegime, ENT.Simple))
    g.add((endpoint, SD.feature, SD.UnionDefaultGraph))  # the default graph is the one named graph
    if settings.sparql_federation_allow:
        g.add((endpoint, SD.feature, SD.BasicFederatedQuery))
    g.add((endpoint, RDFS.comment, Literal(
        f"Read-only. Time limit {settings.sparql_timeout:g} s per query; at most {settings.sparql_max_rows} "
        f"result rows (a cut result carries the header X-SPARQL-Truncated); queries of at most "
        f"{settings.sparql_max_query_length} characters. SERVICE only to: "
        f"{', '.join(settings.sparql_federation_allow) or 'none'}. FROM/FROM NAMED name graphs in the "
        "store; they are never dereferenced.", lang="en")))

    dataset = URIRef(f"{base}/sparql#dataset")
    default_graph, named_graph, graph = BNode("defaultGraph"), BNode("namedGraph"), BNode("graph")
    triples = Literal(int(manifest.get("triples", 0)), datatype=XSD.integer)
    g.add((endpoint, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((dataset, SD.namedGraph, named_graph))
    g.add((dataset, VOID.sparqlEndpoint, endpoint))
    g.add((dataset, VOID.triples, triples))
    g.add((dataset, RDFS.seeAlso, URIRef(f"{base}/.well-known/void")))
    g.add((dataset, RDFS.seeAlso, URIRef(f"{base}/fragments")))  # the same data as Triple Pattern Fragments
    if manifest.get("created"):
        g.add((dataset, DCTERMS.modified, Literal(manifest["created"], datatype=XSD.dateTime)))
    for name in manifest.get("dumps", {}):
        g.add((dataset, VOID.dataDump, URIRef(f"{base}/dumps/{name}")))
    for prefix, namespace in sorted(PREFIXES.items()):
        if prefix in ("ikpe", "schema", "dcterms", "org", "foaf", "prov", "skos", "geo", "rov"):
            g.add((dataset, VOID.vocabulary, URIRef(str(namespace))))
    for node in (default_graph, graph):
        g.add((node, RDF.type, SD.Graph))
        g.add((node, VOID.triples, triples))
    g.add((named_graph, RDF.type, SD.NamedGraph))
    g.add((named_graph, SD.name, URIRef(graph_name(base))))
    g.add((named_graph, SD.graph, graph))
    return g
