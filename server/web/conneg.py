"""Proactive content negotiation on ``Accept`` (RFC 9110 §12.5.1) over the format registry.

The header is parsed by werkzeug (``MIMEAccept``); this module decides. The quality of an offered
media type is the quality of the *most specific* range that matches it (so ``text/html;q=0, */*``
really refuses HTML), the highest quality wins, and ties go to the server's order of preference:
HTML first, then Turtle, JSON-LD, RDF/XML, N-Triples, N-Quads, TriG.

Consequences: a browser (``text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8``) gets
HTML; ``*/*`` alone, or no ``Accept`` header, gets HTML too (the representation for the widest
audience, which embeds schema.org JSON-LD); an ``Accept`` that matches nothing gets ``None`` and the
caller answers ``406 Not Acceptable`` with the list of what is available.
"""
from __future__ import annotations

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .formats import FORMATS, HTML_MEDIA_TYPE

# Media types a client may ask for that we answer with one of ours (value: the type we send).
ALIASES = {"application/xhtml+xml": HTML_MEDIA_TYPE, "application/json": "application/ld+json"}


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


def quality(accept: MIMEAccept, offer: str) -> float:
    """The quality the client gives ``offer``: that of the most specific matching range."""
    candidates = [offer] + [alias for alias, target in ALIASES.items() if target == offer]
    best = None  # (specificity, quality)
    for client_range, q in accept:
        for candidate in candidates:
            if _matches(candidate, client_range):
                specificity = _specificity(client_range) - (candidate != offer) * 0.5
                if best is None or specificity > best[0]:
                    best = (specificity, q)
    return best[1] if best else 0.0


def negotiate(accept_header: str | None, available: list[str]) -> str | None:
    """The media type to send, or None when nothing acceptable is available (→ 406)."""
    if not accept_header or not accept_header.strip():
        return available[0]
    accept = parse_accept_header(accept_header, MIMEAccept)
    if not accept:  # unparsable header: treat as absent (RFC 9110 allows ignoring it)
        return available[0]
    scored = [(quality(accept, offer), -position, offer) for position, offer in enumerate(available)]
    best_q, _, best = max(scored)
    return best if best_q > 0 else None
