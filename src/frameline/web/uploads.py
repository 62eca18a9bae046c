"""Files uploaded for import: saved inside the workspace under a safe name, then imported.

The original name is reduced to letters, digits, dot, dash and underscore (no
folders, no leading dots) and prefixed with a timestamp, so an upload can never
write outside `uploads/` or overwrite an earlier one; the size is capped while
copying, not after.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from frameline.sources import BrokenImporter, UnknownImporter
from frameline.sources.base import ImportOptions, ImportRejected
from frameline.sources.runner import ImportReport, run_import
from frameline.store.sql import SqlStore
from frameline.workspace import Workspace

_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


class UploadRejected(ValueError):
    """The upload cannot be imported; the message says why (and names the file)."""


def safe_name(filename: str | None) -> str:
    name = _UNSAFE_NAME.sub("_", Path((filename or "upload").replace("\\", "/")).name)[-120:].lstrip(".")
    return name or "upload"


def import_upload(workspace: Workspace, store: SqlStore, importer: str, filename: str | None, stream: BinaryIO,
                  options: ImportOptions, actor: str, max_bytes: int) -> tuple[str, ImportReport]:
    name = safe_name(filename)
    folder = workspace.path / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%f')}-{name}"
    written = 0
    with target.open("wb") as handle:
        while chunk := stream.read(1 << 20):
            written += len(chunk)
            if written > max_bytes:
                break
            handle.write(chunk)
    if written > max_bytes:
        target.unlink()
        raise UploadRejected(f"{name}: larger than the upload limit ({max_bytes:,} bytes)")
    try:
        report = run_import(store, importer, [target], options, rejects_dir=workspace.rejects_dir, actor=actor)
    except (UnknownImporter, BrokenImporter, ImportRejected, ValueError) as error:
        raise UploadRejected(f"{name}: {error}") from error
    return name, report
