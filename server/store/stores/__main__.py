"""``python -m server.store.stores oxigraph|virtuoso [--dir DIR]``: run a private store until Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import tempfile
from pathlib import Path

from . import SERVERS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=sorted(SERVERS))
    parser.add_argument("--dir", type=Path, help="Folder of the instance (default: a new temporary folder).")
    args = parser.parse_args()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # so that sigwait gets them
    folder = args.dir or Path(tempfile.mkdtemp(prefix=f"ikpe-{args.kind}-"))
    with SERVERS[args.kind](folder) as server:
        print(f"# {server.name} in {folder} ({server.version()})")
        for name, value in server.settings().items():
            print(f"export IKPE_{name.upper()}='{value}'")
        signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()
