"""Run queries in worker processes that can be ended, so a time limit really stops a query.

pyoxigraph's Python API has no query timeout and holds no interruption point, so a query runs in a
worker process (a pool of ``IKPE_SPARQL_WORKERS``). The request thread waits for the answer until the
deadline; past it the worker is killed (SIGKILL: nothing in it is shared with the server) and a fresh
one is started in the background, while the other workers keep answering. Waiting for a free worker
counts against the same deadline.

A caller can pass ``cancelled``, a check made about every ``CANCEL_POLL`` seconds while the worker
computes (the SPARQL endpoint passes "has the client closed its connection?"): when it answers true,
the worker is killed and replaced as at the time limit, and :class:`QueryCancelled` is raised.

When no federation endpoint is allowed, each worker first moves itself into an empty network namespace
(Linux ``unshare(CLONE_NEWNET)``, as root or through a user namespace where the kernel allows it):
then no query can open a socket to any host, whatever the parsers make of it. Where the kernel refuses,
the guard alone keeps SERVICE out (logged at start).
"""
from __future__ import annotations

import ctypes
import fcntl
import signal
import logging
import multiprocessing
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

from ..processes import start_module
from . import zygote

log = logging.getLogger(__name__)

CANCEL_POLL = 0.25  # seconds between two `cancelled` checks while a query runs

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


class QueryTimedOut(Exception):
    """The query ran past its time limit; its worker was ended and is being replaced."""


class EngineBusy(Exception):
    """No worker became free before the time limit."""


class WorkerLost(Exception):
    """The worker ended while answering (e.g. out of memory); it is being replaced."""


class QueryCancelled(Exception):
    """The caller's ``cancelled`` check said stop (the client went away); the worker was recycled."""


def isolate_network() -> bool:
    """Move this (single-threaded, fresh) process into a new, empty network namespace."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
        try:  # keep our identity inside the user namespace
            with open("/proc/self/setgroups", "w") as handle:
                handle.write("deny")
            with open("/proc/self/uid_map", "w") as handle:
                handle.write(f"{uid} {uid} 1")
            with open("/proc/self/gid_map", "w") as handle:
                handle.write(f"{gid} {gid} 1")
        except OSError:
            pass
        return True
    return False


def serve_jobs(conn, datasets: dict, config) -> None:
    """Answer the jobs on ``conn`` until it closes; ``datasets``: the release already open (by folder)."""
    from .execute import Answer, Dataset, run

    def dataset(folder: str) -> Dataset:
        if folder not in datasets:
            datasets.clear()  # one release at a time
            datasets[folder] = Dataset(Path(folder), config)
        return datasets[folder]

    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            answer = run(job, dataset(job.release), config)
        except Exception as error:  # noqa: BLE001 — e.g. the release folder vanished
            answer = Answer(503, f"The query engine could not open the release: {error}\n".encode())
        conn.send(answer)


def _worker_main(conn) -> None:
    """A query process started as a fresh interpreter (no zygote: memory copy off, or still loading)."""
    config, release, isolate = conn.recv()
    isolated = isolate_network() if isolate else False

    from .execute import Dataset  # heavy imports after the namespace switch

    datasets = {}
    try:
        datasets[release] = Dataset(Path(release), config)
        conn.send({"ready": True, "isolated": isolated})
    except Exception as error:  # noqa: BLE001
        conn.send({"ready": False, "error": str(error), "isolated": isolated})
    serve_jobs(conn, datasets, config)


@dataclass
class _Worker:
    conn: Connection
    release: str
    process: subprocess.Popen | None = None  # a fresh interpreter we started
    pid: int | None = None                   # or a child of the release's zygote
    bootstrap: bool = False                  # on disk while the zygote loads the memory copy
    stopped: bool = False

    def stop(self) -> None:
        self.stopped = True
        try:
            if self.process is not None:
                self.process.kill()
                self.process.wait(timeout=5)
            elif self.pid is not None:
                os.kill(self.pid, signal.SIGKILL)  # the zygote reaps it
        except Exception:  # noqa: BLE001
            pass
        try:
            self.conn.close()
        except OSError:
            pass


class QueryEngine:
    def __init__(self, config, release: str, workers: int = 2, isolate: bool = True):
        self._config = config
        self._release = release
        self._isolate = isolate
        # LIFO: the most recently used worker answers next, its caches warm with the data it scanned
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._closed = False
        self.isolated = False
        for worker in [self._spawn() for _ in range(max(1, workers))]:  # start in parallel
            self._idle.put(self._ready(worker))

    def _zygote_socket(self) -> Path | None:
        try:
            return zygote.socket_path(self._config, self._release, self._isolate)
        except OSError as error:  # no private folder for it: each query process loads its own copy
            log.warning("no SPARQL zygote: %s", error)
            return None

    def _spawn(self) -> _Worker:
        """A child of the release's zygote when it listens (memory copy on), else a fresh interpreter:
        ``python -m server.sparql.engine FD``, not fork (never fork a threaded server), reading the
        release on disk while the zygote loads the copy, which this call starts if none is running."""
        config = self._config
        sock = self._zygote_socket() if config.in_memory else None
        if sock is not None:
            conn = zygote.connect(sock)
            if conn is not None:
                return _Worker(conn, self._release)
            _start_zygote(sock, config, self._release, self._isolate)
            config = replace(config, in_memory=False)
        parent, child = multiprocessing.Pipe()
        process = start_module("server.sparql.engine", str(child.fileno()), pass_fds=[child.fileno()],
                               stdin=subprocess.DEVNULL)
        child.close()
        parent.send((config, self._release, self._isolate))
        worker = _Worker(parent, self._release, process=process, bootstrap=sock is not None)
        if sock is not None:
            threading.Thread(target=self._upgrade_when_ready, args=(worker, sock), name="ikpe-sparql-upgrade",
                             daemon=True).start()
        return worker

    def _upgrade_when_ready(self, worker: _Worker, sock: Path, limit: float = 900.0) -> None:
        """Once the zygote listens, replace this on-disk worker by a child of the zygote as soon as it
        is idle (a busy one is replaced after its answer, :meth:`_retired`)."""
        deadline = time.monotonic() + limit
        while not (self._closed or worker.stopped) and time.monotonic() < deadline:
            time.sleep(0.5)
            if sock.exists():
                self._sweep()

    def _sweep(self) -> None:
        """Replace the idle workers that :meth:`_retired` says should go."""
        kept = []
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if self._retired(worker):
                self._replace(worker)
            else:
                kept.append(worker)
        for worker in kept:
            self._idle.put(worker)

    def _ready(self, worker: _Worker) -> _Worker:
        """Wait for the worker's greeting (it has loaded the release)."""
        try:
            hello = worker.conn.recv() if worker.conn.poll(120) else {}
        except (EOFError, OSError):  # a zygote that was going away: a fresh interpreter instead
            worker.stop()
            return self._ready(self._spawn()) if not self._closed else worker
        worker.pid = hello.get("pid", worker.pid)
        self.isolated = hello.get("isolated", False)
        if self._isolate and not self.isolated:
            log.warning("SPARQL worker runs WITHOUT network isolation (kernel refused unshare); "
                        "SERVICE is kept out by the query guard only.")
        if not hello.get("ready"):
            log.warning("SPARQL worker could not preload the release: %s", hello.get("error"))
        return worker

    def _start(self) -> _Worker:
        return self._ready(self._spawn())

    def _retired(self, worker: _Worker) -> bool:
        """Replace this worker after its answer? Yes when it serves another release than the one in
        service, or reads the disk while the release's zygote now listens with the memory copy."""
        if worker.release != self._release:
            return True
        if not worker.bootstrap:
            return False
        sock = self._zygote_socket()
        return sock is not None and sock.exists()

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        if self._closed:
            return

        def restart():
            self._idle.put(self._start())

        threading.Thread(target=restart, name="ikpe-sparql-restart", daemon=True).start()

    def run(self, job, timeout: float, cancelled: Callable[[], bool] | None = None):
        """The worker's answer, or QueryTimedOut / EngineBusy / WorkerLost / QueryCancelled."""
        deadline = time.monotonic() + timeout
        self._release = job.release  # replacements preload the release in service now
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise EngineBusy() from None
        if cancelled is not None and cancelled():  # gone while waiting for a worker: do not start
            self._idle.put(worker)
            raise QueryCancelled()
        try:
            worker.conn.send(job)
            while (remaining := deadline - time.monotonic()) > 0:
                if worker.conn.poll(min(remaining, CANCEL_POLL) if cancelled is not None else remaining):
                    answer = worker.conn.recv()
                    if self._retired(worker):
                        self._replace(worker)
                    else:
                        self._idle.put(worker)
                    return answer
                if cancelled is not None and cancelled():
                    self._replace(worker)
                    raise QueryCancelled()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise WorkerLost() from None
        self._replace(worker)
        raise QueryTimedOut()

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                return


def _start_zygote(sock: Path, config, release: str, isolate: bool) -> None:
    """Start the release's zygote in its own session (it outlives this server process if others use it),
    unless one runs: the lock is taken here and handed over, so no two start, however they race."""
    _ZYGOTES[:] = [p for p in _ZYGOTES if p.poll() is None]  # reap those that ended
    lock = open(zygote.lock_path(sock), "a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return
    parent, child = multiprocessing.Pipe()
    try:
        _ZYGOTES.append(start_module("server.sparql.zygote", str(child.fileno()), str(lock.fileno()),
                                     pass_fds=[child.fileno(), lock.fileno()], stdin=subprocess.DEVNULL,
                                     start_new_session=True))
        parent.send((str(sock), config, release, isolate))
    finally:
        child.close()
        parent.close()
        lock.close()  # the zygote holds the lock now (the same open file, inherited)


_ZYGOTES: list[subprocess.Popen] = []

if __name__ == "__main__":  # a worker process: python -m server.sparql.engine FD
    _worker_main(Connection(int(sys.argv[1])))
