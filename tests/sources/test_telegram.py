"""The Telegram importer on the real sample export and on exports built to break it."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import write_telegram_export
from frameline.records import RawDocument, SourceRef
from frameline.sources.base import ImportOptions, ImportRejected
from frameline.sources.runner import run_import
from frameline.sources.telegram import TelegramExport
from frameline.store import SearchQuery


def read_all(path: Path, **options) -> list:
    return list(TelegramExport(ImportOptions(**options)).read(path))


def documents(items: list) -> list[RawDocument]:
    return [item for item in items if isinstance(item, RawDocument)]


def rejections(items: list) -> list[ImportRejected]:
    return [item for item in items if isinstance(item, ImportRejected)]


def new_message(message_id: int, text, unixtime: int = 1499688000, **extra) -> dict:
    return {"id": message_id, "type": "message", "date": "2017-07-10T15:00:00", "date_unixtime": str(unixtime),
            "from": "Amaq", "from_id": "channel777", "text": text, **extra}


def test_real_old_format_export_imports_every_message_and_keeps_service_messages_as_metadata(shared_data, sqlite_store, tmp_path):
    export = shared_data / "telegram" / "tg2md-channel-2020"
    report = run_import(sqlite_store, "telegram", [export], ImportOptions(groups=("test",)), rejects_dir=tmp_path)
    assert (report.new, report.duplicate, report.rejected) == (18, 0, 0)  # 19 messages, 1 of them a service message
    source = sqlite_store.list_sources()[0]
    assert (source.kind, source.name, source.handle, source.groups) == ("telegram", "test", "1292077344", ["test"])
    assert source.metadata["service_messages"] == {"create_channel": 1}


def test_media_only_message_is_a_document_with_empty_text_and_its_media(shared_data):
    items = documents(read_all(shared_data / "telegram" / "tg2md-channel-2020" / "result.json"))
    photo_only = next(item for item in items if item.native_id == "3")
    assert photo_only.text == ""
    assert photo_only.media == [{"type": "photo", "file": "photos/photo_1@12-11-2020_12-57-31.jpg",
                                 "width": 801, "height": 526}]


def test_voice_messages_audio_and_other_files_keep_their_media_type_and_details(shared_data):
    items = {item.native_id: item for item in documents(read_all(shared_data / "telegram" / "tg2md-channel-2020"))}
    assert items["7"].text == "" and items["7"].media == [{
        "type": "voice_message", "file": "voice_messages/audio_1@12-11-2020_13-01-05.ogg", "mime_type": "audio/ogg",
        "duration_seconds": 2}]
    assert items["8"].media == [{"type": "audio_file", "file": "files/test-sound.ogg",
                                 "mime_type": "audio/x-vorbis+ogg", "duration_seconds": 1}]
    # A file without a media_type (a document) is a "file", its caption the text.
    assert items["22"].text == "test file other than sound"
    assert items["22"].media == [{"type": "file", "file": "files/dice.svg", "mime_type": "image/svg+xml",
                                  "width": 622, "height": 406}]


def test_new_format_file_names_sizes_and_performers_are_kept(tmp_path):
    export = write_telegram_export(tmp_path / "result.json", [
        new_message(1, "Issue 11", file="files/dabiq-11.pdf", file_name="dabiq-11.pdf", file_size=5_242_880,
                    mime_type="application/pdf"),
        new_message(2, "", file="files/nashid.mp3", file_name="nashid.mp3", media_type="audio_file",
                    performer="Ajnad", title="Nashid", duration_seconds=240, mime_type="audio/mpeg"),
        new_message(3, "", file="(File not included. Change data exporting settings to download.)",
                    file_name="speech.mp4", media_type="video_file"),
    ])
    media = [item.media for item in documents(read_all(export))]
    assert media == [
        [{"type": "file", "file": "files/dabiq-11.pdf", "file_name": "dabiq-11.pdf", "mime_type": "application/pdf",
          "file_size": 5_242_880}],
        [{"type": "audio_file", "file": "files/nashid.mp3", "file_name": "nashid.mp3", "mime_type": "audio/mpeg",
          "duration_seconds": 240, "performer": "Ajnad", "title": "Nashid"}],
        [{"type": "video_file", "missing": "(File not included. Change data exporting settings to download.)",
          "file_name": "speech.mp4"}],
    ]


def test_old_format_local_dates_are_taken_as_utc_and_say_so(shared_data):
    items = documents(read_all(shared_data / "telegram" / "tg2md-channel-2020"))
    first = items[0]
    assert first.published_at == datetime(2020, 11, 12, 12, 54, 7, tzinfo=timezone.utc)
    assert "assumed" in first.metadata["date_timezone"]


def test_old_format_local_dates_follow_a_given_timezone(shared_data):
    items = documents(read_all(shared_data / "telegram" / "tg2md-channel-2020", timezone="Asia/Baghdad"))
    assert items[0].published_at == datetime(2020, 11, 12, 9, 54, 7, tzinfo=timezone.utc)


def test_links_in_mixed_text_become_spans_over_the_joined_text(shared_data):
    items = documents(read_all(shared_data / "telegram" / "tg2md-channel-2020"))
    message = next(item for item in items if item.native_id == "14")
    found = {(span.label, message.text[span.start:span.end], span.attributes.get("href")) for span in message.spans}
    assert found == {("text_link", "text link", "http://example.com/"), ("link", "example.com", "example.com"),
                     ("email", "example@example.com", None)}


def test_new_format_maps_unixtime_ids_forwards_replies_and_reactions(tmp_path):
    export = write_telegram_export(tmp_path / "result.json", [
        new_message(1, "الجنود مستمرون حتى النصر أو الشهادة", views=1200,
                    reactions=[{"type": "emoji", "count": 5, "emoji": "👍"}]),
        new_message(2, [{"type": "plain", "text": "Read "}, {"type": "mention", "text": "@amaq_agency"}],
                    text_entities=[{"type": "plain", "text": "Read "}, {"type": "mention", "text": "@amaq_agency"}],
                    forwarded_from="Nashir", reply_to_message_id=1, edited_unixtime="1499691600"),
    ])
    first, second = documents(read_all(export))
    assert first.published_at == datetime(2017, 7, 10, 12, 0, tzinfo=timezone.utc)
    assert (first.author_id, first.metadata["views"]) == ("channel777", 1200)
    assert first.metadata["reactions"][0]["count"] == 5
    assert "date_timezone" not in first.metadata
    assert (second.text, second.forwarded_from, second.reply_to) == ("Read @amaq_agency", "Nashir", "1")
    assert second.metadata["edited_at"] == "2017-07-10T13:00:00+00:00"
    assert [(s.label, second.text[s.start:s.end]) for s in second.spans] == [("mention", "@amaq_agency")]


def test_text_list_mixing_strings_objects_and_oddities_is_joined_without_loss(tmp_path):
    export = write_telegram_export(tmp_path / "result.json", [
        new_message(1, ["Victory ", {"type": "bold", "text": "or martyrdom"}, " ", {"type": "hashtag", "text": "#Mosul"},
                        {"type": "italic"}, 7, None, {"type": "text_link", "text": " here", "href": "https://t.me/x"}]),
    ])
    (message,) = documents(read_all(export))
    assert message.text == "Victory or martyrdom #Mosul7 here"
    assert [(s.label, message.text[s.start:s.end]) for s in message.spans] == [("hashtag", "#Mosul"), ("text_link", "here")]


def test_full_account_export_makes_one_source_per_chat(tmp_path, sqlite_store):
    account = {
        "about": "export", "personal_information": {"first_name": "A"},
        "chats": {"about": "chats", "list": [
            {"name": "Channel A", "type": "public_channel", "id": 1, "messages": [new_message(1, "a one"), new_message(2, "a two")]},
            {"name": "Channel B", "type": "private_supergroup", "id": 2, "messages": [new_message(1, "b one")]},
        ]},
        "left_chats": {"about": "left", "list": [
            {"name": "Left C", "type": "private_channel", "id": 3, "messages": [new_message(9, "c nine")]},
        ]},
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(account), encoding="utf-8")
    report = run_import(sqlite_store, "telegram", [path])
    assert report.new == 4
    counts = {row["name"]: row["documents"] for row in sqlite_store.status()["sources"]}
    assert counts == {"Channel A": 2, "Channel B": 1, "Left C": 1}


def test_truncated_export_keeps_what_was_read_and_names_where_it_broke(tmp_path, sqlite_store):
    complete = write_telegram_export(tmp_path / "full.json", [new_message(i, f"message {i}") for i in range(1, 6)])
    content = complete.read_text(encoding="utf-8")
    cut = content.index('"message 4"')
    truncated = tmp_path / "result.json"
    truncated.write_text(content[:cut], encoding="utf-8")
    report = run_import(sqlite_store, "telegram", [truncated], rejects_dir=tmp_path / "rejects")
    assert report.new == 3
    assert report.rejected == 1
    (problem,) = report.sample_rejections
    assert problem.path == str(truncated) and problem.location == "after message id 3"
    assert "truncated" in problem.reason
    logged = [json.loads(line) for line in report.rejects_file.read_text(encoding="utf-8").splitlines()]
    assert logged[0]["location"] == "after message id 3"


def test_dates_before_1970_or_in_the_future_are_rejected_and_the_rest_lands(tmp_path):
    future = int(datetime(2100, 1, 1, tzinfo=timezone.utc).timestamp())
    export = write_telegram_export(tmp_path / "result.json", [
        new_message(1, "too early", unixtime=-86400), new_message(2, "fine"), new_message(3, "too late", unixtime=future),
        {"id": 4, "type": "message", "date": "not a date", "text": "bad"},
    ])
    items = read_all(export)
    assert [item.native_id for item in documents(items)] == ["2"]
    reasons = {problem.location: problem.reason for problem in rejections(items)}
    assert "before 1970" in reasons["message id 1"]
    assert "future" in reasons["message id 3"]
    assert "unreadable date" in reasons["message id 4"]


def test_media_paths_that_leave_the_export_folder_are_never_kept_as_files(tmp_path):
    export = write_telegram_export(tmp_path / "result.json", [
        new_message(1, "", photo="../../etc/passwd"), new_message(2, "", file="/etc/shadow"),
        new_message(3, "", file="(File not included. Change data exporting settings to download.)"),
    ])
    media = [item.media[0] for item in documents(read_all(export))]
    assert [("file" in m, m.get("unsafe_path"), m.get("missing") is not None) for m in media] == [
        (False, "../../etc/passwd", False), (False, "/etc/shadow", False), (False, None, True)]


def test_unsupported_messages_are_reported_not_stored(tmp_path):
    export = write_telegram_export(tmp_path / "result.json", [{"id": 1, "type": "unsupported"}, new_message(2, "ok")])
    items = read_all(export)
    assert len(documents(items)) == 1
    assert rejections(items)[0].location == "message id 1"


@pytest.mark.parametrize("make_path, reason", [
    (lambda tmp: tmp / "missing.json", "no such file"),
    (lambda tmp: tmp, "is a folder"),
])
def test_missing_path_or_folder_without_export_is_a_clear_whole_file_rejection(tmp_path, make_path, reason):
    with pytest.raises(ImportRejected, match=reason):
        read_all(make_path(tmp_path))


def test_reimport_is_idempotent_and_arabic_is_searchable_across_spelling_variants(tmp_path, sqlite_store):
    export = write_telegram_export(tmp_path / "result.json", [
        new_message(1, "جنود الخلافة في الموصل مستمرون حتى النصر أو الشهادة"),
        new_message(2, "A small setback in a much larger war"),
    ])
    first = run_import(sqlite_store, "telegram", [export], ImportOptions(groups=("extremist",)))
    second = run_import(sqlite_store, "telegram", [export])
    assert (first.new, second.new, second.duplicate) == (2, 0, 2)
    hits = sqlite_store.search(SearchQuery("الخلافه")).hits  # ta marbuta written as ha
    assert [hit.document.native_id for hit in hits] == ["1"]
    assert sqlite_store.list_sources()[0].groups == ["extremist"]


def test_chat_summary_is_yielded_as_a_source_update(tmp_path):
    export = write_telegram_export(tmp_path / "result.json", [
        {"id": 1, "type": "service", "date_unixtime": "1499688000", "actor": "Amaq", "action": "pin_message"},
        new_message(2, "pinned"),
    ])
    (summary,) = [item for item in read_all(export) if isinstance(item, SourceRef)]
    assert summary.metadata["service_messages"] == {"pin_message": 1}
