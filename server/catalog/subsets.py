"""The data of each catalogued dataset: the whole graph, and one subset per project.

A project's subset is what a portal user expects behind a project entry: the project itself, its
roles, participations and fundings (the nodes pointing to it with ``ikpe:roleIn`` or
``schema:fundedItem``), and the type and label of everything those triples point to, so the file
is readable on its own. Subsets are written as dump files by the release step.
"""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..kg.namespaces import IKPE, PREFIXES, SCHEMA
from ..kg.release import sha256_file

# (file suffix, rdflib serializer, IANA media type, EU file type, gzip)
SUBSET_FORMATS = (
    ("ttl", "turtle", "text/turtle", "RDF_TURTLE", False),
    ("nt.gz", "nt", "application/n-triples", "RDF_N_TRIPLES", True),
    ("jsonld", "json-ld", "application/ld+json", "JSON_LD", False),
    ("rdf", "xml", "application/rdf+xml", "RDF_XML", False),
)


def projects(graph: Graph) -> list[URIRef]:
    return sorted(s for s in set(graph.subjects(RDF.type, IKPE.Project)) if isinstance(s, URIRef))


def project_subset(graph: Graph, project: URIRef) -> Graph:
    subset = Graph()
    for prefix, namespace in PREFIXES.items():
        subset.bind(prefix, namespace)
    members = {project}
    members |= set(graph.subjects(IKPE.roleIn, project))
    members |= set(graph.subjects(SCHEMA.fundedItem, project))
    referenced = set()
    for member in members:
        for p, o in graph.predicate_objects(member):
            subset.add((member, p, o))
            if isinstance(o, URIRef) and o not in members:
                referenced.add(o)
    for thing in referenced:
        for p in (RDF.type, RDFS.label, SKOS.prefLabel):
            for o in graph.objects(thing, p):
                subset.add((thing, p, o))
    return subset


def content_hash(graph: Graph) -> str:
    """A hash of the graph's content that does not depend on serialisation order."""
    lines = sorted(line for line in graph.serialize(format="nt", encoding="utf-8").splitlines() if line.strip())
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line + b"\n")
    return digest.hexdigest()


def write_subset(subset: Graph, folder: Path, stem: str) -> dict:
    """Write the subset in every format; return {file name: {bytes, sha256, media_type, …}}."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for suffix, rdflib_format, media_type, file_type, gz in SUBSET_FORMATS:
        name = f"{stem}.{suffix}"
        target = folder / name
        if rdflib_format == "json-ld":
            context = {prefix: str(ns) for prefix, ns in subset.namespaces() if prefix}
            data = subset.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")
        else:
            data = subset.serialize(format=rdflib_format, encoding="utf-8")
        if gz:
            with gzip.GzipFile(target, "wb", compresslevel=6, mtime=0) as handle:
                handle.write(data)
        else:
            target.write_bytes(data)
        files[name] = {"bytes": target.stat().st_size, "sha256": sha256_file(target), "media_type": media_type,
                       "gzip": gz, "file_type": file_type}
    return files
