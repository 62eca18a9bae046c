"""What only the SQLite workspace database does: WAL journaling and a clear error when another process holds the lock."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from frameline.store import SqlStore, StoreLocked, sqlite_url

from .corpus import raw_doc


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    return tmp_path / "case-mosul" / "frameline.db"


@pytest.fixture
def quick_timeout_store(database_file: Path) -> Iterator[SqlStore]:
    database_file.parent.mkdir()
    opened = SqlStore(sqlite_url(database_file), busy_timeout_s=0.2)
    yield opened
    opened.close()


@pytest.fixture
def other_writer(database_file: Path) -> Iterator[sqlite3.Connection]:
    """Another connection to the same file, as a second frameline process would hold."""
    connection = sqlite3.connect(database_file, isolation_level=None, timeout=0)
    yield connection
    connection.close()


def test_the_database_uses_write_ahead_logging(quick_timeout_store, database_file):
    with quick_timeout_store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with closing(sqlite3.connect(database_file)) as plain_client:  # persistent: any client opening the file sees it
        assert plain_client.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_write_while_another_process_holds_the_lock_raises_store_locked_naming_the_file(
    quick_timeout_store, database_file, other_writer
):
    quick_timeout_store.write_documents([raw_doc("kept", "1")])
    other_writer.execute("BEGIN EXCLUSIVE")

    started = time.monotonic()
    with pytest.raises(StoreLocked) as raised:
        quick_timeout_store.write_documents([raw_doc("blocked", "2")])
    waited = time.monotonic() - started

    assert str(database_file) in str(raised.value)
    assert "locked" in str(raised.value)
    assert waited < 5  # the 0.2 s busy timeout, not the 10 s default


def test_nothing_stored_is_lost_when_a_write_is_refused_for_the_lock(quick_timeout_store, other_writer):
    quick_timeout_store.write_documents([raw_doc("kept", "1")])
    quick_timeout_store.write_analysis("frames", "1", {1: ([], [])})
    other_writer.execute("BEGIN EXCLUSIVE")

    with pytest.raises(StoreLocked):
        quick_timeout_store.write_documents([raw_doc("blocked", "2")])
    other_writer.execute("ROLLBACK")

    assert [document.text for document in quick_timeout_store.iter_documents()] == ["kept"]
    assert quick_timeout_store.stale_documents("frames", "1") == []
    assert quick_timeout_store.write_documents([raw_doc("blocked", "2")]).new == 1  # and writing works again


def test_readers_are_not_blocked_by_another_processs_write_lock(quick_timeout_store, other_writer):
    quick_timeout_store.write_documents([raw_doc("kept", "1")])
    other_writer.execute("BEGIN EXCLUSIVE")

    assert quick_timeout_store.count_documents() == 1
