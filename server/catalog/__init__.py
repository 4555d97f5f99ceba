"""DCAT-AP.de catalog and VoID description of the published data.

The release step :func:`write_release_metadata` computes everything once per build and writes it
into the release folder, beside the dumps, before the release goes live::

    dumps/projects/<slug>.{ttl,nt.gz,jsonld,rdf}, dumps/projects/SHA256SUMS   one subset per project
    catalog/catalog.trig    the catalog: a named graph for the head and one per dataset, each a
                            self-contained TriG block (own @prefix lines; byte range in index.json)
    catalog/void.ttl        the VoID description
    catalog/index.json      the datasets in catalog order with content hash, issued, modified, block

The step reads the release's pyoxigraph store (``<release>/store``) for the subsets, hashes and VoID
counts and serialises with pyoxigraph, so it stays linear and takes seconds at a million triples
(docs/benchmarks.md, "Catalog release step"). ``issued``/``modified`` of a dataset are carried over
from the release in service as long as the dataset's content hash is unchanged, so ``modified``
means "the data changed", not "it was rebuilt". The web blueprint (``server/web/catalog.py``) only
reads these files (:func:`load`); a page reads only the blocks of the datasets it shows.
"""
from __future__ import annotations

import datetime as dt
import functools
import gc
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from ..store.embedded import to_oxigraph, to_rdflib
from .dcat import CatalogContext, DumpFile, Entry, attribution, build_catalog
from .subsets import Subsets, projects, read_ntriples, release_store, whole_graph_hash, write_subsets
from .render import CATALOG_PREFIXES
from .triples import TripleIndex
from .versions import DUMP, add_versions
from .vocab import bind_prefixes
from .void import build_void

FILE_TYPES = {"text/turtle": "RDF_TURTLE", "application/n-triples": "RDF_N_TRIPLES",
              "application/ld+json": "JSON_LD", "application/rdf+xml": "RDF_XML"}


def _utc(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _previous_index(folder: Path) -> dict:
    """Entries of the release in service (by IRI), to keep issued/modified of unchanged datasets."""
    current = folder.parent.parent / "current"
    try:
        data = json.loads((current.resolve(strict=True) / "catalog" / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {e["iri"]: e for e in data.get("datasets", [])}


def _dated(iri: str, key: str, digest: str, previous: dict, now: str, **extra) -> Entry:
    before = previous.get(iri)
    issued = before["issued"] if before else now
    modified = before["modified"] if before and before.get("content_hash") == digest else now
    return Entry(iri=iri, key=key, content_hash=digest, issued=issued, modified=modified, **extra)


def write_release_metadata(graph, folder, manifest, settings) -> None:
    """Release step: write the project subsets, the catalog, VoID and the index into ``folder``."""
    now = _utc(manifest["created"])
    folder = Path(folder)
    previous = _previous_index(folder)
    store = release_store(folder)
    # The step allocates millions of small objects while the build's rdflib graph (millions more) is
    # alive: with the cyclic GC on, every full collection walks all of them (measured: the step got
    # slower than linear). Nothing here makes reference cycles that must be collected early.
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        _write(graph, store, folder, manifest, settings, now, previous)
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()
        del store


def _ntriples_dump(folder: Path, manifest: dict) -> Path | None:
    """The release's gzipped N-Triples dump (the graph's exact N-Triples), if it has one."""
    name = next((n for n, info in manifest["dumps"].items()
                 if info["media_type"] == "application/n-triples" and info["gzip"]), None)
    return folder / "dumps" / name if name else None


def _write_checksums(folder: Path, files: dict) -> None:
    (folder / "SHA256SUMS").write_text("".join(f"{info['sha256']}  {name}\n" for name, info in files.items()),
                                       encoding="utf-8")


def _write(graph, store, folder: Path, manifest: dict, settings, now: str, previous: dict) -> None:
    base = settings.public_base
    seconds, started = {}, time.perf_counter()
    ntriples = read_ntriples(_ntriples_dump(folder, manifest))

    def lap(part: str) -> None:
        nonlocal started
        seconds[part] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()

    whole = _dated(f"{base}/catalog/dataset/ikpe", "ikpe", whole_graph_hash(store, ntriples), previous, now)
    whole.files = [DumpFile(name, info["bytes"], info["sha256"], info["media_type"], FILE_TYPES[info["media_type"]],
                            info["gzip"]) for name, info in manifest["dumps"].items()]
    entries = [whole]
    lap("whole-graph hash")
    project_files = {}
    (target := folder / "dumps" / "projects").mkdir(parents=True, exist_ok=True)
    subsets = Subsets(store, ntriples)
    del ntriples
    project_iris = projects(store)
    written = write_subsets(subsets, project_iris, target)
    for project in project_iris:
        slug = project.rsplit("/", 1)[-1]
        files, digest = written[project]
        project_files.update(files)
        entry = _dated(f"{base}/catalog/dataset/project/{slug}", f"project/{slug}", digest, previous, now,
                       subject=project)
        entry.files = [DumpFile(f"projects/{name}", info["bytes"], info["sha256"], info["media_type"],
                                info["file_type"], info["gzip"]) for name, info in files.items()]
        entries.append(entry)
    _write_checksums(target, project_files)

    lap("project subsets")
    ctx = CatalogContext(base=base, release=manifest["release"], created=now,
                         publisher_homepage=settings.publisher_homepage, contact_email=settings.contact_email)
    catalog = build_catalog(graph, ctx, entries)
    add_versions(catalog, ctx, whole, folder, manifest["dumps"].get(DUMP, {}), attribution(graph))
    lap("catalog")
    out = folder / "catalog"
    out.mkdir(exist_ok=True)
    blocks = {}
    with (out / "catalog.trig").open("wb") as handle:
        for name, sink in catalog.graphs.items():
            data = ox.serialize(sink.quads, format=ox.RdfFormat.TRIG, prefixes=CATALOG_PREFIXES)
            blocks[name] = [handle.tell(), len(data)]
            handle.write(data)
    lap("catalog file")
    example = URIRef(project_iris[0]) if project_iris else None
    void = build_void(store, base, manifest["dumps"], max(e.modified for e in entries), example, subsets.census)
    void.serialize(out / "void.ttl", format="turtle", encoding="utf-8")
    lap("void")
    index = {"release": manifest["release"], "public_base": base, "catalog": f"{base}/catalog",
             "head": blocks[f"{base}/catalog"],
             "datasets": [{"iri": e.iri, "key": e.key, "content_hash": e.content_hash, "issued": e.issued,
                           "modified": e.modified, "subject": e.subject, "block": blocks[e.iri]} for e in entries]}
    (out / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False), encoding="utf-8")
    manifest["catalog"] = {"datasets": len(entries), "files": ["catalog/catalog.trig", "catalog/void.ttl",
                                                               "catalog/index.json"],
                           "project_dumps": {f"projects/{n}": i for n, i in project_files.items()},
                           "seconds": seconds}


SERVES_DATASET = ox.NamedNode("http://www.w3.org/ns/dcat#servesDataset")


def _triples_of(data: bytes) -> list:
    """The pyoxigraph triples of TriG bytes (one named graph of the catalog)."""
    return [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.TRIG)]


def graph_of(triples) -> Graph:
    """An rdflib graph of pyoxigraph triples."""
    g = bind_prefixes(Graph())
    for triple in triples:
        g.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return g


@dataclass
class _Head:
    triples: list        # the head without dcat:servesDataset
    served: dict         # dataset IRI → the service's dcat:servesDataset triples naming it
    services: frozenset  # IRIs of the services that serve datasets


def _split_head(triples: list) -> _Head:
    """The head apart from its ``dcat:servesDataset`` list (one triple per dataset: thousands at 1M),
    which a page or document takes only for the datasets it shows."""
    head, served, services = [], {}, set()
    for triple in triples:
        if triple.predicate == SERVES_DATASET:
            served.setdefault(triple.object.value, []).append(triple)
            services.add(triple.subject.value)
        else:
            head.append(triple)
    return _Head(head, served, frozenset(services))


@dataclass(eq=False)
class ReleaseCatalog:
    """The catalog files of one release; each named graph is read from its block when first needed
    (as pyoxigraph triples for pages, as an rdflib graph for the HTML views and documents)."""
    folder: Path
    base: str
    catalog: URIRef
    datasets: list
    void: Graph
    head_block: list
    blocks: dict = field(default_factory=dict)   # dataset IRI → [offset, length] in catalog.trig

    def _read(self, block) -> list:
        offset, length = block
        with (self.folder / "catalog" / "catalog.trig").open("rb") as handle:
            handle.seek(offset)
            return _triples_of(handle.read(length))

    @functools.cached_property
    def _head_parts(self) -> _Head:
        return _split_head(self._read(self.head_block))

    def head_triples(self) -> list:
        """The catalog head (catalog, publisher, contact point, service) without the service's
        ``dcat:servesDataset`` triples (:meth:`served_triples`); do not modify."""
        return self._head_parts.triples

    def served_triples(self, iri: str) -> list:
        """The head's ``dcat:servesDataset`` triples that name the dataset ``iri``."""
        return self._head_parts.served.get(str(iri), [])

    @functools.cached_property
    def _head(self) -> Graph:
        return graph_of(self.head_triples())

    def head(self) -> Graph:
        """The catalog head as an rdflib graph, without ``dcat:servesDataset``; do not modify."""
        return self._head

    @functools.lru_cache(maxsize=1024)
    def dataset_triples(self, iri: str) -> list:
        """The named graph of one dataset as pyoxigraph triples (empty if there is none); cached."""
        block = self.blocks.get(str(iri))
        return self._read(block) if block else []

    @functools.lru_cache(maxsize=512)
    def dataset_graph(self, iri: str) -> Graph:
        """The named graph of one dataset (empty if there is none); cached, do not modify."""
        return graph_of(self.dataset_triples(iri))

    def owner_of(self, iri: str) -> str | None:
        """The dataset whose block describes ``iri`` (the dataset itself, or one of its distributions)."""
        iri = str(iri)
        candidates = (iri, iri.split("/distribution/", 1)[0], iri.split("/version/", 1)[0])
        return next((d for d in candidates if d in self.blocks), None)

    def service_triples(self, iri: str) -> list:
        """Every ``dcat:servesDataset`` triple if ``iri`` is a service of the head, else none."""
        if str(iri) not in self._head_parts.services:
            return []
        return [t for triples in self._head_parts.served.values() for t in triples]

    @functools.cached_property
    def _head_index(self) -> TripleIndex:
        return TripleIndex(self.head_triples())

    def head_index(self) -> TripleIndex:
        return self._head_index

    @functools.cached_property
    def _void_index(self) -> TripleIndex:
        return TripleIndex(ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in self.void)

    def void_index(self) -> TripleIndex:
        """The VoID description as pyoxigraph triples, indexed by subject."""
        return self._void_index

    def about(self, iri: str) -> Graph:
        """The catalog triples that can describe ``iri``: the head plus the graph of the dataset it
        belongs to (a dataset, or one of its distributions); a service with every dataset it serves."""
        g = bind_prefixes(Graph())
        g += self.head()
        owner = self.owner_of(iri)
        if owner:
            g += self.dataset_graph(owner)
        g += graph_of(self.service_triples(iri))
        return g

    @functools.cached_property
    def _whole(self) -> Graph:
        return graph_of(_triples_of((self.folder / "catalog" / "catalog.trig").read_bytes()))

    def whole(self) -> Graph:
        """Every catalog triple (all datasets) as one graph; built once per release (do not modify)."""
        return self._whole


@functools.lru_cache(maxsize=4)
def load(folder: Path) -> ReleaseCatalog:
    """The catalog of the release in ``folder`` (cached per release folder: releases never change)."""
    target = folder / "catalog"
    index = json.loads((target / "index.json").read_text(encoding="utf-8"))
    void = Graph().parse(target / "void.ttl", format="turtle")
    return ReleaseCatalog(folder, index["public_base"], URIRef(index["catalog"]), index["datasets"], void,
                          index["head"], {d["iri"]: d["block"] for d in index["datasets"]})


__all__ = ["write_release_metadata", "load", "graph_of", "ReleaseCatalog"]
