"""Where codebooks live: the packaged defaults, a workspace's own files, and every version seen.

A workspace's `codebooks/*.yaml` are the codebooks analysts edit: a file with
the id of a packaged default (`codebook/data/*.yaml`) replaces it, any other
is added, and `codebooks: [...]` in `frameline.yaml` can narrow the set.
Each time a codebook is loaded, its content hash is checked against the
version record (`codebooks/.versions/index.jsonl`); a new hash is a new
version: a frozen copy goes to `codebooks/.versions/<id>/<hash>.yaml` and a
line to the index.  The frames analyser's `config_version` folds in those
hashes, so an edit re-runs only the frame layers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from frameline.codebook.model import Codebook, FrameInfo, parse_codebook
from frameline.codebook.schema import CodebookError

if TYPE_CHECKING:
    from frameline.workspace import Workspace

VERSIONS_FOLDER = ".versions"
INDEX_FILE = "index.jsonl"
DEFAULT_CODEBOOKS = ("jihadist-narratives", "counter-narratives")


@dataclass(frozen=True)
class VersionRecord:
    codebook: str
    version: str
    recorded_at: str
    file: str  # the frozen copy, relative to the workspace's codebooks folder
    origin: str  # the file or package resource it was read from
    previous: str | None = None


def packaged_codebook(codebook_id: str) -> Codebook:
    resource = resources.files("frameline.codebook").joinpath(f"data/{codebook_id}.yaml")
    if not resource.is_file():
        raise CodebookError(f"frameline/codebook/data/{codebook_id}.yaml",
                            f"no packaged codebook {codebook_id!r}; packaged: {', '.join(DEFAULT_CODEBOOKS)}")
    return parse_codebook(resource.read_text(encoding="utf-8"), f"frameline/codebook/data/{codebook_id}.yaml")


def packaged_codebooks() -> list[Codebook]:
    return [packaged_codebook(codebook_id) for codebook_id in DEFAULT_CODEBOOKS]


def load_codebook_file(path: Path) -> Codebook:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CodebookError(str(path), f"cannot read: {error}") from error
    return parse_codebook(text, str(path))


def workspace_codebook_files(workspace: Workspace) -> list[Path]:
    folder = workspace.codebooks_dir
    if not folder.is_dir():
        return []
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def active_codebooks(workspace: Workspace | None, record: bool = True) -> list[Codebook]:
    """The packaged codebooks, each replaced by the workspace's file with the same id, plus the workspace's
    own; `codebooks: [id, ...]` in the workspace settings narrows (and orders) the set.  Each version is
    recorded on first sight."""
    paths = workspace_codebook_files(workspace) if workspace is not None else []
    by_id: dict[str, Codebook] = {codebook.id: codebook for codebook in packaged_codebooks()}
    from_files: dict[str, str] = {}
    for path in paths:
        codebook = load_codebook_file(path)
        if codebook.id in from_files:
            raise CodebookError(codebook.source, f"codebook id {codebook.id!r} is also used by {from_files[codebook.id]}")
        from_files[codebook.id] = codebook.source
        by_id[codebook.id] = codebook
    wanted = (workspace.settings.get("codebooks") if workspace is not None else None) or list(by_id)
    if not isinstance(wanted, list) or not all(isinstance(item, str) for item in wanted):
        raise CodebookError("frameline.yaml", "'codebooks' must be a list of codebook ids")
    missing = [codebook_id for codebook_id in wanted if codebook_id not in by_id]
    if missing:
        raise CodebookError("frameline.yaml", f"'codebooks' names {missing}, which are neither packaged nor in "
                                              f"codebooks/; available: {sorted(by_id)}")
    codebooks = [by_id[codebook_id] for codebook_id in wanted]
    frames: dict[str, str] = {}
    for codebook in codebooks:
        for frame in codebook.frames:
            if frame.id in frames:
                raise CodebookError(codebook.source, f"frame id {frame.id!r} is also a frame of {frames[frame.id]}; "
                                                     "frame ids are labels and must be unique across active codebooks")
            frames[frame.id] = codebook.id
    if record and workspace is not None and workspace.codebooks_dir.is_dir():
        for codebook in codebooks:
            record_version(workspace, codebook)
    return codebooks


def frame_list(workspace: Workspace | None) -> list[FrameInfo]:
    """Every active frame (codebook, id, name, parent theme, colour), for the UI, comparisons and reports."""
    return [info for codebook in active_codebooks(workspace, record=False) for info in codebook.frame_list()]


def _index_path(workspace: Workspace) -> Path:
    return workspace.codebooks_dir / VERSIONS_FOLDER / INDEX_FILE


def list_versions(workspace: Workspace, codebook_id: str | None = None) -> list[VersionRecord]:
    path = _index_path(workspace)
    if not path.is_file():
        return []
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(VersionRecord(**json.loads(line)))
        except (ValueError, TypeError) as error:
            raise CodebookError(str(path), f"line {number} is not a version record: {error}", line=number) from error
    return [record for record in records if codebook_id is None or record.codebook == codebook_id]


def record_version(workspace: Workspace, codebook: Codebook) -> VersionRecord:
    """The version record of this exact text, written (with a frozen copy) when it is new."""
    history = list_versions(workspace, codebook.id)
    for record in history:
        if record.version == codebook.version:
            return record
    folder = workspace.codebooks_dir / VERSIONS_FOLDER / codebook.id
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"{codebook.version}.yaml"
    copy.write_text(codebook.text, encoding="utf-8")
    record = VersionRecord(codebook.id, codebook.version, datetime.now(timezone.utc).isoformat(timespec="seconds"),
                           str(copy.relative_to(workspace.codebooks_dir)), codebook.source,
                           history[-1].version if history else None)
    with _index_path(workspace).open("a", encoding="utf-8") as index:
        index.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
    return record


def load_version(workspace: Workspace, codebook_id: str, version: str) -> Codebook:
    """A recorded version by (a prefix of) its hash, or the packaged default by the word `default`."""
    if version == "default":
        return packaged_codebook(codebook_id)
    matches = [record for record in list_versions(workspace, codebook_id) if record.version.startswith(version)]
    if len(matches) != 1:
        known = ", ".join(record.version for record in list_versions(workspace, codebook_id)) or "none recorded"
        raise CodebookError(codebook_id, f"{'no' if not matches else 'more than one'} version {version!r}; known: {known}")
    return load_codebook_file(workspace.codebooks_dir / matches[0].file)


def install_default(workspace: Workspace, codebook_id: str, overwrite: bool = False) -> Path:
    """Copy a packaged codebook into the workspace, where analysts edit it."""
    codebook = packaged_codebook(codebook_id)
    target = workspace.codebooks_dir / f"{codebook_id}.yaml"
    if target.exists() and not overwrite:
        raise CodebookError(str(target), "already exists; edit it, or pass --overwrite to replace it")
    workspace.codebooks_dir.mkdir(exist_ok=True)
    target.write_text(codebook.text, encoding="utf-8")
    return target
