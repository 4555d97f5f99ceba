"""DCAT-AP.de catalog and VoID description of the published data (issue: harvestable open data).

The release step :func:`write_release_metadata` computes everything once per build and writes it
into the release folder, beside the dumps, before the release goes live::

    dumps/projects/<slug>.{ttl,nt.gz,jsonld,rdf}, dumps/projects/SHA256SUMS   one subset per project
    catalog/catalog.trig    the catalog: a named graph for the head and one per dataset
    catalog/void.ttl        the VoID description
    catalog/index.json      the datasets in catalog order with content hash, issued, modified

``issued``/``modified`` of a dataset are carried over from the release in service as long as the
dataset's content hash is unchanged, so ``modified`` means "the data changed", not "it was rebuilt".
The web blueprint (``server/web/catalog.py``) only reads these files (:func:`load`).
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from .dcat import CatalogContext, DumpFile, Entry, build_catalog
from .subsets import content_hash, project_subset, projects, write_subset
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


def write_release_metadata(graph, folder, manifest) -> None:
    """Release step: write the project subsets, the catalog, VoID and the index into ``folder``."""
    from ..settings import load_settings

    settings = load_settings(public_base=manifest.get("public_base"))
    base = settings.public_base
    now = _utc(manifest["created"])
    previous = _previous_index(Path(folder))
    folder = Path(folder)

    whole = _dated(f"{base}/catalog/dataset/ikpe", "ikpe", content_hash(graph), previous, now)
    whole.files = [DumpFile(name, info["bytes"], info["sha256"], info["media_type"], FILE_TYPES[info["media_type"]],
                            info["gzip"]) for name, info in manifest["dumps"].items()]
    entries = [whole]
    project_files = {}
    for project in projects(graph):
        slug = str(project).rsplit("/", 1)[-1]
        subset = project_subset(graph, project)
        files = write_subset(subset, folder / "dumps" / "projects", slug)
        project_files.update(files)
        entry = _dated(f"{base}/catalog/dataset/project/{slug}", f"project/{slug}", content_hash(subset),
                       previous, now, subject=str(project))
        entry.files = [DumpFile(f"projects/{name}", info["bytes"], info["sha256"], info["media_type"],
                                info["file_type"], info["gzip"]) for name, info in files.items()]
        entries.append(entry)
    (folder / "dumps" / "projects").mkdir(parents=True, exist_ok=True)
    (folder / "dumps" / "projects" / "SHA256SUMS").write_text(
        "".join(f"{info['sha256']}  {name}\n" for name, info in project_files.items()), encoding="utf-8")

    ctx = CatalogContext(base=base, release=manifest["release"], created=now,
                         publisher_homepage=settings.publisher_homepage, contact_email=settings.contact_email)
    catalog = build_catalog(graph, ctx, entries)
    target = folder / "catalog"
    target.mkdir(exist_ok=True)
    catalog.serialize(target / "catalog.trig", format="trig", encoding="utf-8")
    example = next(iter(projects(graph)), None)
    void = build_void(graph, base, manifest["dumps"], max(e.modified for e in entries), example)
    void.serialize(target / "void.ttl", format="turtle", encoding="utf-8")
    index = {"release": manifest["release"], "public_base": base, "catalog": f"{base}/catalog",
             "datasets": [{"iri": e.iri, "key": e.key, "content_hash": e.content_hash, "issued": e.issued,
                           "modified": e.modified, "subject": e.subject} for e in entries]}
    (target / "index.json").write_text(json.dumps(index, indent=2, ensure_ascii=False), encoding="utf-8")
    manifest["catalog"] = {"datasets": len(entries), "files": ["catalog/catalog.trig", "catalog/void.ttl",
                                                               "catalog/index.json"],
                           "project_dumps": {f"projects/{n}": i for n, i in project_files.items()}}


@dataclass(eq=False)
class ReleaseCatalog:
    """The catalog files of one release, parsed once."""
    folder: Path
    base: str
    catalog: URIRef
    datasets: list
    store: Dataset
    void: Graph

    def head(self) -> Graph:
        return self.store.graph(self.catalog)

    def dataset_graph(self, iri: str) -> Graph:
        return self.store.graph(URIRef(iri))

    @functools.cached_property
    def _whole(self) -> Graph:
        g = Graph()
        for prefix, ns in self.store.namespaces():
            g.bind(prefix, ns)
        for s, p, o, _ in self.store.quads((None, None, None, None)):
            g.add((s, p, o))
        return g

    def whole(self) -> Graph:
        """Every catalog triple (all datasets) as one graph; built once per release (do not modify)."""
        return self._whole


@functools.lru_cache(maxsize=4)
def load(folder: Path) -> ReleaseCatalog:
    """The catalog of the release in ``folder`` (cached per release folder: releases never change)."""
    target = folder / "catalog"
    index = json.loads((target / "index.json").read_text(encoding="utf-8"))
    store = Dataset()
    store.parse(target / "catalog.trig", format="trig")
    void = Graph().parse(target / "void.ttl", format="turtle")
    return ReleaseCatalog(folder, index["public_base"], URIRef(index["catalog"]), index["datasets"], store, void)


__all__ = ["write_release_metadata", "load", "ReleaseCatalog"]
