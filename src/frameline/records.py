"""The records that flow from collectors through the pipeline into storage.

`RawDocument` is what a source yields: everything the original record said, in
our vocabulary, before storage assigns ids.  `Document`, `Span` and `DocLabel`
are what storage hands back.  Times are timezone-aware UTC throughout; span
offsets are Python string indices into `Document.text` so that the UI can
highlight exactly and exports can be scored against gold data.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


def utc(moment: datetime) -> datetime:
    """Naive datetimes are taken to be UTC; aware ones are converted to UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def content_hash(text: str, title: str | None = None) -> str:
    """A stable fingerprint for exact-duplicate detection across sources.

    NFC-normalised and whitespace-collapsed, so that a re-post that only differs
    in line endings or trailing blanks still counts as the same content.
    """
    canonical = " ".join(unicodedata.normalize("NFC", f"{title or ''}\n{text}").split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SourceRef:
    """Identifies the channel, feed, account or folder a document came from.

    (kind, name) is the natural key: importing the same export twice finds the
    same Source.  Groups are the labels every comparison splits the corpus by.
    """

    kind: str
    name: str
    handle: str | None = None
    url: str | None = None
    language: str | None = None
    groups: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class SpanDraft:
    """A span produced before the document has an id (e.g. links found at import)."""

    start: int
    end: int
    layer: str
    label: str
    score: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class RawDocument:
    """One record as a source read it, ready to be stored.

    `native_id` is the id in the source system (message id, tweet id, URL); when
    a source has none, storage falls back to the content hash so that
    re-importing is still idempotent.  `location` says where in the input the
    record was (file and line or message id) for error messages and audit.
    """

    source: SourceRef
    text: str
    native_id: str | None = None
    title: str | None = None
    url: str | None = None
    author: str | None = None
    author_id: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    reply_to: str | None = None
    forwarded_from: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    spans: list[SpanDraft] = field(default_factory=list)
    raw: Any = None
    location: str = ""

    def effective_native_id(self) -> str:
        return self.native_id if self.native_id else "sha256:" + content_hash(self.text, self.title)


@dataclass
class Span:
    document_id: int
    start: int
    end: int
    layer: str
    label: str
    score: float | None
    producer: str
    producer_version: str
    attributes: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass
class DocLabel:
    document_id: int
    layer: str
    label: str
    score: float | None
    producer: str
    producer_version: str
    attributes: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass
class Source:
    id: int
    kind: str
    name: str
    handle: str | None
    url: str | None
    language: str | None
    groups: list[str]
    metadata: dict[str, Any]
    created_at: datetime


@dataclass
class Document:
    id: int
    source_id: int
    native_id: str
    text: str
    title: str | None
    url: str | None
    author: str | None
    author_id: str | None
    published_at: datetime | None
    collected_at: datetime
    language: str | None
    content_hash: str
    reply_to: str | None
    forwarded_from: str | None
    media: list[dict[str, Any]]
    metadata: dict[str, Any]
    raw: Any = None
