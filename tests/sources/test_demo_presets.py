"""The presets for the demo corpus's layouts: Dabiq/Rumiyah quotations and Wikipedia Current Events entries."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from frameline.records import RawDocument
from frameline.sources.base import ImportOptions, ImportRejected
from frameline.sources.tabular import CsvDump, JsonlDump


def read_all(importer, path: Path) -> tuple[list[RawDocument], list[ImportRejected]]:
    documents, rejected = [], []
    for item in importer.read(path):
        (rejected if isinstance(item, ImportRejected) else documents).append(item)
    return documents, rejected


def test_the_full_religious_texts_release_is_recognised_and_keeps_only_its_own_columns(shared_data):
    documents, rejected = read_all(CsvDump(ImportOptions()), shared_data / "isis-texts" / "isis-religious-texts.csv")
    assert len(documents) == 2684 and len(rejected) == 1  # the release's one empty row has no quotation
    assert {d.source.name for d in documents} == {"Dabiq", "Rumiyah"}
    first = documents[0]
    assert first.source.metadata["preset"] == "isis-religious-texts"
    assert first.source.metadata["preset_chosen_by"] == "detected from the column names"
    assert first.text.startswith("The spark has been lit here in Iraq")
    assert first.title == "First Page"
    assert set(first.metadata) == {"Source (B)", "Source (D)", "Source (E)", "Source (G)", "published_timezone"}
    # the issue month is all the release says: Jun-14 becomes the first of June 2014
    assert first.published_at == datetime(2014, 6, 1, tzinfo=timezone.utc)
    assert "first day of that month" in first.source.metadata["assumptions"][0]


def test_the_eight_column_layout_is_recognised_too(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text("Source (A),Source (B),Source (C),Source (D),Source (E),Source (F),Source (G),Source (H)\n"
                    "Rumiyah,9,May-17,Qur'an,Qur'an 3:139,\"So do not weaken and do not grieve\",,Foreword\n",
                    encoding="utf-8")
    (document,), rejected = read_all(CsvDump(ImportOptions()), path)
    assert not rejected
    assert (document.source.name, document.title) == ("Rumiyah", "Foreword")
    assert document.published_at == datetime(2017, 5, 1, tzinfo=timezone.utc)


def test_current_events_entries_are_read_with_their_day_and_first_news_link(tmp_path):
    entry = {"date": "2017-07-10", "headline": "Iraqi Prime Minister declares the battle for Mosul over.",
             "lede": "The battle has taken nine months.", "repo_path": "news/2017/07/10/x.md",
             "sources": [{"outlet": "BBC", "url": "http://www.bbc.com/news/world-middle-east-40558836"}],
             "text": "Iraqi Prime Minister declares the battle for Mosul over.\n\nThe battle has taken nine months.",
             "url": "http://www.bbc.com/news/world-middle-east-40558836", "part": "items",
             "source": "Wikipedia Current Events Portal (via the Context)"}
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    (document,), rejected = read_all(JsonlDump(ImportOptions()), path)
    assert not rejected
    assert document.source.metadata["preset"] == "wikipedia-current-events"
    assert document.source.name == "Wikipedia Current Events Portal (via the Context)"
    assert document.text.startswith(entry["headline"]) and document.native_id == "news/2017/07/10/x.md"
    assert document.url == entry["url"]
    assert document.published_at == datetime(2017, 7, 10, tzinfo=timezone.utc)
    assert document.metadata["sources"][0]["outlet"] == "BBC"
