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
    literals = sorted((l for l in literals if isinstance(l, Literal)), key=lambda l: (l.language or "", str(l)))
    if not literals:
        return None
    for lang in language_chain(requested):
        for literal in literals:
            if literal.language and literal.language.lower().split("-")[0] == lang:
                return literal
    untagged = [l for l in literals if not l.language]
    return untagged[0] if untagged else literals[0]


def local_name(iri: str) -> str:
    text = str(iri).rstrip("/")
    for separator in ("#", "/", ":"):
        if separator in text:
            candidate = text.rsplit(separator, 1)[1]
            if candidate:
                return candidate
    return text
