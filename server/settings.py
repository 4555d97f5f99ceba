"""The one settings table: every setting, its type, default and meaning.

Values come from environment variables named ``IKPE_<NAME>`` (e.g. ``IKPE_PUBLIC_BASE``), or from
the ``overrides`` passed to :func:`load_settings` (tests, the CLI). ``docs/settings.md`` documents the
same table; a test fails when the two disagree.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(value: str | Path) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


def _bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Choice:
    """A setting with a fixed set of values (compared without case; stored as listed here)."""

    def __init__(self, *choices: str):
        self.choices = choices

    def __call__(self, value: str) -> str:
        text = str(value).strip()
        for choice in self.choices:
            if text.lower() == choice.lower():
                return choice
        raise ValueError(value)

    def __str__(self) -> str:
        return ", ".join(f"`{choice}`" for choice in self.choices)


MEMORY_COPY = Choice("sparql", "all", "none")


def _old_memory_mode(value: str) -> str:
    """``IKPE_STORE_IN_MEMORY``, the old name of ``IKPE_STORE_MEMORY_COPY``: also ``true``/``false``."""
    text = value.strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return "all"
    if text in {"0", "false", "no", "off"}:
        return "none"
    return MEMORY_COPY(text)


def _list(value: str | list | tuple) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return tuple(item.strip() for item in value.split(",") if item.strip())


def setting(default, doc: str, parse=None, alias: tuple[str, object] | None = None):
    """A field of :class:`Settings`; ``alias``: (an older variable name that still works, its parser)."""
    return field(default=default, metadata={"doc": doc, "parse": parse, "alias": alias})


@dataclass(frozen=True)
class Settings:
    public_base: str = setting(
        "https://lod.ikpe-erfurt.de",
        "Public base URI of the published data (no trailing slash). Things are `<base>/id/…`.",
    )
    data_dir: Path = setting(PROJECT_ROOT / "data", "Folder with the source data (YAML, context).", _path)
    ontology_dir: Path = setting(PROJECT_ROOT / "ontology", "Folder with the ontology (Turtle).", _path)
    shapes_dir: Path = setting(PROJECT_ROOT / "shapes", "Folder with the SHACL shapes (Turtle).", _path)
    build_dir: Path = setting(
        PROJECT_ROOT / "build",
        "Build output: `releases/<id>/` plus the `current` link the server reads.",
        _path,
    )
    keep_releases: int = setting(
        1, "How many old release folders (store, dumps, catalog …) the build keeps on disk beside the current one, "
           "for requests still in flight; older releases stay readable from the release history "
           "(`IKPE_HISTORY_KEEP_RELEASES`).", int)
    store: str = setting("embedded", "Store backend: `embedded` (pyoxigraph) or `remote` (SPARQL 1.1).",
                         Choice("embedded", "remote"))
    store_memory_copy: str = setting(
        "sparql",
        "Embedded store: which processes read an in-memory copy of the release (faster scans) instead of the "
        "on-disk store: `sparql` (the SPARQL query processes; pages are lookups and read the disk), `all`, or "
        "`none`. A copy loads in the background after a start or a new release; the on-disk store answers "
        "meanwhile. Old name, still read: `IKPE_STORE_IN_MEMORY` (where `true`/`false` mean `all`/`none`).",
        MEMORY_COPY, alias=("IKPE_STORE_IN_MEMORY", _old_memory_mode),
    )
    remote_query_url: str = setting("", "Remote store: SPARQL query endpoint URL.")
    remote_update_url: str = setting("", "Remote store: SPARQL update endpoint URL (publishing only).")
    remote_user: str = setting("", "Remote store: user for writing (publishing only).")
    remote_password: str = setting("", "Remote store: password for writing (never logged).")
    remote_graph_store_url: str = setting(
        "", "Remote store: Graph Store HTTP Protocol endpoint for publishing (optional; else the update endpoint)."
    )
    remote_history: bool = setting(
        True, "Remote store: `ikpe-lod publish` brings the release history (mementos, release-bound queries) "
              "to the store too. Off for Virtuoso 7.2: with the history graphs in the same store it answers "
              "some queries on the current release wrongly (docs/versions.md).", _bool)
    remote_auth: str = setting("basic", "Remote store: HTTP authentication for writing, `basic` or `digest`.",
                               Choice("basic", "digest"))
    remote_connect_timeout: float = setting(3.0, "Remote store: seconds to wait for a connection.", float)
    remote_read_timeout: float = setting(
        20.0, "Remote store: seconds to wait for an answer to the app's own queries (pages answer 503 past it).", float
    )
    retry_after: int = setting(30, "Retry-After seconds sent with 503 answers when the store is down or slow.", int)
    sparql_timeout: float = setting(30.0, "SPARQL query time limit in seconds.", float)
    sparql_max_rows: int = setting(10000, "Maximum rows of a SPARQL result; a cut result says so.", int)
    sparql_cache_mb: int = setting(
        16, "Megabytes per server process for SPARQL answers (kept per release and query; 0 = off).", int)
    sparql_max_query_length: int = setting(20000, "Maximum SPARQL query length in characters (414/413 past it).", int)
    sparql_federation_allow: tuple = setting(
        (), "Comma-separated SERVICE endpoints that queries may call (default: none).", _list
    )
    sparql_workers: int = setting(
        2, "SPARQL worker processes (queries run in parallel; one past its time limit is ended).", int
    )
    cors_origins: str = setting(
        "*", "CORS on every answer: `*` (any origin), or the origins allowed, separated by commas or spaces.")
    page_size: int = setting(50, "Items per page on index pages and in paged collections.", int)
    cache_max_age: int = setting(300, "Cache-Control max-age (seconds) for pages and documents.", int)
    page_cache_mb: int = setting(
        32, "Megabytes per server process for answers that depend only on the release (`/doc/…` documents, "
            "home, lists, catalog …; kept per release; 0 = off). Behind it: `IKPE_RESPONSE_CACHE_DIR`.", int)
    default_language: str = setting("de", "Interface language when the request does not ask for one: `de` or `en`.",
                                    Choice("de", "en"))
    shacl_engine: str = setting(
        "turbo",
        "Build: SHACL engine, `turbo` (pyshacl-turbo, a Rust engine with pySHACL's API; same results on the "
        "shape tests) or `pyshacl` (the reference engine; very slow on large graphs).",
        Choice("turbo", "pyshacl"),
    )
    publisher_homepage: str = setting(
        "https://www.ikpe-erfurt.de/",
        "Catalog: homepage of the publishing institute (`foaf:homepage`, contact point `vcard:hasURL`).",
    )
    contact_email: str = setting("", "Catalog: contact e-mail address (`vcard:hasEmail`); empty = web address only.")
    limit_concurrent_requests: int = setting(
        64, "Limits: requests one server process handles at once; more get 429 + Retry-After (0 = no limit).", int)
    limit_concurrent_queries: int = setting(
        4, "Limits: SPARQL queries one server process runs or queues at once; more get 429 (0 = no limit).", int)
    limit_client_requests: int = setting(
        16, "Limits: requests one client (IP address) may have in progress at once; more get 429 (0 = no limit).",
        int)
    limit_client_queries: int = setting(
        2, "Limits: SPARQL queries one client may have in progress at once; more get 429 (0 = no limit).", int)
    limit_client_rate: float = setting(
        0.0, "Limits: sustained requests per second per client (token bucket; 0 = no rate limit).", float)
    limit_client_burst: int = setting(
        100, "Limits: requests a client may send in a burst above `limit_client_rate`.", int)
    limit_retry_after: int = setting(5, "Limits: Retry-After seconds sent with 429 answers.", int)
    limit_trust_forwarded: bool = setting(
        False, "Limits and logs: take the client address from X-Forwarded-For (only behind a reverse proxy "
               "that sets it).", _bool)
    log_format: str = setting("json", "Logs: `json` (one JSON object per line) or `text`.", Choice("json", "text"))
    log_level: str = setting("INFO", "Logs: level of the app's logger, `DEBUG` (adds SPARQL query texts), `INFO`, "
                             "`WARNING` or `ERROR`.", Choice("DEBUG", "INFO", "WARNING", "ERROR"))
    gunicorn_bind: str = setting("127.0.0.1:8000", "gunicorn: address to listen on (`host:port`, or `unix:PATH`).")
    gunicorn_workers: int = setting(
        2, "gunicorn: worker processes (each opens the store and starts its own SPARQL query processes).", int)
    gunicorn_threads: int = setting(16, "gunicorn: threads per worker (they carry the concurrency).", int)
    gunicorn_timeout: int = setting(
        60, "gunicorn: seconds a silent worker lives before it is replaced (longer than any request).", int)
    gunicorn_graceful_timeout: int = setting(
        40, "gunicorn: seconds a worker may finish its requests at a shutdown or reload (longer than "
            "`IKPE_SPARQL_TIMEOUT`).", int)
    gunicorn_max_requests: int = setting(
        1000000, "gunicorn: requests after which a worker is recycled (with 10% jitter; 0 = never).", int)
    gunicorn_access_log: str = setting(
        "", "gunicorn: its own access log (`-` = stderr; empty = off, the app writes one, see docs/operations.md).")
    gunicorn_loglevel: str = setting("info", "gunicorn: level of its own error log.",
                                     Choice("debug", "info", "warning", "error", "critical"))
    gunicorn_forwarded_allow_ips: str = setting(
        "127.0.0.1", "gunicorn: addresses of the reverse proxies whose X-Forwarded-* headers are trusted.")
    # catalog (issue 17): a page's size and time bounded independently of the graph's size
    catalog_page_size: int = setting(
        10, "Datasets per page of the DCAT catalog (`/catalog?page=N`, Hydra paging); a project dataset is "
            "15–30 KB of RDF, so a page stays a few hundred KB at any number of projects.", int)
    # the response cache shared by the server processes of one machine (server/web/shared_cache.py)
    response_cache_dir: str = setting(
        "", "Folder of the response cache shared by the server processes of this machine and kept across "
            "restarts (one subfolder per release; answers that depend only on the release): empty = "
            "`<build_dir>/responses`, `off` = none (each process keeps only its `IKPE_PAGE_CACHE_MB`).")
    response_cache_disk_mb: int = setting(
        2048, "Megabytes at most per release in `IKPE_RESPONSE_CACHE_DIR` (0 = off).", int)
    # release history (issue 15, docs/versions.md)
    history_keep_releases: int = setting(
        100, "Release history: how many releases (the current one included) stay addressable as mementos; "
             "older ones answer 410 (0 = no bound by count).", int)
    history_keep_days: int = setting(
        0, "Release history: releases older than this many days answer 410, except the current one "
           "(0 = no bound by age).", int)
    # builds beside a serving server (server/cli.py)
    build_nice: int = setting(
        10, "`ikpe-lod build` and `publish`: niceness added to the command's (and its child processes') CPU "
            "priority, so that a build on the serving machine leaves the CPU to the server's requests first "
            "(`nice`, at most 19; 0 = off).", int)
    # change feed (issue 15, docs/versions.md "Change feed (LDES)")
    ldes_page_size: int = setting(
        250, "Change feed (LDES): members per page. Changing it moves the page boundaries of pages that "
             "were announced as immutable; set it once.", int)
    # publishing to a remote store: old release graphs (server/store/publish.py, docs/versions.md)
    remote_keep_releases: int = setting(
        1, "`ikpe-lod publish`: how many old release graphs stay in the remote store beside the new one, for "
           "requests still in flight (the default of `publish --keep`). 0: the previous graph is dropped "
           "`IKPE_REMOTE_DRAIN_SECONDS` after the switch, then the release's `xsd:date` statements are written "
           "again. Use 0 on Virtuoso 7.2: its date range queries answer wrongly once the store held two "
           "releases (docs/versions.md).", int)
    remote_drain_seconds: float = setting(
        -1.0, "`ikpe-lod publish` with `IKPE_REMOTE_KEEP_RELEASES=0`: seconds from the switch to the new release "
              "until the previous graph is dropped, so that requests that read the old pointer finish first; "
              "negative = the query time limit (the longer of `IKPE_SPARQL_TIMEOUT` and "
              "`IKPE_REMOTE_READ_TIMEOUT`).", float)

    def __post_init__(self):
        object.__setattr__(self, "public_base", self.public_base.rstrip("/"))

    @property
    def id_base(self) -> str:
        return self.public_base + "/id/"

    @property
    def current_release(self) -> Path:
        return self.build_dir / "current"


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


def _parsed(f, variable: str, value, parse=None):
    parse = parse or f.metadata["parse"]
    if parse is None or not (isinstance(value, str) or isinstance(parse, Choice)):
        return value
    try:
        return parse(value)
    except ValueError:
        choice = next((p for p in (parse, f.metadata["parse"]) if isinstance(p, Choice)), None)
        allowed = f"allowed: {choice}" if choice is not None else f.metadata["doc"]
        raise SettingsError(f"{variable}={value!r} is not a valid value; {allowed}") from None


def _from_environment(f):
    """The value the environment gives a setting (its own variable first, then its old name), or None."""
    variable = f"IKPE_{f.name.upper()}"
    if variable in os.environ:
        return _parsed(f, variable, os.environ[variable])
    alias = f.metadata["alias"]
    if alias is not None and alias[0] in os.environ:
        return _parsed(f, alias[0], os.environ[alias[0]], alias[1])
    return None


def load_settings(**overrides) -> Settings:
    """The settings from the environment, with ``overrides`` (setting names) on top; an unknown
    name or a value a setting cannot take raises :class:`SettingsError`."""
    by_name = {f.name: f for f in fields(Settings)}
    unknown = sorted(set(overrides) - set(by_name))
    if unknown:
        raise SettingsError(f"Unknown setting(s): {', '.join(unknown)} (see docs/settings.md).")
    values = {}
    for f in by_name.values():
        value = _from_environment(f)
        if value is not None:
            values[f.name] = value
    for name, value in overrides.items():
        if value is not None:
            values[name] = _parsed(by_name[name], f"IKPE_{name.upper()}", value)
    return replace(Settings(), **values)


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, meaning) for every setting."""
    rows = []
    for f in fields(Settings):
        default = f.default
        if isinstance(default, Path):
            default = default.relative_to(PROJECT_ROOT) if default.is_relative_to(PROJECT_ROOT) else default
        if isinstance(default, tuple):
            default = ",".join(default)
        rows.append((f"IKPE_{f.name.upper()}", str(default), f.metadata["doc"]))
    return rows


TABLE_START = "<!-- settings-table:start -->"
TABLE_END = "<!-- settings-table:end -->"


def settings_markdown() -> str:
    """The settings table as Markdown (written into docs/settings.md between the markers)."""
    lines = ["| environment variable | default | meaning |", "|---|---|---|"]
    for name, default, doc in settings_table():
        shown = f"`{default}`" if default else "(empty)"
        lines.append(f"| `{name}` | {shown} | {doc} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m server.settings > refreshes the table in docs/settings.md
    import re
    import sys

    doc = PROJECT_ROOT / "docs" / "settings.md"
    text = doc.read_text(encoding="utf-8")
    block = f"{TABLE_START}\n{settings_markdown()}\n{TABLE_END}"
    doc.write_text(re.sub(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), lambda _: block, text,
                          flags=re.S), encoding="utf-8")
    sys.stdout.write(block + "\n")
