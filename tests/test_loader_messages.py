"""The loader-stage messages (``server/kg/messages.py``) exist in German and English with the same
placeholders, every one is used, and the checks that the broken-data fixtures do not reach come out
in the asked language (in-process, fast; the fixtures run the real command line)."""
from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest

from server.kg.mapping import SourceIndex, load_records
from server.kg.messages import DETAILS, LANGUAGES, MESSAGES, detail, message, yaml_detail
from server.kg.problems import ProblemList
from server.settings import PROJECT_ROOT, load_settings

KG = PROJECT_ROOT / "server" / "kg"


def fields(template: str) -> set[tuple[str, str | None]]:
    """The placeholders of a format string, with their conversion (``!r``)."""
    return {(name, conversion) for _, name, _, conversion in string.Formatter().parse(template) if name is not None}


def test_every_message_has_german_and_english_with_the_same_placeholders():
    assert LANGUAGES == ("de", "en")
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), key
        assert texts["de"].strip() and texts["en"].strip() and texts["de"] != texts["en"], key
        assert fields(texts["de"]) == fields(texts["en"]), key
        values = {name: "x" for name, _ in fields(texts["en"])}
        assert message(key, "de", **values) != message(key, "en", **values)


def test_german_is_the_default_and_unknown_languages_fall_back_to_english():
    assert message("required-type") == message("required-type", "de") == "Der Datensatz hat keinen 'type'."
    assert message("required-type", "fr") == message("required-type", "en") == "The record has no 'type'."
    assert message("required-type", "de-DE") == message("required-type", "de")


def test_the_translated_parser_diagnostics_fill_their_placeholders():
    for pattern, texts in DETAILS:
        for text in texts.values():
            assert {name for name, _ in fields(text)} <= set(pattern.groupindex), pattern.pattern
    assert detail("Expecting ',' delimiter", "de") == "ein ',' fehlt"
    assert detail("Expecting ',' delimiter", "en") == "Expecting ',' delimiter"
    assert detail("something new from the parser", "de") == "something new from the parser"
    assert yaml_detail("while scanning a simple key", "could not find expected ':'", "en") == \
        "while scanning a simple key could not find expected ':'"  # as ruamel words it
    assert yaml_detail("while scanning a simple key", "could not find expected ':'", "de") == \
        "Das erwartete ':' fehlt (beim Lesen eines Schlüssels)"


def test_every_message_is_used_and_every_used_message_exists():
    code = "\n".join(path.read_text(encoding="utf-8") for path in sorted(KG.glob("*.py")))
    used = set(re.findall(r'\b(?:message|fail)\(\s*"([a-z-]+)"', code))
    assert used == set(MESSAGES)


# (source file text, the rule, words of the German message, words of the English message)
CASES = {
    "record-structure": ("- just text\n", "record-structure", "Jeder Datensatz muss", "Each record must"),
    "id-characters": ("- id: a b\n  type: Person\n", "value-iri", "Die id darf keine Leerzeichen",
                      "The id must not contain spaces"),
    "required-type": ("- id: person/x\n", "required-type", "hat keinen 'type'", "has no 'type'"),
    "known-key": ("- id: person/x\n  type: Person\n  zzzzzzzz: 1\n", "known-key",
                  "Unbekannter Schlüssel 'zzzzzzzz'.", "Unknown key 'zzzzzzzz'."),
    "value-nested": ("- id: project/x\n  type: Project\n  roles: text\n", "value-nested",
                     "'roles' muss eine Liste von Datensätzen sein", "'roles' must be a list of records"),
    "value-language-code": ("- id: person/x\n  type: Person\n  label: {Deutsch: X}\n", "value-language",
                            "ungültigen Sprachcode 'Deutsch'", "invalid language code 'Deutsch'"),
    "value-iri": ("- id: person/x\n  type: Person\n  source: a b\n", "value-iri",
                  "'source' muss eine id oder IRI ohne Leerzeichen", "'source' must be an id or IRI without spaces"),
    "yaml-alias": ("- id: person/x\n  type: Person\n  givenName: &n X\n  familyName: *n\n", "yaml-syntax",
                   "Aliase (*name) sind in den Quelldaten nicht erlaubt", "aliases (*name) are not allowed"),
    "yaml-tab": ("- id: person/x\n\ttype: Person\n", "yaml-syntax",
                 "YAML-Syntaxfehler: Das Zeichen '\\t' darf hier nicht stehen", "YAML syntax error: "
                 "while scanning for the next token found character '\\t' that cannot start any token"),
    "yaml-unclosed-quote": ('- id: person/x\n  familyName: "X\n', "yaml-syntax",
                            "Die Datei endet unerwartet (in einem Text in Anführungszeichen)",
                            "while scanning a quoted scalar found unexpected end of stream"),
    "yaml-unreadable": ("- " + "[" * 3000 + "]" * 3000 + "\n", "yaml-syntax",
                        "Die Datei kann nicht als YAML gelesen werden", "The file cannot be read as YAML"),
}


def problems_for(folder: Path, language: str) -> ProblemList:
    problems = ProblemList()
    load_records(load_settings(data_dir=folder), problems, SourceIndex(), language)
    return problems


@pytest.mark.parametrize("name", sorted(CASES))
def test_record_check_messages_in_both_languages(name, tmp_path):
    text, rule, german, english = CASES[name]
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(PROJECT_ROOT / "data" / "context.jsonld", data / "context.jsonld")
    (data / "things.yaml").write_text(text, encoding="utf-8")
    reports = {language: problems_for(data, language) for language in LANGUAGES}
    for language, own, other in (("de", german, english), ("en", english, german)):
        found = [p for p in reports[language] if p.rule == rule and p.location.file == "data/things.yaml"]
        assert found, [p.message for p in reports[language]]
        assert own in found[0].message and other not in found[0].message, found[0].message
    assert [p.as_dict() | {"message": None} for p in reports["de"]] == \
        [p.as_dict() | {"message": None} for p in reports["en"]]


def test_mapping_file_that_is_not_a_context_in_both_languages(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "context.jsonld").write_text("[]", encoding="utf-8")
    german, english = (list(problems_for(data, language)) for language in LANGUAGES)
    assert [p.rule for p in german] == [p.rule for p in english] == ["context-structure"]
    assert german[0].message.startswith("Die Mapping-Datei kann nicht verwendet werden (TypeError: ")
    assert english[0].message.startswith("The mapping file cannot be used (TypeError: ")
