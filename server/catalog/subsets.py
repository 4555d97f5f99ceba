"""The data of each catalogued dataset: the whole graph, and one subset per project.

A project's subset is what a portal user expects behind a project entry: the project itself, its
roles, participations and fundings (the nodes pointing to it with ``ikpe:roleIn`` or
``schema:fundedItem``), and the type and label of everything those triples point to, so the file
is readable on its own. Subsets are written as dump files by the release step.

Nothing here uses rdflib (its serialisers took minutes for thousands of projects): the members of
all projects come from one SPARQL query on the release's pyoxigraph store (``<release>/store``,
written before the release steps run), the triples from one pass over the release's N-Triples
dump (:class:`Subsets`, which also counts what VoID states), and every file is serialised by
pyoxigraph. The work is linear in the size of the graph.
"""
from __future__ import annotations

import gzip
import hashlib
import multiprocessing
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from ..kg.namespaces import IKPE, PREFIXES, SCHEMA
from ..processes import die_with_parent

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABELS = (RDF_TYPE, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
          ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"))
DEFAULT = ox.DefaultGraph()
SUBSET_PREFIXES = {prefix: str(ns) for prefix, ns in PREFIXES.items()}

# (file suffix, pyoxigraph format, IANA media type, EU file type, gzip)
SUBSET_FORMATS = (
    ("ttl", ox.RdfFormat.TURTLE, "text/turtle", "RDF_TURTLE", False),
    ("nt.gz", ox.RdfFormat.N_TRIPLES, "application/n-triples", "RDF_N_TRIPLES", True),
    ("jsonld", ox.RdfFormat.JSON_LD, "application/ld+json", "JSON_LD", False),
    ("rdf", ox.RdfFormat.RDF_XML, "application/rdf+xml", "RDF_XML", False),
)


def release_store(folder: Path) -> ox.Store:
    """The store of the release being written, read-only (written before the release steps run)."""
    return ox.Store.read_only(str(Path(folder) / "store"))


def projects(store: ox.Store) -> list[str]:
    """The project IRIs, sorted."""
    rows = store.query(f"SELECT DISTINCT ?p WHERE {{ ?p a <{IKPE.Project}> FILTER(isIRI(?p)) }}")
    return sorted(row["p"].value for row in rows)


def project_members(store: ox.Store) -> dict[str, set]:
    """Project IRI → the project node and the nodes pointing to it with roleIn or fundedItem."""
    members = {iri: {ox.NamedNode(iri)} for iri in projects(store)}
    rows = store.query(f"""
        SELECT ?project ?m WHERE {{
          {{ ?m <{IKPE.roleIn}> ?project }} UNION {{ ?m <{SCHEMA.fundedItem}> ?project }}
          ?project a <{IKPE.Project}> FILTER(isIRI(?project))
        }}""")
    for row in rows:
        members[row["project"].value].add(row["m"])
    return members


def canonical_ntriples(triples) -> bytes:
    """Sorted N-Triples lines of ``triples``: the bytes the content hash covers."""
    lines = sorted(set(line for line in ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines() if line))
    return b"".join(line + b"\n" for line in lines)


def digest_of(canonical: bytes) -> str:
    return hashlib.sha256(canonical).hexdigest()


def read_ntriples(path: Path | None) -> bytes | None:
    """The N-Triples of a gzipped dump (the release's ``ikpe.nt.gz``), or None if there is none."""
    return gzip.decompress(path.read_bytes()) if path is not None and path.is_file() else None


def whole_graph_hash(store: ox.Store, ntriples: bytes | None = None) -> str:
    """Content hash of the whole published graph: SHA-256 over its sorted N-Triples lines.

    From the release's N-Triples dump when given (much faster than decoding every term from the
    store), else dumped from the store."""
    data = ntriples if ntriples is not None else store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=DEFAULT)
    lines = data.splitlines()
    lines.sort()
    digest = hashlib.sha256()
    for line in lines:
        if line.strip():
            digest.update(line + b"\n")
    return digest.hexdigest()


class Subsets:
    """The subset of each project, from one pass over the graph's triples.

    The members of all projects come from one SPARQL query on the store; then one pass over the
    release's N-Triples (parsed by pyoxigraph; the store is scanned if there are none) keeps the
    triples of every member and the type/label triples of everything, grouped by subject. Each
    subset is then a few dictionary look-ups (reading term by term from the on-disk store was
    the slow part)."""

    def __init__(self, store: ox.Store, ntriples: bytes | None = None):
        self.store = store
        self.members = project_members(store)
        wanted = set().union(*self.members.values()) if self.members else set()
        labels = set(LABELS)
        self.by_subject, self.labels = defaultdict(list), defaultdict(list)
        quads = (ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES) if ntriples is not None
                 else self.store.quads_for_pattern(None, None, None, DEFAULT))
        by_subject, by_label = self.by_subject, self.labels
        # the same pass counts what VoID states (see void.statistics), instead of scanning the store again
        subjects, objects, properties, classes = set(), set(), defaultdict(int), defaultdict(set)
        for quad in quads:
            subject, predicate, obj = quad.subject, quad.predicate, quad.object
            subjects.add(subject)
            objects.add(obj)
            properties[predicate] += 1
            if predicate == RDF_TYPE:
                classes[obj].add(subject)
            if subject in wanted:
                by_subject[subject].append(quad.triple)
            if predicate in labels:
                by_label[subject].append(quad.triple)
        self.census = {"subjects": subjects, "objects": objects, "properties": dict(properties),
                       "classes": {c: len(m) for c, m in classes.items()}}
        self._parsed = ntriples is not None

    def _of(self, node, index: dict) -> list:
        if self._parsed and isinstance(node, ox.BlankNode):  # parsed blank nodes are not the store's
            return [q.triple for q in self.store.quads_for_pattern(node, None, None, DEFAULT)
                    if index is self.by_subject or q.predicate in LABELS]
        return index.get(node, ())

    def triples(self, project: str) -> list:
        """The subset's triples in a fixed order: members by IRI, each member's triples in source
        order, then the type/label triples of the things they point to, by IRI (no duplicates)."""
        members = self.members.get(project) or {ox.NamedNode(project)}
        out, referenced = {}, set()
        named = ox.NamedNode
        for member in sorted(members, key=str):
            for triple in self._of(member, self.by_subject):
                out[triple] = None
                o = triple.object
                if type(o) is named and o not in members:
                    referenced.add(o)
        for thing in sorted(referenced, key=str):
            for triple in self._of(thing, self.labels):
                out[triple] = None
        return list(out)


def write_subset(triples: list, folder: Path, stem: str) -> tuple[dict, str]:
    """Write the subset in every format; return ({file name: {bytes, sha256, media_type, …}}, content hash)."""
    canonical = canonical_ntriples(triples)
    files = {}
    for suffix, rdf_format, media_type, file_type, gz in SUBSET_FORMATS:
        name = f"{stem}.{suffix}"
        if rdf_format == ox.RdfFormat.N_TRIPLES:
            data = canonical
        elif rdf_format == ox.RdfFormat.JSON_LD:
            data = ox.serialize(triples, format=rdf_format)
        else:
            data = ox.serialize(triples, format=rdf_format, prefixes=SUBSET_PREFIXES)
        if gz:
            data = gzip.compress(data, compresslevel=6, mtime=0)
        (folder / name).write_bytes(data)
        files[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "media_type": media_type,
                       "gzip": gz, "file_type": file_type}
    return files, digest_of(canonical)


_FORKED: dict = {}  # what a forked writer process reads: the Subsets and the target folder of the parent


def _write_slice(projects: list) -> dict:
    subsets, folder = _FORKED["subsets"], _FORKED["folder"]
    return {p: write_subset(subsets.triples(p), folder, p.rsplit("/", 1)[-1]) for p in projects}


def write_subsets(subsets: Subsets, projects: list, folder: Path) -> dict:
    """Write every project's subset (:func:`write_subset`); project IRI → (files, content hash).

    With two or more CPUs, a forked process writes every second project while this one writes the
    others (serialising, gzip and hashing are CPU work; the fork shares the parsed triples
    copy-on-write and reads the read-only store only for blank-node members). The files are the same
    either way."""
    _FORKED.update(subsets=subsets, folder=folder)
    if (os.cpu_count() or 1) < 2 or len(projects) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _write_slice(projects)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                             initializer=die_with_parent) as pool:  # a killed build leaves no writer behind
        other = pool.submit(_write_slice, projects[1::2])
        written = _write_slice(projects[0::2])
        written.update(other.result())
    _FORKED.clear()
    return written
