"""The catalog knows its versions (DCAT 3 versioning; docs/dcat.md, "Versions").

At build time (:func:`write_version_files`, called by the catalog release step) each release folder
gets ``versions/``: ``index.json`` (per retained release: id, time, counts, the changed resources,
the size and SHA-256 of its full dump and of its changeset) and ``versions/<id>/added.nt.gz`` and
``removed.nt.gz``, hard links to the files of the release before (a changeset never changes), so the
changesets of every retained release outlive the pruned release folders at the cost of the changes.

:func:`version_triples` describes each retained release as a ``dcat:Dataset`` that
``dcat:isVersionOf`` the whole-graph dataset, with ``dcat:version``, ``adms:versionNotes`` (a
one-line summary) and its downloads: the full dump (``/dumps/<id>/ikpe.nt.gz``; for a pruned
release reconstructed from the history store on first request by :func:`reconstruct_dump`, the same
bytes as when it was published) and its changeset (``/dumps/<id>/added.nt.gz``, ``removed.nt.gz``).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from pathlib import Path

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from ..kg.changes import ADDED, REMOVED, canonical_lines, changed_subjects
from ..kg.history import CHANGES, read_history
from .dcat import (CatalogContext, DumpFile, Entry, _add_both, _common, _distribution, _dt, _keywords,
                   data_service, service_distribution)
from .vocab import ADMS, FILE_TYPE

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # open: rdflib's DCAT lacks DCAT 3's versioning terms
VERSIONS, INDEX, DUMP = "versions", "index.json", "ikpe.nt.gz"
CHANGESET = (ADDED, REMOVED)


def read_versions(folder: Path) -> list[dict]:
    """The version records a release folder carries (oldest first); empty if none."""
    try:
        return json.loads((folder / VERSIONS / INDEX).read_text(encoding="utf-8"))["releases"]
    except (OSError, ValueError, KeyError):
        return []


def _file_info(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _new_record(folder: Path, entry: dict, dump: dict) -> dict:
    changes = folder / CHANGES
    record = {key: entry.get(key) for key in ("id", "created", "triples", "added", "removed", "previous")}
    record["dump"] = {"bytes": dump["bytes"], "sha256": dump["sha256"]}
    if (changes / ADDED).exists():
        record["changed_resources"] = len(changed_subjects(changes))
        target = folder / VERSIONS / entry["id"]
        target.mkdir(parents=True, exist_ok=True)
        for name in CHANGESET:
            _link_or_copy(changes / name, target / name)
            record[name] = _file_info(target / name)
    return record


def write_version_files(folder: Path, previous: Path | None, dump: dict) -> list[dict]:
    """``folder/versions/``: the records and changesets of the retained releases of ``folder``'s
    history (the previous release's ``versions/`` plus this release). Returns the records."""
    history = read_history(folder)
    if not history:
        return []
    retained = {e["id"] for e in history["releases"] if e.get("retained", True)}
    (folder / VERSIONS).mkdir(exist_ok=True)
    records = []
    for record in read_versions(previous) if previous is not None else []:
        if record["id"] in retained and record["id"] != history["releases"][-1]["id"]:
            for name in CHANGESET:
                if name in record:
                    (folder / VERSIONS / record["id"]).mkdir(exist_ok=True)
                    _link_or_copy(previous / VERSIONS / record["id"] / name, folder / VERSIONS / record["id"] / name)
            records.append(record)
    records.append(_new_record(folder, history["releases"][-1], dump))
    (folder / VERSIONS / INDEX).write_text(json.dumps({"releases": records}, indent=1), encoding="utf-8")
    return records


def _current_folder(folder: Path) -> Path | None:
    """The folder of the release in service while ``folder`` is being written (None before the first)."""
    try:
        return (folder.parent.parent / "current").resolve(strict=True)
    except OSError:
        return None


def add_versions(catalog, ctx: CatalogContext, whole: Entry, folder: Path, dump: dict, attribution_text: str) -> None:
    """Part of the catalog release step: the version files of ``folder``, the versions of the whole-graph
    dataset and the change feed in the catalog."""
    records = write_version_files(folder, _current_folder(folder), dump)
    version_triples(catalog.graph(whole.iri), ctx, whole, records, attribution_text)
    feed_triples(catalog.graph(ctx.catalog), catalog.graph(whole.iri), ctx, whole)


def summary(record: dict) -> tuple[str, str]:
    """The one-line version notes (German, English)."""
    added, removed = record.get("added") or 0, record.get("removed") or 0
    if not record.get("previous"):
        return (f"Erste Veröffentlichung mit Versionsgeschichte: {record['triples']} Aussagen.",
                f"First release with a history: {record['triples']} statements.")
    changed = record.get("changed_resources", 0)
    return (f"+{added} / −{removed} Aussagen, {changed} Ressourcen geändert ({record['triples']} Aussagen).",
            f"+{added} / −{removed} statements, {changed} resources changed ({record['triples']} statements).")


def version_iri(dataset: str, release_id: str) -> URIRef:
    return URIRef(f"{dataset}/version/{release_id}")


def version_triples(g, ctx: CatalogContext, whole: Entry, records: list[dict], attribution_text: str) -> None:
    """DCAT 3 versioning of the whole-graph dataset: a version per retained release."""
    dataset = URIRef(whole.iri)
    previous = None
    for record in records:
        version = version_iri(whole.iri, record["id"])
        g.add((dataset, DCAT.hasVersion, version))
        _version(g, ctx, version, dataset, record, attribution_text)
        if previous is not None:
            g.add((version, DCAT.previousVersion, previous))
        previous = version
    if records:
        current = records[-1]
        g.add((dataset, DCAT.hasCurrentVersion, previous))
        g.add((dataset, DCAT.version, Literal(current["id"])))
        notes = summary(current)
        _add_both(g, dataset, ADMS.versionNotes, *notes)


def _version(g, ctx: CatalogContext, version: URIRef, dataset: URIRef, record: dict, attribution_text: str) -> None:
    release = record["id"]
    created = record["created"]
    entry = Entry(iri=str(version), key=f"ikpe/version/{release}", content_hash=record["dump"]["sha256"],
                  issued=created, modified=created)
    g.add((version, RDF.type, DCAT.Dataset))  # DCAT-AP.de: dcat:hasVersion points to a dcat:Dataset
    g.add((version, DCAT.isVersionOf, dataset))
    g.add((version, DCAT.version, Literal(release)))
    _add_both(g, version, DCTERMS.title, f"IKPE-Wissensgraph, Version {release}",
              f"IKPE knowledge graph, version {release}")
    _add_both(g, version, DCTERMS.description,
              f"Der gesamte Wissensgraph, wie ihn die Version {release} veröffentlicht hat, und was sie gegenüber "
              "der vorigen geändert hat.",
              f"The whole knowledge graph as version {release} published it, and what it changed against the one "
              "before.")
    _add_both(g, version, ADMS.versionNotes, *summary(record))
    _common(g, ctx, version, entry)
    _keywords(g, version, [("Linked Open Data", "de"), ("Linked Open Data", "en"), ("Version", "de"),
                           ("Version", "en"), ("Änderungen", "de"), ("Changes", "en")])
    g.add((version, DCAT.landingPage, URIRef(f"{ctx.base}/release/{release}")))
    files = [("dump", DumpFile(f"{release}/{DUMP}", record["dump"]["bytes"], record["dump"]["sha256"],
                               "application/n-triples", "RDF_N_TRIPLES", True),
              ("Gesamter Wissensgraph", "Whole knowledge graph"))]
    for name, what in ((ADDED, ("Hinzugefügte Aussagen", "Added statements")),
                       (REMOVED, ("Entfernte Aussagen", "Removed statements"))):
        if name in record:
            files.append((name.split(".")[0], DumpFile(f"{release}/{name}", record[name]["bytes"],
                                                       record[name]["sha256"], "application/n-triples",
                                                       "RDF_N_TRIPLES", True), what))
    for local, dump, what in files:
        _distribution(g, ctx, version, entry, dump, attribution_text, what, local=local)


def reconstruct_dump(snapshot, target: Path) -> Path:
    """``target`` (``…/ikpe.nt.gz``): the release's statements as its dump was written (sorted canonical
    N-Triples, gzip level 6 without a time stamp), produced once; the same bytes as the original."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.parent / f".{target.name}.{os.getpid()}"
    lines = canonical_lines(snapshot.statements())
    with scratch.open("wb") as raw, gzip.GzipFile(filename=target.name, fileobj=raw, mode="wb",
                                                  compresslevel=6, mtime=0) as packed:
        previous = None
        for line in lines:
            if line != previous:
                packed.write(line)
            previous = line
    os.replace(scratch, target)
    return target


LDES_SPEC = URIRef("https://w3id.org/ldes/specification")


def feed_triples(head, g, ctx: CatalogContext, whole: Entry) -> None:
    """The change feed (LDES) as a data service of the catalog and an access to the whole dataset."""
    service, dataset = ctx.iri("catalog/service/ldes"), URIRef(whole.iri)
    head.add((ctx.catalog, DCAT.service, service))
    data_service(head, ctx, service, ("Änderungsstrom (LDES) des IKPE-Wissensgraphen",
                                      "Change feed (LDES) of the IKPE knowledge graph"),
                 ("Linked Data Event Stream: jede Änderung jeder Version als Versionsobjekt, nach Zeit geordnet.",
                  "Linked Data Event Stream: every change of every version as a version object, ordered by time."),
                 ctx.iri("ldes"), LDES_SPEC)
    head.add((service, DCAT.servesDataset, dataset))
    dist = service_distribution(g, dataset, whole, "ldes", ("Änderungsstrom (LDES)", "Change feed (LDES)"), (
        "Alle Änderungen als Linked Data Event Stream (TREE-Seiten, Turtle, JSON-LD, N-Triples).",
        "All changes as a Linked Data Event Stream (TREE pages, Turtle, JSON-LD, N-Triples)."),
        ctx.iri("ldes"), service, FILE_TYPE.RDF_TURTLE, "text/turtle")
    g.add((dist, DCTERMS.conformsTo, LDES_SPEC))
