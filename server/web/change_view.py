"""Changes as the HTML pages show them: each resource with its label and links (the current page, the
memento of the release, its history), each statement with property and value labels and dates at their
precision (:class:`~.presentation.View` writes them as on the resource pages)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from rdflib import Graph, URIRef

from ..versions import REMOVED
from .labels import label_literal
from .links import href
from .presentation import Value, View
from .versions import memento_path


@dataclass
class ShownStatement:
    property: str
    property_iri: str
    value: Value


@dataclass
class ShownChange:
    iri: str
    title: str
    lang: str | None
    status: str
    current: str | None = None   # the page of the release in service
    memento: str | None = None   # the page as the release published it
    history: str | None = None   # the resource's versions
    added: list[ShownStatement] = field(default_factory=list)
    removed: list[ShownStatement] = field(default_factory=list)


class ChangeView:
    """Shows changes with the labels in ``labels`` in the language ``lang``."""

    def __init__(self, labels: Graph, lang: str):
        self.view = View(labels, "urn:ikpe:changes", lang)
        self.id_base = current_app.config["SETTINGS"].id_base
        self._property_names: dict = {}

    def property_name(self, prop) -> str:
        if prop not in self._property_names:  # a few properties, named again and again
            self._property_names[prop] = self.view.property_label(prop)
        return self._property_names[prop]

    def statement(self, statement) -> ShownStatement:
        names = [self.property_name(p) for p in (*statement.path, statement.predicate)]
        return ShownStatement(" › ".join(names), str(statement.predicate), self.view.value(statement.object))

    def title(self, iri: str) -> str:
        return iri if iri.startswith("_:") else self.view.label_of(URIRef(iri))

    def change(self, change, release_id: str | None = None, previous_id: str | None = None) -> ShownChange:
        """``change`` made by release ``release_id`` (mementos link to it, or to ``previous_id`` for a
        resource it removed)."""
        iri = change.iri
        title = self.title(iri)
        literal = None if iri.startswith("_:") else label_literal(self.view.graph, URIRef(iri), self.view.lang)
        shown = ShownChange(iri, title, literal.language if literal is not None else None, change.status,
                            added=[self.statement(s) for s in change.added],
                            removed=[self.statement(s) for s in change.removed])
        if iri.startswith(self.id_base):
            local = "/doc/" + iri[len(self.id_base):]
            shown.history = "/history" + local
            if change.status != REMOVED:
                shown.current = local
            memento_of = previous_id if change.status == REMOVED else release_id
            shown.memento = memento_path(memento_of, local) if memento_of else None
        elif change.status != REMOVED and not iri.startswith("_:"):
            shown.current = href(iri)
        return shown
