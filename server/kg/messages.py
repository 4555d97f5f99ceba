"""The messages of the loader stage (reading the files, record checks, mapping, references, geometry)
in German and English, chosen like the SHACL messages by ``--lang`` (default German).

``MESSAGES`` holds one ``str.format`` template per message id and language; both languages use the
same placeholders. Values from the user's data are passed in and shown unchanged (``{key!r}`` quotes
them as before). ``DETAILS`` translates the usual diagnostics of the YAML and JSON parsers and of the
UTF-8 decoder that some messages quote; a diagnostic not listed is shown as the parser wrote it.
"""
from __future__ import annotations

import re

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

# characters an id or IRI must not contain (braces doubled for str.format)
_NOT_IN_IRI = "< > \" {{ }} | ^ ` \\"

MESSAGES: dict[str, dict[str, str]] = {
    # -- reading the files (sources.py) ----------------------------------------------------------
    "encoding": {
        "de": "Die Datei ist kein UTF-8-Text ({reason} bei Byte {position}): Speichern Sie sie in Ihrem "
              "Editor als UTF-8.",
        "en": "The file is not UTF-8 text ({reason} at byte {position}): save it as UTF-8 in your editor.",
    },
    "yaml-syntax": {
        "de": "YAML-Syntaxfehler: {detail}.",
        "en": "YAML syntax error: {detail}.",
    },
    "yaml-alias": {
        "de": "YAML-Syntaxfehler: Aliase (*name) sind in den Quelldaten nicht erlaubt; schreiben Sie den "
              "Wert stattdessen aus.",
        "en": "YAML syntax error: aliases (*name) are not allowed in the source data; write the value out "
              "instead.",
    },
    "yaml-nesting": {
        "de": "Die Datei kann nicht als YAML gelesen werden: Die Werte sind hier zu tief verschachtelt.",
        "en": "The file cannot be read as YAML: the values are nested too deeply here.",
    },
    "yaml-unreadable": {
        "de": "Die Datei kann nicht als YAML gelesen werden: {error}",
        "en": "The file cannot be read as YAML: {error}",
    },
    "file-structure": {
        "de": "Die Datei muss eine Liste von Datensätzen sein (jeder beginnt mit '- id: …').",
        "en": "The file must be a list of records (each starting with '- id: …').",
    },
    # -- the mapping file (mapping.py) -----------------------------------------------------------
    "context-syntax": {
        "de": "Die Mapping-Datei ist kein gültiges JSON: {detail}.",
        "en": "The mapping file is not valid JSON: {detail}.",
    },
    "context-structure": {
        "de": "Die Mapping-Datei kann nicht verwendet werden ({error_type}: {error}). Sie muss ein "
              "JSON-LD-Dokument mit einem '@context'-Objekt sein.",
        "en": "The mapping file cannot be used ({error_type}: {error}). It must be a JSON-LD document "
              "with an '@context' object.",
    },
    # -- record checks (mapping.py) --------------------------------------------------------------
    "record-structure": {
        "de": "Jeder Datensatz muss aus Schlüsseln mit ihren Werten bestehen ('Schlüssel: Wert').",
        "en": "Each record must be a mapping of keys to values.",
    },
    "required-id": {
        "de": "Der Datensatz hat keine 'id'. Jeder Datensatz braucht eine (z. B. 'project/thilik').",
        "en": "The record has no 'id'. Every record needs one (e.g. 'project/thilik').",
    },
    "id-characters": {
        "de": "Die id darf keine Leerzeichen und keines der Zeichen " + _NOT_IN_IRI + " enthalten.",
        "en": "The id must not contain spaces or any of " + _NOT_IN_IRI + ".",
    },
    "unique-id": {
        "de": "Die id '{record_id}' wird zweimal verwendet (zuerst in {first}).",
        "en": "The id '{record_id}' is used twice (first at {first}).",
    },
    "required-type": {
        "de": "Der Datensatz hat keinen 'type'.",
        "en": "The record has no 'type'.",
    },
    "known-type": {
        "de": "Unbekannter Typ {name!r}. Bekannte Typen: {known}.",
        "en": "Unknown type {name!r}. Known types: {known}.",
    },
    "known-key": {
        "de": "Unbekannter Schlüssel {key!r}.",
        "en": "Unknown key {key!r}.",
    },
    "known-key-hint": {
        "de": "Unbekannter Schlüssel {key!r}. Meinten Sie {hint!r}?",
        "en": "Unknown key {key!r}. Did you mean {hint!r}?",
    },
    "value-empty": {
        "de": "'{name}' ist leer: Geben Sie einen Wert an oder entfernen Sie den Schlüssel.",
        "en": "'{name}' is empty: give a value or remove the key.",
    },
    "value-nested": {
        "de": "'{name}' muss eine Liste von Datensätzen sein (jeder mit '- id: …').",
        "en": "'{name}' must be a list of records (each with '- id: …').",
    },
    "value-language-map": {
        "de": "'{name}' muss Texte je Sprachcode angeben, z. B. 'de: …' und 'en: …'.",
        "en": "'{name}' must map language codes to text, e.g. 'de: …' and 'en: …'.",
    },
    "value-language-code": {
        "de": "'{name}' hat einen ungültigen Sprachcode {code!r} (verwenden Sie z. B. 'de' oder 'en').",
        "en": "'{name}' has an invalid language code {code!r} (use e.g. 'de' or 'en').",
    },
    "value-language-text": {
        "de": "'{name}' in '{lang}' muss ein nicht leerer Text sein.",
        "en": "'{name}' in '{lang}' must be non-empty text.",
    },
    "value-text": {
        "de": "'{name}' muss ein Text oder eine Liste von Texten sein, keine verschachtelte Struktur.",
        "en": "'{name}' must be text or a list of texts, not a nested structure.",
    },
    "value-iri": {
        "de": "'{name}' muss eine id oder IRI ohne Leerzeichen und ohne die Zeichen " + _NOT_IN_IRI + " sein.",
        "en": "'{name}' must be an id or IRI without spaces or any of " + _NOT_IN_IRI + ".",
    },
    "value-partial-date": {
        "de": "'{name}' muss ein Datum der Form JJJJ, JJJJ-MM oder JJJJ-MM-TT sein, nicht {value!r}.",
        "en": "'{name}' must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}.",
    },
    "value-date": {
        "de": "'{name}' muss ein vollständiges Datum der Form JJJJ-MM-TT sein, nicht {value!r}.",
        "en": "'{name}' must be a full date YYYY-MM-DD, not {value!r}.",
    },
    # -- mapping to RDF (mapping.py, pipeline.py) ------------------------------------------------
    "reference-exists": {
        "de": "Verweis auf '{target}', aber kein Datensatz hat diese id.",
        "en": "Reference to '{target}', but no record has that id.",
    },
    "geometry": {
        "de": "Die Grenzdateien in geo/ können nicht verwendet werden ({error_type}: {error}). Stellen Sie "
              "sie aus den Referenzdaten wieder her (siehe data/SOURCES.md).",
        "en": "The boundary files in geo/ cannot be used ({error_type}: {error}). Restore them from the "
              "reference data (see data/SOURCES.md).",
    },
}

# German for the usual diagnostics of ruamel.yaml, json and the UTF-8 decoder (the English is theirs);
# each pattern must match the whole text, its groups are the placeholders.
DETAILS: list[tuple[re.Pattern, dict[str, str]]] = [(re.compile(pattern), texts) for pattern, texts in [
    # ruamel.yaml: where it was
    (r"while constructing a mapping", {"de": "beim Lesen eines Eintrags"}),
    (r"while scanning for the next token", {"de": "beim Lesen des nächsten Elements"}),
    (r"while scanning a quoted scalar", {"de": "in einem Text in Anführungszeichen"}),
    (r"while scanning a simple key", {"de": "beim Lesen eines Schlüssels"}),
    (r"while parsing a block mapping", {"de": "in einem Eintrag"}),
    (r"while parsing a block collection", {"de": "in einer Liste"}),
    (r"while parsing a flow sequence", {"de": "in einer Liste in [ ]"}),
    (r"while parsing a flow mapping", {"de": "in einer Zuordnung in {{ }}"}),
    (r"expected a single document in the stream", {"de": "erwartet wird nur ein Dokument je Datei"}),
    # ruamel.yaml: what was wrong
    (r"mapping values are not allowed here",
     {"de": "hier ist kein 'Schlüssel: Wert' erlaubt"}),
    (r'found duplicate key (?P<key>".*") with value (?P<value>".*") \(original value: (?P<original>".*")\)',
     {"de": "der Schlüssel {key} kommt zweimal vor, erst mit dem Wert {original}, dann mit {value}"}),
    (r"found character (?P<char>'.*') that cannot start any token",
     {"de": "das Zeichen {char} darf hier nicht stehen"}),
    (r"found unexpected end of stream", {"de": "die Datei endet unerwartet"}),
    (r"could not find expected ':'", {"de": "das erwartete ':' fehlt"}),
    (r"expected (?P<expected>.+), but (?:found|got) (?P<found>.+)",
     {"de": "erwartet wurde {expected}, gefunden {found}"}),
    (r"but found another document", {"de": "es folgt ein weiteres Dokument"}),
    # json
    (r"Expecting (?P<char>'.') delimiter", {"de": "ein {char} fehlt"}),
    (r"Expecting value", {"de": "ein Wert fehlt"}),
    (r"Expecting property name enclosed in double quotes",
     {"de": "ein Schlüssel in doppelten Anführungszeichen fehlt"}),
    (r"Unterminated string starting at", {"de": "ein Text in Anführungszeichen wird nicht geschlossen"}),
    (r"Extra data", {"de": "nach dem Ende folgen weitere Daten"}),
    (r"Invalid control character at", {"de": "ungültiges Steuerzeichen"}),
    # the UTF-8 decoder
    (r"invalid start byte", {"de": "ungültiges Startbyte"}),
    (r"invalid continuation byte", {"de": "ungültiges Folgebyte"}),
    (r"unexpected end of data", {"de": "unerwartetes Ende der Daten"}),
]]


def _language(language: str | None) -> str:
    return (language or DEFAULT_LANGUAGE).split("-")[0].lower()


def message(key: str, language: str = DEFAULT_LANGUAGE, /, **values) -> str:
    """The message ``key`` in ``language`` (else English, else German, like the SHACL messages) with
    its placeholders filled in."""
    templates = MESSAGES[key]
    wanted = next(lang for lang in (_language(language), "en", DEFAULT_LANGUAGE) if lang in templates)
    return templates[wanted].format(**values)


def detail(text: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """A parser's diagnostic in ``language`` (unchanged when there is no translation of it)."""
    text = "" if text is None else str(text)
    for pattern, texts in DETAILS:
        matched = pattern.fullmatch(text)
        if matched:
            template = texts.get(_language(language))
            return template.format(**matched.groupdict()) if template else text
    return text


def yaml_detail(context: str | None, problem: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """What ruamel.yaml says went wrong: "<problem> (<context>)" in German, "<context> <problem>" as
    ruamel words it in English."""
    if _language(language) == "en":
        return " ".join(part for part in (context, problem) if part)
    what, where = detail(problem, language), detail(context, language)
    if what and where:
        return f"{what[0].upper()}{what[1:]} ({where})"
    text = what or where
    return text[:1].upper() + text[1:]
