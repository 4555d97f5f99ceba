"""The store interface the app reads through, with an embedded and a remote implementation."""
from .base import (DatasetClauseError, GraphStore, PublicQueryPaths, ReleaseInfo, RemoteQueryError, Snapshot,
                   StoreError, StoreTimeout, StoreUnavailable)

def open_store(settings) -> GraphStore:
    """The store the settings name (``IKPE_STORE``)."""
    if settings.store == "embedded":
        from .embedded import EmbeddedStore

        return EmbeddedStore(settings)
    if settings.store == "remote":
        from .remote import RemoteStore

        return RemoteStore(settings)
    raise ValueError(f"Unknown store backend {settings.store!r} (use 'embedded' or 'remote').")


__all__ = ["DatasetClauseError", "GraphStore", "PublicQueryPaths", "ReleaseInfo", "RemoteQueryError", "Snapshot",
           "StoreError", "StoreTimeout", "StoreUnavailable", "open_store"]
