"""Reading the YAML source files with line numbers (ruamel.yaml).

Every scalar is read as a string: the mapping context, not YAML's guessing, decides what a value
means, so keys like "01001" keep their leading zeros and "2016" stays a year, not a number.
"""
from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import Tag, VersionedResolver

from .problems import Location, ProblemList

NULLS = {"", "~", "null", "Null", "NULL"}


class StringResolver(VersionedResolver):
    """Resolve every plain scalar to a string (or null when empty)."""

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode and implicit[0]:
            return Tag(suffix="tag:yaml.org,2002:null" if value in NULLS else "tag:yaml.org,2002:str")
        return super().resolve(kind, value, implicit)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Resolver = StringResolver
    yaml.allow_duplicate_keys = False
    return yaml


def source_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.glob("*.yaml") if not p.name.startswith("."))


def read_source(path: Path, display_name: str, problems: ProblemList):
    """The records of one file (a YAML list of mappings), or None after reporting why not."""
    try:
        with path.open(encoding="utf-8") as stream:
            content = _yaml().load(stream)
    except UnicodeDecodeError as error:
        problems.add(Location(display_name), f"The file is not UTF-8 text ({error.reason}).", rule="encoding")
        return None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location(display_name, mark.line + 1, mark.column + 1) if mark else Location(display_name)
        what = " ".join(part for part in (error.context, error.problem) if part)
        problems.add(where, f"YAML syntax error: {what}.", rule="yaml-syntax")
        return None
    except Exception as error:  # ruamel raises a few unmarked errors (e.g. duplicate keys variants)
        problems.add(Location(display_name), f"The file cannot be read as YAML: {error}", rule="yaml-syntax")
        return None
    if content is None:
        return []
    if not isinstance(content, list):
        problems.add(
            Location(display_name, 1),
            "The file must be a list of records (each starting with '- id: …').",
            rule="file-structure",
        )
        return None
    return content
