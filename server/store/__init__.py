"""The store interface the web app reads through, with an embedded and a remote implementation."""
from .base import GraphStore, QueryTimeout, ReleaseInfo, StoreUnavailable


def open_store(settings) -> GraphStore:
    if settings.store == "embedded":
        from .embedded import EmbeddedStore

        return EmbeddedStore(settings)
    if settings.store == "remote":
        from .remote import RemoteStore  # noqa: F401  (issue 5)

        return RemoteStore(settings)
    raise ValueError(f"Unknown store backend {settings.store!r} (use 'embedded' or 'remote').")


__all__ = ["GraphStore", "QueryTimeout", "ReleaseInfo", "StoreUnavailable", "open_store"]
