"""Dates shown at the precision they have: ``xsd:gYear`` "2016", ``xsd:gYearMonth`` "Januar 2021" /
"January 2021", ``xsd:date`` "1. Juli 2021" / "1 July 2021" (CLDR patterns through Babel)."""
from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from rdflib import Literal
from rdflib.namespace import XSD

# Long date patterns per language; CLDR's English "long" is US-style ("July 1, 2021").
DAY_PATTERNS = {"de": "d. MMMM y", "en": "d MMMM y"}


def precision(literal: Literal) -> str | None:
    """"year", "month", "day" or None when the literal is not a (partial) date."""
    return {XSD.gYear: "year", XSD.gYearMonth: "month", XSD.date: "day", XSD.dateTime: "day"}.get(
        getattr(literal, "datatype", None))


def format_partial_date(literal: Literal, locale: str = "de") -> str:
    """The date as a person writes it in ``locale``; the lexical form if it is not a valid date."""
    text = str(literal)
    kind = precision(literal)
    try:
        if kind == "year":
            return str(int(text[:4])) if len(text) == 4 else text
        if kind == "month":
            year, month = (int(part) for part in text[:7].split("-"))
            return format_date(dt.date(year, month, 1), "MMMM y", locale=locale)
        if kind == "day":
            day = dt.date.fromisoformat(text[:10])
            return format_date(day, DAY_PATTERNS.get(locale, "long"), locale=locale)
    except (ValueError, TypeError):
        return text
    return text
