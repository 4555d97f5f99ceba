"""Breaking any source file gives a located, plain-language error and a non-zero exit — never a
traceback, never a half-written build, and the release in service stays current and intact.

Each case in ``tests/fixtures/broken-data/*.yaml`` is applied to a fresh copy of ``data/`` and the
real command line is run on it (see the README there for the format), in German (the default) and
with ``--lang en``: every message, of the loader stage as of the SHACL shapes, comes in both.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from server.settings import PROJECT_ROOT
from server.store.base import ReleaseInfo
from server.store.history import ReleaseHistory

FIXTURES = Path(__file__).parent / "fixtures" / "broken-data"
CASES = sorted(FIXTURES.glob("*.yaml"))


def yaml_load(path: Path) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def cli(*args: str, data: Path, build_dir: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="220", PYTHONIOENCODING="utf-8")
    env.pop("IKPE_DATA_DIR", None)
    env.pop("IKPE_BUILD_DIR", None)
    command = [sys.executable, "-m", "server.cli", "--data", str(data), "--build-dir", str(build_dir), *args]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def release_state(build_dir: Path) -> dict:
    link = build_dir / "current"
    target = os.readlink(link)
    folder = (build_dir / target).resolve()
    return {"target": target, "manifest": (folder / "manifest.json").read_bytes(), "files": tree_digest(folder),
            "releases": sorted(p.name for p in (build_dir / "releases").iterdir())}


def assert_complete(release: Path) -> None:
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert (release / "store").is_dir()
    sums = (release / "dumps" / "SHA256SUMS").read_text(encoding="utf-8")
    for name, info in manifest["dumps"].items():
        assert hashlib.sha256((release / "dumps" / name).read_bytes()).hexdigest() == info["sha256"]
        assert f"{info['sha256']}  {name}" in sums
    # the release history: written whole with the release (server/kg/history.py)
    history = ReleaseHistory.of(release)
    assert history is not None and history.current.id == manifest["release"]
    if manifest["changes"]["previous"]:
        assert {p.name for p in (release / "changes").iterdir()} == {"added.nt.gz", "removed.nt.gz"}
        assert history.releases[-2].id == manifest["changes"]["previous"]
    snapshot = history.snapshot(history.current, ReleaseInfo.from_folder(release))
    assert sum(1 for _ in snapshot.statements()) == history.current.triples


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """A good data copy and a build directory with one release built from it."""
    root = tmp_path_factory.mktemp("baseline")
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    build_dir = root / "build"
    result = cli("build", data=root / "data", build_dir=build_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "data", build_dir, release_state(build_dir)


def apply_case(case: dict, source: Path, target: Path) -> tuple[str, int | None]:
    """Copy ``source`` to ``target`` with the case's change; the broken text and the expected line."""
    shutil.copytree(source, target)
    path = target / case["file"]
    text = path.read_text(encoding="utf-8")
    assert text.count(case["replace"]) == 1, f"fixture text not found once in {case['file']}"
    broken = text.replace(case["replace"], case["with"])
    path.write_bytes(broken.encode(case.get("encoding", "utf-8")))
    line = None
    marker = case["expect"].get("line_of")
    if marker:
        assert broken.count(marker) == 1, f"line_of {marker!r} must occur once in the broken file"
        line = broken[:broken.index(marker)].count("\n") + 1
    return broken, line


def property_matches(reported: str | None, expected: str) -> bool:
    return reported is not None and (reported == expected or reported.endswith(("#" + expected, "/" + expected)))


def in_language(message: str, expect: dict, language: str) -> bool:
    """The message has the case's words in ``language`` (and those of both languages), not the other's."""
    own, other = (expect["message_de"], expect["message_en"]) if language == "de" else \
        (expect["message_en"], expect["message_de"])
    return own in message and other not in message and expect.get("message", "") in message


def without_messages(problems: list[dict]) -> list[dict]:
    return [{key: value for key, value in problem.items() if key != "message"} for problem in problems]


def json_report(*args: str, data: Path, build_dir: Path) -> dict:
    result = cli("build", "--json", *args, data=data, build_dir=build_dir)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    report = json.loads(result.stdout)
    assert report["count"] == len(report["problems"]) >= 1
    return report


@pytest.mark.parametrize("case_path", CASES, ids=lambda p: p.stem)
def test_broken_source_gives_located_error_and_keeps_release(case_path, baseline, tmp_path):
    case = yaml_load(case_path)
    expect = case["expect"]
    good_data, build_dir, before = baseline
    _, line = apply_case(case, good_data, tmp_path / "data")

    # machine-readable report, in German (the default) and in English
    reports = {"de": json_report(data=tmp_path / "data", build_dir=build_dir),
               "en": json_report("--lang", "en", data=tmp_path / "data", build_dir=build_dir)}
    for language, report in reports.items():
        matching = [
            p for p in report["problems"]
            if p["file"] == expect["file"]
            and (line is None or p["line"] == line)
            and ("property" not in expect or property_matches(p["property"], expect["property"]))
            and ("rule" not in expect or p["rule"] == expect["rule"])
            and in_language(p["message"], expect, language)
        ]
        assert matching, f"--lang {language}: " + json.dumps(report, indent=1, ensure_ascii=False)
    # the language changes the messages only, and every one of them
    german, english = reports["de"]["problems"], reports["en"]["problems"]
    assert without_messages(german) == without_messages(english)
    assert all(d["message"] != e["message"] for d, e in zip(german, english)), (german, english)

    # the report for people: file and line, the property, the summary; in plain words
    human = cli("build", data=tmp_path / "data", build_dir=build_dir)
    text = human.stdout + human.stderr
    assert human.returncode == 1, text
    assert "Traceback" not in text
    assert expect["file"] + (f":{line}" if line else "") in text, text
    if "property" in expect:
        assert expect["property"] in text, text
    assert "Nichts wurde veröffentlicht" in text and "bisherige Stand bleibt in Betrieb" in text
    assert "Nothing was published" not in text

    # the release in service is untouched, and nothing half-written was left behind
    assert release_state(build_dir) == before


def test_every_fixture_says_what_it_breaks():
    assert len(CASES) >= 15
    for path in CASES:
        case = yaml_load(path)
        assert case["what"] and case["file"] and case["expect"]["file"] == "data/" + case["file"], path.name
        german, english = case["expect"]["message_de"], case["expect"]["message_en"]
        assert german and english and german not in english and english not in german, path.name


def test_validate_reports_the_same_problems_as_build(baseline, tmp_path):
    good_data, build_dir, before = baseline
    case = yaml_load(FIXTURES / "unknown-key.yaml")
    _, line = apply_case(case, good_data, tmp_path / "data")
    validated = cli("validate", "--json", data=tmp_path / "data", build_dir=tmp_path / "unused")
    built = cli("build", "--json", data=tmp_path / "data", build_dir=build_dir)
    assert validated.returncode == built.returncode == 1
    assert json.loads(validated.stdout) == json.loads(built.stdout)
    assert not (tmp_path / "unused" / "current").exists()
    assert release_state(build_dir) == before


def test_json_report_structure(baseline, tmp_path):
    good_data, build_dir, _ = baseline
    shutil.copytree(good_data, tmp_path / "data")
    people = tmp_path / "data" / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace("familyName: Huber", "familiyName: Huber")
                      .replace("givenName: Viviane", "givenName:"), encoding="utf-8")
    result = cli("validate", "--json", "--lang", "en", data=tmp_path / "data", build_dir=build_dir)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert set(report) == {"stage", "count", "problems"}
    assert report["stage"] == "reading" and report["count"] == 2
    for problem in report["problems"]:
        assert set(problem) == {"file", "line", "record", "property", "value", "rule", "severity", "message"}
        assert problem["file"] == "data/people.yaml" and isinstance(problem["line"], int)
        assert problem["severity"] == "Violation" and problem["message"]
    assert {(p["record"], p["property"], p["rule"]) for p in report["problems"]} == {
        ("person/stefan-huber", "familiyName", "known-key"),
        ("person/viviane-vidot", "givenName", "value-literal"),
    }
    ok = cli("validate", "--json", data=good_data, build_dir=build_dir)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout) == {"stage": "validated", "count": 0, "problems": []}


def test_english_messages_for_shacl_problems(baseline, tmp_path):
    good_data, build_dir, _ = baseline
    case = yaml_load(FIXTURES / "missing-german-label.yaml")
    apply_case(case, good_data, tmp_path / "data")
    english = json.loads(cli("validate", "--json", "--lang", "en", data=tmp_path / "data",
                             build_dir=build_dir).stdout)
    german = json.loads(cli("validate", "--json", "--lang", "de", data=tmp_path / "data",
                            build_dir=build_dir).stdout)
    assert english["stage"] == german["stage"] == "validating"
    assert [p["message"] for p in english["problems"]] != [p["message"] for p in german["problems"]]


@pytest.mark.parametrize("language, words", [
    ("de", ("Problem(e) in der SHACL-Validierung", "Datensatz", "Nichts wurde veröffentlicht")),
    ("en", ("problem(s) in the SHACL validation", "record", "Nothing was published; the previous build stays in service")),
])
def test_the_report_for_people_is_in_the_language_of_its_messages(baseline, tmp_path, language, words):
    good_data, build_dir, _ = baseline
    apply_case(yaml_load(FIXTURES / "missing-german-label.yaml"), good_data, tmp_path / "data")
    result = cli("build", "--lang", language, data=tmp_path / "data", build_dir=build_dir)
    text = " ".join((result.stdout + result.stderr).split())  # the table may wrap lines
    assert result.returncode == 1
    for word in words:
        assert word in text, (word, text)


def test_numbers_are_read_as_text_and_keep_leading_zeros(tmp_path):
    """An unquoted key (ags: 16051000) is read as text, not as a number; a quoted "01001" stays."""
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    places = tmp_path / "data" / "gebietskoerperschaften.yaml"
    text = places.read_text(encoding="utf-8")
    assert text.count('  ags: "16051000"\n') == 1
    places.write_text(text.replace('  ags: "16051000"\n', "  ags: 16051000\n"), encoding="utf-8")
    concepts = tmp_path / "data" / "concepts.yaml"
    text = concepts.read_text(encoding="utf-8")
    concepts.write_text(text.replace("  notation: e.V.\n", '  notation: ["e.V.", "01001", 007]\n'),
                        encoding="utf-8")
    result = cli("build", data=tmp_path / "data", build_dir=tmp_path / "build")
    assert result.returncode == 0, result.stdout + result.stderr
    graph = Graph().parse(tmp_path / "build" / "current" / "dumps" / "ikpe.ttl", format="turtle")
    erfurt = next(graph.subjects(None, Literal("Erfurt", lang="de")))
    assert {str(o) for o in graph.objects(erfurt, None) if str(o).startswith("16051")} >= {"16051000"}
    assert Literal("16051000") in set(graph.objects(erfurt, None))
    notations = {o for o in graph.objects(None, None) if isinstance(o, Literal) and o.datatype is None
                 and o.language is None and str(o) in {"01001", "007", "1001", "7"}}
    assert notations == {Literal("01001"), Literal("007")}


def test_sigkill_during_build_keeps_old_release_and_next_build_succeeds(baseline, tmp_path):
    """Kill a running build at several moments (``--force``: each publishes, the history included); the
    old release keeps being served, and its history stays whole."""
    good_data, _, _ = baseline
    build_dir = tmp_path / "build"
    first = cli("build", data=good_data, build_dir=build_dir)
    assert first.returncode == 0, first.stdout + first.stderr
    env = dict(os.environ, COLUMNS="220")
    command = [sys.executable, "-m", "server.cli", "--data", str(good_data), "--build-dir", str(build_dir), "build",
               "--force"]
    # measure how long a build takes, then kill at moments spread over that time
    started = time.monotonic()
    assert subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True).returncode == 0
    duration = time.monotonic() - started
    before = release_state(build_dir)
    interrupted = 0
    for fraction in (0.15, 0.35, 0.55, 0.7, 0.8, 0.9, 0.97):
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        state = release_state(build_dir)
        if state["target"] == before["target"]:
            # the old release is still served, byte for byte
            assert state["manifest"] == before["manifest"] and state["files"] == before["files"]
            interrupted += process.returncode == -signal.SIGKILL
        else:
            # the build got as far as the switch (killed while pruning, or finished): the new
            # release in service must be complete
            assert_complete(build_dir / "current")
            before = state
    assert interrupted >= 3, "the builds were not killed before their switch"
    result = cli("build", "--force", data=good_data, build_dir=build_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    after = release_state(build_dir)
    assert after["target"] != before["target"]
    assert_complete(build_dir / "current")
    assert not list((build_dir / "releases").glob(".incoming-*")), "leftovers of killed builds are cleaned up"
