"""Servers the tests start themselves: the app on a werkzeug server on 127.0.0.1 (a free port, so that
test processes running side by side never meet), Debian's nginx with deploy/nginx.conf in front of it,
and Debian's Chromium for the browser tests.

The fixtures that use them live in ``conftest.py``; test modules import the helpers from here
(``from servers import LiveServer``), never from ``conftest``."""
from __future__ import annotations

import getpass
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

from server.settings import PROJECT_ROOT
from server.store.stores.base import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "LiveServer", "NGINX", "Nginx", "free_port"]


class LiveServer:
    """``app`` served by a threaded werkzeug server on a free port of 127.0.0.1 (a context manager)."""

    def __init__(self, app):
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


# -- nginx in front of an app server (deploy/nginx.conf, rendered as envsubst would) ------------------
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_SITE = PROJECT_ROOT / "deploy" / "nginx.conf"
NGINX_MAIN = """user {user};
worker_processes {workers};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
    {extra}
}}
"""


def render_nginx_site(listen: str, upstream: str, cache_dir: Path, server_name: str = "localhost") -> str:
    """deploy/nginx.conf with its four ``${IKPE_NGINX_…}`` variables filled in (nginx's own stay)."""
    values = {"IKPE_NGINX_LISTEN": listen, "IKPE_NGINX_SERVER_NAME": server_name,
              "IKPE_NGINX_UPSTREAM": upstream, "IKPE_NGINX_CACHE_DIR": str(cache_dir)}
    return re.sub(r"\$\{(IKPE_NGINX_\w+)\}", lambda m: values[m.group(1)], NGINX_SITE.read_text(encoding="utf-8"))


class Nginx:
    """Debian's nginx with deploy/nginx.conf on 127.0.0.1, in front of ``upstream`` (``host:port``): a
    child process (not a daemon) with its own prefix, cache and temp folders under ``prefix``; ``extra``:
    more configuration for the ``http`` block (e.g. a server of static files to compare with)."""

    def __init__(self, upstream: str, prefix: Path, port: int | None = None, workers: int = 1, extra: str = ""):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.prefix = Path(prefix)
        self.prefix.mkdir(parents=True, exist_ok=True)
        (self.prefix / "site.conf").write_text(render_nginx_site(f"127.0.0.1:{self.port}", upstream,
                                                                 self.prefix / "cache"), encoding="utf-8")
        (self.prefix / "nginx.conf").write_text(NGINX_MAIN.format(user=getpass.getuser(), workers=workers,
                                                                  prefix=self.prefix, extra=extra), encoding="utf-8")
        self.process = None

    def __enter__(self):
        with open(self.prefix / "stderr.log", "w") as stderr:  # start-up messages before error_log opens
            self.process = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")],
                                            stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("nginx ended: " + self.errors())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("nginx did not come up: " + self.errors())

    def errors(self) -> str:
        logs = [self.prefix / "stderr.log", self.prefix / "error.log"]
        return "".join(log.read_text(encoding="utf-8", errors="replace")[-3000:] for log in logs if log.exists())

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown, workers included
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
