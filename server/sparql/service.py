"""Answering one public query on a pinned release, whichever store holds it.

The store's snapshot picks the path (:class:`server.store.PublicQueryPaths`): a release on this
machine is queried in the engine's worker processes (:mod:`.engine`, ended at the time limit); a
remote store evaluates the query itself, after the same guard, and its answer is cut and serialised
by the same code (:func:`.execute.respond`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..kg.namespaces import PREFIXES, graph_name
from ..store import DatasetClauseError, PublicQueryPaths, RemoteQueryError
from .engine import QueryEngine
from .execute import Answer, Config, Job, respond
from .guard import FORMS, Refused, screen
from .protocol import Choice, QueryRequest

RDFLIB_FORMS = {short: name for name, short in FORMS.items()}


def config(settings) -> Config:
    """What a worker process needs to know of the settings."""
    return Config(graph_name=graph_name(settings.public_base),
                  in_memory=settings.store_memory_copy in ("sparql", "all"),
                  max_rows=settings.sparql_max_rows, federation_allow=tuple(settings.sparql_federation_allow),
                  prefixes={k: str(v) for k, v in PREFIXES.items()})


class PublicQuery(PublicQueryPaths[Answer]):
    """One query of the endpoint; ``engine(folder)`` is the process pool for a local release, and
    ``cancelled`` (or None) says whether the client has gone."""

    def __init__(self, query_request: QueryRequest, choice: Choice, settings,
                 engine: Callable[[Path], QueryEngine], cancelled: Callable[[], bool] | None = None,
                 spans: list[str] | None = None):
        self.request, self.choice, self.settings = query_request, choice, settings
        self.engine, self.cancelled = engine, cancelled
        self.spans = spans  # a past release (server.store.history.PastSnapshot.spans), None: the release itself

    def in_worker_processes(self, folder: Path) -> Answer:
        """Raises QueryTimedOut, EngineBusy, WorkerLost or QueryCancelled (:mod:`.engine`)."""
        job = Job(self.request.query, str(folder), self.choice.results, self.choice.graph,
                  self.request.default_graphs or None, self.request.named_graphs or None, self.spans)
        return self.engine(folder).run(job, self.settings.sparql_timeout, self.cancelled)

    def through_the_store(self, sparql) -> Answer:
        """The guard runs in full (the store, not our network-less worker, runs the query, so only the
        four query forms and no SERVICE outside the allow-list may reach it). A SELECT without its own
        LIMIT and without ORDER BY gets ``LIMIT max_rows + 1``, so the store never sends more than the
        endpoint can use (not with ORDER BY: Virtuoso refuses a sorted LIMIT above its
        ``MaxSortedTopRows``, 10000 by default). A cut result is seen as cut as long as a store's silent
        result cap (Virtuoso's ``ResultSetMaxRows``) is above ``max_rows + 1``, see docs/deployment.md.
        Raises the store's StoreTimeout / StoreUnavailable."""
        settings_config = config(self.settings)
        try:
            screened = screen(self.request.query, settings_config.federation_allow, full=True)
        except Refused as refused:
            return Answer(refused.status, (refused.message + "\n").encode())
        query = self.request.query
        if screened.form == "SELECT" and screened.limit is None and not (screened.values_clause or screened.ordered):
            query = f"{query}\nLIMIT {settings_config.max_rows + 1}"
        dataset_clause = bool(screened.default_graphs or screened.named_graphs)
        try:
            outcome = sparql(query, default_graphs=self.request.default_graphs,
                             named_graphs=self.request.named_graphs, public_graph=settings_config.graph_name,
                             timeout=self.settings.sparql_timeout,
                             inspected=(RDFLIB_FORMS[screened.form], dataset_clause))
        except DatasetClauseError as error:
            return Answer(400, f"{error}\n".encode())
        except RemoteQueryError as error:
            return Answer(400, f"The data store refused the query: {error.message.strip()[:2000]}\n".encode())
        job = Job(self.request.query, "", self.choice.results, self.choice.graph)
        try:
            return respond(outcome, job, settings_config)
        finally:
            # pyoxigraph's results may only be dropped on the thread that made them. This frame can outlive
            # the call (the guard's parser keeps caught exceptions whose tracebacks reach it), and then the
            # cyclic GC would free `outcome` on whatever thread it runs on: a RuntimeError there. Drop it now.
            del outcome
