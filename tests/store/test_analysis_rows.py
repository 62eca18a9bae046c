"""On SQLite, analysis output is written and read straight through the driver; the rows must be SQLAlchemy's.

`SqlStore` keeps both paths: SQLAlchemy Core (what PostgreSQL uses) and the
SQLite driver path the analysis runner takes for every batch.  These tests run
both on SQLite, over the same documents and output, and compare the stored
rows byte for byte (JSON text included) and what reading them back gives, so a
change to either path that alters what is stored fails here.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from frameline.analysis.base import LabelDraft
from frameline.records import DocLabel, RawDocument, SourceRef, Span, SpanDraft
from frameline.store import SqlStore, sqlite_url

SOURCE = SourceRef("telegram", "Nashir News")
TEXTS = ["قال المتحدث باسم الجيش: «سنقاتل»", "Islamic State claimed the attack on Monday.", "", "x" * 40]


def _store(path) -> tuple[SqlStore, list[int]]:  # noqa: ANN001
    store = SqlStore(sqlite_url(path))
    published = datetime(2016, 11, 9, 8, 30, 5, 120, tzinfo=timezone(timedelta(hours=3)))
    written = store.write_documents([
        RawDocument(source=SOURCE, native_id=str(number), text=text,
                    published_at=published if number != 2 else None, title="عنوان" if number == 1 else None)
        for number, text in enumerate(TEXTS)])
    return store, written.new_ids


def _outputs(ids: list[int], round_: int) -> dict[int, tuple[list, list]]:
    """Spans and labels of every kind storage meets: drafts and records, empty and nested attributes, no score."""
    first, second, third, fourth = ids
    return {
        first: ([SpanDraft(0, 3, "quote", "quote", 0.85, {"speaker": "المتحدث", "speaker_start": 4, "role": None}),
                 Span(first, 5, 9, "entities", "ORG", None, "ignored", "ignored", {})],
                [LabelDraft("language", "ar", 0.9731, {"mixed": False, "shares": {"ar": 1.0}})]),
        second: ([SpanDraft(0, 14, "entities", "ORG", 1, {"entity_id": "islamic-state", "aliases": ["IS", "داعش"]})]
                 * round_, [DocLabel(second, "cluster", str(second), 1.0, "x", "y", {"method": "founder"})]),
        third: ([], []),
        fourth: ([], [LabelDraft("language", "und", None, {"reason": "too short"}), LabelDraft("k", "v")]),
    }


def _rows(path) -> dict[str, list[tuple]]:  # noqa: ANN001
    connection = sqlite3.connect(path)
    try:
        return {
            "spans": connection.execute("SELECT * FROM spans ORDER BY id").fetchall(),
            "doc_labels": connection.execute("SELECT * FROM doc_labels ORDER BY id").fetchall(),
            "analysis_state": connection.execute(
                "SELECT document_id, analyser, analyser_version, config_version, typeof(completed_at), "
                "length(completed_at) FROM analysis_state ORDER BY document_id, analyser").fetchall(),
            "languages": connection.execute("SELECT id, language FROM documents ORDER BY id").fetchall(),
        }
    finally:
        connection.close()


@pytest.fixture
def two_stores(tmp_path):
    fast, fast_ids = _store(tmp_path / "driver.db")
    generic, generic_ids = _store(tmp_path / "core.db")
    assert fast_ids == generic_ids
    yield (fast, tmp_path / "driver.db"), (generic, tmp_path / "core.db"), fast_ids
    fast.close()
    generic.close()


def test_the_driver_path_stores_the_rows_sqlalchemy_stores_and_replaces_them_the_same_way(two_stores):
    (fast, fast_path), (generic, generic_path), ids = two_stores
    for round_ in (1, 2):  # the second round replaces the first round's output
        outputs = _outputs(ids, round_)
        with fast._write() as connection:
            fast._write_analysis_sqlite(connection, "quotes", "4", outputs, "cfg")
        with generic._write() as connection:
            generic._write_analysis_generic(connection, "quotes", "4", outputs, "cfg")
        fast.set_languages({ids[0]: "ar", ids[1]: "en"})
        generic.set_languages({ids[0]: "ar", ids[1]: "en"})
        stored = _rows(fast_path)
        assert stored == _rows(generic_path)
    assert len(stored["spans"]) == 4 and len(stored["doc_labels"]) == 4 and len(stored["analysis_state"]) == 4
    assert stored["languages"][:2] == [(ids[0], "ar"), (ids[1], "en")]
    assert [row[-1] for row in stored["spans"]][:2] == [
        '{"speaker": "\\u0627\\u0644\\u0645\\u062a\\u062d\\u062f\\u062b", "speaker_start": 4, "role": null}', "null"]
    # The public method takes the driver path on SQLite and leaves the same rows, languages in the same transaction.
    fast.write_analysis("quotes", "4", _outputs(ids, 1), "cfg", languages={ids[3]: "und"})
    with generic._write() as connection:
        generic._write_analysis_generic(connection, "quotes", "4", _outputs(ids, 1), "cfg")
    generic.set_languages({ids[3]: "und"})
    assert _rows(fast_path) == _rows(generic_path)
    assert _rows(fast_path)["languages"][3] == (ids[3], "und")
    assert fast.stale_documents("quotes", "4", "cfg") == []


def test_reading_layers_and_inputs_through_the_driver_gives_what_sqlalchemy_gives(two_stores):
    (fast, _), _, ids = two_stores
    fast.write_analysis("quotes", "4", _outputs(ids, 2), "cfg")
    fast.write_analysis("entities", "1", {ids[0]: ([SpanDraft(1, 2, "entities", "PLACE", 1.0, {"n": 1})], [])})
    for producers in (None, ["entities"], ["quotes", "entities"], ["absent"]):
        driver = {document_id: ([], []) for document_id in ids}
        core = {document_id: ([], []) for document_id in ids}
        fast._layers_sqlite(ids, producers, driver)
        fast._layers_generic(ids, producers, core)
        assert driver == core
        spans_only = {document_id: ([], []) for document_id in ids}
        fast._layers_sqlite(ids, producers, spans_only, labels=False)
        assert spans_only == {document_id: (spans, []) for document_id, (spans, _) in core.items()}
        fast._layers_generic(ids, producers, spans_only_core := {document_id: ([], []) for document_id in ids}, False)
        assert spans_only_core == spans_only
    everything = fast.get_layers(ids)
    assert [span.producer for span in everything[ids[0]][0]] == ["quotes", "quotes", "entities"]
    assert everything[ids[0]][0][1].attributes == {}  # stored 'null' reads back as an empty dict
    assert [span.label for span in fast.get_layers(ids, producers=["entities"])[ids[0]][0]] == ["PLACE"]
    assert fast.get_layers(ids, producers=[]) == {document_id: ([], []) for document_id in ids}
    assert fast._inputs_sqlite(ids) == fast._inputs_generic(ids)
    inputs = fast.analysis_inputs(ids)
    assert inputs[ids[0]][3] == datetime(2016, 11, 9, 5, 30, 5, 120, tzinfo=timezone.utc)
    assert inputs[ids[2]][3] is None and inputs[ids[1]][1] == "عنوان"


def test_attributes_read_back_through_the_driver_as_json_reads_them_where_orjson_would_not(two_stores):
    """The driver path decodes with orjson; values orjson reads differently or rejects must come back as json's."""
    (fast, _), _, ids = two_stores
    awkward = [{"big": 2**64 + 5}, {"small": -2**63 - 1}, {"edge": 2**63}, {"nan": float("nan")},
               {"inf": [float("inf"), -float("inf")]}, {"lone": "\ud800"}, {"both": "é\U0001F600", "n": [1.0, 1e16, 1e-05]},
               {"deep": {"shares": {"ar": 0.25, "en": 0.75}}, "t": True, "none": None}]
    fast.write_analysis("entities", "1", {ids[0]: ([SpanDraft(0, 1, "entity", "x", None, value) for value in awkward],
                                                   [LabelDraft("entity", "x", None, value) for value in awkward])})
    driver = {ids[0]: ([], [])}
    core = {ids[0]: ([], [])}
    fast._layers_sqlite([ids[0]], ["entities"], driver)
    fast._layers_generic([ids[0]], ["entities"], core)
    read = [repr(item.attributes) for item in (*driver[ids[0]][0], *driver[ids[0]][1])]
    assert read == [repr(item.attributes) for item in (*core[ids[0]][0], *core[ids[0]][1])]
    assert read[:len(awkward)] == [repr(value) for value in awkward]  # integers past 64 bits stay integers
    assert type(driver[ids[0]][0][0].attributes["big"]) is int


def test_remembered_attribute_text_is_what_the_encoder_writes_for_equal_dicts_of_other_types(two_stores):
    """The driver path remembers the JSON of flat string dicts; 1, 1.0, True and "1" must still be written apart."""
    (fast, fast_path), (generic, generic_path), ids = two_stores
    repeated = [{"method": "watchlist", "entity_id": "mosul"}, {"v": "1"}, {"v": 1}, {"v": 1.0}, {"v": True}, {"v": "1"},
                {"entity_id": "mosul", "method": "watchlist"}, {"v": ["1"]}, {"v": {"1": "1"}}, {1: "1"}, {"1": "1"},
                {"method": "watchlist", "entity_id": "mosul"}] * 2
    outputs = {ids[0]: ([SpanDraft(0, 1, "entity", "x", None, value) for value in repeated], []),
               ids[1]: ([], [LabelDraft("entity", "x", None, value) for value in reversed(repeated)])}
    fast.write_analysis("entities", "1", outputs)
    with generic._write() as connection:
        generic._write_analysis_generic(connection, "entities", "1", outputs, "")
    assert _rows(fast_path) == _rows(generic_path)
    written = [row[-1] for row in _rows(fast_path)["spans"]]
    assert written[1:6] == ['{"v": "1"}', '{"v": 1}', '{"v": 1.0}', '{"v": true}', '{"v": "1"}']
    assert written[9:11] == ['{"1": "1"}', '{"1": "1"}'] and written[0] != written[6]


def test_stale_documents_through_the_driver_are_sqlalchemys(two_stores):
    """On SQLite the whole-corpus question goes straight to the driver; it must name the same documents, in order."""
    (fast, _), _, ids = two_stores
    fast.write_analysis("quotes", "4", {ids[0]: ([], []), ids[2]: ([], [])}, "cfg")
    fast.write_analysis("quotes", "3", {ids[1]: ([], [])}, "cfg")  # an older version: still stale at 4
    for analyser, version, config in (("quotes", "4", "cfg"), ("quotes", "4", "other"), ("quotes", "3", "cfg"),
                                      ("nobody", "1", "")):
        driver = fast.stale_documents(analyser, version, config)
        assert driver == fast.stale_documents(analyser, version, config, limit=len(ids) + 1)  # SQLAlchemy's path
    assert fast.stale_documents("quotes", "4", "cfg") == [ids[1], ids[3]]
    assert fast.stale_documents("nobody", "1") == ids
