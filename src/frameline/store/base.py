"""The storage interface every part of Frameline talks to.

Importers, analysers, insights and the web app see only this protocol; the
SQLite workspace database and a PostgreSQL server are two implementations of
it (one class over SQLAlchemy Core, with per-dialect full-text search), and
the same test-suite runs against both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from frameline.records import DocLabel, Document, RawDocument, Source, SourceRef, Span
from frameline.store.query import DocumentFilter, SearchQuery
from frameline.text.snippets import Fragment


class StoreError(Exception):
    """A storage problem the user can act on; the message says what and where."""


class StoreLocked(StoreError):
    """Another process holds the database's write lock for longer than we wait."""


@dataclass
class WriteResult:
    new: int = 0
    duplicate: int = 0
    new_ids: list[int] = field(default_factory=list)


@dataclass
class SearchHit:
    document: Document
    source: Source
    rank: float | None
    snippet: list[Fragment]


@dataclass
class SearchResults:
    hits: list[SearchHit]
    total: int
    total_is_lower_bound: bool
    query: SearchQuery
    # Set when relevance ranked only this many matches, the newest; None when it ranked all.
    ranked_newest: int | None = None


@dataclass
class ImportRecord:
    id: int
    importer: str
    arguments: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None
    new: int
    duplicate: int
    rejected: int
    rejects_file: str | None
    status: str


@dataclass
class ClusterMember:
    """One document's place in a re-post cluster (see `frameline.analysis.duplicates`)."""

    document_id: int
    cluster_id: int
    similarity: float  # to `matched_document_id`, the member it matched best when it joined
    method: str  # founder | exact | minhash
    matched_document_id: int | None = None


@dataclass
class ClusterSummary:
    """A cluster's spread: how many documents and sources, over what time, and who posted first."""

    id: int
    size: int
    sources: int
    first_document_id: int
    first_source_id: int | None
    first_seen_at: datetime | None
    last_seen_at: datetime | None


class Store(Protocol):
    url: str

    # sources
    def ensure_source(self, ref: SourceRef) -> int: ...
    def add_source_groups(self, source_id: int, groups: Iterable[str]) -> None: ...
    def remove_source_groups(self, source_id: int, groups: Iterable[str]) -> None: ...
    def merge_source_metadata(self, source_id: int, updates: dict[str, Any]) -> None: ...
    def list_sources(self) -> list[Source]: ...
    def get_source(self, source_id: int) -> Source: ...
    def find_source(self, name_or_id: str) -> Source | None: ...

    # documents
    def write_documents(self, batch: list[RawDocument], import_id: int | None = None) -> WriteResult: ...
    def get_document(self, document_id: int, with_raw: bool = False) -> Document: ...
    def get_documents(self, document_ids: list[int]) -> dict[int, Document]: ...
    def iter_documents(self, filter: DocumentFilter | None = None, batch_size: int = 1000) -> Iterator[Document]: ...
    def count_documents(self, filter: DocumentFilter | None = None) -> int: ...
    def search(self, query: SearchQuery) -> SearchResults: ...

    # analysis output
    def get_spans(self, document_id: int, layers: Iterable[str] | None = None) -> list[Span]: ...
    def get_labels(self, document_id: int, layers: Iterable[str] | None = None) -> list[DocLabel]: ...
    def write_analysis(self, analyser: str, version: str, outputs: Mapping[int, tuple[list[Span], list[DocLabel]]], config_version: str = "", languages: Mapping[int, str] | None = None) -> None: ...
    def get_layers(self, document_ids: list[int], producers: Iterable[str] | None = None, labels: bool = True) -> dict[int, tuple[list[Span], list[DocLabel]]]: ...
    def stale_documents(self, analyser: str, version: str, config_version: str = "", limit: int | None = None, filter: DocumentFilter | None = None) -> list[int]: ...
    def set_languages(self, languages: dict[int, str]) -> None: ...

    # clusters
    def signatures_after(self, kind: str, after_id: int = 0, values: bool = True) -> list[tuple[Any, ...]]: ...
    def signatures_by_row(self, row_ids: list[int]) -> list[tuple[int, int, bytes]]: ...
    def cluster_ids(self, document_ids: Iterable[int]) -> dict[int, int]: ...
    def record_clusters(self, signatures: list[tuple[int, str, bytes]], members: list[ClusterMember], producer: str, version: str, label_outside: Iterable[int] = ()) -> None: ...
    def get_cluster(self, cluster_id: int) -> ClusterSummary | None: ...
    def list_clusters(self, min_size: int = 2, limit: int = 100) -> list[ClusterSummary]: ...
    def cluster_members(self, cluster_id: int) -> list[ClusterMember]: ...
    def signatures_of(self, document_ids: Iterable[int]) -> dict[int, dict[str, bytes]]: ...
    def reset_clusters(self, producer: str = "duplicates") -> int: ...
    def count_labelled(self, layer: str, attributes: Mapping[str, Any] | None = None) -> int: ...

    # pipeline: what analysers see of each document (text, title, language, published_at, source_id)
    def analysis_inputs(self, document_ids: list[int]) -> dict[int, tuple[str, str | None, str | None, datetime | None, int]]: ...

    # bookkeeping
    def begin_import(self, importer: str, arguments: dict[str, Any], actor: str | None = None) -> int: ...
    def finish_import(self, import_id: int, new: int, duplicate: int, rejected: int, rejects_file: str | None, status: str) -> None: ...
    def list_imports(self, limit: int = 50) -> list[ImportRecord]: ...
    def audit(self, actor: str, action: str, target: str | None = None, details: dict[str, Any] | None = None) -> None: ...
    def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]: ...
    def status(self) -> dict[str, Any]: ...
    def close(self) -> None: ...

    # collect (monitoring status per watched target; see frameline.sources.monitor)
    def has_document(self, source: SourceRef, native_id: str) -> bool: ...
    def record_collection(self, target: str, kind: str, **values: Any) -> None: ...
    def collection_status(self, target: str | None = None) -> list[dict[str, Any]]: ...
    def forget_collection(self, target: str) -> None: ...
    # events
    def add_event(self, event: Event, replace: bool = False) -> Event: ...
    def get_event(self, name: str) -> Event | None: ...
    def list_events(self) -> list[Event]: ...
    def match_event_documents(self, event: Event) -> int: ...
    def remove_event(self, name: str) -> bool: ...


# -- events -----------------------------------------------------------------------


@dataclass
class Event:
    """A named window with a search query ("mosul-2017": 2017-06-15 to 2017-08-15, "Mosul OR الموصل").

    Every insight can be restricted to an event: documents published in
    [starts_at, ends_at) that match `query` (the search syntax; empty matches all).
    """

    name: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    query: str = ""
    description: str | None = None
    id: int | None = None
    created_at: datetime | None = None

    @property
    def last_day(self) -> date | None:
        """The window's last day, inclusive (`events add --to`): a window ending at midnight ends the day before."""
        if self.ends_at is None:
            return None
        return (self.ends_at - timedelta(days=1)).date() if self.ends_at.time() == time.min else self.ends_at.date()
