"""Fixtures for the storage tests: every `store` test runs against SQLite and a real PostgreSQL.

The PostgreSQL side uses FRAMELINE_TEST_POSTGRES_URL when it is set, otherwise
a throwaway cluster started once per test session (see tests/pg_server.py).
Each test gets a new, empty database on it.  Where no PostgreSQL can be had,
the postgres-marked tests fail in CI (CI=true) and are skipped elsewhere, with
the reason in the message.  `-m "not postgres"` runs the SQLite side alone.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for pg_server

import pg_server  # noqa: E402

from frameline.store import SqlStore, sqlite_url  # noqa: E402


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg_server.PostgresServer]:
    server = pg_server.server_from_environment()
    if server is None:
        reason = pg_server.unavailable_reason()
        if reason is not None:
            if _in_ci():
                pytest.fail(f"PostgreSQL is required in CI (CI={os.environ['CI']}): {reason}", pytrace=False)
            pytest.skip(f"PostgreSQL tests skipped: {reason}")
        server = pg_server.start_cluster()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: pg_server.PostgresServer) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    name, url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "frameline.db")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    opened = SqlStore(store_url)
    yield opened
    opened.close()
