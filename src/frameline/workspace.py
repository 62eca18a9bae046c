"""A workspace: one folder an analyst can zip and hand to a colleague.

    case-mosul/
      frameline.yaml      settings (database URL if not the embedded one, source schedules, …)
      frameline.db        the embedded SQLite database (WAL mode)
      codebooks/          narrative codebooks, one YAML file per version
      watchlists/         entity watchlists analysts edit
      rejects/            one JSONL file per import that rejected records
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from frameline.store import SqlStore, open_store, sqlite_url

SETTINGS_FILE = "frameline.yaml"
DATABASE_FILE = "frameline.db"
ENVIRONMENT_VARIABLE = "FRAMELINE_WORKSPACE"


class WorkspaceError(Exception):
    """The folder is not a workspace, or its settings cannot be read."""


@dataclass
class Workspace:
    path: Path
    settings: dict[str, Any]

    @property
    def database_url(self) -> str:
        return self.settings.get("database_url") or sqlite_url(self.path / DATABASE_FILE)

    @property
    def rejects_dir(self) -> Path:
        return self.path / "rejects"

    @property
    def codebooks_dir(self) -> Path:
        return self.path / "codebooks"

    @property
    def watchlists_dir(self) -> Path:
        return self.path / "watchlists"

    def open_store(self, database_url: str | None = None) -> SqlStore:
        return open_store(database_url or self.database_url)

    def save_settings(self) -> None:
        (self.path / SETTINGS_FILE).write_text(yaml.safe_dump(self.settings, sort_keys=False, allow_unicode=True))


def init_workspace(path: Path, database_url: str | None = None) -> Workspace:
    """Create the folder layout and the database; safe to run on an existing workspace."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise WorkspaceError(f"{path} exists and is not a folder")
    path.mkdir(parents=True, exist_ok=True)
    settings_path = path / SETTINGS_FILE
    if settings_path.exists():
        workspace = load_workspace(path)
    else:
        settings: dict[str, Any] = {"name": path.resolve().name, "version": 1}
        if database_url:
            settings["database_url"] = database_url
        workspace = Workspace(path, settings)
        workspace.save_settings()
    for folder in (workspace.codebooks_dir, workspace.watchlists_dir, workspace.rejects_dir):
        folder.mkdir(exist_ok=True)
    workspace.open_store().close()
    return workspace


def load_workspace(path: Path) -> Workspace:
    path = Path(path)
    settings_path = path / SETTINGS_FILE
    if not settings_path.is_file():
        raise WorkspaceError(
            f"{path.resolve()} is not a Frameline workspace (no {SETTINGS_FILE}); "
            f"create one with `frameline init {path}` or pass --workspace"
        )
    try:
        settings = yaml.safe_load(settings_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise WorkspaceError(f"{settings_path}: cannot read settings: {error}") from error
    if not isinstance(settings, dict):
        raise WorkspaceError(f"{settings_path}: settings must be a mapping")
    return Workspace(path, settings)


def resolve_workspace(path: Path | None) -> Workspace:
    """--workspace, else $FRAMELINE_WORKSPACE, else the current folder."""
    if path is None:
        path = Path(os.environ.get(ENVIRONMENT_VARIABLE) or ".")
    return load_workspace(path)
