"""Writing and reading documents: idempotent imports, import-time spans, UTC times."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from frameline.records import SpanDraft, content_hash
from frameline.store import DocumentFilter, SearchQuery, StoreError

from .corpus import AMAQ, REUTERS, raw_doc


def test_a_stored_document_comes_back_with_every_field(store):
    published = datetime(2017, 7, 10, 18, 30, tzinfo=timezone.utc)
    result = store.write_documents([raw_doc(
        "The soldiers of the Caliphate continue.", native_id="msg-1", title="Statement on Mosul",
        url="https://t.me/amaq/1", author="Amaq", author_id="u-77", published_at=published, language="en",
        reply_to="msg-0", forwarded_from="Nashir News", media=[{"type": "photo", "file": "p1.jpg"}],
        metadata={"views": 1200, "tags": ["mosul"]},
    )])
    assert result.new == 1 and result.duplicate == 0 and len(result.new_ids) == 1

    document = store.get_document(result.new_ids[0])
    assert document.source_id == store.find_source("Amaq Agency").id
    assert (document.native_id, document.text, document.title) == (
        "msg-1", "The soldiers of the Caliphate continue.", "Statement on Mosul")
    assert (document.url, document.author, document.author_id, document.language) == (
        "https://t.me/amaq/1", "Amaq", "u-77", "en")
    assert (document.reply_to, document.forwarded_from) == ("msg-0", "Nashir News")
    assert document.published_at == published
    assert document.media == [{"type": "photo", "file": "p1.jpg"}]
    assert document.metadata == {"views": 1200, "tags": ["mosul"]}
    assert document.content_hash == content_hash(document.text, document.title)


def test_the_raw_record_is_returned_only_when_asked_for(store):
    raw_record = {"id": 1, "text": [{"type": "bold", "text": "بيان"}], "date": "2017-07-10T18:30:00"}
    [document_id] = store.write_documents([raw_doc("بيان", native_id="1", raw=raw_record)]).new_ids

    assert store.get_document(document_id).raw is None
    assert store.get_document(document_id, with_raw=True).raw == raw_record


def test_the_same_source_and_native_id_is_stored_once(store):
    first = store.write_documents([raw_doc("original wording", native_id="msg-1")])
    again = store.write_documents([raw_doc("edited wording", native_id="msg-1")])

    assert (first.new, first.duplicate) == (1, 0)
    assert (again.new, again.duplicate, again.new_ids) == (0, 1, [])
    assert store.count_documents() == 1
    assert store.get_document(first.new_ids[0]).text == "original wording"


def test_the_same_native_id_in_another_source_is_another_document(store):
    result = store.write_documents([raw_doc("a", native_id="1", source=AMAQ), raw_doc("b", native_id="1", source=REUTERS)])

    assert (result.new, result.duplicate) == (2, 0)


def test_without_a_native_id_the_content_hash_makes_reimports_idempotent(store):
    first = store.write_documents([raw_doc("Mosul has fallen.\r\n", title="News")])
    again = store.write_documents([raw_doc("  Mosul has fallen.", title="News")])  # only whitespace differs
    other = store.write_documents([raw_doc("Mosul has fallen.", title="Other news")])

    assert (first.new, again.new, again.duplicate, other.new) == (1, 0, 1, 1)
    assert store.get_document(first.new_ids[0]).native_id == "sha256:" + content_hash("Mosul has fallen.", "News")


def test_duplicates_inside_one_batch_are_stored_once_and_counted(store):
    result = store.write_documents([
        raw_doc("first", native_id="7"), raw_doc("second", native_id="8"), raw_doc("first again", native_id="7"),
        raw_doc("no id"), raw_doc("no id"),
    ])

    assert (result.new, result.duplicate) == (3, 2)
    assert store.count_documents() == 3


def test_a_batch_mixing_new_and_stored_documents_reports_both(store):
    store.write_documents([raw_doc("one", native_id="1"), raw_doc("two", native_id="2")])
    result = store.write_documents([raw_doc("two", native_id="2"), raw_doc("three", native_id="3")])

    assert (result.new, result.duplicate) == (1, 1)
    assert [store.get_document(i).native_id for i in result.new_ids] == ["3"]


def test_spans_found_at_import_are_stored_with_the_document(store):
    text = "See https://example.org and @nashir"
    drafts = [SpanDraft(4, 23, "links", "url", attributes={"href": "https://example.org"}),
              SpanDraft(28, 35, "links", "mention")]
    [document_id] = store.write_documents([raw_doc(text, native_id="1", spans=drafts)]).new_ids

    stored = store.get_spans(document_id)
    assert [(s.start, s.end, s.layer, s.label) for s in stored] == [(4, 23, "links", "url"), (28, 35, "links", "mention")]
    assert [text[s.start:s.end] for s in stored] == ["https://example.org", "@nashir"]
    assert {(s.producer, s.producer_version) for s in stored} == {("import:telegram", "1")}
    assert stored[0].attributes == {"href": "https://example.org"} and stored[1].attributes == {}


def test_reimporting_a_document_does_not_duplicate_its_import_spans(store):
    batch = [raw_doc("@nashir says", native_id="1", spans=[SpanDraft(0, 7, "links", "mention")])]
    [document_id] = store.write_documents(batch).new_ids
    store.write_documents(batch)

    assert len(store.get_spans(document_id)) == 1


def test_an_aware_time_comes_back_as_the_same_instant_in_utc(store):
    baghdad_evening = datetime(2017, 7, 10, 21, 30, tzinfo=timezone(timedelta(hours=3)))
    [document_id] = store.write_documents([raw_doc("x", native_id="1", published_at=baghdad_evening)]).new_ids

    published = store.get_document(document_id).published_at
    assert published == baghdad_evening
    assert published.utcoffset() == timedelta(0)
    assert (published.hour, published.minute) == (18, 30)


def test_a_naive_time_is_taken_to_be_utc(store):
    [document_id] = store.write_documents([raw_doc("x", native_id="1", published_at=datetime(2017, 7, 10, 18, 30))]).new_ids

    assert store.get_document(document_id).published_at == datetime(2017, 7, 10, 18, 30, tzinfo=timezone.utc)


def test_collection_time_is_recorded_in_utc(store):
    before = datetime.now(timezone.utc)
    [document_id] = store.write_documents([raw_doc("x", native_id="1")]).new_ids
    after = datetime.now(timezone.utc)

    collected = store.get_document(document_id).collected_at
    assert collected.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= collected <= after + timedelta(seconds=1)


def test_asking_for_a_missing_document_is_a_store_error(store):
    with pytest.raises(StoreError, match="no document with id 999"):
        store.get_document(999)


def test_iterating_documents_yields_each_once_in_id_order(store):
    ids = store.write_documents([raw_doc(f"text {n}", native_id=str(n)) for n in range(5)]).new_ids

    documents = list(store.iter_documents(batch_size=2))
    assert [d.id for d in documents] == sorted(ids)
    assert all(d.raw is None for d in documents)


def test_counting_and_iterating_apply_the_same_filter(store):
    store.write_documents([raw_doc("a", native_id="1", language="ar"), raw_doc("b", native_id="2", language="en"),
                           raw_doc("c", native_id="3", language="ar", source=REUTERS)])
    only_arabic_amaq = DocumentFilter(languages=["ar"], groups=["extremist"])

    assert store.count_documents(only_arabic_amaq) == 1
    assert [d.text for d in store.iter_documents(only_arabic_amaq)] == ["a"]


def test_time_filters_compare_instants_not_wall_clock_times(store):
    store.write_documents([
        raw_doc("before", native_id="1", published_at=datetime(2017, 7, 10, 8, 59, tzinfo=timezone.utc)),
        raw_doc("at", native_id="2", published_at=datetime(2017, 7, 10, 9, 0, tzinfo=timezone.utc)),
        raw_doc("later", native_id="3", published_at=datetime(2017, 7, 10, 12, 0, tzinfo=timezone.utc)),
        raw_doc("undated", native_id="4"),
    ])
    noon_in_baghdad = datetime(2017, 7, 10, 12, 0, tzinfo=timezone(timedelta(hours=3)))  # 09:00 UTC
    three_pm_in_baghdad = datetime(2017, 7, 10, 15, 0, tzinfo=timezone(timedelta(hours=3)))  # 12:00 UTC

    window = DocumentFilter(since=noon_in_baghdad, until=three_pm_in_baghdad)  # [since, until)
    assert [d.text for d in store.iter_documents(window)] == ["at"]
    assert [d.text for d in store.iter_documents(DocumentFilter(since=datetime(2017, 7, 10, 9, 0)))] == ["at", "later"]


def test_a_five_megabyte_document_with_many_distinct_words_is_stored_and_searchable(store):
    words = " ".join(f"word{number}" for number in range(600_000))  # ~6 MB, far past a 1 MB tsvector
    text = "Opening statement on Mosul. " + words
    [document_id] = store.write_documents([raw_doc(text, native_id="book")]).new_ids
    assert store.get_document(document_id).text == text
    assert [hit.document.id for hit in store.search(SearchQuery("Mosul")).hits] == [document_id]


def test_a_raw_record_that_fast_json_refuses_is_kept_all_the_same(store):
    raw_record = {"id": 2**70, 7: "an integer key", "text": "بيان"}  # past 64 bits; a non-string key
    [document_id] = store.write_documents([raw_doc("بيان", native_id="1", raw=raw_record)]).new_ids
    assert store.get_document(document_id, with_raw=True).raw == {"id": 2**70, "7": "an integer key", "text": "بيان"}


def test_an_import_read_in_a_second_process_lands_whole_on_either_backend(store, tmp_path):
    from frameline.sources.runner import run_import

    messages = [{"id": n, "type": "message", "date_unixtime": str(1499688000 + n), "from": "Amaq",
                 "text": ["الدولة الإسلامية في ", {"type": "hashtag", "text": "#الموصل"}, f" {n}"],
                 "reactions": [{"type": "emoji", "count": n, "emoji": "🔥"}]} for n in range(1, 26)]
    export = tmp_path / "result.json"
    export.write_text(json.dumps({"name": "Amaq", "type": "public_channel", "id": 7, "messages": messages},
                                 ensure_ascii=False), encoding="utf-8")
    first = run_import(store, "telegram", [export], parallel=True, batch_size=10)
    again = run_import(store, "telegram", [export], parallel=True, batch_size=10)
    assert (first.new, again.new, again.duplicate) == (25, 0, 25)
    hit = store.search(SearchQuery("الموصل", sort="oldest")).hits[0]
    assert (hit.document.text, hit.document.published_at) == (
        "الدولة الإسلامية في #الموصل 1", datetime(2017, 7, 10, 12, 0, 1, tzinfo=timezone.utc))
    assert hit.document.metadata == {"reactions": [{"type": "emoji", "count": 1, "emoji": "🔥"}]}
    assert [(s.start, s.end, s.label) for s in store.get_spans(hit.document.id)] == [(20, 27, "hashtag")]
