"""Full-text search over the published graph, built at build time.

- :mod:`.fold`  German-aware folding shared by index and queries;
- :mod:`.index` writes ``<release>/search.sqlite`` (SQLite FTS5) — the release step below;
- :mod:`.query` safe query building, ranking, and reading the index of the release in service;
- :mod:`.reconcile` entity reconciliation against that index.
"""
from __future__ import annotations

from pathlib import Path

from .index import FILE_NAME, build_index
from .query import Hit, SearchIndex, SearchUnavailable, index_for


def write_search_index(graph, folder, manifest, settings) -> None:
    """Release step: write the full-text index into the release folder before it goes live."""
    counts = build_index(graph, Path(folder), settings.id_base)
    manifest["search_index"] = {"file": FILE_NAME, **counts}


__all__ = ["FILE_NAME", "Hit", "SearchIndex", "SearchUnavailable", "build_index", "index_for",
           "write_search_index"]
