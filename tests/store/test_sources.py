"""Sources and their groups: the channels, feeds and accounts documents come from."""

from __future__ import annotations

from datetime import timedelta

import pytest

from frameline.records import SourceRef
from frameline.store import SqlStore, StoreError

from .corpus import AMAQ, NASHIR, REUTERS


def test_ensuring_a_source_twice_returns_the_same_id(store, store_url):
    source_id = store.ensure_source(AMAQ)

    assert store.ensure_source(AMAQ) == source_id
    reopened = SqlStore(store_url)
    try:
        assert reopened.ensure_source(AMAQ) == source_id  # not only a cache in this process
    finally:
        reopened.close()
    assert len(store.list_sources()) == 1


def test_kind_and_name_together_identify_a_source(store):
    as_feed = store.ensure_source(SourceRef(kind="rss", name="Amaq Agency"))

    assert store.ensure_source(AMAQ) != as_feed


def test_a_source_keeps_its_details_and_groups(store):
    ref = SourceRef(kind="telegram", name="Al-Naba", handle="@naba", url="https://t.me/naba", language="ar",
                    groups=("extremist", "official"), metadata={"subscribers": 5400})
    source = store.get_source(store.ensure_source(ref))

    assert (source.kind, source.name, source.handle, source.url, source.language) == (
        "telegram", "Al-Naba", "@naba", "https://t.me/naba", "ar")
    assert source.groups == ["extremist", "official"]
    assert source.metadata == {"subscribers": 5400}
    assert source.created_at.utcoffset() == timedelta(0)


def test_groups_can_be_added_and_removed(store):
    source_id = store.ensure_source(AMAQ)

    store.add_source_groups(source_id, ["official", "extremist", "official"])
    assert store.get_source(source_id).groups == ["extremist", "official"]
    store.remove_source_groups(source_id, ["extremist", "never-added"])
    assert store.get_source(source_id).groups == ["official"]


def test_ensuring_a_source_again_with_more_groups_adds_them(store):
    source_id = store.ensure_source(AMAQ)

    store.ensure_source(SourceRef(kind=AMAQ.kind, name=AMAQ.name, groups=("watchlist",)))

    assert store.get_source(source_id).groups == ["extremist", "watchlist"]


def test_sources_are_listed_in_creation_order_with_their_own_groups(store):
    for ref in (REUTERS, AMAQ, NASHIR):
        store.ensure_source(ref)

    assert [(s.name, s.groups) for s in store.list_sources()] == [
        ("Reuters World", ["mainstream"]), ("Amaq Agency", ["extremist"]), ("Nashir News", ["extremist", "supporters"])]


def test_a_source_is_found_by_name_handle_or_id(store):
    source_id = store.ensure_source(NASHIR)
    store.ensure_source(AMAQ)

    assert store.find_source("Nashir News").id == source_id
    assert store.find_source("@nashir").id == source_id
    assert store.find_source(str(source_id)).id == source_id
    assert store.find_source("nobody") is None


def test_asking_for_a_missing_source_is_a_store_error(store):
    with pytest.raises(StoreError, match="no source with id 42"):
        store.get_source(42)
