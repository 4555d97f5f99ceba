"""The build output: the store opens, the dumps parse and agree with the manifest and SHA256SUMS,
the switch to a new release is atomic, old releases are pruned, and the derived triples (period
bounds, translation notes) and partial-date datatypes are as documented in docs/model.md."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from server.kg.derive import period_bounds
from server.kg.namespaces import IKPE, SCHEMA, DCTERMS
from server.release_steps import build
from server.kg.release import build_lock, write_release
from server.settings import PROJECT_ROOT, load_settings

ID = "https://lod.ikpe-erfurt.de/id/"
RDFLIB_FORMATS = {"ikpe.ttl": "turtle", "ikpe.nt.gz": "nt", "ikpe.jsonld": "json-ld", "ikpe.rdf": "xml"}


def thing(path: str) -> URIRef:
    return URIRef(ID + path)


@pytest.fixture(scope="module")
def release(build_dir) -> Path:
    return (build_dir / "current").resolve()


@pytest.fixture(scope="module")
def manifest(release) -> dict:
    return json.loads((release / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graph(release) -> Graph:
    return Graph().parse(release / "dumps" / "ikpe.ttl", format="turtle")


# -- store, dumps, checksums ---------------------------------------------------------------------

def test_current_is_a_relative_link_to_a_complete_release(build_dir, release, manifest):
    link = build_dir / "current"
    assert link.is_symlink() and not os.path.isabs(os.readlink(link))
    assert release.parent == (build_dir / "releases").resolve()
    assert release.name == manifest["release"]
    for name in ("store", "dumps", "manifest.json"):
        assert (release / name).exists()
    assert not list((build_dir / "releases").glob(".incoming-*"))
    assert not (build_dir / ".current.new").exists()


def test_store_opens_and_holds_the_manifest_triple_count(release, manifest):
    """The data is in the default graph and, the same triples, in the SPARQL dataset's named graph."""
    store = ox.Store.read_only(str(release / "store"))
    default = set(q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    named = ox.NamedNode(manifest["store"]["named_graph"])
    assert manifest["store"]["named_graph"] == "https://lod.ikpe-erfurt.de/sparql#graph"
    assert len(default) == manifest["triples"] == manifest["counts"]["published triples"]
    assert set(q.triple for q in store.quads_for_pattern(None, None, None, named)) == default
    assert list(store.named_graphs()) == [named]
    assert manifest["triples"] > 1000


@pytest.mark.parametrize("name", sorted(RDFLIB_FORMATS))
def test_dump_parses_with_rdflib_and_has_the_manifest_triple_count(release, manifest, name):
    assert name in manifest["dumps"]
    path = release / "dumps" / name
    data = path.read_bytes()
    if manifest["dumps"][name]["gzip"]:
        data = gzip.decompress(data)
    parsed = Graph().parse(data=data, format=RDFLIB_FORMATS[name])
    assert len(parsed) == manifest["triples"]


def test_dumps_hold_the_same_graph(release):
    from rdflib.compare import isomorphic

    turtle = Graph().parse(release / "dumps" / "ikpe.ttl", format="turtle")
    ntriples = Graph().parse(data=gzip.decompress((release / "dumps" / "ikpe.nt.gz").read_bytes()), format="nt")
    assert isomorphic(turtle, ntriples)


def test_sha256sums_and_manifest_match_the_files(release, manifest):
    lines = (release / "dumps" / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == set(manifest["dumps"]) == set(RDFLIB_FORMATS)
    for name, digest in listed.items():
        path = release / "dumps" / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest == manifest["dumps"][name]["sha256"]
        assert path.stat().st_size == manifest["dumps"][name]["bytes"]


def test_manifest_records_what_was_built(manifest):
    assert len(manifest["source_digest"]) == 64
    assert manifest["public_base"] == "https://lod.ikpe-erfurt.de"
    assert manifest["release"].endswith("-" + manifest["source_digest"][:8])
    dt.datetime.fromisoformat(manifest["created"])
    counts = manifest["counts"]
    assert counts["published triples"] == (counts["source triples"] + counts["period bounds"]
                                           + 2 * counts["translation notes"] + counts["entailed triples"]
                                           + counts["ontology triples"])


# -- atomic switch and pruning -------------------------------------------------------------------

@pytest.fixture()
def private_build(tmp_path):
    return load_settings(build_dir=tmp_path / "build", keep_releases=2)


def test_new_build_switches_atomically_and_prunes_old_releases(private_build):
    built = []
    for _ in range(5):
        outcome = build(private_build, force=True)
        assert outcome.ok, [str(p) for p in outcome.problems]
        current = (private_build.build_dir / "current").resolve()
        assert current == outcome.release.resolve()
        assert json.loads((current / "manifest.json").read_text())["release"] == current.name
        built.append(current.name)
    assert len(set(built)) == 5, "every build is a new release"
    left = sorted(p.name for p in (private_build.build_dir / "releases").iterdir())
    # the current release plus keep_releases (2) older ones, newest kept
    assert left == sorted(built[-3:])


def test_two_quick_releases_do_not_collide(tmp_path):
    """Two releases of the same data within one second must both be written and served in turn."""
    graph = Graph()
    graph.add((thing("x"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("x", lang="de")))
    metadata = {"source_digest": "0" * 64, "public_base": "https://lod.ikpe-erfurt.de"}
    first = write_release(graph, tmp_path, metadata)
    second = write_release(graph, tmp_path, metadata)
    assert first != second
    assert (tmp_path / "current").resolve() == second.resolve()
    assert (first / "manifest.json").exists() and (second / "manifest.json").exists()


def test_a_second_build_while_one_runs_is_refused(tmp_path):
    build_dir = tmp_path / "build"
    with build_lock(build_dir):
        result = subprocess.run([sys.executable, "-m", "server.cli", "--build-dir", str(build_dir), "build"],
                                cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Another build is running" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (build_dir / "current").exists()


# -- derived triples and datatypes ---------------------------------------------------------------

@pytest.mark.parametrize("text, datatype, first, last", [
    ("2016", XSD.gYear, "2016-01-01", "2016-12-31"),
    ("2022-05", XSD.gYearMonth, "2022-05-01", "2022-05-31"),
    ("2024-02", XSD.gYearMonth, "2024-02-01", "2024-02-29"),
    ("2023-02", XSD.gYearMonth, "2023-02-01", "2023-02-28"),
    ("2021-07-01", XSD.date, "2021-07-01", "2021-07-01"),
])
def test_period_bounds_rule(text, datatype, first, last):
    assert period_bounds(Literal(text, datatype=datatype)) == (dt.date.fromisoformat(first),
                                                               dt.date.fromisoformat(last))


def test_period_bounds_ignore_other_datatypes():
    assert period_bounds(Literal("2016")) is None
    assert period_bounds(Literal("2022-13", datatype=XSD.gYearMonth)) is None


def _dates(graph, subject, prop):
    return {(str(o), o.datatype) for o in graph.objects(subject, prop)}


@pytest.mark.parametrize("subject, start, end", [
    ("project/thilik", "2016-01-01", "2022-12-31"),
    ("project/vielfalt-leben", "2021-01-01", "2022-12-31"),
    ("role/vielfalt-leben/kontakt-vidot", None, "2022-05-31"),
    ("role/vielfalt-leben/kontakt-huber", "2022-05-01", None),
    ("role/thilik/projektleitung-huber", None, None),
])
def test_derived_period_bounds_in_the_release(graph, subject, start, end):
    assert _dates(graph, thing(subject), IKPE.periodStart) == ({(start, XSD.date)} if start else set())
    assert _dates(graph, thing(subject), IKPE.periodEnd) == ({(end, XSD.date)} if end else set())


def test_every_start_and_end_has_its_bound(graph, manifest):
    starts = set(graph.subject_objects(SCHEMA.startDate))
    ends = set(graph.subject_objects(SCHEMA.endDate))
    assert len(set(graph.subject_objects(IKPE.periodStart))) == len(starts)
    assert len(set(graph.subject_objects(IKPE.periodEnd))) == len(ends)
    assert manifest["counts"]["period bounds"] == len(starts) + len(ends) == 6


@pytest.mark.parametrize("subject, prop, text, datatype", [
    ("project/thilik", SCHEMA.startDate, "2016", XSD.gYear),
    ("project/thilik", SCHEMA.endDate, "2022", XSD.gYear),
    ("project/vielfalt-leben", SCHEMA.startDate, "2021-01", XSD.gYearMonth),
    ("project/vielfalt-leben", SCHEMA.endDate, "2022-12", XSD.gYearMonth),
    ("role/vielfalt-leben/kontakt-vidot", SCHEMA.endDate, "2022-05", XSD.gYearMonth),
    ("role/vielfalt-leben/kontakt-huber", SCHEMA.startDate, "2022-05", XSD.gYearMonth),
    ("participation/thilik/16051", IKPE.asOf, "2022-05", XSD.gYearMonth),
    ("source/projekte-im-einzelnen", DCTERMS.date, "2019-09-12", XSD.date),
    ("source/eingliederung-eisenach", DCTERMS.date, "2021-07", XSD.gYearMonth),
    ("gebietskoerperschaft/16056", SCHEMA.validThrough, "2021-06-30", XSD.date),
    ("gebietskoerperschaft/16063105", SCHEMA.validFrom, "2021-07-01", XSD.date),
])
def test_partial_dates_keep_their_precision(graph, subject, prop, text, datatype):
    assert _dates(graph, thing(subject), prop) == {(text, datatype)}


def test_translation_notes_mark_exactly_the_things_with_english_text(graph, manifest):
    with_english = {s for s, _, o in graph if isinstance(s, URIRef) and isinstance(o, Literal)
                    and o.language == "en" and o.datatype is None and str(s).startswith(ID)}
    noted = {s for s in graph.subjects(SKOS.editorialNote, None) if str(s).startswith(ID)}
    assert noted == with_english
    assert manifest["counts"]["translation notes"] >= len(with_english)
    for subject in noted:
        notes = {(n.language, str(n)) for n in graph.objects(subject, SKOS.editorialNote)}
        assert {lang for lang, _ in notes} == {"de", "en"}
        assert any("authoritative" in text for lang, text in notes if lang == "en")
    assert thing("project/thilik") in noted
    # names are not translated: the people carry German labels only and no note
    assert thing("person/stefan-huber") not in noted


def test_every_thing_has_a_german_label_and_most_an_english_one(graph):
    things = {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(ID)}
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    missing_de = {s for s in things if not any(o.language == "de" for o in graph.objects(s, label))}
    assert missing_de == set()
    missing_en = {str(s)[len(ID):] for s in things if not any(o.language == "en" for o in graph.objects(s, label))}
    assert missing_en == {"person/stefan-huber", "person/viviane-vidot"}


def test_keys_are_strings_with_leading_digits_kept(graph):
    for prop in (IKPE.ags, IKPE.kreisschluessel, IKPE.ars):
        values = list(graph.objects(None, prop))
        assert values and all(v.datatype in (None, XSD.string) and str(v).startswith("16") for v in values)
    assert Literal("16") in set(graph.objects(thing("gebietskoerperschaft/16"), IKPE.ags))


# -- the worked example of docs/editing.md -------------------------------------------------------

def test_worked_example_in_the_editing_guide_validates_and_builds(tmp_path):
    """The "Adding a project" example of docs/editing.md, pasted into a copy of data/, is valid."""
    import re
    import shutil

    from ruamel.yaml import YAML

    guide = (PROJECT_ROOT / "docs" / "editing.md").read_text(encoding="utf-8")
    section = guide[guide.index("## Adding a project"):guide.index("## What each key means")]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(blocks) == 4
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    target_file = {"source": "sources.yaml", "person": "people.yaml", "project": "projects.yaml",
                   "funding": "funding.yaml"}
    for block in blocks:
        records = YAML(typ="safe").load(block)
        kind = records[0]["id"].split("/")[0]
        path = tmp_path / "data" / target_file[kind]
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + block, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "server.cli", "--data", str(tmp_path / "data"),
                             "--build-dir", str(tmp_path / "build"), "build"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    graph = Graph().parse(tmp_path / "build" / "current" / "dumps" / "ikpe.ttl", format="turtle")
    assert _dates(graph, thing("project/gepla"), SCHEMA.startDate) == {("2023-03", XSD.gYearMonth)}
    assert _dates(graph, thing("project/gepla"), IKPE.periodEnd) == {("2025-02-28", XSD.date)}
    assert (thing("role/gepla/kontakt-beispiel"), IKPE.roleHolder, thing("person/maria-beispiel")) in graph


def test_a_failing_release_step_leaves_nothing_behind(tmp_path):
    """A release step that fails (e.g. the disk filled up) removes the unpublished release folder."""
    graph = Graph()
    graph.add((thing("x"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("x", lang="de")))
    metadata = {"source_digest": "1" * 64, "public_base": "https://lod.ikpe-erfurt.de"}

    def failing_step(graph, folder, manifest, settings):
        assert (folder / "store").is_dir() and (folder / "dumps" / "SHA256SUMS").exists()
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_release(graph, tmp_path, metadata, steps=[failing_step])
    assert list((tmp_path / "releases").iterdir()) == []
    assert not (tmp_path / "current").exists()


def test_relative_folders_on_the_command_line_are_relative_to_the_current_directory(data_copy, tmp_path):
    """``ikpe-lod --data data --build-dir out build`` run elsewhere reads and writes there, not in the project."""
    projects = data_copy / "data" / "projects.yaml"
    text = projects.read_text(encoding="utf-8")
    assert "  shortName: ThILIK\n" in text
    projects.write_text(text.replace("  shortName: ThILIK\n", "  shortName: ThILIK-Kopie\n", 1), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-m", "server.cli", "--data", "data", "--build-dir", "out", "build"],
                            cwd=data_copy, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (PROJECT_ROOT / "out").exists()
    with gzip.open(tmp_path / "out" / "current" / "dumps" / "ikpe.nt.gz", "rt", encoding="utf-8") as handle:
        assert '"ThILIK-Kopie' in handle.read()
