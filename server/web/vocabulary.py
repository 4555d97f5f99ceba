"""The ``/def/`` namespace: the ontology documents (OWL, from ``ontology/*.ttl``) and the SHACL shapes
(``shapes/*.ttl``), each served as HTML documentation and as RDF by content negotiation.

Every Turtle file belongs to one document: the ``owl:Ontology`` it declares, or — for a module that
declares none, such as ``ikpe-lifecycle.ttl`` — the ontology its terms are ``rdfs:isDefinedBy``.
``/def/ikpe`` is a hash namespace, so every term ``/def/ikpe#Term`` is an anchor of that page.
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from flask_babel import lazy_gettext as _l

from ..kg.namespaces import PREFIXES, SCHEMA, SH
from .labels import local_name, pick_literal

_cache: dict = {}
_lock = threading.Lock()


def _signature(folder: Path) -> tuple:
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*.ttl")))


def _load(folder: Path) -> dict[str, Graph]:
    """Ontology/shapes IRI → graph of the files that make up that document.

    A file belongs to the ``owl:Ontology`` it declares, else to the document its terms are
    ``rdfs:isDefinedBy``, else to the (first) document declared in the same folder — so a new
    shapes file joins ``/def/shapes`` without ceremony.
    """
    parsed = []
    for path in sorted(folder.glob("*.ttl")):
        graph = Graph()
        graph.parse(path, format="turtle")
        declared = sorted(str(s) for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef))
        owners = Counter(str(o) for o in graph.objects(None, RDFS.isDefinedBy))
        key = declared[0] if declared else (owners.most_common(1)[0][0] if owners else None)
        parsed.append((key, graph, bool(declared)))
    folder_default = next((key for key, _, declared in parsed if declared), None)
    documents: dict[str, Graph] = {}
    for key, graph, _ in parsed:
        key = key or folder_default
        if key is None:
            continue
        target = documents.setdefault(key, Graph())
        for prefix, namespace in graph.namespaces():
            target.bind(prefix, namespace, override=False)
        target += graph
    return documents


def documents(settings) -> dict[str, Graph]:
    """All ``/def/`` documents (ontologies and shapes), re-read when a file changes."""
    key = (str(settings.ontology_dir), str(settings.shapes_dir),
           _signature(settings.ontology_dir), _signature(settings.shapes_dir))
    with _lock:
        if key not in _cache:
            _cache.clear()
            found = _load(settings.ontology_dir)
            found.update(_load(settings.shapes_dir))
            _cache[key] = found
        return _cache[key]


def document_graph(settings, iri: str) -> Graph | None:
    return documents(settings).get(iri)


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


def subproperties(settings) -> dict:
    """property → the properties declared ``rdfs:subPropertyOf`` it, over all ontology documents."""
    found: dict = {}
    for graph in documents(settings).values():
        for sub, sup in graph.subject_objects(RDFS.subPropertyOf):
            if isinstance(sub, URIRef) and isinstance(sup, URIRef):
                found.setdefault(sup, set()).add(sub)
    return found
