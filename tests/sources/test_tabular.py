"""The csv and jsonl importers: mappings, presets, encodings and what they reject."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from frameline.records import RawDocument
from frameline.sources import tabular
from frameline.sources.base import ImportOptions, ImportRejected
from frameline.sources.runner import run_import
from frameline.sources.tabular import CsvDump, JsonlDump, available_presets
from frameline.store import DocumentFilter, open_store, sqlite_url

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
ISIS_FANBOY_CSV = DATA / "isis-tweets" / "IsisFanboy.csv"
FIXTURES = Path(__file__).parent / "fixtures"

ARABIC_TWEETS = [
    ("أبو محمد", "abu_m", "10/7/2017 12:00", "الدولة الإسلامية باقية وتتمدد رغم خسارة الموصل"),
    ("جندي الخلافة", "jundi", "10/7/2017 13:15", "إنما هي كبوة صغيرة في حرب طويلة، النصر أو الشهادة"),
]


def read_all(importer, path: Path) -> tuple[list[RawDocument], list[ImportRejected]]:
    documents, rejected = [], []
    for item in importer.read(path):
        (rejected if isinstance(item, ImportRejected) else documents).append(item)
    return documents, rejected


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def store(tmp_path):
    opened = open_store(sqlite_url(tmp_path / "x.db"))
    yield opened
    opened.close()


# -- the real IsisFanboy.csv ---------------------------------------------------------------------

needs_isis_data = pytest.mark.skipif(
    not ISIS_FANBOY_CSV.is_file(), reason=f"real data not present: {ISIS_FANBOY_CSV} (../shared/data)"
)


@pytest.fixture(scope="module")
def isis_import(tmp_path_factory):
    """IsisFanboy.csv imported once through the runner into a fresh SQLite workspace."""
    if not ISIS_FANBOY_CSV.is_file():
        pytest.skip(f"real data not present: {ISIS_FANBOY_CSV} (../shared/data)")
    folder = tmp_path_factory.mktemp("isis")
    opened = open_store(sqlite_url(folder / "x.db"))
    options = ImportOptions(preset="isis-related-tweets", groups=("extremist",))
    report = run_import(opened, "csv", [ISIS_FANBOY_CSV], options, rejects_dir=folder)
    yield opened, report, options
    opened.close()


@pytest.mark.slow
@needs_isis_data
def test_isis_fanboy_imports_every_complete_record(isis_import):
    store, report, _ = isis_import
    # The file has 17,393 physical lines: the header, 17,391 complete records (their
    # tweetid is their own line number, 2..17392) and a last line `كتكا?` with no
    # newline: the start of a record cut off after three letters of the display name
    # (the documented "tweet split over two lines" as it survives in this copy). That
    # fragment is the one rejection; every one of the README's 17,391 tweets lands.
    assert (report.new, report.duplicate, report.rejected) == (17_391, 0, 1)
    assert report.sample_rejections[0].location == "line 17393"
    assert store.count_documents() == 17_391


@pytest.mark.slow
@needs_isis_data
def test_isis_fanboy_gives_one_source_per_account(isis_import):
    store, _, _ = isis_import
    sources = store.list_sources()
    assert len(sources) == 112
    assert {source.kind for source in sources} == {"twitter"}
    assert all(source.handle == source.name and source.groups == ["extremist"] for source in sources)
    assert sources[0].metadata["preset"] == "isis-related-tweets"
    assert "UTC" in sources[0].metadata["assumptions"][0]


@pytest.mark.slow
@needs_isis_data
def test_isis_fanboy_dates_are_utc_within_the_collection_window(isis_import):
    store, _, _ = isis_import
    first = next(iter(store.iter_documents(DocumentFilter(document_ids=[1]))))
    assert first.published_at == datetime(2015, 1, 6, 21, 7, tzinfo=timezone.utc)
    assert first.metadata["published_timezone"] == "assumed UTC"
    window = DocumentFilter(since=datetime(2015, 1, 6, tzinfo=timezone.utc),
                            until=datetime(2016, 5, 14, tzinfo=timezone.utc))
    assert store.count_documents(window) == 17_391


@pytest.mark.slow
@needs_isis_data
def test_reimporting_isis_fanboy_adds_nothing(isis_import):
    store, _, options = isis_import
    again = run_import(store, "csv", [ISIS_FANBOY_CSV], options)
    assert (again.new, again.duplicate) == (0, 17_391)
    assert store.count_documents() == 17_391


# -- encodings -------------------------------------------------------------------------------------


def arabic_csv() -> str:
    rows = "\n".join(f"{name},{user},{when},{text}" for name, user, when, text in ARABIC_TWEETS)
    return f"name,username,time,tweets\n{rows}\n"


def test_windows_1256_arabic_csv_comes_out_right(tmp_path):
    path = write_csv(tmp_path / "arabic.csv", arabic_csv(), encoding="cp1256")
    options = ImportOptions(mapping={"text": "tweets", "author": "name", "source": "username", "published": "time"})
    documents, rejected = read_all(CsvDump(options), path)
    assert rejected == []
    assert [d.text for d in documents] == [text for *_, text in ARABIC_TWEETS]
    assert documents[0].author == "أبو محمد"
    assert documents[0].source.metadata["encoding"] == "cp1256 (detected)"


def test_an_encoding_given_by_the_user_is_used_as_is(tmp_path):
    path = write_csv(tmp_path / "arabic.csv", arabic_csv(), encoding="cp1256")
    options = ImportOptions(mapping={"text": "tweets"}, encoding="windows-1256")
    documents, _ = read_all(CsvDump(options), path)
    assert documents[1].text == ARABIC_TWEETS[1][3]
    assert documents[1].source.metadata["encoding"] == "cp1256"


def test_utf8_bom_does_not_stick_to_the_first_column(tmp_path):
    path = write_csv(tmp_path / "bom.csv", "\ufeffname,username,tweetid,time,tweets\nA,a,7,1/6/2015 21:07,hello\n")
    documents, rejected = read_all(CsvDump(), path)  # the BOM would hide `name` from preset detection
    assert rejected == []
    assert documents[0].author == "A"
    assert documents[0].source.metadata["encoding"] == "utf-8 with BOM"
    assert documents[0].source.metadata["preset"] == "isis-related-tweets"


def mixed_encoding_lines(rows: int, bad_at: int) -> list[bytes]:
    """`rows` UTF-8 rows of Arabic and English, the one at index `bad_at` saved in Windows-1256 instead."""
    lines = []
    for index in range(rows):
        name, user, when, text = ARABIC_TWEETS[index % 2]
        text = f"{text} {index}" if index % 3 else f"post number {index} from Mosul"
        encoding = "cp1256" if index == bad_at else "utf-8"
        lines.append(f"{name},{user},{when},{text}\n".encode(encoding))
    return lines


@pytest.mark.parametrize("given", [None, "utf-8"])
def test_one_windows_1256_row_in_a_utf8_csv_is_rejected_alone(tmp_path, given):
    rows = mixed_encoding_lines(200, bad_at=120)
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"name,username,time,tweets\n" + b"".join(rows))
    options = ImportOptions(mapping={"text": "tweets", "author": "name", "published": "time"}, encoding=given)
    documents, rejected = read_all(CsvDump(options), path)
    assert [(r.location, r.reason.startswith("not decodable as utf-8")) for r in rejected] == [("line 122", True)]
    expected = [row.decode("utf-8").split(",")[3].rstrip("\n") for i, row in enumerate(rows) if i != 120]
    assert [d.text for d in documents] == expected
    assert documents[0].author == "أبو محمد" and documents[0].source.metadata["encoding"] == "utf-8"


def test_one_windows_1256_line_in_a_utf8_jsonl_is_rejected_alone(tmp_path, store):
    lines = [json.dumps({"id": i, "text": f"{ARABIC_TWEETS[i % 2][3]} {i}"}, ensure_ascii=False) + "\n"
             for i in range(150)]
    data = [line.encode("cp1256" if i == 70 else "utf-8") for i, line in enumerate(lines)]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(data))
    report = run_import(store, "jsonl", [path], ImportOptions(mapping={"text": "text", "native_id": "id"}),
                        rejects_dir=tmp_path)
    assert (report.new, report.rejected) == (149, 1)
    assert report.sample_rejections[0].location == "line 71"
    assert "not decodable as utf-8" in report.sample_rejections[0].reason
    stored = {d.native_id: d.text for d in store.iter_documents(DocumentFilter())}
    assert "70" not in stored and stored["71"] == f"{ARABIC_TWEETS[1][3]} 71"


def test_a_short_mixed_file_is_not_stored_as_garbage(tmp_path):
    # Two UTF-8 rows and one Windows-1256 row: charset-normalizer alone took this for gb18030.
    rows = mixed_encoding_lines(3, bad_at=1)
    path = tmp_path / "short.csv"
    path.write_bytes(b"name,username,time,tweets\n" + b"".join(rows))
    documents, rejected = read_all(CsvDump(ImportOptions(mapping={"text": "tweets", "author": "name"})), path)
    assert [r.location for r in rejected] == ["line 3"]
    assert [d.author for d in documents] == ["أبو محمد", "أبو محمد"]
    assert documents[0].text == "post number 0 from Mosul"


def test_utf8_rows_in_a_mostly_windows_1256_file_stay_utf8(tmp_path):
    rows = [f"{ARABIC_TWEETS[0][0]},u,1/1/2017 00:00,{ARABIC_TWEETS[i % 2][3]}\n".encode("cp1256" if i % 5 else "utf-8")
            for i in range(40)]
    path = tmp_path / "legacy.csv"
    path.write_bytes(b"name,username,time,tweets\n" + b"".join(rows))
    documents, rejected = read_all(CsvDump(ImportOptions(mapping={"text": "tweets", "author": "name"})), path)
    assert rejected == []
    assert [d.text for d in documents] == [ARABIC_TWEETS[i % 2][3] for i in range(40)]
    assert documents[0].source.metadata["encoding"] == "cp1256 (detected), with 8 line(s) in utf-8"


def test_excel_unicode_text_utf16_tsv_is_read_as_one_stream(tmp_path):
    rows = "".join(f"{name}\t{text}\n" for name, _, _, text in ARABIC_TWEETS)
    path = write_csv(tmp_path / "excel.tsv", f"name\ttweets\n{rows}", encoding="utf-16")
    documents, rejected = read_all(CsvDump(ImportOptions(mapping={"text": "tweets", "author": "name"})), path)
    assert rejected == []
    assert [(d.author, d.text) for d in documents] == [(name, text) for name, _, _, text in ARABIC_TWEETS]
    assert documents[0].source.metadata["encoding"] == "utf-16 with BOM"
    without_bom = write_csv(tmp_path / "no-bom.tsv", "name\ttweets\nAbu Muhammad\tStill standing in Mosul\n",
                            encoding="utf-16-le")  # valid UTF-8 too, with a NUL after every letter
    documents, _ = read_all(CsvDump(ImportOptions(mapping={"text": "tweets", "author": "name"})), without_bom)
    assert [(d.author, d.text) for d in documents] == [("Abu Muhammad", "Still standing in Mosul")]


# -- CSV records -----------------------------------------------------------------------------------


def test_location_is_the_line_a_multi_line_record_starts_on(tmp_path):
    path = write_csv(tmp_path / "multi.csv", 'text,id\n"first\nsecond\nthird",1\nnext,2\n')
    documents, _ = read_all(CsvDump(ImportOptions(mapping={"text": "text", "native_id": "id"})), path)
    assert [(d.location, d.text) for d in documents] == [("line 2", "first\nsecond\nthird"), ("line 5", "next")]


def test_a_row_with_the_wrong_number_of_fields_is_rejected_and_reading_goes_on(tmp_path):
    path = write_csv(tmp_path / "short.csv", "text,id\nfine,1\nbroken\nalso fine,3\n")
    documents, rejected = read_all(CsvDump(ImportOptions(mapping={"text": "text"})), path)
    assert [d.text for d in documents] == ["fine", "also fine"]
    assert (rejected[0].location, rejected[0].reason) == ("line 3", "1 fields where the header has 2")


def test_empty_text_is_rejected(tmp_path):
    path = write_csv(tmp_path / "empty.csv", "text,id\n  ,1\nsomething,2\n")
    documents, rejected = read_all(CsvDump(ImportOptions(mapping={"text": "text"})), path)
    assert len(documents) == 1
    assert rejected[0].location == "line 2" and "no text" in rejected[0].reason


def test_dates_before_1970_and_in_the_future_are_rejected(tmp_path):
    path = write_csv(tmp_path / "dates.csv", "text,when\nold,1969-12-31T23:59:00Z\nnow,2017-07-10T12:00:00Z\n"
                                              "later,2999-01-01T00:00:00Z\n")
    documents, rejected = read_all(CsvDump(ImportOptions(mapping={"text": "text", "published": "when"})), path)
    assert [d.text for d in documents] == ["now"]
    assert [(r.location, "before 1970" in r.reason or "future" in r.reason) for r in rejected] == [
        ("line 2", True), ("line 4", True)]


def test_an_unreadable_date_is_rejected(tmp_path):
    path = write_csv(tmp_path / "dates.csv", "text,when\nx,sometime in July\n")
    _, rejected = read_all(CsvDump(ImportOptions(mapping={"text": "text", "published": "when"})), path)
    assert rejected[0].location == "line 2" and "bad date in 'when'" in rejected[0].reason


def test_naive_times_are_read_in_the_time_zone_given(tmp_path):
    path = write_csv(tmp_path / "baghdad.csv", "text,when\nx,2017-07-10 15:00\n")
    options = ImportOptions(mapping={"text": "text", "published": "when"}, timezone="Asia/Baghdad")
    documents, _ = read_all(CsvDump(options), path)
    assert documents[0].published_at == datetime(2017, 7, 10, 12, 0, tzinfo=timezone.utc)
    assert documents[0].metadata["published_timezone"] == "assumed Asia/Baghdad"


def test_without_a_source_column_the_source_is_the_name_given_or_the_file_stem(tmp_path):
    path = write_csv(tmp_path / "channel_dump.csv", "text\nx\n")
    named, _ = read_all(CsvDump(ImportOptions(mapping={"text": "text"}, source_name="Amaq", groups=("g",))), path)
    unnamed, _ = read_all(CsvDump(ImportOptions(mapping={"text": "text"})), path)
    assert (named[0].source.name, named[0].source.kind, named[0].source.groups) == ("Amaq", "csv", ("g",))
    assert unnamed[0].source.name == "channel_dump"


def test_unmapped_columns_are_kept_in_metadata_and_the_row_as_raw(tmp_path):
    path = write_csv(tmp_path / "extra.csv", "text,likes,note\nx,5,\n")
    documents, _ = read_all(CsvDump(ImportOptions(mapping={"text": "text"})), path)
    assert documents[0].metadata == {"likes": "5"}
    assert documents[0].raw == {"text": "x", "likes": "5", "note": ""}


def test_the_isis_fanboy_preset_keeps_account_details_and_keys_by_content(tmp_path):
    path = write_csv(tmp_path / "tweets.csv", "name,username,description,location,followers,numberstatuses,time,"
                                              "tweets\nGunsandCoffee,GunsandCoffee70,ENGLISH TRANSLATIONS,,640,49,"
                                              "1/6/2015 21:07,ENGLISH TRANSLATION: A MESSAGE\n")
    documents, _ = read_all(CsvDump(), path)
    document = documents[0]
    assert document.source.metadata["preset"] == "isis-fanboy"
    assert (document.source.name, document.author) == ("GunsandCoffee70", "GunsandCoffee")
    assert document.metadata["followers"] == "640" and "location" not in document.metadata
    assert document.native_id is None and document.effective_native_id().startswith("sha256:")


def test_an_over_long_field_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "MAX_FIELD_CHARS", 100)
    path = write_csv(tmp_path / "long.csv", f"text\n{'x' * 101}\nshort\n")
    documents, rejected = read_all(CsvDump(ImportOptions(mapping={"text": "text"})), path)
    assert [d.text for d in documents] == ["short"]
    assert rejected[0].location == "line 2" and "longer than 100" in rejected[0].reason


# -- whole-file problems -------------------------------------------------------------------------


def test_a_mapping_naming_a_missing_column_rejects_the_file(tmp_path):
    path = write_csv(tmp_path / "dump.csv", "tweets,username\nx,a\n")
    importer = CsvDump(ImportOptions(mapping={"text": "tweets", "published": "timestamp"}))
    with pytest.raises(ImportRejected) as rejected:
        list(importer.read(path))
    assert rejected.value.path == str(path)
    assert "'timestamp' (for published)" in rejected.value.reason


def test_the_runner_reports_a_rejected_file_and_goes_on(tmp_path, store):
    bad = write_csv(tmp_path / "bad.csv", "tweets\nx\n")
    good = write_csv(tmp_path / "good.csv", "text\ny\n")
    report = run_import(store, "csv", [bad, good], ImportOptions(mapping={"text": "text"}))
    assert (report.new, report.rejected, report.failed_paths) == (1, 1, [str(bad)])
    assert "'text' (for text)" in report.sample_rejections[0].reason


def test_a_missing_path_is_rejected_clearly(tmp_path):
    with pytest.raises(ImportRejected, match="no such file"):
        list(CsvDump().read(tmp_path / "nowhere.csv"))


def test_a_folder_is_rejected_clearly(tmp_path):
    with pytest.raises(ImportRejected, match="is a folder, expected a JSON Lines file"):
        list(JsonlDump().read(tmp_path))


def test_an_unknown_preset_is_rejected_with_the_choices(tmp_path):
    path = write_csv(tmp_path / "dump.csv", "text\nx\n")
    with pytest.raises(ImportRejected, match="no preset named 'nope'; available: isis-fanboy"):
        list(CsvDump(ImportOptions(preset="nope")).read(path))


def test_a_file_without_a_text_column_asks_for_a_mapping(tmp_path):
    path = write_csv(tmp_path / "dump.csv", "body,who\nx,a\n")
    with pytest.raises(ImportRejected, match=r"no column is mapped to text.*columns: body, who"):
        list(CsvDump().read(path))


def test_the_shipped_presets_load():
    assert {"isis-fanboy", "isis-related-tweets", "twitter-v2"} <= set(available_presets())


# -- JSON Lines ------------------------------------------------------------------------------------


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_broken_json_line_is_rejected_and_the_lines_after_it_land(tmp_path, store):
    path = write_jsonl(tmp_path / "posts.jsonl", [
        json.dumps({"id": 1, "text": "first"}), '{"id": 2, "text": "cut off', json.dumps({"id": 3, "text": "third"}),
    ])
    report = run_import(store, "jsonl", [path], ImportOptions(mapping={"text": "text", "native_id": "id"}))
    assert (report.new, report.rejected) == (2, 1)
    rejection = report.sample_rejections[0]
    assert (rejection.location, rejection.reason.startswith("broken JSON")) == ("line 2", True)


def test_json_values_that_are_not_objects_are_rejected(tmp_path):
    path = write_jsonl(tmp_path / "posts.jsonl", ['["a", "list"]', '"text"', '{"text": "fine"}'])
    documents, rejected = read_all(JsonlDump(), path)
    assert [d.text for d in documents] == ["fine"]
    assert [r.reason for r in rejected] == ["a JSON list, not an object", "a JSON str, not an object"]


def test_an_over_long_json_line_is_skipped_without_losing_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "MAX_FIELD_CHARS", 100)
    path = write_jsonl(tmp_path / "posts.jsonl", [json.dumps({"text": "x" * 200}), json.dumps({"text": "next"})])
    documents, rejected = read_all(JsonlDump(), path)
    assert [d.text for d in documents] == ["next"] and documents[0].location == "line 2"
    assert (rejected[0].location, rejected[0].reason) == ("line 1", "line longer than 100 characters")


def test_jsonl_mapping_reaches_into_nested_objects(tmp_path):
    path = write_jsonl(tmp_path / "posts.jsonl", [json.dumps({"body": "x", "user": {"screen_name": "amaq"}})])
    options = ImportOptions(mapping={"text": "body", "source": "user.screen_name"})
    documents, _ = read_all(JsonlDump(options), path)
    assert (documents[0].source.name, documents[0].source.kind) == ("amaq", "jsonl")


def test_a_jsonl_mapping_naming_a_key_no_record_has_rejects_the_file(tmp_path):
    path = write_jsonl(tmp_path / "posts.jsonl", [json.dumps({"body": "x"})])
    with pytest.raises(ImportRejected, match="'message' \\(for text\\)"):
        list(JsonlDump(ImportOptions(mapping={"text": "message"})).read(path))


# -- the twitter-v2 preset ------------------------------------------------------------------------


@pytest.fixture
def v2_documents() -> dict[str, RawDocument]:
    documents, rejected = read_all(JsonlDump(), FIXTURES / "twitter-v2-sample.jsonl")
    assert rejected == []
    return {document.native_id: document for document in documents}


def test_twitter_v2_is_detected_and_response_pages_are_split_into_tweets(v2_documents):
    assert len(v2_documents) == 4
    reply = v2_documents["1500000000000000002"]
    assert reply.source.metadata["preset"] == "twitter-v2"
    assert reply.source.metadata["preset_chosen_by"] == "detected from the column names"
    assert reply.location == "line 2, data[0]"


def test_twitter_v2_resolves_authors_through_includes(v2_documents):
    reply = v2_documents["1500000000000000002"]
    assert (reply.source.kind, reply.source.name, reply.author, reply.author_id) == (
        "twitter", "analyst_a", "Analyst A", "222")
    assert reply.url == "https://x.com/analyst_a/status/1500000000000000002"


def test_twitter_v2_referenced_tweets_become_reply_and_forward_links(v2_documents):
    assert v2_documents["1500000000000000002"].reply_to == "1499999999999999999"
    assert v2_documents["1500000000000000003"].forwarded_from == "1499999999999999990"


def test_twitter_v2_text_is_unescaped_and_entities_point_at_their_text(v2_documents):
    tweet = v2_documents["1500000000000000001"]
    assert tweet.text.startswith("Mosul & Raqqa")
    assert [(s.label, tweet.text[s.start:s.end]) for s in tweet.spans] == [
        ("hashtag", "#Baqiya"), ("url", "https://t.co/AbC123")]
    assert tweet.spans[1].attributes["href"] == "https://example.org/statement"
    assert tweet.published_at == datetime(2017, 7, 10, 12, 0, tzinfo=timezone.utc)


def test_twitter_v2_long_tweets_use_the_note_tweet_text(v2_documents):
    tweet = v2_documents["1500000000000000004"]
    assert "…" not in tweet.text and tweet.text.endswith("#Mosul")
    assert [tweet.text[s.start:s.end] for s in tweet.spans] == ["#Mosul"]
