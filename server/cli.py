"""Command line: ``ikpe-lod build | validate | diff | serve | publish``."""
from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sqlite3
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .kg.pipeline import assemble, build as run_build
from .kg.release import BuildLockedError
from .release_steps import RELEASE_STEPS, republish
from .report import print_problems, problems_json
from .settings import PROJECT_ROOT, load_settings

STEPS = {"reading": "Reading source files", "mapping": "Mapping to RDF", "validating": "SHACL validation",
         "store": "Loading the store", "dumps": "Writing dumps",
         "write_definitions": "Writing the ontology and shapes documents",
         "write_release_metadata": "Writing the catalog, VoID and project subsets",
         "write_search_index": "Writing the search index", "write_sitemap": "Writing the sitemap",
         "write_summary": "Counting for the home page and the overview",
         "write_lists": "Sorting the index pages' lists", "switch": "Switching to the new release"}
AUTOGROUP = Path("/proc/self/autogroup")  # the scheduling group of the session (Linux autogroup)
# relative folders on the command line are relative to the current directory, as a user expects
FOLDER = click.Path(file_okay=False, resolve_path=True)


def _progress(console: Console):
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=console, transient=False, disable=not console.is_terminal)
    state = {"task": None}

    def step(name: str) -> None:
        if state["task"] is not None:
            progress.update(state["task"], completed=1, total=1)
        state["task"] = progress.add_task(STEPS.get(name, name), total=None)
        if not console.is_terminal:
            console.print(f"• {STEPS.get(name, name)} …")

    return progress, step


@click.group()
@click.option("--data", "data_dir", type=FOLDER, help="Source data folder (default: the project's data/).")
@click.option("--build-dir", type=FOLDER, help="Build output folder (default: the project's build/).")
@click.pass_context
def main(ctx, data_dir, build_dir):
    """Build, validate and serve the IKPE knowledge graph."""
    ctx.obj = load_settings(data_dir=data_dir, build_dir=build_dir)


def lower_priority(settings) -> None:
    """Run at a lower CPU priority than the server (``IKPE_BUILD_NICE``): a build or a publish on the
    serving machine takes the CPU the requests leave. Threads and child processes started afterwards
    (the store's loader, the dumps process) inherit it. Where the kernel groups processes by session
    for scheduling (autogroup), niceness orders only the processes of one session; a command that leads
    a session of its own (``setsid``, cron, the benchmarks) lowers its session's priority too."""
    if settings.build_nice <= 0:
        return
    with contextlib.suppress(OSError):  # not allowed here: the build runs at the priority it has
        os.nice(settings.build_nice)
    if os.getsid(0) == os.getpid():  # only this command's own session, never the shell's
        with contextlib.suppress(OSError):
            AUTOGROUP.write_text(str(min(19, settings.build_nice)))


def _report_failure(console, outcome, as_json, settings, language):
    if as_json:
        click.echo(problems_json(outcome.problems, outcome.stage))
    else:
        print_problems(console, outcome.problems, outcome.stage, settings.id_base, language)


def _validated(settings, lang: str, as_json: bool):
    """Read, map and validate the source data (exit 1 with the problems if it does not conform)."""
    console = Console(stderr=as_json)
    progress, step = _progress(console)
    with progress:
        outcome = assemble(settings, lang, step)
    if not outcome.ok:
        _report_failure(console, outcome, as_json, settings, lang)
        sys.exit(1)
    return console, outcome


@main.command()
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", help="Language of the messages.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def validate(settings, lang, as_json):
    """Check the source data (mapping and SHACL) without publishing anything."""
    console, outcome = _validated(settings, lang, as_json)
    if as_json:
        click.echo(problems_json(outcome.problems, "validated"))
    else:
        console.print(f"[green]Valid:[/] {outcome.counts.get('published triples')} triples conform to the shapes.")


@main.command()
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", help="Language of messages and labels.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@click.pass_obj
def diff(settings, lang, as_json):
    """Validate the source data and show what publishing it would change against the release in
    service (resources added, removed, changed); publishes nothing."""
    from .versions.preview import preview
    from .versions.text import preview_report
    from .web.dates import format_partial_date
    from .web.labels import label

    console, outcome = _validated(settings, lang, as_json)
    report = preview_report(preview(outcome.graph, settings.build_dir), lang, label, format_partial_date)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_changes(console, report)


def _print_changes(console: Console, report: dict) -> None:
    against = f"release {report['release']}" if report["release"] else "an empty graph (nothing published yet)"
    if not (report["added"] or report["removed"] or report["changed"]):
        console.print(f"[green]No changes:[/] the source data gives the graph of {against}; a build would publish "
                      "nothing.")
        return
    console.print(f"Against {against}: +{report['statements_added']} / -{report['statements_removed']} statements.")
    for status, colour in (("added", "green"), ("removed", "red"), ("changed", "yellow")):
        for change in report[status]:
            console.print(f"[{colour}]{status}[/] [bold]{escape(change['label'])}[/] <{escape(change['iri'])}>")
            for sign, key in (("-", "removed"), ("+", "added")):
                for s in change[key] if status == "changed" else []:
                    console.print(f"    {sign} {escape(s['property_label'])}: {escape(s['value_label'])}")
    console.print("Nothing was published.")


@main.command()
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", help="Language of the messages.")
@click.option("--json", "as_json", is_flag=True, help="Print problems as JSON.")
@click.option("--force", is_flag=True, help="Publish a new release even if the graph and shapes are unchanged.")
@click.pass_obj
def build(settings, lang, as_json, force):
    """Validate the source data and, if it conforms and changes the graph, publish a new release atomically."""
    lower_priority(settings)
    console = Console(stderr=as_json)
    progress, step = _progress(console)
    try:
        with progress:
            outcome = run_build(settings, lang, step, steps=RELEASE_STEPS, force=force)
    except BuildLockedError as error:
        console.print(f"[red]{error}[/]")
        sys.exit(2)
    except (OSError, sqlite3.Error) as error:  # full disk, read-only folder, …
        console.print(f"[red]The build could not be written:[/] {error}. The previous build stays in service.")
        sys.exit(3)
    if not outcome.ok:
        _report_failure(console, outcome, as_json, settings, lang)
        sys.exit(1)
    if outcome.stage == "unchanged":
        console.print(f"[green]Nothing new:[/] the graph and the shapes equal release {outcome.release.name}, "
                      "which stays in service; nothing was published.")
        return
    counts = ", ".join(f"{v} {k}" for k, v in outcome.counts.items())
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in outcome.timings.items())
    changes = json.loads((outcome.release / "manifest.json").read_text(encoding="utf-8")).get("changes") or {}
    against = (f" Against {changes['previous']}: +{changes['added']} −{changes['removed']} statements."
               if changes.get("previous") else "")
    console.print(f"[green]Built release[/] {outcome.release.name}: {counts}.{against} ({timings})")


def _history(settings):
    """The release history carried by the current release, or exit with a message."""
    from .kg.release import current_release
    from .store.history import ReleaseHistory

    folder = current_release(settings.build_dir)
    history = ReleaseHistory.of(folder)
    if history is None:
        raise click.ClickException("No release history: build a release first (`ikpe-lod build`)."
                                   if folder is None else f"Release {folder.name} carries no history "
                                   "(built before histories were kept): build once more.")
    return folder, history


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the releases as JSON.")
@click.pass_obj
def history(settings, as_json):
    """List the releases: id, time, triples, statements added and removed, whether still kept."""
    from rich.table import Table

    _, past = _history(settings)
    if as_json:
        click.echo(json.dumps([{"release": r.id, "created": r.created.isoformat(), "triples": r.triples,
                                "added": r.added, "removed": r.removed, "retained": r.retained,
                                "current": r == past.current} for r in past.releases], indent=1))
        return
    table = Table("created (UTC)", "triples", "+ added", "− removed", "kept")
    table.add_column("release", no_wrap=True)
    for release in reversed(past.releases):
        marker = " (current)" if release == past.current else ""
        table.add_row(release.created.strftime("%Y-%m-%d %H:%M:%S"), str(release.triples), str(release.added),
                      str(release.removed), "yes" if release.retained else "no (410)", release.id + marker)
    Console().print(table)


@main.command()
@click.argument("release_id", metavar="RELEASE")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", help="Language of the messages.")
@click.pass_obj
def rollback(settings, release_id, lang):
    """Publish the graph of an older RELEASE again, as a new release (atomic, like a build)."""
    from rdflib import Graph

    from .store.base import ReleaseInfo
    from .store.embedded import to_rdflib
    from .store.history import ReleaseGone, UnknownRelease

    folder, past = _history(settings)
    try:
        release = past.release(release_id)
    except (UnknownRelease, ReleaseGone) as error:
        raise click.ClickException(str(error)) from None
    if release == past.current:
        raise click.ClickException(f"Release {release_id} is the current release already.")
    lower_priority(settings)  # a build, like `build`
    console = Console()
    graph = Graph()
    for triple in past.snapshot(release, ReleaseInfo.from_folder(folder)).statements():
        graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    progress, step = _progress(console)
    try:
        with progress:
            outcome = republish(settings, graph, {"rollback_of": release.id}, lang, step)
    except BuildLockedError as error:
        console.print(f"[red]{error}[/]")
        sys.exit(2)
    if not outcome.ok:
        _report_failure(console, outcome, False, settings, lang)
        sys.exit(1)
    console.print(f"[green]Rolled back:[/] release {outcome.release.name} publishes the graph of {release.id} "
                  f"({len(graph)} triples).")


@main.command()
@click.option("--host", help="Address to listen on (default: from IKPE_GUNICORN_BIND, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: from IKPE_GUNICORN_BIND, 8000).")
@click.option("--dev", is_flag=True, help="Flask's development server instead (one process, debugging only).")
@click.pass_obj
def serve(settings, host, port, dev):
    """Serve the current release with the production server (gunicorn, deploy/gunicorn.conf.py)."""
    if dev:
        _serve_development(settings, host or "127.0.0.1", port or 5000)
        return
    if importlib.util.find_spec("gunicorn") is None:
        raise click.ClickException("gunicorn is not installed: pip install -e '.[prod]' (or serve --dev).")
    command = production_command(settings, host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, production_environment(settings))  # gunicorn takes over this process


def production_command(settings, host: str | None = None, port: int | None = None) -> list[str]:
    """``gunicorn -c deploy/gunicorn.conf.py [-b HOST:PORT] 'server.web.app:create_app()'`` with this
    Python; the rest of its values come from the settings (IKPE_GUNICORN_*, docs/settings.md)."""
    command = [sys.executable, "-m", "gunicorn", "-c", str(PROJECT_ROOT / "deploy" / "gunicorn.conf.py")]
    if host or port:
        default_host, _, default_port = settings.gunicorn_bind.rpartition(":")
        command += ["-b", f"{host or default_host or '127.0.0.1'}:{port or default_port or 8000}"]
    return command + ["server.web.app:create_app()"]


def production_environment(settings) -> dict[str, str]:
    """The environment with the folders chosen on the command line (the workers read their settings
    from it)."""
    return dict(os.environ, IKPE_DATA_DIR=str(settings.data_dir), IKPE_BUILD_DIR=str(settings.build_dir))


def _serve_development(settings, host: str, port: int) -> None:
    from .logging_setup import configure
    from .web.app import create_app
    from .web.query_engine import warm_up_in_background

    configure(settings)
    app = create_app(settings)
    warm_up_in_background(app)
    app.run(host=host, port=port, threaded=True)


@main.command()
@click.option("--keep", default=None, type=click.IntRange(min=0),
              help="Older release graphs to keep in the store beside the new one "
                   "[default: IKPE_REMOTE_KEEP_RELEASES, 1]. 0: the previous one is dropped after the drain time.")
@click.pass_obj
def publish(settings, keep):
    """Upload the current validated release to the remote SPARQL store (IKPE_REMOTE_* settings)."""
    from rich.progress import BarColumn, MofNCompleteColumn

    lower_priority(settings)

    from .store.publish import PublishError, Publisher

    console = Console()
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=not console.is_terminal)
    labels = {"check": "Checking the release", "upload": "Uploading triples", "verify": "Verifying the triple count",
              "switch": "Switching the store to the new release", "cleanup": "Dropping old release graphs",
              "drain": "Waiting for requests in flight before dropping the previous release",
              "rewrite": "Writing the dated statements again (Virtuoso 7.2, docs/versions.md)"}
    state = {"task": None}

    def report(event, total=None, advance=None, seconds=None):
        if event == "uploaded":
            progress.update(state["task"], advance=advance)
            return
        if state["task"] is not None:
            task = progress.tasks[-1]
            progress.update(state["task"], completed=task.total or 1, total=task.total or 1)
        label = labels.get(event, event) + (f" ({seconds:g} s)" if seconds is not None else "")
        state["task"] = progress.add_task(label, total=total)
        if not console.is_terminal:
            console.print(f"• {label} …" + (f" ({total} triples)" if total else ""))

    try:
        with progress:
            outcome = Publisher(settings, report).publish(keep=keep)
    except PublishError as error:
        console.print(f"[red]Not published:[/] {error} The store keeps serving its previous release.")
        sys.exit(1)
    if outcome.already_current:
        console.print(f"[green]Already published:[/] release {outcome.release} is current "
                      f"({outcome.triples} triples in <{outcome.graph}>).")
    else:
        console.print(f"[green]Published[/] release {outcome.release}: {outcome.triples} triples in <{outcome.graph}>.")
    for graph in outcome.dropped:
        console.print(f"Dropped old release graph <{graph}>.")


if __name__ == "__main__":
    main()
