"""Hostile source data through the real command line (``ikpe-lod build``) on a copy of the data: each
case is either refused with a clear, located message (exit 1, the previous release stays in service)
or published and shown harmlessly. Plus crash safety: a full disk and a read-only build folder give a
clear error and leave the previous release intact.

Rules that exist for these cases live in ``shapes/hostile-input.ttl``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from server.kg.sources import deepest_point
from server.settings import PROJECT_ROOT, load_settings
from server.web.app import create_app

pytestmark = pytest.mark.slow  # a build through the command line in every test

SOURCE = "source/projekte-im-einzelnen"


def cli(data: Path, build: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", "--data", str(data), "--build-dir", str(build),
                           "build", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, COLUMNS="250"))


def state(build: Path) -> tuple[str, str]:
    return os.readlink(build / "current"), (build / "current" / "manifest.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def first_release(tmp_path_factory) -> Path:
    """A build folder with a first good release of the real data, built once through the command line."""
    build = tmp_path_factory.mktemp("first-release") / "build"
    first = cli(PROJECT_ROOT / "data", build)
    assert first.returncode == 0, first.stdout + first.stderr
    return build


@pytest.fixture()
def built(data_copy, tmp_path, first_release):
    """A data copy with a first good release in its own build folder (a copy of ``first_release``)."""
    data, build = data_copy / "data", tmp_path / "build"
    shutil.copytree(first_release, build, symlinks=True)
    return data, build


def append(data: Path, file: str, text: str) -> None:
    with open(data / file, "a", encoding="utf-8") as handle:
        handle.write("\n" + text.strip("\n") + "\n")


def refused(data: Path, build: Path, *, expect: str | tuple, lang: str = "de", timeout: float = 120) -> dict:
    """Build must fail with exit 1 and a JSON report naming the problem; the old release stays.

    ``expect``: text the messages must contain, or (German, English) — the SPARQL-based rules of
    shapes/hostile-input.ttl come out in the asked language (the report takes them from the shapes).
    """
    before = state(build)
    started = time.monotonic()
    result = cli(data, build, "--json", "--lang", lang, timeout=timeout)
    assert time.monotonic() - started < 60
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    report = json.loads(result.stdout)
    messages = " | ".join(p["message"] for p in report["problems"])
    wanted = expect if isinstance(expect, tuple) else (expect,)
    assert any(w.lower() in messages.lower() for w in wanted), messages
    assert state(build) == before, "a refused build must not touch the release in service"
    return report


def only_problem(report: dict, **fields) -> dict:
    """The one problem of ``report``, which has the given fields (file, line, record, property, rule …)."""
    assert report["count"] == 1 and len(report["problems"]) == 1, report["problems"]
    problem = report["problems"][0]
    assert {name: problem[name] for name in fields} == fields, problem
    return problem


def line_of(path: Path, text: str) -> int:
    """The number of the last line of ``path`` that contains ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return max(number for number, line in enumerate(lines, 1) if text in line)


def person(slug: str, label: str, extra: str = "") -> str:
    return (f"- id: person/{slug}\n  type: Person\n  label:\n    de: {json.dumps(label, ensure_ascii=False)}\n"
            f"  source: {SOURCE}\n{extra}")


# -- published and shown harmlessly ---------------------------------------------------------------
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(2)>'


def test_html_and_script_in_literals_are_published_as_text_and_escaped(built):
    data, build = built
    append(data, "people.yaml", person("html", "Eve " + SCRIPT, f"  familyName: {json.dumps(SCRIPT)}\n"))
    result = cli(data, build)
    assert result.returncode == 0, result.stdout + result.stderr
    app = create_app(load_settings(build_dir=build))
    client = app.test_client()
    turtle = client.get("/doc/person/html.ttl").get_data(as_text=True)
    assert '<script>alert(\\"x\\")</script>' in turtle or '<script>alert("x")</script>' in turtle  # data stays data
    for url in ("/doc/person/html", "/doc/person/html?lang=en", "/list/person", "/search?q=Eve",
                "/reconcile/preview?id=person/html"):
        response = client.get(url, headers={"Accept": "text/html"})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (url, response.status_code)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html or "&lt;img" in html, f"{url} does not show the text at all"
    search = client.get("/search.json?q=Eve").get_json()
    assert any("<script>" in hit["label"] for hit in search["results"])  # JSON carries the text verbatim


# -- refused with a clear message ------------------------------------------------------------------
@pytest.mark.parametrize("iri", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html;base64,PGI+eDwvYj4=",
                                 "vbscript:msgbox", "file:///etc/passwd"])
def test_iris_with_executable_or_local_schemes_are_refused(built, iri):
    data, build = built
    append(data, "people.yaml", person("schemes", "Schemes", f"  url: {json.dumps(iri)}\n"))
    report = refused(data, build, expect=("IRI-Schema", "IRI scheme"))
    problem = report["problems"][0]
    assert problem["file"].endswith("people.yaml") and problem["line"]
    assert problem["record"].endswith("/id/person/schemes")


def test_enormous_literal_is_refused(built):
    data, build = built
    append(data, "people.yaml", person("enormous", "E" * 2_000_000))
    report = refused(data, build, expect=("1.000 Zeichen", "1,000 characters"))
    assert all(len(p.get("value") or "") <= 2_100_000 for p in report["problems"])


def test_enormous_description_is_refused_but_a_long_one_is_published(built):
    data, build = built
    long_text = "Lorem ipsum dolor sit amet. " * 2000  # 56,000 characters: allowed
    append(data, "people.yaml", person("long", "Long") + "  description:\n    de: " + json.dumps(long_text) + "\n")
    result = cli(data, build)
    assert result.returncode == 0, result.stdout + result.stderr
    app = create_app(load_settings(build_dir=build))
    started = time.monotonic()
    response = app.test_client().get("/doc/person/long")
    assert response.status_code == 200 and time.monotonic() - started < 10
    text = data / "people.yaml"
    text.write_text(text.read_text(encoding="utf-8").replace(json.dumps(long_text), json.dumps("x" * 150_000)),
                    encoding="utf-8")
    refused(data, build, expect=("100.000 Zeichen", "100,000 characters"))


def test_deeply_nested_yaml_is_refused_quickly(built):
    data, build = built
    append(data, "people.yaml", person("deep", "Deep", "  familyName: " + "[" * 20000 + "x" + "]" * 20000 + "\n"))
    report = refused(data, build, expect="Die Datei kann nicht als YAML gelesen werden")
    assert report["stage"] == "reading"
    problem = only_problem(report, file="data/people.yaml", rule="yaml-syntax", severity="Violation")
    assert problem["line"] == line_of(data / "people.yaml", "familyName: [[[")
    assert problem["message"] == ("Die Datei kann nicht als YAML gelesen werden: Die Werte sind hier zu tief "
                                  "verschachtelt.")


def test_the_deepest_point_is_located_in_flow_and_block_nesting():
    flow = "- id: a\n  note: \"[[[\"\n  list: [a, [b, {c: [d]}]]\n"
    assert (deepest_point("f.yaml", flow).line, deepest_point("f.yaml", flow).column) == (3, 21)
    block = "- id: a\n  note:\n    a:\n      b:\n        c: d\n      e: f\n"
    assert (deepest_point("f.yaml", block).line, deepest_point("f.yaml", block).column) == (5, 9)


def test_yaml_alias_bomb_is_refused_quickly(built):
    """"Billion laughs": nine levels of aliases, each nine times the one below (387 million leaves)."""
    data, build = built
    lines = ["  description:", "    de: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    body = "\n".join(lines) + "\n"
    for level in range(1, 9):
        body += f"  x{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]\n"
    body += "  comment:\n    de: *a8\n"
    append(data, "people.yaml", person("bomb", "Bomb", body))
    report = refused(data, build, timeout=30, expect="Aliase (*name) sind in den Quelldaten nicht erlaubt")
    assert report["stage"] == "reading"
    only_problem(report, file="data/people.yaml", line=line_of(data / "people.yaml", "*a0"), rule="yaml-syntax")


def test_duplicate_identifiers_across_files_are_refused(built):
    data, build = built
    append(data, "people.yaml", person("stefan-huber", "Doppelt"))
    append(data, "organisations.yaml",
           f"- id: project/thilik\n  type: Organisation\n  label:\n    de: Doppelt\n  source: {SOURCE}\n")
    report = refused(data, build, expect=("zweimal", "twice"))
    assert {p["record"].rsplit("/id/", 1)[-1] for p in report["problems"]} >= {"person/stefan-huber", "project/thilik"}


def test_unit_of_cycle_is_refused(built):
    data, build = built
    append(data, "organisations.yaml", f"""
- id: organisation/zyklus-a
  type: Organisation
  label:
    de: Zyklus A
  unitOf: organisation/zyklus-b
  source: {SOURCE}

- id: organisation/zyklus-b
  type: Organisation
  label:
    de: Zyklus B
  unitOf: organisation/zyklus-c
  source: {SOURCE}

- id: organisation/zyklus-c
  type: Organisation
  label:
    de: Zyklus C
  unitOf: organisation/zyklus-a
  source: {SOURCE}
""")
    report = refused(data, build, expect=("Zyklus in org:unitOf", "Cycle in org:unitOf"))
    assert {p["record"].rsplit("/", 1)[-1] for p in report["problems"] if "unitOf" in p["message"]} == \
        {"zyklus-a", "zyklus-b", "zyklus-c"}


def test_unit_inside_itself_is_refused(built):
    data, build = built
    append(data, "organisations.yaml", f"""
- id: organisation/selbst
  type: OrganisationalUnit
  label:
    de: Selbst
  unitOf: organisation/selbst
  source: {SOURCE}
""")
    refused(data, build, expect="org:unitOf")


def test_contained_in_place_cycle_is_refused(built):
    data, build = built
    path = data / "gebietskoerperschaften.yaml"
    text = path.read_text(encoding="utf-8")
    # the Land Thüringen (16) is put inside Erfurt (16051), which lies in the Land
    marker = "- id: gebietskoerperschaft/16\n"
    assert marker in text
    head, rest = text.split(marker, 1)
    first_line_end = rest.index("\n")
    text = head + marker + rest[:first_line_end + 1] + "  containedIn: gebietskoerperschaft/16051\n" + \
        rest[first_line_end + 1:]
    path.write_text(text, encoding="utf-8")
    refused(data, build, expect="containedInPlace")


@pytest.mark.parametrize("iri,lang,expect", [
    ("data:text/html,<b>x</b>", "de", "'url' muss eine id oder IRI ohne Leerzeichen und ohne die Zeichen < >"),
    ('https://example.org/"x', "en", "'url' must be an id or IRI without spaces or any of < > \""),
])
def test_iri_with_characters_not_allowed_in_iris_is_refused(built, iri, lang, expect):
    data, build = built
    append(data, "people.yaml", person("bad-iri", "Bad IRI", f"  url: {json.dumps(iri)}\n"))
    report = refused(data, build, expect=expect, lang=lang)
    only_problem(report, file="data/people.yaml", line=line_of(data / "people.yaml", "url:"), record="person/bad-iri",
                 property="url", value=iri, rule="value-iri")


@pytest.mark.parametrize("engine_name", ["turbo", "pyshacl"])
@pytest.mark.parametrize("language", ["de", "en"])
def test_report_has_the_message_of_sparql_rules_in_the_asked_language(engine_name, language):
    """Engines drop the language tags of sh:sparql messages; the report takes them from the shapes."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    from server.kg.mapping import SourceIndex
    from server.kg.namespaces import SH
    from server.kg.validate import shacl_problems

    graph = Graph()
    thing = URIRef("https://lod.ikpe-erfurt.de/id/person/x")
    graph.add((thing, RDF.type, URIRef("https://lod.ikpe-erfurt.de/def/ikpe#Person")))
    graph.add((thing, URIRef("https://schema.org/url"), URIRef("javascript:alert(1)")))
    shapes = Graph().parse(PROJECT_ROOT / "shapes" / "hostile-input.ttl")
    expected = {str(m) for m in shapes.objects(None, SH.message) if m.language == language}
    problems = shacl_problems(graph, shapes, None, SourceIndex(), language, engine_name)
    assert problems, "the javascript: IRI must be refused"
    assert {p.message for p in problems} <= expected, [p.message for p in problems]


def test_messages_for_the_new_rules_exist_in_english_too(built):
    data, build = built
    append(data, "people.yaml", person("schemes", "Schemes", '  url: "javascript:alert(1)"\n'))
    result = cli(data, build, "--json", "--lang", "en")
    assert result.returncode == 1
    assert "IRI" in json.loads(result.stdout)["problems"][0]["message"]


# -- crash safety: full disk, read-only build folder -----------------------------------------------
def _mount_tmpfs(target: Path, size: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                          capture_output=True).returncode == 0


@pytest.fixture()
def small_disk(tmp_path):
    """A build folder on its own small file system (tmpfs; needs root, as in the CI container)."""
    target = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    if not _mount_tmpfs(target, "4600k"):  # one release (~3.2 MB with its history) fits, two do not
        pytest.skip("cannot mount a small file system here (not root); the read-only test below covers users")
    yield target
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


def test_full_disk_gives_a_clear_error_and_keeps_the_release(data_copy, small_disk):
    data, build = data_copy / "data", small_disk / "build"
    first = cli(data, build)
    assert first.returncode == 0, first.stdout + first.stderr  # one release fits, a second does not
    before = state(build)
    append(data, "people.yaml", person("full-disk", "Full disk"))
    result = cli(data, build)
    output = " ".join((result.stdout + result.stderr).split())  # the console wraps long paths
    assert result.returncode == 3, output
    assert "could not be written" in output and "previous build stays in service" in output
    assert "Traceback" not in output
    assert state(build) == before
    app = create_app(load_settings(build_dir=build))
    assert app.test_client().get("/doc/project/thilik.ttl").status_code == 200
    subprocess.run(["umount", "-l", str(small_disk)], capture_output=True)


def test_read_only_build_folder_gives_a_clear_error_and_keeps_the_release(data_copy, tmp_path):
    data, build = data_copy / "data", tmp_path / "ro" / "build"
    if os.geteuid() == 0:
        if not _mount_tmpfs(tmp_path / "ro", "20m"):
            pytest.skip("cannot mount a file system to make read-only")
    first = cli(data, build)
    assert first.returncode == 0, first.stdout + first.stderr
    before = state(build)
    if os.geteuid() == 0:
        assert subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "ro")]).returncode == 0
    else:
        for folder in (build, build / "releases"):
            folder.chmod(0o555)
    try:
        append(data, "people.yaml", person("read-only", "Read only"))
        result = cli(data, build)
        output = " ".join((result.stdout + result.stderr).split())  # the console wraps long paths
        assert result.returncode != 0, output
        assert "Traceback" not in output, output
        assert "build" in output.lower() and ("read-only" in output.lower() or "could not be written" in output
                                              or "permission" in output.lower()), output
        assert state(build) == before
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(tmp_path / "ro")], capture_output=True)
        else:
            for folder in (build, build / "releases"):
                folder.chmod(0o755)
