"""Everything we publish has a German and an English label, and no HTML page names a property by its
raw local name.

Labels of other vocabularies' terms are ours (ontology/labels.ttl, and ontology/alignment.ttl for the
EURIO, VIVO and FRAPO terms), each marked with a ``skos:editorialNote``. Two documented exceptions:
people have a German label only (names are not translated, docs/model.md "English text"), and the
ontology documents are named by ``dcterms:title`` (de and en), as ontology headers are.
"""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from server.web.labels import local_name

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://lod.ikpe-erfurt.de"
IKPE_NS = BASE + "/def/ikpe#"

PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#>
"""

# Every IRI that is a subject, a class or a property in the published graph, with the languages it
# lacks a label in; the exceptions above are applied in the query.
UNLABELLED = PREFIXES + """
SELECT ?term ?lang WHERE {
  { SELECT DISTINCT ?term WHERE {
      { ?term ?p ?o FILTER(isIRI(?term)) } UNION { ?s a ?term } UNION { ?s ?term ?o } } }
  VALUES ?lang { "de" "en" }
  FILTER NOT EXISTS { ?term rdfs:label ?label FILTER(langMatches(lang(?label), ?lang)) }
  FILTER NOT EXISTS { ?term a foaf:Person FILTER(?lang = "en") }
  FILTER NOT EXISTS { ?term a owl:Ontology ; dcterms:title ?title FILTER(langMatches(lang(?title), ?lang)) }
} ORDER BY ?term ?lang
"""

RESOURCES = PREFIXES + f"""
SELECT DISTINCT ?s WHERE {{
  ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{BASE}/id/"))
  FILTER NOT EXISTS {{ ?s a ikpe:Tombstone }}
}} ORDER BY ?s
"""


def test_every_subject_class_and_property_has_a_label_in_german_and_english(store):
    missing = [(str(row["term"]), str(row["lang"])) for row in store.select(UNLABELLED)]
    assert missing == []


@pytest.fixture(scope="module")
def label_modules() -> Graph:
    graph = Graph()
    for name in ("labels.ttl", "alignment.ttl"):
        graph.parse(ROOT / "ontology" / name, format="turtle")
    return graph


def test_our_labels_of_other_vocabularies_are_marked_and_complete(label_modules):
    labelled = {s for s in label_modules.subjects(RDFS.label) if not str(s).startswith(IKPE_NS)}
    assert len(labelled) > 100
    for term in labelled:
        languages = sorted(l.language for l in label_modules.objects(term, RDFS.label))
        assert languages == ["de", "en"], term
        notes = {n.language for n in label_modules.objects(term, SKOS.editorialNote) if isinstance(n, Literal)}
        assert notes == {"de", "en"}, f"{term}: English label without the editorial note"


def test_no_label_for_a_term_the_graph_does_not_use(store, label_modules):
    """The label modules stay what the graph needs: every labelled term occurs in a triple of the data
    or the ontology other than its own labelling."""
    used = PREFIXES + """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        ASK {{ {{ ?s ?p <{0}> }} UNION {{ ?s <{0}> ?o }}
               UNION {{ <{0}> ?p ?o FILTER(?p NOT IN (rdfs:label, skos:editorialNote)) }} }}"""
    unused = [str(term) for term in set(label_modules.subjects(RDFS.label))
              if not str(term).startswith(IKPE_NS) and not store.ask(used.format(term))]
    assert unused == []


@pytest.mark.parametrize("path", ["/def/ikpe/labels", "/def/ikpe/labels/0.1.0"])
def test_the_labels_module_is_published(client, path):
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    geometry = Literal("Geometrie", lang="de")
    assert (URIRef("http://www.opengis.net/ont/geosparql#hasGeometry"), RDFS.label, geometry) in graph


class PropertyNames(HTMLParser):
    """(property IRI, text shown) of every ``<abbr title="property">label</abbr>`` of a fact list."""

    def __init__(self, html: str):
        super().__init__()
        self.shown: list[tuple[str, str]] = []
        self._property = None
        self._in_dt = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "dt":
            self._in_dt = True
        elif tag == "abbr" and self._in_dt:
            self._property = dict(attrs).get("title")
            self.shown.append((self._property, ""))

    def handle_endtag(self, tag):
        if tag == "abbr":
            self._property = None
        elif tag == "dt":
            self._in_dt = False

    def handle_data(self, data):
        if self._property:
            prop, text = self.shown[-1]
            self.shown[-1] = (prop, text + data)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_resource_page_names_a_property_by_its_local_name(client, store, lang):
    paths = ["/doc/" + str(r["s"])[len(BASE + "/id/"):] for r in store.select(RESOURCES)]
    assert len(paths) > 50
    raw, shown_properties = [], set()
    for path in paths:
        response = client.get(path, query_string={"lang": lang})
        assert response.status_code == 200, path
        for prop, text in PropertyNames(response.get_data(as_text=True)).shown:
            shown_properties.add(prop)
            name = local_name(prop)
            if text.strip() == name or f"“{name}”" in text:
                raw.append((path, prop, text.strip()))
    assert "http://www.opengis.net/ont/geosparql#hasGeometry" in shown_properties
    assert raw == []
