"""Proactive content negotiation on ``Accept`` (RFC 9110 §12.5.1): the one negotiator of the app.

The header is parsed by werkzeug (``MIMEAccept``); this module decides. The quality of an offered
media type is the quality of the *most specific* range that matches it (so ``text/html;q=0, */*``
really refuses HTML), the highest quality wins, and ties go to the server's order of preference:
HTML first, then Turtle, JSON-LD, RDF/XML, N-Triples, N-Quads, TriG.

Consequences: a browser (``text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8``) gets
HTML; ``*/*`` alone, or no ``Accept`` header, gets HTML too (the representation for the widest
audience, which embeds schema.org JSON-LD); an ``Accept`` that matches nothing gets ``None`` and the
caller answers ``406 Not Acceptable`` with the list of what is available.

The same rule chooses the catalog's formats (its own default first) and the SPARQL endpoint's result
formats (:func:`sparql_choice`, handed down to :mod:`server.sparql` as a ``Choice``).
"""
from __future__ import annotations

import functools

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..sparql import results
from ..sparql.protocol import Choice, from_format_parameter
from .formats import FORMATS, HTML_MEDIA_TYPE

# Media types a client may ask for that we answer with one of ours (value: the type we send).
ALIASES = {"application/xhtml+xml": HTML_MEDIA_TYPE, "application/json": "application/ld+json",
           "application/xml": "application/rdf+xml", "text/n3": "text/turtle"}


def offers(html: bool = True) -> list[str]:
    """The media types a document is available in, in server preference order."""
    return ([HTML_MEDIA_TYPE] if html else []) + [f.media_type for f in FORMATS.values()]


def _matches(offer: str, client_range: str) -> bool:
    offer_type, _, offer_sub = offer.partition("/")
    client_type, _, client_sub = client_range.split(";")[0].strip().lower().partition("/")
    if client_type == "*":
        return True
    return client_type == offer_type and client_sub in ("*", offer_sub)


def _specificity(client_range: str) -> int:
    kind, _, sub = client_range.split(";")[0].partition("/")
    return (kind != "*") + (sub != "*")


def quality(accept: MIMEAccept, offer: str, aliases: dict[str, str] = ALIASES) -> float:
    """The quality the client gives ``offer``: that of the most specific matching range."""
    candidates = [offer] + [alias for alias, target in aliases.items() if target == offer]
    best = None  # (specificity, quality)
    for client_range, q in accept:
        for candidate in candidates:
            if _matches(candidate, client_range):
                specificity = _specificity(client_range) - (candidate != offer) * 0.5
                if best is None or specificity > best[0]:
                    best = (specificity, q)
    return best[1] if best else 0.0


def parse(accept_header: str | None) -> MIMEAccept | None:
    """The parsed header, or None when it is absent, empty or unparsable (RFC 9110 allows ignoring it)."""
    if not accept_header or not accept_header.strip():
        return None
    return parse_accept_header(accept_header, MIMEAccept) or None


def negotiate(accept_header: str | None, available: list[str]) -> str | None:
    """The media type to send, or None when nothing acceptable is available (→ 406)."""
    accept = parse(accept_header)
    if accept is None:
        return available[0]
    scored = [(quality(accept, offer), -position, offer) for position, offer in enumerate(available)]
    best_q, _, best = max(scored)
    return best if best_q > 0 else None


# -- the SPARQL endpoint: one result format per kind of query --------------------------------------
def sparql_choice(accept_header: str | None, format_values: list[str]) -> Choice:
    """The `format` parameter wins over `Accept` (an unknown value is a ``ProtocolError`` 400). Without
    either: SPARQL results JSON and Turtle. Equal qualities go to the order of the results registry."""
    if format_values:
        return from_format_parameter(format_values)
    return _sparql_from_accept(accept_header or "")


@functools.lru_cache(maxsize=512)  # clients send the same few Accept headers again and again
def _sparql_from_accept(accept_header: str) -> Choice:
    accept = parse(accept_header)
    if accept is None:
        return Choice("json", "turtle")
    results_fmt, results_q = _best_result_format(accept, "results")
    graph_fmt, graph_q = _best_result_format(accept, "graph")
    listed = {value.lower() for value, q in accept if q > 0}
    html_q = quality(accept, HTML_MEDIA_TYPE) if listed & {HTML_MEDIA_TYPE, "application/xhtml+xml"} else 0
    return Choice(results_fmt, graph_fmt, html=html_q > max(results_q, graph_q))


def _best_result_format(accept: MIMEAccept, kind: str) -> tuple[str | None, float]:
    best, best_q = None, 0.0
    for fmt in results.FORMATS:
        if fmt.kind == kind:
            q = quality(accept, fmt.media_type, {alias: fmt.media_type for alias in fmt.aliases if "/" in alias})
            if q > best_q:
                best, best_q = fmt.name, q
    return best, best_q
