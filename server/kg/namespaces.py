"""Namespaces of the ontology and the standard vocabularies it uses."""
from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD, ORG

IKPE = Namespace("https://lod.ikpe-erfurt.de/def/ikpe#")
ONTOLOGY_IRI = "https://lod.ikpe-erfurt.de/def/ikpe"
SCHEMA = Namespace("https://schema.org/")
ROV = Namespace("http://www.w3.org/ns/regorg#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
VOID = Namespace("http://rdfs.org/ns/void#")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES = {
    "ikpe": IKPE, "schema": SCHEMA, "dcterms": DCTERMS, "rdfs": RDFS, "rdf": RDF, "skos": SKOS,
    "org": ORG, "rov": ROV, "foaf": FOAF, "prov": PROV, "dcat": DCAT, "xsd": XSD, "owl": OWL,
    "geo": GEO, "void": VOID, "wd": WD,
}



def graph_name(public_base: str) -> str:
    """The name of the one graph holding the published data (the SPARQL dataset's named graph)."""
    return f"{public_base.rstrip('/')}/sparql#graph"


__all__ = ["graph_name", "IKPE", "ONTOLOGY_IRI", "SCHEMA", "ROV", "GEO", "VOID", "SH", "WD", "PREFIXES",
           "DCAT", "DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD", "ORG"]
