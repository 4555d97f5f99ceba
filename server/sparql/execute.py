"""What a worker process does with one query: screen it (:mod:`.guard`), evaluate it with pyoxigraph
on the dataset the request or the query names, cut it at the row limit, serialize it (:mod:`.results`).

:func:`run` runs inside a worker (:mod:`.engine`); returns an :class:`Answer` for every input, never
raises. :func:`respond` (cut and serialise) is shared with the remote store's path in
:mod:`.service`.

The RDF dataset (SPARQL 1.1 Query §13, Protocol §2.1.4): the published data is one graph, named
``<public base>/sparql#graph``. Without FROM/FROM NAMED and without ``default-graph-uri``/
``named-graph-uri`` the dataset is that graph as the default graph and as the one named graph.
A dataset given in the protocol takes precedence over one in the query. Any other graph IRI names a
graph that is not in the store, i.e. an empty graph: it is never dereferenced.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from ..kg.history import HISTORY
from ..store.embedded import load_memory_copy, load_memory_copy_in_background
from . import results
from .guard import Refused, refusal_for_engine_error, screen


@dataclass
class Job:
    query: str
    release: str                             # release folder: a request is answered from one release
    results_format: str | None               # chosen for SELECT/ASK, None if the client accepts none
    graph_format: str | None                 # chosen for CONSTRUCT/DESCRIBE
    default_graphs: list[str] | None = None  # default-graph-uri (None: not given)
    named_graphs: list[str] | None = None    # named-graph-uri
    spans: list[str] | None = None           # a past release: its span graphs in the release's history store


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    graph_name: str
    in_memory: bool
    max_rows: int
    federation_allow: tuple = ()
    prefixes: dict = field(default_factory=dict)


EMPTY_GRAPH = ox.NamedNode("urn:ikpe:empty")


@dataclass(frozen=True)
class _View:
    store: ox.Store
    data: object     # where the data is in ``store``: its default graph or the named graph
    named: list      # the named graphs of the default dataset


class Dataset:
    """The store of one release, and where in it the published graph lives.

    Opened on disk at once (the build's store holds the data in its default graph and, again, in the
    named graph); with ``in_memory`` a copy in memory replaces it when loaded (in a background thread,
    see :func:`server.store.embedded.load_memory_copy_in_background`). Both give the same dataset.
    """

    def __init__(self, folder: Path, config: Config, wait_for_copy: bool = False):
        self.folder = str(folder)
        self.graph = ox.NamedNode(config.graph_name)
        self._history: ox.Store | None = None  # the release's history store, opened on the first past query
        store = ox.Store.read_only(str(folder / "store"))
        # a store built under another public base holds no named graph of this name
        named = [self.graph] if store.contains_named_graph(self.graph) else []
        self._view = _View(store, ox.DefaultGraph(), named)
        if config.in_memory and wait_for_copy:  # the zygote: load before forking, no thread
            self._use_copy(load_memory_copy(folder, to_graph=self.graph))
        elif config.in_memory:
            load_memory_copy_in_background(folder, self._use_copy, to_graph=self.graph)

    def _use_copy(self, memory: ox.Store) -> None:
        self._view = _View(memory, self.graph, [self.graph])  # one assignment: a query sees one view

    @property
    def in_memory(self) -> bool:
        return self._view.data == self.graph

    def query(self, job: "Job", from_default: list[str], from_named: list[str]):
        view = self._view if job.spans is None else self._past(job.spans)
        return view.store.query(job.query, **self.arguments(view, job, from_default, from_named))

    def _past(self, spans: list[str]) -> _View:
        """A past release: the union of its spans in the history store (docs/versions.md), no named graphs."""
        if self._history is None:
            self._history = ox.Store.read_only(str(Path(self.folder) / HISTORY))
        return _View(self._history, [ox.NamedNode(s) for s in spans] or [EMPTY_GRAPH], [])

    def graphs(self, view: _View, iris: list[str], default: bool) -> list:
        nodes = []
        for iri in iris:
            if iri == self.graph.value and isinstance(view.data, list):  # a past release: its spans
                nodes.extend(view.data if default else [])
            elif iri == self.graph.value:
                nodes.append(view.data if default else self.graph)
            else:
                nodes.append(ox.NamedNode(iri))  # not in the store: an empty graph
        return [n for n in nodes if default or isinstance(n, ox.NamedNode)]

    def arguments(self, view: _View, job: Job, from_default: list[str], from_named: list[str]) -> dict:
        if job.default_graphs or job.named_graphs:         # protocol dataset takes precedence
            default, named = job.default_graphs or [], job.named_graphs or []
        elif from_default or from_named:                    # FROM / FROM NAMED in the query
            default, named = from_default, from_named
        else:
            return {"default_graph": view.data, "named_graphs": view.named}
        return {"default_graph": self.graphs(view, default, True), "named_graphs": self.graphs(view, named, False)}


def _refusal(status: int, message: str) -> Answer:
    return Answer(status, (message + "\n").encode())


def run(job: Job, dataset: Dataset, config: Config) -> Answer:
    try:
        screened = screen(job.query, config.federation_allow)
    except Refused as refused:
        return _refusal(refused.status, refused.message)
    try:
        # lazy: parsing happens here, evaluation while the results are read in _serialize
        outcome = dataset.query(job, screened.default_graphs, screened.named_graphs)
    except SyntaxError as error:
        refused = refusal_for_engine_error(job.query, str(error))
        return _refusal(refused.status, refused.message)
    except Exception as error:  # noqa: BLE001 — evaluation errors are the query's, not the server's
        return _refusal(400, f"Query evaluation failed: {error}")
    return respond(outcome, job, config)


def respond(outcome, job: Job, config: Config) -> Answer:
    """The answer for an evaluated query: pyoxigraph's ``QueryBoolean``, ``QuerySolutions`` or an
    iterator of triples/quads (from the embedded store or :meth:`server.store.remote.RemoteSnapshot.sparql`),
    serialised in the chosen format and cut at the row limit (saying so)."""
    form = ("ASK" if isinstance(outcome, ox.QueryBoolean) else
            "SELECT" if isinstance(outcome, ox.QuerySolutions) else "CONSTRUCT/DESCRIBE")
    graph_form = form == "CONSTRUCT/DESCRIBE"
    fmt = job.graph_format if graph_form else job.results_format
    if fmt is None:
        kinds = "Turtle, JSON-LD, RDF/XML, N-Triples" if graph_form else "SPARQL results JSON, XML, CSV, TSV"
        return _refusal(406, f"None of the accepted media types fits a {form} query; available: {kinds}.")
    try:
        return _serialize(outcome, form, fmt, config)
    except Exception as error:  # noqa: BLE001
        return _refusal(400, f"Query evaluation failed: {error}")


def _serialize(outcome, form: str, fmt: str, config: Config) -> Answer:
    limit = config.max_rows
    media = results.BY_NAME[fmt].content_type
    if form == "ASK":
        return Answer(200, results.write_ask(fmt, bool(outcome)), media)
    if form == "SELECT":
        variables = [v.value for v in outcome.variables]
        rows = [tuple(solution) for solution in islice(outcome, limit + 1)]  # values in `variables` order
        body_rows = rows[:limit]
        truncated = len(rows) > limit
        body = results.write_select(fmt, variables, body_rows, truncated)
    else:
        triples = list(islice(outcome, limit + 1))
        truncated = len(triples) > limit
        body = results.write_graph(fmt, triples[:limit], config.prefixes)
    return Answer(200, body, media, results.truncation_headers(limit) if truncated else {})
