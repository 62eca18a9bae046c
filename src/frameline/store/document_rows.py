"""A `RawDocument` turned into the column values storage writes, before it has an id.

Everything expensive about storing a document (normalised search text, content
hash, the packed raw record, JSON columns) is computed here, by a pure function
with no database at hand, so that a large import can do it in another process
while the database writes the previous batch (see `frameline.sources.runner`).
SQLite gets the values exactly as SQLAlchemy would have bound them (datetimes
as text, JSON as text), so its fast path can hand them to the driver directly.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from frameline.records import RawDocument, SourceRef, content_hash, utc
from frameline.text.search_words import index_text

# The `documents` columns a prepared document fills, in this order; storage adds
# id, source_id, native_id, collected_at and import_id.
DOCUMENT_COLUMNS = (
    "url", "author", "author_id", "published_at", "title", "text", "title_norm", "text_norm", "language",
    "content_hash", "reply_to", "forwarded_from", "media", "metadata", "raw",
)
SPAN_COLUMNS = ("start", "end", "layer", "label", "score", "attributes")


def raw_json(raw: Any) -> bytes | None:
    """The original record as JSON; orjson is 3x faster than json here, the largest per-record cost of an import."""
    if raw is None:
        return None
    try:
        return orjson.dumps(raw, default=str, option=orjson.OPT_NON_STR_KEYS)
    except (orjson.JSONEncodeError, TypeError):  # e.g. an integer past 64 bits: json takes anything
        return json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8")


def pack_raw_json(data: bytes | None) -> bytes | None:
    """zlib level 1: about a third of the size, the fastest level."""
    return None if data is None else zlib.compress(data, 1)


def pack_raw(raw: Any) -> bytes | None:
    return pack_raw_json(raw_json(raw))


def unpack_raw(blob: bytes | None) -> Any:
    return None if blob is None else json.loads(zlib.decompress(blob))


def sqlite_datetime(moment: datetime | None) -> str | None:
    """UTC as SQLAlchemy's SQLite DateTime stores it ('2019-03-01 00:01:28.000000'), so text comparisons agree."""
    if moment is None:
        return None
    return utc(moment).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def sqlite_json(value: Any) -> str:
    """SQLAlchemy's JSON type stores Python None as the JSON text 'null', not SQL NULL."""
    return "null" if value is None else json.dumps(value)


_LONG_INTEGER = re.compile(r"\d{19}")  # at 19 digits an integer may pass 64 bits, where orjson reads a float


def json_reader(fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A reader of stored JSON text that gives what `fallback` (the column type's own processor) gives, faster.

    The analysis runner reads back every span and label its analysers require (half a million
    for the quotes analyser on 100,000 posts), and orjson decodes them five times faster than
    json.  Where the two could read differently it is not used: text with a 19-digit number
    (orjson turns integers past 64 bits into floats), text orjson rejects (NaN, Infinity, lone
    surrogates, which json.dumps writes), and values that are not text at all.
    """

    def read(value: Any) -> Any:
        if type(value) is str and _LONG_INTEGER.search(value) is None:
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        return fallback(value)

    return read


WRITE_CACHE_ENTRIES = 50_000  # distinct attribute dicts remembered by a `json_writer` before it starts afresh


def json_writer(serialize: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`serialize` (the column type's own processor), remembering what it made of flat dicts of strings.

    Analysers write the same few attribute dicts over and over (a watchlist mention's entity,
    name, alias and method; a date's resolution; a cluster label's method), and the JSON
    encoder costs more than the rest of storing such a row.  Only dicts whose keys and values
    are all `str` are remembered: for those, equal means the same text, whereas 1, 1.0 and
    True are equal keys that json.dumps writes differently.
    """
    made: dict[tuple[Any, ...], Any] = {}

    def write(value: Any) -> Any:
        if type(value) is not dict:
            return serialize(value)
        try:
            key = tuple(value.items())
            text = made.get(key)
        except TypeError:  # a list or dict inside: never remembered
            return serialize(value)
        if text is None:
            text = serialize(value)
            if all(type(name) is str and type(item) is str for name, item in key):
                if len(made) >= WRITE_CACHE_ENTRIES:
                    made.clear()
                made[key] = text
        return text

    return write


class PreparedDocument(NamedTuple):
    source: SourceRef
    native_id: str
    values: tuple[Any, ...]  # DOCUMENT_COLUMNS, bound as the dialect stores them, except `raw`:
    # the record's JSON, which storage packs (`pack_raw_json`) as it writes: that evens out
    # the work between a reading process and the writing one.
    spans: list[tuple[Any, ...]]  # SPAN_COLUMNS
    packed: bool = False  # `raw` is packed already (see `packed`)


def packed(document: PreparedDocument) -> PreparedDocument:
    """The document with its raw record packed, which storage then stores as it is.

    zlib releases the GIL while it compresses, so an importer can pack the next batch in
    a thread while the database writes the current one."""
    if document.packed:
        return document
    return document._replace(values=(*document.values[:-1], pack_raw_json(document.values[-1])), packed=True)


def prepare_document(raw: RawDocument, dialect: str) -> PreparedDocument:
    """The row for `raw`: SQLite values ready for the driver, Python values for SQLAlchemy otherwise."""
    text = raw.text
    title = raw.title
    sqlite = dialect == "sqlite"
    published = raw.published_at
    if sqlite:
        published = sqlite_datetime(published)
        media, metadata = sqlite_json(raw.media or None), sqlite_json(raw.metadata or None)
        spans = [(s.start, s.end, s.layer, s.label, s.score, sqlite_json(s.attributes or None)) for s in raw.spans]
    else:
        published = utc(published) if published is not None else None
        media, metadata = raw.media or None, raw.metadata or None
        spans = [(s.start, s.end, s.layer, s.label, s.score, s.attributes or None) for s in raw.spans]
    digest = content_hash(text, title)
    values = (
        raw.url, raw.author, raw.author_id, published, title, text,
        index_text(title) if title else None, index_text(text), raw.language, digest,
        raw.reply_to, raw.forwarded_from, media, metadata, raw_json(raw.raw),
    )
    native_id = raw.native_id if raw.native_id else "sha256:" + digest
    return PreparedDocument(raw.source, native_id, values, spans)
