"""The remote store: any SPARQL 1.1 database, read over the SPARQL 1.1 Protocol.

Layout in the store (written by ``ikpe-lod publish``, see :mod:`server.store.publish`)::

    GRAPH <{base}/graph/release/{id}>   the triples of one release (the same as its dumps)
    GRAPH <{base}/graph/meta>           <{base}/graph/release/{id}> pub:releaseId "…" ; pub:manifest "{json}" ;
                                            dcterms:created "…"^^xsd:dateTime ; void:triples 1408 ;
                                            pub:activated "…"^^xsd:dateTime .

The release in service is the one with the latest ``pub:activated`` (``pub:`` is ``{base}/def/publish#``).
Switching is a single ``INSERT DATA`` of one triple, atomic on every store; nothing is deleted under
readers (a DELETE/INSERT pair is not applied as one step by every store: Virtuoso 7.2 dropped it).

Every query of the app runs with the protocol dataset ``default-graph-uri=<current release graph>`` and
``named-graph-uri=<{base}/graph/none>`` (a graph that never exists): the query sees exactly the release
in service as its default graph and no named graphs, as with the embedded store. The pointer is read
once per snapshot (the web layer takes one per request), so one request is answered from one release,
and there is no per-process state: every worker and every machine reads the same pointer from the store.

Failures map to the store interface's exceptions: a refused or timed-out connection and 502/503/504
answers raise :class:`StoreUnavailable`; a read past ``remote_read_timeout`` (or the ``timeout``
given) raises :class:`StoreTimeout` (the web layer answers 503 with ``Retry-After``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import urllib3
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from ..kg.history import readable
from .base import (DatasetClauseError, GraphStore, PublicQueryPaths, ReleaseInfo, RemoteQueryError, Snapshot,
                   StoreTimeout, StoreUnavailable, T, pattern_query, result_graph)
from .embedded import to_oxigraph, to_rdflib

XSD_STRING = str(XSD.string)
VIRTRDF_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"
GEO_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
SELECT_TYPES = "application/sparql-results+json"
GRAPH_TYPES = "application/n-triples, text/turtle;q=0.9"
ANY_RESULT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
RESULT_PARSERS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                  "application/sparql-results+xml": ox.QueryResultsFormat.XML}
PARSERS = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
           "text/turtle": ox.RdfFormat.TURTLE, "application/x-turtle": ox.RdfFormat.TURTLE,
           "text/rdf+n3": ox.RdfFormat.TURTLE}


# -- where things live in the store --------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    public_base: str

    @property
    def meta_graph(self) -> str:
        return f"{self.public_base}/graph/meta"

    @property
    def no_graph(self) -> str:
        return f"{self.public_base}/graph/none"

    @property
    def vocab(self) -> str:
        return f"{self.public_base}/def/publish#"

    def release_graph(self, release_id: str) -> str:
        return f"{self.public_base}/graph/release/{release_id}"

    def current_query(self) -> str:
        return (f"SELECT ?graph ?manifest WHERE {{ GRAPH <{self.meta_graph}> {{ "
                f"?graph <{self.vocab}activated> ?when ; <{self.vocab}manifest> ?manifest }} }} "
                f"ORDER BY DESC(?when) DESC(STR(?graph)) LIMIT 1")


def virtuoso_geometry(term):
    """Virtuoso turns every ``geo:wktLiteral`` into its own ``virtrdf:Geometry`` on load (and writes the
    WKT without the spaces after commas); give it the GeoSPARQL datatype back."""
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) == VIRTRDF_GEOMETRY:
        return Literal(str(term), datatype=URIRef(GEO_WKT))
    return term


def term_from_json(value: dict):
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        label = value["value"]
        return BNode(label.replace("nodeID://", "") if label.startswith("nodeID://") else label)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return Literal(value["value"], lang=value["xml:lang"])
        datatype = value.get("datatype")
        if datatype == VIRTRDF_GEOMETRY:
            datatype = GEO_WKT
        if datatype and datatype != XSD_STRING:
            return Literal(value["value"], datatype=URIRef(datatype))
        return Literal(value["value"])
    raise ValueError(f"unexpected term in SPARQL JSON results: {value!r}")


FROM_CLAUSE = re.compile(r"\bFROM\s+(NAMED\s+)?(<|[A-Za-z_][\w.-]*:|:)", re.IGNORECASE)


def inspect_query(query: str) -> tuple[str | None, bool]:
    """(query form, has FROM / FROM NAMED) by rdflib's SPARQL parser. Where rdflib cannot parse the
    query, the form is None and any ``FROM <…>``/``FROM prefix:…`` in its text counts (the store then
    reports the syntax error)."""
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(query)
    except Exception:  # noqa: BLE001 - pyparsing's errors; be conservative
        return None, bool(FROM_CLAUSE.search(query))
    return parsed[1].name, "datasetClause" in parsed[1].keys()


class RemoteSnapshot(Snapshot):
    """One release in the remote store: its graph is the default graph of every query."""

    def __init__(self, store: "RemoteStore", info: ReleaseInfo, graph: str | list[str]):
        super().__init__(info, f"remote:{store.settings.remote_query_url}")
        self._store, self.graph = store, graph  # a past release: the list of its span graphs
        self._history = None

    @property
    def remote_store(self) -> "RemoteStore":
        return self._store

    def history(self):
        """The release history recorded with this release by ``ikpe-lod publish`` (None if none)."""
        if self._history is None:
            from .remote_history import RemoteHistory  # it builds on this module

            meta, vocab = self._store.layout.meta_graph, self._store.layout.vocab
            response = self._store.post([("query", f"SELECT ?h WHERE {{ GRAPH <{meta}> {{ <{self.graph}> "
                                                   f"<{vocab}history> ?h }} }}")], SELECT_TYPES)
            rows = json.loads(response.data)["results"]["bindings"] if response.status == 200 else []
            data = json.loads(rows[0]["h"]["value"]) if rows else None
            self._history = RemoteHistory(self, data) if readable(data) else False  # else: until the next publish
        return self._history or None

    def _query(self, query: str, accept: str):
        response = self._store.post([("query", query), *self._store.dataset(self.graph)], accept)
        if response.status != 200:
            raise RemoteQueryError(response.status, response.data.decode("utf-8", "replace"))
        return response

    def select(self, query: str) -> list[dict]:
        data = json.loads(self._query(query, SELECT_TYPES).data)
        return [{name: term_from_json(value) for name, value in row.items()}
                for row in data["results"]["bindings"]]

    def ask(self, query: str) -> bool:
        return bool(json.loads(self._query(query, SELECT_TYPES).data)["boolean"])

    def construct(self, query: str) -> Graph:
        response = self._query(query, GRAPH_TYPES)
        media_type = response.headers.get("Content-Type", "text/turtle").split(";")[0].strip().lower()
        graph = result_graph()
        for triple in ox.parse(response.data, PARSERS.get(media_type, ox.RdfFormat.TURTLE)):
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate),
                       virtuoso_geometry(to_rdflib(triple.object))))
        return graph

    def dispatch_public_query(self, paths: PublicQueryPaths[T]) -> T:
        return paths.through_the_store(self.sparql)

    def triples_matching(self, pattern, offset: int = 0, limit: int | None = None) -> list:
        """By SPARQL on this release (the store's read timeout applies); no ORDER BY: a store answers
        the same query on the same graph in the same order, and sorting millions would not be a lookup."""
        rows = self.select(pattern_query(pattern, offset, limit))  # the JSON of every store, read as select reads it
        return [ox.Triple(to_oxigraph(row["s"]), to_oxigraph(row["p"]), to_oxigraph(row["o"])) for row in rows]

    def count_matching(self, pattern, up_to: int) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern_query(pattern, 0, up_to)} }}")
        return int(rows[0]["n"]) if rows else 0

    def sparql(self, query: str, *, default_graphs=(), named_graphs=(), public_graph: str | None = None,
               timeout: float | None = None, inspected: tuple[str | None, bool] | None = None):
        """A public query's answer as pyoxigraph objects, like ``pyoxigraph.Store.query`` gives them.

        ``QuerySolutions`` (SELECT), ``QueryBoolean`` (ASK) or an iterator of ``Triple`` (CONSTRUCT,
        DESCRIBE), so the SPARQL endpoint serialises (and cuts at its row limit) remote answers with the
        same code as embedded ones. The dataset is this release; protocol ``default-graph-uri``/
        ``named-graph-uri`` values naming ``public_graph`` mean this release, any other graph is empty.
        FROM / FROM NAMED raise :class:`DatasetClauseError` (some stores, Virtuoso, add them to the
        protocol dataset instead of letting it win, which would expose other graphs); the store's
        refusal of a query raises :class:`RemoteQueryError` (its ``status`` and ``message``); past
        ``timeout`` :class:`StoreTimeout`. ``inspected``: :func:`inspect_query`'s answer when the caller
        has parsed the query already (the SPARQL endpoint's guard does), to spare a second parse.
        """
        form, dataset_clause = inspected if inspected is not None else inspect_query(query)
        if dataset_clause:
            raise DatasetClauseError("FROM and FROM NAMED are not supported here: this endpoint serves one "
                                     "dataset (use the default graph, or default-graph-uri).")
        accept = {"SelectQuery": SELECT_TYPES, "AskQuery": SELECT_TYPES, "ConstructQuery": GRAPH_TYPES,
                  "DescribeQuery": GRAPH_TYPES}.get(form, ANY_RESULT)
        response = self._store.post([("query", query), *self._public_dataset(default_graphs, named_graphs,
                                                                             public_graph)], accept, timeout)
        if response.status != 200:
            raise RemoteQueryError(response.status, response.data.decode("utf-8", "replace"))
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type in RESULT_PARSERS:
            return ox.parse_query_results(response.data, RESULT_PARSERS[media_type])
        return ox.parse(response.data, PARSERS.get(media_type, ox.RdfFormat.TURTLE))

    def _public_dataset(self, default_graphs, named_graphs, public_graph) -> list[tuple[str, str]]:
        if not (default_graphs or named_graphs):
            return self._store.dataset(self.graph)
        none = self._store.layout.no_graph
        ours = [self.graph] if isinstance(self.graph, str) else list(self.graph)
        if not isinstance(self.graph, str):  # a past release: its spans form the default graph only
            named_graphs = []

        def mapped(iris):
            return [g for iri in iris for g in (ours if iri == public_graph else [none])]

        return ([("default-graph-uri", g) for g in mapped(default_graphs) or [none]]
                + [("named-graph-uri", g) for g in mapped(named_graphs) or [none]])


class RemoteStore(GraphStore):
    def __init__(self, settings, pool_size: int = 16):
        if not settings.remote_query_url:
            raise ValueError("IKPE_STORE=remote needs IKPE_REMOTE_QUERY_URL (the SPARQL query endpoint).")
        self.settings = settings
        self.layout = Layout(settings.public_base)
        self.url = settings.remote_query_url
        self.timeout = urllib3.Timeout(connect=settings.remote_connect_timeout, read=settings.remote_read_timeout)
        self.http = urllib3.PoolManager(num_pools=4, maxsize=pool_size, retries=False, timeout=self.timeout)
        self._last: RemoteSnapshot | None = None  # reused while the release stays (stable for caches keyed by it)

    # -- HTTP ---------------------------------------------------------------------------------
    def _unavailable(self, why: str) -> StoreUnavailable:
        return StoreUnavailable(f"The data store is not reachable right now ({why}). Please try again shortly.")

    def post(self, fields: list[tuple[str, str]], accept: str, timeout: float | None = None):
        """POST a query to the store; availability and time limits raise the store interface's errors."""
        body = urlencode(fields).encode("utf-8")
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        limit = self.timeout if timeout is None else urllib3.Timeout(
            connect=self.settings.remote_connect_timeout, read=timeout)
        for attempt in (1, 2):
            try:
                response = self.http.request("POST", self.url, body=body, headers=headers, timeout=limit)
                break
            except urllib3.exceptions.ReadTimeoutError:
                raise StoreTimeout("The data store did not answer in time.") from None
            except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as error:
                raise self._unavailable(type(error).__name__) from None
            except urllib3.exceptions.ProtocolError as error:
                if attempt == 2:  # a pooled connection the store had closed gets one fresh try
                    raise self._unavailable(type(error).__name__) from None
            except urllib3.exceptions.HTTPError as error:
                raise self._unavailable(type(error).__name__) from None
        if response.status in (502, 503, 504):
            raise self._unavailable(f"HTTP {response.status}")
        # Virtuoso's "anytime" queries answer 200 with a partial result when they hit a time limit.
        if response.status == 200 and "X-SQL-State" in response.headers:
            raise StoreTimeout("The data store stopped the query at its time limit.")
        return response

    def dataset(self, graph: str | list[str]) -> list[tuple[str, str]]:
        """Protocol dataset parameters: ``graph`` (or the union of the graphs) as the default graph, no
        named graph."""
        graphs = [graph] if isinstance(graph, str) else graph
        return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", self.layout.no_graph)]

    # -- release --------------------------------------------------------------------------------
    def snapshot(self) -> RemoteSnapshot:
        """The release the store serves now; its dumps are served from ``build/releases/<id>`` if present."""
        response = self.post([("query", self.layout.current_query())], SELECT_TYPES)
        if response.status != 200:
            raise self._unavailable(f"HTTP {response.status} reading the release pointer")
        rows = json.loads(response.data)["results"]["bindings"]
        if not rows:
            raise StoreUnavailable("No release has been published to the data store yet: run `ikpe-lod publish`.")
        graph, manifest = rows[0]["graph"]["value"], json.loads(rows[0]["manifest"]["value"])
        local = Path(self.settings.build_dir) / "releases" / manifest["release"]
        info = ReleaseInfo(manifest["release"], manifest["created"], manifest,
                           local if (local / "manifest.json").exists() else None)
        last = self._last
        if last is None or last.graph != graph or last.release() != info:
            last = self._last = RemoteSnapshot(self, info, graph)
        return last
