"""Import social-media dumps in CSV or JSON Lines, through a column mapping or a named preset.

Researchers mostly receive tweets as somebody else's spreadsheet (Kaggle
releases, scraper output, API dumps), each with its own column names.  A
mapping (`--map text=tweets,author=username,published=time`) says which column
holds which of our fields; a preset (column_presets.py) is a mapping plus what
is known about a published layout: its date format, its time zone assumption,
which columns are account metadata.  With neither, the header is matched
against the presets, and what was chosen is recorded on the Source.

Files are read as streams, row by row, whatever their size, in the encoding
text_decoding.py chooses (Arabic exports saved from Excel are usually
Windows-1256); the encoding used is recorded on the Source as well, and a
row whose bytes do not decode in it is rejected on its own.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from frameline.records import RawDocument, SourceRef, SpanDraft
from frameline.sources.base import Importer, ImportRejected, require_file
from frameline.sources.column_presets import FIELDS, Preset, choose_preset
from frameline.sources.column_presets import available_presets as available_presets  # listed from here by callers
from frameline.sources.dates import DateUnreadable, UnknownTimeZone, parse_date, time_zone
from frameline.sources.text_decoding import Decoding, DecodedLines, choose_decoding
from frameline.sources.tweet_entities import TweetText, place_entities, tweet_language, tweet_url, v2_entities

MAX_FIELD_CHARS = 10 * 1024 * 1024  # one tweet or post, however padded, is far below this
JSONL_PEEK_LINES = 1000  # user mappings are checked against the keys of this many leading records


# -- from a record to a RawDocument ------------------------------------------------------------


@dataclass
class FlatRecord:
    """One record ready for mapping; a layout may have reshaped it and found spans in its text."""

    values: Mapping[str, Any]
    raw: Any
    location: str
    spans: list[SpanDraft] = field(default_factory=list)
    spans_key: str | None = None  # the key whose text the spans index


@dataclass(frozen=True)
class Plan:
    """How to read one file: the effective mapping and what it was derived from."""

    mapping: dict[str, str]
    preset: Preset | None
    detected: bool
    kind: str
    zone: tzinfo
    zone_name: str
    assumption: str
    decoding: Decoding

    def source_metadata(self, importer: str, path: Path) -> dict[str, Any]:
        metadata: dict[str, Any] = {"importer": importer, "file": path.name, "encoding": self.decoding.label,
                                    "mapping": self.mapping}
        if self.preset:
            metadata["preset"] = self.preset.name
            metadata["preset_chosen_by"] = "detected from the column names" if self.detected else "user"
        if "published" in self.mapping:
            metadata["assumptions"] = [self.assumption]
        return metadata


def make_plan(
    importer: Importer, path: Path, columns: list[str], decoding: Decoding, preset: Preset | None, detected: bool,
    check: Mapping[str, str] | None = None,
) -> Plan:
    """Combine preset and the user's mapping; reject the file when they cannot work.

    `check` is the part of the mapping that must name existing columns (by
    default all of it; a layout's made-up keys cannot be checked).
    """
    options = importer.options
    mapping = dict(preset.mapping) if preset else {}
    mapping.update(options.mapping)
    if not mapping:
        mapping = {name: name for name in FIELDS if name in columns}
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ImportRejected(path, None, f"mapping names unknown field(s) {', '.join(unknown)}; "
                                         f"fields are {', '.join(FIELDS)}")
    if "text" not in mapping:
        raise ImportRejected(path, None, f"no column is mapped to text; give --map text=COLUMN or a --preset "
                                         f"(columns: {', '.join(columns)})")
    missing = [f"{column!r} (for {name})" for name, column in (mapping if check is None else check).items()
               if column not in columns and column.split(".")[0] not in columns]
    if missing:
        raise ImportRejected(path, None, f"mapping names column(s) not in the file: {', '.join(missing)}; "
                                         f"the file has {', '.join(columns)}")
    if options.timezone:
        zone_name, assumption = options.timezone, f"times without a zone are read in {options.timezone}, as told"
    elif preset and preset.timezone:
        zone_name = preset.timezone
        assumption = preset.assumption or f"times without a zone are taken as {zone_name}"
    else:
        zone_name, assumption = "UTC", "times without a zone are taken as UTC"
    try:
        zone = time_zone(zone_name)
    except UnknownTimeZone as error:
        raise ImportRejected(path, None, str(error)) from error
    kind = (preset.source_kind if preset else None) or importer.name
    return Plan(mapping, preset, detected, kind, zone, zone_name, assumption, decoding)


def _lookup(values: Mapping[str, Any], key: str) -> Any:
    """A column, or a dotted path into nested JSON (`author.username`)."""
    if key in values:
        return values[key]
    current: Any = values
    for part in key.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


class RecordMapper:
    """Turns mapped records of one file into documents, one Source per distinct source value."""

    def __init__(self, importer: Importer, path: Path, plan: Plan) -> None:
        self.importer, self.path, self.plan = importer, path, plan
        self.groups = tuple(importer.options.groups)
        self.metadata = plan.source_metadata(importer.name, path)
        self.default_source = SourceRef(kind=plan.kind, name=importer.options.source_name or path.stem,
                                        groups=self.groups, metadata=self.metadata)
        self._sources: dict[str, SourceRef] = {}
        used = {column.split(".")[0] for column in plan.mapping.values()}
        keep = plan.preset.metadata_keys if plan.preset and plan.preset.metadata_keys is not None else None
        self._metadata_key = (lambda key: key in keep) if keep is not None else (lambda key: key not in used)

    def source(self, value: str | None) -> SourceRef:
        if not value:
            return self.default_source
        if value not in self._sources:
            self._sources[value] = SourceRef(kind=self.plan.kind, name=value, handle=value, groups=self.groups,
                                             metadata=self.metadata)
        return self._sources[value]

    def document(self, record: FlatRecord) -> RawDocument | ImportRejected:
        mapping = self.plan.mapping
        get = {name: _as_text(_lookup(record.values, column)) for name, column in mapping.items()}
        raw_text = _lookup(record.values, mapping["text"])
        if not isinstance(raw_text, str) or not raw_text.strip():
            return ImportRejected(self.path, record.location,
                                  f"no text (column {mapping['text']!r} is empty or not text)",
                                  excerpt=_excerpt(record.raw))
        metadata = {key: value for key, value in record.values.items()
                    if self._metadata_key(key) and value not in (None, "", [], {})}
        published = None
        if get.get("published"):
            try:
                parsed = parse_date(get["published"], self.plan.preset.date_formats if self.plan.preset else (),
                                    self.plan.zone)
            except DateUnreadable as error:
                return ImportRejected(self.path, record.location, f"bad date in {mapping['published']!r}: {error}",
                                      excerpt=_excerpt(record.raw))
            published = parsed.moment
            if parsed.zone_assumed:
                metadata["published_timezone"] = f"assumed {self.plan.zone_name}"
            if (rejection := self.importer.check_date(published, self.path, record.location)) is not None:
                return rejection
        return RawDocument(
            source=self.source(get.get("source")), text=raw_text, native_id=get.get("native_id"),
            title=get.get("title"), url=get.get("url"), author=get.get("author"), author_id=get.get("author_id"),
            published_at=published, language=get.get("language"), reply_to=get.get("reply_to"),
            forwarded_from=get.get("forwarded_from"), metadata=metadata, raw=record.raw, location=record.location,
            spans=record.spans if record.spans_key == mapping["text"] else [],
        )


def _excerpt(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)


# -- layouts: reshaping nested records before mapping -----------------------------------------


def twitter_v2_records(value: dict[str, Any], location: str) -> Iterator[FlatRecord]:
    """Tweets of an X API v2 tweet object or response page, with authors and links resolved."""
    if "text" not in value and "data" in value:
        data = value["data"]
        tweets = data if isinstance(data, list) else [data]
        users = {user.get("id"): user for user in (value.get("includes") or {}).get("users") or []
                 if isinstance(user, dict)}
        for index, tweet in enumerate(tweets):
            if isinstance(tweet, dict):
                yield _flatten_v2_tweet(tweet, users, f"{location}, data[{index}]")
        return
    yield _flatten_v2_tweet(value, {}, location)


def _flatten_v2_tweet(tweet: dict[str, Any], users: Mapping[str, Any], location: str) -> FlatRecord:
    values = dict(tweet)
    author = tweet.get("author") if isinstance(tweet.get("author"), dict) else users.get(tweet.get("author_id"))
    if author:
        values["author"] = {"username": author.get("username"), "name": author.get("name")}
    for reference in tweet.get("referenced_tweets") or []:
        kind = "replied_to" if reference.get("type") == "replied_to" else "forwarded_from"
        values.setdefault(kind, reference.get("id"))
    values["lang"] = tweet_language(tweet.get("lang"))
    if tweet.get("id"):
        values["url"] = tweet_url((author or {}).get("username") or "i", tweet["id"])
    note = tweet.get("note_tweet") if isinstance(tweet.get("note_tweet"), dict) else {}
    escaped = note.get("text") or tweet.get("text")
    if not isinstance(escaped, str):
        return FlatRecord(values, tweet, location)
    text = TweetText.unescape(escaped)
    values["text"] = text.text
    spans, _ = place_entities(text, v2_entities(note.get("entities") if note.get("text") else tweet.get("entities")))
    return FlatRecord(values, tweet, location, spans, "text")


def _plain_records(value: dict[str, Any], location: str) -> Iterator[FlatRecord]:
    yield FlatRecord(value, value, location)


LAYOUTS = {"twitter-v2": twitter_v2_records}  # keys are column_presets.LAYOUT_NAMES


# -- the importers ---------------------------------------------------------------------------


class CsvDump(Importer):
    name = "csv"
    description = "A CSV export of posts (one per row) with --map or --preset saying which column is what"

    def read(self, path: Path) -> Iterator[RawDocument | ImportRejected]:
        require_file(path, "a CSV file")
        decoding = choose_decoding(path, self.options.encoding)
        csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))
        delimiter = self.options.extra.get("delimiter") or ("\t" if path.suffix.lower() == ".tsv" else ",")
        with DecodedLines(path, decoding, universal=True) as lines:
            reader = csv.reader(lines.text(), delimiter=delimiter)
            try:
                header = [column.strip() for column in next(reader)]
            except StopIteration:
                raise ImportRejected(path, None, "empty file (no header line)") from None
            except (csv.Error, UnicodeDecodeError) as error:
                raise ImportRejected(path, "line 1", f"unreadable header: {error}") from error
            if problems := _undecodable(lines, 1, reader.line_num):
                raise ImportRejected(path, "line 1", f"unreadable header: {problems}")
            preset, detected = choose_preset(self.options, path, "csv", header)
            mapper = RecordMapper(self, path, make_plan(self, path, header, decoding, preset, detected))
            yield from self._rows(reader, lines, header, mapper, path)

    def _rows(self, reader: Any, lines: DecodedLines, header: list[str], mapper: RecordMapper, path: Path,
              ) -> Iterator[RawDocument | ImportRejected]:
        start = reader.line_num + 1
        while True:
            location = f"line {start}"
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield ImportRejected(path, location, _csv_problem(error))
                start = reader.line_num + 1
                continue
            except UnicodeDecodeError as error:  # only from a file read as one stream (UTF-16)
                raise ImportRejected(path, location, f"not {mapper.plan.decoding.label}: {error}") from error
            first, start = start, reader.line_num + 1
            if lines.undecodable and (problems := _undecodable(lines, first, reader.line_num)):
                yield ImportRejected(path, location, problems, excerpt=",".join(row))
                continue
            if not row:
                continue
            if len(row) != len(header):
                yield ImportRejected(path, location, f"{len(row)} fields where the header has {len(header)}",
                                     excerpt=",".join(row))
                continue
            if any(len(value) > MAX_FIELD_CHARS for value in row):
                yield ImportRejected(path, location, f"a field is longer than {MAX_FIELD_CHARS} characters")
                continue
            values = dict(zip(header, row))
            yield mapper.document(FlatRecord(values, values, location))


def _undecodable(lines: DecodedLines, first: int, last: int) -> str | None:
    """Why the record on lines first..last did not decode, or None when every line of it did."""
    if not lines.undecodable:
        return None
    found = [(number, lines.undecodable.pop(number)) for number in range(first, last + 1)
             if number in lines.undecodable]
    if not found:
        return None
    number, reason = found[0]
    return reason if first == last else f"line {number}: {reason}"


def _csv_problem(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return f"a field is longer than {MAX_FIELD_CHARS} characters"
    return f"unreadable CSV: {error}"


class JsonlDump(Importer):
    name = "jsonl"
    description = "JSON Lines (one object per line) with --map or --preset; nested keys as a.b"

    def read(self, path: Path) -> Iterator[RawDocument | ImportRejected]:
        require_file(path, "a JSON Lines file")
        decoding = choose_decoding(path, self.options.encoding)
        with DecodedLines(path, decoding, universal=False) as lines:
            objects = _json_objects(lines, path)
            peeked = _peek(objects, JSONL_PEEK_LINES)
            first = next((item for item in peeked if not isinstance(item, ImportRejected)), None)
            if first is None:
                yield from peeked
                return
            preset, detected = choose_preset(self.options, path, "jsonl", list(first[0]))
            layout = LAYOUTS[preset.layout] if preset and preset.layout else _plain_records
            head = list(_records(peeked, layout))
            keys = {key for record in head if isinstance(record, FlatRecord) for key in record.values}
            plan = make_plan(self, path, sorted(keys), decoding, preset, detected, check=self.options.mapping)
            mapper = RecordMapper(self, path, plan)
            for record in _chain(head, _records(objects, layout)):
                yield record if isinstance(record, ImportRejected) else mapper.document(record)


def _records(items: Iterable[Any], layout: Any) -> Iterator[FlatRecord | ImportRejected]:
    for item in items:
        if isinstance(item, ImportRejected):
            yield item
        else:
            yield from layout(*item)


def _json_objects(lines: DecodedLines, path: Path) -> Iterator[tuple[dict[str, Any], str] | ImportRejected]:
    """Each line's object with its location; a broken line is a rejection and reading goes on."""
    for number, line in lines.lines(MAX_FIELD_CHARS):
        location = f"line {number}"
        if number in lines.undecodable:
            yield ImportRejected(path, location, lines.undecodable.pop(number), excerpt=line)
            continue
        if line is None:
            yield ImportRejected(path, location, f"line longer than {MAX_FIELD_CHARS} characters")
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield ImportRejected(path, location, f"broken JSON: {error.msg} at column {error.colno}",
                                 excerpt=line)
            continue
        if not isinstance(value, dict):
            yield ImportRejected(path, location, f"a JSON {type(value).__name__}, not an object",
                                 excerpt=line)
            continue
        yield value, location


def _peek(items: Iterator[Any], count: int) -> list[Any]:
    """The first `count` items, and more until one is a record (a file may open with broken lines)."""
    peeked: list[Any] = []
    found_record = False
    for item in items:
        peeked.append(item)
        found_record = found_record or not isinstance(item, ImportRejected)
        if len(peeked) >= count and found_record:
            break
    return peeked


def _chain(first: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from first
    yield from rest
