"""The declarative mapping: YAML records → RDF through the JSON-LD context in ``data/context.jsonld``.

No per-field code: the context says what each key means (IRI, language map, date, nested records),
this module checks each record against that (unknown keys, wrong shapes, ill-formed dates, duplicate
ids, dangling references), remembers the file and line of every record and key, and converts the
records to triples with a direct converter driven by rdflib's processing of the same context
(:meth:`Mapping.to_graph`); rdflib's JSON-LD parser is the reference it is tested against and the
fallback for forms the converter leaves to it.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from rdflib import Graph, URIRef

from .messages import detail, message
from .namespaces import IKPE, SCHEMA, XSD
from .problems import Location, ProblemList
from .sources import read_source, source_files

# properties the build derives, located at the source key they are derived from
DERIVED_FROM = {str(IKPE.periodStart): str(SCHEMA.startDate), str(IKPE.periodEnd): str(SCHEMA.endDate)}
PARTIAL_DATE = "ikpe:partialDate"  # context marker: the precision is read from the value
IRI_TEXT = re.compile(r'^[^\x00-\x20<>"{}|^`\\\x7f]+$')  # characters RFC 3987 allows in an IRI
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
PRECISIONS = [
    (re.compile(r"^\d{4}$"), XSD.gYear),
    (re.compile(r"^\d{4}-\d{2}$"), XSD.gYearMonth),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), XSD.date),
]


@dataclass(frozen=True)
class Term:
    name: str
    kind: str  # "language" | "iri" | "literal" | "partial-date" | "date" | "nested"
    iri: str


@dataclass
class SourceIndex:
    """Where each subject and each (subject, property) came from."""

    subjects: dict[str, Location] = field(default_factory=dict)
    statements: dict[tuple[str, str], Location] = field(default_factory=dict)

    def locate(self, subject: str | None, predicate: str | None = None) -> Location | None:
        if subject is None:
            return None
        derived_from = DERIVED_FROM.get(predicate or "")
        return (self.statements.get((subject, predicate))
                or (derived_from and self.statements.get((subject, derived_from)))
                or self.subjects.get(subject))


def partial_date_type(value: str):
    """The XSD datatype for a date written at year, month or day precision, or None if ill-formed."""
    for pattern, datatype in PRECISIONS:
        if pattern.match(value):
            try:
                if datatype == XSD.gYearMonth:
                    dt.date.fromisoformat(value + "-01")
                elif datatype == XSD.date:
                    dt.date.fromisoformat(value)
            except ValueError:
                return None
            return datatype
    return None


class Mapping:
    def __init__(self, context_path: Path, id_base: str):
        document = json.loads(context_path.read_text(encoding="utf-8"))
        self.context = document["@context"]
        self.context["@base"] = id_base
        self.id_base = id_base
        self.prefixes = {k: v for k, v in self.context.items() if isinstance(v, str) and not k.startswith("@")
                         and v.endswith(("/", "#"))}
        self.types = {k: v for k, v in self.context.items() if isinstance(v, str) and k not in self.prefixes
                      and not k.startswith("@") and k not in ("id", "type")}
        self.terms: dict[str, Term] = {}
        for name, definition in self.context.items():
            if not isinstance(definition, dict):
                continue
            if "@reverse" in definition:
                self.terms[name] = Term(name, "nested", self.expand(definition["@reverse"]))
                continue
            iri = self.expand(definition["@id"])
            coerced = definition.get("@type")
            if definition.get("@container") == "@language":
                kind = "language"
            elif coerced == "@id":
                kind = "iri"
            elif coerced == PARTIAL_DATE:
                kind = "partial-date"
            elif coerced == "xsd:date":
                kind = "date"
            else:
                kind = "literal"
            self.terms[name] = Term(name, kind, iri)

    # -- IRIs -------------------------------------------------------------------------------
    def expand(self, value: str) -> str:
        prefix, sep, local = value.partition(":")
        if sep and prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        if sep and prefix in ("http", "https", "urn", "mailto"):
            return value
        return urljoin(self.id_base, value)

    def jsonld_context(self) -> dict:
        """The context rdflib sees: the partial-date marker removed (values carry their own type)."""
        context = copy.deepcopy(self.context)
        for definition in context.values():
            if isinstance(definition, dict) and definition.get("@type") == PARTIAL_DATE:
                del definition["@type"]
        return context

    # -- checking ---------------------------------------------------------------------------
    def check_records(self, records, file: str, problems: ProblemList, index: SourceIndex,
                      language: str = "de") -> list:
        """The records as the JSON-LD parser takes them; problems are reported in ``language``."""
        converted = []
        for position, record in enumerate(records):
            line = _item_line(records, position)
            if not isinstance(record, dict):
                problems.add(Location(file, line), message("record-structure", language), rule="record-structure")
                continue
            result = self._check_record(record, file, line, problems, index, language)
            if result is not None:
                converted.append(result)
        return converted

    def _check_record(self, record, file, line, problems, index, language="de"):
        record_id = record.get("id")
        where = Location(file, line)
        if not isinstance(record_id, str) or not record_id.strip():
            problems.add(where, message("required-id", language), property="id", rule="required-id")
            return None
        if not IRI_TEXT.match(record_id):
            problems.add(where, message("id-characters", language),
                         record=record_id, property="id", value=record_id, rule="value-iri")
            return None
        subject = self.expand(record_id)
        if subject in index.subjects:
            first = index.subjects[subject]
            problems.add(where, message("unique-id", language, record_id=record_id, first=first),
                         record=record_id, property="id", value=record_id, rule="unique-id")
            return None
        index.subjects[subject] = where
        result = {"id": record_id}
        type_name = record.get("type")
        if type_name is None:
            problems.add(where, message("required-type", language), record=record_id, property="type",
                         rule="required-type")
        else:
            names = type_name if isinstance(type_name, list) else [type_name]
            unknown = [n for n in names if not isinstance(n, str) or n not in self.types]
            if unknown:
                problems.add(_key_location(record, "type", file, line),
                             message("known-type", language, name=unknown[0], known=", ".join(sorted(self.types))),
                             record=record_id, property="type", value=str(unknown[0]), rule="known-type")
            result["type"] = list(names) if isinstance(type_name, list) else type_name
        for key, value in record.items():
            if key in ("id", "type"):
                continue
            key_where = _key_location(record, key, file, line)
            term = self.terms.get(key)
            if term is None:
                hint = _closest(key, self.terms)
                text = message("known-key-hint", language, key=key, hint=hint) if hint \
                    else message("known-key", language, key=key)
                problems.add(key_where, text, record=record_id, property=key, rule="known-key")
                continue
            index.statements[(subject, term.iri)] = key_where
            checked = self._check_value(term, value, record_id, key_where, file, problems, index, language)
            if checked is not None:
                result[key] = checked
        return result

    def _check_value(self, term, value, record_id, where, file, problems, index, language="de"):
        def fail(key, shown=None, **values):
            problems.add(where, message(key, language, name=term.name, **values), record=record_id,
                         property=term.name, value=None if shown is None else str(shown), rule=f"value-{term.kind}")
            return None

        if value is None:
            return fail("value-empty")
        if term.kind == "nested":
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                return fail("value-nested")
            return self.check_records(value, file, problems, index, language)
        if term.kind == "language":
            if not isinstance(value, dict):
                return fail("value-language-map", value)
            out = {}
            for lang, text in value.items():
                if not isinstance(lang, str) or not LANGUAGE_TAG.match(lang):
                    fail("value-language-code", lang, code=lang)
                elif not isinstance(text, str) or not text.strip():
                    fail("value-language-text", text, lang=lang)
                else:
                    out[lang] = text
            return out or None
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in values):
            return fail("value-text")
        if term.kind == "iri":
            bad = [v for v in values if not IRI_TEXT.match(v)]
            if bad:
                return fail("value-iri", bad[0])
            return value
        if term.kind == "partial-date":
            typed = []
            for v in values:
                datatype = partial_date_type(v)
                if datatype is None:
                    return fail("value-partial-date", v, value=v)
                typed.append({"@value": v, "@type": str(datatype)})
            return typed if isinstance(value, list) else typed[0]
        if term.kind == "date":
            for v in values:
                if partial_date_type(v) != XSD.date:
                    return fail("value-date", v, value=v)
            return value
        return value

    # -- converting -------------------------------------------------------------------------
    def to_graph(self, records: list, reference: bool = False) -> Graph:
        """The checked records as RDF.

        By default a direct converter driven by the same JSON-LD context (and rdflib's own context
        processing, so IRIs, types and literals come out exactly as rdflib's JSON-LD parser makes
        them: ``tests/test_mapping_direct.py`` compares both on the real data). It handles the forms
        ``check_records`` lets through; for anything else, and with ``reference=True``, rdflib's
        JSON-LD parser reads the records (about 8× slower: 70 s at a million triples).
        """
        if not reference:
            try:
                return _DirectConverter(self.jsonld_context()).graph(records)
            except _NotDirect:
                pass
        graph = Graph()
        document = {"@context": self.jsonld_context(), "@graph": records}
        graph.parse(data=json.dumps(document), format="json-ld")
        return graph


def _memo(function):
    """``function`` of one string, each answer computed once."""
    answers: dict = {}

    def cached(value):
        try:
            return answers[value]
        except KeyError:
            answers[value] = answer = function(value)
            return answer
        except TypeError:  # not hashable: not cached
            return function(value)
    return cached


class _NotDirect(Exception):
    """A record uses a JSON-LD form the direct converter leaves to rdflib's parser."""


class _DirectConverter:
    """Records → triples through rdflib's processed JSON-LD context (no per-field code)."""

    def __init__(self, context: dict):
        from rdflib.plugins.shared.jsonld.context import UNDEF, Context

        self.undef = UNDEF
        self.context = Context(context)
        self.graph_ = Graph()
        self.add = self.graph_.add
        self.iris: dict[str, URIRef] = {}
        # rdflib's context resolves and expands through urljoin: about a third of the mapping's
        # time when repeated per value. Both depend only on the string (the context is fixed).
        self.resolve = _memo(self.context.resolve)
        self.iri = _memo(URIRef)
        self.expand = _memo(self.context.expand)
        self.type_iri = _memo(lambda name: self.context.expand(name) or self.context.resolve_iri(name))

    def graph(self, records: list) -> Graph:
        import gc

        enabled = gc.isenabled()
        gc.disable()  # a million small objects: the collector's passes would dominate
        try:
            for record in records:
                self.record(record)
        finally:
            if enabled:
                gc.enable()
        for name, term in self.context.terms.items():  # the prefixes rdflib's parser binds
            if term.id and term.id.endswith(("/", "#", ":")):
                self.graph_.bind(name, term.id)
        return self.graph_

    def node(self, value) -> URIRef:
        """An @id value as rdflib's parser resolves it (compact IRI, absolute, or against @base)."""
        found = self.iris.get(value)
        if found is None:
            if not isinstance(value, str) or value.startswith("_:"):
                raise _NotDirect()
            uri = self.resolve(value)
            if not uri or ":" not in uri:
                raise _NotDirect()
            found = self.iris[value] = URIRef(uri)
        return found

    def record(self, record) -> URIRef:
        from rdflib import RDF, Literal

        if not isinstance(record, dict):
            raise _NotDirect()
        context, add = self.context, self.add
        subject = self.node(record.get("id"))
        for key, value in record.items():
            if key == "id":
                continue
            values = value if isinstance(value, list) else [value]
            if key == "type":
                for name in values:
                    if not isinstance(name, str):
                        raise _NotDirect()
                    add((subject, RDF.type, self.node(self.type_iri(name))))
                continue
            term = context.terms.get(key)
            if term is None or not term.id or term.id.startswith(("@", "_:")):
                raise _NotDirect()
            predicate = self.iri(term.id)
            if term.reverse:
                for child in values:
                    add((self.record(child), predicate, subject))
                continue
            if "@language" in term.container:
                if not isinstance(value, dict):
                    raise _NotDirect()
                for lang, texts in value.items():
                    for text in texts if isinstance(texts, list) else [texts]:
                        if not isinstance(text, str) or lang == "@none" or " " in lang:
                            raise _NotDirect()
                        add((subject, predicate, Literal(text, lang=lang)))
                continue
            if term.container:
                raise _NotDirect()
            for item in values:
                if isinstance(item, dict):  # {"@value": …, "@type": …} (a partial date with its type)
                    if set(item) != {"@value", "@type"} or term.type is not self.undef:
                        raise _NotDirect()
                    add((subject, predicate, Literal(item["@value"], datatype=self.expand(item["@type"]))))
                elif not isinstance(item, str):
                    raise _NotDirect()
                elif term.type == "@id":
                    add((subject, predicate, self.node(self.resolve(item))))
                elif term.type is self.undef:
                    lang = term.language if term.language is not self.undef else context.language
                    add((subject, predicate, Literal(item, lang=lang)))
                elif term.type.startswith("@"):
                    raise _NotDirect()
                else:
                    add((subject, predicate, Literal(item, datatype=self.expand(term.type))))
        return subject


def check_references(graph: Graph, id_base: str, index: SourceIndex, problems: ProblemList,
                     language: str = "de") -> None:
    """Every reference to one of our own things must point at a record that exists."""
    subjects = set(graph.subjects())
    for s, p, o in graph:
        if isinstance(o, URIRef) and str(o).startswith(id_base) and o not in subjects:
            problems.add(index.locate(str(s), str(p)),
                         message("reference-exists", language, target=str(o)[len(id_base):]),
                         record=str(s), property=str(p), value=str(o), rule="reference-exists")


def _display(path: Path, data_dir: Path) -> str:
    return path.relative_to(data_dir.parent).as_posix() if path.is_relative_to(data_dir.parent) else str(path)


def load_records(settings, problems: ProblemList, index: SourceIndex,
                 language: str = "de") -> tuple[Mapping | None, list]:
    """The mapping and the checked records of all source files; problems are reported in ``language``."""
    context_path = settings.data_dir / "context.jsonld"
    try:
        mapping = Mapping(context_path, settings.id_base)
    except json.JSONDecodeError as error:
        problems.add(Location(_display(context_path, settings.data_dir), error.lineno, error.colno),
                     message("context-syntax", language, detail=detail(error.msg, language)), rule="context-syntax")
        return None, []
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        problems.add(Location(_display(context_path, settings.data_dir)),
                     message("context-structure", language, error_type=type(error).__name__, error=error),
                     rule="context-structure")
        return None, []
    records = []
    for path in source_files(settings.data_dir):
        display = path.relative_to(settings.data_dir.parent).as_posix() \
            if path.is_relative_to(settings.data_dir.parent) else str(path)
        content = read_source(path, display, problems, language)
        if content:
            records.extend(mapping.check_records(content, display, problems, index, language))
    return mapping, records


def _item_line(seq, position) -> int | None:
    try:
        return seq.lc.item(position)[0] + 1
    except Exception:
        return None


def _key_location(record, key, file, fallback_line) -> Location:
    try:
        line, column = record.lc.key(key)
        return Location(file, line + 1, column + 1)
    except Exception:
        return Location(file, fallback_line)


def _closest(key: str, terms) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, list(terms), n=1, cutoff=0.7)
    return matches[0] if matches else None
