"""A summary as plain data (for ``ikpe-lod diff`` and its ``--json``): labels and values as text.

How a label is chosen and a date is written belongs to the presentation layer; the caller hands in
those two functions (``server.web.labels.label`` and ``server.web.dates.format_partial_date``)."""
from __future__ import annotations

from typing import Callable

from rdflib import BNode, Graph, Literal, URIRef

Label = Callable[[Graph, URIRef, str], str]
DateText = Callable[[Literal, str], str]


class Texts:
    def __init__(self, labels: Graph, lang: str, label: Label, date_text: DateText):
        self.labels, self.lang, self.label, self.date_text = labels, lang, label, date_text

    def name(self, iri: str) -> str:
        return iri if iri.startswith("_:") else self.label(self.labels, URIRef(iri), self.lang)

    def value(self, term) -> str:
        if isinstance(term, Literal):
            return self.date_text(term, self.lang)
        if isinstance(term, BNode):
            return "[ ]"
        return self.label(self.labels, term, self.lang)

    def statement(self, statement) -> dict:
        props = list(statement.path) + [statement.predicate]
        return {"property": str(statement.predicate), "path": [str(p) for p in statement.path],
                "property_label": " › ".join(self.label(self.labels, p, self.lang) for p in props),
                "value": str(statement.object), "value_label": self.value(statement.object)}

    def change(self, change) -> dict:
        return {"iri": change.iri, "label": self.name(change.iri), "status": change.status,
                "added": [self.statement(s) for s in change.added],
                "removed": [self.statement(s) for s in change.removed]}


def preview_report(found, lang: str, label: Label, date_text: DateText) -> dict:
    """A :class:`~server.versions.preview.Preview` as JSON-ready data."""
    texts = Texts(found.summary.labels, lang, label, date_text)
    summary = found.summary
    return {"release": found.release, "statements_added": found.counts.added,
            "statements_removed": found.counts.removed,
            "added": [texts.change(c) for c in summary.added], "removed": [texts.change(c) for c in summary.removed],
            "changed": [texts.change(c) for c in summary.changed]}
