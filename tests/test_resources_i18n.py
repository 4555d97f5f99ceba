"""Interface languages: the gettext catalogues are complete and compiled, dates are written at
their precision in both languages, and the label fallback chain is requested → de → en → any →
local name."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from server.web.dates import format_partial_date
from server.web.labels import label, pick_literal

TRANSLATIONS = Path(__file__).resolve().parents[1] / "server" / "web" / "translations"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_compiled_catalogue_matches_its_po_file(lang):
    folder = TRANSLATIONS / lang / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as handle:
        po = {m.id: m.string for m in read_po(handle) if m.id and m.string}
    with open(folder / "messages.mo", "rb") as handle:
        mo = {m.id: m.string for m in read_mo(handle) if m.id}
    assert po == mo, "run `pybabel compile -d server/web/translations` (see translations/README.md)"


def test_every_interface_text_has_a_german_translation():
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with open(TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string}
    assert not wanted - translated


@pytest.mark.parametrize("value, datatype, de, en", [
    ("2016", XSD.gYear, "2016", "2016"),
    ("2021-01", XSD.gYearMonth, "Januar 2021", "January 2021"),
    ("2021-07-01", XSD.date, "1. Juli 2021", "1 July 2021"),
    ("2021-13", XSD.gYearMonth, "2021-13", "2021-13"),      # ill-formed: shown as written
])
def test_dates_at_their_precision(value, datatype, de, en):
    literal = Literal(value, datatype=datatype)
    assert format_partial_date(literal, "de") == de
    assert format_partial_date(literal, "en") == en


def test_label_fallback_chain():
    g, thing = Graph(), URIRef("https://lod.ikpe-erfurt.de/id/project/some-slug")
    assert label(g, thing, "en") == "some-slug"
    g.add((thing, RDFS.label, Literal("Tout", lang="fr")))
    assert label(g, thing, "en") == "Tout"
    g.add((thing, RDFS.label, Literal("Englisch", lang="en")))
    assert label(g, thing, "fr") == "Tout"
    assert label(g, thing, "it") == "Englisch"
    g.add((thing, RDFS.label, Literal("Deutsch", lang="de")))
    assert label(g, thing, "it") == "Deutsch"
    assert label(g, thing, "en") == "Englisch"
    assert pick_literal([Literal("x", lang="de-AT")], "de") == Literal("x", lang="de-AT")
