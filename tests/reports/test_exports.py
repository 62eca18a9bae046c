"""Exports open directly in pandas-like readers and carry spans with offsets into text."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest

from conftest import write_telegram_export
from frameline.records import DocLabel, Span
from frameline.reports.exports import ExportError, export_documents
from frameline.sources.base import ImportOptions
from frameline.sources.runner import run_import
from frameline.store import DocumentFilter


@pytest.fixture
def filled_store(sqlite_store, tmp_path):
    export = write_telegram_export(tmp_path / "result.json", [
        {"id": 1, "type": "message", "date_unixtime": "1499688000", "from": "Amaq",
         "text": ["جنود الخلافة ", {"type": "hashtag", "text": "#الموصل"}]},
        {"id": 2, "type": "message", "date_unixtime": "1499691600", "from": "Amaq", "text": "victory or martyrdom"},
    ])
    run_import(sqlite_store, "telegram", [export], ImportOptions(groups=("extremist",)))
    sqlite_store.write_analysis("frames-rules", "1", {2: (
        [Span(2, 0, 20, "frame", "steadfastness", 0.9, "frames-rules", "1", {"rule": "victory-or-martyrdom"})],
        [DocLabel(2, "frame", "steadfastness", 0.9, "frames-rules", "1")],
    )})
    return sqlite_store


def test_jsonl_has_text_spans_and_labels_with_offsets_into_text(filled_store):
    out = io.StringIO()
    assert export_documents(filled_store, "jsonl", None, stdout=out) == 2
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    (hashtag,) = first["spans"]
    assert first["text"][hashtag["start"]:hashtag["end"]] == "#الموصل"
    assert (hashtag["layer"], hashtag["label"], hashtag["producer"]) == ("link", "hashtag", "import:telegram")
    assert second["spans"][0]["attributes"] == {"rule": "victory-or-martyrdom"}
    assert second["labels"] == [{"layer": "frame", "label": "steadfastness", "score": 0.9,
                                 "producer": "frames-rules", "producer_version": "1"}]
    assert first["source_groups"] == ["extremist"] and first["published_at"] == "2017-07-10T12:00:00+00:00"


def test_csv_starts_with_a_bom_for_excel_and_round_trips_arabic(filled_store, tmp_path):
    path = tmp_path / "out.csv"
    export_documents(filled_store, "csv", path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))
    assert rows[0]["text"] == "جنود الخلافة #الموصل"
    assert rows[1]["labels"] == "frame:steadfastness"


def test_parquet_keeps_types(filled_store, tmp_path):
    path = tmp_path / "out.parquet"
    export_documents(filled_store, "parquet", path)
    table = pq.read_table(path)
    assert table.num_rows == 2
    assert str(table.schema.field("published_at").type) == "timestamp[us, tz=UTC]"
    assert table.column("text").to_pylist()[1] == "victory or martyrdom"


def test_filters_apply_to_exports(filled_store):
    out = io.StringIO()
    assert export_documents(filled_store, "jsonl", None, DocumentFilter(labels=[("frame", "steadfastness")]), stdout=out) == 1


def test_unknown_format_is_refused(filled_store, tmp_path):
    with pytest.raises(ExportError, match="format must be one of"):
        export_documents(filled_store, "xlsx", tmp_path / "x")
