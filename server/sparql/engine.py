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
import logging
import multiprocessing
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

from ..processes import start_module

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


def _worker_main(conn) -> None:
    config, release, isolate = conn.recv()
    isolated = isolate_network() if isolate else False

    from .execute import Answer, Dataset, run  # heavy imports after the namespace switch

    datasets: dict[str, Dataset] = {}

    def dataset(folder: str) -> Dataset:
        if folder not in datasets:
            datasets.clear()  # one release at a time
            datasets[folder] = Dataset(Path(folder), config)
        return datasets[folder]

    try:
        dataset(release)
        conn.send({"ready": True, "isolated": isolated})
    except Exception as error:  # noqa: BLE001
        conn.send({"ready": False, "error": str(error), "isolated": isolated})
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


@dataclass
class _Worker:
    process: subprocess.Popen
    conn: Connection

    def stop(self) -> None:
        try:
            self.process.kill()
            self.process.wait(timeout=5)
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

    def _spawn(self) -> _Worker:
        # A fresh interpreter (`python -m server.sparql.engine FD`), not fork: never fork a threaded
        # server, and unlike multiprocessing's spawn it does not re-import the server's main module.
        parent, child = multiprocessing.Pipe()
        process = start_module("server.sparql.engine", str(child.fileno()), pass_fds=[child.fileno()],
                               stdin=subprocess.DEVNULL)
        child.close()
        parent.send((self._config, self._release, self._isolate))
        return _Worker(process, parent)

    def _ready(self, worker: _Worker) -> _Worker:
        """Wait for the worker's greeting (it has loaded the release)."""
        if worker.conn.poll(120):
            hello = worker.conn.recv()
            self.isolated = hello.get("isolated", False)
            if self._isolate and not self.isolated:
                log.warning("SPARQL worker runs WITHOUT network isolation (kernel refused unshare); "
                            "SERVICE is kept out by the query guard only.")
            if not hello.get("ready"):
                log.warning("SPARQL worker could not preload the release: %s", hello.get("error"))
        return worker

    def _start(self) -> _Worker:
        return self._ready(self._spawn())

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


if __name__ == "__main__":  # a worker process: python -m server.sparql.engine FD
    _worker_main(Connection(int(sys.argv[1])))
