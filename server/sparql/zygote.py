"""One process per machine and release that holds the release's in-memory copy and forks the query
processes from it, so the copy is in memory once per machine instead of once per query process.

The first query engine (:mod:`.engine`) that needs the release starts ``python -m server.sparql.zygote``;
every engine of the machine (each gunicorn or granian worker) then connects to its Unix socket, and the
zygote forks one query process per connection. A forked child shares the copy's pages with the zygote
(copy-on-write: pyoxigraph's store is read, never written, so the pages stay shared; measure PSS, not
RSS). A child is killed like any query process (SIGKILL by its pid, which it sends in its greeting).

- **One zygote per release and code**: the socket's name is a hash of the release folder, the engine's
  configuration and the interpreter and ``PYTHONPATH`` (another checkout on the same machine gets its own).
  An exclusive ``flock`` on a file next to the socket, taken by the engine that starts the zygote and
  handed over to it (the same open file, inherited), held for the zygote's whole life, keeps a second
  one from starting; a socket file left by a killed zygote is replaced by the next one.
- **Private**: the socket lives in ``<tmp>/ikpe-sparql-<uid>``, a folder of mode 0700 owned by the user.
- **Network**: the zygote moves into an empty network namespace first (as the query processes did
  themselves), so every child it forks has no network either.
- **Lifetime**: it listens only once the copy is loaded (engines use on-disk query processes until
  then), and it ends when it has had no child for ``LINGER`` seconds (the server stopped, or the release
  was switched and the engines moved to the new one).
"""
from __future__ import annotations

import dataclasses
import fcntl
import gc
import hashlib
import json
import os
import signal
import socket
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

LINGER = 30.0  # seconds without any child before the zygote ends


def folder() -> Path:
    """The user's private folder for the zygotes' sockets and locks."""
    path = Path(tempfile.gettempdir()) / f"ikpe-sparql-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    status = path.stat()
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise PermissionError(f"{path} must be owned by this user with mode 0700")
    return path


def socket_path(config, release: str, isolate: bool) -> Path:
    identity = json.dumps([dataclasses.asdict(config), release, isolate, sys.executable,
                           os.environ.get("PYTHONPATH", "")], sort_keys=True, default=str)
    return folder() / f"{hashlib.sha256(identity.encode()).hexdigest()[:24]}.sock"


def lock_path(sock: Path) -> Path:
    return sock.with_suffix(".lock")


def is_running(sock: Path) -> bool:
    """Does a zygote hold the lock of this socket (listening, or still loading)?"""
    try:
        with open(lock_path(sock), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def connect(sock: Path) -> Connection | None:
    """A connection to a fresh query process forked by the zygote, or None (no zygote listening)."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(str(sock))
    except OSError:
        client.close()
        return None
    return Connection(client.detach())


# -- the zygote process ----------------------------------------------------------------------------
def _serve_child(conn: Connection, dataset, config, isolated: bool) -> None:
    """A forked query process: answer the jobs of one engine on ``conn`` until it closes."""
    from .engine import serve_jobs

    conn.send({"ready": True, "isolated": isolated, "pid": os.getpid(), "in_memory": dataset.in_memory})
    serve_jobs(conn, {dataset.folder: dataset}, config)


def _reap(children: set[int]) -> None:
    while children:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        children.discard(pid)


def _listen(sock: Path) -> socket.socket:
    sock.unlink(missing_ok=True)  # left by a zygote that was killed; we hold the lock now
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o077)
    try:
        listener.bind(str(sock))
    finally:
        os.umask(old)
    listener.listen(64)
    listener.settimeout(1.0)
    return listener


def serve(sock: Path, config, release: str, isolate: bool, lock_fd: int) -> None:
    """``lock_fd``: the lock file, locked by the engine that started us (the lock is now ours)."""
    lock = os.fdopen(lock_fd, "a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the same open file: already ours
    except BlockingIOError:
        return  # another zygote serves (or loads) this release
    from .engine import isolate_network

    isolated = isolate_network() if isolate else False
    from .execute import Dataset  # heavy imports after the namespace switch

    dataset = Dataset(Path(release), config, wait_for_copy=True)
    gc.freeze()  # the collector never writes to the objects loaded so far: their pages stay shared
    listener = _listen(sock)
    children: set[int] = set()
    idle_since = time.monotonic()
    try:
        while children or time.monotonic() - idle_since < LINGER:
            try:
                client, _ = listener.accept()
            except (socket.timeout, InterruptedError):
                _reap(children)
                if children:
                    idle_since = time.monotonic()
                continue
            pid = os.fork()
            if pid == 0:
                listener.close()
                lock.close()  # the lock is the zygote's: it must not outlive it in its children
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                client.setblocking(True)
                _serve_child(Connection(client.detach()), dataset, config, isolated)
                os._exit(0)
            client.close()
            children.add(pid)
    finally:
        sock.unlink(missing_ok=True)  # before closing: no engine connects to a zygote that is going away
        listener.close()


if __name__ == "__main__":  # python -m server.sparql.zygote PIPE LOCK: (socket, config, release, isolate) on PIPE
    with Connection(int(sys.argv[1])) as pipe:
        path, cfg, folder_, isolate_ = pipe.recv()
    serve(Path(path), cfg, folder_, isolate_, int(sys.argv[2]))
