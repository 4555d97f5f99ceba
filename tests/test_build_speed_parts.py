"""The parts the build does differently for speed give the same results as the plain way:
the store's two copies of the graph (one N-Quads stream), the search records (one pass over the
graph instead of a lookup per subject and property), and SHACL running beside the release steps."""
from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from server.kg.dumps import _DefaultAndNamed
from server.kg.pipeline import map_sources
from server.search.index import (DESCRIPTIONS, KEYS, LABELS, NAMES, PROPS, WIKIDATA, Record,
                                 records_from_graph)
from server.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
NT = ('<http://ex.org/a> <http://ex.org/p> "dot .\\n and \\" quote" .\n'
      '_:b1 <http://ex.org/p> <http://ex.org/a> .\n'
      '<http://ex.org/a> <http://ex.org/q> _:b1 .\n'
      '<http://ex.org/a> <http://ex.org/r> "x"@de-AT .\n'
      '<http://ex.org/a> <http://ex.org/r> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .')  # no final newline


def test_store_copies_are_the_same_triples_with_the_same_blank_nodes(tmp_path):
    source = tmp_path / "graph.nt"
    source.write_text(NT, encoding="utf-8")
    store = ox.Store()
    store.bulk_load(_DefaultAndNamed(source, "http://ex.org/g"), format=ox.RdfFormat.N_QUADS)
    default = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    named = {q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode("http://ex.org/g"))}
    assert len(default) == 5 and default == named
    blank = {t.subject for t in default if isinstance(t.subject, ox.BlankNode)}
    assert len(blank) == 1 and {t.object for t in default if isinstance(t.object, ox.BlankNode)} == blank


def _reference_records(graph: Graph, id_base: str) -> list[dict]:
    """The index records the plain way: a store lookup per subject and property."""
    found = []
    for record in records_from_graph(graph, id_base):
        subject = URIRef(record.iri)
        plain = Record(record.iri)
        for prop in LABELS:
            for value in graph.objects(subject, prop):
                if isinstance(value, Literal):
                    plain.labels.setdefault(value.language or "", []).append(str(value))
        for lang in plain.labels:
            plain.labels[lang].sort()
        names = [str(v) for prop in NAMES for v in graph.objects(subject, prop) if isinstance(v, Literal)]
        given = [str(v) for v in graph.objects(subject, URIRef("https://schema.org/givenName"))]
        family = [str(v) for v in graph.objects(subject, URIRef("https://schema.org/familyName"))]
        plain.names = sorted(dict.fromkeys(names + ([f"{given[0]} {family[0]}"] if given and family else [])))
        keys = [str(v) for prop in KEYS for v in graph.objects(subject, prop) if isinstance(v, Literal)]
        keys += [str(v)[len(WIKIDATA):] for v in graph.objects(subject, URIRef("https://schema.org/sameAs"))
                 if str(v).startswith(WIKIDATA)]
        keys += [record.iri.rstrip("/").rsplit("/", 1)[-1]] if record.iri.startswith(id_base) else []
        plain.keys = list(dict.fromkeys(keys))
        for prop in DESCRIPTIONS:
            for value in graph.objects(subject, prop):
                if isinstance(value, Literal):
                    plain.descriptions.setdefault(value.language or "", []).append(str(value))
        plain.props = {name: sorted(str(v) for v in graph.objects(subject, prop))
                       for name, prop in PROPS.items() if (subject, prop, None) in graph}
        plain.types = sorted(str(t) for t in graph.objects(subject, RDF.type) if isinstance(t, URIRef))
        plain.type, plain.type_labels, plain.kind = record.type, record.type_labels, record.kind
        found.append(vars(plain))
    return found


def _every_indexable_subject(graph: Graph) -> set[str]:
    """IRI subjects with a literal label, name, key or description, or with a given and a family name."""
    wanted = (*LABELS, *NAMES, *KEYS, *DESCRIPTIONS)
    texts = {s for s, p, o in graph if p in wanted and isinstance(o, Literal)}
    persons = set(graph.subjects(URIRef("https://schema.org/givenName"))) & set(
        graph.subjects(URIRef("https://schema.org/familyName")))
    return {str(s) for s in texts | persons if isinstance(s, URIRef)}


@pytest.mark.parametrize("data", ["real", "generated"])
def test_search_records_in_one_pass_equal_the_lookups(data, tmp_path):
    if data == "generated":
        sys.path.insert(0, str(ROOT))
        from bench.generate import generate

        generate(15, tmp_path / "data", seed=3)
    settings = load_settings(data_dir=ROOT / "data" if data == "real" else tmp_path / "data")
    graph = map_sources(settings).graph
    records = [vars(r) for r in records_from_graph(graph, settings.id_base)]
    assert records == _reference_records(graph, settings.id_base)
    assert {r["iri"] for r in records} == _every_indexable_subject(graph)
    assert any(r["labels"].get("en") for r in records) and any(r["props"] for r in records)


# -- SHACL beside the release steps -----------------------------------------------------------------
def _break_period(data_copy: Path) -> None:
    """An end before the start: the mapping accepts it, SHACL (PeriodOrder) does not."""
    projects = data_copy / "data" / "projects.yaml"
    text = projects.read_text(encoding="utf-8")
    assert '  end: "2022"\n' in text
    projects.write_text(text.replace('  end: "2022"\n', '  end: "2010"\n', 1), encoding="utf-8")


def _settings(data_copy: Path):
    return load_settings(data_dir=data_copy / "data", ontology_dir=data_copy / "ontology",
                         shapes_dir=data_copy / "shapes", build_dir=data_copy / "build")


def _nothing_published(build_dir: Path) -> None:
    assert not (build_dir / "current").exists()
    assert [p.name for p in (build_dir / "releases").iterdir()] == []


def test_a_graph_that_does_not_conform_is_reported_and_not_published(data_copy):
    from server.kg.pipeline import build

    _break_period(data_copy)
    seen = []

    def step(graph, folder, manifest, settings):
        seen.append((folder / "store").is_dir())
        raise OSError("No space left on device")  # the validation problems are reported, not this

    outcome = build(_settings(data_copy), steps=[step])
    assert not outcome.ok and outcome.stage == "validating" and outcome.release is None
    assert any(p.record and p.record.endswith("project/thilik") for p in outcome.problems)
    assert seen in ([], [True])  # the step may have run (beside SHACL) or been skipped
    _nothing_published(data_copy / "build")


def test_a_failing_step_of_a_conforming_graph_fails_the_build(data_copy):
    from server.kg.pipeline import build

    def step(graph, folder, manifest, settings):
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"):
        build(_settings(data_copy), steps=[step])
    _nothing_published(data_copy / "build")


def test_steps_run_on_the_finished_store_and_the_release_goes_live(data_copy):
    from server.kg.pipeline import build

    def step(graph, folder, manifest, settings):
        assert (folder / "store").is_dir() and (folder / "dumps" / "SHA256SUMS").exists()
        (folder / "step.txt").write_text(str(len(graph)), encoding="utf-8")
        manifest["step"] = True

    outcome = build(_settings(data_copy), steps=[step])
    assert outcome.ok and outcome.stage == "done"
    current = (data_copy / "build" / "current").resolve()
    assert current == outcome.release and (current / "step.txt").read_text() == str(len(outcome.graph))
    assert {"validation", "release steps", "waited for validation"} <= set(outcome.timings)
