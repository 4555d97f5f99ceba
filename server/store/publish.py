"""Publishing a built release to a remote SPARQL store, atomically for readers.

1. Only a completed, validated release is published: ``build/current`` with its ``manifest.json`` (a
   build writes the manifest only after SHACL validation passed), and the N-Triples dump must match
   the checksum and triple count in the manifest.
2. Its triples go into a new named graph ``<{base}/graph/release/{id}>`` (Graph Store HTTP Protocol
   ``POST`` if ``remote_graph_store_url`` is set, else SPARQL ``INSERT``), in chunks that never split
   the triples of one blank node (each request has its own blank-node scope).
3. The triple count in that graph is checked against the manifest.
4. The release's manifest goes into the meta graph, and then one ``INSERT DATA`` of a single triple,
   ``<graph> pub:activated "now"``, makes it the release in service (readers take the latest activated
   release, pointer and manifest in one query): they see the old release or the new one, never a mix.
   Before the switch, the release history (``server/kg/history.py``) is brought to the store: its
   graphs ``<urn:ikpe:history:…>`` as in the release's ``history/`` store (only the difference to the
   previous release's history where the store holds that, else whole; graphs no longer kept dropped),
   and ``history.json`` recorded with the release (``pub:history``), so mementos and release-bound
   queries work on the remote store as on the embedded one (:mod:`.remote_history`).
5. Release graphs older than the previous one are dropped (the previous one stays, so requests that
   read the pointer just before the switch still find their graph). How many old graphs stay is
   ``IKPE_REMOTE_KEEP_RELEASES`` (``keep``); with 0, the previous graph is dropped after a drain time
   (``IKPE_REMOTE_DRAIN_SECONDS``, by default the query time limit), when such requests have finished,
   and the release's ``xsd:date`` statements are written again (a Virtuoso 7.2 bug, docs/versions.md).

A failure at any step before 4 leaves the pointer where it was (the store serves the previous
release) and removes the half-loaded graph. Re-running is idempotent: a release that is already
current and complete is not loaded again. Credentials come from the settings (``IKPE_REMOTE_USER``,
``IKPE_REMOTE_PASSWORD``) and appear in no message.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

import pyoxigraph as ox

from ..kg.dumps import sha256_file
from ..kg.history import HISTORY, PREFIX, graph_role, read_history
from ..kg.release import current_release
from .base import StoreUnavailable
from .remote import Layout, RemoteStore

XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
DATED = f"^^<{XSD}date> .".encode()
REWRITE_CHUNK = 500  # statements per DELETE DATA: Virtuoso 7.2 refuses 2,000 (over 10,000 lines of SQL)


class PublishError(RuntimeError):
    """Publishing stopped; the store still serves the release it served before."""


@dataclass
class PublishOutcome:
    release: str
    graph: str
    triples: int
    already_current: bool = False
    dropped: list[str] = field(default_factory=list)


def recorded_manifest(manifest: dict) -> dict:
    """The manifest as the meta graph records it: without the list of per-project dump files (one entry
    per project: 5 MB at 1M triples), which nothing read from the store uses. Every request on a remote
    store reads the record with the release pointer, so its size is paid per request."""
    catalog = manifest.get("catalog")
    if not isinstance(catalog, dict) or "project_dumps" not in catalog:
        return manifest
    return {**manifest, "catalog": {k: v for k, v in catalog.items() if k != "project_dumps"}}


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid SPARQL string literal


def bnode_safe_chunks(lines: list[bytes], size: int) -> list[list[bytes]]:
    """N-Triples lines in chunks of about ``size``, keeping all triples of a blank-node group together."""
    parent: dict[bytes, bytes] = {}

    def find(label: bytes) -> bytes:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    plain, grouped = [], []
    for line in lines:
        labels = [token for token in line.split(b" ") if token.startswith(b"_:")]
        if not labels:
            plain.append(line)
            continue
        grouped.append((labels[0], line))
        for other in labels[1:]:
            parent[find(other)] = find(labels[0])
    groups: dict[bytes, list[bytes]] = {}
    for label, line in grouped:
        groups.setdefault(find(label), []).append(line)
    chunks, chunk = [], []
    for unit in [*groups.values(), *([line] for line in plain)]:
        if chunk and len(chunk) + len(unit) > size:
            chunks.append(chunk)
            chunk = []
        chunk.extend(unit)
    if chunk:
        chunks.append(chunk)
    return chunks


class Publisher:
    def __init__(self, settings, progress=lambda event, **info: None, chunk_size: int = 20000):
        if not settings.remote_query_url or not (settings.remote_update_url or settings.remote_graph_store_url):
            raise PublishError("Publishing needs IKPE_REMOTE_QUERY_URL and IKPE_REMOTE_UPDATE_URL "
                               "(and optionally IKPE_REMOTE_GRAPH_STORE_URL).")
        if not settings.remote_update_url:
            raise PublishError("Publishing needs IKPE_REMOTE_UPDATE_URL (the pointer is switched by SPARQL UPDATE).")
        self.settings = settings
        self.layout = Layout(settings.public_base)
        self.progress = progress
        self.chunk_size = chunk_size
        self.reader = RemoteStore(settings)
        self.session = requests.Session()
        if settings.remote_user:
            auth = HTTPDigestAuth if settings.remote_auth == "digest" else HTTPBasicAuth
            self.session.auth = auth(settings.remote_user, settings.remote_password)
        self.timeout = (settings.remote_connect_timeout, max(300.0, settings.remote_read_timeout))

    # -- HTTP helpers (no message carries the URL's credentials or the password) --------------------
    def _send(self, method: str, url: str, what: str, **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise PublishError(f"{what}: the store cannot be reached ({type(error).__name__}).") from None
        if response.status_code == 401 or response.status_code == 403:
            raise PublishError(f"{what}: the store refused the credentials (HTTP {response.status_code}); "
                               "check IKPE_REMOTE_USER / IKPE_REMOTE_PASSWORD / IKPE_REMOTE_AUTH.")
        if response.status_code >= 300:
            raise PublishError(f"{what}: HTTP {response.status_code}: {response.text[:300]}")
        return response

    def update(self, update: str, what: str) -> None:
        self._send("POST", self.settings.remote_update_url, what, data={"update": update},
                   headers={"Accept": "*/*"})

    def select(self, query: str) -> list[dict]:
        response = self.reader.post([("query", query)], "application/sparql-results+json")
        if response.status != 200:
            raise PublishError(f"Query failed: HTTP {response.status}: {response.data[:300]!r}")
        return json.loads(response.data)["results"]["bindings"]

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]["value"]) if rows else 0

    def current_graph(self) -> str | None:
        rows = self.select(self.layout.current_query())
        return rows[0]["graph"]["value"] if rows else None

    def published(self) -> list[tuple[str, str]]:
        """(graph, created) of every release recorded in the meta graph, newest first."""
        vocab = self.layout.vocab
        rows = self.select(f"SELECT ?graph ?created WHERE {{ GRAPH <{self.layout.meta_graph}> {{ "
                           f"?graph <{vocab}releaseId> ?id ; <{DCTERMS}created> ?created }} }}")
        return sorted(((r["graph"]["value"], r["created"]["value"]) for r in rows), key=lambda r: r[1], reverse=True)

    # -- the steps ---------------------------------------------------------------------------------
    def check_release(self, folder: Path | None = None) -> tuple[Path, dict]:
        folder = folder or current_release(self.settings.build_dir)
        if folder is None or not (folder / "manifest.json").exists():
            raise PublishError(f"No validated release in {self.settings.build_dir}: run `ikpe-lod build` first "
                               "(only a build that passed validation has a manifest).")
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        dump = folder / "dumps" / "ikpe.nt.gz"
        expected = manifest.get("dumps", {}).get("ikpe.nt.gz", {}).get("sha256")
        if not dump.exists() or not expected or sha256_file(dump) != expected:
            raise PublishError(f"The release {manifest.get('release')} is incomplete or damaged "
                               "(ikpe.nt.gz missing or not matching the manifest's checksum).")
        return folder, manifest

    def load(self, graph: str, lines: list[bytes]) -> None:
        chunks = bnode_safe_chunks(lines, self.chunk_size)
        self.progress("upload", total=len(lines))
        for chunk in chunks:
            body = b"\n".join(chunk) + b"\n"
            if self.settings.remote_graph_store_url:
                self._send("POST", self.settings.remote_graph_store_url, "Uploading", params={"graph": graph},
                           data=body, headers={"Content-Type": "application/n-triples"})
            else:
                self.update(f"INSERT {{ GRAPH <{graph}> {{\n{body.decode('utf-8')}}} }} WHERE {{}}", "Uploading")
            self.progress("uploaded", advance=len(chunk))

    # -- the release history -----------------------------------------------------------------------
    def history_counts(self) -> dict[str, int]:
        """Triples per history graph in the store."""
        rows = self.select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                           f"FILTER(STRSTARTS(STR(?g), \"{PREFIX}\")) }} GROUP BY ?g")
        return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}

    def history_blank_counts(self) -> dict[str, int]:
        """Triples with a blank node per history graph in the store."""
        rows = self.select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                           f"FILTER(STRSTARTS(STR(?g), \"{PREFIX}\") && (isBlank(?s) || isBlank(?o))) }} GROUP BY ?g")
        return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}

    def sync_history(self, folder: Path, manifest: dict) -> dict | None:
        """Bring the history graphs of ``folder``'s history store to the store; the history (None: none
        kept). Statements without blank nodes: a graph the store holds as the previous release's history
        had it gets only the difference, any other graph is uploaded whole. The statements with blank
        nodes of all graphs go in one request (a store gives each request's blank nodes their own
        scope: a blank node must stay one node across the graphs). Graphs no longer kept are dropped."""
        history = read_history(folder) if self.settings.remote_history else None
        if history is None or not (folder / HISTORY).is_dir():
            return None
        local = ox.Store.read_only(str(folder / HISTORY))
        previous = _previous_history(folder, manifest)
        remote, blank = self.history_counts(), self.history_blank_counts()
        names = sorted(g.value for g in local.named_graphs() if graph_role(g))
        self.progress("history", total=len(names))
        with_blanks, blanks_as_before = {}, previous is not None
        for name in names:
            plain, with_blanks[name] = _split_blank(_graph_lines(local, name))
            before = None
            if previous is not None and name in remote:
                before, blank_before = _split_blank(_graph_lines(previous, name))
                blanks_as_before &= blank_before == with_blanks[name]
            self._sync_plain(name, plain, before, remote.get(name, 0) - blank.get(name, 0), name in remote)
        if not blanks_as_before or blank != {n: len(b) for n, b in with_blanks.items() if b}:
            self._replace_blank_statements(with_blanks)
        for name in set(remote) - set(names):
            self.update(f"DROP SILENT GRAPH <{name}>", "Dropping a history graph no longer kept")
        return history

    def _sync_plain(self, name: str, lines: list[bytes], before: list[bytes] | None, held: int, known: bool) -> None:
        """The statements without blank nodes of one history graph (``held`` of them in the store)."""
        if before is not None and held == len(before):
            self._send_difference(name, before, lines)
        elif held != len(lines) or before is None and known:
            self.update(f"DELETE {{ GRAPH <{name}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} "
                        f"FILTER(!isBlank(?s) && !isBlank(?o)) }}", "Replacing a history graph")
            self.load(name, lines)

    def _replace_blank_statements(self, lines: dict[str, list[bytes]]) -> None:
        """Every history statement with a blank node, again, in one request (one blank-node scope)."""
        self.update(f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                    f"FILTER(STRSTARTS(STR(?g), \"{PREFIX}\") && (isBlank(?s) || isBlank(?o))) }}",
                    "Replacing the history's blank nodes")
        quads = [line[:-1].rstrip() + f" <{name}> .".encode() for name, graph in lines.items() for line in graph]
        if not quads:
            return
        if self.settings.remote_graph_store_url:
            self._send("POST", self.settings.remote_graph_store_url, "Uploading the history's blank nodes",
                       data=b"\n".join(quads) + b"\n", headers={"Content-Type": "application/n-quads"})
        else:
            body = "\n".join(f"GRAPH <{name}> {{\n" + b"\n".join(graph).decode("utf-8") + "\n}"
                             for name, graph in lines.items() if graph)
            self.update(f"INSERT DATA {{ {body} }}", "Uploading the history's blank nodes")

    def _send_difference(self, name: str, before: list[bytes], after: list[bytes]) -> None:
        old, new = set(before), set(after)
        gone, came = sorted(old - new), sorted(new - old)
        if any(b"_:" in line for line in gone):  # DELETE DATA takes no blank nodes: the graph again
            self.update(f"DROP SILENT GRAPH <{name}>", "Replacing a history graph")
            self.load(name, after)
            return
        if gone:
            self._delete_lines(name, gone)
        if came:
            self.load(name, came)

    def _delete_lines(self, graph: str, lines: list[bytes]) -> None:
        for start in range(0, len(lines), self.chunk_size):
            body = b"\n".join(lines[start:start + self.chunk_size]).decode("utf-8")
            self.update(f"DELETE DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}", "Moving history statements")

    def record_history(self, graph: str, history: dict | None) -> None:
        """``history.json`` beside the release's record (only that triple changes: the pointer stays)."""
        if history is None:
            return
        meta, vocab = self.layout.meta_graph, self.layout.vocab
        value = _literal(json.dumps(history, ensure_ascii=False, sort_keys=True))
        self.update(f"DELETE WHERE {{ GRAPH <{meta}> {{ <{graph}> <{vocab}history> ?h }} }}", "Recording the history")
        self.update(f"INSERT DATA {{ GRAPH <{meta}> {{ <{graph}> <{vocab}history> {value} }} }}",
                    "Recording the history")

    def record_and_switch(self, graph: str, manifest: dict, history: dict | None = None) -> None:
        meta, vocab = self.layout.meta_graph, self.layout.vocab
        recorded = recorded_manifest(manifest)
        kept = (f" ; <{vocab}history> {_literal(json.dumps(history, ensure_ascii=False, sort_keys=True))}"
                if history is not None else "")
        record = (f"<{graph}> <{vocab}releaseId> {_literal(manifest['release'])}{kept} ; "
                  f"<{DCTERMS}created> \"{manifest['created']}\"^^<{XSD}dateTime> ; "
                  f"<{VOID}triples> {int(manifest['triples'])} ; "
                  f"<{vocab}manifest> {_literal(json.dumps(recorded, ensure_ascii=False, sort_keys=True))} .")
        self.update(f"DELETE WHERE {{ GRAPH <{meta}> {{ <{graph}> ?p ?o }} }}", "Recording the release")
        self.update(f"INSERT DATA {{ GRAPH <{meta}> {{ {record} }} }}", "Recording the release")
        self.progress("switch")
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.update(f"INSERT DATA {{ GRAPH <{meta}> {{ <{graph}> <{vocab}activated> \"{now}\"^^<{XSD}dateTime> }} }}",
                    "Switching to the new release")

    def drain_seconds(self) -> float:
        """How long requests that read the previous pointer may still run: the setting, else the query limit."""
        if self.settings.remote_drain_seconds >= 0:
            return self.settings.remote_drain_seconds
        return max(self.settings.sparql_timeout, self.settings.remote_read_timeout)

    def drop_old(self, current: str, keep: int) -> list[str]:
        """Drop the release graphs beyond the ``keep`` newest old ones; the previous release's graph
        (keep 0) only after the drain time, when requests that read its pointer have finished."""
        releases = [g for g, _ in self.published() if g != current]
        if keep == 0 and releases:
            seconds = self.drain_seconds()
            self.progress("drain", seconds=seconds)
            time.sleep(seconds)
        self.progress("cleanup")
        dropped = []
        for graph in releases[keep:]:
            self.update(f"DROP SILENT GRAPH <{graph}>", "Dropping an old release")
            self.update(f"DELETE WHERE {{ GRAPH <{self.layout.meta_graph}> {{ <{graph}> ?p ?o }} }}",
                        "Dropping an old release")
            dropped.append(graph)
        return dropped

    def retire(self, graph: str, keep: int, lines: list[bytes]) -> list[str]:
        """Drop the old release graphs beyond ``keep``; when none is left (keep 0), write the release's
        dated statements again (Virtuoso 7.2 finds them by a date range only when they were written
        while no other graph held the same dates, docs/versions.md)."""
        dropped = self.drop_old(graph, keep)
        if keep == 0 and dropped:
            self.rewrite_dated(graph, lines)
        return dropped

    def rewrite_dated(self, graph: str, lines: list[bytes]) -> None:
        """The statements with an ``xsd:date`` value deleted and inserted again, a chunk at a time, each
        in requests of their own (Virtuoso 7.2 needs the deletion committed first): a statement is
        missing from the graph only while its chunk is rewritten."""
        dated = [line for line in lines if line.endswith(DATED) and not line.startswith(b"_:")]
        if not dated:
            return
        self.progress("rewrite", total=len(dated))
        size = min(self.chunk_size, REWRITE_CHUNK)
        for start in range(0, len(dated), size):
            chunk = dated[start:start + size]
            body = b"\n".join(chunk).decode("utf-8")
            block = f"GRAPH <{graph}> {{\n{body}\n}}"
            self.update(f"DELETE DATA {{ {block} }}", "Rewriting the dated statements")
            self.update(f"INSERT DATA {{ {block} }}", "Rewriting the dated statements")
            self.progress("uploaded", advance=len(chunk))

    def publish(self, keep: int | None = None, folder: Path | None = None) -> PublishOutcome:
        """``keep``: old release graphs to keep (default ``IKPE_REMOTE_KEEP_RELEASES``)."""
        keep = self.settings.remote_keep_releases if keep is None else keep
        if keep < 0:
            raise PublishError(f"Old release graphs to keep must be 0 or more, not {keep}.")
        self.progress("check")
        folder, manifest = self.check_release(folder)
        graph = self.layout.release_graph(manifest["release"])
        with gzip.open(folder / "dumps" / "ikpe.nt.gz", "rb") as handle:
            lines = [line.rstrip(b"\r\n") for line in handle if line.strip() and not line.startswith(b"#")]
        if len(lines) != manifest["triples"]:
            raise PublishError(f"The dump has {len(lines)} triples, the manifest says {manifest['triples']}.")
        try:
            current = self.current_graph()
        except StoreUnavailable as error:
            raise PublishError(f"Reading the release pointer: {error}") from None
        if current == graph and self.count(graph) == manifest["triples"]:
            self.record_history(graph, self.sync_history(folder, manifest))
            return PublishOutcome(manifest["release"], graph, manifest["triples"], True, self.retire(graph, keep, lines))
        if current == graph:  # the pointer names this release but its graph is damaged: never write under readers
            raise PublishError("The store's current release graph does not hold the expected triples; build a new "
                               "release (`ikpe-lod build`) and publish that.")
        self.update(f"DROP SILENT GRAPH <{graph}>", "Clearing a partial upload")
        try:
            self.load(graph, lines)
            self.progress("verify")
            found = self.count(graph)
            if found != manifest["triples"]:
                raise PublishError(f"The store holds {found} triples of release {manifest['release']}, "
                                   f"expected {manifest['triples']}.")
            self.record_and_switch(graph, manifest, self.sync_history(folder, manifest))
        except BaseException:
            if self._pointer_is_not(graph):
                self._cleanup_failed(graph)
            raise
        return PublishOutcome(manifest["release"], graph, manifest["triples"], False, self.retire(graph, keep, lines))

    def _pointer_is_not(self, graph: str) -> bool:
        try:
            return self.current_graph() != graph
        except Exception:  # noqa: BLE001 - the store is gone: leave everything as it is
            return False

    def _cleanup_failed(self, graph: str) -> None:
        try:
            self.update(f"DROP SILENT GRAPH <{graph}>", "Removing the failed upload")
            self.update(f"DELETE WHERE {{ GRAPH <{self.layout.meta_graph}> {{ <{graph}> ?p ?o }} }}",
                        "Removing the failed upload")
        except PublishError:
            pass


def _split_blank(lines: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """(lines without a blank node, lines with one)."""
    def blank(line: bytes) -> bool:  # the subject or the object (never a literal's text)
        return line.startswith(b"_:") or line.split(b" ", 2)[2].startswith(b"_:")

    return [line for line in lines if not blank(line)], [line for line in lines if blank(line)]


def _graph_lines(store: ox.Store, name: str) -> list[bytes]:
    """The N-Triples lines of one graph of a history store."""
    return [f"{quad.triple} .".encode("utf-8") for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(name))]


def _previous_history(folder: Path, manifest: dict) -> ox.Store | None:
    """The history store of the release before ``folder``'s, if its folder is still on disk."""
    previous = (manifest.get("changes") or {}).get("previous")
    path = folder.parent / previous / HISTORY if previous else None
    try:
        return ox.Store.read_only(str(path)) if path is not None and path.is_dir() else None
    except OSError:
        return None


def publish(settings, progress=lambda event, **info: None, keep: int | None = None) -> PublishOutcome:
    return Publisher(settings, progress).publish(keep)
