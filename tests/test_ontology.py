"""The OWL ontology (ontology/ikpe.ttl) and its alignment (ontology/alignment.ttl).

Checks the ontology against the data-model contract in docs/model.md (every
`ikpe:` term of its tables is defined, and nothing else; classes refine what the
contract says), the documentation rules (labels and definitions in German and
English, rdfs:isDefinedBy), internal consistency (no dangling ikpe: terms) and
the alignment (only existing ikpe: terms, only target IRIs that were verified
against the published EURIO / VIVO / FRAPO ontologies).

The checks are plain functions returning a list of problems, so the tests at
the end can prove on planted bad Turtle that each check really fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "ikpe.ttl"
MODULE_FILES = [ROOT / "ontology" / "ikpe-lifecycle.ttl"]  # further modules of the same namespace
ALIGNMENT_FILE = ROOT / "ontology" / "alignment.ttl"
MODEL_DOC = ROOT / "docs" / "model.md"
ONTOLOGY_DOC = ROOT / "docs" / "ontology.md"

IKPE_NS = "https://lod.ikpe-erfurt.de/def/ikpe#"
IKPE = Namespace(IKPE_NS)
ONTOLOGY_IRI = URIRef("https://lod.ikpe-erfurt.de/def/ikpe")
VERSION_IRI = URIRef("https://lod.ikpe-erfurt.de/def/ikpe/0.1.0")
ALIGNMENT_IRI = URIRef("https://lod.ikpe-erfurt.de/def/ikpe/alignment")
PUBLISHER = URIRef("https://lod.ikpe-erfurt.de/id/organisation/ikpe")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
VANN = Namespace("http://purl.org/vocab/vann/")
# an open Namespace: pytest trips over rdflib's closed XSD namespace when collecting
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SCHEMA = Namespace("https://schema.org/")

EURIO_NS = "http://data.europa.eu/s66#"
VIVO_NS = "http://vivoweb.org/ontology/core#"
FRAPO_NS = "http://purl.org/cerif/frapo/"
TARGET_NAMESPACES = {"eurio": EURIO_NS, "vivo": VIVO_NS, "frapo": FRAPO_NS}

# Prefixes used in docs/model.md's "refines" column.
PREFIXES = {
    "ikpe": IKPE_NS,
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    **TARGET_NAMESPACES,
}

# Every target term the alignment may use, with where it was verified. Adding a
# mapping means adding its target here, with its source: no guessed IRIs.
_FRAPO_SRC = "SPAROntologies/frapo docs/2017-09-04/frapo.ttl (FRAPO 1.1.1)"
_EURIO_SRC = "EURIO 2.x term list (types and definitions)"
_VIVO_SRC = "vivo-ontologies/vivo-ontology vivo.owl (VIVO core)"
VERIFIED_TARGETS = {
    **{EURIO_NS + t: _EURIO_SRC for t in (
        "Project", "FundingScheme", "Grant", "Organisation", "OrganisationUnit",
        "PublicBody", "AdministrativeArea", "Role", "OrganisationRole",
        "isInvolvedIn", "isRoleOf", "hasFundingScheme", "hasNUTSCode",
    )},
    **{VIVO_NS + t: _VIVO_SRC for t in (
        "Project", "Grant", "Department", "StateOrProvince", "County",
        "PopulatedPlace", "LeaderRole", "roleContributesTo",
    )},
    **{FRAPO_NS + t: _FRAPO_SRC for t in (
        "FundingProgramme", "Funding", "Grant", "Department",
    )},
}
# Looked up and found NOT to exist in the published ontologies.
KNOWN_NONEXISTENT = {FRAPO_NS + "Project", VIVO_NS + "FundingProgram"}

MAPPING_PREDICATES = {
    SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch,
    SKOS.relatedMatch, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass,
    OWL.equivalentProperty,
}
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty}
TERM_TYPES = {OWL.Class} | PROPERTY_TYPES


# --------------------------------------------------------------------------
#  checks (pure functions: graph in, list of problems out)
# --------------------------------------------------------------------------

def is_ikpe(node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(IKPE_NS)


def curie(node) -> str:
    for prefix, ns in PREFIXES.items():
        if str(node).startswith(ns):
            return f"{prefix}:{str(node)[len(ns):]}"
    return f"<{node}>"


def defined_terms(graph: Graph) -> set[URIRef]:
    """ikpe: IRIs typed as an OWL class or property."""
    return {
        s for t in TERM_TYPES for s in graph.subjects(RDF.type, t) if is_ikpe(s)
    }


def annotation_problems(graph: Graph) -> list[str]:
    """Each term: exactly one rdfs:label and one skos:definition per language
    (de, en), non-empty, and rdfs:isDefinedBy the ontology."""
    problems = []
    for term in sorted(defined_terms(graph)):
        for prop in (RDFS.label, SKOS.definition):
            values = list(graph.objects(term, prop))
            for lang in ("de", "en"):
                tagged = [v for v in values
                          if isinstance(v, Literal) and v.language == lang]
                if len(tagged) != 1:
                    problems.append(
                        f"{curie(term)}: {len(tagged)} {curie(prop)} @{lang}")
                elif not str(tagged[0]).strip():
                    problems.append(f"{curie(term)}: empty {curie(prop)} @{lang}")
            untagged = [v for v in values
                        if not (isinstance(v, Literal) and v.language in ("de", "en"))]
            if untagged:
                problems.append(f"{curie(term)}: {curie(prop)} without de/en tag")
        if set(graph.objects(term, RDFS.isDefinedBy)) != {ONTOLOGY_IRI}:
            problems.append(f"{curie(term)}: rdfs:isDefinedBy is not {ONTOLOGY_IRI}")
    return problems


def dangling_references(graph: Graph, defined: set[URIRef]) -> list[str]:
    """ikpe: IRIs used anywhere (superclass, superproperty, domain, range,
    domainIncludes, ...) but not defined."""
    used = {n for triple in graph for n in triple if is_ikpe(n)}
    return sorted(f"{curie(n)} is used but not defined" for n in used - defined)


def typing_problems(graph: Graph) -> list[str]:
    """Properties are exactly one of owl:ObjectProperty / owl:DatatypeProperty,
    with ranges of the right kind; no term is both a class and a property."""
    problems = []
    for term in sorted(defined_terms(graph)):
        types = set(graph.objects(term, RDF.type)) & TERM_TYPES
        if len(types) != 1:
            problems.append(f"{curie(term)}: typed {sorted(map(curie, types))}")
            continue
        (kind,) = types
        for rng in graph.objects(term, RDFS.range):
            is_datatype = str(rng).startswith(str(XSD)) or rng == RDFS.Literal
            if kind == OWL.DatatypeProperty and not is_datatype:
                problems.append(f"{curie(term)}: datatype property with range {curie(rng)}")
            if kind == OWL.ObjectProperty and is_datatype:
                problems.append(f"{curie(term)}: object property with range {curie(rng)}")
        if kind == OWL.Class and (
                set(graph.objects(term, RDFS.domain)) or set(graph.objects(term, RDFS.range))):
            problems.append(f"{curie(term)}: a class with rdfs:domain/rdfs:range")
    return problems


def model_tables(markdown: str) -> dict[str, list[list[str]]]:
    """Table rows (cells) of docs/model.md, keyed by the '## ' section title."""
    tables: dict[str, list[list[str]]] = {}
    section = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.lstrip().startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue  # separator row
            tables.setdefault(section, []).append(cells)
    return tables


IKPE_CURIE = re.compile(r"`ikpe:([A-Za-z][A-Za-z0-9_]*)`")
ANY_CURIE = re.compile(r"`([a-z]+):([A-Za-z][A-Za-z0-9_]*)`")


def ikpe_terms_in(text: str) -> set[URIRef]:
    return {IKPE[name] for name in IKPE_CURIE.findall(text)}


def model_terms(markdown: str) -> set[URIRef]:
    """Every `ikpe:` term in any table of docs/model.md."""
    tables = model_tables(markdown)
    return {t for rows in tables.values() for row in rows for t in ikpe_terms_in(" | ".join(row))}


def model_refinements(markdown: str) -> dict[URIRef, set[URIRef]]:
    """Class -> the standard classes it refines, from the Classes table."""
    result = {}
    for row in model_tables(markdown).get("Classes", [])[1:]:
        if len(row) < 3:
            continue
        supers = {URIRef(PREFIXES[p] + n) for p, n in ANY_CURIE.findall(row[2]) if p in PREFIXES}
        for cls in ikpe_terms_in(row[0]):
            result[cls] = supers
    return result


def alignment_problems(alignment: Graph, ontology: Graph) -> list[str]:
    """The alignment only maps defined ikpe: terms to verified target terms of
    the same kind (class to class, property to property), declared in the
    alignment, and defines no ikpe: terms itself."""
    problems = []
    defined = defined_terms(ontology)
    for node in {n for triple in alignment for n in triple if is_ikpe(n)} - defined:
        problems.append(f"alignment uses undefined {curie(node)}")
    for s in {s for s in alignment.subjects() if is_ikpe(s)}:
        for p in set(alignment.predicates(s)) - MAPPING_PREDICATES:
            problems.append(f"alignment states {curie(p)} of our {curie(s)}: only mappings belong here")
    for s, p, o in alignment:
        if p not in MAPPING_PREDICATES or not is_ikpe(s):
            continue
        if not any(str(o).startswith(ns) for ns in TARGET_NAMESPACES.values()):
            problems.append(f"{curie(s)} {curie(p)} {curie(o)}: target outside EURIO/VIVO/FRAPO")
            continue
        if str(o) in KNOWN_NONEXISTENT or str(o) not in VERIFIED_TARGETS:
            problems.append(f"{curie(s)} {curie(p)} {curie(o)}: target IRI not verified")
        our_kind = set(ontology.objects(s, RDF.type)) & TERM_TYPES
        their_kind = set(alignment.objects(o, RDF.type)) & TERM_TYPES
        if not their_kind:
            problems.append(f"{curie(o)} is not declared in the alignment")
        elif (OWL.Class in our_kind) != (OWL.Class in their_kind):
            problems.append(f"{curie(s)} {curie(p)} {curie(o)}: maps a class to a property or back")
        if p == RDFS.subClassOf and OWL.Class not in their_kind:
            problems.append(f"{curie(s)} rdfs:subClassOf non-class {curie(o)}")
        if p == RDFS.subPropertyOf and not (their_kind & PROPERTY_TYPES):
            problems.append(f"{curie(s)} rdfs:subPropertyOf non-property {curie(o)}")
    return sorted(problems)


def mappings(alignment: Graph) -> list[tuple[URIRef, URIRef, URIRef]]:
    return sorted((s, p, o) for s, p, o in alignment
                  if p in MAPPING_PREDICATES and is_ikpe(s))


# --------------------------------------------------------------------------
#  fixtures
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph().parse(ONTOLOGY_FILE, format="turtle")
    for module in MODULE_FILES:
        graph.parse(module, format="turtle")
    return graph


@pytest.fixture(scope="module")
def alignment() -> Graph:
    return Graph().parse(ALIGNMENT_FILE, format="turtle")


@pytest.fixture(scope="module")
def model_md() -> str:
    return MODEL_DOC.read_text(encoding="utf-8")


# --------------------------------------------------------------------------
#  the ontology
# --------------------------------------------------------------------------

def test_header(ontology):
    o = ONTOLOGY_IRI
    assert (o, RDF.type, OWL.Ontology) in ontology
    assert list(ontology.subjects(RDF.type, OWL.Ontology)) == [o]
    assert set(ontology.objects(o, OWL.versionInfo)) == {Literal("0.1.0")}
    assert set(ontology.objects(o, OWL.versionIRI)) == {VERSION_IRI}
    assert set(ontology.objects(o, DCTERMS.creator)) == {PUBLISHER}
    assert set(ontology.objects(o, DCTERMS.publisher)) == {PUBLISHER}
    assert set(ontology.objects(o, DCTERMS.license)) == {LICENSE}
    assert set(ontology.objects(o, VANN.preferredNamespacePrefix)) == {Literal("ikpe")}
    assert set(ontology.objects(o, VANN.preferredNamespaceUri)) == {Literal(IKPE_NS)}
    for prop in (DCTERMS.title, DCTERMS.description, SKOS.editorialNote):
        langs = {v.language for v in ontology.objects(o, prop)}
        assert langs == {"de", "en"}, f"{curie(prop)} languages: {langs}"
    for prop in (DCTERMS.created, DCTERMS.modified):
        (value,) = ontology.objects(o, prop)
        assert value.datatype == XSD.date
    created = ontology.value(o, DCTERMS.created).toPython()
    assert ontology.value(o, DCTERMS.modified).toPython() >= created


def test_german_is_declared_authoritative(ontology):
    notes = {str(v) for v in ontology.objects(ONTOLOGY_IRI, SKOS.editorialNote)}
    assert any("German is the authoritative language" in n for n in notes)
    assert any("Deutsch ist die maßgebliche Sprache" in n for n in notes)


def test_every_term_has_labels_definitions_and_is_defined_by(ontology):
    assert defined_terms(ontology), "no ikpe: terms found"
    assert annotation_problems(ontology) == []


def test_no_dangling_ikpe_terms(ontology):
    assert dangling_references(ontology, defined_terms(ontology)) == []


def test_property_typing(ontology):
    assert typing_problems(ontology) == []


def test_every_model_term_is_defined(ontology, model_md):
    expected = model_terms(model_md)
    assert len(expected) >= 30, "parsing docs/model.md found too few ikpe: terms"
    missing = sorted(map(curie, expected - defined_terms(ontology)))
    assert missing == []


def test_ontology_defines_nothing_beyond_the_model(ontology, model_md):
    extra = sorted(map(curie, defined_terms(ontology) - model_terms(model_md)))
    assert extra == [], "add new terms to docs/model.md first"


def test_model_classes_are_classes_and_properties_are_properties(ontology, model_md):
    tables = model_tables(model_md)
    classes = {t for row in tables["Classes"] for t in ikpe_terms_in(row[0])}
    properties = {t for row in tables["Properties"] for t in ikpe_terms_in(row[0])}
    assert classes and properties
    for cls in classes:
        assert (cls, RDF.type, OWL.Class) in ontology, curie(cls)
    for prop in properties:
        assert set(ontology.objects(prop, RDF.type)) & PROPERTY_TYPES, curie(prop)


def test_classes_refine_what_the_model_says(ontology, model_md):
    refinements = model_refinements(model_md)
    assert IKPE.Project in refinements and IKPE.Land in refinements
    for cls, supers in refinements.items():
        stated = set(ontology.objects(cls, RDFS.subClassOf))
        assert supers <= stated, f"{curie(cls)} lacks {sorted(map(curie, supers - stated))}"


def test_key_refinements(ontology):
    schema_project = SCHEMA.Project
    assert (IKPE.Project, RDFS.subClassOf, schema_project) in ontology
    assert (IKPE.buildingBlockOf, RDFS.subPropertyOf, DCTERMS.isPartOf) in ontology
    for kind in (IKPE.Land, IKPE.Landkreis, IKPE.KreisfreieStadt, IKPE.GrosseKreisstadt):
        assert (kind, RDFS.subClassOf, IKPE.Gebietskoerperschaft) in ontology
    for role in (IKPE.ProjectLead, IKPE.ContactPerson, IKPE.ProjectPartner, IKPE.Participation):
        assert (role, RDFS.subClassOf, IKPE.Role) in ontology


def test_roles_link_project_and_holder(ontology):
    assert (IKPE.roleIn, RDFS.domain, IKPE.Role) in ontology
    assert (IKPE.roleIn, RDFS.range, IKPE.Project) in ontology
    assert (IKPE.roleHolder, RDFS.domain, IKPE.Role) in ontology
    holders = set(ontology.objects(IKPE.roleHolder, SCHEMA.rangeIncludes))
    assert {IKPE.Person, IKPE.Organisation, IKPE.Gebietskoerperschaft} <= holders


def test_no_union_domains_or_ranges(ontology):
    """Looseness via schema:domainIncludes/rangeIncludes, not owl:unionOf."""
    for prop in (RDFS.domain, RDFS.range):
        for value in ontology.objects(None, prop):
            assert not isinstance(value, BNode), f"anonymous {curie(prop)}"


@pytest.mark.parametrize("path", [ONTOLOGY_FILE, *MODULE_FILES, ALIGNMENT_FILE])
def test_schema_org_namespace_is_https(path):
    assert "http://schema.org/" not in path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------
#  the alignment
# --------------------------------------------------------------------------

def test_alignment_header(alignment):
    assert (ALIGNMENT_IRI, RDF.type, OWL.Ontology) in alignment
    assert (ALIGNMENT_IRI, OWL.imports, ONTOLOGY_IRI) in alignment
    assert alignment.value(ALIGNMENT_IRI, OWL.versionInfo) == Literal("0.1.0")


def test_alignment_references_only_defined_terms_and_verified_targets(alignment, ontology):
    assert len(mappings(alignment)) >= 20
    assert alignment_problems(alignment, ontology) == []


def test_alignment_covers_each_target_vocabulary(alignment):
    targets = {(s, ns) for s, _, o in mappings(alignment)
               for ns in TARGET_NAMESPACES.values() if str(o).startswith(ns)}
    expected = {
        IKPE.Project: (EURIO_NS, VIVO_NS),
        IKPE.FundingProgramme: (EURIO_NS, FRAPO_NS),
        IKPE.Funding: (EURIO_NS, VIVO_NS, FRAPO_NS),
        IKPE.OrganisationalUnit: (EURIO_NS, VIVO_NS, FRAPO_NS),
        IKPE.Role: (EURIO_NS,),
        IKPE.roleIn: (EURIO_NS, VIVO_NS),
    }
    for term, namespaces in expected.items():
        for ns in namespaces:
            assert (term, ns) in targets, f"{curie(term)} has no mapping into {ns}"


def test_alignment_subclass_links_are_few_and_deliberate(alignment):
    """rdfs:subClassOf only where the target's definition holds for all our
    instances (reasoned in alignment.ttl); everything else is SKOS."""
    subclass = {(s, o) for s, p, o in mappings(alignment) if p == RDFS.subClassOf}
    assert subclass == {
        (IKPE.Project, URIRef(VIVO_NS + "Project")),
        (IKPE.Funding, URIRef(FRAPO_NS + "Funding")),
    }


def test_ontology_doc_lists_every_mapping(alignment):
    doc = ONTOLOGY_DOC.read_text(encoding="utf-8")
    for s, _, o in mappings(alignment):
        assert curie(s) in doc and curie(o) in doc, f"{curie(s)} → {curie(o)} not in docs/ontology.md"


def test_ontology_doc_diagram_shows_every_class(ontology):
    doc = ONTOLOGY_DOC.read_text(encoding="utf-8")
    diagram = doc.split("```mermaid", 1)[1].split("```", 1)[0]
    assert "classDiagram" in diagram
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if is_ikpe(cls):
            assert re.search(rf"\b{re.escape(str(cls)[len(IKPE_NS):])}\b", diagram), curie(cls)


# --------------------------------------------------------------------------
#  the checks themselves fail on planted mistakes
# --------------------------------------------------------------------------

PLANTED_PREFIXES = f"""
@prefix ikpe: <{IKPE_NS}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix frapo: <{FRAPO_NS}> .
@prefix vivo: <{VIVO_NS}> .
"""

GOOD_TERM = """
ikpe:Thing a owl:Class ;
    rdfs:label "Ding"@de , "Thing"@en ;
    skos:definition "Ein Ding."@de , "A thing."@en ;
    rdfs:isDefinedBy <https://lod.ikpe-erfurt.de/def/ikpe> .
"""


def planted(turtle: str) -> Graph:
    return Graph().parse(data=PLANTED_PREFIXES + turtle, format="turtle")


def test_planted_good_term_passes():
    g = planted(GOOD_TERM)
    assert annotation_problems(g) == []
    assert dangling_references(g, defined_terms(g)) == []


def test_planted_missing_english_definition_is_caught():
    g = planted(GOOD_TERM.replace(', "A thing."@en', ""))
    assert annotation_problems(g) == ["ikpe:Thing: 0 skos:definition @en"]


def test_planted_second_german_label_and_wrong_defined_by_are_caught():
    g = planted(GOOD_TERM.replace('"Ding"@de', '"Ding"@de , "Sache"@de')
                .replace("/def/ikpe>", "/def/other>"))
    problems = annotation_problems(g)
    assert "ikpe:Thing: 2 rdfs:label @de" in problems
    assert any("isDefinedBy" in p for p in problems)


def test_planted_dangling_superclass_and_range_are_caught():
    g = planted(GOOD_TERM + """
ikpe:Thing rdfs:subClassOf ikpe:Undefined .
ikpe:prop a owl:ObjectProperty ; rdfs:range ikpe:AlsoUndefined .
""")
    assert dangling_references(g, defined_terms(g)) == [
        "ikpe:AlsoUndefined is used but not defined",
        "ikpe:Undefined is used but not defined",
    ]


def test_planted_datatype_property_with_class_range_is_caught():
    g = planted("ikpe:p a owl:DatatypeProperty ; rdfs:range ikpe:Thing .\n"
                "ikpe:q a owl:ObjectProperty , owl:DatatypeProperty .")
    problems = typing_problems(g)
    assert any(p.startswith("ikpe:p: datatype property with range") for p in problems)
    assert any(p.startswith("ikpe:q: typed") for p in problems)


def test_model_parser_reads_terms_and_refinements():
    md = (
        "## Classes\n\n| class | German | refines | what |\n|---|---|---|---|\n"
        "| `ikpe:A`, `ikpe:B` | A | `schema:Thing`, `ikpe:C` | x |\n\n"
        "## Properties\n\n| property | on | value | what |\n|---|---|---|---|\n"
        "| `ikpe:p` | a | `ikpe:A` | mentions `ikpe:q` |\n"
        "Outside a table: `ikpe:notATerm`\n"
    )
    assert model_terms(md) == {IKPE.A, IKPE.B, IKPE.C, IKPE.p, IKPE.q}
    assert model_refinements(md)[IKPE.B] == {SCHEMA.Thing, IKPE.C}


def test_planted_unverified_or_undefined_alignment_is_caught(ontology):
    bad = planted("""
frapo:Project a owl:Class .
vivo:Grant a owl:Class .
ikpe:Project skos:closeMatch frapo:Project .
ikpe:NoSuchClass skos:closeMatch vivo:Grant .
ikpe:roleIn skos:closeMatch vivo:Grant .
ikpe:Project rdfs:label "redefined"@en .
""")
    problems = alignment_problems(bad, ontology)
    assert "ikpe:Project skos:closeMatch frapo:Project: target IRI not verified" in problems
    assert "alignment uses undefined ikpe:NoSuchClass" in problems
    assert "ikpe:roleIn skos:closeMatch vivo:Grant: maps a class to a property or back" in problems
    assert any("only mappings belong here" in p for p in problems)


# --------------------------------------------------------------------------
#  served from the release: /def/ and the version IRI
# --------------------------------------------------------------------------

TITLE_EN = "IKPE ontology: projects, actors and Gebietskörperschaften"


def turtle_of(client, path: str) -> Graph:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle", (path, response.status_code)
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


@pytest.mark.parametrize("path", ["/def/ikpe/0.1.0", "/def/ikpe/0.1.0.ttl"])
def test_the_version_iri_dereferences_to_the_ontology_of_that_version(client, path):
    graph = turtle_of(client, path)
    assert (ONTOLOGY_IRI, OWL.versionIRI, VERSION_IRI) in graph
    assert (IKPE.Project, RDF.type, OWL.Class) in graph
    assert len(graph) == len(turtle_of(client, "/def/ikpe"))


def test_the_version_iri_has_the_ontology_page(client):
    response = client.get("/def/ikpe/0.1.0?lang=en", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert TITLE_EN in html and 'id="Project"' in html
    assert 'href="/def/ikpe/0.1.0"' in client.get("/def/ikpe?lang=en").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/def/ikpe/0.0.9", "/def/ikpe/alignment/9.9.9", "/def/shapes/0.1.0"])
def test_a_version_the_release_does_not_carry_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_alignment_version_iri_dereferences(client):
    graph = turtle_of(client, "/def/ikpe/alignment/0.1.0")
    assert (ALIGNMENT_IRI, RDF.type, OWL.Ontology) in graph


def test_def_shows_the_release_in_service_not_the_source_folder(data_copy, tmp_path):
    from server.release_steps import build
    from server.settings import load_settings
    from server.web.app import create_app

    settings = load_settings(data_dir=data_copy / "data", ontology_dir=data_copy / "ontology",
                             shapes_dir=data_copy / "shapes", build_dir=tmp_path / "build")
    assert build(settings).ok
    client = create_app(settings).test_client()
    source = data_copy / "ontology" / "ikpe.ttl"
    source.write_text(source.read_text(encoding="utf-8").replace(TITLE_EN, "Edited title"), encoding="utf-8")
    shapes = data_copy / "shapes" / "ikpe-shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n<urn:x:new> a <urn:x:Thing> .\n", encoding="utf-8")
    for path in ("/def/ikpe?lang=en", "/def/ikpe/0.1.0?lang=en"):
        html = client.get(path).get_data(as_text=True)
        assert TITLE_EN in html and "Edited title" not in html
    assert (URIRef("urn:x:new"), None, None) not in turtle_of(client, "/def/shapes")

    import time
    time.sleep(1.1)  # release ids have second resolution
    assert build(settings).ok
    assert "Edited title" in client.get("/def/ikpe?lang=en").get_data(as_text=True)
    assert (URIRef("urn:x:new"), None, None) in turtle_of(client, "/def/shapes")
