"""``ikpe-lod build`` and ``publish`` run at a lower CPU priority than the server (``IKPE_BUILD_NICE``,
``server/cli.py``), and so do the processes they start; 0 leaves the priority as it is. Each case runs
in a child process: a process cannot raise its priority again."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

CHILD = """
import json, os, subprocess, sys
import server.cli as cli
import server.store.publish as publish

def seen():
    child = subprocess.run([sys.executable, "-c", "import os; print(os.nice(0))"], capture_output=True, text=True)
    group = open("/proc/self/autogroup").read().split()[-1] if os.path.exists("/proc/self/autogroup") else None
    print(json.dumps({"command": sys.argv[1], "before": BEFORE, "during": os.nice(0),
                      "child": int(child.stdout), "session": group}))
    sys.exit(0)

class Publisher:
    def __init__(self, *args):
        pass
    def publish(self, keep):
        seen()

BEFORE = os.nice(0)
cli.run_build = lambda *args, **kwargs: seen()
publish.Publisher = Publisher
cli.main([sys.argv[1]])
"""


def _niceness(command: str, tmp_path, **env) -> dict:
    """What the command saw, started (like cron, systemd or the benchmarks do) in a session of its own."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "IKPE_BUILD_DIR": str(tmp_path), **env}
    out = subprocess.run([sys.executable, "-c", CHILD, command], env=environment, capture_output=True, text=True,
                         timeout=120, start_new_session=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("command", ["build", "publish"])
def test_build_and_publish_run_at_a_lower_priority(command, tmp_path):
    seen = _niceness(command, tmp_path)
    assert seen["during"] == min(19, seen["before"] + 10)  # the default, IKPE_BUILD_NICE=10
    assert seen["child"] == seen["during"]  # the dumps process and any other child inherit it
    assert seen["session"] in (None, "10")  # the session's scheduling group too (Linux autogroup)
    assert _niceness(command, tmp_path, IKPE_BUILD_NICE="3")["during"] == min(19, seen["before"] + 3)


def test_zero_leaves_the_priority_alone(tmp_path):
    seen = _niceness("build", tmp_path, IKPE_BUILD_NICE="0")
    assert seen["during"] == seen["before"] and seen["session"] in (None, "0")
