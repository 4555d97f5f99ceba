"""Entity reconciliation against a release's full-text index (what ``/reconcile`` answers, without HTTP).

Two services (see docs/search.md, "Entity ids"): the main one covers every thing under ``/id/``
(entity id = the IRI path after ``<base>/id/``), the ``gebietskoerperschaft`` one only
Gebietskörperschaften (entity id = the key). Candidates come from the index (:mod:`.query`); each is
scored by name similarity (weight ``NAME_WEIGHT``) and by how well its properties agree with the
query's, and the top one is a match when it leads clearly or every given key agrees.

Everything here works on a :class:`Scope` (index, service, id base, language) and returns the JSON
shapes of the Reconciliation Service API 0.2; the web layer only parses requests and answers them.
Names of services and properties are English message ids (marked ``N_``, translated through the web
app's gettext catalogues: the scope carries a ``gettext`` per interface language).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from rdflib.namespace import RDF, RDFS

from ..kg.namespaces import IKPE, PREFIXES, SCHEMA
from .fold import normal_variants
from .query import Hit, SearchIndex, parse, snippet

DEFAULT_LIMIT = 10
MATCH_SCORE = 90.0
MATCH_MARGIN = 10.0
KEY_MATCH_NAME = 0.6  # with every given key agreeing, a name this similar is enough for a match
NAME_WEIGHT = 2.0
WIKIDATA = "http://www.wikidata.org/entity/"
WIKIDATA_RECONCILE = "https://wikidata.reconci.link/en/api"
GK = str(IKPE.Gebietskoerperschaft)
SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
CHANGE_EVENT = "http://www.w3.org/ns/org#ChangeEvent"


def N_(message: str) -> str:
    """Marks an English message id for ``pybabel extract``; it is translated where it is shown."""
    return message


class InvalidQuery(ValueError):
    """A reconciliation or extension query that does not have the shape the API asks for."""


# -- services ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Service:
    slug: str  # "" for the main service
    name: str  # message id
    types: tuple = ()  # type IRIs every entity must have (empty: any)

    @property
    def path(self) -> str:
        return "/reconcile" + (f"/{self.slug}" if self.slug else "")

    def identifier_space(self, id_base: str) -> str:
        return id_base + (f"{self.slug}/" if self.slug else "")

    def id_of(self, iri: str, id_base: str) -> str | None:
        space = self.identifier_space(id_base)
        return iri[len(space):] if iri.startswith(space) and len(iri) > len(space) else None

    def iri_of(self, entity_id, id_base: str) -> str | None:
        if not isinstance(entity_id, str) or not entity_id.strip() or len(entity_id) > 500:
            return None
        entity_id = entity_id.strip()
        space = self.identifier_space(id_base)
        if entity_id.startswith(("http://", "https://")):
            return entity_id if entity_id.startswith(space) else None
        return space + entity_id.replace("%2F", "/").replace("%2f", "/")


SERVICES = {
    "": Service("", N_("IKPE Linked Open Data")),
    "gebietskoerperschaft": Service(
        "gebietskoerperschaft", N_("IKPE Linked Open Data: Gebietskörperschaften (keys as identifiers)"), (GK,)),
}
DEFAULT_TYPES = ("Gebietskoerperschaft", "Landkreis", "KreisfreieStadt", "GrosseKreisstadt", "Land",
                 "Project", "Organisation", "Person", "FundingProgramme")
AREA_TYPES = DEFAULT_TYPES[:5]


Translate = Callable[[str], str]  # gettext of one language: message id → text


@dataclass(frozen=True)
class Scope:
    """What every answer depends on: the index of the release, the service, the id base, the language
    (with the interface text of every language: names are matched in all of them)."""

    index: SearchIndex
    service: Service
    id_base: str
    lang: str
    translations: Mapping[str, Translate]  # language code → gettext

    def gettext(self, message: str) -> str:
        return self.translations[self.lang](message) if message else ""

    def in_every_language(self, message: str) -> list[str]:
        return [translate(message) for translate in self.translations.values()]

    def id_of(self, iri: str) -> str | None:
        return self.service.id_of(iri, self.id_base)

    def iri_of(self, entity_id) -> str | None:
        return self.service.iri_of(entity_id, self.id_base)


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
    name: str  # message id
    description: str  # message id ("" for none)
    kind: str  # key, text, entity, wikidata, type
    keyed: bool = False  # only Gebietskörperschaften have it


PROPERTIES = (
    Prop("ags", str(IKPE.ags), N_("Official municipality key (AGS)"), N_("2, 5 or 8 digits"), "key", True),
    Prop("kreisschluessel", str(IKPE.kreisschluessel), N_("District key"), N_("5 digits, districts"), "key", True),
    Prop("ars", str(IKPE.ars), N_("Official regional key (ARS)"), N_("12 digits"), "key", True),
    Prop("nuts", str(IKPE.nuts), N_("NUTS code"), "", "key", True),
    Prop("destatisName", str(IKPE.destatisName), N_("Destatis name"), "", "text", True),
    Prop("schema:sameAs", str(SCHEMA.sameAs), N_("Wikidata"), N_("Wikidata item (Q number)"), "wikidata", True),
    Prop("schema:containedInPlace", str(SCHEMA.containedInPlace), N_("contained in"),
         N_("the next larger Gebietskörperschaft"), "entity", True),
    Prop("rdf:type", str(RDF.type), N_("Type"), "", "type"),
    Prop("rdfs:label", str(RDFS.label), N_("Label"), "", "text"),
    Prop("schema:alternateName", str(SCHEMA.alternateName), N_("Short name"), "", "text"),
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


def prop_entry(scope: Scope, prop: Prop) -> dict:
    """``{id, name[, description]}`` of a property (no description when it has none)."""
    description = scope.gettext(prop.description)
    return {"id": prop.id, "name": scope.gettext(prop.name), **({"description": description} if description else {})}


# -- what a candidate shows -------------------------------------------------------------------------
def types_of(hit: Hit) -> list[str]:
    ordered = [hit.type] + [t for t in hit.data.get("types", []) if t != hit.type]
    return [t for t in ordered if t.startswith(str(IKPE)) or t in (SKOS_CONCEPT, CHANGE_EVENT)]


def type_objects(scope: Scope, hit: Hit) -> list[dict]:
    labels = {h.iri: h.label(scope.lang) for h in scope.index.get_many(types_of(hit)).values()}
    out = []
    for type_iri in types_of(hit):
        name = hit.type_label(scope.lang) if type_iri == hit.type else labels.get(type_iri) or short_id(type_iri)
        out.append({"id": short_id(type_iri), "name": name})
    return out


def in_service(scope: Scope, hit: Hit) -> bool:
    if hit.kind == 2 or scope.id_of(hit.iri) is None:
        return False
    return all(t in hit.data.get("types", []) for t in scope.service.types)


def description(hit: Hit, lang: str) -> str:
    keys = hit.data.get("props", {})
    key = (keys.get("kreisschluessel") or keys.get("ags") or [""])[0]
    parts = [hit.type_label(lang)] + ([key] if key else [])
    text = snippet(hit.description(lang), (), 120)
    return " · ".join(parts) + (f" – {text}" if text else "")


def entity(scope: Scope, entity_id) -> Hit | None:
    """The entity ``entity_id`` names in this service, or None."""
    hit = scope.index.get(scope.iri_of(entity_id) or "")
    return hit if hit is not None and in_service(scope, hit) else None


def preview_props(scope: Scope, hit: Hit) -> list[tuple[str, str]]:
    """(name, values) of the keys and Wikidata items an entity card shows."""
    data = hit.data.get("props", {})
    rows = []
    for prop in PROPERTIES:
        if prop.kind in ("key", "wikidata") and data.get(PROP_DATA[prop.id]):
            values = data[PROP_DATA[prop.id]]
            if prop.kind == "wikidata":
                values = [wikidata_id(v) for v in values]
            rows.append((scope.gettext(prop.name), ", ".join(values)))
    return rows


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


def wikidata_id(value) -> str:
    text = value.get("id", "") if isinstance(value, dict) else str(value)
    text = text.strip()
    for prefix in (WIKIDATA, "https://www.wikidata.org/wiki/", "wd:"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.upper()


def key_text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("id") or ""
    return re.sub(r"\s+", "", str(value))


def _entity_agreement(scope: Scope, have: list[str], value) -> float:
    if isinstance(value, dict) and value.get("id"):
        if scope.iri_of(value["id"]) in have:
            return 1.0
        value = value.get("name") or ""
    targets = scope.index.get_many(have).values()
    names = [h.label("de") for h in targets] + [h.label("en") for h in targets]
    return max([0.0] + [similarity(str(value), name) for name in names])


def _text_agreement(hit: Hit, prop: Prop, value) -> float:
    if prop.id == "rdfs:label":
        have = hit.all_labels
    else:
        have = hit.data.get("props", {}).get(PROP_DATA[prop.id], []) if prop.id in PROP_DATA \
            else hit.data.get("names", [])
    text = value.get("name", "") if isinstance(value, dict) else str(value)
    return max([0.0] + [similarity(text, h) for h in have])


def _agreement(scope: Scope, hit: Hit, prop: Prop, value) -> float:
    """How well one wanted value agrees with the candidate's values of ``prop`` (0…1)."""
    data = hit.data.get("props", {})
    if prop.kind == "key":
        return 1.0 if key_text(value) and key_text(value) in data.get(PROP_DATA[prop.id], []) else 0.0
    if prop.kind == "wikidata":
        return 1.0 if wikidata_id(value) in {wikidata_id(v) for v in data.get("wikidata", [])} else 0.0
    if prop.kind == "type":
        wanted_iri = expand_id(value.get("id") if isinstance(value, dict) else str(value))
        return 1.0 if wanted_iri in hit.data.get("types", []) else 0.0
    if prop.kind == "entity":
        return _entity_agreement(scope, data.get(PROP_DATA[prop.id], []), value)
    return _text_agreement(hit, prop, value)


def property_matches(scope: Scope, hit: Hit, prop: Prop, wanted) -> float:
    """How well a candidate's values of ``prop`` agree with the query's values (0…1)."""
    best = 0.0
    for value in _values(wanted):
        best = max(best, _agreement(scope, hit, prop, value))
        if best == 1.0:
            break
    return best


# -- one reconciliation query -----------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    text: str
    types: tuple[str, ...]  # wanted types, then the service's
    limit: int
    properties: tuple[tuple[Prop, object], ...]

    def user_types(self, service: Service) -> list[str]:
        return [t for t in self.types if t not in service.types]


def parse_query(query: dict, service: Service) -> Query:
    text = query.get("query")
    text = text if isinstance(text, str) else ("" if text is None else str(text))
    raw_types = query.get("type")
    raw_types = raw_types if isinstance(raw_types, list) else ([raw_types] if raw_types else [])
    types = [expand_id(t.get("id") if isinstance(t, dict) else t) for t in raw_types]
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
    return Query(text[:500], tuple(dict.fromkeys(t for t in types if t)) + service.types, limit, tuple(properties))


def _candidates(scope: Scope, query: Query) -> tuple[dict[str, Hit], Hit | None]:
    """Candidates by name (one wanted type at a time), by id, and by the keys given; and the hit the
    query text names directly by its id, if any."""
    index, service = scope.index, scope.service
    candidates: dict[str, Hit] = {}
    if parse(query.text).tokens:
        for type_iri in query.user_types(service) or [None]:
            filter_types = tuple(t for t in (type_iri, *service.types) if t)
            found = index.search(query.text, limit=50, types=filter_types[:1], names_only=True, kinds=(0, 1))
            for hit in found.hits:
                candidates.setdefault(hit.iri, hit)
    direct = scope.iri_of(query.text) if query.text and " " not in query.text.strip() else None
    direct_hit = index.get(direct) if direct else None
    if direct_hit is not None:
        candidates[direct_hit.iri] = direct_hit
    for prop, value in query.properties:  # keys find their entity even when the name is spelt differently
        if prop.kind in ("key", "wikidata"):
            for item in _values(value):
                term = wikidata_id(item) if prop.kind == "wikidata" else key_text(item)
                for hit in index.by_ids(index.by_exact(term)).values():
                    candidates.setdefault(hit.iri, hit)
    return candidates, direct_hit


def _wanted(scope: Scope, query: Query, hit: Hit) -> bool:
    if not in_service(scope, hit):
        return False
    hit_types = hit.data.get("types", [])
    if query.types and not all(t in hit_types for t in scope.service.types):
        return False
    user_types = query.user_types(scope.service)
    return not user_types or any(t in hit_types for t in user_types)


def _name_score(query: Query, hit: Hit, direct_hit: Hit | None) -> float | None:
    if direct_hit is not None and hit.iri == direct_hit.iri:
        return 1.0
    if query.text.strip():
        names = hit.all_labels + hit.data.get("names", [])
        return max([similarity(query.text, name) for name in names] or [0.0])
    return None


def _candidate(scope: Scope, query: Query, hit: Hit, direct_hit: Hit | None) -> dict:
    """The scored candidate; ``_keys``: every given key agrees and the name is close enough."""
    features = []
    weight, total, keys_agree = 0.0, 0.0, None
    name_score = _name_score(query, hit, direct_hit)
    if name_score is not None:
        features.append({"id": "name", "value": round(name_score, 4)})
        weight, total = NAME_WEIGHT, NAME_WEIGHT * name_score
    for prop, value in query.properties:
        agreement = property_matches(scope, hit, prop, value)
        features.append({"id": f"property:{prop.id}", "value": round(agreement, 4)})
        weight, total = weight + 1.0, total + agreement
        if prop.kind in ("key", "wikidata"):
            keys_agree = (keys_agree is not False) and agreement == 1.0
    return {
        "_keys": bool(keys_agree) and (name_score is None or name_score >= KEY_MATCH_NAME),
        "id": scope.id_of(hit.iri),
        "name": hit.label(scope.lang),
        "description": description(hit, scope.lang),
        "score": round(100.0 * total / weight, 2) if weight else 0.0,
        "match": False,
        "type": type_objects(scope, hit),
        "features": features,
    }


def _mark_match(results: list[dict]) -> None:
    """The top candidate matches when it leads clearly with a high score, or when only its keys agree."""
    if results:
        top, rest = results[0], results[1:]
        clear_lead = not rest or rest[0]["score"] <= top["score"] - MATCH_MARGIN
        by_score = top["score"] >= MATCH_SCORE and clear_lead
        by_key = top["_keys"] and not any(c["_keys"] for c in rest)
        top["match"] = bool(by_score or by_key)
    for candidate in results:
        del candidate["_keys"]


def reconcile(scope: Scope, query) -> list[dict]:
    """The candidates for one query (``{query, type, limit, properties}``), best first."""
    if not isinstance(query, dict):
        return []
    parsed = parse_query(query, scope.service)
    candidates, direct_hit = _candidates(scope, parsed)
    results = [_candidate(scope, parsed, hit, direct_hit) for hit in candidates.values()
               if _wanted(scope, parsed, hit)]
    results.sort(key=lambda c: (-c["score"], c["name"].casefold(), c["id"]))
    _mark_match(results)
    return results[:parsed.limit]


# -- manifest and suggest -----------------------------------------------------------------------
def default_types(scope: Scope) -> list[dict]:
    wanted = AREA_TYPES if scope.service.types else DEFAULT_TYPES
    found = scope.index.get_many([str(IKPE) + t for t in wanted])
    return [{"id": name, "name": found[str(IKPE) + name].label(scope.lang)}
            for name in wanted if str(IKPE) + name in found]


def suggest_entities(scope: Scope, prefix: str, cursor: int) -> list[dict]:
    results = scope.index.search(prefix, limit=60 + cursor, types=scope.service.types[:1], kinds=(0, 1))
    out = [{"id": scope.id_of(hit.iri), "name": hit.label(scope.lang), "description": description(hit, scope.lang),
            "notable": type_objects(scope, hit)} for hit in results.hits if in_service(scope, hit)]
    return out[cursor:cursor + 10]


def prefix_matches(prefix: str, *texts: str) -> bool:
    tokens = parse(prefix).tokens
    if not tokens:
        return True
    words = {w for text in texts for variant in normal_variants(text) for w in variant.split()}
    joined = [v for text in texts for v in normal_variants(text)]
    return any(j.startswith(" ".join(tokens)) for j in joined) or \
        all(any(token in word for word in words) for token in tokens)  # short lists: substrings too


def _type_ok(scope: Scope, iri: str) -> bool:
    if not (iri.startswith(str(IKPE)) or iri == SKOS_CONCEPT):
        return False
    if not scope.service.types:
        return True
    types = scope.index.example_types(iri)
    return types is not None and all(t in types for t in scope.service.types)


def suggest_types(scope: Scope, prefix: str, cursor: int) -> list[dict]:
    lang = scope.lang
    iris = [iri for iri in scope.index.type_iris() if _type_ok(scope, iri)]
    hits = scope.index.get_many(iris)
    out = []
    for iri in sorted(iris, key=lambda i: (hits[i].label(lang).casefold() if i in hits else i)):
        hit = hits.get(iri)
        if hit is not None and prefix_matches(prefix, hit.label("de"), hit.label("en"), short_id(iri)):
            out.append({"id": short_id(iri), "name": hit.label(lang),
                        "description": snippet(hit.description(lang), (), 120)})
    return out[cursor:cursor + 10]


def props_for(scope: Scope, type_iri: str | None) -> list[Prop]:
    """The properties entities of ``type_iri`` may have (the keyed ones only for Gebietskörperschaften)."""
    keyed = bool(scope.service.types) or type_iri is None
    if type_iri and not keyed:
        keyed = GK in (scope.index.example_types(type_iri) or [])
    return [p for p in PROPERTIES if keyed or not p.keyed]


def suggest_properties(scope: Scope, prefix: str, cursor: int) -> list[dict]:
    out = [prop_entry(scope, p) for p in props_for(scope, None)
           if prefix_matches(prefix, *scope.in_every_language(p.name), p.id)]
    return out[cursor:cursor + 10]


def propose_properties(scope: Scope, type_id: str, limit: int) -> dict:
    props = props_for(scope, expand_id(type_id))[:limit]
    return {"type": type_id, "limit": limit, "properties": [prop_entry(scope, p) for p in props]}


# -- data extension -----------------------------------------------------------------------------
def _column(scope: Scope, pid: str, prop: Prop | None) -> dict:
    entry = {"id": pid, "name": scope.gettext(prop.name) if prop else pid}
    if prop and prop.kind == "wikidata":
        entry["service"] = WIKIDATA_RECONCILE
    elif prop and prop.kind == "entity":
        entry["type"] = {"id": "Gebietskoerperschaft", "name": "Gebietskörperschaft"}
    elif prop and prop.kind == "type":
        entry["type"] = {"id": "owl:Class", "name": scope.gettext(N_("Class"))}
    return entry


def _extension_values(scope: Scope, hit: Hit, prop: Prop, targets: dict[str, Hit]) -> list[dict]:
    data = hit.data.get("props", {})
    if prop.kind in ("key", "text"):
        if prop.id == "rdfs:label":
            return [{"str": hit.label(scope.lang)}]
        return [{"str": v} for v in data.get(PROP_DATA.get(prop.id, ""), [])]
    if prop.kind == "wikidata":
        return [{"id": wikidata_id(v), "name": wikidata_id(v)} for v in data.get("wikidata", [])
                if v.startswith(WIKIDATA)]
    if prop.kind == "type":
        return type_objects(scope, hit)
    values = []
    for iri in data.get(PROP_DATA[prop.id], []):
        target = targets.get(iri)
        entity_id = scope.id_of(iri) or iri
        values.append({"id": entity_id, "name": target.label(scope.lang) if target else entity_id})
    return values


@dataclass(frozen=True)
class ExtensionRequest:
    ids: list[str]
    properties: list[tuple[str, Prop | None]]  # as asked, and the property it names (None: unknown)


def extension_request(query) -> ExtensionRequest:
    """The entity ids and properties a data extension query asks for (refused: :class:`InvalidQuery`)."""
    if not isinstance(query, dict) or not isinstance(query.get("ids", []), list) \
            or not isinstance(query.get("properties", []), list):
        raise InvalidQuery("'extend' must be {ids: [...], properties: [{id}, ...]}")
    props = []
    for item in query.get("properties", [])[:50]:
        pid = item.get("id") if isinstance(item, dict) else item
        props.append((pid if isinstance(pid, str) else str(pid), find_prop(pid)))
    return ExtensionRequest([i for i in query.get("ids", []) if isinstance(i, str)][:1000], props)


def extend(scope: Scope, wanted: ExtensionRequest) -> dict:
    """Data extension: the values of the wanted properties of the given entities (``{meta, rows}``)."""
    iris = {entity_id: scope.iri_of(entity_id) for entity_id in wanted.ids}
    hits = scope.index.get_many(i for i in iris.values() if i)
    targets = scope.index.get_many(t for hit in hits.values()
                                   for t in hit.data.get("props", {}).get("containedInPlace", []))
    rows = {}
    for entity_id in wanted.ids:
        hit = hits.get(iris[entity_id] or "")
        rows[entity_id] = {pid: [] if hit is None or prop is None else _extension_values(scope, hit, prop, targets)
                           for pid, prop in wanted.properties}
    return {"meta": [_column(scope, pid, prop) for pid, prop in wanted.properties], "rows": rows}
