"""Private instances of real SPARQL stores on 127.0.0.1, for tests, benchmarks and trying things out.

    python -m server.store.stores oxigraph|virtuoso [--dir DIR]   # prints the IKPE_* settings, runs until Ctrl-C

Each instance lives in its own folder with its own ports (chosen free), so it never touches a system
installation: Oxigraph server from the PyPI package ``oxigraph``, Virtuoso from Debian's
``virtuoso-opensource`` (``DEBIAN_FRONTEND=noninteractive apt-get install -y virtuoso-opensource``).
"""
from .base import StoreServer, StoreServerError
from .oxigraph_server import OxigraphServer
from .virtuoso import VirtuosoServer

SERVERS = {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}

__all__ = ["OxigraphServer", "SERVERS", "StoreServer", "StoreServerError", "VirtuosoServer"]
