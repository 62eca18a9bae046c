"""`frameline codebook ...`: check, read, install and compare narrative codebooks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from frameline.codebook.diff import diff_codebooks
from frameline.codebook.model import Codebook
from frameline.codebook.schema import CodebookError
from frameline.codebook.store import (
    DEFAULT_CODEBOOKS,
    active_codebooks,
    install_default,
    list_versions,
    load_codebook_file,
    load_version,
    packaged_codebook,
)
from frameline.workspace import resolve_workspace

codebook_app = typer.Typer(no_args_is_help=True, help="Validate, show, install and diff narrative codebooks.")

WorkspaceOption = Annotated[
    Optional[Path],
    typer.Option("--workspace", "-w", envvar="FRAMELINE_WORKSPACE", help="Workspace folder (default: current folder)."),
]


def _console():  # imported lazily so this module loads without a cycle through cli.py
    from frameline.cli import console

    return console


@contextmanager
def user_errors() -> Iterator[None]:
    """Codebook and model problems are the user's to fix: one red line, exit status 1, no traceback."""
    from frameline.analysis.frames_eval import GoldError
    from frameline.analysis.frames_model import ModelError
    from frameline.cli import errors
    from frameline.workspace import WorkspaceError

    try:
        yield
    except (CodebookError, GoldError, ModelError, WorkspaceError) as error:
        errors.print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(1) from error


def _resolve(reference: str, workspace: Path | None) -> Codebook:
    """A file path, `<id>` (the workspace's active one), `<id>@<version>` or `<id>@default`."""
    path = Path(reference)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_codebook_file(path)
    codebook_id, _, version = reference.partition("@")
    try:
        found = resolve_workspace(workspace)
    except Exception:
        found = None
    if version:
        if found is None:
            if version == "default":
                return packaged_codebook(codebook_id)
            raise CodebookError(reference, "versions are kept in a workspace; pass --workspace")
        return load_version(found, codebook_id, version)
    for codebook in active_codebooks(found, record=found is not None):
        if codebook.id == codebook_id:
            return codebook
    raise CodebookError(reference, "no such file, and no active codebook with that id")


@codebook_app.command("validate")
def validate(paths: Annotated[list[Path], typer.Argument(help="Codebook YAML files.")]) -> None:
    """Check codebook files against the schema; errors give the file, the YAML path and the line."""
    with user_errors():
        failed = False
        for path in paths:
            try:
                codebook = load_codebook_file(path)
            except CodebookError as error:
                _console().print(f"[red]invalid[/] {escape(str(error))}")
                failed = True
                continue
            cues = sum(len(frame.cues) for frame in codebook.frames)
            patterns = sum(len(frame.patterns) for frame in codebook.frames)
            voice = (f", voice gate: {len(codebook.voice.reporting)} reporting and {len(codebook.voice.speech)} speech "
                     "markers" if codebook.voice else "")
            _console().print(f"[green]valid[/] {escape(str(path))}: {escape(codebook.id)} version {codebook.version}, "
                             f"{len(codebook.frames)} frames, {cues} cues, {patterns} patterns{voice}")
        if failed:
            raise typer.Exit(1)


@codebook_app.command("show")
def show(
    reference: Annotated[Optional[str], typer.Argument(help="File, codebook id, or id@version.")] = None,
    workspace: WorkspaceOption = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The active codebooks (or one) with their frames, themes and versions."""
    with user_errors():
        if reference:
            codebooks = [_resolve(reference, workspace)]
        else:
            try:
                found = resolve_workspace(workspace)
            except Exception:
                found = None
            codebooks = active_codebooks(found)
        if json_:
            print(json.dumps([{"id": book.id, "name": book.name, "version": book.version, "source": book.source,
                               "frames": [{"id": info.id, "name": info.name, "parent": info.parent, "colour": info.colour}
                                          for info in book.frame_list()]} for book in codebooks],
                             ensure_ascii=False, indent=1))
            return
        for book in codebooks:
            _console().rule(f"{escape(book.id)} · version {book.version} · {escape(book.source)}")
            table = Table("frame", "name", "theme", "cues", "patterns", "sources")
            themes = {theme.id: theme.name for theme in book.themes}
            for frame in book.frames:
                languages = sorted({cue.language for cue in frame.cues})
                table.add_row(frame.id, escape(frame.name), escape(themes.get(frame.parent, "")),
                              f"{len(frame.cues)} ({', '.join(languages)})", str(len(frame.patterns)),
                              escape(", ".join(frame.sources)))
            _console().print(table)


@codebook_app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(help="File, id@version or id@default.")],
    new: Annotated[str, typer.Argument(help="File, id, or id@version.")],
    workspace: WorkspaceOption = None,
) -> None:
    """What changed between two codebook versions, frame by frame."""
    with user_errors():
        before, after = _resolve(old, workspace), _resolve(new, workspace)
        changes = diff_codebooks(before, after)
        _console().print(f"{escape(before.id)} {before.version} -> {escape(after.id)} {after.version}: "
                         f"{len(changes)} frames changed")
        for change in changes:
            colour = {"added": "green", "removed": "red"}.get(change.kind, "yellow")
            _console().print(f"[{colour}]{change.kind}[/] {escape(change.frame)}")
            for detail in change.details:
                _console().print(f"    {escape(detail)}")


@codebook_app.command("versions")
def versions(codebook: Annotated[Optional[str], typer.Argument()] = None, workspace: WorkspaceOption = None) -> None:
    """Every recorded version of the workspace's codebooks."""
    with user_errors():
        found = resolve_workspace(workspace)
        active_codebooks(found)  # records the current files' versions
        table = Table("codebook", "version", "recorded", "previous", "from")
        for record in list_versions(found, codebook):
            table.add_row(record.codebook, record.version, record.recorded_at, record.previous or "",
                          escape(record.origin))
        _console().print(table)


@codebook_app.command("install")
def install(
    codebooks: Annotated[Optional[list[str]], typer.Argument(help=f"Packaged codebooks (default: {', '.join(DEFAULT_CODEBOOKS)}).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Copy packaged codebooks into the workspace's codebooks/ folder, to edit them there."""
    with user_errors():
        found = resolve_workspace(workspace)
        for codebook_id in codebooks or DEFAULT_CODEBOOKS:
            path = install_default(found, codebook_id, overwrite)
            _console().print(f"installed {escape(codebook_id)} at {escape(str(path))}")
