"""One entry point per job: ``validate`` (report only) and ``build`` (validate, then release)."""
from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from rdflib import Graph

from .definitions import write_definitions
from .derive import derive
from .geometry import geometry_graph
from .mapping import SourceIndex, check_references, load_records
from .messages import message
from .namespaces import graph_name
from .problems import Location, ProblemList
from .history import Retention
from .release import ReleaseStep, ReleaseWriter, build_lock, current_release, prune_releases
from .validate import load_turtle_dir, shacl_problems


@dataclass
class Outcome:
    problems: ProblemList
    stage: str  # where it stopped: "reading", "mapping", "validating", "done"
    graph: Graph | None = None
    release: Path | None = None
    counts: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    context: tuple | None = None  # (ontology, source index) of a mapped graph, for validation

    @property
    def ok(self) -> bool:
        return not self.problems


def source_digest(settings) -> str:
    digest = hashlib.sha256()
    for folder in (settings.data_dir, settings.ontology_dir, settings.shapes_dir):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".yaml", ".jsonld", ".ttl", ".csv", ".geojson"}:
                digest.update(path.relative_to(folder.parent).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def shapes_digest(settings) -> str:
    """The shapes' files: with the graph, what a release publishes (under ``/def/``)."""
    digest = hashlib.sha256()
    for path in sorted(settings.shapes_dir.rglob("*.ttl")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _previous_manifest(settings) -> dict:
    folder = current_release(settings.build_dir)
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8")) if folder else {}


def _geometry_location(data_dir: Path) -> Location:
    """The first GeoJSON file that is not valid JSON (with line), else the geo folder."""
    folder = Path(data_dir) / "geo"
    shown = lambda path: path.relative_to(data_dir.parent).as_posix()  # noqa: E731
    for path in sorted(folder.glob("*.geojson")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            return Location(shown(path), error.lineno, error.colno)
        except (OSError, UnicodeDecodeError):
            return Location(shown(path))
    return Location(shown(folder))


def map_sources(settings, progress=lambda step: None, language: str = "de") -> Outcome:
    """Read and map the source data (with reference checks and derivations), not yet validated.
    Problems are reported in ``language`` ("de" or "en")."""
    timings = {}
    started = time.perf_counter()
    problems, index = ProblemList(), SourceIndex()
    progress("reading")
    mapping, records = load_records(settings, problems, index, language)
    if problems:
        return Outcome(problems, "reading")
    progress("mapping")
    graph = mapping.to_graph(records)
    try:
        graph += geometry_graph(settings.data_dir, settings.id_base)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        problems.add(_geometry_location(settings.data_dir),
                     message("geometry", language, error_type=type(error).__name__, error=error), rule="geometry")
        return Outcome(problems, "mapping")
    check_references(graph, settings.id_base, index, problems, language)
    if problems:
        return Outcome(problems, "mapping")
    ontology = load_turtle_dir(settings.ontology_dir)
    counts = {"source triples": len(graph), **derive(graph, ontology)}
    graph += ontology
    counts["ontology triples"] = len(ontology)
    for prefix, namespace in mapping.prefixes.items():
        graph.bind(prefix, namespace)
    counts["published triples"] = len(graph)
    timings["mapping"] = time.perf_counter() - started
    return Outcome(problems, "mapped", graph=graph, counts=counts, timings=timings,
                   context=(ontology, index))


def validate_mapped(mapped: Outcome, settings, language: str = "de", progress=lambda step: None) -> Outcome:
    """SHACL-validate a mapped graph; the graph stays in the outcome only when it conforms."""
    progress("validating")
    started = time.perf_counter()
    ontology, index = mapped.context
    shapes = load_turtle_dir(settings.shapes_dir)
    problems = shacl_problems(mapped.graph, shapes, ontology, index, language,
                              settings.shacl_engine)
    timings = dict(mapped.timings, validation=time.perf_counter() - started)
    if problems:
        return Outcome(problems, "validating", counts=mapped.counts, timings=timings)
    return Outcome(problems, "validated", graph=mapped.graph, counts=mapped.counts, timings=timings)


def assemble(settings, language: str = "de", progress=lambda step: None) -> Outcome:
    """Read, map and validate the source data; the graph is returned only when it conforms."""
    mapped = map_sources(settings, progress, language)
    return validate_mapped(mapped, settings, language, progress) if mapped.ok else mapped


def build(settings, language: str = "de", progress=lambda step: None, *,
          steps: Sequence[ReleaseStep], force: bool = False) -> Outcome:
    """Validate and publish. While SHACL runs, another process writes store and dumps and this one
    then runs the release steps; the release is switched to only when the graph conforms (otherwise
    it is removed unpublished).

    ``steps``: the release steps of the areas above this package (catalog, search index …), run in
    order after the build's own (the ``/def/`` documents) and before the switch; the production
    list is ``server.release_steps.RELEASE_STEPS``.

    A graph equal to the current release's (statement for statement, blank nodes canonically) with
    the same shapes publishes nothing: the outcome's stage is "unchanged". ``force`` publishes anyway
    (e.g. after a change of the code that writes the release)."""
    with build_lock(settings.build_dir):
        mapped = map_sources(settings, progress, language)
        if not mapped.ok:
            return mapped
        return _publish(mapped, settings, language, progress, steps, force, {})


def republish(settings, graph: Graph, note: dict, language: str = "de", progress=lambda step: None, *,
              steps: Sequence[ReleaseStep]) -> Outcome:
    """Validate ``graph`` (a graph published before, e.g. an older release's for a rollback) against
    the shapes and publish it as a new release like a build; ``note`` goes into the manifest."""
    with build_lock(settings.build_dir):
        ontology = load_turtle_dir(settings.ontology_dir)
        counts = {"published triples": len(graph)}
        mapped = Outcome(ProblemList(), "mapped", graph=graph, counts=counts, context=(ontology, SourceIndex()))
        return _publish(mapped, settings, language, progress, steps, True, note)


def _publish(mapped: Outcome, settings, language: str, progress, steps: Sequence[ReleaseStep], force: bool,
             note: dict) -> Outcome:
    digest = source_digest(settings)
    retention = Retention(settings.history_keep_releases, settings.history_keep_days)
    writer = ReleaseWriter(mapped.graph, settings.build_dir, digest, graph_name(settings.public_base), retention)
    metadata = {"source_digest": digest, "shapes_digest": shapes_digest(settings),
                "public_base": settings.public_base, "counts": mapped.counts, **note}
    same_shapes = not force and _previous_manifest(settings).get("shapes_digest") == metadata["shapes_digest"]
    outcome = _release_while_validating(mapped, writer, metadata, settings, language, progress,
                                        [write_definitions, *steps],
                                        nothing_new=lambda: same_shapes and writer.graph_unchanged)
    if outcome.ok and same_shapes and writer.graph_unchanged:
        writer.abandon()
        outcome.stage, outcome.release = "unchanged", writer.previous
    elif outcome.ok:
        progress("switch")
        outcome.release = writer.publish()
        outcome.stage = "done"
        prune_releases(settings.build_dir, settings.keep_releases)
    return outcome


def _release_while_validating(mapped: Outcome, writer: ReleaseWriter, metadata: dict, settings,
                              language: str, progress, steps, nothing_new=lambda: False) -> Outcome:
    """SHACL in a thread of its own (pyshacl-turbo validates in Rust, without holding the GIL) while
    this thread waits for store and dumps and runs the release steps: the two cores work on both.
    The prepared release is abandoned when the graph does not conform; validation problems are
    reported before the failure of a release step, as when the two ran one after the other."""
    progress("validating")
    started = time.perf_counter()
    with ThreadPoolExecutor(1, thread_name_prefix="shacl") as pool:
        validation = pool.submit(validate_mapped, mapped, settings, language)

        def failed() -> bool:
            return validation.done() and (validation.exception() is not None or not validation.result().ok)

        try:
            try:
                prepared = writer.prepare(mapped.graph, metadata, progress, steps, settings,
                                          stop=lambda: failed() or nothing_new())
            except BaseException:
                wait([validation])
                if not failed():  # the graph conforms: the step's failure is the one to report
                    raise
                prepared = False
            waited = time.perf_counter()
            outcome = validation.result()  # re-raises an engine failure
        except BaseException:
            writer.abandon()
            raise
    outcome.timings.update(writer.timings)
    outcome.timings["waited for validation"] = time.perf_counter() - waited
    outcome.timings["release"] = time.perf_counter() - started
    if not (outcome.ok and prepared):
        writer.abandon()
    return outcome
