"""The second level of the response cache: complete answers as files, shared by every server process of
one machine and kept across restarts, one folder per release.

Layout: ``<root>/<release id>/<fingerprint>/<2 hex>/<sha256 of the key>``, and an empty file
``<root>/.endpoints/<fingerprint>/<endpoint>`` per Flask endpoint known to answer from the release only
(:mod:`.http_caching` looks its answers up before the view runs), and Jinja's compiled templates in
``<root>/.templates/`` (a new process loads them instead of compiling every template again). The fingerprint is a digest
of the settings and of the code that renders (``server/``: modules, templates, translations), so a
restart with other settings or other code never serves what the old ones rendered. A file holds one
line of JSON (status, headers) and then the body; it is written to a temporary file in the same
folder and renamed (``os.replace``), so a reader sees a whole entry or none, whichever process wrote
it. The first process to create the folder of a new release removes the folders of older releases
except the newest one (requests pinned to it may still be in flight); the build's release GC removes
them too (``server/kg/release.prune_releases``).

Bounded per release folder by ``max_bytes``: each process counts what it writes and re-counts the
folder after writing a tenth of the bound, and writes nothing more once the folder is full. Any
error of the file system (full disk, read-only folder, a folder removed by the GC) is a miss or a
skipped write, never an error of the request.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

from jinja2 import BytecodeCache, FileSystemBytecodeCache

from ..kg.release import RESPONSES
from .page_cache import Entry

log = logging.getLogger(__name__)
SERVER_PACKAGE = Path(__file__).resolve().parent.parent
CODE_SUFFIXES = (".py", ".html", ".jinja", ".mo", ".json", ".txt", ".xml", ".svg", ".css", ".js")
MAX_ENTRY_BYTES = 64 * 1024 * 1024
TEMPLATES = ".templates"  # Jinja's compiled templates (FileSystemBytecodeCache)
ENDPOINTS = ".endpoints"  # <root>/.endpoints/<fingerprint>/<endpoint>: endpoints known to answer from the release only


def code_fingerprint(package: Path = SERVER_PACKAGE) -> str:
    """A digest of the name, size and modification time of every file the app renders with."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(package)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def fingerprint(settings) -> str:
    return hashlib.sha256(f"{settings!r}|{code_fingerprint()}".encode()).hexdigest()[:16]


def _encode(entry: Entry) -> bytes:
    head = json.dumps([entry.status, [list(pair) for pair in entry.headers]], ensure_ascii=True)
    return head.encode("ascii") + b"\n" + entry.body


def _decode(data: bytes) -> Entry | None:
    head, separator, body = data.partition(b"\n")
    if not separator:
        return None
    status, headers = json.loads(head)
    return Entry(status, tuple((name, value) for name, value in headers), body)


def folder_size(folder: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


class SharedCache:
    """Entries as files under ``root``, per release and fingerprint; thread- and process-safe."""

    def __init__(self, root: Path, fingerprint: str, max_bytes: int):
        self.root, self.fingerprint, self.max_bytes = Path(root), fingerprint, max(0, int(max_bytes))
        self._lock = threading.Lock()
        self._written: dict[str, int] = {}  # per release: bytes counted in its folder (by us, since the count)
        self._since_count: dict[str, int] = {}
        self.hits = self.misses = self.writes = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def folder(self, release_id: str) -> Path:
        return self.root / release_id / self.fingerprint

    def _path(self, key: tuple) -> Path:
        name = hashlib.sha256(repr(key[1:]).encode("utf-8", "surrogateescape")).hexdigest()
        return self.folder(str(key[0])) / name[:2] / name

    def get(self, key: tuple) -> Entry | None:
        try:
            entry = _decode(self._path(key).read_bytes())
        except (OSError, ValueError):
            entry = None
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, key: tuple, entry: Entry) -> bool:
        release_id, data = str(key[0]), _encode(entry)
        if not self.enabled or len(data) > min(self.max_bytes, MAX_ENTRY_BYTES) or not self._room(release_id, len(data)):
            return False
        path, temporary = self._path(key), None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as handle:
                temporary = handle.name
                handle.write(data)
            os.replace(temporary, path)
        except OSError as error:
            log.debug("response cache: %s not written: %s", path, error)
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            return False
        self.writes += 1
        return True

    def _room(self, release_id: str, size: int) -> bool:
        """Count ``size`` bytes against the release's bound; False once the folder is full."""
        with self._lock:
            if release_id not in self._written:
                self._start_release(release_id)
            if self._since_count[release_id] >= self.max_bytes // 10:
                self._written[release_id] = folder_size(self.root / release_id)
                self._since_count[release_id] = 0
            if self._written[release_id] + size > self.max_bytes:
                return False
            self._written[release_id] += size
            self._since_count[release_id] += size
            return True

    def _start_release(self, release_id: str) -> None:
        folder = self.root / release_id
        try:
            folder.mkdir(parents=True)
            self.remove_older_releases(keep=release_id)
        except FileExistsError:
            pass
        except OSError as error:
            log.debug("response cache: %s not created: %s", folder, error)
        self._written[release_id] = folder_size(self.root / release_id)
        self._since_count[release_id] = 0

    def _marker(self, endpoint: str) -> Path:
        return self.root / ENDPOINTS / self.fingerprint / endpoint

    def remember_endpoint(self, endpoint: str) -> None:
        marker = self._marker(endpoint)
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError as error:
            log.debug("response cache: %s not written: %s", marker, error)

    def endpoint_remembered(self, endpoint: str) -> bool:
        return self.enabled and os.path.exists(self._marker(endpoint))

    def template_cache(self) -> BytecodeCache | None:
        """Jinja's compiled templates, shared the same way (it checks each template's source itself)."""
        folder = self.root / TEMPLATES
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            log.debug("response cache: %s not created: %s", folder, error)
            return None
        return _QuietBytecodeCache(str(folder))

    def remove_older_releases(self, keep: str) -> None:
        """Remove every release folder but ``keep`` and the newest other one (it may still be in use)."""
        others = []
        for path in self.root.iterdir():
            if path.is_dir() and path.name != keep and not path.name.startswith("."):
                with contextlib.suppress(OSError):
                    others.append((path.stat().st_mtime, path))
        for _, path in sorted(others, reverse=True)[1:]:
            shutil.rmtree(path, ignore_errors=True)


class _QuietBytecodeCache(FileSystemBytecodeCache):
    """Jinja's file cache (atomic writes), where a write that fails only leaves the template uncached."""

    def dump_bytecode(self, bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def open_shared_cache(settings) -> SharedCache | None:
    """The shared cache the settings ask for (``response_cache_dir``, ``response_cache_disk_mb``), or None."""
    if settings.response_cache_disk_mb <= 0 or settings.response_cache_dir.strip().lower() == "off":
        return None
    root = Path(settings.response_cache_dir) if settings.response_cache_dir.strip() else \
        settings.build_dir / RESPONSES
    return SharedCache(root, fingerprint(settings), settings.response_cache_disk_mb * 1024 * 1024)


__all__ = ["SharedCache", "code_fingerprint", "fingerprint", "folder_size", "open_shared_cache"]
