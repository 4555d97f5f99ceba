"""Application factory (``create_app``): settings, store, and one blueprint per area."""
from __future__ import annotations

from flask import Flask

from ..settings import Settings, load_settings
from ..store import open_store


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    settings = settings or load_settings(**overrides)
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.extensions["ikpe_store"] = open_store(settings)

    from . import catalog, pictures, reconcile, resources, search, sparql

    for area in (resources, sparql, catalog, search, reconcile, pictures):
        app.register_blueprint(area.blueprint)
    return app
