"""Reconciliation Service API 0.2 (W3C Entity Reconciliation CG; what OpenRefine speaks) at ``/reconcile``.

Two services share this code (see docs/search.md, "Entity ids"):

``/reconcile``                       every thing under ``/id/``; identifierSpace ``<base>/id/``, entity id
                                     = the IRI path after it (``gebietskoerperschaft/16051``, ``project/thilik``)
                                     so ``identifierSpace + id`` is the IRI;
``/reconcile/gebietskoerperschaft``  only Gebietskörperschaften; identifierSpace
                                     ``<base>/id/gebietskoerperschaft/``, entity id = the key (``16051``): ids
                                     of digits only, which need no escaping anywhere.

Per service: manifest (GET without parameters), reconcile (``queries=`` by POST form or GET; a single
``query=`` too), ``/suggest/{entity,type,property}``, ``/flyout/entity``, ``/preview`` (an embeddable
HTML card), data extension (``extend=`` by POST or GET) and ``/propose_properties``. CORS on every
answer, JSONP (``callback=``) on GET JSON answers. Candidates come from the release's full-text index
(``server.search``), so reconciliation switches with the release like search does.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from flask import Blueprint, Response, current_app, render_template, request
from rdflib.namespace import RDF, RDFS
from werkzeug.exceptions import HTTPException

from ..kg.namespaces import IKPE, PREFIXES, SCHEMA
from ..search import SearchUnavailable, index_for
from ..search.fold import normal_variants
from ..search.query import parse, snippet
from .search import language

blueprint = Blueprint("reconcile", __name__)

SERVICE_VERSION = "0.2"
MAX_BATCH = 100
MAX_BODY = 2_000_000
DEFAULT_LIMIT = 10
MATCH_SCORE = 90.0
MATCH_MARGIN = 10.0
KEY_MATCH_NAME = 0.6  # with every given key agreeing, a name this similar is enough for a match
NAME_WEIGHT = 2.0
WIKIDATA = "http://www.wikidata.org/entity/"
WIKIDATA_RECONCILE = "https://wikidata.reconci.link/en/api"
GK = str(IKPE.Gebietskoerperschaft)
JSONP_NAME = re.compile(r"^[A-Za-z_$][\w$.]{0,99}$")


# -- services ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Service:
    slug: str  # "" for the main service
    name: dict
    types: tuple = ()  # type IRIs every entity must have (empty: any)

    @property
    def path(self) -> str:
        return "/reconcile" + (f"/{self.slug}" if self.slug else "")

    def identifier_space(self, settings) -> str:
        return settings.id_base + (f"{self.slug}/" if self.slug else "")

    def id_of(self, iri: str, settings) -> str | None:
        space = self.identifier_space(settings)
        return iri[len(space):] if iri.startswith(space) and len(iri) > len(space) else None

    def iri_of(self, entity_id, settings) -> str | None:
        if not isinstance(entity_id, str) or not entity_id.strip() or len(entity_id) > 500:
            return None
        entity_id = entity_id.strip()
        space = self.identifier_space(settings)
        if entity_id.startswith(("http://", "https://")):
            return entity_id if entity_id.startswith(space) else None
        return space + entity_id.replace("%2F", "/").replace("%2f", "/")


SERVICES = {
    "": Service("", {"de": "IKPE Linked Open Data", "en": "IKPE Linked Open Data"}),
    "gebietskoerperschaft": Service("gebietskoerperschaft", {
        "de": "IKPE Linked Open Data: Gebietskörperschaften (Schlüssel als Kennung)",
        "en": "IKPE Linked Open Data: Gebietskörperschaften (keys as identifiers)"}, (GK,)),
}
DEFAULT_TYPES = ("Gebietskoerperschaft", "Landkreis", "KreisfreieStadt", "GrosseKreisstadt", "Land",
                 "Project", "Organisation", "Person", "FundingProgramme")


# -- types and properties: ids relative to schemaSpace (ikpe:) or CURIEs ----------------------------
def short_id(iri: str) -> str:
    if iri.startswith(str(IKPE)):
        return iri[len(str(IKPE)):]
    for prefix, namespace in PREFIXES.items():
        if prefix != "ikpe" and iri.startswith(str(namespace)) and len(iri) > len(str(namespace)):
            return f"{prefix}:{iri[len(str(namespace)):]}"
    return iri


def expand_id(value) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        return None
    value = value.strip()
    if value.startswith(("http://", "https://")):
        return value
    prefix, sep, rest = value.partition(":")
    if sep and prefix in PREFIXES:
        return str(PREFIXES[prefix]) + rest
    return str(IKPE) + value if re.fullmatch(r"[A-Za-z][\w-]*", value) else None


@dataclass(frozen=True)
class Prop:
    id: str
    iri: str
    name: dict
    description: dict
    kind: str  # key, text, entity, wikidata, type
    keyed: bool = False  # only Gebietskörperschaften have it


PROPERTIES = (
    Prop("ags", str(IKPE.ags), {"de": "Amtlicher Gemeindeschlüssel (AGS)", "en": "Official municipality key (AGS)"},
         {"de": "2, 5 oder 8 Stellen", "en": "2, 5 or 8 digits"}, "key", True),
    Prop("kreisschluessel", str(IKPE.kreisschluessel), {"de": "Kreisschlüssel", "en": "District key"},
         {"de": "5 Stellen, Landkreise und kreisfreie Städte", "en": "5 digits, districts"}, "key", True),
    Prop("ars", str(IKPE.ars), {"de": "Amtlicher Regionalschlüssel (ARS)", "en": "Official regional key (ARS)"},
         {"de": "12 Stellen", "en": "12 digits"}, "key", True),
    Prop("nuts", str(IKPE.nuts), {"de": "NUTS-Code", "en": "NUTS code"}, {"de": "", "en": ""}, "key", True),
    Prop("destatisName", str(IKPE.destatisName), {"de": "Name laut Destatis", "en": "Destatis name"},
         {"de": "", "en": ""}, "text", True),
    Prop("schema:sameAs", str(SCHEMA.sameAs), {"de": "Wikidata", "en": "Wikidata"},
         {"de": "Wikidata-Objekt (Q-Nummer)", "en": "Wikidata item (Q number)"}, "wikidata", True),
    Prop("schema:containedInPlace", str(SCHEMA.containedInPlace), {"de": "liegt in", "en": "contained in"},
         {"de": "die nächstgrößere Gebietskörperschaft", "en": "the next larger Gebietskörperschaft"}, "entity", True),
    Prop("rdf:type", str(RDF.type), {"de": "Typ", "en": "Type"}, {"de": "", "en": ""}, "type"),
    Prop("rdfs:label", str(RDFS.label), {"de": "Bezeichnung", "en": "Label"}, {"de": "", "en": ""}, "text"),
    Prop("schema:alternateName", str(SCHEMA.alternateName), {"de": "Kurzname", "en": "Short name"},
         {"de": "", "en": ""}, "text"),
)
PROP_ALIASES = {"wikidata": "schema:sameAs", "type": "rdf:type", "label": "rdfs:label",
                "containedIn": "schema:containedInPlace", "shortName": "schema:alternateName"}
PROPS_BY_IRI = {p.iri: p for p in PROPERTIES}
PROP_DATA = {"ags": "ags", "kreisschluessel": "kreisschluessel", "ars": "ars", "nuts": "nuts",
             "destatisName": "destatisName", "schema:sameAs": "wikidata",
             "schema:containedInPlace": "containedInPlace", "schema:alternateName": "alternateName"}


def find_prop(value) -> Prop | None:
    if not isinstance(value, str):
        return None
    value = PROP_ALIASES.get(value.strip(), value.strip())
    return PROPS_BY_IRI.get(expand_id(value) or "")


# -- helpers ------------------------------------------------------------------------------------
def _settings():
    return current_app.config["SETTINGS"]


def _index():
    return index_for(current_app.extensions["ikpe_store"])


def _text(names: dict, lang: str) -> str:
    return names.get(lang) or names.get("de") or ""


def _service(slug: str) -> Service:
    return SERVICES[slug]


def _json(body, status: int = 200) -> Response:
    text = json.dumps(body, ensure_ascii=False)
    callback = request.args.get("callback", "") if request.method == "GET" else ""
    if callback and JSONP_NAME.match(callback):
        return Response(f"/**/{callback}({text});", status, mimetype="application/javascript")
    return Response(text, status, mimetype="application/json")


class ApiError(HTTPException):
    def __init__(self, code: int, message: str):
        super().__init__(description=message)
        self.code = code


@blueprint.errorhandler(ApiError)
@blueprint.errorhandler(SearchUnavailable)
def _api_error(error):
    if isinstance(error, SearchUnavailable):
        return _json({"error": "service unavailable", "detail": str(error)}, 503)
    return _json({"error": error.description}, error.code)


@blueprint.after_request
def _cors(response):
    response.headers["Access-Control-Allow-Origin"] = _settings().cors_origins
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Accept-Language"
    response.headers["Access-Control-Max-Age"] = "86400"
    response.vary.add("Accept-Language")
    return response


def _param(name: str) -> str | None:
    if request.method == "POST":
        if request.content_length and request.content_length > MAX_BODY:
            raise ApiError(413, "request too large")
        value = request.form.get(name)
        if value is not None:
            return value
    return request.args.get(name)


def _load_json(text: str, what: str):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise ApiError(400, f"'{what}' is not valid JSON") from None


def _types_of(hit) -> list[str]:
    ordered = [hit.type] + [t for t in hit.data.get("types", []) if t != hit.type]
    return [t for t in ordered if t.startswith(str(IKPE)) or t in ("http://www.w3.org/2004/02/skos/core#Concept",
                                                                   "http://www.w3.org/ns/org#ChangeEvent")]


def _type_objects(hit, index, lang) -> list[dict]:
    labels = {h.iri: h.label(lang) for h in index.get_many(_types_of(hit)).values()}
    out = []
    for type_iri in _types_of(hit):
        name = hit.type_label(lang) if type_iri == hit.type else labels.get(type_iri) or short_id(type_iri)
        out.append({"id": short_id(type_iri), "name": name})
    return out


def _in_service(hit, service: Service, settings) -> bool:
    if hit.kind == 2 or service.id_of(hit.iri, settings) is None:
        return False
    return all(t in hit.data.get("types", []) for t in service.types)


def _description(hit, lang: str) -> str:
    keys = hit.data.get("props", {})
    key = (keys.get("kreisschluessel") or keys.get("ags") or [""])[0]
    parts = [hit.type_label(lang)] + ([key] if key else [])
    text = snippet(hit.description(lang), (), 120)
    return " · ".join(parts) + (f" – {text}" if text else "")


# -- matching -----------------------------------------------------------------------------------
def similarity(a: str, b: str) -> float:
    best = 0.0
    for left in normal_variants(a):
        for right in normal_variants(b):
            if left == right:
                return 1.0
            best = max(best, SequenceMatcher(None, left, right).ratio())
    return best


def _values(v) -> list:
    values = v if isinstance(v, list) else [v]
    return [x for x in values if isinstance(x, (str, int, float, bool, dict))][:20]


def _wikidata_id(value) -> str:
    text = value.get("id", "") if isinstance(value, dict) else str(value)
    text = text.strip()
    for prefix in (WIKIDATA, "https://www.wikidata.org/wiki/", "wd:"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.upper()


def _key_text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("id") or ""
    return re.sub(r"\s+", "", str(value))


def property_matches(hit, prop: Prop, wanted, service: Service, settings, index) -> float:
    """How well a candidate's values of ``prop`` agree with the query's values (0…1)."""
    data = hit.data.get("props", {})
    best = 0.0
    for value in _values(wanted):
        if prop.kind == "key":
            have = data.get(PROP_DATA[prop.id], [])
            if _key_text(value) and _key_text(value) in have:
                return 1.0
        elif prop.kind == "wikidata":
            have = {_wikidata_id(v) for v in data.get("wikidata", [])}
            if _wikidata_id(value) in have:
                return 1.0
        elif prop.kind == "type":
            wanted_iri = expand_id(value.get("id") if isinstance(value, dict) else str(value))
            if wanted_iri in hit.data.get("types", []):
                return 1.0
        elif prop.kind == "entity":
            have = data.get(PROP_DATA[prop.id], [])
            if isinstance(value, dict) and value.get("id"):
                if service.iri_of(value["id"], settings) in have:
                    return 1.0
                value = value.get("name") or ""
            names = [h.label("de") for h in index.get_many(have).values()] + \
                    [h.label("en") for h in index.get_many(have).values()]
            best = max([best] + [similarity(str(value), name) for name in names])
        else:  # text
            if prop.id == "rdfs:label":
                have = hit.all_labels
            else:
                have = data.get(PROP_DATA.get(prop.id, ""), []) if prop.id in PROP_DATA else hit.data.get("names", [])
            text = value.get("name", "") if isinstance(value, dict) else str(value)
            best = max([best] + [similarity(text, h) for h in have])
    return best


def reconcile_one(query, service: Service, lang: str, index, settings) -> list[dict]:
    if not isinstance(query, dict):
        return []
    text = query.get("query")
    text = text if isinstance(text, str) else ("" if text is None else str(text))
    text = text[:500]
    raw_types = query.get("type")
    raw_types = raw_types if isinstance(raw_types, list) else ([raw_types] if raw_types else [])
    types = [expand_id(t.get("id") if isinstance(t, dict) else t) for t in raw_types]
    types = tuple(dict.fromkeys(t for t in types if t)) + service.types
    try:
        limit = max(1, min(int(query.get("limit") or DEFAULT_LIMIT), 100))
    except (TypeError, ValueError):
        limit = DEFAULT_LIMIT
    properties = []
    for item in query.get("properties") or []:
        if isinstance(item, dict):
            prop = find_prop(item.get("pid"))
            if prop is not None and item.get("v") not in (None, "", []):
                properties.append((prop, item["v"]))

    candidates = {}
    if parse(text).tokens:
        # one type at a time: a candidate need have one of the wanted types (service types: all)
        wanted = [t for t in types if t not in service.types] or [None]
        for type_iri in wanted:
            filter_types = tuple(t for t in (type_iri, *service.types) if t)
            for hit in index.search(text, limit=50, types=filter_types[:1], names_only=True, kinds=(0, 1)).hits:
                candidates.setdefault(hit.iri, hit)
    direct = service.iri_of(text, settings) if text and " " not in text.strip() else None
    direct_hit = index.get(direct) if direct else None
    if direct_hit is not None:
        candidates[direct_hit.iri] = direct_hit
    for prop, value in properties:  # keys find their entity even when the name is spelt differently
        if prop.kind in ("key", "wikidata"):
            for item in _values(value):
                term = _wikidata_id(item) if prop.kind == "wikidata" else _key_text(item)
                found = index.by_exact(term)
                for hit in index._by_id(found).values():
                    candidates.setdefault(hit.iri, hit)

    results = []
    for hit in candidates.values():
        if not _in_service(hit, service, settings):
            continue
        hit_types = hit.data.get("types", [])
        if types and not all(t in hit_types for t in service.types):
            continue
        user_types = [t for t in types if t not in service.types]
        if user_types and not any(t in hit_types for t in user_types):
            continue
        features = []
        if direct_hit is not None and hit.iri == direct_hit.iri:
            name_score = 1.0
        elif text.strip():
            names = hit.all_labels + hit.data.get("names", [])
            name_score = max([similarity(text, name) for name in names] or [0.0])
        else:
            name_score = None
        weight, total, keys_agree = 0.0, 0.0, None
        if name_score is not None:
            features.append({"id": "name", "value": round(name_score, 4)})
            weight, total = NAME_WEIGHT, NAME_WEIGHT * name_score
        for prop, value in properties:
            agreement = property_matches(hit, prop, value, service, _settings(), index)
            features.append({"id": f"property:{prop.id}", "value": round(agreement, 4)})
            weight, total = weight + 1.0, total + agreement
            if prop.kind in ("key", "wikidata"):
                keys_agree = (keys_agree is not False) and agreement == 1.0
        score = round(100.0 * total / weight, 2) if weight else 0.0
        results.append({
            "_keys": bool(keys_agree) and (name_score is None or name_score >= KEY_MATCH_NAME),
            "id": service.id_of(hit.iri, settings),
            "name": hit.label(lang),
            "description": _description(hit, lang),
            "score": score,
            "match": False,
            "type": _type_objects(hit, index, lang),
            "features": features,
        })
    results.sort(key=lambda c: (-c["score"], c["name"].casefold(), c["id"]))
    if results:
        top, rest = results[0], results[1:]
        clear_lead = not rest or rest[0]["score"] <= top["score"] - MATCH_MARGIN
        by_score = top["score"] >= MATCH_SCORE and clear_lead
        by_key = top["_keys"] and not any(c["_keys"] for c in rest)  # keys agree, name close enough
        top["match"] = bool(by_score or by_key)
    for candidate in results:
        del candidate["_keys"]
    return results[:limit]


# -- the manifest -------------------------------------------------------------------------------
def manifest(service: Service, lang: str) -> dict:
    settings = _settings()
    root = request.host_url.rstrip("/")
    service_url = root + service.path
    index = _index()
    default_types = []
    wanted = DEFAULT_TYPES if not service.types else ("Gebietskoerperschaft", "Landkreis", "KreisfreieStadt",
                                                      "GrosseKreisstadt", "Land")
    found = index.get_many([str(IKPE) + t for t in wanted])
    for name in wanted:
        hit = found.get(str(IKPE) + name)
        if hit is not None:
            default_types.append({"id": name, "name": hit.label(lang)})
    return {
        "versions": [SERVICE_VERSION],
        "name": _text(service.name, lang),
        "identifierSpace": service.identifier_space(settings),
        "schemaSpace": str(IKPE),
        "serviceVersion": "1",
        "defaultTypes": default_types,
        "view": {"url": root + "/id/" + (f"{service.slug}/" if service.slug else "") + "{{id}}"},
        "preview": {"url": service_url + "/preview?id={{id}}", "width": 420, "height": 160},
        "suggest": {
            "entity": {"service_url": service_url, "service_path": "/suggest/entity",
                       "flyout_service_url": service_url, "flyout_service_path": "/flyout/entity?id=${id}"},
            "type": {"service_url": service_url, "service_path": "/suggest/type"},
            "property": {"service_url": service_url, "service_path": "/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": service_url, "service_path": "/propose_properties"},
            "property_settings": [],
        },
        "batchSize": MAX_BATCH,
    }


# -- routes ---------------------------------------------------------------------------------------
def _route(rule: str, **options):
    """Register a view for every service: ``/reconcile<rule>`` and ``/reconcile/<slug><rule>``."""
    def decorator(view):
        for slug, service in SERVICES.items():
            def bound(view=view, service=service):
                return view(service)
            bound.__name__ = f"{view.__name__}_{slug or 'all'}"
            blueprint.add_url_rule(service.path + rule, bound.__name__, bound, **options)
        return view
    return decorator


@_route("", methods=["GET", "POST"])
def endpoint(service: Service):
    lang = language()
    queries, extend, single = _param("queries"), _param("extend"), _param("query")
    if queries is not None:
        batch = _load_json(queries, "queries")
        if not isinstance(batch, dict):
            raise ApiError(400, "'queries' must be a JSON object of queries")
        if len(batch) > MAX_BATCH:
            raise ApiError(413, f"at most {MAX_BATCH} queries per batch")
        index, settings = _index(), _settings()
        return _json({str(key): {"result": reconcile_one(query, service, lang, index, settings)}
                      for key, query in batch.items()})
    if extend is not None:
        return _json(extend_data(_load_json(extend, "extend"), service, lang))
    if single is not None:  # 0.1 style single query: a JSON object or plain text
        query = single
        if single.lstrip().startswith("{"):
            query = _load_json(single, "query")
        query = query if isinstance(query, dict) else {"query": str(query)}
        return _json({"result": reconcile_one(query, service, lang, _index(), _settings())})
    return _json(manifest(service, lang))


def _cursor() -> int:
    try:
        return max(0, min(int(request.args.get("cursor", 0)), 10000))
    except ValueError:
        return 0


def _prefix() -> str:
    return request.args.get("prefix", "")[:500]


@_route("/suggest/entity")
def suggest_entity(service: Service):
    lang, settings, index = language(), _settings(), _index()
    results = index.search(_prefix(), limit=60 + _cursor(), types=service.types[:1], kinds=(0, 1))
    out = []
    for hit in results.hits:
        if _in_service(hit, service, settings):
            out.append({"id": service.id_of(hit.iri, settings), "name": hit.label(lang),
                        "description": _description(hit, lang), "notable": _type_objects(hit, index, lang)})
    return _json({"result": out[_cursor():_cursor() + 10]})


def _prefix_matches(prefix: str, *texts: str) -> bool:
    tokens = parse(prefix).tokens
    if not tokens:
        return True
    words = {w for text in texts for variant in normal_variants(text) for w in variant.split()}
    joined = [v for text in texts for v in normal_variants(text)]
    return any(j.startswith(" ".join(tokens)) for j in joined) or \
        all(any(token in word for word in words) for token in tokens)  # short lists: substrings too


@_route("/suggest/type")
def suggest_type(service: Service):
    lang, index = language(), _index()
    rows = index.db.execute("SELECT DISTINCT type FROM types").fetchall()
    iris = [iri for (iri,) in rows if _type_ok(iri, service, index)]
    hits = index.get_many(iris)
    out = []
    for iri in sorted(iris, key=lambda i: (hits[i].label(lang).casefold() if i in hits else i)):
        hit = hits.get(iri)
        if hit is None:
            continue
        if _prefix_matches(_prefix(), hit.label("de"), hit.label("en"), short_id(iri)):
            out.append({"id": short_id(iri), "name": hit.label(lang),
                        "description": snippet(hit.description(lang), (), 120)})
    return _json({"result": out[_cursor():_cursor() + 10]})


def _type_ok(iri: str, service: Service, index) -> bool:
    if not (iri.startswith(str(IKPE)) or iri == "http://www.w3.org/2004/02/skos/core#Concept"):
        return False
    if not service.types:
        return True
    sample = index.db.execute(
        "SELECT r.data FROM types t JOIN resources r ON r.id = t.rid WHERE t.type = ? LIMIT 1", (iri,)).fetchone()
    return bool(sample) and all(t in json.loads(sample[0]).get("types", []) for t in service.types)


def _props_for(service: Service, type_iri: str | None, index) -> list[Prop]:
    keyed = bool(service.types) or type_iri is None
    if type_iri and not keyed:
        sample = index.db.execute(
            "SELECT r.data FROM types t JOIN resources r ON r.id = t.rid WHERE t.type = ? LIMIT 1",
            (type_iri,)).fetchone()
        keyed = bool(sample) and GK in json.loads(sample[0]).get("types", [])
    return [p for p in PROPERTIES if keyed or not p.keyed]


@_route("/suggest/property")
def suggest_property(service: Service):
    lang = language()
    out = [{"id": p.id, "name": _text(p.name, lang), "description": _text(p.description, lang)}
           for p in _props_for(service, None, _index())
           if _prefix_matches(_prefix(), p.name["de"], p.name["en"], p.id)]
    for item in out:
        if not item["description"]:
            del item["description"]
    return _json({"result": out[_cursor():_cursor() + 10]})


@_route("/propose_properties")
def propose_properties(service: Service):
    lang, index = language(), _index()
    type_id = request.args.get("type", "")[:500]
    if not type_id:
        raise ApiError(400, "the 'type' parameter is required")
    try:
        limit = max(1, min(int(request.args.get("limit", 20)), 100))
    except ValueError:
        limit = 20
    props = _props_for(service, expand_id(type_id), index)[:limit]
    return _json({"type": type_id, "limit": limit, "properties": [
        {"id": p.id, "name": _text(p.name, lang), **({"description": _text(p.description, lang)}
                                                       if _text(p.description, lang) else {})} for p in props]})


def extend_data(query, service: Service, lang: str) -> dict:
    if not isinstance(query, dict) or not isinstance(query.get("ids", []), list) \
            or not isinstance(query.get("properties", []), list):
        raise ApiError(400, "'extend' must be {ids: [...], properties: [{id}, ...]}")
    settings, index = _settings(), _index()
    ids = [i for i in query.get("ids", []) if isinstance(i, str)][:1000]
    props = []
    for item in query.get("properties", [])[:50]:
        pid = item.get("id") if isinstance(item, dict) else item
        props.append((pid if isinstance(pid, str) else str(pid), find_prop(pid)))
    meta = []
    for pid, prop in props:
        entry = {"id": pid, "name": _text(prop.name, lang) if prop else pid}
        if prop and prop.kind == "wikidata":
            entry["service"] = WIKIDATA_RECONCILE
        elif prop and prop.kind in ("entity", "type"):
            entry["type"] = {"id": "Gebietskoerperschaft", "name": "Gebietskörperschaft"} \
                if prop.kind == "entity" else {"id": "owl:Class", "name": "Klasse" if lang == "de" else "Class"}
        meta.append(entry)
    iris = {entity_id: service.iri_of(entity_id, settings) for entity_id in ids}
    hits = index.get_many(i for i in iris.values() if i)
    targets = index.get_many(t for hit in hits.values()
                             for t in hit.data.get("props", {}).get("containedInPlace", []))
    rows = {}
    for entity_id in ids:
        hit = hits.get(iris[entity_id] or "")
        row = {}
        for pid, prop in props:
            row[pid] = [] if hit is None or prop is None else _extension_values(hit, prop, service, lang, index,
                                                                                  targets, settings)
        rows[entity_id] = row
    return {"meta": meta, "rows": rows}


def _extension_values(hit, prop: Prop, service, lang, index, targets, settings) -> list[dict]:
    data = hit.data.get("props", {})
    if prop.kind in ("key", "text"):
        if prop.id == "rdfs:label":
            return [{"str": hit.label(lang)}]
        return [{"str": v} for v in data.get(PROP_DATA.get(prop.id, ""), [])]
    if prop.kind == "wikidata":
        return [{"id": _wikidata_id(v), "name": _wikidata_id(v)} for v in data.get("wikidata", [])
                if v.startswith(WIKIDATA)]
    if prop.kind == "type":
        return _type_objects(hit, index, lang)
    values = []
    for iri in data.get(PROP_DATA[prop.id], []):
        target = targets.get(iri)
        entity_id = service.id_of(iri, settings) or iri
        values.append({"id": entity_id, "name": target.label(lang) if target else entity_id})
    return values


@_route("/flyout/entity")
def flyout(service: Service):
    lang, settings = language(), _settings()
    entity_id = request.args.get("id", "")
    hit = _index().get(service.iri_of(entity_id, settings) or "")
    if hit is None or not _in_service(hit, service, settings):
        raise ApiError(404, "no such entity")
    html = render_template("reconcile_preview.html", hit=hit, lang=lang, flyout=True,
                           description=_description(hit, lang), props=_preview_props(hit, lang),
                           view_url=request.host_url.rstrip("/") + hit.iri[len(settings.public_base):])
    return _json({"id": entity_id, "html": html})


def _preview_props(hit, lang) -> list[tuple[str, str]]:
    data = hit.data.get("props", {})
    rows = []
    for prop in PROPERTIES:
        if prop.kind in ("key", "wikidata") and data.get(PROP_DATA[prop.id]):
            values = data[PROP_DATA[prop.id]]
            if prop.kind == "wikidata":
                values = [_wikidata_id(v) for v in values]
            rows.append((_text(prop.name, lang), ", ".join(values)))
    return rows


@_route("/preview")
def preview(service: Service):
    """A small HTML card for OpenRefine's preview iframe: embeddable from any origin."""
    lang, settings = language(), _settings()
    entity_id = request.args.get("id", "")
    hit = _index().get(service.iri_of(entity_id, settings) or "")
    status = 200
    if hit is None or not _in_service(hit, service, settings):
        hit, status = None, 404
    html = render_template("reconcile_preview.html", hit=hit, lang=lang, flyout=False, entity_id=entity_id,
                           description=_description(hit, lang) if hit else "",
                           props=_preview_props(hit, lang) if hit else [],
                           view_url=(request.host_url.rstrip("/") + hit.iri[len(settings.public_base):])
                           if hit else "")
    response = Response(html, status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = "frame-ancestors *; default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = f"public, max-age={settings.cache_max_age}"
    return response
