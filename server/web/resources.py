"""Linked Data resources: /id/… answers 303 to /doc/…, which serves the description (minimal)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, url_for
from rdflib import URIRef

blueprint = Blueprint("resources", __name__)


def _store():
    return current_app.extensions["ikpe_store"]


@blueprint.get("/")
def home():
    rows = _store().select(
        "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type "
        "FILTER(STRSTARTS(STR(?type), 'https://lod.ikpe-erfurt.de/def/ikpe#')) } GROUP BY ?type ORDER BY ?type")
    items = "".join(f"<li>{r['type']}: {r['n']}</li>" for r in rows)
    return f"<!doctype html><html lang='de'><title>IKPE</title><h1>IKPE Linked Open Data</h1><ul>{items}</ul></html>"


@blueprint.get("/id/<path:local>")
def thing(local):
    return redirect(url_for("resources.document", local=local), code=303)


@blueprint.get("/doc/<path:local>")
def document(local):
    settings = current_app.config["SETTINGS"]
    iri = URIRef(settings.id_base + local)
    graph = _store().construct(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")
    if not len(graph):
        abort(404)
    return Response(graph.serialize(format="turtle"), mimetype="text/turtle")
