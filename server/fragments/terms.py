"""The terms of a triple pattern as a TPF client sends them (the specification's explicit
representation, Hydra's ``ExplicitRepresentation``): IRIs plain (or in ``<…>``), literals ``"…"``,
``"…"@lang``, ``"…"^^<datatype>`` or ``"…"^^datatype``, variables ``?name``, empty for any.
People typing in the form may also write prefixed names (``rdf:type``) with the project's prefixes.

Everything that is not one of these raises :class:`BadTerm` (the web layer answers 400), with a
message that says which position and why: a literal as subject or predicate, a blank node, an
unknown prefix, characters an IRI cannot hold, an overlong term.
"""
from __future__ import annotations

import re

import pyoxigraph as ox

POSITIONS = ("subject", "predicate", "object")
MAX_TERM_LENGTH = 1000
IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|\\^`]')
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
OPAQUE_SCHEMES = frozenset({"urn", "mailto", "tag", "did"})  # absolute IRIs without "//"
VARIABLE = re.compile(r"[A-Za-z0-9_]\w*")
LANGUAGE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")


class BadTerm(ValueError):
    """A term of the pattern that cannot be read; the message is meant for the client."""


def parse_pattern(values: dict[str, str], prefixes: dict[str, str]) -> tuple:
    """(subject, predicate, object) as pyoxigraph terms, None where the position is a variable or empty."""
    return tuple(parse_term(values.get(position, ""), position, prefixes) for position in POSITIONS)


def parse_term(value: str, position: str, prefixes: dict[str, str]):
    if len(value) > MAX_TERM_LENGTH:
        raise BadTerm(f"The {position} is longer than {MAX_TERM_LENGTH} characters.")
    if value.startswith('"'):
        if position != "object":
            raise BadTerm(f"A literal cannot be the {position} of a triple; literals go in the object.")
        return parse_literal(value, prefixes)
    value = value.strip()
    if not value:
        return None
    if value.startswith("?"):
        if not VARIABLE.fullmatch(value[1:]):
            raise BadTerm(f"The {position} {value[:80]!r} is not a variable (?name, letters, digits, _).")
        return None
    if value.startswith("_:"):
        raise BadTerm(f"Blank nodes cannot be looked up; use a variable (?x) as the {position}.")
    return parse_iri(value, prefixes, position)


def parse_iri(value: str, prefixes: dict[str, str], position: str) -> ox.NamedNode:
    """An IRI written plain or in ``<…>``, or a prefixed name with one of ``prefixes``."""
    text = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    scheme, colon, rest = text.partition(":")
    if not colon or not SCHEME.fullmatch(scheme):
        raise BadTerm(f"The {position} {value[:80]!r} is neither an IRI nor a prefixed name.")
    if text is value and scheme in prefixes:
        text = prefixes[scheme] + rest
    elif not rest.startswith("//") and scheme.lower() not in OPAQUE_SCHEMES:
        known = ", ".join(sorted(prefixes))
        raise BadTerm(f"Unknown prefix {scheme[:40]!r} in the {position}: write the full IRI, or use one of {known}.")
    try:
        if IRI_FORBIDDEN.search(text):
            raise ValueError("spaces, <>\"{}|\\^` are not allowed")
        return ox.NamedNode(text)
    except ValueError as error:
        raise BadTerm(f"The {position} {value[:80]!r} is not an IRI: {error}.") from None


def parse_literal(value: str, prefixes: dict[str, str]) -> ox.Literal:
    """``"lexical form"`` with an optional ``@lang`` or ``^^datatype``; the lexical form is everything
    between the first and the last quote (the explicit representation escapes nothing)."""
    end = value.rfind('"')
    if end == 0:
        raise BadTerm(f"The literal {value[:80]!r} has no closing quote.")
    lexical, suffix = value[1:end], value[end + 1:]
    if not suffix:
        return ox.Literal(lexical)
    if suffix.startswith("@"):
        if not LANGUAGE.fullmatch(suffix[1:]):
            raise BadTerm(f"{suffix[1:40]!r} is not a language tag (BCP 47, e.g. de, en-GB).")
        return ox.Literal(lexical, language=suffix[1:])
    if suffix.startswith("^^"):
        return ox.Literal(lexical, datatype=parse_iri(suffix[2:], prefixes, "datatype"))
    raise BadTerm(f"After a literal's closing quote only @language or ^^datatype may follow, not {suffix[:40]!r}.")
