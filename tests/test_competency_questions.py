"""The competency questions in ``queries/`` run against the built release and return exactly the
facts of the source page (``../shared/seed/000_48b029de2565af4c.txt``, quoted below as ``SEED``) and
of the reference table ``data/reference/gebietskoerperschaften.csv``.

Every expected answer below was written down from the seed text (and, for keys, Wikidata items and
NUTS codes, from the reference table), not copied from query output. Cells are compared as text:
our own IRIs without the ``…/id/`` base, ontology terms as ``ikpe:…``, XSD datatypes as ``xsd:…``,
Wikidata items as ``wd:Q…``, literals by their lexical form, unbound as ``None``.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from server.settings import PROJECT_ROOT
from server.store import open_store

QUERIES = PROJECT_ROOT / "queries"
ID = "https://lod.ikpe-erfurt.de/id/"
SHORT = {
    "https://lod.ikpe-erfurt.de/def/ikpe#": "ikpe:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
    "http://www.wikidata.org/entity/": "wd:",
}

# The source page, verbatim (it lives outside the repository; the tests must run without it).
SEED = """12.09.2019
Die Projekte im Einzelnen
Thüringer Initiative für lokales Integrationsmanagement in den Kommunen (ThILIK)
Laufzeit: 2016 – 2022
Projektleitung: Dr. Stefan Huber
Kommunen sind der Ort, an dem die Integration von (Neu-)Zugewanderten stattfindet und eine gleichberechtigte Teilhabe in allen Lebensbereichen gestaltet werden kann. Das Land Thüringen fördert im Rahmen der ESF-Armutspräventionslinie den Aufbau planerischer Strukturen im Bereich Sozial- und Integrationspolitik auf kommunaler Ebene. In enger Verzahnung mit Planungskoordinator*innen und Quartiersmanager*innen, die alle armutsgefährdeten Personengruppen auf lokaler Ebene in den Blick nehmen, wurde mit der “Thüringer Initiative für lokales Integrationsmanagement in den Kommunen” (kurz: ThILIK) im Jahr 2016 ein zusätzlicher Programmbaustein geschaffen, um den Anforderungen zunehmender Zuwanderung und der Koordinierung von Integrationsbemühungen gerecht zu werden. In dessen Rahmen erhielten die Gebietskörperschaften in Thüringen die Möglichkeit nachhaltige Strukturen für ihre kommunale Integrationspolitik aufzubauen bzw. diese weiter zu entwickeln.
Teilnehmende Landkreise und kreisfreie Städte: Altenburger Land, Erfurt, Eisenach, Gera, Jena, Kyffhäuserkreis, Nordhausen, Schmalkalden-Meiningen, Sömmerda, Saalfeld-Rudolstadt, Saale-Orla-Kreis, Wartburgkreis (Stand Mai 2022)
Vielfalt leben. Für eine zukunftsfähige Verwaltung
Laufzeit: Januar 2021 – Dezember 2022
Ansprechpartner: Dr. Stefan Huber (bis 05/2022 Dr. Viviane Vidot)
Das Projekt „Vielfalt leben. Für eine zukunftsfähige Verwaltung“ wird von den drei Projektpartner*innen Thüringer Zentrum für Interkulturelle Öffnung, AWO Regionalverband Mitte-West-Thüringen mit der Fachstelle Interkulturelle Öffnung und dem Institut für Kommunale Planung und Entwicklung e.V. durchgeführt. Gefördert wird „Vielfalt leben.“ durch das Thüringer Ministerium für Migration, Justiz und Verbraucherschutz (TMMJV).
Wir begleiten Verwaltungen auf ihrem Weg zur interkulturellen Öffnung. Die Diversität innerhalb der Mitarbeiter*innen ebenso wie die Vielfalt der Bevölkerung bieten Potenziale zur gemeinsamen Gestaltung zukünftiger lokaler Herausforderungen. Maßnahmen der Organisations- und Personalentwicklung, mit dem Fokus auf interkulturelle Öffnung und Diversity Management, begleitet durch Evaluation, sollen im Projekt entwickelt, deren Übertragbarkeit auf andere öffentliche Verwaltungen in Thüringen geprüft und öffentlichkeitswirksam multipliziert werden."""

THILIK = "project/thilik"
VL = "project/vielfalt-leben"
SRC = "source/projekte-im-einzelnen"
THILIK_DE = "Thüringer Initiative für lokales Integrationsmanagement in den Kommunen (ThILIK)"
VL_DE = "Vielfalt leben. Für eine zukunftsfähige Verwaltung"
HUBER, VIDOT = "person/stefan-huber", "person/viviane-vidot"
AWO, IKPE_ORG = "organisation/awo-mitte-west-thueringen", "organisation/ikpe"
TZIOE, TMMJV = "organisation/thueringer-zentrum-interkulturelle-oeffnung", "organisation/tmmjv"
FACHSTELLE = "organisation/fachstelle-interkulturelle-oeffnung"
AWO_DE = "AWO Regionalverband Mitte-West-Thüringen"
IKPE_DE = "Institut für Kommunale Planung und Entwicklung e.V."
TZIOE_DE = "Thüringer Zentrum für Interkulturelle Öffnung"
TMMJV_DE = "Thüringer Ministerium für Migration, Justiz und Verbraucherschutz"
GK = "gebietskoerperschaft/"
NOTE_EN = "English text for this entry was written by the publisher; the German text is authoritative."
LK, KS, GKS = "ikpe:Landkreis", "ikpe:KreisfreieStadt", "ikpe:GrosseKreisstadt"

# The twelve participants "Stand Mai 2022" (seed), with key, kind and ARS (reference table).
# Eisenach: by May 2022 a town in the Wartburgkreis (AGS 16063105), no longer the kreisfreie Stadt 16056.
PARTICIPANTS = [
    ("16051", "Erfurt", KS, "16051", "160510000000", "wd:Q1729"),
    ("16052", "Gera", KS, "16052", "160520000000", "wd:Q3750"),
    ("16053", "Jena", KS, "16053", "160530000000", "wd:Q3150"),
    ("16062", "Nordhausen", LK, "16062", "160620000000", "wd:Q7858"),
    ("16063", "Wartburgkreis", LK, "16063", "160630000000", "wd:Q7866"),
    ("16063105", "Eisenach", GKS, "16063105", "160630105105", "wd:Q7070"),
    ("16065", "Kyffhäuserkreis", LK, "16065", "160650000000", "wd:Q7862"),
    ("16066", "Schmalkalden-Meiningen", LK, "16066", "160660000000", "wd:Q7871"),
    ("16068", "Sömmerda", LK, "16068", "160680000000", "wd:Q7865"),
    ("16073", "Saalfeld-Rudolstadt", LK, "16073", "160730000000", "wd:Q7882"),
    ("16075", "Saale-Orla-Kreis", LK, "16075", "160750000000", "wd:Q7883"),
    ("16077", "Altenburger Land", LK, "16077", "160770000000", "wd:Q7888"),
]
# All Kreise of Thuringia since 2021 (reference table): key, name, kind, NUTS, end of validity.
KREISE = [
    ("16051", "Erfurt", KS, "DEG01", None), ("16052", "Gera", KS, "DEG02", None),
    ("16053", "Jena", KS, "DEG03", None), ("16054", "Suhl", KS, "DEG04", None),
    ("16055", "Weimar", KS, "DEG05", None),
    ("16056", "Eisenach (kreisfreie Stadt bis 2021)", KS, "DEG0N", "2021-06-30"),
    ("16061", "Eichsfeld", LK, "DEG06", None), ("16062", "Nordhausen", LK, "DEG07", None),
    ("16063", "Wartburgkreis", LK, "DEG0P", None), ("16064", "Unstrut-Hainich-Kreis", LK, "DEG09", None),
    ("16065", "Kyffhäuserkreis", LK, "DEG0A", None), ("16066", "Schmalkalden-Meiningen", LK, "DEG0B", None),
    ("16067", "Gotha", LK, "DEG0C", None), ("16068", "Sömmerda", LK, "DEG0D", None),
    ("16069", "Hildburghausen", LK, "DEG0E", None), ("16070", "Ilm-Kreis", LK, "DEG0F", None),
    ("16071", "Weimarer Land", LK, "DEG0G", None), ("16072", "Sonneberg", LK, "DEG0H", None),
    ("16073", "Saalfeld-Rudolstadt", LK, "DEG0I", None), ("16074", "Saale-Holzland-Kreis", LK, "DEG0J", None),
    ("16075", "Saale-Orla-Kreis", LK, "DEG0K", None), ("16076", "Greiz", LK, "DEG0L", None),
    ("16077", "Altenburger Land", LK, "DEG0M", None),
]
PARTICIPANT_KEYS = {p[0] for p in PARTICIPANTS}

# query file stem → (selected variables, expected rows)
EXPECTED: dict[str, tuple[tuple[str, ...], list[tuple]]] = {
    "cq-01-thilik-teilnehmende-mai-2022": (
        ("teilnehmer", "name", "art", "schluessel", "ars"),
        [(GK + key, name, kind, shown, ars) for key, name, kind, shown, ars, _ in PARTICIPANTS],
    ),
    # "Ansprechpartner: Dr. Stefan Huber (bis 05/2022 Dr. Viviane Vidot)"
    "cq-02-ansprechperson-vielfalt-leben-maerz-juli-2022": (
        ("monat", "person", "name"),
        [("2022-03", VIDOT, "Dr. Viviane Vidot"), ("2022-07", HUBER, "Dr. Stefan Huber")],
    ),
    # ThILIK 2016 – 2022, Vielfalt leben. Januar 2021 – Dezember 2022: both ran in 2021.
    "cq-03-projekte-2021": (
        ("projekt", "titel", "beginn", "ende"),
        [(THILIK, THILIK_DE, "2016", "2022"), (VL, VL_DE, "2021-01", "2022-12")],
    ),
    "cq-04-kreisfreie-staedte-unter-teilnehmenden": (
        ("stadt", "name", "kreisschluessel"),
        [(GK + "16051", "Erfurt", "16051"), (GK + "16052", "Gera", "16052"), (GK + "16053", "Jena", "16053")],
    ),
    # The 22 Kreise existing today minus the 11 participating ones (Eisenach is in the Wartburgkreis).
    "cq-05-kreise-ohne-thilik-teilnahme": (
        ("kreis", "name", "art", "kreisschluessel"),
        [(GK + key, name, kind, key) for key, name, kind, _, end in KREISE
         if end is None and key not in PARTICIPANT_KEYS],
    ),
    # "Das Land Thüringen fördert im Rahmen der ESF-Armutspräventionslinie …";
    # "Gefördert wird „Vielfalt leben.“ durch das … (TMMJV)."
    "cq-06-foerderung": (
        ("foerderer", "foerderername", "gefoerdert", "gefoerdertname", "programm", "programmname"),
        [(GK + "16", "Thüringen", THILIK, THILIK_DE, "programme/esf-armutspraeventionslinie",
          "ESF-Armutspräventionslinie"),
         (TMMJV, TMMJV_DE, VL, VL_DE, None, None)],
    ),
    # "AWO Regionalverband Mitte-West-Thüringen mit der Fachstelle Interkulturelle Öffnung"
    "cq-07-fachstelle-teil-von": (("organisation", "name"), [(AWO, AWO_DE)]),
    "cq-08-partner-vielfalt-leben": (
        ("partner", "name", "einheit", "einheitname"),
        [(AWO, AWO_DE, FACHSTELLE, "Fachstelle Interkulturelle Öffnung"),
         (IKPE_ORG, IKPE_DE, None, None),
         (TZIOE, TZIOE_DE, None, None)],
    ),
    "cq-09-laufzeiten": (
        ("projekt", "beginn", "beginnTyp", "ende", "endeTyp", "von", "bis"),
        [(THILIK, "2016", "xsd:gYear", "2022", "xsd:gYear", "2016-01-01", "2022-12-31"),
         (VL, "2021-01", "xsd:gYearMonth", "2022-12", "xsd:gYearMonth", "2021-01-01", "2022-12-31")],
    ),
    "cq-10-geschichte-eisenach": (
        ("koerperschaft", "art", "ags", "gueltigAb", "gueltigBis", "liegtIn", "ersetzt"),
        [(GK + "16056", KS, "16056000", "1998-01-01", "2021-06-30", GK + "16", None),
         (GK + "16063105", GKS, "16063105", "2021-07-01", None, GK + "16063", GK + "16056")],
    ),
    "cq-11-gebietsaenderungen": (
        ("ereignis", "datum", "vorher", "nachher"),
        [("event/eingliederung-eisenach-2021", "2021-07-01", GK + "16056", None),
         ("event/eingliederung-eisenach-2021", "2021-07-01", GK + "16063", None),
         ("event/eingliederung-eisenach-2021", "2021-07-01", None, GK + "16063"),
         ("event/eingliederung-eisenach-2021", "2021-07-01", None, GK + "16063105")],
    ),
    # ThILIK: integration of (recent) immigrants; Vielfalt leben.: intercultural opening, diversity
    # management, public administration ("Verwaltungen", "öffentliche Verwaltungen").
    "cq-12-themen-je-projekt": (
        ("projekt", "thema", "themaDe", "themaEn"),
        [(THILIK, "concept/thema/integration", "Integration von Zugewanderten", "Integration of immigrants"),
         (VL, "concept/thema/diversity-management", "Diversity Management", "Diversity management"),
         (VL, "concept/thema/interkulturelle-oeffnung", "Interkulturelle Öffnung", "Intercultural opening"),
         (VL, "concept/thema/oeffentliche-verwaltung", "Öffentliche Verwaltung", "Public administration")],
    ),
    "cq-13-personen-und-rollen": (
        ("person", "name", "rollenart", "projekt", "beginn", "ende"),
        [(HUBER, "Dr. Stefan Huber", "ikpe:ProjectLead", THILIK, None, None),
         (HUBER, "Dr. Stefan Huber", "ikpe:ContactPerson", VL, "2022-05", None),
         (VIDOT, "Dr. Viviane Vidot", "ikpe:ContactPerson", VL, None, "2022-05")],
    ),
    # ThILIK: the project, its lead, 12 participations, 1 funding = 15 entries;
    # Vielfalt leben.: the project, 2 contacts, 3 partners, 1 funding = 7 entries.
    "cq-14-quelle-der-projektangaben": (
        ("projekt", "quelle", "quellentitel", "quellendatum", "eintraege"),
        [(THILIK, SRC, "Die Projekte im Einzelnen", "2019-09-12", "15"),
         (VL, SRC, "Die Projekte im Einzelnen", "2019-09-12", "7")],
    ),
    "cq-15-organisationen-rechtsform": (
        ("organisation", "name", "kurzname", "rechtsform", "einheit"),
        [(AWO, AWO_DE, None, None, FACHSTELLE),
         (IKPE_ORG, IKPE_DE, None, "eingetragener Verein (e.V.)", None),
         (TMMJV, TMMJV_DE, "TMMJV", None, None),
         (TZIOE, TZIOE_DE, None, None, None)],
    ),
    "cq-16-englische-uebersetzungen": (
        ("ding", "englisch", "hinweis"),
        [(AWO, "AWO regional association Mitte-West-Thüringen", NOTE_EN),
         (FACHSTELLE, "Specialist Unit for Intercultural Opening", NOTE_EN),
         (IKPE_ORG, "Institute for Municipal Planning and Development (registered association)", NOTE_EN),
         (TZIOE, "Thuringian Centre for Intercultural Opening", NOTE_EN),
         (TMMJV, "Thuringian Ministry for Migration, Justice and Consumer Protection", NOTE_EN),
         (THILIK, "Thuringian Initiative for Local Integration Management in the Municipalities (ThILIK)", NOTE_EN),
         (VL, "Living diversity. For a future-proof administration", NOTE_EN)],
    ),
    "cq-17-wikidata-der-teilnehmenden": (
        ("teilnehmer", "name", "wikidata"),
        [(GK + key, name, wd) for key, name, _, _, _, wd in PARTICIPANTS],
    ),
    # "… in enger Verzahnung mit Planungskoordinator*innen und Quartiersmanager*innen … ein
    # zusätzlicher Programmbaustein" (of the ESF-Armutspräventionslinie)
    "cq-18-programmbaustein": (
        ("programm", "programmname", "akteursgruppe", "akteursgruppenname"),
        [("programme/esf-armutspraeventionslinie", "ESF-Armutspräventionslinie",
          "concept/akteursgruppe/planungskoordination", "Planungskoordinator*innen"),
         ("programme/esf-armutspraeventionslinie", "ESF-Armutspräventionslinie",
          "concept/akteursgruppe/quartiersmanagement", "Quartiersmanager*innen")],
    ),
    "cq-19-teilnehmende-in-teilnehmenden": (
        ("teilnehmer", "name", "liegtIn", "liegtInName"),
        [(GK + "16063105", "Eisenach", GK + "16063", "Wartburgkreis")],
    ),
    "cq-20-personen": (
        ("person", "titel", "vorname", "familienname"),
        [(HUBER, "Dr.", "Stefan", "Huber"), (VIDOT, "Dr.", "Viviane", "Vidot")],
    ),
    "cq-21-quelldokument": (
        ("quelle", "titel", "datum", "herausgeber"),
        [(SRC, "Die Projekte im Einzelnen", "2019-09-12", IKPE_DE)],
    ),
    "cq-22-kreise-thueringens-mit-schluesseln": (
        ("kreis", "name", "art", "kreisschluessel", "ars", "nuts", "gueltigBis"),
        [(GK + key, name, kind, key, key + "0000000", nuts, end) for key, name, kind, nuts, end in KREISE],
    ),
}


def query_files() -> list[Path]:
    """The competency questions (other areas keep their example queries here too)."""
    return sorted(QUERIES.glob("cq-*.rq"))


def all_query_files() -> list[Path]:
    return sorted(QUERIES.glob("*.rq"))


def cell(term) -> str | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        text = str(term)
        if text.startswith(ID):
            return text[len(ID):]
        for namespace, prefix in SHORT.items():
            if text.startswith(namespace):
                return prefix + text[len(namespace):]
        return text
    assert isinstance(term, Literal), term
    return str(term)


@pytest.fixture(scope="module")
def graph_store(settings):
    return open_store(settings)


def run(graph_store, stem: str, columns) -> list[tuple]:
    text = (QUERIES / f"{stem}.rq").read_text(encoding="utf-8")
    rows = graph_store.select(text)
    return [tuple(cell(row.get(column)) for column in columns) for row in rows]


# -- the query files -----------------------------------------------------------------------------

def test_there_are_at_least_18_competency_questions():
    assert len(query_files()) >= 18


@pytest.mark.parametrize("path", all_query_files(), ids=lambda p: p.stem)
def test_every_query_file_has_both_titles_and_declares_its_prefixes(path):
    """Every .rq file is an example in the SPARQL UI: German and English title, declared prefixes."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert re.fullmatch(r"[a-z]+-\d{2}-[a-z0-9-]+\.rq", path.name)
    assert lines[0].startswith("# title@de: ") and len(lines[0]) > len("# title@de: ") + 10
    assert lines[1].startswith("# title@en: ") and len(lines[1]) > len("# title@en: ") + 10
    assert re.search(r"^PREFIX \w+:\s+<[^>]+>\s*$", text, re.M), "declare prefixes with PREFIX"
    used = set(re.findall(r"(?<![\w<\"#/:.-])([a-z]+):[A-Za-z]", re.sub(r"<[^>]*>|#.*|\"[^\"]*\"", "", text)))
    declared = set(re.findall(r"^PREFIX (\w+):", text, re.M))
    assert used <= declared, f"undeclared prefixes {used - declared}"


@pytest.mark.parametrize("path", query_files(), ids=lambda p: p.stem)
def test_competency_question_is_a_question_with_an_expected_answer(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].rstrip().endswith("?") and lines[1].rstrip().endswith("?")
    assert path.stem in EXPECTED, f"{path.name} has no expected answer in this test"


def test_every_expected_answer_has_its_query_file():
    assert set(EXPECTED) == {p.stem for p in query_files()}


# -- the answers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_competency_question_answer(graph_store, stem):
    columns, expected = EXPECTED[stem]
    actual = run(graph_store, stem, columns)
    # exact: the same rows, each as often as expected (row order is not part of the answer)
    assert sorted(actual, key=repr) == sorted(expected, key=repr)
    assert Counter(actual) == Counter(expected)


def test_ordered_questions_come_back_in_order(graph_store):
    """Queries with ORDER BY on a key list their rows in the order a reader expects."""
    columns, expected = EXPECTED["cq-01-thilik-teilnehmende-mai-2022"]
    assert [r[3] for r in run(graph_store, "cq-01-thilik-teilnehmende-mai-2022", columns)] == sorted(
        r[3] for r in expected)
    columns, _ = EXPECTED["cq-02-ansprechperson-vielfalt-leben-maerz-juli-2022"]
    assert [r[0] for r in run(graph_store, "cq-02-ansprechperson-vielfalt-leben-maerz-juli-2022", columns)] \
        == ["2022-03", "2022-07"]


# -- the seed, fact by fact ----------------------------------------------------------------------

def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_german_descriptions_quote_the_seed_verbatim(graph_store):
    rows = graph_store.select("""
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#>
        SELECT ?p ?d WHERE { ?p a ikpe:Project ; dcterms:description ?d ;
                               dcterms:source <https://lod.ikpe-erfurt.de/id/source/projekte-im-einzelnen>
                             FILTER(LANG(?d) = "de") }""")
    assert len(rows) == 2
    seed = _norm(SEED)
    for row in rows:
        assert _norm(str(row["d"])) in seed, row["p"]


def test_every_participant_named_in_the_seed_is_in_the_graph(graph_store):
    listed = re.search(r"Teilnehmende Landkreise und kreisfreie Städte: (.*) \(Stand Mai 2022\)", SEED).group(1)
    names = {name.strip() for name in listed.split(",")}
    assert len(names) == 12
    columns, _ = EXPECTED["cq-01-thilik-teilnehmende-mai-2022"]
    assert {row[1] for row in run(graph_store, "cq-01-thilik-teilnehmende-mai-2022", columns)} == names


def test_names_in_the_graph_are_spelt_as_in_the_seed(graph_store):
    rows = graph_store.select("""
        PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX schema: <https://schema.org/>
        SELECT ?name WHERE {
          { ?x a ikpe:Project } UNION { ?x a ikpe:Organisation } UNION { ?x a ikpe:OrganisationalUnit }
          UNION { ?x a ikpe:Person } UNION { ?x a ikpe:FundingProgramme }
          { ?x rdfs:label ?name FILTER(LANG(?name) = "de") } UNION { ?x schema:alternateName ?name }
        }""")
    names = {str(row["name"]) for row in rows}
    assert len(names) == 13
    for name in names:
        assert name in SEED, name


def test_nothing_invented_inventory_of_things_from_the_seed(graph_store):
    """Exactly these things cite the source page: one more would be a fact the seed does not give."""
    rows = graph_store.select("""
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?x WHERE { ?x dcterms:source <https://lod.ikpe-erfurt.de/id/source/projekte-im-einzelnen> }""")
    things = {cell(row["x"]) for row in rows}
    expected = {
        THILIK, VL, "programme/esf-armutspraeventionslinie",
        "funding/thilik-land-thueringen", "funding/vielfalt-leben-tmmjv",
        IKPE_ORG, TZIOE, AWO, FACHSTELLE, TMMJV, HUBER, VIDOT,
        "role/thilik/projektleitung-huber", "role/vielfalt-leben/kontakt-vidot",
        "role/vielfalt-leben/kontakt-huber", "role/vielfalt-leben/partner-tzioe",
        "role/vielfalt-leben/partner-awo", "role/vielfalt-leben/partner-ikpe",
        "scheme/thema", "concept/thema/integration", "concept/thema/interkulturelle-oeffnung",
        "concept/thema/diversity-management", "concept/thema/oeffentliche-verwaltung",
        "scheme/rechtsform", "concept/rechtsform/ev",
        "scheme/akteursgruppe", "concept/akteursgruppe/planungskoordination",
        "concept/akteursgruppe/quartiersmanagement",
    } | {f"participation/thilik/{key}" for key in PARTICIPANT_KEYS}
    assert things == expected


def test_participations_are_as_of_may_2022(graph_store):
    rows = graph_store.select("""
        PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#>
        SELECT ?p ?asof WHERE { ?p a ikpe:Participation ; ikpe:asOf ?asof }""")
    assert len(rows) == 12
    assert {(str(r["asof"]), str(r["asof"].datatype)) for r in rows} == {
        ("2022-05", "http://www.w3.org/2001/XMLSchema#gYearMonth")}


# -- the reference table, row by row -------------------------------------------------------------

def test_gebietskoerperschaften_agree_with_the_reference_table(graph_store):
    """Every row of data/reference/gebietskoerperschaften.csv is in the graph, with the same keys."""
    import csv

    kinds = {"Land": "ikpe:Land", "Landkreis": LK, "kreisfreie Stadt": KS, "Große Kreisstadt": GKS}
    with (PROJECT_ROOT / "data" / "reference" / "gebietskoerperschaften.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 25
    expected = set()
    for row in rows:
        key = row["ags"] if row["type"] in ("Land", "Große Kreisstadt") else row["kreis_key"]
        expected.add((GK + key, kinds[row["type"]], row["ags"], row["ars"], row["nuts"], row["destatis_name"],
                      "wd:" + row["wikidata"], row["valid_from"] or None, row["valid_to"] or None,
                      row["kreis_key"] if row["type"] in ("Landkreis", "kreisfreie Stadt") else None))
    actual = graph_store.select("""
        PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#>
        PREFIX schema: <https://schema.org/>
        SELECT ?g ?kind ?ags ?ars ?nuts ?name ?wd ?from ?through ?ks WHERE {
          ?g a ikpe:Gebietskoerperschaft ; a ?kind ; ikpe:ags ?ags ; ikpe:ars ?ars ; ikpe:nuts ?nuts ;
             ikpe:destatisName ?name ; schema:sameAs ?wd .
          FILTER(?kind IN (ikpe:Land, ikpe:Landkreis, ikpe:KreisfreieStadt, ikpe:GrosseKreisstadt))
          OPTIONAL { ?g schema:validFrom ?from } OPTIONAL { ?g schema:validThrough ?through }
          OPTIONAL { ?g ikpe:kreisschluessel ?ks }
        }""")
    columns = ("g", "kind", "ags", "ars", "nuts", "name", "wd", "from", "through", "ks")
    assert {tuple(cell(row.get(c)) for c in columns) for row in actual} == expected
    assert len(actual) == 25
