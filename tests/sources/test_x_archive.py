"""The x-archive importer: an X account's "Download your data" archive."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from frameline.records import RawDocument
from frameline.sources.base import ImportOptions, ImportRejected
from frameline.sources.runner import run_import
from frameline.sources.x_archive import XArchive
from frameline.store import open_store, sqlite_url

REAL_ARCHIVE = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "x-archive"


def read_all(path: Path, options: ImportOptions | None = None) -> tuple[list[RawDocument], list[ImportRejected]]:
    documents, rejected = [], []
    for item in XArchive(options).read(path):
        (rejected if isinstance(item, ImportRejected) else documents).append(item)
    return documents, rejected


def at(escaped: str, surface: str) -> list[str]:
    """X's indices for `surface`: code points into the escaped text, written as strings."""
    start = escaped.index(surface)
    return [str(start), str(start + len(surface))]


def archive_tweet(tweet_id: str, full_text: str, created_at: str = "Mon Jul 10 12:00:00 +0000 2017",
                  lang: str = "en", **extra) -> dict:
    mentions = [{"screen_name": word[1:].rstrip(":"), "indices": at(full_text, word.rstrip(":")), "id_str": "9"}
                for word in full_text.split() if word.startswith("@")]
    hashtags = [{"text": word[1:], "indices": at(full_text, word)}
                for word in full_text.split() if word.startswith("#")]
    urls = [{"url": word, "expanded_url": f"https://example.org/{tweet_id}", "display_url": "example.org/…",
             "indices": at(full_text, word)} for word in full_text.split() if word.startswith("https://t.co/")]
    return {"tweet": {"id_str": tweet_id, "id": tweet_id, "full_text": full_text, "created_at": created_at,
                      "lang": lang, "retweet_count": "2", "favorite_count": "5",
                      "entities": {"hashtags": hashtags, "user_mentions": mentions, "urls": urls, "symbols": []},
                      **extra}}


def write_ytd(path: Path, name: str, items: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"window.YTD.{name}.part0 = {json.dumps(items, ensure_ascii=False, indent=2)}", encoding="utf-8")


def write_archive(root: Path, tweets: list[dict], notes: list[dict] | None = None, account: bool = True) -> Path:
    data = root / "data"
    write_ytd(data / "tweets.js", "tweets", tweets)
    write_ytd(data / "note-tweet.js", "note_tweet", notes or [])
    if account:
        write_ytd(data / "account.js", "account", [{"account": {
            "username": "wilayat_watch", "accountId": "4242", "accountDisplayName": "Wilayat Watch"}}])
    return root


# -- the real archive ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_import(tmp_path_factory):
    if not (REAL_ARCHIVE / "data" / "tweets.js").is_file():
        pytest.skip(f"real data not present: {REAL_ARCHIVE} (../shared/data)")
    folder = tmp_path_factory.mktemp("x-archive")
    store = open_store(sqlite_url(folder / "x.db"))
    report = run_import(store, "x-archive", [REAL_ARCHIVE], ImportOptions(groups=("reference",)))
    yield store, report
    store.close()


def test_the_real_archive_imports_whole(real_import):
    store, report = real_import
    assert (report.new, report.duplicate, report.rejected) == (2045, 0, 0)
    [source] = store.list_sources()
    assert (source.kind, source.name, source.metadata["account_id"]) == ("x", "milahu104", "1964312974236991488")
    assert source.groups == ["reference"]


def test_the_real_archive_dates_are_utc(real_import):
    store, _ = real_import
    dates = [document.published_at for document in store.iter_documents()]
    assert all(moment.tzinfo == timezone.utc for moment in dates)
    # The data README says 2025-12-30 onwards; the file itself starts in September.
    assert min(dates) == datetime(2025, 9, 6, 13, 13, 48, tzinfo=timezone.utc)
    assert max(dates) == datetime(2026, 3, 6, 13, 2, 5, tzinfo=timezone.utc)


def test_the_real_archive_entity_spans_cover_their_text(real_import):
    store, _ = real_import
    counts = {"url": 0, "mention": 0, "hashtag": 0}
    for document in store.iter_documents():
        for span in store.get_spans(document.id, layers=["link"]):
            shown = document.text[span.start:span.end]
            counts[span.label] += 1
            if span.label == "url":
                assert shown.startswith("https://t.co/") and span.attributes["href"].startswith("http")
            else:
                name = span.attributes["screen_name" if span.label == "mention" else "tag"]
                assert shown.lower() == ("@" if span.label == "mention" else "#") + name.lower()
    assert counts == {"url": 334, "mention": 2801, "hashtag": 281}  # 311 links + 23 media links


def test_the_real_archive_text_is_unescaped(real_import):
    store, _ = real_import
    texts = [document.text for document in store.iter_documents()]
    assert not any("&amp;" in text or "&gt;" in text for text in texts)
    assert any("trips & tranqs" in text for text in texts)


# -- small archives built here -----------------------------------------------------------------


def test_offsets_survive_unescaping_and_astral_characters(tmp_path):
    text = "Mosul &amp; Raqqa 💊 &gt; all #Baqiya @amaq_watch https://t.co/AbC123"
    documents, _ = read_all(write_archive(tmp_path / "archive", [archive_tweet("1", text)]))
    document = documents[0]
    assert document.text == "Mosul & Raqqa 💊 > all #Baqiya @amaq_watch https://t.co/AbC123"
    assert [(s.label, document.text[s.start:s.end]) for s in document.spans] == [
        ("hashtag", "#Baqiya"), ("mention", "@amaq_watch"), ("url", "https://t.co/AbC123")]
    assert document.spans[2].attributes["href"] == "https://example.org/1"


def test_an_entity_whose_offsets_are_off_is_found_nearby(tmp_path):
    tweet = archive_tweet("1", "read this #Mosul")
    tweet["tweet"]["entities"]["hashtags"][0]["indices"] = ["3", "9"]
    documents, _ = read_all(write_archive(tmp_path / "archive", [tweet]))
    [span] = documents[0].spans
    assert documents[0].text[span.start:span.end] == "#Mosul"


def test_tweet_fields_map_to_the_document(tmp_path):
    reply = archive_tweet("2", "@someone agreed", in_reply_to_status_id_str="1", in_reply_to_screen_name="someone")
    retweet = archive_tweet("3", "RT @amaq_news: statement", created_at="Tue Jul 11 08:00:00 +0000 2017", lang="in")
    media_only = archive_tweet("4", "https://t.co/Pic001", lang="qme")
    documents, _ = read_all(write_archive(tmp_path / "archive", [reply, retweet, media_only]))
    by_id = {document.native_id: document for document in documents}
    assert (by_id["2"].reply_to, by_id["2"].author, by_id["2"].author_id) == ("1", "wilayat_watch", "4242")
    assert by_id["2"].url == "https://x.com/wilayat_watch/status/2"
    assert by_id["2"].metadata["favorite_count"] == 5
    assert by_id["3"].forwarded_from == "amaq_news" and by_id["3"].metadata["retweet"] is True
    assert by_id["3"].published_at == datetime(2017, 7, 11, 8, 0, tzinfo=timezone.utc)
    assert (by_id["3"].language, by_id["4"].language, by_id["4"].metadata["x_lang"]) == ("id", None, "qme")


def test_a_truncated_long_tweet_takes_its_text_from_note_tweet_js(tmp_path):
    whole = "The soldiers of the caliphate continue " * 10 + "until victory or martyrdom. #Mosul"
    truncated = archive_tweet("5", whole[:120] + "… https://t.co/Long01", created_at="Mon Jul 10 12:00:00 +0000 2017")
    other = archive_tweet("6", "Unrelated short tweet", created_at="Mon Jul 10 12:00:00 +0000 2017")
    note = {"noteTweet": {"noteTweetId": "77", "createdAt": "2017-07-10T12:00:01.000Z",
                          "core": {"text": whole, "hashtags": [{"text": "Mosul", "fromIndex": "0", "toIndex": "6"}]}}}
    documents, _ = read_all(write_archive(tmp_path / "archive", [truncated, other], notes=[note]))
    by_id = {document.native_id: document for document in documents}
    assert by_id["5"].text == whole and by_id["5"].metadata["note_tweet_id"] == "77"
    assert [by_id["5"].text[s.start:s.end] for s in by_id["5"].spans] == ["#Mosul"]
    assert by_id["6"].text == "Unrelated short tweet"


def test_all_tweet_parts_are_read(tmp_path):
    root = write_archive(tmp_path / "archive", [archive_tweet("1", "first part")])
    write_ytd(root / "data" / "tweets-part1.js", "tweets_part1", [archive_tweet("2", "second part")])
    documents, _ = read_all(root)
    assert [document.text for document in documents] == ["first part", "second part"]


def test_the_tweets_file_alone_can_be_given(tmp_path):
    root = write_archive(tmp_path / "archive", [archive_tweet("1", "hello")])
    documents, _ = read_all(root / "data" / "tweets.js")
    assert documents[0].source.name == "wilayat_watch"


def test_without_account_files_the_source_is_the_folder_name(tmp_path):
    root = write_archive(tmp_path / "twitter-2026-03-06", [archive_tweet("1", "hello")], account=False)
    documents, _ = read_all(root)
    assert (documents[0].source.kind, documents[0].source.name) == ("x", "twitter-2026-03-06")
    assert documents[0].source.metadata["account_from"] == "folder name"


def test_a_tweet_without_an_id_or_with_a_future_date_is_rejected(tmp_path):
    no_id = archive_tweet("", "orphan")
    future = archive_tweet("8", "from the future", created_at="Mon Jul 10 12:00:00 +0000 2999")
    documents, rejected = read_all(write_archive(tmp_path / "archive", [no_id, archive_tweet("7", "fine"), future]))
    assert [document.native_id for document in documents] == ["7"]
    assert [(r.location, r.reason) for r in rejected][0] == ("item 0", "tweet has no id_str")
    assert "future" in rejected[1].reason and rejected[1].location == "item 2, tweet 8"


def test_a_truncated_tweets_file_keeps_what_came_before_and_rejects_the_file(tmp_path):
    root = write_archive(tmp_path / "archive", [archive_tweet("1", "kept"), archive_tweet("2", "lost")])
    tweets_js = root / "data" / "tweets.js"
    tweets_js.write_text(tweets_js.read_text(encoding="utf-8")[:-60], encoding="utf-8")
    store = open_store(sqlite_url(tmp_path / "x.db"))
    report = run_import(store, "x-archive", [root])
    store.close()
    assert (report.new, report.rejected, report.failed_paths) == (1, 1, [str(root)])
    assert "broken JSON" in report.sample_rejections[0].reason


def test_a_folder_that_is_not_an_archive_is_rejected(tmp_path):
    with pytest.raises(ImportRejected, match="not an X archive"):
        list(XArchive().read(tmp_path))


def test_a_missing_path_is_rejected(tmp_path):
    with pytest.raises(ImportRejected, match="no such file or folder"):
        list(XArchive().read(tmp_path / "nowhere"))
