"""Monitoring commands: `sources add/remove/watched` and `watch`.

Registered on import by `frameline.cli` (its last lines), so that the shared
options and `_open` are defined here once; the logic is in
`frameline.sources.schedule` and `frameline.sources.monitor`.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from frameline.cli import DatabaseOption, JsonOption, WorkspaceOption, _open, app, console, errors, sources_app
from frameline.sources.schedule import (
    ScheduleError,
    add_monitored_source,
    create_drop_folder,
    format_every,
    make_source,
    monitored_sources,
    remove_monitored_source,
)


def _fail(error: Exception) -> typer.Exit:
    errors.print(f"[red]error:[/] {escape(str(error))}")
    return typer.Exit(1)


@sources_app.command("add")
def sources_add(
    kind: Annotated[str, typer.Argument(help="rss, web or files.")],
    target: Annotated[str, typer.Argument(help="Feed or page URL, or a folder (drop folder, saved pages).")],
    group: Annotated[list[str], typer.Option("--group", "-g", help="Source-group label(s), e.g. mainstream.")] = [],  # noqa: B006
    every: Annotated[str, typer.Option(help="How often to poll: 15m, 1h, 90s, 1d.")] = "15m",
    name: Annotated[Optional[str], typer.Option(help="Source name (default: the feed title or site).")] = None,
    robots: Annotated[bool, typer.Option("--robots/--no-robots", help="Respect the site's robots.txt.")] = True,
    follow_links: Annotated[str, typer.Option(help="Fetch full articles for summary-only feeds: auto, always, never.")] = "auto",
    allow_host: Annotated[list[str], typer.Option("--allow-host", help="Let this host resolve to an internal address (intranet).")] = [],  # noqa: B006
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Watch a feed, page or drop folder with `frameline watch`; stored in the workspace settings."""
    found, store = _open(workspace, database_url)
    try:
        created = create_drop_folder(kind, target)
        source = make_source(kind, target, every, tuple(group), name, robots, follow_links)
    except ScheduleError as error:
        raise _fail(error) from error
    if created is not None:
        console.print(f"Created the drop folder {escape(str(created))}")
    is_new = add_monitored_source(found, source, tuple(allow_host))
    store.audit("cli", "sources-add", source.target, source.as_settings())
    groups = f" ({escape(', '.join(source.groups))})" if source.groups else ""
    console.print(f"{'Watching' if is_new else 'Updated'} {source.kind} {escape(source.target)} "
                  f"every {format_every(source.every_s)}{groups}; run `frameline watch` to start")


@sources_app.command("remove")
def sources_remove(
    target: Annotated[str, typer.Argument(help="The URL or folder given to `sources add`.")],
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Stop watching a source (its documents stay)."""
    found, store = _open(workspace, database_url)
    if not remove_monitored_source(found, target):
        raise _fail(ScheduleError(f"{target!r} is not watched; see `frameline sources watched`"))
    store.forget_collection(target)
    store.audit("cli", "sources-remove", target)
    console.print(f"No longer watching {escape(target)}")


@sources_app.command("watched")
def sources_watched(workspace: WorkspaceOption = None, database_url: DatabaseOption = None,
                    json_: JsonOption = False) -> None:
    """Watched sources with their schedule and the outcome of their last poll."""
    found, store = _open(workspace, database_url)
    status = {row["target"]: row for row in store.collection_status()}
    rows = []
    for source in monitored_sources(found):
        row = status.get(source.target, {})
        rows.append({**source.as_settings(), **{k: (v.isoformat() if isinstance(v, datetime) else v)
                                                 for k, v in row.items() if k not in ("target", "kind")}})
    if json_:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table("kind", "target", "every", "groups", "last poll", "outcome", "new (total)", "next due")
    for row in rows:
        outcome = row.get("outcome") or "not polled yet"
        if row.get("error"):
            outcome = f"[red]{escape(outcome)}[/]: {escape(row['error'])} (x{row.get('failures', 0)})"
        table.add_row(row["kind"], escape(row["target"]), row["every"], escape(", ".join(row.get("groups", []))),
                      (row.get("last_attempt_at") or "")[:19], outcome,
                      f"{row.get('last_new', 0)} ({row.get('total_new', 0)})", (row.get("next_due_at") or "")[:19])
    console.print(table)


@app.command()
def watch(
    once: Annotated[bool, typer.Option("--once", help="Poll what is due now, once, and exit (for cron).")] = False,
    cycles: Annotated[Optional[int], typer.Option(help="Run this many cycles, then exit (default: forever).")] = None,
    analyze: Annotated[bool, typer.Option("--analyze/--no-analyze", help="Analyse new documents after each cycle.")] = True,
    only: Annotated[list[str], typer.Option("--only", help="Analyser to run (and what it requires); repeatable.")] = [],  # noqa: B006
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Poll the watched sources on their schedules, import what is new, analyse it; logs each cycle."""
    from frameline.sources.monitor import Monitor

    found, store = _open(workspace, database_url)
    # Plain lines, one per event, with the time: a long-running log is read with grep and tail.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    logging.getLogger("frameline.monitor").addHandler(handler)
    logging.getLogger("frameline.monitor").setLevel(logging.INFO)
    try:
        with Monitor(found, store, analyze=analyze, analysers=only or None) as monitor:
            done = monitor.run(cycles=1 if once else cycles, wait=not once)
    except ScheduleError as error:
        raise _fail(error) from error
    except KeyboardInterrupt:
        errors.print("stopped")
        return
    finally:
        logging.getLogger("frameline.monitor").removeHandler(handler)
    new = sum(cycle.new for cycle in done)
    console.print(f"{len(done)} cycle{'s' if len(done) != 1 else ''}, {new:,} new documents")
