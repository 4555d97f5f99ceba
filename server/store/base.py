"""What the web app needs from a store, whatever is behind it."""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.plugins.stores.memory import SimpleMemory
from werkzeug.exceptions import ServiceUnavailable


def result_graph() -> Graph:
    """An empty graph for query results: rdflib's store without contexts, about twice as fast to fill
    and to read as the default store (results never need contexts)."""
    return Graph(store=SimpleMemory())


class StoreUnavailable(ServiceUnavailable, RuntimeError):
    """No release is built yet, or the remote store cannot be reached.

    An HTTP 503 (werkzeug ``ServiceUnavailable``) with ``Retry-After``: a view that does not catch it
    answers 503 with the message and ``Retry-After`` by itself, whichever blueprint raised it.
    """

    def __init__(self, message: str = "The data store is not available right now.", retry_after: int = 30):
        super().__init__(description=message, retry_after=retry_after)
        self.args = (message,)

    def __str__(self) -> str:
        return self.description


class QueryTimeout(ServiceUnavailable, RuntimeError):
    """The query ran past its time limit and was stopped (uncaught, e.g. on a page: 503 + Retry-After)."""

    def __init__(self, message: str = "The query ran past its time limit.", retry_after: int = 30):
        super().__init__(description=message, retry_after=retry_after)
        self.args = (message,)

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class ReleaseInfo:
    """The release in service: its id (used for ETags), creation time, counts and dump files."""

    id: str
    created: str
    manifest: dict
    path: Path | None  # local release folder (dumps), None if only remote

    @classmethod
    def from_folder(cls, folder: Path) -> "ReleaseInfo":
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return cls(manifest["release"], manifest["created"], manifest, folder)

    @property
    def dumps_dir(self) -> Path | None:
        return self.path / "dumps" if self.path else None


class GraphStore(ABC):
    """Read access to the published graph. Results use rdflib terms."""

    @abstractmethod
    def release(self) -> ReleaseInfo:
        """The release in service now (raises StoreUnavailable if there is none)."""

    @abstractmethod
    def select(self, query: str) -> list[dict]:
        """Rows of a SELECT query as dicts of variable name → rdflib term (unbound variables absent)."""

    @abstractmethod
    def ask(self, query: str) -> bool:
        ...

    @abstractmethod
    def construct(self, query: str) -> Graph:
        """The triples of a CONSTRUCT or DESCRIBE query."""
