"""What changed between releases, resource by resource: the changeset of a release (or of an edit not
yet published) grouped by the resource it is about, and a resource's versions with what each changed.

A view of the graph like the catalog or the search: it reads releases (their history store, their
store through a snapshot) and returns RDF terms; the web layer and the command line show them.
"""
from .changeset import ADDED, CHANGED, REMOVED, ResourceChange, Statement, Summary, summarize
from .resources import Version, VersionChange, history_of, resource_versions
from .releases import release_changes
from .sides import GraphSide, SnapshotSide

__all__ = ["ADDED", "CHANGED", "REMOVED", "ResourceChange", "Statement", "Summary", "summarize", "Version",
           "VersionChange", "history_of", "resource_versions", "release_changes", "GraphSide", "SnapshotSide"]
