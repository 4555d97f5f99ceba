"""The language a picture is drawn in, and the words shared by the map and the timeline.

Interface text of the pictures is English message ids translated by the web app's gettext catalogues
(``server/web/translations``; ``pybabel extract`` reads ``server/pictures`` too). This package knows
no Flask: the caller hands down a :class:`Language`, the language code with its catalogue (any
object with the ``gettext``/``pgettext`` methods of :class:`gettext.NullTranslations`, e.g.
Flask-Babel's ``get_translations()``). Call sites write ``language.gettext("English text", name=…)``
literally, so the extractor finds every message.
"""
from __future__ import annotations

import gettext
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Language:
    code: str  # "de" or "en": labels, dates and the ``lang`` attribute of the SVG
    catalogue: gettext.NullTranslations = field(default_factory=gettext.NullTranslations, compare=False)

    def gettext(self, message: str, **values) -> str:
        text = self.catalogue.gettext(message)
        return text % values if values else text

    def pgettext(self, context: str, message: str, **values) -> str:
        text = self.catalogue.pgettext(context, message)
        return text % values if values else text


def attribution(language: Language) -> str:
    return language.gettext("Boundaries: © GeoBasis-DE / BKG (2021), Daten verändert · dl-de/by-2-0")


def plural_projects(n: int, language: Language) -> str:
    if n == 0:
        return language.gettext("no projects")
    if n == 1:
        return language.gettext("1 project")
    return language.gettext("%(n)s projects", n=n)


def role_name(kind: str, language: Language) -> str:
    """The name of a kind of role (``ContactPerson`` …) as the timeline writes it."""
    names = {
        "ContactPerson": language.gettext("Contact"),
        "ProjectLead": language.gettext("Project lead"),
        "ProjectPartner": language.gettext("Project partner"),
        "Funder": language.pgettext("timeline", "Funder"),
        "Participation": language.gettext("Participation"),
    }
    return names[kind]
