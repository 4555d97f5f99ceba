"""The ``/def/`` namespace: the ontology documents (OWL) and the SHACL shapes of the release in
service, each served as HTML documentation and as RDF by content negotiation. The build writes them
into the release (:mod:`server.kg.definitions`); a version IRI (``/def/ikpe/0.1.0``) answers with the
document of that version while the release carries it.

``/def/ikpe`` is a hash namespace, so every term ``/def/ikpe#Term`` is an anchor of that page.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from flask_babel import lazy_gettext as _l

from ..kg.definitions import load_definitions
from ..kg.namespaces import PREFIXES, SCHEMA, SH
from ..store import StoreUnavailable
from .labels import local_name, pick_literal


def find_document(release, iri: str) -> tuple[str, Graph] | None:
    """(document IRI, graph) of a ``/def/`` document or of one of its version IRIs, from the release
    in service (written by the build: :mod:`server.kg.definitions`); None if it has no such document."""
    if release.path is None:
        raise StoreUnavailable("The store has no local release folder (remote store): "
                               "the ontology and shapes documents are not available.")
    return load_definitions(release.path).find(iri)


# -- documentation view --------------------------------------------------------------------------

@dataclass
class Term:
    iri: str
    anchor: str
    label: str
    label_lang: str | None
    definition: str | None
    kind: str
    rows: list = field(default_factory=list)  # (heading, [links])


class VocabularyView:
    def __init__(self, graph: Graph, iri: str, lang: str, public_base: str):
        self.graph, self.iri, self.lang, self.base = graph, URIRef(iri), lang, public_base
        self.namespace = self._namespace()

    def _namespace(self) -> str:
        uri = self.graph.value(self.iri, URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"))
        return str(uri) if uri else str(self.iri) + "#"

    def text(self, subject, *props) -> Literal | None:
        for prop in props:
            found = pick_literal(self.graph.objects(subject, prop), self.lang)
            if found is not None:
                return found
        return None

    def curie(self, iri) -> str:
        text = str(iri)
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1]))):
            if text.startswith(str(namespace)) and len(text) > len(str(namespace)):
                return f"{prefix}:{text[len(str(namespace)):]}"
        for prefix, namespace in self.graph.namespaces():
            if prefix and text.startswith(str(namespace)) and len(text) > len(str(namespace)):
                return f"{prefix}:{text[len(str(namespace)):]}"
        return text

    def link(self, term) -> dict:
        """A link to a term: an anchor on this page for our own terms, else the term's IRI."""
        if isinstance(term, BNode):
            items = self._list_items(term)
            return {"text": " | ".join(self.curie(i) for i in items) if items else "[…]", "href": None}
        text = str(term)
        if text.startswith(self.namespace):
            found = self.text(term, RDFS.label, SH.name)
            return {"text": str(found) if found else local_name(text), "href": "#" + local_name(text),
                    "curie": self.curie(text)}
        local = text[len(self.base):] if text.startswith(self.base + "/") else None
        return {"text": self.curie(text), "href": local or (text if text.startswith(("http://", "https://")) else None)}

    def _list_items(self, node):
        for prop in (OWL.unionOf, SH["or"], SH["in"]):
            head = self.graph.value(node, prop)
            if head is not None:
                return list(Collection(self.graph, head))
        return []

    @property
    def title(self) -> str:
        found = self.text(self.iri, URIRef("http://purl.org/dc/terms/title"), RDFS.label)
        return str(found) if found else local_name(self.iri)

    @property
    def description(self) -> str | None:
        found = self.text(self.iri, URIRef("http://purl.org/dc/terms/description"), RDFS.comment)
        return str(found) if found else None

    def metadata(self) -> list:
        rows = []
        for prop, heading in ((OWL.versionInfo, _l("Version")), (OWL.versionIRI, _l("Version IRI")),
                              (URIRef("http://purl.org/dc/terms/license"), _l("Licence")),
                              (URIRef("http://purl.org/dc/terms/modified"), _l("Modified")),
                              (RDFS.seeAlso, _l("See also"))):
            values = [self.link(o) if isinstance(o, URIRef) else {"text": str(o), "href": None}
                      for o in self.graph.objects(self.iri, prop)]
            if values:
                rows.append((heading, values))
        return rows

    def _term(self, subject, kind, row_props) -> Term:
        found = self.text(subject, RDFS.label, SH.name)
        definition = self.text(subject, SKOS.definition, RDFS.comment, SH.description)
        term = Term(str(subject), local_name(subject), str(found) if found else local_name(subject),
                    found.language if found is not None else None,
                    str(definition) if definition else None, kind)
        for heading, prop in row_props:
            values = [self.link(o) for o in sorted(self.graph.objects(subject, prop), key=str)]
            if values:
                term.rows.append((heading, values))
        return term

    def _ours(self, classes) -> list:
        found = set()
        for cls in classes:
            found |= {s for s in self.graph.subjects(RDF.type, cls)
                      if isinstance(s, URIRef) and str(s).startswith(self.namespace)}
        return sorted(found, key=lambda s: local_name(s).casefold())

    def classes(self) -> list[Term]:
        terms = []
        for cls in self._ours((OWL.Class, RDFS.Class)):
            term = self._term(cls, "class", ((_l("Subclass of"), RDFS.subClassOf), (_l("Disjoint with"), OWL.disjointWith),
                                             (_l("Equivalent to"), OWL.equivalentClass)))
            used = set(self.graph.subjects(RDFS.domain, cls)) | set(self.graph.subjects(SCHEMA.domainIncludes, cls))
            if used:
                term.rows.append((_l("Properties of this class"), sorted(
                    (self.link(p) for p in used if isinstance(p, URIRef)), key=lambda link: link["text"].casefold())))
            terms.append(term)
        return self._by_label(terms)

    def properties(self) -> list[Term]:
        return self._by_label([self._term(p, "property", (
            (_l("Subproperty of"), RDFS.subPropertyOf), (_l("Domain"), RDFS.domain), (_l("Range"), RDFS.range),
            (_l("Used on"), SCHEMA.domainIncludes), (_l("Values"), SCHEMA.rangeIncludes), (_l("Inverse of"), OWL.inverseOf)))
            for p in self._ours((OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, OWL.AnnotationProperty))])

    @staticmethod
    def _by_label(terms: list[Term]) -> list[Term]:
        return sorted(terms, key=lambda t: t.label.casefold())

    def hierarchy(self) -> list:
        """The class tree (our classes under the standard classes they refine), for the overview."""
        ours = self._ours((OWL.Class, RDFS.Class))
        children: dict = {}
        roots = []
        for cls in ours:
            parents = [p for p in self.graph.objects(cls, RDFS.subClassOf) if p in ours]
            if parents:
                for parent in parents:
                    children.setdefault(parent, []).append(cls)
            else:
                roots.append(cls)

        def node(cls):
            return {"term": self.link(cls), "refines": [self.link(p) for p in sorted(
                self.graph.objects(cls, RDFS.subClassOf)) if p not in ours and isinstance(p, URIRef)],
                    "children": [node(c) for c in sorted(children.get(cls, []), key=self._label_key)]}
        return [node(r) for r in sorted(roots, key=self._label_key)]

    def _label_key(self, term) -> str:
        found = self.text(term, RDFS.label)
        return (str(found) if found else local_name(term)).casefold()

    def shapes(self) -> list[Term]:
        result = []
        node_shapes = {s for s in self.graph.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
        for shape in sorted(node_shapes, key=lambda s: local_name(s).casefold()):
            term = self._term(shape, "shape", ((_l("Target class"), SH.targetClass), (_l("Target subjects of"), SH.targetSubjectsOf),
                                               (_l("Target objects of"), SH.targetObjectsOf), (_l("Target node"), SH.targetNode)))
            for prop_shape in self.graph.objects(shape, SH.property):
                path = self.graph.value(prop_shape, SH.path)
                message = self.text(prop_shape, SH.message, SH.description, SH.name)
                term.rows.append((self.link(path)["text"] if path is not None else "?",
                                  [{"text": str(message) if message else self._constraints(prop_shape), "href": None}]))
            term.rows.sort(key=lambda r: r[0])
            result.append(term)
        return result

    def _constraints(self, node) -> str:
        parts = []
        for prop in (SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.nodeKind, SH.pattern):
            for value in self.graph.objects(node, prop):
                parts.append(f"{local_name(prop)} {self.curie(value)}")
        return ", ".join(parts) or "—"


_SUBPROPERTIES: dict[str, dict] = {}


def subproperties(snapshot) -> dict:
    """property → the properties declared ``rdfs:subPropertyOf`` it in the snapshot's release (the
    ontology is part of the published graph); read once per release."""
    key = snapshot.release().id
    found = _SUBPROPERTIES.get(key)
    if found is None:
        found = {}
        for row in snapshot.select(f"SELECT ?sub ?sup WHERE {{ ?sub <{RDFS.subPropertyOf}> ?sup }}"):
            if isinstance(row.get("sub"), URIRef) and isinstance(row.get("sup"), URIRef):
                found.setdefault(row["sup"], set()).add(row["sub"])
        if len(_SUBPROPERTIES) >= 4:  # the release in service and the ones before
            _SUBPROPERTIES.pop(next(iter(_SUBPROPERTIES)), None)
        _SUBPROPERTIES[key] = found
    return found
