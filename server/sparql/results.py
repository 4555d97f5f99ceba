"""Result serializations: SPARQL 1.1 Query Results JSON, XML, CSV and TSV for SELECT/ASK, and the RDF
syntaxes (Turtle, JSON-LD, RDF/XML, N-Triples, written by pyoxigraph) for CONSTRUCT/DESCRIBE.

The SELECT writers are ours (small, each after its W3C recommendation) because a result cut by the
row limit must say so: the JSON document carries ``"truncated": true`` beside ``head`` and
``results`` (readers ignore unknown members), and every format gets the response headers of
:func:`truncation_headers`.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import orjson
import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Format:
    name: str          # the value of the `format` parameter
    media_type: str    # Content-Type (without parameters)
    kind: str          # "results" (SELECT/ASK) or "graph" (CONSTRUCT/DESCRIBE)
    aliases: tuple     # further `format` values and media types meaning the same
    w3c: str           # IRI in http://www.w3.org/ns/formats/ (service description)

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


FORMATS_NS = "http://www.w3.org/ns/formats/"
FORMATS = (
    Format("json", "application/sparql-results+json", "results", ("srj", "application/json"), FORMATS_NS + "SPARQL_Results_JSON"),
    Format("xml", "application/sparql-results+xml", "results", ("srx", "application/xml"), FORMATS_NS + "SPARQL_Results_XML"),
    Format("csv", "text/csv", "results", (), FORMATS_NS + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", "results", (), FORMATS_NS + "SPARQL_Results_TSV"),
    Format("turtle", "text/turtle", "graph", ("ttl", "n3", "text/n3", "application/x-turtle"), FORMATS_NS + "Turtle"),
    Format("jsonld", "application/ld+json", "graph", ("json-ld", "application/json"), FORMATS_NS + "JSON-LD"),
    Format("rdfxml", "application/rdf+xml", "graph", ("rdf", "rdf+xml", "owl"), FORMATS_NS + "RDF_XML"),
    Format("ntriples", "application/n-triples", "graph", ("nt", "n-triples"), FORMATS_NS + "N-Triples"),
)
BY_MEDIA_TYPE: dict[str, list[Format]] = {}
for _f in FORMATS:
    for _m in (_f.media_type, *[a for a in _f.aliases if "/" in a]):
        BY_MEDIA_TYPE.setdefault(_m, []).append(_f)
# `format=` short names → (format for SELECT/ASK, format for CONSTRUCT/DESCRIBE); `json` and `xml`
# mean the JSON / XML flavour of whatever the query form returns.
SHORT_NAMES: dict[str, tuple[str | None, str | None]] = {}
for _f in FORMATS:
    for _n in (_f.name, *[a for a in _f.aliases if "/" not in a]):
        SHORT_NAMES[_n] = (_f.name, None) if _f.kind == "results" else (None, _f.name)
SHORT_NAMES.update({"json": ("json", "jsonld"), "xml": ("xml", "rdfxml")})
BY_NAME = {f.name: f for f in FORMATS}

RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML, "ntriples": ox.RdfFormat.N_TRIPLES,
}


def truncation_headers(limit: int) -> dict[str, str]:
    """Headers saying that a result was cut at the row limit (never a silent 200)."""
    return {
        "X-SPARQL-Truncated": "true",
        "X-SPARQL-Max-Rows": str(limit),
        "Warning": f'199 - "Result truncated to the first {limit} rows (row limit)"',
    }


# -- SELECT --------------------------------------------------------------------------------------
def _json_term(term) -> dict:
    """SPARQL 1.1 Query Results JSON Format, section 3.2.2 (RDF terms) plus RDF-star triples."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


def _xml_term(term) -> str:
    """SPARQL Query Results XML Format, section 2.3.1."""
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    raise TypeError(f"unexpected term {term!r}")


def _csv_term(term) -> str:
    """SPARQL 1.1 Query Results CSV, section 2: IRIs and literals as plain strings, blank nodes `_:`."""
    if term is None:
        return ""
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def _tsv_term(term) -> str:
    """SPARQL 1.1 Query Results TSV, section 3: terms in Turtle/N-Triples syntax (tabs and
    newlines inside literals are escaped by pyoxigraph's N-Triples writer)."""
    return "" if term is None else str(term)


def _json_bindings(variables: list[str], rows: list[list]) -> list[dict]:
    """The hot loop of JSON results: one type dispatch per term, literal datatypes looked up once."""
    named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal
    bindings = []
    for row in rows:
        binding = {}
        for name, term in zip(variables, row):
            if term is None:
                continue
            kind = type(term)
            if kind is named:
                binding[name] = {"type": "uri", "value": term.value}
            elif kind is literal:
                language = term.language
                if language:
                    binding[name] = {"type": "literal", "value": term.value, "xml:lang": language}
                else:
                    datatype = term.datatype.value
                    binding[name] = ({"type": "literal", "value": term.value} if datatype == XSD_STRING else
                                     {"type": "literal", "value": term.value, "datatype": datatype})
            elif kind is blank:
                binding[name] = {"type": "bnode", "value": term.value}
            else:
                binding[name] = _json_term(term)
        bindings.append(binding)
    return bindings


def write_select(fmt: str, variables: list[str], rows: list[list], truncated: bool) -> bytes:
    if fmt == "json":
        doc = {"head": {"vars": variables}, "results": {"bindings": _json_bindings(variables, rows)},
               "truncated": truncated}
        return orjson.dumps(doc)  # compact UTF-8, as json.dumps(ensure_ascii=False), ~10x faster
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(variables, row) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_term(t) for t in row] for row in rows)
        return buffer.getvalue().encode()
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(fmt)


# -- ASK -----------------------------------------------------------------------------------------
def write_ask(fmt: str, value: bool) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    # CSV/TSV define no boolean form; answer the single value, as Jena and Oxigraph do.
    return b"true\n" if value else b"false\n"


# -- CONSTRUCT / DESCRIBE ------------------------------------------------------------------------
def write_graph(fmt: str, triples: list, prefixes: dict[str, str]) -> bytes:
    kwargs = {"prefixes": prefixes} if fmt in ("turtle", "rdfxml") else {}
    return ox.serialize(triples, format=RDF_FORMATS[fmt], **kwargs)
