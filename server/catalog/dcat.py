"""The DCAT-AP.de 3.0 catalog of the published data, computed from the graph at build time.

One ``dcat:Catalog`` (``<base>/catalog``) with

* a dataset for the whole knowledge graph (``<base>/catalog/dataset/ikpe``), distributed as the four
  release dumps plus the SPARQL endpoint, and
* one dataset per project (``<base>/catalog/dataset/project/<slug>``), distributed as the project's
  subset in the same four formats (written by the release step), so a portal lists every project;
* the SPARQL endpoint and the Triple Pattern Fragments as ``dcat:DataService``\ s.

The result is an RDF dataset with one named graph for the catalog head (catalog, publisher, contact,
service) and one named graph per catalogued dataset (the dataset, its distributions, checksums,
period, locations). The Hydra pages (``hydra.py``) are put together from these graphs without
recomputing anything. Every IRI is absolute and built from the configured public base.

The builders below read the source graph (rdflib, indexed lookups per project) and write into
:class:`QuadSink` objects that turn each triple straight into pyoxigraph quads: thousands of
datasets are serialised by pyoxigraph in a second, where rdflib's Dataset and TriG writer took
many minutes (see docs/benchmarks.md, "Catalog release step").
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from ..kg.namespaces import IKPE, SCHEMA
from ..store.embedded import to_oxigraph
from .vocab import (ACCESS_RIGHT, DATA_THEME, DCATDE, FILE_TYPE, FREQUENCY, GEOCODING_LEVEL, IANA, LANGUAGE,
                    LICENSE, SPDX, TPF_SPEC, VCARD)

THEME_TAXONOMY = URIRef("http://publications.europa.eu/resource/authority/data-theme")
DCAT_AP_DE = URIRef("https://www.dcat-ap.de/def/dcatde/3.0/spec/")

# EU data themes for our topic concepts (scheme "thema"); every dataset is SOCI (population and
# society) at least, a dataset whose Gebietskörperschaften take part is REGI (regions and cities).
THEME_OF_CONCEPT = {
    "concept/thema/integration": ("SOCI",),
    "concept/thema/interkulturelle-oeffnung": ("SOCI",),
    "concept/thema/diversity-management": ("SOCI",),
    "concept/thema/oeffentliche-verwaltung": ("GOVE",),
}

# political-geocoding level of a Gebietskörperschaft by its class (coarsest first)
LEVELS = (
    (IKPE.Land, GEOCODING_LEVEL.state),
    (IKPE.Landkreis, GEOCODING_LEVEL.administrativeDistrict),
    (IKPE.KreisfreieStadt, GEOCODING_LEVEL.administrativeDistrict),
    (IKPE.GrosseKreisstadt, GEOCODING_LEVEL.municipality),
)

# Harvester rule (CKAN tag names): 2–100 characters of letters, digits, space, "-", "_", "."
KEYWORD_OK = re.compile(r"^[\w \-.]{2,100}$")


def keyword(text: str) -> str | None:
    """The text as a portal-safe keyword: other characters become spaces; None if nothing is left."""
    cleaned = re.sub(r"\s+", " ", re.sub(r"[^\w \-.]", " ", text)).strip()
    return cleaned if KEYWORD_OK.match(cleaned) else None


@dataclass
class DumpFile:
    """One file of a distribution: where it is served and what it is."""
    path: str          # below /dumps/, e.g. "ikpe.ttl" or "projects/thilik.ttl"
    bytes: int
    sha256: str
    media_type: str    # of the uncompressed content
    file_type: str     # EU file-type code
    gzip: bool = False


@dataclass
class Entry:
    """A catalogued dataset with its change dates (kept across builds while its content is unchanged)."""
    iri: str
    key: str                 # "ikpe" or "project/<slug>"
    content_hash: str
    issued: str
    modified: str
    subject: str | None = None   # the project IRI for a project dataset
    files: list = field(default_factory=list)


@dataclass
class CatalogContext:
    base: str
    release: str
    created: str
    publisher_homepage: str
    contact_email: str = ""

    def iri(self, path: str) -> URIRef:
        return URIRef(f"{self.base}/{path}")

    @property
    def catalog(self) -> URIRef:
        return self.iri("catalog")

    @property
    def publisher(self) -> URIRef:
        return URIRef(f"{self.base}/id/organisation/ikpe")

    @property
    def service(self) -> URIRef:
        return self.iri("catalog/service/sparql")

    @property
    def contact(self) -> URIRef:
        return URIRef(f"{self.base}/catalog#contact")


class QuadSink:
    """One named graph of the catalog under construction: ``add((s, p, o))`` with rdflib terms, stored
    as pyoxigraph quads (IRIs converted once and cached, shared by all graphs of a catalog)."""

    def __init__(self, name: str, iris: dict):
        self.name = str(name)
        self.node = ox.NamedNode(self.name)
        self.quads: list = []
        self._iris = iris

    def _term(self, term):
        if isinstance(term, URIRef):
            found = self._iris.get(term)
            if found is None:
                found = self._iris[term] = ox.NamedNode(str(term))
            return found
        if isinstance(term, (ox.Literal, ox.BlankNode, ox.NamedNode)):
            return term
        return to_oxigraph(term)

    def add(self, triple) -> None:
        s, p, o = triple
        self.quads.append(ox.Quad(self._term(s), self._term(p), self._term(o), self.node))


class CatalogQuads:
    """The catalog as named graphs of pyoxigraph quads, in catalog order (head first)."""

    def __init__(self):
        self._iris: dict = {}
        self.graphs: dict[str, QuadSink] = {}

    def graph(self, name) -> QuadSink:
        key = str(name)
        if key not in self.graphs:
            self.graphs[key] = QuadSink(key, self._iris)
        return self.graphs[key]

    def __len__(self) -> int:
        return sum(len(g.quads) for g in self.graphs.values())


_DATATYPES: dict = {}


def _lit(value, lang: str | None = None, datatype=None) -> ox.Literal:
    """A literal for the catalog, made directly as a pyoxigraph term (rdflib's Literal is slow to build)."""
    if lang:
        return ox.Literal(str(value), language=lang)
    if datatype is not None:
        node = _DATATYPES.get(datatype)
        if node is None:
            node = _DATATYPES[datatype] = ox.NamedNode(str(datatype))
        return ox.Literal(str(value), datatype=node)
    return ox.Literal(str(value))


def _dt(value: str) -> ox.Literal:
    # the lexical form rdflib wrote before (it normalises "…Z" to "…+00:00"), so the bytes stay the same
    return _lit(value[:-1] + "+00:00" if value.endswith("Z") else value, datatype=XSD.dateTime)


def _texts(graph: Graph, subject, predicate) -> dict[str, str]:
    return {o.language or "": str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


def _add_both(g: Graph, subject, predicate, de: str, en: str) -> None:
    g.add((subject, predicate, _lit(de, lang="de")))
    g.add((subject, predicate, _lit(en, lang="en")))


# -- what the graph says ----------------------------------------------------------------------------

def _geocoded(graph: Graph, holders, cache: dict | None = None) -> list[tuple[URIRef, URIRef, dict]]:
    """(geocoding IRI, level, labels) of each Gebietskörperschaft with ikpe:politicalGeocoding.

    ``cache`` (holder → its entries) is shared by all datasets of one catalog: the same few hundred
    Gebietskörperschaften take part in thousands of projects."""
    found = set()
    for holder in holders:
        known = cache.get(holder) if cache is not None else None
        if known is None:
            known = []
            for geo in graph.objects(holder, IKPE.politicalGeocoding):
                types = set(graph.objects(holder, RDF.type))
                level = next((lvl for cls, lvl in LEVELS if cls in types), GEOCODING_LEVEL.municipality)
                known.append((geo, level, tuple(sorted(_texts(graph, holder, RDFS.label).items()))))
            if cache is not None:
                cache[holder] = known
        found.update(known)
    return sorted(found, key=lambda x: str(x[0]))


def _land(graph: Graph) -> list:
    return _geocoded(graph, graph.subjects(RDF.type, IKPE.Land))


class _Lookups:
    """Indexes built once per catalog (one pass per predicate) for the per-project questions, so that
    thousands of project datasets cost dictionary look-ups, not graph scans."""

    def __init__(self, graph: Graph):
        self.parts, self.funded, self.sources = defaultdict(list), defaultdict(list), defaultdict(set)
        for s, _, o in graph.triples((None, IKPE.roleIn, None)):
            self.parts[o].append(s)
        for s, _, o in graph.triples((None, SCHEMA.fundedItem, None)):
            self.funded[o].append(s)
        for s, _, o in graph.triples((None, DCTERMS.source, None)):
            if isinstance(o, URIRef):
                self.sources[s].add(o)
        self.participations = set(graph.subjects(RDF.type, IKPE.Participation))
        self.holder = {s: o for s, _, o in graph.triples((None, IKPE.roleHolder, None))}
        self.geo: dict = {}          # holder → _geocoded entries
        self.provenance: dict = {}   # sources → (de, en) statement

    def places(self, graph: Graph, project) -> list:
        holders = [self.holder.get(part) for part in self.parts.get(project, ()) if part in self.participations]
        return _geocoded(graph, [h for h in holders if h is not None], self.geo)

    def project_sources(self, project) -> list:
        found = set()
        for s in [project] + self.parts.get(project, []) + self.funded.get(project, []):
            found |= self.sources.get(s, set())
        return sorted(found)


def _period(graph: Graph, projects) -> tuple[Literal | None, Literal | None]:
    """Earliest start and latest end over the projects, as the source wrote them (its precision)."""
    starts = [(graph.value(p, IKPE.periodStart), graph.value(p, SCHEMA.startDate)) for p in projects]
    ends = [(graph.value(p, IKPE.periodEnd), graph.value(p, SCHEMA.endDate)) for p in projects]
    starts = [s for s in starts if s[0] is not None and s[1] is not None]
    ends = [e for e in ends if e[0] is not None and e[1] is not None]
    start = min(starts, key=lambda s: s[0].toPython())[1] if starts else None
    end = max(ends, key=lambda e: e[0].toPython())[1] if ends else None
    return start, end


def attribution(graph: Graph) -> str:
    """Attribution text for the distributions: the publisher and every source's required citation."""
    citations = sorted({str(c) for c in graph.objects(None, DCTERMS.bibliographicCitation)})
    text = "Institut für Kommunale Planung und Entwicklung e.V. (IKPE), CC BY 4.0"
    if citations:
        text += "; enthält Daten von / contains data from: " + "; ".join(citations)
    return text


# -- building blocks ------------------------------------------------------------------------------------

def _agent(g: Graph, ctx: CatalogContext, graph: Graph) -> None:
    names = _texts(graph, ctx.publisher, RDFS.label) or {"de": "Institut für Kommunale Planung und Entwicklung e.V."}
    g.add((ctx.publisher, RDF.type, FOAF.Organization))
    g.add((ctx.publisher, RDF.type, FOAF.Agent))
    for lang, name in names.items():
        g.add((ctx.publisher, FOAF.name, _lit(name, lang=lang or None)))
    if ctx.publisher_homepage:
        g.add((ctx.publisher, FOAF.homepage, URIRef(ctx.publisher_homepage)))


def _contact(g: Graph, ctx: CatalogContext, graph: Graph) -> None:
    names = _texts(graph, ctx.publisher, RDFS.label)
    g.add((ctx.contact, RDF.type, VCARD.Organization))
    g.add((ctx.contact, VCARD.fn, _lit(names.get("de", "Institut für Kommunale Planung und Entwicklung e.V."))))
    if ctx.contact_email:
        g.add((ctx.contact, VCARD.hasEmail, URIRef("mailto:" + ctx.contact_email)))
    g.add((ctx.contact, VCARD.hasURL, URIRef(ctx.publisher_homepage or ctx.base + "/")))


def _spatial(g: Graph, subject, places) -> None:
    levels = [lvl for _, lvl, _ in places]
    for geo, _, labels in places:
        g.add((subject, DCTERMS.spatial, geo))
        g.add((geo, RDF.type, DCTERMS.Location))
        for lang, label in labels:
            g.add((geo, SKOS.prefLabel, _lit(label, lang=lang or None)))
    if levels:
        order = [lvl for _, lvl in LEVELS]
        coarsest = min(levels, key=order.index)
        g.add((subject, DCATDE.politicalGeocodingLevelURI, coarsest))


def _common(g: Graph, ctx: CatalogContext, subject, entry: Entry) -> None:
    g.add((subject, DCTERMS.publisher, ctx.publisher))
    g.add((subject, DCTERMS.creator, ctx.publisher))
    g.add((subject, DCAT.contactPoint, ctx.contact))
    g.add((subject, DCTERMS.license, LICENSE))
    g.add((subject, DCTERMS.accessRights, ACCESS_RIGHT.PUBLIC))
    g.add((subject, DCTERMS.accrualPeriodicity, FREQUENCY.IRREG))
    g.add((subject, DCTERMS.language, LANGUAGE.DEU))
    g.add((subject, DCTERMS.language, LANGUAGE.ENG))
    g.add((subject, DCTERMS.issued, _dt(entry.issued)))
    g.add((subject, DCTERMS.modified, _dt(entry.modified)))
    g.add((subject, DCTERMS.identifier, _lit(entry.iri)))
    g.add((subject, DCTERMS.conformsTo, URIRef(ctx.base + "/def/ikpe")))


def _distribution(g: Graph, ctx: CatalogContext, dataset, entry: Entry, dump: DumpFile, attribution_text: str,
                  what: tuple[str, str], local: str | None = None) -> URIRef:
    """A download of ``dataset``; its IRI ends in ``local`` or else the file's suffix (``ttl``, ``nt-gz``)."""
    suffix = local or dump.path.rsplit("/", 1)[-1].split(".", 1)[1].replace(".", "-")
    dist = URIRef(f"{dataset}/distribution/{suffix}")
    url = URIRef(f"{ctx.base}/dumps/{dump.path}")
    names = {"RDF_TURTLE": "Turtle", "RDF_N_TRIPLES": "N-Triples (gzip)", "JSON_LD": "JSON-LD", "RDF_XML": "RDF/XML"}
    name = names[dump.file_type]
    g.add((dataset, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    _add_both(g, dist, DCTERMS.title, f"{what[0]} als {name}", f"{what[1]} as {name}")
    _add_both(g, dist, DCTERMS.description,
              f"{what[0]} als Datei im Format {name}; Prüfsumme SHA-256 in {ctx.base}/dumps/"
              f"{dump.path.rsplit('/', 1)[0] + '/' if '/' in dump.path else ''}SHA256SUMS.",
              f"{what[1]} as a file in {name} format; SHA-256 checksum in {ctx.base}/dumps/"
              f"{dump.path.rsplit('/', 1)[0] + '/' if '/' in dump.path else ''}SHA256SUMS.")
    g.add((dist, DCAT.downloadURL, url))
    g.add((dist, DCAT.accessURL, url))
    g.add((dist, DCAT.mediaType, URIRef(IANA + dump.media_type)))
    g.add((dist, DCTERMS.format, FILE_TYPE[dump.file_type]))
    if dump.gzip:
        g.add((dist, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
    g.add((dist, DCAT.byteSize, _lit(dump.bytes, datatype=XSD.nonNegativeInteger)))
    checksum = ox.BlankNode()
    g.add((dist, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((checksum, SPDX.checksumValue, _lit(dump.sha256, datatype=XSD.hexBinary)))
    g.add((dist, DCTERMS.license, LICENSE))
    g.add((dist, DCATDE.licenseAttributionByText, _lit(attribution_text, lang="de")))
    g.add((dist, DCTERMS.issued, _dt(entry.issued)))
    g.add((dist, DCTERMS.modified, _dt(entry.modified)))
    return dist


def _sparql_distribution(g: Graph, ctx: CatalogContext, dataset, entry: Entry) -> None:
    service_distribution(g, dataset, entry, "sparql", ("SPARQL-Endpunkt", "SPARQL endpoint"), (
        "Abfrage des gesamten Wissensgraphen mit SPARQL 1.1 (Protokoll: GET oder POST).",
        "Query the whole knowledge graph with SPARQL 1.1 (protocol: GET or POST)."),
        URIRef(ctx.base + "/sparql"), ctx.service, FILE_TYPE.SPARQLQ, "application/sparql-results+json")


def service_distribution(g: Graph, dataset, entry: Entry, local: str, title: tuple[str, str],
                         description: tuple[str, str], access_url, service, file_type, media_type: str) -> URIRef:
    """An access to ``dataset`` through a data service (title and description German, English)."""
    dist = URIRef(f"{dataset}/distribution/{local}")
    g.add((dataset, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    _add_both(g, dist, DCTERMS.title, *title)
    _add_both(g, dist, DCTERMS.description, *description)
    g.add((dist, DCAT.accessURL, access_url))
    g.add((dist, DCAT.accessService, service))
    g.add((dist, DCTERMS.format, file_type))
    g.add((dist, DCAT.mediaType, URIRef(IANA + media_type)))
    g.add((dist, DCTERMS.license, LICENSE))
    g.add((dist, DCTERMS.issued, _dt(entry.issued)))
    g.add((dist, DCTERMS.modified, _dt(entry.modified)))
    return dist


def _provenance(g: Graph, subject, graph: Graph, sources, memo: dict | None = None) -> None:
    note = ox.BlankNode()
    g.add((subject, DCTERMS.provenance, note))
    g.add((note, RDF.type, DCTERMS.ProvenanceStatement))
    labels = memo.get(tuple(sources)) if memo is not None else None
    if labels is None:
        labels = _provenance_labels(graph, sources)
        if memo is not None:
            memo[tuple(sources)] = labels
    for label in labels:
        g.add((note, RDFS.label, label))
    for source in sources:
        g.add((subject, PROV.wasDerivedFrom, source))


def _provenance_labels(graph: Graph, sources) -> tuple:
    titles = "; ".join(sorted(_texts(graph, s, RDFS.label).get("de", str(s)) for s in sources))
    return (_lit(
        "Aus den Quelldaten des Instituts (YAML) durch eine deklarative Abbildung nach RDF erzeugt, gegen "
        f"SHACL-Shapes geprüft und bei jedem Build neu veröffentlicht. Quellen: {titles}. Englische Texte "
        "stammen vom Herausgeber (skos:editorialNote).", lang="de"), _lit(
        "Generated from the institute's source data (YAML) by a declarative mapping to RDF, validated against "
        f"SHACL shapes and republished on every build. Sources: {titles}. English texts are written by the "
        "publisher (skos:editorialNote).", lang="en"))


# -- the catalog -----------------------------------------------------------------------------------------

def build_catalog(graph: Graph, ctx: CatalogContext, entries: list[Entry]) -> CatalogQuads:
    """The catalog as named graphs: ``<catalog>`` for the head and ``<dataset IRI>`` per dataset."""
    ds = CatalogQuads()
    head = ds.graph(ctx.catalog)
    cat = ctx.catalog
    land = _land(graph)
    lookups = _Lookups(graph)
    modified = max(e.modified for e in entries)
    issued = min(e.issued for e in entries)

    head.add((cat, RDF.type, DCAT.Catalog))
    _add_both(head, cat, DCTERMS.title, "IKPE Linked Open Data – Katalog",
              "IKPE Linked Open Data – catalogue")
    _add_both(head, cat, DCTERMS.description,
              "Katalog der offenen Daten des Instituts für Kommunale Planung und Entwicklung e.V. (Erfurt): "
              "der Wissensgraph zu Projekten, beteiligten Organisationen, Personen und Thüringer "
              "Gebietskörperschaften als Ganzes und je Projekt, mit Datenabzügen und SPARQL-Endpunkt.",
              "Catalogue of the open data of the Institut für Kommunale Planung und Entwicklung e.V. (Erfurt): "
              "the knowledge graph on projects, the organisations and people involved and the Thuringian "
              "Gebietskörperschaften, as a whole and per project, with data dumps and a SPARQL endpoint.")
    head.add((cat, DCTERMS.publisher, ctx.publisher))
    head.add((cat, DCAT.contactPoint, ctx.contact))
    head.add((cat, FOAF.homepage, URIRef(ctx.base + "/")))
    head.add((cat, DCTERMS.language, LANGUAGE.DEU))
    head.add((cat, DCTERMS.language, LANGUAGE.ENG))
    head.add((cat, DCTERMS.license, LICENSE))
    head.add((cat, DCTERMS.issued, _dt(issued)))
    head.add((cat, DCTERMS.modified, _dt(modified)))
    head.add((cat, DCAT.themeTaxonomy, THEME_TAXONOMY))
    head.add((cat, DCTERMS.conformsTo, DCAT_AP_DE))
    head.add((cat, DCAT.service, ctx.service))
    head.add((cat, RDFS.seeAlso, ctx.iri(".well-known/void")))
    _spatial(head, cat, land)
    _agent(head, ctx, graph)
    _contact(head, ctx, graph)

    _service(head, ctx, entries)

    attribution_text = attribution(graph)
    all_projects = [URIRef(e.subject) for e in entries if e.subject]
    for entry in entries:
        g = ds.graph(entry.iri)
        if entry.subject:
            _project_dataset(g, graph, ctx, entry, attribution_text, land, lookups)
        else:
            _graph_dataset(g, graph, ctx, entry, attribution_text, land, all_projects)
        g.add((cat, DCAT.dataset, URIRef(entry.iri)))
    return ds


def _service(head, ctx: CatalogContext, entries: list[Entry]) -> None:
    """The SPARQL endpoint as the catalog's data service, serving every dataset."""
    svc = ctx.service
    data_service(head, ctx, svc, ("SPARQL-Endpunkt des IKPE-Wissensgraphen", "SPARQL endpoint of the IKPE knowledge graph"),
                 ("SPARQL-1.1-Abfragedienst über den gesamten Wissensgraphen (nur lesend).",
                  "Read-only SPARQL 1.1 query service over the whole knowledge graph."),
                 ctx.iri("sparql"), URIRef("https://www.w3.org/TR/sparql11-protocol/"))
    for entry in entries:
        head.add((svc, DCAT.servesDataset, URIRef(entry.iri)))
    fragments = ctx.iri("catalog/service/fragments")  # Triple Pattern Fragments (docs/fragments.md): the whole graph
    data_service(head, ctx, fragments, ("Triple Pattern Fragments des IKPE-Wissensgraphen",
                                        "Triple Pattern Fragments of the IKPE knowledge graph"),
                 ("Jedes Tripelmuster seitenweise, mit Anzahl und Hypermedia-Steuerung (für Clients wie Comunica).",
                  "Any triple pattern, page by page, with counts and hypermedia controls (for clients such as Comunica)."),
                 ctx.iri("fragments"), URIRef(TPF_SPEC))
    for entry in entries:
        if not entry.subject:
            head.add((fragments, DCAT.servesDataset, URIRef(entry.iri)))


def data_service(head, ctx: CatalogContext, svc, title: tuple[str, str], description: tuple[str, str], endpoint,
                 conforms_to) -> None:
    """A ``dcat:DataService`` of the catalog (title and description German, English)."""
    head.add((svc, RDF.type, DCAT.DataService))
    _add_both(head, svc, DCTERMS.title, *title)
    _add_both(head, svc, DCTERMS.description, *description)
    head.add((svc, DCAT.endpointURL, endpoint))
    head.add((svc, DCAT.endpointDescription, endpoint))
    head.add((svc, DCTERMS.conformsTo, conforms_to))
    head.add((svc, DCTERMS.publisher, ctx.publisher))
    head.add((svc, DCAT.contactPoint, ctx.contact))
    head.add((svc, DCTERMS.license, LICENSE))
    head.add((svc, DCTERMS.accessRights, ACCESS_RIGHT.PUBLIC))


def _themes(g: Graph, subject, codes) -> None:
    for code in sorted(set(codes)):
        g.add((subject, DCAT.theme, DATA_THEME[code]))


def _keywords(g: Graph, subject, texts: list[tuple[str, str]]) -> None:
    for text, lang in texts:
        kw = keyword(text)
        if kw:
            g.add((subject, DCAT.keyword, _lit(kw, lang=lang)))


def _temporal(g: Graph, subject, start, end) -> None:
    if start is None and end is None:
        return
    period = ox.BlankNode()
    g.add((subject, DCTERMS.temporal, period))
    g.add((period, RDF.type, DCTERMS.PeriodOfTime))
    if start is not None:
        g.add((period, DCAT.startDate, start))
    if end is not None:
        g.add((period, DCAT.endDate, end))


def _concept_keywords(graph: Graph, concepts) -> list[tuple[str, str]]:
    texts = []
    for concept in concepts:
        for lang, label in _texts(graph, concept, RDFS.label).items() or _texts(graph, concept, SKOS.prefLabel).items():
            if lang in ("de", "en"):
                texts.append((label, lang))
    return texts


def _graph_dataset(g, graph, ctx, entry, attribution_text, land, projects) -> None:
    ds = URIRef(entry.iri)
    g.add((ds, RDF.type, DCAT.Dataset))
    _add_both(g, ds, DCTERMS.title,
              "IKPE-Wissensgraph: Projekte, Akteure und Thüringer Gebietskörperschaften",
              "IKPE knowledge graph: projects, actors and Thuringian Gebietskörperschaften")
    _add_both(g, ds, DCTERMS.description,
              "Der gesamte Wissensgraph des Instituts für Kommunale Planung und Entwicklung e.V. als Linked Open "
              "Data: die Projekte mit Laufzeit, Rollen, Partnern und Förderung, die beteiligten Organisationen und "
              "Personen sowie die Thüringer Landkreise, kreisfreien Städte und Gemeinden mit amtlichen Schlüsseln, "
              "Gebietsänderungen und Verweisen auf Wikidata und die DCAT-AP.de-Geokodierung.",
              "The whole knowledge graph of the Institut für Kommunale Planung und Entwicklung e.V. as Linked "
              "Open Data: the projects with their runtime, roles, partners and funding, the organisations and "
              "people involved, and the Thuringian districts, district-free towns and municipalities with their "
              "official keys, territorial changes and links to Wikidata and DCAT-AP.de political geocoding.")
    _common(g, ctx, ds, entry)
    g.add((ds, DCAT.landingPage, URIRef(ctx.base + "/")))
    _themes(g, ds, ["SOCI", "GOVE", "REGI"])
    concepts = sorted(set(graph.objects(None, DCTERMS.subject)))
    _keywords(g, ds, [("Linked Open Data", "de"), ("Linked Open Data", "en"), ("Thüringen", "de"),
                      ("Thuringia", "en"), ("Gebietskörperschaften", "de"), ("Kommunale Planung", "de"),
                      ("Municipal planning", "en"), ("Projekte", "de"), ("Projects", "en")]
              + _concept_keywords(graph, concepts))
    _temporal(g, ds, *_period(graph, projects))
    _spatial(g, ds, land)
    _provenance(g, ds, graph, sorted({s for s in graph.objects(None, DCTERMS.source) if isinstance(s, URIRef)}))
    for e_proj in projects:
        g.add((ds, DCTERMS.hasPart, URIRef(f"{ctx.base}/catalog/dataset/project/{str(e_proj).rsplit('/', 1)[-1]}")))
    g.add((ds, FOAF.page, ctx.iri(".well-known/void")))
    for dump in entry.files:
        _distribution(g, ctx, ds, entry, dump, attribution_text, ("Gesamter Wissensgraph", "Whole knowledge graph"))
    _sparql_distribution(g, ctx, ds, entry)


def _project_dataset(g, graph, ctx, entry, attribution_text, land=None, lookups: _Lookups | None = None) -> None:
    lookups = lookups or _Lookups(graph)
    ds = URIRef(entry.iri)
    project = URIRef(entry.subject)
    titles = _texts(graph, project, DCTERMS.title) or _texts(graph, project, RDFS.label)
    title_de = titles.get("de") or next(iter(titles.values()))
    title_en = titles.get("en", title_de)
    short = [str(o) for o in graph.objects(project, SCHEMA.alternateName)]
    label_de = f"{title_de} ({short[0]})" if short and short[0] not in title_de else title_de
    label_en = f"{title_en} ({short[0]})" if short and short[0] not in title_en else title_en
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, _lit(f"Projekt: {label_de}", lang="de")))
    g.add((ds, DCTERMS.title, _lit(f"Project: {label_en}", lang="en")))
    descriptions = _texts(graph, project, DCTERMS.description)
    g.add((ds, DCTERMS.description, _lit(
        f"Linked-Open-Data-Beschreibung des Projekts „{title_de}“ aus dem Wissensgraphen des Instituts für "
        "Kommunale Planung und Entwicklung e.V.: Laufzeit, Projektleitung und Ansprechpersonen, Partner, "
        "Förderung und teilnehmende Gebietskörperschaften. Projektbeschreibung: "
        + descriptions.get("de", descriptions.get("", "")), lang="de")))
    g.add((ds, DCTERMS.description, _lit(
        f"Linked Open Data description of the project \"{title_en}\" from the knowledge graph of the Institut "
        "für Kommunale Planung und Entwicklung e.V.: runtime, project lead and contacts, partners, funding and "
        "participating Gebietskörperschaften. Project description: "
        + descriptions.get("en", descriptions.get("de", "")), lang="en")))
    _common(g, ctx, ds, entry)
    slug = str(project)[len(ctx.base) + len("/id/"):]
    g.add((ds, DCAT.landingPage, URIRef(f"{ctx.base}/doc/{slug}")))
    g.add((ds, FOAF.primaryTopic, project))
    g.add((ds, DCTERMS.isPartOf, URIRef(f"{ctx.base}/catalog/dataset/ikpe")))
    concepts = sorted(set(graph.objects(project, DCTERMS.subject)))
    places = lookups.places(graph, project)
    themes = ["SOCI"] + [code for c in concepts for code in THEME_OF_CONCEPT.get(str(c)[len(ctx.base) + 4:], ())]
    if places:
        themes.append("REGI")
    _themes(g, ds, themes)
    _keywords(g, ds, [(s, "de") for s in short] + [(s, "en") for s in short] + _concept_keywords(graph, concepts))
    _temporal(g, ds, graph.value(project, SCHEMA.startDate), graph.value(project, SCHEMA.endDate))
    # The participating Gebietskörperschaften; a project without recorded participants is Thuringian
    # as a whole (all projects are; see docs/dcat.md).
    _spatial(g, ds, places or (land if land is not None else _land(graph)))
    _provenance(g, ds, graph, lookups.project_sources(project), lookups.provenance)
    for dump in entry.files:
        _distribution(g, ctx, ds, entry, dump, attribution_text, (f"Projektdaten {title_de}", f"Project data {title_en}"))


__all__ = ["CatalogContext", "CatalogQuads", "DumpFile", "Entry", "build_catalog", "keyword", "attribution"]
