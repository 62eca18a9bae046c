"""The monitor's per-target status rows and the known-record check, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from frameline.records import RawDocument, SourceRef


def test_record_collection_creates_then_updates_one_row_per_target(store) -> None:
    moment = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    store.record_collection("https://news.example/feed", "rss", last_attempt_at=moment, outcome="failed",
                            error="the server answered HTTP 500", failures=1, next_due_at=moment + timedelta(minutes=30))
    store.record_collection("/srv/drop", "files", last_attempt_at=moment, outcome="new", last_new=3, total_new=3)
    store.record_collection("https://news.example/feed", "rss", last_attempt_at=moment + timedelta(minutes=30),
                            last_success_at=moment + timedelta(minutes=30), outcome="new", error=None, failures=0,
                            etag='"v2"', last_modified="Mon, 10 Jul 2017 14:00:00 GMT", last_new=5, total_new=5,
                            polls=2)
    rows = store.collection_status()
    assert [row["target"] for row in rows] == ["/srv/drop", "https://news.example/feed"]
    feed = store.collection_status("https://news.example/feed")[0]
    assert (feed["outcome"], feed["error"], feed["failures"], feed["etag"], feed["polls"]) == ("new", None, 0, '"v2"', 2)
    assert feed["last_success_at"] == moment + timedelta(minutes=30)
    store.forget_collection("/srv/drop")
    assert [row["target"] for row in store.collection_status()] == ["https://news.example/feed"]


def test_has_document_is_per_source(store) -> None:
    feed = SourceRef(kind="rss", name="Daily News")
    other = SourceRef(kind="rss", name="Other News")
    store.write_documents([RawDocument(source=feed, text="Mosul liberated", native_id="story-1")])
    assert store.has_document(feed, "story-1")
    assert not store.has_document(feed, "story-2") and not store.has_document(other, "story-1")
