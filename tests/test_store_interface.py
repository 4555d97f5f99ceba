"""The store interface is plain Python: the layers below the web know no web framework."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from server.settings import PROJECT_ROOT

LOW_MODULES = ("server.settings", "server.processes", "server.logging_setup", "server.store",
               "server.store.embedded", "server.store.remote", "server.store.publish")


def test_the_store_and_the_low_modules_import_no_web_framework():
    script = ("import importlib, json, sys\n"
              f"for name in {LOW_MODULES!r}: importlib.import_module(name)\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug'))))")
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert json.loads(done.stdout) == []
