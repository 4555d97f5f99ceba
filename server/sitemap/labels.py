"""The label rule of every page: requested language → de → en → untagged → any other → local name.

Here, below the web layer, because the build uses it too: the index pages' lists are sorted by these
labels at build time (:mod:`.lists`); ``server/web/labels.py`` adds the choice among label properties.
"""
from __future__ import annotations

from typing import Iterable

from rdflib import Literal

FALLBACK_LANGUAGES = ("de", "en")


def language_chain(requested: str | None) -> list[str]:
    chain = [requested] if requested else []
    return chain + [lang for lang in FALLBACK_LANGUAGES if lang not in chain]


def pick_literal(literals: Iterable[Literal], requested: str | None) -> Literal | None:
    """The literal in the best language: requested → de → en → untagged → any other (stable order)."""
    literals = [literal for literal in literals if isinstance(literal, Literal)]
    best = best_label([(str(literal), literal.language) for literal in literals], requested)
    return literals[best] if best is not None else None


def best_label(labels: list[tuple[str, str | None]], requested: str | None) -> int | None:
    """Which of the (text, language) labels :func:`pick_literal` picks: its position, or None."""
    order = sorted(range(len(labels)), key=lambda i: (labels[i][1] or "", labels[i][0]))
    if not order:
        return None
    for lang in language_chain(requested):
        for i in order:
            language = labels[i][1]
            if language and language.lower().split("-")[0] == lang:
                return i
    untagged = [i for i in order if not labels[i][1]]
    return untagged[0] if untagged else order[0]


def local_name(iri: str) -> str:
    text = str(iri).rstrip("/")
    for separator in ("#", "/", ":"):
        if separator in text:
            candidate = text.rsplit(separator, 1)[1]
            if candidate:
                return candidate
    return text
