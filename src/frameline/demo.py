"""`make demo`: a workspace with real material and real findings, built once, then reused.

The demo imports the bundled demo corpus (`frameline/demo_corpus/`: pro-IS
tweets as `supporters`, Dabiq and Rumiyah quotations as `official-propaganda`,
Wikipedia Current Events Portal entries on Mosul as `mainstream`; see
DATA_LICENSES.md) through the ordinary importers, runs every registered
analyser, defines the events in `demo_corpus/events.yaml`, prints what it
found, and serves the web UI on 127.0.0.1 when `frameline serve` exists.

A second run reuses the workspace: parts already imported are skipped (the
workspace settings record the checksum of each), and the pipeline recomputes
only what is stale, so it starts in seconds.  It never fails as a whole: a
step that breaks is reported and the next one runs, because a newcomer's first
command should show as much as it can and say plainly what it could not.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from frameline.pipeline import analyze
from frameline.sources.base import ImportOptions
from frameline.sources.runner import run_import
from frameline.store import DocumentFilter, SearchQuery, SqlStore
from frameline.workspace import Workspace, init_workspace, load_workspace

try:  # the events table and its store API arrive with the compare work (issue 8)
    from frameline.store.base import Event as StoredEvent
except ImportError:
    StoredEvent = None

console = Console(soft_wrap=True)
CORPUS = files("frameline").joinpath("demo_corpus")
DEMO_QUERIES = ["Mosul OR الموصل", "الدوله الاسلاميه", '"Islamic State"', "caliph*", "crusader* -video"]
DEMO_HOST, DEMO_PORT = "127.0.0.1", 8000
SETTINGS_KEY = "demo_corpus"  # in frameline.yaml: the parts imported, file -> checksum


class DemoCorpusUnreadable(RuntimeError):
    """A bundled part that its importer could not read at all (a packaging bug: the tests import every part)."""


@dataclass(frozen=True)
class CorpusPart:
    """One bundled file and how it is imported (a row of demo_corpus/corpus.yaml)."""

    file: str
    importer: str
    preset: str
    groups: tuple[str, ...]
    records: int
    sha256: str
    licence: str
    attribution: str
    source_name: str | None = None

    @property
    def unpacked_name(self) -> str:
        return self.file.removesuffix(".gz")


@dataclass(frozen=True)
class DemoEvent:
    name: str
    description: str
    day: date
    starts_at: datetime
    ends_at: datetime
    query: str
    basis: str
    caveat: str | None = None


def corpus_parts() -> list[CorpusPart]:
    manifest = yaml.safe_load(CORPUS.joinpath("corpus.yaml").read_text(encoding="utf-8"))
    return [CorpusPart(file=p["file"], importer=p["importer"], preset=p["preset"], groups=tuple(p["groups"]),
                       records=p["records"], sha256=p["sha256"], licence=p["licence"], attribution=p["attribution"],
                       source_name=p.get("source_name"))
            for p in manifest["parts"]]


def demo_events() -> list[DemoEvent]:
    def moment(value: Any) -> datetime:
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)

    data = yaml.safe_load(CORPUS.joinpath("events.yaml").read_text(encoding="utf-8"))
    return [DemoEvent(name=e["name"], description=e["description"], day=e["day"], starts_at=moment(e["starts_at"]),
                      ends_at=moment(e["ends_at"]), query=e.get("query") or "", basis=e["basis"],
                      caveat=e.get("caveat"))
            for e in data["events"]]


def unpack(part: CorpusPart, folder: Path, limit: int | None = None) -> Path:
    """The part decompressed into `folder` (where users can re-import it by hand); `limit` keeps the first records."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / part.unpacked_name
    with CORPUS.joinpath(part.file).open("rb") as packed, gzip.open(packed, "rb") as stream:
        if limit is None:
            with target.open("wb") as out:
                shutil.copyfileobj(stream, out)
        elif part.importer == "csv":
            rows = csv.reader(io.TextIOWrapper(stream, encoding="utf-8", newline=""))
            with target.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, lineterminator="\n")
                for number, row in enumerate(rows):
                    if number > limit:
                        break
                    writer.writerow(row)
        else:
            with target.open("wb") as out:
                for number, line in enumerate(stream):
                    if number >= limit:
                        break
                    out.write(line)
    return target


class Steps:
    """Runs the demo's steps; outside tests a failing step is reported and the demo goes on."""

    def __init__(self, strict: bool) -> None:
        self.strict, self.failed = strict, []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:  # the demo must end with whatever works, saying what did not
            if self.strict:
                raise
            self.failed.append(name)
            console.print(f"[red]demo step '{escape(name)}' failed:[/] {escape(type(error).__name__)}: "
                          f"{escape(str(error))}")


def import_corpus(workspace: Workspace, store: SqlStore, limit: int | None = None) -> None:
    """Import each bundled part not yet imported at its current checksum."""
    done: dict[str, str] = dict(workspace.settings.get(SETTINGS_KEY) or {})
    for part in corpus_parts():
        stamp = part.sha256 if limit is None else f"{part.sha256}:first-{limit}"
        if done.get(part.file) == stamp:
            continue
        path = unpack(part, workspace.path / "corpus", limit)
        options = ImportOptions(source_name=part.source_name, groups=part.groups, preset=part.preset)
        report = run_import(store, part.importer, [path], options, rejects_dir=workspace.rejects_dir, actor="demo")
        console.print(f"imported {escape(path.name)} as {escape(', '.join(part.groups))}: {report.summary()}")
        console.print(f"  [dim]{escape(part.licence)}: {escape(part.attribution)}[/]")
        for rejection in report.sample_rejections[:3]:
            console.print(f"  [dim]rejected: {escape(str(rejection))}[/]")
        if report.rejected:
            console.print("  [dim](the released data's known blemishes are listed in DATA_LICENSES.md)[/]")
        if report.failed_paths:
            raise DemoCorpusUnreadable(f"{path.name} could not be read; see {workspace.rejects_dir}")
        done[part.file] = stamp
        workspace.settings[SETTINGS_KEY] = done
        workspace.save_settings()


def run_analysis(workspace: Workspace, store: SqlStore, workers: int | None = None) -> None:
    with Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed:,}/{task.total:,} documents"), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        tasks: dict[str, Any] = {}

        def advance(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"Analysing: {name}", total=total)
            progress.update(tasks[name], completed=done)

        report = analyze(store, workspace, progress=advance, workers=workers)  # only what is missing or stale
    for name, problem in report.broken.items():
        console.print(f"[yellow]skipped analyser {escape(name)}:[/] {escape(problem)}")
    ran = [r for r in report.analysers if r.documents]
    for analysed in ran:
        console.print(f"analysed with {analysed.name}: {analysed.documents:,} documents in {analysed.seconds:.1f} s")
    if not ran:
        console.print(f"analysis up to date ({', '.join(r.name for r in report.analysers)})")


def define_events(store: SqlStore) -> None:
    """Store the demo events (replacing earlier definitions of the same name) and show each group's coverage."""
    can_store = StoredEvent is not None and hasattr(store, "add_event")
    groups = sorted(store.status()["groups"])
    for event in demo_events():
        counts = {group: store.count_documents(DocumentFilter(groups=[group], since=event.starts_at,
                                                              until=event.ends_at)) for group in groups}
        covered = ", ".join(f"{group} {count:,}" for group, count in counts.items())
        console.print(f"event [bold]{escape(event.name)}[/] ({event.day}, window {event.starts_at:%Y-%m-%d} to "
                      f"{event.ends_at:%Y-%m-%d}): {escape(covered)}")
        if event.caveat:
            console.print(f"  [yellow]caveat:[/] {escape(event.caveat)}")
        if can_store:
            store.add_event(StoredEvent(name=event.name, starts_at=event.starts_at, ends_at=event.ends_at,
                                        query=event.query, description=event.description), replace=True)
    if not can_store:
        console.print("[dim](the events are defined in frameline/demo_corpus/events.yaml; this build has no events "
                      "table yet, so they are shown but not stored)[/]")


def show_findings(store: SqlStore) -> None:
    summary = store.status()
    console.print(f"[bold]{summary['documents']:,} documents[/] in {len(summary['sources']):,} sources; "
                  f"groups: {escape(json.dumps(summary['groups'], ensure_ascii=False))}")
    console.print("top languages: " + escape(_top(summary["languages"])))
    console.print("span layers: " + escape(_top(summary["span_layers"])))
    for query in DEMO_QUERIES:
        results = store.search(SearchQuery(query, limit=3))
        console.rule(f"search: {escape(query)} · {results.total:,}{'+' if results.total_is_lower_bound else ''} hits")
        for hit in results.hits:
            snippet = "".join(f"[reverse]{escape(f.text)}[/]" if f.highlighted else escape(f.text) for f in hit.snippet)
            console.print(f"[cyan]#{hit.document.id}[/] [magenta]{escape(hit.source.name)}[/] {snippet}")


def _top(counts: dict[str, int], n: int = 8) -> str:
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    return ", ".join(f"{name} {count:,}" for name, count in ranked[:n]) + (" …" if len(ranked) > n else "")


def build(workspace_path: Path, limit: int | None = None, strict: bool = False, workers: int | None = None,
          port: int = DEMO_PORT) -> Steps:
    """Create or reuse the demo workspace and bring it up to date.

    `limit` imports only the first records of each part; `workers` caps the
    analysis pool (1 runs inline, as tests do beside other threads).
    """
    started = time.monotonic()
    steps = Steps(strict)
    fresh = not (workspace_path / "frameline.yaml").exists()
    workspace = init_workspace(workspace_path)
    store = workspace.open_store()
    if not fresh:
        console.print(f"Reusing the demo workspace at {escape(str(workspace_path.resolve()))}")
    try:
        with steps.step("import the demo corpus"):
            import_corpus(workspace, store, limit)
        with steps.step("analyse"):
            run_analysis(workspace, store, workers)
        with steps.step("define events"):
            define_events(store)
        with steps.step("show findings"):
            show_findings(store)
        console.print(f"Demo workspace ready in {time.monotonic() - started:.1f} s: {escape(str(workspace_path))}")
        with steps.step("suggest next steps"):
            suggest_next_steps(workspace_path, store, port)
    finally:
        store.close()
    return steps


def command_exists(name: str) -> bool:
    """Whether this build's `frameline` has the command (or command group), e.g. serve, compare, events."""
    from frameline.cli import app

    commands = {command.name or getattr(command.callback, "__name__", "") for command in app.registered_commands}
    groups = {group.name for group in app.registered_groups}
    return name in commands or name in groups


def suggest_next_steps(workspace_path: Path, store: SqlStore, port: int = DEMO_PORT) -> None:
    """The commands worth trying next, only those this build has."""
    w = f"--workspace {workspace_path}"
    example = store.search(SearchQuery('"Battle of Mosul"', DocumentFilter(groups=["mainstream"]), limit=1)).hits
    document = example[0].document.id if example else 1
    suggestions = [
        ("search", f"frameline search 'Mosul OR الموصل' -g official-propaganda {w}"),
        ("show", f"frameline show {document} {w}"),
        ("events", f"frameline events list {w}"),
        ("compare", f"frameline compare --a group:official-propaganda --b group:mainstream "
                    f"--event mosul-offensive-2016 {w}"),
        ("timeline", f"frameline timeline -g supporters,official-propaganda --interval week {w}"),
        ("report", f"frameline report --event mosul-offensive-2016 --out brief.html {w}"),
    ]
    console.print("Try:")
    for command, line in suggestions:
        if command_exists(command):
            console.print(f"  .venv/bin/{escape(line)}")
    if command_exists("serve"):
        base = f"http://{DEMO_HOST}:{port}"
        console.print(f"In the web UI ([bold]{base}/[/]; its Overview links to the same pages):")
        for title, paths in ui_pages(workspace_path, store, document):
            console.print(f"  {escape(title)}: " + "  ".join(escape(base + path) for path in paths))


def ui_pages(workspace_path: Path, store: SqlStore, document: int) -> list[tuple[str, list[str]]]:
    """The Overview's starting points (events, places, groups) as (title, paths), and one document to read."""
    from frameline.web.starting_points import starting_points

    start = starting_points(store, load_workspace(workspace_path))
    pages = [(f"event {event.name} (documents, frames)", [event.documents.href, event.frames.href])
             for event in start.events]
    pages += [(f"search {place.title}", [place.href]) for place in start.places[:2]]
    pages += [(f"group {docs.title} (documents, frames)", [docs.href, frames.href]) for docs, frames in start.groups]
    pages.append((f"document #{document}, evidence highlighted", [f"/documents/{document}"]))
    return pages


def serve(workspace_path: Path, port: int) -> None:
    if not command_exists("serve"):
        console.print("(The web UI is not part of this build yet; `make demo` will serve it once `frameline serve` "
                      "exists.)")
        return
    command = [sys.executable, "-m", "frameline", "serve", "--local", "--workspace", str(workspace_path),
               "--host", DEMO_HOST, "--port", str(port)]
    if not sys.stdin.isatty():  # CI or a pipe: nobody to open the page or press Ctrl-C
        console.print(f"Open the UI with: .venv/bin/frameline serve --local --workspace {escape(str(workspace_path))}")
        return
    console.print(f"Serving the demo workspace at [bold]http://{DEMO_HOST}:{port}/[/] "
                  "(single-user local mode, this computer only; Ctrl-C stops it)")
    try:
        subprocess.run(command, check=False)
    except KeyboardInterrupt:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path(".demo-workspace"))
    parser.add_argument("--limit", type=int, default=None, help="import only the first N records of each part")
    parser.add_argument("--port", type=int, default=DEMO_PORT)
    parser.add_argument("--no-serve", action="store_true", help="build the workspace, do not start the UI")
    arguments = parser.parse_args()
    try:
        steps = build(arguments.workspace, arguments.limit, port=arguments.port)
        if steps.failed:
            console.print(f"[yellow]The demo ran with problems in: {escape(', '.join(steps.failed))}[/]")
        if not arguments.no_serve:
            with steps.step("serve the UI"):
                serve(arguments.workspace, arguments.port)
    except KeyboardInterrupt:
        console.print("stopped")
    except Exception as error:  # never fail `make demo`: say what broke instead
        console.print(f"[red]The demo stopped early:[/] {escape(type(error).__name__)}: {escape(str(error))}")


if __name__ == "__main__":
    main()
