"""Which release steps a production build runs: the one place that composes the build (``server.kg``)
with the areas above it. The CLI, the tests and the benchmarks build through here.

A release step is a function ``step(graph, folder, manifest, settings)`` (``server.kg.release.ReleaseStep``)
run after the store and dumps are written and before the release goes live; to add one, write it in
its own area and add it to :data:`RELEASE_STEPS` (docs/release.md).
"""
from __future__ import annotations

from .catalog import write_release_metadata
from .kg import pipeline
from .pictures.summary import write_summary
from .search import write_search_index
from .sitemap import write_sitemap
from .sitemap.lists import write_lists

RELEASE_STEPS = (write_release_metadata, write_search_index, write_sitemap, write_summary, write_lists)


def build(settings, language: str = "de", progress=lambda step: None, force: bool = False) -> pipeline.Outcome:
    """A production build: validate and publish with every release step (``force``: even when the
    graph equals the current release's)."""
    return pipeline.build(settings, language, progress, steps=RELEASE_STEPS, force=force)


def republish(settings, graph, note: dict, language: str = "de", progress=lambda step: None) -> pipeline.Outcome:
    """Publish a graph published before (a rollback) as a new release, with every release step."""
    return pipeline.republish(settings, graph, note, language, progress, steps=RELEASE_STEPS)
