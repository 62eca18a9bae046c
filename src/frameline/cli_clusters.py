"""`frameline clusters …`: re-post clusters, and the hash lists teams exchange.

    frameline clusters list [--min-size 3]
    frameline clusters show 1234
    frameline clusters export-hashes 1234 --label "Amaq claim, Mosul" --out amaq-mosul.txt
    frameline clusters export-hashes --min-size 5 --out campaigns.txt
    frameline clusters import-hashes partner-list.txt [--name partner]
    frameline clusters lists
    frameline clusters reset

Library functions do the work (`frameline.analysis.hashlists`, the store's
cluster methods, `frameline.pipeline.analyze`); this module only parses
options and prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from frameline import pipeline
from frameline.analysis.hashlists import (
    HashListError,
    cluster_hash_lines,
    format_hash_list,
    import_hash_list,
    remove_hash_list,
    workspace_lists,
)
from frameline.analysis.known_lists import LAYER as KNOWN_LIST_LAYER
from frameline.cli import DatabaseOption, JsonOption, WorkspaceOption, _open, console, errors

clusters_app = typer.Typer(no_args_is_help=True, help="Re-post clusters and shareable hash lists.")


def _when(moment) -> str:  # noqa: ANN001
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "undated"


@clusters_app.command("list")
def list_clusters(
    min_size: Annotated[int, typer.Option(help="Only clusters with at least this many documents.")] = 2,
    limit: Annotated[int, typer.Option()] = 50,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
    json_: JsonOption = False,
) -> None:
    """The largest re-post clusters first, with their spread: documents, sources, first and last seen."""
    _, store = _open(workspace, database_url)
    found = store.list_clusters(min_size=min_size, limit=limit)
    sources = {source.id: source.name for source in store.list_sources()}
    if json_:
        print(json.dumps([{"id": c.id, "size": c.size, "sources": c.sources, "first_document_id": c.first_document_id,
                           "first_source": sources.get(c.first_source_id),
                           "first_seen_at": c.first_seen_at.isoformat() if c.first_seen_at else None,
                           "last_seen_at": c.last_seen_at.isoformat() if c.last_seen_at else None}
                          for c in found], ensure_ascii=False, indent=1))
        return
    table = Table("cluster", "documents", "sources", "first source", "first seen", "last seen")
    for c in found:
        table.add_row(str(c.id), f"{c.size:,}", f"{c.sources:,}", escape(sources.get(c.first_source_id, "")),
                      _when(c.first_seen_at), _when(c.last_seen_at))
    console.print(table if found else "[dim]no clusters yet: run `frameline analyze`[/]")


@clusters_app.command("show")
def show_cluster(
    cluster_id: Annotated[int, typer.Argument(help="Cluster id (the id of the document that founded it).")],
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
    json_: JsonOption = False,
) -> None:
    """One cluster: its spread and every member, with how it matched and the start of its text."""
    _, store = _open(workspace, database_url)
    summary = store.get_cluster(cluster_id)
    if summary is None:
        errors.print(f"[red]error:[/] no cluster {cluster_id}; see `frameline clusters list`")
        raise typer.Exit(1)
    members = store.cluster_members(cluster_id)
    documents = store.get_documents([member.document_id for member in members])
    sources = {source.id: source.name for source in store.list_sources()}
    rows = []
    for member in members:
        document = documents.get(member.document_id)
        rows.append({"document_id": member.document_id, "method": member.method, "similarity": member.similarity,
                     "matched_document_id": member.matched_document_id,
                     "source": sources.get(document.source_id) if document else None,
                     "published_at": document.published_at.isoformat() if document and document.published_at else None,
                     "text": (document.text[:120] if document else "")})
    if json_:
        print(json.dumps({"id": summary.id, "size": summary.size, "sources": summary.sources,
                          "first_document_id": summary.first_document_id, "members": rows},
                         ensure_ascii=False, indent=1))
        return
    console.print(f"[bold]cluster {summary.id}[/]: {summary.size:,} documents in {summary.sources:,} sources, "
                  f"first seen {_when(summary.first_seen_at)} (#{summary.first_document_id}), "
                  f"last {_when(summary.last_seen_at)}")
    table = Table("document", "source", "published", "method", "similarity", "text")
    for row in rows:
        table.add_row(f"#{row['document_id']}", escape(row["source"] or ""), (row["published_at"] or "")[:16],
                      row["method"], f"{row['similarity']:.2f}", escape(" ".join(row["text"].split())[:80]))
    console.print(table)


@clusters_app.command("export-hashes")
def export_hashes(
    cluster_ids: Annotated[Optional[list[int]], typer.Argument(help="Clusters to export (default: see --min-size).")] = None,
    min_size: Annotated[Optional[int], typer.Option(help="Export every cluster with at least this many documents.")] = None,
    label: Annotated[Optional[str], typer.Option(help="Label for every line (default: 'cluster <id>').")] = None,
    source: Annotated[Optional[str], typer.Option(help="Source for every line (default: the first poster).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: standard output).")] = None,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write clusters' signatures as a shareable hash list (no document text leaves the workspace)."""
    _, store = _open(workspace, database_url)
    if not cluster_ids and min_size is None:
        raise typer.BadParameter("name cluster ids, or give --min-size to export every cluster that large")
    chosen = list(dict.fromkeys(cluster_ids or []))
    if min_size is not None:
        chosen += [c.id for c in store.list_clusters(min_size=min_size, limit=1_000_000) if c.id not in chosen]
    try:
        lines = cluster_hash_lines(store, chosen, label=label, source=source)
    except LookupError as error:
        errors.print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(1)
    text = format_hash_list(lines, f"{len(chosen)} cluster{'' if len(chosen) == 1 else 's'} exported by frameline")
    store.audit("cli", "export-hashes", str(out) if out else "stdout", {"clusters": chosen[:100], "lines": len(lines)})
    if out is None:
        print(text, end="")
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"Wrote {len(lines):,} hashes of {len(chosen):,} cluster{'' if len(chosen) == 1 else 's'} to {escape(str(out))}")


@clusters_app.command("import-hashes")
def import_hashes(
    path: Annotated[Path, typer.Argument(help="A hash list (kind:hex<TAB>label<TAB>source per line).")],
    name: Annotated[Optional[str], typer.Option(help="Name for the list (default: the file name).")] = None,
    analyse: Annotated[bool, typer.Option(help="Flag matching documents now (else at the next analyze).")] = True,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Add a list another team shared; documents matching it (exactly or nearly) get a "known-list" label."""
    found, store = _open(workspace, database_url)
    try:
        list_name, lines = import_hash_list(found, path, name)
    except HashListError as error:
        errors.print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(1)
    store.audit("cli", "import-hashes", list_name, {"file": str(path), "lines": len(lines)})
    console.print(f"Imported {len(lines):,} hashes as list [bold]{escape(list_name)}[/]")
    if not analyse:
        return
    report = pipeline.analyze(store, found, only=["known-lists"])
    flagged = store.count_labelled(KNOWN_LIST_LAYER, {"list": list_name})
    console.print(f"checked {report['known-lists'].documents:,} documents: {flagged:,} match the list")


@clusters_app.command("lists")
def lists(workspace: WorkspaceOption = None, database_url: DatabaseOption = None,
          remove: Annotated[Optional[str], typer.Option(help="Remove the list of this name.")] = None) -> None:
    """The hash lists imported into this workspace (or remove one)."""
    found, store = _open(workspace, database_url)
    if remove is not None:
        if not remove_hash_list(found, remove):
            errors.print(f"[red]error:[/] no list called {escape(remove)!r}")
            raise typer.Exit(1)
        store.audit("cli", "remove-hash-list", remove)
        console.print(f"Removed {escape(remove)}; run `frameline analyze` to drop its labels")
        return
    table = Table("list", "hashes", "labels", "documents matching")
    for list_name, lines in workspace_lists(found).items():
        table.add_row(escape(list_name), f"{len(lines):,}", f"{len({line.label for line in lines}):,}",
                      f"{store.count_labelled(KNOWN_LIST_LAYER, {'list': list_name}):,}")
    console.print(table)


@clusters_app.command("reset")
def reset(
    recluster: Annotated[bool, typer.Option(help="Cluster everything again right away.")] = False,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Forget every cluster so the next analysis clusters from scratch (after changing thresholds, say)."""
    found, store = _open(workspace, database_url)
    count = store.reset_clusters()
    store.audit("cli", "reset-clusters", None, {"clusters": count})
    console.print(f"Removed {count:,} clusters")
    if recluster:
        report = pipeline.analyze(store, found, only=["duplicates"])
        console.print(f"clustered {report['duplicates'].documents:,} documents: "
                      f"{len(store.list_clusters(limit=1_000_000)):,} clusters")
