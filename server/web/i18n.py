"""Interface language (Flask-Babel): ``?lang=`` first (so a URL in a language can be shared), then
``Accept-Language``, then the ``default_language`` setting. German and English are offered."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import Babel, get_locale

LANGUAGES = ("de", "en")


def language_of(req, default: str) -> str:
    """The language of a request (Flask's or a plain werkzeug one): ``?lang=``, then ``Accept-Language``."""
    value = req.args.get("lang", "")
    if value in LANGUAGES:
        return value
    return req.accept_languages.best_match(LANGUAGES, default=default)


def select_locale() -> str:
    return language_of(request, current_app.config["SETTINGS"].default_language)


def current_language() -> str:
    return str(get_locale() or current_app.config["SETTINGS"].default_language)


def url_in_language(lang: str) -> str:
    """The current URL with ``lang`` set: a shareable link to the same page in that language."""
    args = request.args.copy()
    args["lang"] = lang
    from urllib.parse import urlencode

    return request.path + "?" + urlencode(list(args.items(multi=True)))


def init_app(app) -> None:
    Babel(app, locale_selector=select_locale, default_domain="messages")
    app.jinja_env.globals.update(url_in_language=url_in_language, current_language=current_language,
                                 LANGUAGES=LANGUAGES)
