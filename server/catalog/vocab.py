"""Namespaces and controlled-vocabulary IRIs used by the catalog (DCAT-AP.de 3.0, VoID, Hydra)."""
from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from ..kg.namespaces import VOID

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
DCATAP = Namespace("http://data.europa.eu/r5r/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
TPF_SPEC = "https://linkeddatafragments.org/specification/triple-pattern-fragments/"
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ADMS = Namespace("http://www.w3.org/ns/adms#")

EU = "http://publications.europa.eu/resource/authority/"
DATA_THEME = Namespace(EU + "data-theme/")
FILE_TYPE = Namespace(EU + "file-type/")
FREQUENCY = Namespace(EU + "frequency/")
LANGUAGE = Namespace(EU + "language/")
ACCESS_RIGHT = Namespace(EU + "access-right/")
IANA = "https://www.iana.org/assignments/media-types/"

GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"
GEOCODING_LEVEL = Namespace(GEOCODING + "Level/")
LICENSES = "http://dcat-ap.de/def/licenses/"

# The licence of everything we publish (see docs/dcat.md, "Licence").
LICENSE = URIRef(LICENSES + "cc-by/4.0")

PREFIXES = {
    "dcat": DCAT, "dcterms": DCTERMS, "dcatde": DCATDE, "dcatap": DCATAP, "foaf": FOAF, "vcard": VCARD,
    "spdx": SPDX, "hydra": HYDRA, "void": VOID, "prov": PROV, "rdfs": RDFS, "skos": SKOS, "xsd": XSD,
    "locn": LOCN, "rdf": RDF,
}


def bind_prefixes(graph):
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph
