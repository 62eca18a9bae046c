from __future__ import annotations

import pytest

from .corpus import build


@pytest.fixture
def mosul(sqlite_store):
    """A store holding the two-camp corpus; returns (store, ids by group)."""
    return sqlite_store, build(sqlite_store)
