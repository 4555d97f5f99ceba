"""The view of one resource for the HTML page: labels instead of IRIs, literals with their language,
dates at their precision, qualified relations (roles, fundings) read as sentences, inverse links.

Templates ask for what they show (``view.values(prop)``, ``view.roles()`` …); every property a
template has shown is remembered, so ``view.remaining()`` lists the rest — no fact is ever hidden.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, SKOS

from ..kg.namespaces import IKPE, ROV, SCHEMA
from . import terms
from .dates import format_partial_date, precision
from .labels import label, label_literal, local_name, pick_literal
from .links import href

# Most specific first: the type a page is titled with.
TYPE_PRIORITY = (
    IKPE.Land, IKPE.Landkreis, IKPE.KreisfreieStadt, IKPE.GrosseKreisstadt, IKPE.Gebietskoerperschaft,
    IKPE.Project, IKPE.FundingProgramme, IKPE.OrganisationalUnit, IKPE.Organisation, IKPE.Person,
    IKPE.ProjectLead, IKPE.ContactPerson, IKPE.ProjectPartner, IKPE.Participation, IKPE.Role, IKPE.Funding,
    IKPE.SourceDocument, IKPE.ReferenceDataset, IKPE.Tombstone, SKOS.ConceptScheme, SKOS.Concept,
    ORG.ChangeEvent,
)
KINDS = {
    "gebietskoerperschaft": (IKPE.Gebietskoerperschaft,),
    "project": (IKPE.Project, IKPE.FundingProgramme),
    "organisation": (IKPE.Organisation, IKPE.OrganisationalUnit),
    "person": (IKPE.Person,),
}


@dataclass
class Value:
    text: str
    href: str | None = None
    iri: str | None = None
    lang: str | None = None       # language of a literal (for the lang attribute)
    datetime: str | None = None   # machine-readable date for <time datetime=…>
    note: str | None = None       # small print after the value (e.g. the language)

    @property
    def is_link(self) -> bool:
        return self.href is not None


@dataclass
class Relation:
    """A role or a funding, read as one line."""

    iri: str
    kind: str
    kind_iri: URIRef | None
    holder: Value | None = None
    project: Value | None = None
    through: Value | None = None
    programme: Value | None = None
    period: str | None = None
    as_of: Value | None = None
    self_link: Value | None = None


@dataclass
class Group:
    key: str
    title: str
    rows: list = field(default_factory=list)  # (property label, property iri, [Value], paging or None)


class View:
    def __init__(self, graph: Graph, iri: str, lang: str, page: int = 1, page_size: int = 50,
                 subproperties: dict | None = None, skip_subjects=()):
        """``subproperties``: property → its subproperties (from the ontology), so a triple entailed
        by the build (``dcterms:isPartOf`` from ``ikpe:buildingBlockOf``) is not shown twice;
        ``skip_subjects``: nodes not to list as inverse links (the document describing the page)."""
        self.graph = graph
        self.subproperties = subproperties or {}
        self.skip_subjects = {URIRef(s) for s in skip_subjects}
        self.subject = URIRef(iri)
        self.lang = lang
        self.page = max(page, 1)
        self.page_size = page_size
        self._used: set = set()
        self._used_inverse: set = set()

    # -- names ------------------------------------------------------------------------------
    def label_of(self, iri) -> str:
        return label(self.graph, iri, self.lang)

    @property
    def title(self) -> str:
        return self.label_of(self.subject)

    @property
    def title_lang(self) -> str | None:
        found = label_literal(self.graph, self.subject, self.lang)
        return found.language if found is not None else None

    def types(self) -> list[URIRef]:
        return list(self.graph.objects(self.subject, RDF.type))

    @property
    def primary_type(self) -> URIRef | None:
        types = set(self.types())
        return next((t for t in TYPE_PRIORITY if t in types), None)

    @property
    def type_label(self) -> str:
        t = self.primary_type
        return self.label_of(t) if t is not None else gettext("Resource")

    @property
    def kind(self) -> str:
        types = set(self.types())
        for kind, classes in KINDS.items():
            if types & set(classes):
                return kind
        return "generic"

    def property_label(self, prop) -> str:
        found = label_literal(self.graph, prop, self.lang)
        return terms.property_label(prop, str(found) if found is not None else None)

    # -- values ------------------------------------------------------------------------------
    def value(self, term) -> Value:
        if isinstance(term, Literal):
            if precision(term):
                return Value(format_partial_date(term, self.lang), datetime=str(term))
            return Value(str(term), lang=term.language)
        if isinstance(term, URIRef):
            return Value(self.label_of(term), href=href(term), iri=str(term))
        return Value(str(term))

    def _sorted(self, terms_):
        return sorted(terms_, key=lambda t: (isinstance(t, Literal), self.value(t).text.casefold()))

    def _entailed(self, prop, obj) -> bool:
        return any((self.subject, sub, obj) in self.graph for sub in self.subproperties.get(prop, ()))

    def values(self, prop, mark: bool = True) -> list[Value]:
        if mark:
            self._used.add(prop)
        return [self.value(o) for o in self._sorted(self.graph.objects(self.subject, prop))
                if not self._entailed(prop, o)]

    def text(self, prop, mark: bool = True) -> Value | None:
        """The one literal of ``prop`` in the best language (requested → de → en → any)."""
        if mark:
            self._used.add(prop)
        found = pick_literal(self.graph.objects(self.subject, prop), self.lang)
        return self.value(found) if found is not None else None

    def first(self, prop, mark: bool = True) -> Value | None:
        found = self.values(prop, mark)
        return found[0] if found else None

    def inverse(self, prop, mark: bool = True) -> list[Value]:
        if mark:
            self._used_inverse.add(prop)
        return [self.value(s) for s in self._sorted(set(self.graph.subjects(prop, self.subject)) - self.skip_subjects)
                if not any((s, sub, self.subject) in self.graph for sub in self.subproperties.get(prop, ()))]

    def inverse_paged(self, prop) -> tuple[list[Value], dict | None]:
        """Inverse links of ``prop``, one page of them when there are more than a page's worth."""
        return self._paged(self.inverse(prop))

    def mark(self, *props) -> str:
        self._used.update(props)
        return ""

    # -- qualified relations ----------------------------------------------------------------
    def period(self, node) -> str | None:
        start = next(iter(self.graph.objects(node, SCHEMA.startDate)), None)
        end = next(iter(self.graph.objects(node, SCHEMA.endDate)), None)
        start_text = format_partial_date(start, self.lang) if start is not None else None
        end_text = format_partial_date(end, self.lang) if end is not None else None
        if start_text and end_text:
            return f"{start_text} – {end_text}"
        if end_text:
            return gettext("until %(date)s", date=end_text)
        if start_text:
            return gettext("since %(date)s", date=start_text)
        return None

    def _one(self, node, prop) -> Value | None:
        found = sorted(self.graph.objects(node, prop))
        return self.value(found[0]) if found else None

    def _relation(self, node) -> Relation:
        types = set(self.graph.objects(node, RDF.type))
        kind = next((t for t in TYPE_PRIORITY if t in types), None)
        return Relation(
            iri=str(node), kind=self.label_of(kind) if kind is not None else "", kind_iri=kind,
            holder=self._one(node, IKPE.roleHolder) or self._one(node, SCHEMA.funder),
            project=self._one(node, IKPE.roleIn) or self._one(node, SCHEMA.fundedItem),
            through=self._one(node, IKPE.actingThrough), programme=self._one(node, IKPE.withinProgramme),
            period=self.period(node), as_of=self._one(node, IKPE.asOf), self_link=self.value(node))

    def roles(self, kind=None) -> list[Relation]:
        """Roles in this project (``ikpe:roleIn``) or held by this agent (``ikpe:roleHolder``)."""
        self._used_inverse.update({IKPE.roleIn, IKPE.roleHolder})
        nodes = set(self.graph.subjects(IKPE.roleIn, self.subject)) | set(
            self.graph.subjects(IKPE.roleHolder, self.subject))
        found = [self._relation(n) for n in nodes]
        if kind is not None:
            wanted = set(kind) if isinstance(kind, (list, tuple, set)) else {kind}
            found = [r for r in found if r.kind_iri in wanted]
        return sorted(found, key=lambda r: (r.kind, (r.project.text if r.project else ""),
                                            (r.holder.text if r.holder else "").casefold()))

    def fundings(self) -> list[Relation]:
        self._used_inverse.update({SCHEMA.funder, SCHEMA.fundedItem})
        nodes = set(self.graph.subjects(SCHEMA.funder, self.subject)) | set(
            self.graph.subjects(SCHEMA.fundedItem, self.subject))
        return sorted((self._relation(n) for n in nodes), key=lambda r: r.holder.text if r.holder else "")

    # -- the rest, grouped -------------------------------------------------------------------
    def _paged(self, values: list) -> tuple[list, dict | None]:
        if len(values) <= self.page_size:
            return values, None
        pages = (len(values) + self.page_size - 1) // self.page_size
        page = min(self.page, pages)
        start = (page - 1) * self.page_size
        return values[start:start + self.page_size], {"page": page, "pages": pages, "total": len(values)}

    def remaining(self) -> list[Group]:
        own = {p for p in self.graph.predicates(self.subject, None) if self.values(p, mark=False)}
        own -= self._used | terms.HIDDEN
        groups = []
        placed = set()
        for key, title, props in terms.GROUPS:
            rows = [(self.property_label(p), str(p), self.values(p, mark=False), None) for p in props if p in own]
            placed.update(props)
            if rows:
                groups.append(Group(key, str(title), rows))
        rest = sorted((p for p in own if p not in placed), key=lambda p: self.property_label(p).casefold())
        if rest:
            groups.append(Group("more", gettext("More"), [
                (self.property_label(p), str(p), self.values(p, mark=False), None) for p in rest]))
        inverse_props = {p for p in self.graph.predicates(None, self.subject) if self.inverse(p, mark=False)}
        inverse_props -= self._used_inverse | {RDF.type}
        rows = []
        for p in sorted(inverse_props, key=lambda p: self.inverse_label(p).casefold()):
            shown, paging = self._paged(self.inverse(p, mark=False))
            rows.append((self.inverse_label(p), str(p), shown, paging))
        if rows:
            groups.append(Group("inverse", gettext("Referenced by"), rows))
        return groups

    def inverse_label(self, prop) -> str:
        if prop in terms.INVERSE:
            return str(terms.INVERSE[prop])
        return gettext("is “%(property)s” of", property=self.property_label(prop))

    # -- small helpers for templates ------------------------------------------------------------
    def has(self, prop) -> bool:
        return (self.subject, prop, None) in self.graph

    def local_name(self, iri) -> str:
        return local_name(iri)


NS = {"rov": ROV, "rdfs": RDFS, "dcterms": DCTERMS, "skos": SKOS, "schema": SCHEMA, "ikpe": IKPE, "org": ORG, "rdf": RDF}
