"""The `frameline` command: a thin shell over the library.

Every command parses its options and calls a library function that the tests
call directly; no logic lives only here.  Every command takes --workspace
(default: $FRAMELINE_WORKSPACE, else the current folder) and --database-url to
use a PostgreSQL server instead of the workspace's embedded database.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from frameline import pipeline
from frameline.cli_codebook import codebook_app
from frameline.cli_frames import annotate_app, eval_app, train_app
from frameline.records import utc
from frameline.reports.exports import FORMATS, ExportError, export_documents
from frameline.sources import BrokenImporter, UnknownImporter, available_importers
from frameline.sources.base import ImportOptions, ImportRejected
from frameline.sources.collection import FOLLOW_LINKS_CHOICES
from frameline.sources.runner import run_import
from frameline.store import DocumentFilter, QuerySyntaxError, SearchQuery, SqlStore, StoreError
from frameline.workspace import Workspace, WorkspaceError, init_workspace, resolve_workspace

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, help=__doc__.split("\n\n")[0])
sources_app = typer.Typer(no_args_is_help=True, help="List sources and edit their source-group labels.")
app.add_typer(sources_app, name="sources")
app.add_typer(codebook_app, name="codebook")
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.add_typer(annotate_app, name="annotate")
from frameline.cli_ptc import ptc_app  # noqa: E402  (PTC commands live in their own module)
app.add_typer(ptc_app, name="ptc")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

USER_ERRORS = (BrokenImporter, WorkspaceError, StoreError, ImportRejected, QuerySyntaxError, UnknownImporter, ExportError)

WorkspaceOption = Annotated[
    Optional[Path],
    typer.Option("--workspace", "-w", envvar="FRAMELINE_WORKSPACE", help="Workspace folder (default: current folder)."),
]
DatabaseOption = Annotated[
    Optional[str],
    typer.Option("--database-url", envvar="FRAMELINE_DATABASE_URL", help="postgresql://… to use a server database."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _open(workspace: Path | None, database_url: str | None) -> tuple[Workspace, SqlStore]:
    found = resolve_workspace(workspace)
    return found, found.open_store(database_url)


def _date(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2017-07-10 or 2017-07-10T14:00", param_hint=option)


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in (item for chunk in pairs for item in chunk.split(",") if item.strip()):
        field, separator, column = pair.partition("=")
        if not separator or not field.strip() or not column.strip():
            raise typer.BadParameter(f"{pair!r} should look like text=tweets", param_hint="--map")
        mapping[field.strip()] = column.strip()
    return mapping


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create (or re-check) as a workspace.")],
    database_url: DatabaseOption = None,
) -> None:
    """Create a workspace: settings, database, codebook and watchlist folders."""
    workspace = init_workspace(directory, database_url)
    console.print(f"Workspace ready at [bold]{escape(str(workspace.path.resolve()))}[/] "
                  f"({escape(workspace.open_store().describe())})")


@app.command("import")
def import_(
    importer: Annotated[str, typer.Argument(help="Importer name: see `frameline importers`.")],
    paths: Annotated[list[str], typer.Argument(help="Files, folders or (for rss and web) URLs to import.")],
    source: Annotated[Optional[str], typer.Option(help="Source name (default: from the data, else the file name).")] = None,
    source_group: Annotated[list[str], typer.Option("--source-group", "-g", help="Source-group label(s), e.g. extremist.")] = [],  # noqa: B006
    map_: Annotated[list[str], typer.Option("--map", help="Field mapping, e.g. text=tweets,author=username.")] = [],  # noqa: B006
    preset: Annotated[Optional[str], typer.Option(help="Named column preset, e.g. isis-related-tweets.")] = None,
    encoding: Annotated[Optional[str], typer.Option(help="Text encoding (default: detected).")] = None,
    timezone: Annotated[Optional[str], typer.Option(help="IANA zone for times given without one (default UTC).")] = None,
    robots: Annotated[bool, typer.Option("--robots/--no-robots", help="rss, web: respect the sites' robots.txt.")] = True,
    allow_host: Annotated[list[str], typer.Option("--allow-host", help="rss, web: let this host resolve to an internal address (intranet); repeatable.")] = [],  # noqa: B006
    follow_links: Annotated[Optional[str], typer.Option(help="rss: fetch full articles: auto (summary-only entries), always, never.")] = None,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import files; reports new / duplicate / rejected counts and where the rejects went."""
    extra = _network_options(importer, robots, allow_host, follow_links)
    found, store = _open(workspace, database_url)
    options = ImportOptions(source_name=source, groups=tuple(source_group), mapping=_mapping(map_), preset=preset,
                            encoding=encoding, timezone=timezone, extra=extra)
    with Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed:,} records"), TimeElapsedColumn(), console=errors,
                  transient=True, disable=not errors.is_terminal) as progress:
        task = progress.add_task(f"Importing with {importer}", total=None)
        report = run_import(store, importer, paths, options, rejects_dir=found.rejects_dir,
                            progress=lambda n: progress.advance(task, n))
    console.print(f"{escape(importer)}: [green]{report.new:,} new[/], {report.duplicate:,} duplicate, "
                  f"[{'red' if report.rejected else 'default'}]{report.rejected:,} rejected[/]")
    for rejection in report.sample_rejections[:10]:
        errors.print(f"  rejected: {escape(str(rejection))}")
    if report.rejects_file:
        errors.print(f"  all rejections: {escape(str(report.rejects_file))}")
    if report.failed_paths and report.failed_paths == [str(p) for p in paths]:
        raise typer.Exit(1)


def _network_options(importer: str, robots: bool, allow_hosts: list[str], follow_links: str | None) -> dict:
    """What `rss` and `web` read from ImportOptions.extra; refused for importers that would ignore it."""
    given = [name for name, used in (("--no-robots", not robots), ("--allow-host", bool(allow_hosts)),
                                     ("--follow-links", follow_links is not None)) if used]
    network = {"rss": ("--no-robots", "--allow-host", "--follow-links"), "web": ("--no-robots", "--allow-host")}
    misplaced = [name for name in given if name not in network.get(importer, ())]
    if misplaced:
        users = [kind for kind, names in network.items() if misplaced[0] in names]
        raise typer.BadParameter(f"applies to the {' and '.join(users)} importer(s), not {importer!r}",
                                 param_hint=misplaced[0])
    if follow_links is not None and follow_links not in FOLLOW_LINKS_CHOICES:
        raise typer.BadParameter(f"{follow_links!r} is not one of {', '.join(FOLLOW_LINKS_CHOICES)}",
                                 param_hint="--follow-links")
    extra: dict = {"robots": robots, "allow_hosts": tuple(h.strip() for h in allow_hosts if h.strip())}
    if follow_links is not None:
        extra["follow_links"] = follow_links
    return extra if importer in network else {}


@app.command()
def importers() -> None:
    """List the registered importers."""
    table = Table("name", "reads")
    for name, importer in sorted(available_importers().items()):
        table.add_row(name, importer.description)
    console.print(table)


@sources_app.command("list")
def sources_list(workspace: WorkspaceOption = None, database_url: DatabaseOption = None, json_: JsonOption = False) -> None:
    """Sources with their groups and document counts."""
    _, store = _open(workspace, database_url)
    rows = store.status()["sources"]
    if json_:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table("id", "kind", "name", "groups", "documents")
    for row in rows:
        table.add_row(str(row["id"]), row["kind"], escape(row["name"]), escape(", ".join(row["groups"])),
                      f"{row['documents']:,}")
    console.print(table)


@sources_app.command("groups")
def sources_groups(
    source: Annotated[str, typer.Argument(help="Source id, name or handle.")],
    add: Annotated[list[str], typer.Option("--add", help="Group label to add.")] = [],  # noqa: B006
    remove: Annotated[list[str], typer.Option("--remove", help="Group label to remove.")] = [],  # noqa: B006
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Add or remove source-group labels (how comparisons split the corpus)."""
    _, store = _open(workspace, database_url)
    found = store.find_source(source)
    if found is None:
        raise StoreError(f"no source called {source!r}; see `frameline sources list`")
    store.add_source_groups(found.id, add)
    store.remove_source_groups(found.id, remove)
    store.audit("cli", "source-groups", found.name, {"add": add, "remove": remove})
    console.print(f"{escape(found.name)}: {escape(', '.join(store.get_source(found.id).groups) or '(no groups)')}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", OR, -exclude, prefix*.')] = "",
    source_group: Annotated[list[str], typer.Option("--source-group", "-g")] = [],  # noqa: B006
    lang: Annotated[list[str], typer.Option("--lang")] = [],  # noqa: B006
    source: Annotated[list[str], typer.Option("--source", help="Source id or name.")] = [],  # noqa: B006
    since: Annotated[Optional[str], typer.Option(help="From this date (inclusive), e.g. 2017-06-15.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Before this date (exclusive).")] = None,
    sort: Annotated[str, typer.Option(help="relevance, newest or oldest.")] = "relevance",
    limit: Annotated[int, typer.Option()] = 20,
    offset: Annotated[int, typer.Option()] = 0,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Full-text search (Arabic-aware) with filters."""
    _, store = _open(workspace, database_url)
    source_ids = []
    for name in source:
        found = store.find_source(name)
        if found is None:
            raise StoreError(f"no source called {name!r}; see `frameline sources list`")
        source_ids.append(found.id)
    document_filter = DocumentFilter(source_ids=source_ids, groups=source_group, languages=lang,
                                     since=_date(since, "--since"), until=_date(until, "--until"))
    results = store.search(SearchQuery(query, document_filter, sort=sort, limit=limit, offset=offset))
    if json_:
        print(json.dumps({
            "total": results.total, "total_is_lower_bound": results.total_is_lower_bound,
            "hits": [{"id": h.document.id, "source": h.source.name, "groups": h.source.groups,
                      "published_at": h.document.published_at.isoformat() if h.document.published_at else None,
                      "snippet": "".join(f.text for f in h.snippet),
                      "highlights": [f.text for f in h.snippet if f.highlighted]} for h in results.hits],
        }, ensure_ascii=False, indent=1))
        return
    more = "+" if results.total_is_lower_bound else ""
    console.print(f"[bold]{results.total:,}{more}[/] documents match")
    for hit in results.hits:
        when = hit.document.published_at.strftime("%Y-%m-%d %H:%M") if hit.document.published_at else "undated"
        snippet = "".join(f"[reverse]{escape(f.text)}[/]" if f.highlighted else escape(f.text) for f in hit.snippet)
        console.print(f"[cyan]#{hit.document.id}[/] {when} [magenta]{escape(hit.source.name)}[/] "
                      f"({escape(', '.join(hit.source.groups))})\n    {snippet}")


@app.command()
def show(
    document_id: Annotated[int, typer.Argument()],
    raw: Annotated[bool, typer.Option(help="Include the original record.")] = False,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
    json_: JsonOption = False,
) -> None:
    """One document with its metadata, spans and labels."""
    _, store = _open(workspace, database_url)
    document = store.get_document(document_id, with_raw=raw)
    source = store.get_source(document.source_id)
    spans, labels = store.get_spans(document_id), store.get_labels(document_id)
    store.audit("cli", "view-document", str(document_id))
    if json_:
        print(json.dumps({
            "id": document.id, "source": source.name, "groups": source.groups, "native_id": document.native_id,
            "published_at": document.published_at.isoformat() if document.published_at else None,
            "author": document.author, "language": document.language, "title": document.title,
            "text": document.text, "url": document.url, "reply_to": document.reply_to,
            "forwarded_from": document.forwarded_from, "media": document.media, "metadata": document.metadata,
            "spans": [{"start": s.start, "end": s.end, "layer": s.layer, "label": s.label, "score": s.score,
                       "producer": s.producer, "attributes": s.attributes, "text": document.text[s.start:s.end]}
                      for s in spans],
            "labels": [{"layer": l.layer, "label": l.label, "score": l.score, "producer": l.producer} for l in labels],
            **({"raw": document.raw} if raw else {}),
        }, ensure_ascii=False, indent=1, default=str))
        return
    console.rule(f"#{document.id} · {escape(source.name)} ({escape(', '.join(source.groups))})")
    for label, value in (("published", document.published_at), ("author", document.author),
                         ("language", document.language), ("url", document.url),
                         ("reply to", document.reply_to), ("forwarded from", document.forwarded_from)):
        if value:
            console.print(f"[dim]{label}:[/] {escape(str(value))}")
    if document.title:
        console.print(f"[bold]{escape(document.title)}[/]")
    console.print(escape(document.text) or "[dim](no text)[/]")
    for item in document.media:
        console.print(f"[dim]media:[/] {escape(json.dumps(item, ensure_ascii=False))}")
    if spans:
        table = Table("layer", "label", "text", "score", "producer")
        for s in spans:
            table.add_row(s.layer, escape(s.label), escape(document.text[s.start:s.end][:80]),
                          "" if s.score is None else f"{s.score:.2f}", s.producer)
        console.print(table)
    for l in labels:
        console.print(f"[dim]label:[/] {l.layer}/{escape(l.label)} {'' if l.score is None else f'{l.score:.2f}'}")


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")] = "jsonl",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: standard output).")] = None,
    source_group: Annotated[list[str], typer.Option("--source-group", "-g")] = [],  # noqa: B006
    lang: Annotated[list[str], typer.Option("--lang")] = [],  # noqa: B006
    since: Annotated[Optional[str], typer.Option()] = None,
    until: Annotated[Optional[str], typer.Option()] = None,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Export documents with their spans and labels as JSONL, CSV (Excel-ready) or Parquet."""
    _, store = _open(workspace, database_url)
    document_filter = DocumentFilter(groups=source_group, languages=lang, since=_date(since, "--since"),
                                     until=_date(until, "--until"))
    count = export_documents(store, format, out, document_filter, stdout=sys.stdout)
    store.audit("cli", "export", str(out) if out else "stdout",
                {"format": format, "documents": count, "groups": source_group})
    if out is not None:
        console.print(f"Wrote {count:,} documents to {escape(str(out))}")


@app.command()
def analyze(
    only: Annotated[list[str], typer.Option("--only", help="Run this analyser (and what it requires) only; repeatable.")] = [],  # noqa: B006
    since: Annotated[Optional[str], typer.Option(help="Only documents published from this date, e.g. 2017-06-15.")] = None,
    cluster: Annotated[Optional[str], typer.Option(help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: this machine's cores).")] = None,
    batch_size: Annotated[int, typer.Option(help="Documents per batch (each batch is stored as it finishes).")] = 500,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Run the analysers over every document not yet analysed at their current version and codebook; resumable."""
    found, store = _open(workspace, database_url)
    with Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed:,}/{task.total:,} documents"), TimeElapsedColumn(), console=errors,
                  transient=True, disable=not errors.is_terminal) as progress:
        tasks: dict[str, int] = {}

        def advance(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"Analysing: {name}", total=total)
            progress.update(tasks[name], completed=done)

        try:
            report = pipeline.analyze(store, found, only=only or None, since=_date(since, "--since"), cluster=cluster,
                                      batch_size=batch_size, progress=advance)
        except (pipeline.PipelineError, pipeline.UnknownComponent, pipeline.ClusterUnavailable) as error:
            errors.print(f"[red]error:[/] {escape(str(error))}")
            raise typer.Exit(1)
    store.audit("cli", "analyze", None, {"only": only, "since": since, "cluster": cluster, "documents": report.documents})
    for name, problem in report.broken.items():
        errors.print(f"[yellow]warning:[/] skipped {escape(name)}: {escape(problem)}")
    if json_:
        print(json.dumps([{"analyser": r.name, "version": r.version, "config_version": r.config_version,
                           "documents": r.documents, "seconds": round(r.seconds, 3),
                           "docs_per_second": round(r.docs_per_second, 1), "where": r.where}
                          for r in report.analysers], indent=1))
        return
    table = Table("analyser", "version", "documents", "seconds", "docs/s", "ran")
    for r in report.analysers:
        table.add_row(r.name, r.version, f"{r.documents:,}", f"{r.seconds:.1f}",
                      f"{r.docs_per_second:,.0f}" if r.documents else "",
                      r.where if r.documents or r.where == "on demand" else "up to date")
    console.print(table)


@app.command()
def status(workspace: WorkspaceOption = None, database_url: DatabaseOption = None, json_: JsonOption = False) -> None:
    """Counts per source, group, language and analysis state."""
    found, store = _open(workspace, database_url)
    summary = store.status()
    if json_:
        print(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
        return
    console.print(f"[bold]{escape(str(found.path.resolve()))}[/] · {escape(store.describe())}")
    console.print(f"{summary['documents']:,} documents in {len(summary['sources']):,} sources")
    for title, counts in (("groups", summary["groups"]), ("languages", summary["languages"]),
                          ("span layers", summary["span_layers"])):
        if counts:
            console.print(f"[dim]{title}:[/] " + ", ".join(f"{escape(str(k))} {v:,}" for k, v in
                                                           sorted(counts.items(), key=lambda kv: -kv[1])))
    if summary["analysis"]:
        table = Table("analyser", "version", "config", "documents")
        for row in summary["analysis"]:
            table.add_row(row["analyser"], row["version"], row["config_version"], f"{row['documents']:,}")
        console.print(table)
    else:
        console.print("[dim]analysis: nothing analysed yet[/]")


import frameline.cli_collect  # noqa: E402,F401 - registers `watch` and `sources add/remove/watched`
from frameline.cli_web import serve, users_app  # noqa: E402 - the web commands reuse the options above
app.command()(serve), app.add_typer(users_app, name="users")
from frameline.cli_insights import register as register_insights  # noqa: E402 - it uses the helpers above
register_insights(app)
from frameline.cli_clusters import clusters_app  # noqa: E402 - it reuses the options above
app.add_typer(clusters_app, name="clusters")


def main() -> None:
    try:
        app()
    except USER_ERRORS as error:
        errors.print(f"[red]error:[/] {escape(str(error))}")
        sys.exit(1)


if __name__ == "__main__":
    # `python -m frameline.cli` runs this file as `__main__`; the modules above registered their commands on
    # `frameline.cli`, so hand over to that module's app, or `watch` and `sources add` would be missing.
    from frameline.cli import main as registered_main

    registered_main()
