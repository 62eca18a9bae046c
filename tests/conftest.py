"""Fixtures shared by the whole suite: real workspaces, real files, no mocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frameline.store import open_store, sqlite_url
from frameline.workspace import init_workspace

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real data beside the checkout (../shared/data); tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA} (clone with ../shared beside the repo)")
    return SHARED_DATA


@pytest.fixture
def workspace(tmp_path: Path):
    return init_workspace(tmp_path / "workspace")


@pytest.fixture
def sqlite_store(tmp_path: Path):
    store = open_store(sqlite_url(tmp_path / "store.db"))
    yield store
    store.close()


def write_telegram_export(path: Path, messages: list[dict], name: str = "Amaq test", chat_id: int = 777,
                          chat_type: str = "public_channel") -> Path:
    """A single-chat export as Telegram Desktop writes it (keys in Desktop's order)."""
    path.write_text(json.dumps({"name": name, "type": chat_type, "id": chat_id, "messages": messages},
                               ensure_ascii=False, indent=1), encoding="utf-8")
    return path
