"""The index pages' lists (``/list/<type>``), sorted by label once per release, at build time.

A list page shows one slice of every thing of a type, sorted by its label in the interface language.
Reading and sorting all of them took a second per type and language at a million triples (88,000
roles), in every process, on the first request. The release step :func:`write_lists` writes, per type
of :data:`INDEX_TYPES` and per language, ``<release>/lists/<slug>-<lang>.jsonl`` (one JSON array
``[iri, label, language of the label]`` per line, in the order of the page) and ``….idx`` (the byte
offset of each line and of the end, little-endian unsigned 64-bit); a page reads its slice
(:class:`SortedList`), so its cost does not depend on the size of the graph. A release without the files
(built before they existed, or served from a remote store only) is sorted per request as before
(``server/web/resources.py``), by the same rule (:func:`sort_items`).
"""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pyoxigraph as ox

from ..kg.namespaces import IKPE
from . import INDEX_TYPES
from .labels import best_label, local_name

FOLDER = "lists"
LANGUAGES = ("de", "en")  # the interface languages (server/web/i18n.py)
OFFSET = struct.Struct("<Q")
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def members_query(cls: str) -> str:
    """The things of ``cls`` that are not withdrawn, with their labels (one row per label)."""
    return (f"SELECT ?s ?label WHERE {{ ?s a <{cls}> FILTER NOT EXISTS {{ ?s a <{IKPE.Tombstone}> }} "
            f"OPTIONAL {{ ?s <{RDFS_LABEL}> ?label }} }}")


def sort_items(labels: dict[str, list[tuple[str, str | None]]], lang: str) -> list[tuple[str, str, str | None]]:
    """(IRI, label, its language) of every thing (IRI → its (text, language) labels), the label chosen
    for ``lang`` as pages choose it, sorted by label (case folded), then by IRI."""
    items = []
    for iri, texts in labels.items():
        best = best_label(texts, lang)
        items.append((iri, texts[best][0], texts[best][1]) if best is not None else (iri, local_name(iri), None))
    items.sort(key=lambda item: (item[1].casefold(), item[0]))
    return items


def _labels(store: ox.Store, cls: str, tombstones: set, labels: dict) -> dict[str, list[tuple[str, str | None]]]:
    """The things of ``cls`` that are not withdrawn (the answer of :func:`members_query`), with their labels."""
    things = {}
    for subject, _, _, _ in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(cls), ox.DefaultGraph()):
        if subject not in tombstones and isinstance(subject, (ox.NamedNode, ox.BlankNode)):
            things[subject.value] = labels.get(subject, [])
    return things


def _all_labels(store: ox.Store) -> dict:
    labels: dict = {}
    for subject, _, label, _ in store.quads_for_pattern(None, ox.NamedNode(RDFS_LABEL), None, ox.DefaultGraph()):
        if isinstance(label, ox.Literal):
            labels.setdefault(subject, []).append((label.value, label.language))
    return labels


def write_list(base: Path, items) -> None:
    """``base``.jsonl and ``base``.idx for ``items`` (written under temporary names, then renamed)."""
    offsets, position = [], 0
    with open(f"{base}.jsonl.tmp", "wb") as lines:
        for item in items:
            line = json.dumps(list(item), ensure_ascii=True).encode("ascii") + b"\n"
            offsets.append(position)
            lines.write(line)
            position += len(line)
    offsets.append(position)
    Path(f"{base}.idx.tmp").write_bytes(b"".join(OFFSET.pack(offset) for offset in offsets))
    os.replace(f"{base}.jsonl.tmp", f"{base}.jsonl")
    os.replace(f"{base}.idx.tmp", f"{base}.idx")


def write_lists(graph, folder, manifest, settings) -> None:
    """Release step: the sorted list of every index type in every interface language."""
    target = Path(folder) / FOLDER
    target.mkdir(exist_ok=True)
    store = ox.Store.read_only(str(Path(folder) / "store"))
    try:
        tombstones = {s for s, _, _, _ in store.quads_for_pattern(
            None, ox.NamedNode(RDF_TYPE), ox.NamedNode(str(IKPE.Tombstone)), ox.DefaultGraph())}
        labels = _all_labels(store)
        for slug, cls in INDEX_TYPES.items():
            things = _labels(store, str(cls), tombstones, labels)
            for lang in LANGUAGES:
                write_list(target / f"{slug}-{lang}", sort_items(things, lang))
    finally:
        del store
    manifest["lists"] = {"folder": FOLDER, "languages": list(LANGUAGES)}


class SortedList:
    """One written list, read a slice at a time; :meth:`open` gives None when the release has none."""

    def __init__(self, base: Path, total: int):
        self.base, self.total = base, total

    @classmethod
    def open(cls, release_folder: Path | None, slug: str, lang: str) -> "SortedList | None":
        if release_folder is None or slug not in INDEX_TYPES or lang not in LANGUAGES:
            return None
        base = Path(release_folder) / FOLDER / f"{slug}-{lang}"
        try:
            size = os.stat(f"{base}.idx").st_size
        except OSError:
            return None
        return cls(base, max(0, size // OFFSET.size - 1))

    def slice(self, start: int, size: int, descending: bool = False) -> list[tuple[str, str, str | None]]:
        """Items ``start`` to ``start + size`` of the list, or of the list read backwards."""
        if descending:
            first, last = max(0, self.total - start - size), max(0, self.total - start)
        else:
            first, last = min(start, self.total), min(start + size, self.total)
        if first >= last:
            return []
        with open(f"{self.base}.idx", "rb") as index:
            index.seek(first * OFFSET.size)
            raw = index.read((last - first + 1) * OFFSET.size)
        offsets = [value for (value,) in OFFSET.iter_unpack(raw)]
        with open(f"{self.base}.jsonl", "rb") as lines:
            lines.seek(offsets[0])
            chunk = lines.read(offsets[-1] - offsets[0])
        items = [tuple(json.loads(line)) for line in chunk.split(b"\n") if line]
        return items[::-1] if descending else items


class SortedItems:
    """The same interface over a list sorted in memory (a release without the files)."""

    def __init__(self, items: list):
        self.items, self.total = items, len(items)

    def slice(self, start: int, size: int, descending: bool = False) -> list:
        return (self.items[::-1] if descending else self.items)[start: start + size]


__all__ = ["FOLDER", "LANGUAGES", "SortedItems", "SortedList", "sort_items", "write_lists", "members_query"]
