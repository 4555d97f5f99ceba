"""Starting a module of this project as a fresh Python process (``python -m server.…``), and child
processes that end with their parent."""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

from .settings import PROJECT_ROOT


def start_module(module: str, *args: str, **popen) -> subprocess.Popen:
    """``python -m module args…`` with this interpreter, run from the project folder with the project
    first on ``PYTHONPATH`` (so the child imports this checkout's code, whatever the caller's folder)."""
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    return subprocess.Popen([sys.executable, "-m", module, *args], env=env, cwd=PROJECT_ROOT, **popen)


def die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux ``PR_SET_PDEATHSIG``): a killed
    build leaves no child running on (holding the build lock, or writing into the release folder)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
