"""`frameline events|compare|timeline|propagation|cooccurrence|report`: the comparison and briefing commands.

A thin shell over `frameline.insights` and `frameline.reports.brief`, kept out
of cli.py so that it registers with one line (`register(app)`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from frameline.cli import DatabaseOption, JsonOption, WorkspaceOption, _date, _open, console
from frameline.insights.contrast import Contrast, contrast_groups
from frameline.insights.selection import Selection, SelectionError, event_named, parse_selection
from frameline.insights.cooccurrence import entity_cooccurrence
from frameline.insights.propagation import cluster_spread, network_rows, repost_network, write_gexf
from frameline.insights.timelines import frame_timeline
from frameline.reports.brief import DEFAULT_BASE_URL
from frameline.reports.tables import export_rows
from frameline.store.base import Event

events_app = typer.Typer(no_args_is_help=True, help="Named windows with a query (e.g. mosul-2017) to restrict insights to.")

EventOption = Annotated[Optional[str], typer.Option("--event", "-e", help="Restrict to this event (see `frameline events list`).")]
ExportOption = Annotated[Optional[Path], typer.Option("--export", help="Also write the table to a .csv, .jsonl or .parquet file.")]


def _last_day(event: Event) -> str | None:
    """The window's last day, inclusive, as `events add --to` took it."""
    if event.ends_at is None:
        return None
    if event.ends_at.time() == datetime.min.time():
        return event.last_day.isoformat()
    return event.ends_at.isoformat()


def _event_dict(event: Event) -> dict:
    return {"name": event.name, "from": event.starts_at.date().isoformat() if event.starts_at else None,
            "to": _last_day(event), "query": event.query, "description": event.description}


@events_app.command("add")
def events_add(
    name: Annotated[str, typer.Argument(help="Short name, e.g. mosul-2017.")],
    from_: Annotated[Optional[str], typer.Option("--from", help="First day (inclusive), e.g. 2017-06-15.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="Last day (inclusive), e.g. 2017-08-15.")] = None,
    query: Annotated[str, typer.Option("--query", "-q", help='Search text, e.g. "Mosul OR الموصل".')] = "",
    description: Annotated[Optional[str], typer.Option(help="What happened, for briefs.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite an event of the same name.")] = False,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Define an event: a window (both days included) and a query."""
    _, store = _open(workspace, database_url)
    starts, last = _date(from_, "--from"), _date(to, "--to")
    ends = None if last is None else last + (timedelta(days=1) if to and len(to) <= 10 else timedelta(0))
    event = store.add_event(Event(name, starts, ends, query, description), replace=replace)
    store.audit("cli", "event-add", name, _event_dict(event))
    in_window = store.count_documents(Selection(name).restricted_to(event).filter)
    matching = f", {store.match_event_documents(event):,} match its query" if event.query.strip() else ""
    console.print(f"event [bold]{escape(event.name)}[/]: {escape(_window(event))} "
                  f"· {in_window:,} documents in the window{matching}")


def _window(event: Event) -> str:
    starts = event.starts_at.strftime("%Y-%m-%d") if event.starts_at else "…"
    return f"{starts} to {_last_day(event) or '…'}" + (f", query {event.query!r}" if event.query else "")


@events_app.command("list")
def events_list(workspace: WorkspaceOption = None, database_url: DatabaseOption = None, json_: JsonOption = False) -> None:
    """The workspace's events."""
    _, store = _open(workspace, database_url)
    found = store.list_events()
    if json_:
        print(json.dumps([_event_dict(event) for event in found], ensure_ascii=False, indent=1))
        return
    table = Table("name", "from", "to", "query", "description")
    for event in found:
        row = _event_dict(event)
        table.add_row(escape(event.name), row["from"] or "", row["to"] or "", escape(event.query),
                      escape(event.description or ""))
    console.print(table)


@events_app.command("show")
def events_show(name: str, workspace: WorkspaceOption = None, database_url: DatabaseOption = None,
                json_: JsonOption = False) -> None:
    """One event and how many documents it selects per source group."""
    from frameline.store import aggregates

    _, store = _open(workspace, database_url)
    event = event_named(store, name)
    assert event is not None
    per_group = {}
    for group in sorted({g for source in store.list_sources() for g in source.groups}):
        side = parse_selection(store, f"group:{group}").restricted_to(event)
        per_group[group] = aggregates.count_selected(store, side)
    whole = Selection(name).restricted_to(event)
    summary = _event_dict(event) | {"documents": aggregates.count_selected(store, whole),
                                    "documents_per_group": per_group}
    if json_:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    console.print(f"[bold]{escape(event.name)}[/]: {escape(_window(event))}")
    if event.description:
        console.print(escape(event.description))
    console.print(f"{summary['documents']:,} documents match; per group: "
                  + ", ".join(f"{escape(g)} {n:,}" for g, n in per_group.items()))


@events_app.command("remove")
def events_remove(name: str, workspace: WorkspaceOption = None, database_url: DatabaseOption = None) -> None:
    """Delete an event (documents are untouched)."""
    _, store = _open(workspace, database_url)
    if not store.remove_event(name):
        event_named(store, name)  # raises the "no event" error
    store.audit("cli", "event-remove", name)
    console.print(f"removed event {escape(name)}")


def _sides(store, a: str, b: str, event: str | None) -> tuple[Selection, Selection, Event | None]:  # noqa: ANN001
    found = event_named(store, event)
    return parse_selection(store, a).restricted_to(found), parse_selection(store, b).restricted_to(found), found


def compare(
    a: Annotated[str, typer.Option("--a", help="Side A: group:NAME, source:NAME, search:QUERY or event:NAME.")],
    b: Annotated[str, typer.Option("--b", help="Side B, same forms.")],
    event: EventOption = None,
    evidence: Annotated[int, typer.Option(help="Evidence sentences per frame and side.")] = 2,
    terms: Annotated[int, typer.Option(help="Distinctive words per side and language (0: skip).")] = 12,
    export: ExportOption = None,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Frames that differ between two sets of documents: shares, 95% CIs, Holm-corrected tests, evidence, words."""
    _, store = _open(workspace, database_url)
    side_a, side_b, found = _sides(store, a, b, event)
    result = contrast_groups(store, side_a, side_b, event_name=found.name if found else None,
                             evidence_per_side=evidence, terms=terms > 0, top_terms=terms)
    store.audit("cli", "compare", None, {"a": a, "b": b, "event": event})
    if export is not None:
        export_rows(result.rows(), export)
    if json_:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    print_contrast(result)


def print_contrast(result: Contrast) -> None:
    console.print(f"[bold]A[/] {escape(result.a)}: {result.documents_a:,} documents · "
                  f"[bold]B[/] {escape(result.b)}: {result.documents_b:,} documents"
                  + (f" · event {escape(result.event)}" if result.event else ""))
    table = Table("frame", "A share [95% CI]", "B share [95% CI]", "A − B", "p (Holm)", "")
    for row in result.frames:
        table.add_row(
            escape(row.name), f"{row.a.share:.1%} [{row.a.ci_low:.1%}, {row.a.ci_high:.1%}]",
            f"{row.b.share:.1%} [{row.b.ci_low:.1%}, {row.b.ci_high:.1%}]", f"{row.difference:+.1%}",
            f"{row.p_adjusted:.2g}", "[bold green]*[/]" if row.significant else "",
        )
    console.print(table)
    console.print(f"[dim]* differs at α = {result.alpha} after Holm's correction over {len(result.frames)} frames[/]")
    for row in result.frames:
        if not row.significant:
            continue
        console.rule(escape(row.name))
        for side, quotes in (("A", row.evidence_a), ("B", row.evidence_b)):
            for quote in quotes:
                console.print(f"  {side} [cyan]#{quote.document_id}[/] [magenta]{escape(quote.source)}[/] "
                              f"{escape(quote.sentence[:240])}")
    for terms in result.terms:
        console.rule(f"distinctive words · {escape(terms.language)}")
        for side, scores in (("A", terms.top_a), ("B", terms.top_b)):
            words = ", ".join(f"{escape(s.word)} ({s.z:.1f})" for s in scores)
            console.print(f"  {side}: " + (words or "[dim]none significant (|z| ≤ 1.96)[/dim]"))


def _group_sides(store, groups: str | None, sides: list[str], event: Event | None) -> list[Selection]:  # noqa: ANN001
    specs = list(sides) + [f"group:{g.strip()}" for g in (groups or "").split(",") if g.strip()]
    if not specs:
        specs = [f"group:{g}" for g in sorted({g for source in store.list_sources() for g in source.groups})]
    if not specs:
        raise SelectionError("no source has a group yet; give --side or label sources with `frameline sources groups`")
    return [parse_selection(store, spec).restricted_to(event) for spec in specs]


GroupsOption = Annotated[Optional[str], typer.Option("--groups", "-g", help="Comma-separated source groups (default: all).")]
SideOption = Annotated[list[str], typer.Option("--side", help="A side as in compare (source:…, search:…); repeatable.")]


def timeline(
    groups: GroupsOption = None,
    side: SideOption = [],  # noqa: B006
    event: EventOption = None,
    interval: Annotated[str, typer.Option(help="day or week.")] = "day",
    frame: Annotated[list[str], typer.Option("--frame", help="Frame id(s) to follow (default: the most used).")] = [],  # noqa: B006
    top: Annotated[int, typer.Option(help="How many frames when --frame is not given.")] = 6,
    export: ExportOption = None,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Frame volume and share per day or week per group, with change points (PELT)."""
    _, store = _open(workspace, database_url)
    found = event_named(store, event)
    try:
        result = frame_timeline(store, _group_sides(store, groups, side, found), interval=interval,
                                frames=frame or None, top_frames=top)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--interval")
    if export is not None:
        export_rows(result.rows(), export)
    if json_:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    if not result.buckets:
        console.print("no dated documents in this selection")
        return
    console.print(f"{len(result.buckets)} {interval}s, {escape(result.buckets[0])} to {escape(result.buckets[-1])}")
    table = Table("group", "frame", "documents", "mean share", "change points (bucket: before → after)")
    for group in result.groups:
        for series in group.frames:
            known = [share for share in series.share if share is not None]
            table.add_row(escape(group.label), escape(series.name), f"{sum(series.volume):,}",
                          f"{sum(known) / len(known):.1%}" if known else "",
                          "; ".join(f"{p.bucket}: {p.before:.0%} → {p.after:.0%}" for p in series.change_points))
    console.print(table)
    console.print(f"[dim]{escape(result.penalty_rule)}[/]")


GexfOption = Annotated[Optional[Path], typer.Option("--gexf", help="Write the network as GEXF (opens in Gephi).")]


def propagation(
    cluster: Annotated[Optional[int], typer.Argument(help="Re-post cluster id (see --list).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the largest re-post clusters.")] = False,
    network: Annotated[bool, typer.Option("--network", help="The source-to-source forward/re-post network.")] = False,
    groups: GroupsOption = None,
    event: EventOption = None,
    gexf: GexfOption = None,
    export: ExportOption = None,
    limit: Annotated[int, typer.Option(help="Clusters to list.")] = 20,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
    json_: JsonOption = False,
) -> None:
    """A re-post cluster's spread (sources, first seen, curve), or the forward/re-post network of sources."""
    _, store = _open(workspace, database_url)
    if list_ or (cluster is None and not network):
        clusters = store.list_clusters(limit=limit)
        sources = {source.id: source.name for source in store.list_sources()}
        rows = [{"cluster": c.id, "documents": c.size, "sources": c.sources,
                 "first_source": sources.get(c.first_source_id, ""),
                 "first_seen": c.first_seen_at.isoformat() if c.first_seen_at else None,
                 "last_seen": c.last_seen_at.isoformat() if c.last_seen_at else None} for c in clusters]
        if export is not None:
            export_rows(rows, export)
        if json_:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        table = Table("cluster", "documents", "sources", "first posted by", "first seen", "last seen")
        for row in rows:
            table.add_row(str(row["cluster"]), f"{row['documents']:,}", f"{row['sources']:,}",
                          escape(row["first_source"]), row["first_seen"] or "", row["last_seen"] or "")
        console.print(table if rows else "no re-post clusters yet (run `frameline analyze`)")
        return
    if network:
        found = event_named(store, event)
        chosen = parse_selection(store, f"group:{groups}") if groups else Selection("all")
        graph = repost_network(store, chosen.restricted_to(found))
        rows = network_rows(graph)
        if gexf is not None:
            write_gexf(graph, gexf)
        if export is not None:
            export_rows(rows, export)
        if json_:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        table = Table("from", "to", "forwards", "re-posts")
        for row in sorted(rows, key=lambda row: -row["weight"])[:50]:
            table.add_row(escape(str(row["source_label"])), escape(str(row["target_label"])), f"{row['forwards']:,}",
                          f"{row['reposts']:,}")
        console.print(table)
        if gexf is not None:
            console.print(f"network: {graph.number_of_nodes():,} sources, {graph.number_of_edges():,} edges → "
                          f"{escape(str(gexf))}")
        return
    assert cluster is not None
    spread = cluster_spread(store, cluster)
    if export is not None:
        export_rows(spread.rows(), export)
    if json_:
        print(json.dumps(spread.to_dict(), ensure_ascii=False, indent=1))
        return
    console.print(f"cluster {spread.cluster_id}: {spread.size:,} documents from {len(spread.sources):,} sources, "
                  f"{escape(spread.first_seen or '')} to {escape(spread.last_seen or '')}")
    table = Table("source", "groups", "documents", "first seen", "hours after first", "first document")
    for source in spread.sources:
        table.add_row(escape(source.source), escape(", ".join(source.groups)), f"{source.documents:,}",
                      source.first_seen, f"{source.hours_after_first:,.1f}", f"#{source.first_document_id}")
    console.print(table)


def cooccurrence(
    groups: GroupsOption = None,
    side: SideOption = [],  # noqa: B006
    event: EventOption = None,
    min_documents: Annotated[int, typer.Option(help="Keep pairs mentioned together in at least this many documents.")] = 2,
    top: Annotated[int, typer.Option(help="Largest pairs to keep.")] = 50,
    gexf: GexfOption = None,
    export: ExportOption = None,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Entities (actors, places) mentioned together, per group and event; GEXF/CSV network export."""
    _, store = _open(workspace, database_url)
    found = event_named(store, event)
    results = [entity_cooccurrence(store, chosen, min_documents=min_documents, top=top)
               for chosen in _group_sides(store, groups, side, found)]
    if export is not None:
        export_rows([row for result in results for row in result.rows()], export)
    if gexf is not None:
        import networkx as nx

        merged = nx.Graph()
        for result in results:
            for node, data in result.graph().nodes(data=True):
                merged.add_node(node, **data)
            key = "weight_" + "".join(c if c.isalnum() else "_" for c in result.selection)
            for a, b, data in result.graph().edges(data=True):
                if not merged.has_edge(a, b):
                    merged.add_edge(a, b, weight=0)
                merged.edges[a, b]["weight"] += data["weight"]
                merged.edges[a, b][key] = data["weight"]
        write_gexf(merged, gexf)
    if json_:
        print(json.dumps([result.to_dict() for result in results], ensure_ascii=False, indent=1))
        return
    for result in results:
        console.rule(f"{escape(result.selection)} · {result.documents:,} documents with entities")
        table = Table("entity", "entity", "documents", "Jaccard", "PMI")
        for pair in result.pairs:
            table.add_row(escape(pair.name_a), escape(pair.name_b), f"{pair.documents:,}", f"{pair.jaccard:.2f}",
                          f"{pair.pmi:+.2f}")
        console.print(table if result.pairs else "no pair reaches --min-documents")


def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write: .html (self-contained) or .md.")],
    event: EventOption = None,
    groups: GroupsOption = None,
    format: Annotated[Optional[str], typer.Option("--format", "-f", help="html or md (default: from --out).")] = None,
    interval: Annotated[Optional[str], typer.Option(help="day or week (default: day for windows up to 120 days).")] = None,
    frames: Annotated[int, typer.Option(help="Frames to chart over time.")] = 6,
    base_url: Annotated[str, typer.Option("--base-url", help="Where `frameline serve` runs: evidence links become "
                                          "absolute URLs under it.")] = DEFAULT_BASE_URL,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write a brief: contrast table, evidence quotes, timelines with change points, re-posts, distinctive words."""
    from frameline.reports.brief import build_brief, write_brief

    _, store = _open(workspace, database_url)
    chosen = [group.strip() for group in (groups or "").split(",") if group.strip()]
    brief = build_brief(store, chosen, event, interval=interval, top_frames=frames, base_url=base_url,
                        charts=(format or ("md" if out.suffix.lower() in (".md", ".markdown") else "html")) == "html")
    written = write_brief(brief, out, format)
    store.audit("cli", "report", str(out), {"event": event, "groups": brief.groups, "format": written})
    console.print(f"Wrote the {written} brief {escape(brief.title)} to {escape(str(out))}")


def register(app: typer.Typer) -> None:
    """Add these commands to the `frameline` app."""
    app.add_typer(events_app, name="events")
    app.command()(compare)
    app.command()(timeline)
    app.command()(propagation)
    app.command()(cooccurrence)
    app.command()(report)
