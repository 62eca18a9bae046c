"""The web pages' read-side queries and the account tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timezone

from frameline.store import browse
import pytest

from frameline.store.accounts import AccountError, AccountStore

from .corpus import AMAQ, NASHIR, REUTERS, label, raw_doc, span


def _at(day: int, month: int = 7) -> datetime:
    return datetime(2017, month, day, 12, tzinfo=timezone.utc)


def test_frame_timeline_counts_documents_per_frame_week_and_group(store):
    written = store.write_documents([
        raw_doc("a", "1", AMAQ, published_at=_at(10)), raw_doc("b", "2", NASHIR, published_at=_at(11)),
        raw_doc("c", "3", REUTERS, published_at=_at(18)), raw_doc("d", "4", REUTERS, published_at=_at(19)),
    ])
    a, b, c, _ = written.new_ids
    store.write_analysis("frames", "1", {
        a: ([], [label("frame", "steadfastness")]), b: ([], [label("frame", "steadfastness"), label("frame", "loss")]),
        c: ([], [label("frame", "victory")]),
    })
    timeline = browse.frame_timeline(store, "week")
    assert timeline.buckets == [date(2017, 7, 10), date(2017, 7, 17)]
    assert timeline.frames == ["loss", "steadfastness", "victory"]
    assert timeline.groups["extremist"]["steadfastness"] == [2, 0]
    assert timeline.groups["supporters"]["loss"] == [1, 0]
    assert timeline.groups["mainstream"]["victory"] == [0, 1]
    assert timeline.totals["mainstream"] == [0, 2]  # the unlabelled document counts in the share's denominator
    assert browse.label_counts(store, "frame")[0] == ("steadfastness", 2)


def test_activity_picks_the_finest_unit_that_fits(store):
    store.write_documents([raw_doc("a", "1", published_at=_at(1, 1)), raw_doc("b", "2", published_at=_at(1, 12))])
    unit, bars = browse.activity(store, max_bars=60)
    assert unit == "week" and sum(n for _, n in bars) == 2
    unit, bars = browse.activity(store, max_bars=400)
    assert unit == "day" and bars[0] == (date(2017, 1, 1), 1)


def test_same_content_and_documents_with_spans(store):
    first, second = store.write_documents([raw_doc("same words", "1", AMAQ), raw_doc("same words", "1", REUTERS)]).new_ids
    assert browse.same_content(store, store.get_document(first).content_hash, first) == [second]
    store.write_analysis("frames", "1", {second: ([span(0, 4, "frame")], [])})
    assert browse.documents_with_spans(store, "frame") == [second]


def test_accounts_sessions_and_tokens(store):
    accounts = AccountStore(store)
    user = accounts.add_user("amira", "a long passphrase", "analyst")
    for name, password, role, problem in (("amira", "another passphrase", "viewer", "already a user"),
                                          ("bob", "short", "viewer", "at least 10"),
                                          ("bob", "a long passphrase", "root", "role must be")):
        with pytest.raises(AccountError, match=problem):
            accounts.add_user(name, password, role)
    assert accounts.authenticate("amira", "wrong") is None
    assert accounts.authenticate("amira", "a long passphrase").username == "amira"
    cookie, session = accounts.open_session(user)
    assert accounts.session(cookie).csrf_token == session.csrf_token
    token = accounts.create_api_token(user, "nb")
    assert accounts.api_token_user(token).username == "amira"
    accounts.set_disabled("amira")
    assert accounts.session(cookie) is None and accounts.api_token_user(token) is None
    assert accounts.authenticate("amira", "a long passphrase") is None
