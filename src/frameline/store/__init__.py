"""Storage: one interface (`Store`), SQLite and PostgreSQL behind it."""

from __future__ import annotations

from pathlib import Path

from frameline.store.base import SearchHit, SearchResults, Store, StoreError, StoreLocked, WriteResult
from frameline.store.query import DocumentFilter, QuerySyntaxError, SearchQuery
from frameline.store.sql import SqlStore


def open_store(url: str, **options) -> SqlStore:  # noqa: ANN003
    """Open (and migrate to the newest schema) a `sqlite:///…` or `postgresql://…` database."""
    return SqlStore(url, **options)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


__all__ = [
    "DocumentFilter", "QuerySyntaxError", "SearchHit", "SearchQuery", "SearchResults", "SqlStore", "Store",
    "StoreError", "StoreLocked", "WriteResult", "open_store", "sqlite_url",
]
