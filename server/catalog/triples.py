"""Looking things up in a list of pyoxigraph triples (a catalog page, a dataset's block): what the HTML
views and the single-resource documents need, without building an rdflib graph per request."""
from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox


class TripleIndex:
    """The triples of a small graph by subject and predicate (terms are pyoxigraph terms; subjects and
    predicates may be given as IRI strings)."""

    def __init__(self, triples):
        self.triples = list(triples)
        self._by_subject: dict = defaultdict(list)
        for triple in self.triples:
            self._by_subject[triple.subject].append(triple)

    @staticmethod
    def _node(term):
        """A pyoxigraph term; None for a string that is no IRI (a request's path), which matches nothing."""
        if not isinstance(term, str):
            return term
        try:
            return ox.NamedNode(term)
        except ValueError:
            return None

    def about(self, subject) -> list:
        return self._by_subject.get(self._node(subject), [])

    def objects(self, subject, predicate) -> list:
        predicate = self._node(predicate)
        return [t.object for t in self.about(subject) if t.predicate == predicate]

    def value(self, subject, predicate):
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def has(self, subject, predicate, obj) -> bool:
        return any(t.object == self._node(obj) for t in self.about(subject) if t.predicate == self._node(predicate))

    def describe(self, subject) -> list:
        """The triples about ``subject`` and, recursively, about the blank nodes they lead to."""
        out, todo, seen = [], [self._node(subject)], set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for triple in self.about(node):
                out.append(triple)
                if isinstance(triple.object, ox.BlankNode):
                    todo.append(triple.object)
        return out
