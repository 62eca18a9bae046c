"""The per-day count tables answer exactly what the joins over the base tables answer, through every change."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from frameline.records import RawDocument
from frameline.insights.selection import Selection
from frameline.store import aggregates
from frameline.store.query import DocumentFilter

from .corpus import REUTERS, frame_label

FILTERS = [
    DocumentFilter(),
    DocumentFilter(groups=["extremist"]),
    DocumentFilter(groups=["mainstream"], since=datetime(2017, 6, 25, tzinfo=timezone.utc)),
    DocumentFilter(source_ids=[1], since=datetime(2017, 6, 22, tzinfo=timezone.utc),
                   until=datetime(2017, 7, 3, tzinfo=timezone.utc)),
]


def assert_counts_agree(store) -> None:  # noqa: ANN001
    for chosen in (Selection("test", document_filter) for document_filter in FILTERS):
        assert aggregates.day_counts_answer(store, chosen)
        for function, extra in ((aggregates.count_selected, ()), (aggregates.daily_document_counts, ()),
                                (aggregates.label_document_counts, ("frame",)),
                                (aggregates.daily_label_counts, ("frame",))):
            fast = function(store, chosen, *extra)
            exact = function(store, chosen, *extra, use_day_counts=False)
            assert fast == exact, (function.__name__, chosen)


def test_day_counts_match_the_joins_through_reanalysis_deletes_and_redating(mosul):
    store, ids = mosul
    assert_counts_agree(store)
    assert aggregates.label_document_counts(store, Selection("x", DocumentFilter(groups=["extremist"])), "frame") == {
        "f-steadfast": 12, "f-victory": 4}
    # Re-analysis replaces a producer's labels: the old ones are counted out, the new ones in.
    store.write_analysis("frames", "2", {ids["extremist"][0]: ([], [frame_label("f-victory", 0.7, "Victory")]),
                                         ids["mainstream"][0]: ([], [])})
    assert_counts_agree(store)
    # A second producer labelling the same frame on a document does not count it twice.
    store.write_analysis("annotation", "1", {ids["extremist"][1]: ([], [frame_label("f-steadfast", 1.0, "Steadfastness")])})
    assert aggregates.label_document_counts(store, Selection("x", DocumentFilter(groups=["extremist"])), "frame")["f-steadfast"] == 11
    assert_counts_agree(store)
    store.write_analysis("frames", "3", {ids["extremist"][1]: ([], [])})  # the annotation still holds it
    assert_counts_agree(store)
    # Undated documents count in totals without a window, never on a day.
    undated = store.write_documents([RawDocument(source=REUTERS, text="undated", native_id="u1")]).new_ids[0]
    store.write_analysis("frames", "1", {undated: ([], [frame_label("f-victory", 0.5, "Victory")])})
    assert aggregates.count_selected(store, Selection("m", DocumentFilter(groups=["mainstream"]))) == 21
    assert_counts_agree(store)
    with store.engine.begin() as connection:  # re-dating, moving and deleting, as a repair script might
        connection.execute(text("UPDATE documents SET published_at = '2017-06-23 10:00:00.000000' WHERE id = :id"),
                           {"id": undated})
        connection.execute(text("UPDATE documents SET source_id = 2 WHERE id = :id"), {"id": ids["extremist"][4]})
        connection.execute(text("DELETE FROM documents WHERE id IN (:a, :b)"),
                           {"a": ids["extremist"][2], "b": ids["mainstream"][3]})
    assert_counts_agree(store)


def test_selections_the_tables_cannot_answer_use_the_joins(mosul):
    store, _ids = mosul
    assert not aggregates.day_counts_answer(store, Selection("s", DocumentFilter(), "Mosul"))
    assert not aggregates.day_counts_answer(store, Selection("l", DocumentFilter(languages=["en"])))
    assert not aggregates.day_counts_answer(store, Selection("e", DocumentFilter(), event_id=1))
    assert not aggregates.day_counts_answer(
        store, Selection("h", DocumentFilter(since=datetime(2017, 6, 25, 12, tzinfo=timezone.utc))))
    half_day = DocumentFilter(groups=["extremist"], since=datetime(2017, 6, 25, 12, tzinfo=timezone.utc))
    assert aggregates.count_selected(store, Selection("h", half_day)) == 15  # from 2017-06-25 12:00: days 5..19
