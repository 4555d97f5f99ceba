"""The ``/def/`` documents (the ontology and the SHACL shapes) of a release.

The build groups the Turtle files of ``ontology/`` and ``shapes/`` into documents and writes each into
the release folder, so the server shows the documents of the release it serves, never the source
folders as they are now::

    def/index.json        [{"iri": document IRI, "file": "<n>.ttl", "versions": [owl:versionIRI …]}]
    def/<n>.ttl           one document (all the files that make it up)

Every Turtle file belongs to one document: the ``owl:Ontology`` it declares, else the document its
terms are ``rdfs:isDefinedBy``, else the (first) document declared in the same folder — so a new
shapes file joins ``/def/shapes`` without ceremony.
"""
from __future__ import annotations

import functools
import json
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

FOLDER = "def"
INDEX = "index.json"


def _documents_of(folder: Path) -> dict[str, Graph]:
    """Document IRI → graph of the Turtle files of ``folder`` that make up that document."""
    parsed = []
    for path in sorted(folder.glob("*.ttl")):
        graph = Graph().parse(path, format="turtle")
        declared = sorted(str(s) for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef))
        owners = Counter(str(o) for o in graph.objects(None, RDFS.isDefinedBy))
        key = declared[0] if declared else (owners.most_common(1)[0][0] if owners else None)
        parsed.append((key, graph, bool(declared)))
    folder_default = next((key for key, _, declared in parsed if declared), None)
    documents: dict[str, Graph] = {}
    for key, graph, _ in parsed:
        key = key or folder_default
        if key is None:
            continue
        target = documents.setdefault(key, Graph())
        for prefix, namespace in graph.namespaces():
            target.bind(prefix, namespace, override=False)
        target += graph
    return documents


def write_definitions(graph, folder: Path, manifest: dict, settings) -> None:
    """Release step: the ontology and shapes documents into ``<folder>/def/``."""
    documents = _documents_of(settings.ontology_dir)
    documents.update(_documents_of(settings.shapes_dir))
    target = Path(folder) / FOLDER
    target.mkdir()
    index = []
    for number, (iri, document) in enumerate(sorted(documents.items())):
        name = f"{number}.ttl"
        document.serialize(target / name, format="turtle", encoding="utf-8")
        versions = sorted(str(v) for v in document.objects(URIRef(iri), OWL.versionIRI))
        index.append({"iri": iri, "file": name, "versions": versions})
    (target / INDEX).write_text(json.dumps(index, indent=1), encoding="utf-8")
    manifest["definitions"] = [entry["iri"] for entry in index]


@dataclass(frozen=True)
class Definitions:
    """The ``/def/`` documents of one release."""

    documents: dict  # document IRI → Graph (do not modify)
    versions: dict   # owl:versionIRI → document IRI

    def find(self, iri: str) -> tuple[str, Graph] | None:
        """(document IRI, graph) of a document IRI or of one of its version IRIs."""
        document = self.versions.get(iri, iri)
        graph = self.documents.get(document)
        return (document, graph) if graph is not None else None


_loading = threading.Lock()


def load_definitions(release_folder: Path) -> Definitions:
    """The documents of the release in ``release_folder`` (cached: a release never changes); none
    if the release carries no ``def/`` folder. Parsed once per release: threads asking at the same
    time (right after a release switch) wait for the first instead of parsing again."""
    with _loading:
        return _parse_definitions(release_folder)


@functools.lru_cache(maxsize=4)
def _parse_definitions(release_folder: Path) -> Definitions:
    target = release_folder / FOLDER
    try:
        index = json.loads((target / INDEX).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Definitions({}, {})
    documents = {e["iri"]: Graph().parse(target / e["file"], format="turtle") for e in index}
    versions = {version: e["iri"] for e in index for version in e["versions"]}
    return Definitions(documents, versions)
