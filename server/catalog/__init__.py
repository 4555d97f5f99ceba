"""DCAT-AP.de catalog and VoID description of the published data (issue: harvestable open data)."""


def write_release_metadata(graph, folder, manifest) -> None:
    """Release step: write the catalog/VoID files into the release folder (stub)."""
