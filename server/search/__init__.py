"""Full-text search index built at build time (issue: find things)."""


def write_search_index(graph, folder, manifest) -> None:
    """Release step: write the full-text index into the release folder (stub)."""
