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
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frameline.records import RawDocument, SourceRef, content_hash, utc
from frameline.text.search_words import index_text

# The `documents` columns a prepared document fills, in this order; storage adds
# id, source_id, native_id, collected_at and import_id.
DOCUMENT_COLUMNS = (
    "url", "author", "author_id", "published_at", "title", "text", "title_norm", "text_norm", "language",
    "content_hash", "reply_to", "forwarded_from", "media", "metadata", "raw",
)
TITLE_NORM, TEXT_NORM = DOCUMENT_COLUMNS.index("title_norm"), DOCUMENT_COLUMNS.index("text_norm")
SPAN_COLUMNS = ("start", "end", "layer", "label", "score", "attributes")

# Raw records are compressed one by one (each document's blob stands alone), but a
# fresh zlib stream per record costs three times the compression itself.  So one
# long-lived raw-deflate stream is cut with a full flush after each record: every
# piece is independently decodable (a full flush is a restart point with no
# references back) and marked with this leading byte.  Older blobs are whole zlib
# streams, which always start with 0x78, so both read back.
RAW_DEFLATE_PIECE = b"\x01"
_packer = zlib.compressobj(1, zlib.DEFLATED, -15)
_packer_lock = threading.Lock()


def pack_raw(raw: Any) -> bytes | None:
    if raw is None:
        return None
    data = json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8")
    with _packer_lock:
        return RAW_DEFLATE_PIECE + _packer.compress(data) + _packer.flush(zlib.Z_FULL_FLUSH)


def unpack_raw(blob: bytes | None) -> Any:
    if blob is None:
        return None
    blob = bytes(blob)
    if blob[:1] == RAW_DEFLATE_PIECE:
        return json.loads(zlib.decompressobj(-15).decompress(blob[1:]))
    return json.loads(zlib.decompress(blob))


def sqlite_datetime(moment: datetime | None) -> str | None:
    """UTC as SQLAlchemy's SQLite DateTime stores it ('2019-03-01 00:01:28.000000'), so text comparisons agree."""
    if moment is None:
        return None
    return utc(moment).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def sqlite_json(value: Any) -> str:
    """SQLAlchemy's JSON type stores Python None as the JSON text 'null', not SQL NULL."""
    return json.dumps(value)


@dataclass(slots=True)
class PreparedDocument:
    source: SourceRef
    native_id: str
    values: tuple[Any, ...]  # DOCUMENT_COLUMNS, bound as the dialect stores them
    spans: list[tuple[Any, ...]]  # SPAN_COLUMNS


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
        raw.reply_to, raw.forwarded_from, media, metadata, pack_raw(raw.raw),
    )
    native_id = raw.native_id if raw.native_id else "sha256:" + digest
    return PreparedDocument(raw.source, native_id, values, spans)
