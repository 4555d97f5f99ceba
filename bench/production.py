"""The production server command, read from the one place that documents it: the README's
"Production" code block. Every benchmark that serves a release starts the server through this module,
so a change of the production server (gunicorn → another WSGI server) reaches the benchmarks by
changing the README.

    from bench.production import Server
    with Server(build_dir, port) as server:
        requests.get(server.url + "/robots.txt")
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# One client address for every connection: the per-client limits would measure themselves.
BENCH_ENV = {"IKPE_LIMIT_CLIENT_REQUESTS": "0", "IKPE_LIMIT_CLIENT_QUERIES": "0",
             "IKPE_LIMIT_CONCURRENT_QUERIES": "0", "IKPE_LOG_LEVEL": "WARNING",
             "IKPE_GUNICORN_LOGLEVEL": "warning"}


def shown(text: str) -> str:
    """``text`` (a command line, a path) as results files record it: no paths of this machine (the
    checkout relative, the temporary folder as ``$TMPDIR``)."""
    return text.replace(str(ROOT) + "/", "").replace(tempfile.gettempdir().rstrip("/") + "/", "$TMPDIR/")


def documented_command(readme: Path = README) -> str:
    """The first command of the README's code block that follows the word "Production"."""
    text = readme.read_text(encoding="utf-8")
    block = re.search(r"^Production\b.*?```sh\n(.*?)```", text, re.M | re.S)
    if not block:
        raise RuntimeError(f"no production command in {readme}")
    line = next(line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#"))
    return line.split("  #", 1)[0].strip()


def production_argv(host: str, port: int, command: str | None = None) -> list[str]:
    """The documented command as argv, with the virtualenv of this interpreter and the address given."""
    argv = shlex.split(command or documented_command())
    if argv[0].startswith(".venv/bin/"):
        argv[0] = str(Path(sys.executable).parent / argv[0].removeprefix(".venv/bin/"))
    program = Path(argv[0]).name
    if program == "gunicorn":
        argv[1:1] = ["-b", f"{host}:{port}"]
    elif program == "granian":
        argv[1:1] = ["--host", host, "--port", str(port)]
    elif program == "ikpe-lod" or argv[1:3] == ["-m", "server.cli"]:
        argv += ["--host", host, "--port", str(port)]
    else:
        raise RuntimeError(f"bench/production.py does not know how to bind {program}: teach it")
    return argv


class Server:
    """The production command serving ``build_dir`` on 127.0.0.1:``port``; a context manager."""

    def __init__(self, build_dir: Path, port: int, env: dict | None = None, command: str | None = None):
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        self.argv = production_argv("127.0.0.1", port, command)
        self.env = {**os.environ, **BENCH_ENV, "IKPE_BUILD_DIR": str(build_dir),  # env may override BENCH_ENV
                    "IKPE_GUNICORN_BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT), **(env or {})}
        self.log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)
        self.process: subprocess.Popen | None = None

    def start(self, ready_path: str = "/robots.txt", limit: float = 300) -> float:
        """Start and wait for the first 200 on ``ready_path``; seconds it took."""
        import requests

        started = time.perf_counter()
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log,
                                        start_new_session=True)
        while time.perf_counter() - started < limit:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server ended: see {self.log.name}")
            try:
                if requests.get(self.url + ready_path, timeout=5).status_code == 200:
                    return time.perf_counter() - started
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"no answer within {limit} s: see {self.log.name}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def restart(self) -> float:
        self.stop()
        return self.start()

    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":  # bench/production.py [PORT]: the command, one argument a line (for shell scripts)
    print("\n".join(production_argv("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 8000)))


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM (a graceful stop), then SIGKILL to the process group after 60 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
