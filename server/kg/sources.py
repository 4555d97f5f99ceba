"""Reading the YAML source files with line numbers (ruamel.yaml).

Every scalar is read as a string: the mapping context, not YAML's guessing, decides what a value
means, so keys like "01001" keep their leading zeros and "2016" stays a year, not a number.

Two readers give the same records: a fast one on libyaml's event stream (PyYAML's C parser; about
100× faster than ruamel's round-trip loader on large files) for the plain YAML the source files use,
and ruamel.yaml's round-trip loader for everything else. The fast reader gives up on anything it does
not handle exactly like ruamel (tags, anchors, merge keys, duplicate keys, several documents, any
parse error), and the file is then read by ruamel, whose messages (with line and column) are reported.
"""
from __future__ import annotations

import gc
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import Tag, VersionedResolver

from .messages import detail, message, yaml_detail
from .problems import Location, ProblemList

NULLS = {"", "~", "null", "Null", "NULL"}


class StringResolver(VersionedResolver):
    """Resolve every plain scalar to a string (or null when empty)."""

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode and implicit[0]:
            return Tag(suffix="tag:yaml.org,2002:null" if value in NULLS else "tag:yaml.org,2002:str")
        return super().resolve(kind, value, implicit)


class AliasRefused(ComposerError):
    """A YAML alias in the source data (reported with its own message, see ``messages.py``)."""


class NoAliasComposer(Composer):
    """Refuse YAML aliases: staff data never needs them, and they allow "billion laughs" bombs."""

    def compose_node(self, parent, index):
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            raise AliasRefused(None, None, "aliases (*name) are not allowed in the source data; write "
                               "the value out instead", event.start_mark)
        return super().compose_node(parent, index)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Resolver = StringResolver
    yaml.Composer = NoAliasComposer
    yaml.allow_duplicate_keys = False
    return yaml


class _Unsupported(Exception):
    """The fast reader cannot read this file exactly like ruamel would."""


class LineCol:
    """ruamel's ``.lc`` interface: 0-based (line, column) of keys and sequence items."""

    __slots__ = ("line", "col", "data")

    def __init__(self, line: int, col: int):
        self.line, self.col, self.data = line, col, {}

    def key(self, key):
        return self.data[key]

    def item(self, index):
        return self.data[index]


class LineMap(dict):
    __slots__ = ("lc",)


class LineSeq(list):
    __slots__ = ("lc",)


def _libyaml():
    """PyYAML's C parser and its event classes (raises _Unsupported without libyaml)."""
    try:
        import yaml
        from yaml import events
    except ImportError:  # PyYAML without libyaml: ruamel reads everything
        raise _Unsupported() from None
    if not getattr(yaml, "__with_libyaml__", False):
        raise _Unsupported()
    return yaml.CSafeLoader, events


def _fast_load(text: str):
    """The content of a single-document YAML text, or _Unsupported."""
    loader, events = _libyaml()
    parser = loader(text)
    try:
        parser.get_event()  # StreamStart
        return _read_events(parser.get_event, events)
    except _Unsupported:
        raise
    except Exception:
        raise _Unsupported() from None
    finally:
        parser.dispose()


def _new_node(event, kind, ev):
    """The value a scalar or a collection start event opens (with its position)."""
    if event.anchor is not None or event.tag is not None:
        raise _Unsupported()
    if kind is ev.ScalarEvent:
        return None if event.implicit[0] and event.value in NULLS else event.value
    value = LineMap() if kind is ev.MappingStartEvent else LineSeq()
    value.lc = LineCol(event.start_mark.line, event.start_mark.column)
    return value


def _read_events(get, ev):
    """Build the document from libyaml's events, as ruamel would (see :class:`LineCol`)."""
    scalar, mstart, sstart = ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent
    mend, send, dstart, dend = ev.MappingEndEvent, ev.SequenceEndEvent, ev.DocumentStartEvent, ev.DocumentEndEvent
    root, documents = None, 0
    # stack entries: [container, pending key or nokey, (line, col) of the pending key]
    stack: list = []
    nokey = object()
    while True:
        event = get()
        kind = type(event)
        if kind is scalar or kind is mstart or kind is sstart:
            value = _new_node(event, kind, ev)
            if not stack:
                root = value
            else:
                top = stack[-1]
                container = top[0]
                mark = event.start_mark
                if type(container) is LineSeq:
                    container.lc.data[len(container)] = (mark.line, mark.column)
                    container.append(value)
                elif top[1] is nokey:  # a key
                    if kind is not scalar or value is None or value == "<<" or value in container:
                        raise _Unsupported()  # complex, null, merge or duplicate key
                    top[1], top[2] = value, (mark.line, mark.column)
                    continue
                else:
                    container.lc.data[top[1]] = top[2]
                    container[top[1]] = value
                    top[1] = nokey
            if kind is not scalar:
                stack.append([value, nokey, None])
        elif kind is mend or kind is send:
            stack.pop()
        elif kind is dstart:
            documents += 1
            if documents > 1:
                raise _Unsupported()
        elif kind is not dend:  # an alias, or the end of the stream
            if kind is ev.AliasEvent:
                raise _Unsupported()
            return root


def deepest_point(display_name: str, text: str) -> Location:
    """Where ``text`` is nested deepest: the first place with the most open flow brackets (``[``,
    ``{`` outside quotes), else the first of the most indented lines."""
    deepest, depth, quote = (0, 1, 1), 0, None
    line, column = 1, 0
    for char in text:
        column += 1
        if char == "\n":
            line, column, quote = line + 1, 0, None
        elif quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, (depth, line, column), key=lambda point: point[0])
        elif char in "]}":
            depth -= 1
    if deepest[0] > 1:
        return Location(display_name, deepest[1], deepest[2])
    rows = text.splitlines() or [""]
    indents = [len(row) - len(row.lstrip(" ")) for row in rows]
    number = indents.index(max(indents))
    return Location(display_name, number + 1, indents[number] + 1)


def source_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.glob("*.yaml") if not p.name.startswith("."))


_UNREAD = object()


def _fast(text: str):
    """The fast reader's content, or _UNREAD when ruamel must read the text."""
    if text.startswith("\ufeff"):
        return _UNREAD
    enabled = gc.isenabled()
    gc.disable()  # many small containers: the collector's passes would dominate
    try:
        return _fast_load(text)
    except _Unsupported:
        return _UNREAD
    finally:
        if enabled:
            gc.enable()


def read_source(path: Path, display_name: str, problems: ProblemList, language: str = "de"):
    """The records of one file (a YAML list of mappings), or None after reporting why not (in
    ``language``)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        problems.add(Location(display_name, line, column),
                     message("encoding", language, reason=detail(error.reason, language), position=error.start),
                     rule="encoding")
        return None
    content = _fast(text)
    try:
        if content is _UNREAD:
            content = _yaml().load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location(display_name, mark.line + 1, mark.column + 1) if mark else Location(display_name)
        if isinstance(error, AliasRefused):
            text = message("yaml-alias", language)
        else:
            text = message("yaml-syntax", language, detail=yaml_detail(error.context, error.problem, language))
        problems.add(where, text, rule="yaml-syntax")
        return None
    except RecursionError:  # the reader recurses once per level of nesting
        problems.add(deepest_point(display_name, text), message("yaml-nesting", language), rule="yaml-syntax")
        return None
    except Exception as error:  # ruamel raises a few unmarked errors (e.g. duplicate keys variants)
        problems.add(Location(display_name), message("yaml-unreadable", language, error=error), rule="yaml-syntax")
        return None
    if content is None:
        return []
    if not isinstance(content, list):
        problems.add(Location(display_name, 1), message("file-structure", language), rule="file-structure")
        return None
    return content
