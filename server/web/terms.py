"""How the HTML pages name and order the properties of standard vocabularies.

Our own terms (``ikpe:``) carry German and English labels in the ontology, which the RDF document
includes; standard properties get their interface label here, through gettext, so they are
translated like the rest of the interface. ``INVERSE`` names a property read backwards
("Beteiligt an", "Enthält"). ``GROUPS`` orders the properties of a page into sections.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS

from ..kg.namespaces import IKPE, ROV, SCHEMA

PROPERTY_LABELS = {
    RDF.type: _l("Type"),
    RDFS.label: _l("Label"),
    RDFS.comment: _l("Comment"),
    RDFS.seeAlso: _l("See also"),
    DCTERMS.title: _l("Title"),
    DCTERMS.description: _l("Description"),
    DCTERMS.subject: _l("Themes"),
    DCTERMS.source: _l("Source"),
    DCTERMS.date: _l("Date"),
    DCTERMS.publisher: _l("Publisher"),
    DCTERMS.license: _l("Licence"),
    DCTERMS.language: _l("Language"),
    DCTERMS.bibliographicCitation: _l("Attribution"),
    DCTERMS.replaces: _l("Replaces"),
    DCTERMS.isReplacedBy: _l("Replaced by"),
    DCTERMS.isPartOf: _l("Part of"),
    SKOS.definition: _l("Definition"),
    SKOS.editorialNote: _l("Editorial note"),
    SKOS.historyNote: _l("History"),
    SKOS.inScheme: _l("In scheme"),
    SKOS.notation: _l("Notation"),
    SKOS.prefLabel: _l("Preferred label"),
    SCHEMA.alternateName: _l("Short name"),
    SCHEMA.legalName: _l("Official name"),
    SCHEMA.startDate: _l("Start"),
    SCHEMA.endDate: _l("End"),
    SCHEMA.validFrom: _l("Valid from"),
    SCHEMA.validThrough: _l("Valid until"),
    SCHEMA.sameAs: _l("Same as (Wikidata)"),
    SCHEMA.containedInPlace: _l("Part of"),
    SCHEMA.funder: _l("Funder"),
    SCHEMA.fundedItem: _l("Funded"),
    SCHEMA.honorificPrefix: _l("Title"),
    SCHEMA.givenName: _l("Given name"),
    SCHEMA.familyName: _l("Family name"),
    SCHEMA.url: _l("Web address"),
    ROV.legalName: _l("Legal name"),
    ROV.orgType: _l("Legal form"),
    ORG.unitOf: _l("Unit of"),
    ORG.originalOrganization: _l("Before the change"),
    ORG.resultingOrganization: _l("After the change"),
    FOAF.primaryTopic: _l("About"),
    PROV.wasDerivedFrom: _l("Derived from"),
    OWL.sameAs: _l("Same as"),
    DCAT.keyword: _l("Keyword"),
}

INVERSE = {
    IKPE.roleIn: _l("Roles"),
    IKPE.roleHolder: _l("Roles held"),
    SCHEMA.containedInPlace: _l("Contains"),
    SCHEMA.funder: _l("Funds"),
    SCHEMA.fundedItem: _l("Funded by"),
    DCTERMS.subject: _l("Theme of"),
    DCTERMS.source: _l("Source of"),
    DCTERMS.replaces: _l("Replaced by"),
    DCTERMS.isReplacedBy: _l("Replaces"),
    DCTERMS.publisher: _l("Publisher of"),
    ORG.unitOf: _l("Units"),
    ORG.originalOrganization: _l("Changed by (before)"),
    ORG.resultingOrganization: _l("Changed by (after)"),
    IKPE.buildingBlockOf: _l("Building blocks"),
    IKPE.worksAlongside: _l("Projects working alongside"),
    IKPE.withinProgramme: _l("Fundings within"),
    IKPE.actingThrough: _l("Acts for"),
    SKOS.inScheme: _l("Concepts"),
    ROV.orgType: _l("Organisations with this legal form"),
}

# Sections of a page, in order; properties not listed land in "More".
GROUPS = (
    ("names", _l("Names"), (RDFS.label, DCTERMS.title, SCHEMA.alternateName, SCHEMA.legalName, ROV.legalName,
                            SCHEMA.honorificPrefix, SCHEMA.givenName, SCHEMA.familyName, SKOS.prefLabel,
                            SKOS.notation)),
    ("about", _l("Description"), (DCTERMS.description, SKOS.definition, RDFS.comment, SKOS.historyNote)),
    ("time", _l("Time"), (SCHEMA.startDate, SCHEMA.endDate, SCHEMA.validFrom, SCHEMA.validThrough, IKPE.asOf,
                          DCTERMS.date, IKPE.withdrawnOn)),
    ("identifiers", _l("Identifiers"), (IKPE.ags, IKPE.kreisschluessel, IKPE.ars, IKPE.nuts, IKPE.destatisName,
                                        SCHEMA.sameAs, IKPE.politicalGeocoding)),
    ("provenance", _l("Provenance"), (DCTERMS.source, DCTERMS.publisher, DCTERMS.license,
                                      DCTERMS.bibliographicCitation, SKOS.editorialNote)),
)

# Shown elsewhere on every page (type in the header) or derived for machines only.
HIDDEN = {RDF.type, IKPE.periodStart, IKPE.periodEnd}


def property_label(prop: URIRef, graph_label: str | None) -> str:
    if prop in PROPERTY_LABELS:
        return str(PROPERTY_LABELS[prop])
    return graph_label or str(prop).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
