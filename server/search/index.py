"""Building the full-text index of a release: ``<release>/search.sqlite`` (SQLite FTS5).

One row per resource (every IRI subject with a label, name, key or description), written once at
build time and opened read-only by the server. Tables:

``resources``  iri, primary type and its labels, German/English label and description, a ``kind``
               (0 thing, 1 role/participation/funding, 2 term outside ``/id/``) and a JSON ``data``
               blob (names, keys, types, properties for reconciliation and data extension);
``fts``        FTS5 (contentless) over folded text in four columns ``label names keys descr``;
               every value is indexed folded (ö→o) *and* transliterated (ö→oe); prefix indexes
               for type-ahead;
``exact``      folded whole labels/names/keys → resource (exact matches always rank first);
``types``      (type IRI, resource) for type filters; ``meta`` key/value (format, counts).
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS

from ..kg.derive import closure
from ..kg.namespaces import IKPE, ROV, SCHEMA
from .fold import normal_variants, variants

FILE_NAME = "search.sqlite"
WIKIDATA = "http://www.wikidata.org/entity/"
FORMAT = 1

LABELS = (RDFS.label, SKOS.prefLabel)
NAMES = (DCTERMS.title, SCHEMA.alternateName, SCHEMA.legalName, ROV.legalName, IKPE.destatisName,
         SKOS.altLabel, FOAF.name, SCHEMA.name)
KEYS = (IKPE.ags, IKPE.kreisschluessel, IKPE.ars, IKPE.nuts, SKOS.notation)
DESCRIPTIONS = (DCTERMS.description, SKOS.definition, RDFS.comment)
# Properties kept per resource for reconciliation (matching by property) and data extension.
PROPS = {
    "ags": IKPE.ags, "kreisschluessel": IKPE.kreisschluessel, "ars": IKPE.ars, "nuts": IKPE.nuts,
    "destatisName": IKPE.destatisName, "alternateName": SCHEMA.alternateName,
    "wikidata": SCHEMA.sameAs, "containedInPlace": SCHEMA.containedInPlace,
}
SECONDARY_TYPES = (IKPE.Role, IKPE.Funding)  # roles, participations, fundings: rank below things
FALLBACK_TYPE_LABELS = {
    str(OWL.Class): ("Klasse", "Class"),
    str(OWL.ObjectProperty): ("Eigenschaft", "Property"),
    str(OWL.DatatypeProperty): ("Eigenschaft", "Property"),
    str(OWL.AnnotationProperty): ("Eigenschaft", "Property"),
    str(RDF.Property): ("Eigenschaft", "Property"),
    str(OWL.Ontology): ("Ontologie", "Ontology"),
    str(SKOS.Concept): ("Begriff", "Concept"),
    str(SKOS.ConceptScheme): ("Begriffssystem", "Concept scheme"),
    "http://www.w3.org/ns/org#ChangeEvent": ("Änderungsereignis", "Change event"),
    "": ("Sonstiges", "Other"),
}
TYPE_PREFERENCE = (str(IKPE), str(SKOS), "http://www.w3.org/ns/org#", str(OWL))


@dataclass
class Record:
    """What the index keeps of one resource."""

    iri: str
    types: list[str] = field(default_factory=list)
    type: str = ""
    type_labels: tuple[str, str] = ("", "")
    labels: dict[str, list[str]] = field(default_factory=dict)  # lang ('' = none) → values
    names: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    descriptions: dict[str, list[str]] = field(default_factory=dict)
    props: dict[str, list[str]] = field(default_factory=dict)
    kind: int = 0

    def label(self, lang: str = "de") -> str:
        for choice in (lang, "de", "en", ""):
            if self.labels.get(choice):
                return self.labels[choice][0]
        for values in self.labels.values():
            if values:
                return values[0]
        return self.names[0] if self.names else self.iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def description(self, lang: str = "de") -> str:
        for choice in (lang, "de", "en", ""):
            if self.descriptions.get(choice):
                return self.descriptions[choice][0]
        return ""


def _text(values) -> str:
    out: list[str] = []
    for value in values:
        for variant in variants(value):
            if variant not in out:
                out.append(variant)
    return " ".join(out)


def _type_label(graph: Graph, type_iri: str) -> tuple[str, str]:
    found = {"de": "", "en": ""}
    if type_iri:
        for label in graph.objects(URIRef(type_iri), RDFS.label):
            if isinstance(label, Literal) and label.language in found and not found[label.language]:
                found[label.language] = str(label)
    fallback = FALLBACK_TYPE_LABELS.get(type_iri) or (type_iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1],) * 2
    return (found["de"] or fallback[0], found["en"] or found["de"] or fallback[1])


def _superclasses(graph: Graph) -> dict[URIRef, set[URIRef]]:
    return closure(graph, RDFS.subClassOf)


def primary_type(types: list[URIRef], supers: dict[URIRef, set[URIRef]]) -> str:
    """The most specific type, preferring our own ontology's terms."""
    implied = set().union(*(supers.get(t, set()) for t in types)) if types else set()
    specific = [t for t in types if t not in implied] or list(types)

    def preference(term):
        for position, namespace in enumerate(TYPE_PREFERENCE):
            if str(term).startswith(namespace):
                return position, str(term)
        return len(TYPE_PREFERENCE), str(term)

    return str(min(specific, key=preference)) if specific else ""


# every property the index reads of a subject
INDEXED = frozenset((*LABELS, *NAMES, *KEYS, *DESCRIPTIONS, *PROPS.values(),
                     SCHEMA.givenName, SCHEMA.familyName, SCHEMA.sameAs, RDF.type))


def _indexed_values(graph: Graph) -> dict[URIRef, dict[URIRef, list]]:
    """subject → property → values, for the properties the index reads, in one pass over the graph
    (the values of a subject and property in the graph's own order, as ``graph.objects`` gives them;
    a lookup per subject and property costs about 40 store queries per subject instead)."""
    found: dict[URIRef, dict[URIRef, list]] = {}
    for subject, prop, value in graph:
        if prop in INDEXED and isinstance(subject, URIRef):
            found.setdefault(subject, {}).setdefault(prop, []).append(value)
    return found


def _literals(values) -> list[str]:
    return [str(v) for v in values if isinstance(v, Literal)]


def _record(subject: URIRef, values: dict[URIRef, list], id_base: str) -> Record | None:
    """What the index keeps of ``subject`` (None when it has nothing to search for), types aside."""
    get = lambda prop: values.get(prop, ())  # noqa: E731
    record = Record(str(subject))
    for prop in LABELS:
        for value in get(prop):
            if isinstance(value, Literal):
                record.labels.setdefault(value.language or "", []).append(str(value))
    for prop in NAMES:
        record.names.extend(_literals(get(prop)))
    given, family = get(SCHEMA.givenName), get(SCHEMA.familyName)
    if given and family:
        record.names.append(f"{given[0]} {family[0]}")
    for prop in KEYS:
        record.keys.extend(_literals(get(prop)))
    for prop in DESCRIPTIONS:
        for value in get(prop):
            if isinstance(value, Literal):
                record.descriptions.setdefault(value.language or "", []).append(str(value))
    if not (record.labels or record.names or record.keys or record.descriptions):
        return None
    for lang in record.labels:
        record.labels[lang].sort()
    record.names = sorted(dict.fromkeys(record.names))
    record.keys.extend(str(v)[len(WIKIDATA):] for v in get(SCHEMA.sameAs) if str(v).startswith(WIKIDATA))
    if record.iri.startswith(id_base):
        record.keys.append(record.iri.rstrip("/").rsplit("/", 1)[-1])
    record.keys = list(dict.fromkeys(record.keys))
    for name, prop in PROPS.items():
        if get(prop):
            record.props[name] = sorted(str(v) for v in get(prop))
    return record


def records_from_graph(graph: Graph, id_base: str):
    """One :class:`Record` per IRI subject that has something to search for."""
    supers = _superclasses(graph)
    type_labels: dict[str, tuple[str, str]] = {}
    indexed = _indexed_values(graph)
    for subject in sorted(indexed):
        values = indexed[subject]
        record = _record(subject, values, id_base)
        if record is None:
            continue
        types = sorted(t for t in values.get(RDF.type, ()) if isinstance(t, URIRef))
        record.types = [str(t) for t in types]
        record.type = primary_type(types, supers)
        if record.type not in type_labels:
            type_labels[record.type] = _type_label(graph, record.type)
        record.type_labels = type_labels[record.type]
        if not record.iri.startswith(id_base):
            record.kind = 2
        elif any(t in SECONDARY_TYPES or SECONDARY_TYPES[0] in supers.get(t, ()) or
                 SECONDARY_TYPES[1] in supers.get(t, ()) for t in types):
            record.kind = 1
        yield record


SCHEMA_SQL = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE resources(
    id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    type_de TEXT NOT NULL, type_en TEXT NOT NULL, label_de TEXT NOT NULL, label_en TEXT NOT NULL,
    descr_de TEXT NOT NULL, descr_en TEXT NOT NULL, kind INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE types(type TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY(type, rid)) WITHOUT ROWID;
CREATE TABLE exact(term TEXT NOT NULL, rid INTEGER NOT NULL, field INTEGER NOT NULL,
                   PRIMARY KEY(term, rid, field)) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(label, names, keys, descr, content='', columnsize=1,
                                    tokenize='unicode61 remove_diacritics 2', prefix='2 3 4');
"""
EXACT_LABEL, EXACT_NAME, EXACT_KEY = 0, 1, 2


def write_index(records, path: Path, batch: int = 5000) -> dict:
    """Write ``records`` into a new index at ``path`` (replaced atomically); returns counts."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        partial.unlink()
    connection = sqlite3.connect(partial)
    connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA_SQL)
    rows, fts_rows, type_rows, exact_rows = [], [], [], []
    count = 0

    def flush():
        connection.executemany("INSERT INTO resources VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        connection.executemany("INSERT INTO fts(rowid, label, names, keys, descr) VALUES (?,?,?,?,?)", fts_rows)
        connection.executemany("INSERT OR IGNORE INTO types VALUES (?,?)", type_rows)
        connection.executemany("INSERT OR IGNORE INTO exact VALUES (?,?,?)", exact_rows)
        for buffer in (rows, fts_rows, type_rows, exact_rows):
            buffer.clear()

    for count, record in enumerate(records, start=1):
        rid = count
        all_labels = [v for values in record.labels.values() for v in values]
        descriptions = [v for values in record.descriptions.values() for v in values]
        folded = list(dict.fromkeys(v for label in all_labels for v in normal_variants(label)))
        data = {"labels": record.labels, "names": record.names, "keys": record.keys,
                "types": record.types, "props": record.props, "folded": folded}
        rows.append((rid, record.iri, record.type, record.type_labels[0], record.type_labels[1],
                     record.label("de"), record.label("en"), record.description("de"),
                     record.description("en"), record.kind, json.dumps(data, ensure_ascii=False)))
        fts_rows.append((rid, _text(all_labels), _text(record.names), _text(record.keys),
                         _text(descriptions + [label for label in record.type_labels if label])))
        type_rows.extend((t, rid) for t in record.types)
        for field_kind, values in ((EXACT_LABEL, all_labels), (EXACT_NAME, record.names), (EXACT_KEY, record.keys)):
            for value in values:
                exact_rows.extend((term, rid, field_kind) for term in normal_variants(value))
        if len(rows) >= batch:
            flush()
    flush()
    connection.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    connection.executemany("INSERT INTO meta VALUES (?,?)", [("format", str(FORMAT)), ("resources", str(count))])
    connection.commit()
    connection.execute("VACUUM")
    connection.close()
    os.replace(partial, path)
    return {"resources": count, "bytes": path.stat().st_size}


def build_index(graph: Graph, folder: Path, id_base: str) -> dict:
    return write_index(records_from_graph(graph, id_base), Path(folder) / FILE_NAME)
