"""The one storage implementation, over SQLAlchemy Core, for SQLite and PostgreSQL.

Dialect differences are confined to three places: connection set-up (SQLite
pragmas), the insert-or-ignore construct, and full-text search
(`frameline.store.fulltext`).  Writes happen in short transactions of one
batch each, so an import killed midway leaves every finished batch stored and
the database consistent; re-running the import skips what is already there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, and_, bindparam, create_engine, delete, event, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import Select

from frameline.records import DocLabel, Document, RawDocument, Source, SourceRef, Span, utc
from frameline.store import migrate
from frameline.store.base import ImportRecord, SearchHit, SearchResults, StoreError, StoreLocked, WriteResult
from frameline.store.base import ClusterMember, ClusterSummary
from frameline.store.base import Event
from frameline.store.document_rows import (
    DOCUMENT_COLUMNS, SPAN_COLUMNS, PreparedDocument, json_reader, json_writer, pack_raw_json, prepare_document, sqlite_datetime,
    unpack_raw,
)
from frameline.store.fulltext import search_backend
from frameline.store.query import DocumentFilter, ParsedQuery, SearchQuery, parse_query
from frameline.store.schema import (
    analysis_state,
    cluster_members,
    clusters,
    collection_status,
    document_signatures,
    audit_log,
    doc_labels,
    documents,
    event_documents,
    events,
    imports,
    source_groups,
    sources,
    spans,
)
from frameline.text.snippets import make_snippet

EVENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
COUNT_CAP = 10_000  # exact totals past this cost more than an analyst gains from them
RANK_CANDIDATES = COUNT_CAP  # relevance ranks at most this many matches, the newest (see SqlStore.search)
RANK_BY_RANGE = 20_000  # a date-sorted page whose ids span at most this many is ranked in one range pass
WRITE_CACHE_KIB = 64 * 1024  # SQLite page cache of a connection that has written documents
WALK_DATES_FROM = 2_000  # matches from which "newest" walks the date index rather than sorting them all
SQLITE_BUSY_TIMEOUT_S = 10.0


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


_unpack_raw = unpack_raw


def _configure_sqlite(engine: Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        # pysqlite's own transaction handling is replaced by explicit BEGINs below,
        # so that write transactions take the lock up front (BEGIN IMMEDIATE)
        # instead of failing halfway when another writer appears.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):  # noqa: ANN001
        mode = connection.info.pop("frameline_begin", "BEGIN")
        connection.exec_driver_sql(mode)


def _restricts(filter: DocumentFilter | None) -> bool:
    """Whether the filter leaves out any document (else search needs no join)."""
    return filter is not None and any((
        filter.source_ids, filter.groups, filter.languages, filter.since is not None, filter.until is not None,
        filter.labels, filter.span_labels, filter.document_ids,
    ))


class SqlStore:
    """Storage over one SQLAlchemy engine; see `frameline.store.base.Store`."""

    def __init__(self, url: str, *, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.engine = create_engine(url, connect_args={"timeout": busy_timeout_s})
            _configure_sqlite(self.engine, busy_timeout_s)
        else:
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://"):]
            self.engine = create_engine(url, pool_pre_ping=True)
        self.dialect = self.engine.dialect.name
        self._busy_timeout_s = busy_timeout_s
        self._fulltext = search_backend(self.dialect)
        self._source_ids: dict[tuple[str, str], int] = {}
        # The column types' own value processors, for the driver-level fast paths (see write_analysis).
        same, dialect = (lambda value: value), self.engine.dialect  # noqa: E731
        json_type, moment_type = spans.c.attributes.type.dialect_impl(dialect), documents.c.published_at.type.dialect_impl(dialect)
        self._to_json = json_type.bind_processor(dialect) or same
        self._from_json = json_type.result_processor(dialect, None) or same
        self._read_json = json_reader(self._from_json)  # the same values, through orjson where it reads alike
        self._write_json = json_writer(self._to_json)  # the same text, remembered for repeated flat dicts
        self._from_datetime = moment_type.result_processor(dialect, None) or same
        with self._translate_errors():
            if migrate.current_revision(self.engine) != migrate.head_revision():
                migrate.upgrade(self.engine)

    # -- transactions -------------------------------------------------------

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as error:
            message = str(error.orig) if error.orig is not None else str(error)
            if "locked" in message or "busy" in message:
                raise StoreLocked(
                    f"the database {self.describe()} is locked by another process "
                    f"(waited {self._busy_timeout_s:g} s); nothing was written by this step, try again when it is free"
                ) from error
            raise StoreError(f"database {self.describe()}: {message}") from error

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._translate_errors(), self.engine.connect() as connection:
            if self.dialect == "sqlite":
                connection.info["frameline_begin"] = "BEGIN IMMEDIATE"
            with connection.begin():
                yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._translate_errors(), self.engine.connect() as connection:
            yield connection

    def describe(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _insert(self, table):  # noqa: ANN001, ANN202 - a dialect-specific Insert
        return (sqlite.insert if self.dialect == "sqlite" else postgresql.insert)(table)

    # -- sources ------------------------------------------------------------

    def ensure_source(self, ref: SourceRef) -> int:
        key = (ref.kind, ref.name)
        source_id = self._source_ids.get(key)
        if source_id is None:
            with self._write() as connection:
                connection.execute(
                    self._insert(sources)
                    .values(
                        kind=ref.kind, name=ref.name, handle=ref.handle, url=ref.url,
                        language=ref.language, metadata=ref.metadata or {}, created_at=_now(),
                    )
                    .on_conflict_do_nothing(index_elements=["kind", "name"])
                )
                source_id = connection.execute(
                    select(sources.c.id).where(sources.c.kind == ref.kind, sources.c.name == ref.name)
                ).scalar_one()
            self._source_ids[key] = source_id
        if ref.groups:
            self.add_source_groups(source_id, ref.groups)
        return source_id

    def add_source_groups(self, source_id: int, groups: Iterable[str]) -> None:
        rows = [{"source_id": source_id, "group_name": group} for group in dict.fromkeys(groups) if group]
        if rows:
            with self._write() as connection:
                connection.execute(self._insert(source_groups).on_conflict_do_nothing(), rows)

    def merge_source_metadata(self, source_id: int, updates: dict[str, Any]) -> None:
        """Add keys to a source's metadata (e.g. what a chat's service messages said), keeping the rest."""
        with self._write() as connection:
            current = connection.execute(select(sources.c.metadata).where(sources.c.id == source_id)).scalar_one()
            connection.execute(
                update(sources).where(sources.c.id == source_id).values(metadata={**(current or {}), **updates})
            )

    def remove_source_groups(self, source_id: int, groups: Iterable[str]) -> None:
        with self._write() as connection:
            connection.execute(
                delete(source_groups).where(
                    source_groups.c.source_id == source_id, source_groups.c.group_name.in_(list(groups))
                )
            )

    def _sources_where(self, *conditions) -> list[Source]:  # noqa: ANN002
        with self._read() as connection:
            rows = connection.execute(select(sources).where(*conditions).order_by(sources.c.id)).all()
            groups: dict[int, list[str]] = {}
            for source_id, group in connection.execute(
                select(source_groups.c.source_id, source_groups.c.group_name).order_by(source_groups.c.group_name)
            ):
                groups.setdefault(source_id, []).append(group)
        return [
            Source(
                id=row.id, kind=row.kind, name=row.name, handle=row.handle, url=row.url, language=row.language,
                groups=groups.get(row.id, []), metadata=row.metadata or {}, created_at=_aware(row.created_at),
            )
            for row in rows
        ]

    def list_sources(self) -> list[Source]:
        return self._sources_where()

    def get_source(self, source_id: int) -> Source:
        found = self._sources_where(sources.c.id == source_id)
        if not found:
            raise StoreError(f"no source with id {source_id}")
        return found[0]

    def find_source(self, name_or_id: str) -> Source | None:
        condition = sources.c.name == name_or_id
        if name_or_id.isdigit():
            condition = or_(condition, sources.c.id == int(name_or_id))
        found = self._sources_where(or_(condition, sources.c.handle == name_or_id))
        return found[0] if found else None

    # -- documents ----------------------------------------------------------

    def write_documents(self, batch: list[RawDocument], import_id: int | None = None) -> WriteResult:
        """Store a batch; records already present (same source and native id) are counted, not stored."""
        return self.write_prepared([prepare_document(raw, self.dialect) for raw in batch], import_id)

    # -- document writes (perf): prepared rows; SQLite straight to the driver --------
    # A batch is one transaction.  On SQLite the rows skip SQLAlchemy's per-row
    # parameter processing, ids are assigned under the write lock (what SQLite itself
    # would pick: max + 1), and the full-text index is filled with one INSERT … SELECT
    # per batch, which costs a third of a per-row trigger (migration 0003_perf).

    def write_prepared(self, prepared: list[PreparedDocument], import_id: int | None = None) -> WriteResult:
        """Store documents made by `prepare_document` for this dialect; duplicates are counted, not stored."""
        result = WriteResult()
        unique: dict[tuple[int, str], PreparedDocument] = {}
        by_object: dict[int, int] = {}  # the refs of one importer are mostly one object: skip hashing them
        by_ref: dict[SourceRef, int] = {}
        for document in prepared:
            ref = document.source
            source_id = by_object.get(id(ref))
            if source_id is None:
                try:
                    source_id = by_ref[ref]
                except KeyError:
                    source_id = by_ref[ref] = self.ensure_source(ref)
                except TypeError:  # a ref with an unhashable field (e.g. groups as a list): no caching
                    source_id = self.ensure_source(ref)
                by_object[id(ref)] = source_id
            key = (source_id, document.native_id)
            if key in unique:
                result.duplicate += 1
            else:
                unique[key] = document
        if not unique:
            return result
        with self._write() as connection:
            if self.dialect == "sqlite":
                new_ids = self._insert_sqlite(connection, unique, import_id)
            else:
                new_ids = self._insert_generic(connection, unique, import_id)
        result.new = len(new_ids)
        result.duplicate += len(unique) - len(new_ids)
        result.new_ids = new_ids
        return result

    _SQLITE_INSERT_DOCUMENT = (
        "INSERT INTO documents (id, source_id, native_id, collected_at, import_id, "
        + ", ".join(DOCUMENT_COLUMNS) + ") VALUES (" + ", ".join("?" * (5 + len(DOCUMENT_COLUMNS))) + ")"
    )
    _SQLITE_INSERT_SPAN = (
        'INSERT INTO spans (document_id, "start", "end", layer, label, score, attributes, producer, producer_version) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '1')"
    )

    def _insert_sqlite(
        self, connection: Connection, unique: dict[tuple[int, str], PreparedDocument], import_id: int | None
    ) -> list[int]:
        collected_at = sqlite_datetime(_now())
        cursor = connection.connection.driver_connection.cursor()
        try:
            # 64 MiB of page cache instead of 2: the content-hash index takes its inserts at
            # random places, and a million-document workspace's index no longer fits in 2 MiB.
            cursor.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
            by_source: dict[int, list[str]] = {}
            for source_id, native_id in unique:
                by_source.setdefault(source_id, []).append(native_id)
            stored: set[tuple[int, str]] = set()
            for source_id, native_ids in by_source.items():
                cursor.execute(
                    "SELECT native_id FROM documents WHERE source_id = ? "
                    "AND native_id IN (SELECT value FROM json_each(?))", (source_id, json.dumps(native_ids)))
                stored.update((source_id, native_id) for (native_id,) in cursor.fetchall())
            first_id = next_id = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM documents").fetchone()[0]
            rows, span_rows = [], []
            for key, document in unique.items():
                if key in stored:
                    continue
                values = document.values
                rows.append((next_id, key[0], key[1], collected_at, import_id, *values[:-1],
                             values[-1] if document.packed else pack_raw_json(values[-1])))
                if document.spans:
                    producer = f"import:{document.source.kind}"
                    span_rows += [(next_id, *span, producer) for span in document.spans]
                next_id += 1
            if rows:
                cursor.executemany(self._SQLITE_INSERT_DOCUMENT, rows)
                if span_rows:
                    cursor.executemany(self._SQLITE_INSERT_SPAN, span_rows)
                cursor.execute(
                    "INSERT INTO documents_fts (rowid, title_norm, text_norm) "
                    "SELECT id, title_norm, text_norm FROM documents WHERE id >= ?", (first_id,))
        finally:
            cursor.close()
        return list(range(first_id, next_id))

    def _insert_generic(
        self, connection: Connection, unique: dict[tuple[int, str], PreparedDocument], import_id: int | None
    ) -> list[int]:
        collected_at = _now()
        rows = [
            dict(zip(DOCUMENT_COLUMNS, document.values), source_id=source_id, native_id=native_id,
                 collected_at=collected_at, import_id=import_id,
                 raw=document.values[-1] if document.packed else pack_raw_json(document.values[-1]))
            for (source_id, native_id), document in unique.items()
        ]
        statement = (
            self._insert(documents)
            .on_conflict_do_nothing(index_elements=["source_id", "native_id"])
            .returning(documents.c.id, documents.c.source_id, documents.c.native_id)
        )
        inserted = connection.execute(statement, rows).all()
        span_rows = []
        for document_id, source_id, native_id in inserted:
            document = unique[(source_id, native_id)]
            span_rows += [
                dict(zip(SPAN_COLUMNS, span), document_id=document_id, producer=f"import:{document.source.kind}",
                     producer_version="1")
                for span in document.spans
            ]
        if span_rows:
            connection.execute(spans.insert(), span_rows)
        return sorted(row[0] for row in inserted)

    def _document_from_row(self, row: Any, with_raw: bool) -> Document:
        return Document(
            id=row.id, source_id=row.source_id, native_id=row.native_id, text=row.text, title=row.title,
            url=row.url, author=row.author, author_id=row.author_id, published_at=_aware(row.published_at),
            collected_at=_aware(row.collected_at), language=row.language, content_hash=row.content_hash,
            reply_to=row.reply_to, forwarded_from=row.forwarded_from, media=row.media or [],
            metadata=row.metadata or {}, raw=_unpack_raw(row.raw) if with_raw else None,
        )

    def get_document(self, document_id: int, with_raw: bool = False) -> Document:
        columns = [c for c in documents.c if c.name not in ("title_norm", "text_norm")]
        with self._read() as connection:
            row = connection.execute(select(*columns).where(documents.c.id == document_id)).first()
        if row is None:
            raise StoreError(f"no document with id {document_id}")
        return self._document_from_row(row, with_raw)

    def get_documents(self, document_ids: list[int]) -> dict[int, Document]:
        columns = [c for c in documents.c if c.name not in ("title_norm", "text_norm", "raw")]
        found: dict[int, Document] = {}
        with self._read() as connection:
            for chunk_start in range(0, len(document_ids), 500):
                chunk = document_ids[chunk_start:chunk_start + 500]
                for row in connection.execute(select(*columns).where(documents.c.id.in_(chunk))):
                    found[row.id] = self._document_from_row(row, with_raw=False)
        return found

    def _filtered(self, statement: Select, filter: DocumentFilter | None) -> Select:
        if filter is None:
            return statement
        if filter.document_ids:
            statement = statement.where(documents.c.id.in_(filter.document_ids))
        if filter.source_ids:
            statement = statement.where(documents.c.source_id.in_(filter.source_ids))
        if filter.groups:
            statement = statement.where(
                documents.c.source_id.in_(
                    select(source_groups.c.source_id).where(source_groups.c.group_name.in_(filter.groups))
                )
            )
        if filter.languages:
            statement = statement.where(documents.c.language.in_(filter.languages))
        if filter.since is not None:
            statement = statement.where(documents.c.published_at >= utc(filter.since))
        if filter.until is not None:
            statement = statement.where(documents.c.published_at < utc(filter.until))
        for layer, label in filter.labels:
            statement = statement.where(
                documents.c.id.in_(
                    select(doc_labels.c.document_id).where(doc_labels.c.layer == layer, doc_labels.c.label == label)
                )
            )
        for layer, label in filter.span_labels:
            statement = statement.where(
                documents.c.id.in_(select(spans.c.document_id).where(spans.c.layer == layer, spans.c.label == label))
            )
        return statement

    def iter_documents(self, filter: DocumentFilter | None = None, batch_size: int = 1000) -> Iterator[Document]:
        columns = [c for c in documents.c if c.name not in ("title_norm", "text_norm", "raw")]
        last_id = 0
        while True:
            statement = self._filtered(
                select(*columns).where(documents.c.id > last_id).order_by(documents.c.id).limit(batch_size), filter
            )
            with self._read() as connection:
                rows = connection.execute(statement).all()
            if not rows:
                return
            for row in rows:
                yield self._document_from_row(row, with_raw=False)
            last_id = rows[-1].id

    def count_documents(self, filter: DocumentFilter | None = None) -> int:
        with self._read() as connection:
            return connection.execute(self._filtered(select(func.count(documents.c.id)), filter)).scalar_one()

    def search(self, query: SearchQuery) -> SearchResults:
        """Matching documents, a page at a time.

        Totals stop at COUNT_CAP.  Relevance ranks the newest RANK_CANDIDATES matches
        (by document id) when there are more: bm25 over every match of a common word
        in a million documents takes seconds, and analysts page through the top of a
        ranking, not its ten-thousandth place.  `SearchResults.ranked_newest` says when
        that happened.  Sorting by date stays exact: the date index is walked and
        checked against the set of matching ids.
        """
        parsed = parse_query(query.text)
        if not parsed.clauses:
            return self._browse(query, parsed)
        matches, match_id = self._fulltext.matches(parsed)
        filtered = matches
        if _restricts(query.filter):
            if self.dialect == "sqlite":
                filtered = filtered.join(documents, documents.c.id == match_id)
            filtered = self._filtered(filtered, query.filter)
        ranked_newest = None
        with self._read() as connection:
            if query.sort == "relevance":
                # The newest matches in one pass through the index (one more than the count
                # cap): the database ranks the newest RANK_CANDIDATES of them and returns a page
                # carrying how many there were, so no second pass is needed to count them.
                newest = filtered.order_by(match_id.desc()).limit(max(RANK_CANDIDATES, COUNT_CAP) + 1).subquery()
                numbered = select(
                    newest.c.document_id, newest.c.rank,
                    func.row_number().over(order_by=newest.c.document_id.desc()).label("position"),
                    func.count().over().label("total"),
                ).subquery()
                page = (select(numbered.c.document_id, numbered.c.rank, numbered.c.total)
                        .where(numbered.c.position <= RANK_CANDIDATES)
                        .order_by(numbered.c.rank, numbered.c.document_id.desc())
                        .limit(query.limit).offset(query.offset))
                rows = connection.execute(page).all()
                if rows:
                    total = rows[0].total
                else:  # no matches, or a page past the end: count them
                    total = connection.execute(select(func.count()).select_from(
                        filtered.with_only_columns(match_id).limit(COUNT_CAP + 1).subquery())).scalar_one()
                if total > RANK_CANDIDATES:
                    ranked_newest = RANK_CANDIDATES
                ids = [row.document_id for row in rows]
                ranks = {row.document_id: row.rank for row in rows}
            else:
                counted = select(func.count()).select_from(
                    filtered.with_only_columns(match_id).limit(COUNT_CAP + 1).subquery())
                total = connection.execute(counted).scalar_one()
                matching = matches.with_only_columns(match_id)
                page = select(documents.c.id.label("document_id"))
                if self.dialect == "sqlite" and query.sort == "newest" and total >= WALK_DATES_FROM:
                    # Many matches: walk the date index from the newest and stop at the page's end,
                    # instead of fetching and sorting every match.  `id + 0` keeps SQLite from
                    # looking each match up by rowid; DESC puts NULLs last in SQLite anyway.
                    page = page.where((documents.c.id + 0).in_(matching)).order_by(
                        documents.c.published_at.desc(), documents.c.id.desc())
                else:
                    page = page.where(documents.c.id.in_(matching)).order_by(*self._date_order(query.sort))
                page = self._filtered(page, query.filter)
                ids = [row.document_id for row in connection.execute(page.limit(query.limit).offset(query.offset))]
                ranks = self._ranks(connection, matches, match_id, ids)
        return self._results(query, parsed, ids, ranks, total, ranked_newest)

    def _ranks(self, connection: Connection, matches: Select, match_id: Any, ids: list[int]) -> dict[int, Any]:
        """The rank relevance would give these documents (a date-sorted page shows it too).

        A full-text index answers a range of ids in one pass but a list of ids one
        lookup at a time, so a page whose ids lie close together is ranked by range."""
        if not ids:
            return {}
        low, high = min(ids), max(ids)
        if high - low <= RANK_BY_RANGE:
            found = connection.execute(matches.where(match_id.between(low, high))).all()
        else:
            found = connection.execute(matches.where(match_id.in_(ids))).all()
        wanted = set(ids)
        return {document_id: rank for document_id, rank in found if document_id in wanted}

    def _browse(self, query: SearchQuery, parsed: ParsedQuery) -> SearchResults:
        """No words: the filter's documents by date."""
        statement = self._filtered(select(documents.c.id.label("document_id")), query.filter)
        counted = select(func.count()).select_from(statement.limit(COUNT_CAP + 1).subquery())
        page = statement.order_by(*self._date_order(query.sort)).limit(query.limit).offset(query.offset)
        with self._read() as connection:
            total = connection.execute(counted).scalar_one()
            ids = [row.document_id for row in connection.execute(page)]
        return self._results(query, parsed, ids, None, total, None)

    @staticmethod
    def _date_order(sort: str) -> list[Any]:
        if sort == "oldest":
            return [documents.c.published_at.asc().nulls_last(), documents.c.id.asc()]
        return [documents.c.published_at.desc().nulls_last(), documents.c.id.desc()]

    def _results(
        self, query: SearchQuery, parsed: ParsedQuery, ids: list[int], ranks: dict[int, Any] | None, total: int,
        ranked_newest: int | None,
    ) -> SearchResults:
        found = self.get_documents(ids)
        source_by_id = {source.id: source for source in self.list_sources()}
        terms = [(term.text, term.prefix) for term in parsed.positive_terms]
        hits = []
        for document_id in ids:
            document = found[document_id]
            rank = ranks.get(document_id) if ranks is not None else None
            hits.append(SearchHit(
                document=document,
                source=source_by_id[document.source_id],
                rank=float(rank) if rank is not None else None,
                snippet=make_snippet(((document.title + "\n") if document.title else "") + document.text, terms),
            ))
        return SearchResults(hits=hits, total=min(total, COUNT_CAP), total_is_lower_bound=total > COUNT_CAP, query=query,
                             ranked_newest=ranked_newest)

    # -- analysis output ----------------------------------------------------

    def write_analysis(
        self,
        analyser: str,
        version: str,
        outputs: Mapping[int, tuple[list[Span], list[DocLabel]]],
        config_version: str = "",
        languages: Mapping[int, str] | None = None,
    ) -> None:
        """Replace one analyser's spans and labels on these documents and mark them done, atomically.

        Only the offsets, layer, label, score and attributes of each span and label are read (document,
        producer and version come from the arguments), so the runner hands over analysers' drafts as they are.
        `languages` are document languages to record in the same transaction (see `set_languages`).
        """
        document_ids = list(outputs)
        if not document_ids:
            return
        with self._write() as connection:
            if languages:
                self._set_languages(connection, languages)
            if self.dialect == "sqlite":
                self._write_analysis_sqlite(connection, analyser, version, outputs, config_version)
            else:
                self._write_analysis_generic(connection, analyser, version, outputs, config_version)

    def _write_analysis_generic(
        self, connection: Connection, analyser: str, version: str,
        outputs: Mapping[int, tuple[list[Span], list[DocLabel]]], config_version: str,
    ) -> None:
        document_ids = list(outputs)
        span_rows, label_rows = [], []
        for document_id, (document_spans, document_labels) in outputs.items():
            span_rows += [
                {"document_id": document_id, "start": s.start, "end": s.end, "layer": s.layer, "label": s.label,
                 "score": s.score, "producer": analyser, "producer_version": version, "attributes": s.attributes or None}
                for s in document_spans
            ]
            label_rows += [
                {"document_id": document_id, "layer": l.layer, "label": l.label, "score": l.score,
                 "producer": analyser, "producer_version": version, "attributes": l.attributes or None}
                for l in document_labels
            ]
        completed_at = _now()
        for chunk_start in range(0, len(document_ids), 500):
            chunk = document_ids[chunk_start:chunk_start + 500]
            connection.execute(delete(spans).where(spans.c.document_id.in_(chunk), spans.c.producer == analyser))
            connection.execute(
                delete(doc_labels).where(doc_labels.c.document_id.in_(chunk), doc_labels.c.producer == analyser)
            )
            connection.execute(
                delete(analysis_state).where(
                    analysis_state.c.document_id.in_(chunk), analysis_state.c.analyser == analyser
                )
            )
        if span_rows:
            connection.execute(spans.insert(), span_rows)
        if label_rows:
            connection.execute(doc_labels.insert(), label_rows)
        connection.execute(
            analysis_state.insert(),
            [
                {"document_id": document_id, "analyser": analyser, "analyser_version": version,
                 "config_version": config_version, "completed_at": completed_at}
                for document_id in document_ids
            ],
        )

    # -- analysis writes and reads (perf): SQLite straight to the driver -------
    # The analysis runner stores every batch of every analyser and reads every
    # batch's texts back, so on SQLite SQLAlchemy's per-row parameter and result
    # processing was half the cost of a base-pipeline run.  Values are encoded and
    # decoded by the column types' own processors, so the rows are byte for byte
    # what the generic path stores (tests/store/test_analysis_rows.py compares them).

    _SQLITE_INSERT_ANALYSIS_SPAN = (
        'INSERT INTO spans (document_id, "start", "end", layer, label, score, producer, producer_version, '
        "attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    _SQLITE_INSERT_ANALYSIS_LABEL = (
        "INSERT INTO doc_labels (document_id, layer, label, score, producer, producer_version, attributes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    # One statement for the whole batch's state rows: SQLite loops over the ids (a JSON array), not the driver,
    # five rows a document per base run (1.2 -> 0.7 CPU s for 500k rows).
    _SQLITE_INSERT_ANALYSIS_STATE = (
        "INSERT INTO analysis_state (document_id, analyser, analyser_version, config_version, completed_at) "
        "SELECT value, ?, ?, ?, ? FROM json_each(?)"
    )

    def _write_analysis_sqlite(
        self, connection: Connection, analyser: str, version: str,
        outputs: Mapping[int, tuple[list[Span], list[DocLabel]]], config_version: str,
    ) -> None:
        to_json = self._write_json
        span_rows, label_rows = [], []
        for document_id, (document_spans, document_labels) in outputs.items():
            span_rows += [(document_id, s.start, s.end, s.layer, s.label, s.score, analyser, version,
                           to_json(s.attributes or None)) for s in document_spans]
            label_rows += [(document_id, l.layer, l.label, l.score, analyser, version, to_json(l.attributes or None))
                           for l in document_labels]
        document_ids = list(outputs)
        completed_at = sqlite_datetime(_now())
        cursor = connection.connection.driver_connection.cursor()
        try:
            for chunk_start in range(0, len(document_ids), 500):
                chunk = document_ids[chunk_start:chunk_start + 500]
                marks = ", ".join("?" * len(chunk))
                for statement in (f"DELETE FROM spans WHERE producer = ? AND document_id IN ({marks})",
                                  f"DELETE FROM doc_labels WHERE producer = ? AND document_id IN ({marks})",
                                  f"DELETE FROM analysis_state WHERE analyser = ? AND document_id IN ({marks})"):
                    cursor.execute(statement, (analyser, *chunk))
            if span_rows:
                cursor.executemany(self._SQLITE_INSERT_ANALYSIS_SPAN, span_rows)
            if label_rows:
                cursor.executemany(self._SQLITE_INSERT_ANALYSIS_LABEL, label_rows)
            cursor.execute(self._SQLITE_INSERT_ANALYSIS_STATE,
                           (analyser, version, config_version, completed_at, json.dumps(document_ids)))
        finally:
            cursor.close()

    _SQLITE_STALE = (
        "SELECT id FROM documents INDEXED BY ix_documents_language EXCEPT SELECT document_id FROM analysis_state "
        "WHERE analyser = ? AND analyser_version = ? AND config_version = ? ORDER BY 1"
    )

    def stale_documents(
        self, analyser: str, version: str, config_version: str = "", limit: int | None = None,
        filter: DocumentFilter | None = None,
    ) -> list[int]:
        """Documents this analyser has not yet processed at this version and configuration."""
        if self.dialect == "sqlite" and limit is None and not _restricts(filter):
            # Every stage of every run asks this of the whole corpus: the ids straight from the driver
            # (SQLAlchemy's result processing cost more than the query), read from the smallest index
            # that holds them all (the language index: a short key and the id) rather than from the
            # documents' own pages with their texts and raw records; 0.2-0.3 -> 0.04 s on 100k posts.
            with self._read() as connection:
                return [document_id for (document_id,) in self._driver_rows(connection, self._SQLITE_STALE,
                                                                            (analyser, version, config_version))]
        current = and_(
            analysis_state.c.document_id == documents.c.id,
            analysis_state.c.analyser == analyser,
            analysis_state.c.analyser_version == version,
            analysis_state.c.config_version == config_version,
        )
        statement = self._filtered(
            select(documents.c.id).where(~select(analysis_state.c.document_id).where(current).exists()), filter
        ).order_by(documents.c.id)
        if limit is not None:
            statement = statement.limit(limit)
        with self._read() as connection:
            return list(connection.execute(statement).scalars())

    def set_languages(self, languages: Mapping[int, str]) -> None:
        """Record detected document languages (what search filters and `status` group by), in one transaction."""
        if languages:
            with self._write() as connection:
                self._set_languages(connection, languages)

    def _set_languages(self, connection: Connection, languages: Mapping[int, str]) -> None:
        by_language: dict[str, list[int]] = {}
        for document_id, language in languages.items():
            by_language.setdefault(language, []).append(document_id)
        for language, document_ids in by_language.items():
            for chunk_start in range(0, len(document_ids), 500):
                chunk = document_ids[chunk_start:chunk_start + 500]
                if self.dialect == "sqlite":
                    connection.exec_driver_sql(
                        f"UPDATE documents SET language = ? WHERE id IN ({', '.join('?' * len(chunk))})",
                        (language, *chunk))
                else:
                    connection.execute(update(documents).where(documents.c.id.in_(chunk)).values(language=language))

    def _layer_rows(self, table, document_id: int, layers: Iterable[str] | None):  # noqa: ANN001, ANN202
        statement = select(table).where(table.c.document_id == document_id)
        if layers is not None:
            statement = statement.where(table.c.layer.in_(list(layers)))
        with self._read() as connection:
            return connection.execute(statement.order_by(table.c.id)).all()

    def get_layers(
        self, document_ids: list[int], producers: Iterable[str] | None = None, labels: bool = True,
    ) -> dict[int, tuple[list[Span], list[DocLabel]]]:
        """Spans and labels of many documents in two queries per chunk (exports, reports, the analysis runner).

        `producers` narrows to what those analysers wrote (an analyser's inputs carry only its requirements');
        `labels=False` reads the spans only (the label lists stay empty).
        """
        found: dict[int, tuple[list[Span], list[DocLabel]]] = {document_id: ([], []) for document_id in document_ids}
        wanted = None if producers is None else sorted(set(producers))
        if wanted is not None and not wanted:
            return found
        (self._layers_sqlite if self.dialect == "sqlite" else self._layers_generic)(document_ids, wanted, found, labels)
        return found

    def _layers_generic(self, document_ids: list[int], wanted: list[str] | None,
                        found: dict[int, tuple[list[Span], list[DocLabel]]], labels: bool = True) -> None:
        with self._read() as connection:
            for chunk_start in range(0, len(document_ids), 500):
                chunk = document_ids[chunk_start:chunk_start + 500]
                span_query = select(spans).where(spans.c.document_id.in_(chunk))
                label_query = select(doc_labels).where(doc_labels.c.document_id.in_(chunk))
                if wanted is not None:
                    span_query = span_query.where(spans.c.producer.in_(wanted))
                    label_query = label_query.where(doc_labels.c.producer.in_(wanted))
                for r in connection.execute(span_query.order_by(spans.c.id)):
                    found[r.document_id][0].append(
                        Span(document_id=r.document_id, start=r.start, end=r.end, layer=r.layer, label=r.label,
                             score=r.score, producer=r.producer, producer_version=r.producer_version,
                             attributes=r.attributes or {}, id=r.id)
                    )
                for r in connection.execute(label_query.order_by(doc_labels.c.id)) if labels else ():
                    found[r.document_id][1].append(
                        DocLabel(document_id=r.document_id, layer=r.layer, label=r.label, score=r.score,
                                 producer=r.producer, producer_version=r.producer_version,
                                 attributes=r.attributes or {}, id=r.id)
                    )

    def _layers_sqlite(self, document_ids: list[int], producers: list[str] | None,
                       found: dict[int, tuple[list[Span], list[DocLabel]]], labels: bool = True) -> None:
        from_json = self._read_json
        by_producer = "" if producers is None else f" AND producer IN ({', '.join('?' * len(producers))})"
        with self._read() as connection:
            cursor = connection.connection.driver_connection.cursor()
            try:
                for chunk_start in range(0, len(document_ids), 500):
                    chunk = document_ids[chunk_start:chunk_start + 500]
                    where = f"document_id IN ({', '.join('?' * len(chunk))}){by_producer} ORDER BY id"
                    parameters = (*chunk, *(producers or ()))
                    for (row_id, document_id, start, end, layer, label, score, producer, producer_version,
                         attributes) in cursor.execute(
                            'SELECT id, document_id, "start", "end", layer, label, score, producer, producer_version, '
                            f"attributes FROM spans WHERE {where}", parameters):
                        found[document_id][0].append(Span(
                            document_id, start, end, layer, label, score, producer, producer_version,
                            from_json(attributes) or {}, row_id))
                    if not labels:
                        continue
                    for (row_id, document_id, layer, label, score, producer, producer_version,
                         attributes) in cursor.execute(
                            "SELECT id, document_id, layer, label, score, producer, producer_version, attributes "
                            f"FROM doc_labels WHERE {where}", parameters):
                        found[document_id][1].append(DocLabel(
                            document_id, layer, label, score, producer, producer_version,
                            from_json(attributes) or {}, row_id))
            finally:
                cursor.close()

    def get_spans(self, document_id: int, layers: Iterable[str] | None = None) -> list[Span]:
        return [
            Span(document_id=r.document_id, start=r.start, end=r.end, layer=r.layer, label=r.label, score=r.score,
                 producer=r.producer, producer_version=r.producer_version, attributes=r.attributes or {}, id=r.id)
            for r in self._layer_rows(spans, document_id, layers)
        ]

    def get_labels(self, document_id: int, layers: Iterable[str] | None = None) -> list[DocLabel]:
        return [
            DocLabel(document_id=r.document_id, layer=r.layer, label=r.label, score=r.score, producer=r.producer,
                     producer_version=r.producer_version, attributes=r.attributes or {}, id=r.id)
            for r in self._layer_rows(doc_labels, document_id, layers)
        ]

    # -- bookkeeping ----------------------------------------------------------

    def begin_import(self, importer: str, arguments: dict[str, Any], actor: str | None = None) -> int:
        with self._write() as connection:
            return connection.execute(
                imports.insert().values(
                    importer=importer, arguments=arguments, started_at=_now(), status="running", actor=actor,
                    new=0, duplicate=0, rejected=0,
                ).returning(imports.c.id)
            ).scalar_one()

    def finish_import(
        self, import_id: int, new: int, duplicate: int, rejected: int, rejects_file: str | None, status: str
    ) -> None:
        with self._write() as connection:
            connection.execute(
                update(imports).where(imports.c.id == import_id).values(
                    finished_at=_now(), new=new, duplicate=duplicate, rejected=rejected,
                    rejects_file=rejects_file, status=status,
                )
            )

    def list_imports(self, limit: int = 50) -> list[ImportRecord]:
        with self._read() as connection:
            rows = connection.execute(select(imports).order_by(imports.c.id.desc()).limit(limit)).all()
        return [
            ImportRecord(id=r.id, importer=r.importer, arguments=r.arguments, started_at=_aware(r.started_at),
                         finished_at=_aware(r.finished_at), new=r.new, duplicate=r.duplicate, rejected=r.rejected,
                         rejects_file=r.rejects_file, status=r.status)
            for r in rows
        ]

    def audit(self, actor: str, action: str, target: str | None = None, details: dict[str, Any] | None = None) -> None:
        with self._write() as connection:
            connection.execute(
                audit_log.insert().values(at=_now(), actor=actor, action=action, target=target, details=details)
            )

    def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._read() as connection:
            rows = connection.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)).all()
        return [dict(row._mapping) | {"at": _aware(row.at)} for row in rows]

    def status(self) -> dict[str, Any]:
        """Counts an analyst checks first: per source (with groups), per language, per analysis state."""
        with self._read() as connection:
            per_source = dict(
                connection.execute(select(documents.c.source_id, func.count()).group_by(documents.c.source_id)).all()
            )
            per_language = {
                (language or "unknown"): count
                for language, count in connection.execute(
                    select(documents.c.language, func.count()).group_by(documents.c.language)
                )
            }
            per_analyser = [
                {"analyser": analyser, "version": version, "config_version": config, "documents": count}
                for analyser, version, config, count in connection.execute(
                    select(
                        analysis_state.c.analyser, analysis_state.c.analyser_version,
                        analysis_state.c.config_version, func.count(),
                    ).group_by(
                        analysis_state.c.analyser, analysis_state.c.analyser_version, analysis_state.c.config_version
                    )
                )
            ]
            span_layers = dict(connection.execute(select(spans.c.layer, func.count()).group_by(spans.c.layer)).all())
        all_sources = self.list_sources()
        per_group: dict[str, int] = {}
        for source in all_sources:
            for group in source.groups:
                per_group[group] = per_group.get(group, 0) + per_source.get(source.id, 0)
        return {
            "documents": sum(per_source.values()),
            "sources": [
                {"id": s.id, "kind": s.kind, "name": s.name, "groups": s.groups, "documents": per_source.get(s.id, 0)}
                for s in all_sources
            ],
            "groups": per_group,
            "languages": per_language,
            "analysis": per_analyser,
            "span_layers": span_layers,
        }

    def close(self) -> None:
        self.engine.dispose()

    # -- clusters -------------------------------------------------------------
    # Near-duplicate signatures, re-post clusters and their members; written by the
    # duplicates analyser's main-process step (frameline.analysis.duplicates).

    def signatures_after(self, kind: str, after_id: int = 0, values: bool = True) -> list[tuple[Any, ...]]:
        """(row id, document id, value) of the stored `kind` signatures with row ids above `after_id`.

        `values=False` gives (row id, document id) only: the duplicates analyser reads first which
        rows are new, and the values of only those it has not indexed itself.
        """
        columns = [document_signatures.c.id, document_signatures.c.document_id]
        if values:
            columns.append(document_signatures.c.value)
        statement = (select(*columns).where(document_signatures.c.kind == kind, document_signatures.c.id > after_id)
                     .order_by(document_signatures.c.id))
        with self._read() as connection:
            if self.dialect == "sqlite":  # every batch of the duplicates analyser reads these: straight from the driver
                sql = (f"SELECT id, document_id{', value' if values else ''} FROM document_signatures "
                       "WHERE kind = ? AND id > ? ORDER BY id")
                rows = self._driver_rows(connection, sql, (kind, after_id))
            else:
                rows = connection.execute(statement).all()
            if values:
                return [(row_id, document_id, bytes(value)) for row_id, document_id, value in rows]
            return [(row_id, document_id) for row_id, document_id in rows]

    def signatures_by_row(self, row_ids: list[int]) -> list[tuple[int, int, bytes]]:
        """(row id, document id, value) of these signature rows, in row id order."""
        found: list[tuple[int, int, bytes]] = []
        with self._read() as connection:
            for start in range(0, len(row_ids), 500):
                chunk = row_ids[start:start + 500]
                found += [(row.id, row.document_id, bytes(row.value)) for row in connection.execute(
                    select(document_signatures.c.id, document_signatures.c.document_id, document_signatures.c.value)
                    .where(document_signatures.c.id.in_(chunk)))]
        return sorted(found)

    @staticmethod
    def _driver_rows(connection: Connection, sql: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """All rows of one SQLite statement from the driver's cursor (SQLAlchemy's result fetches them one by one)."""
        cursor = connection.connection.driver_connection.cursor()
        try:
            return cursor.execute(sql, parameters).fetchall()
        finally:
            cursor.close()

    def cluster_ids(self, document_ids: Iterable[int]) -> dict[int, int]:
        """The cluster of each of these documents that belongs to one."""
        wanted, found = list(document_ids), {}
        with self._read() as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                if self.dialect == "sqlite":  # every batch of the duplicates analyser asks: no statement to compile
                    found.update(self._driver_rows(
                        connection, "SELECT document_id, cluster_id FROM cluster_members "
                        f"WHERE document_id IN ({', '.join('?' * len(chunk))})", tuple(chunk)))
                else:
                    found.update(connection.execute(
                        select(cluster_members.c.document_id, cluster_members.c.cluster_id)
                        .where(cluster_members.c.document_id.in_(chunk))).all())
        return found

    def record_clusters(
        self, signatures: list[tuple[int, str, bytes]], members: list[ClusterMember], producer: str, version: str,
        label_outside: Iterable[int] = (),
    ) -> None:
        """Store signatures and memberships, refresh the touched clusters' spread, in one transaction.

        A member whose cluster does not exist yet founds it (its id is the cluster id).
        `label_outside` are members not in the batch being stored (earlier documents that a
        new one joined): their "cluster" labels are written here, under `producer`.
        """
        now = _now()
        by_document = {member.document_id: member for member in members}
        outside = [document_id for document_id in label_outside if document_id in by_document]
        with self._write() as connection:
            signed = sorted({document_id for document_id, _kind, _value in signatures})
            for start in range(0, len(signed), 500):
                chunk = signed[start:start + 500]
                if self.dialect == "sqlite":
                    connection.exec_driver_sql("DELETE FROM document_signatures "
                                               f"WHERE document_id IN ({', '.join('?' * len(chunk))})", tuple(chunk))
                else:
                    connection.execute(delete(document_signatures).where(document_signatures.c.document_id.in_(chunk)))
            if signatures and self.dialect == "sqlite":  # blobs need no processing: straight to the driver
                connection.exec_driver_sql(
                    "INSERT INTO document_signatures (document_id, kind, value) VALUES (?, ?, ?)", signatures)
            elif signatures:
                connection.execute(document_signatures.insert(), [
                    {"document_id": document_id, "kind": kind, "value": value}
                    for document_id, kind, value in signatures])
            if not members:
                return
            touched = sorted({member.cluster_id for member in members})
            existing = set(connection.execute(select(clusters.c.id).where(clusters.c.id.in_(touched))).scalars())
            new = [cluster_id for cluster_id in touched if cluster_id not in existing]
            if new:
                connection.execute(clusters.insert(), [
                    {"id": cluster_id, "first_document_id": cluster_id, "size": 0, "sources": 0, "created_at": now}
                    for cluster_id in new])
            joined = sorted(by_document)
            for start in range(0, len(joined), 500):
                connection.execute(delete(cluster_members).where(
                    cluster_members.c.document_id.in_(joined[start:start + 500])))
            connection.execute(cluster_members.insert(), [
                {"document_id": m.document_id, "cluster_id": m.cluster_id, "similarity": m.similarity,
                 "method": m.method, "matched_document_id": m.matched_document_id, "joined_at": now}
                for m in members])
            self._refresh_clusters(connection, touched)
            if outside:
                connection.execute(delete(doc_labels).where(
                    doc_labels.c.document_id.in_(outside), doc_labels.c.producer == producer,
                    doc_labels.c.layer == "cluster"))
                connection.execute(doc_labels.insert(), [
                    {"document_id": document_id, "layer": "cluster", "label": str(by_document[document_id].cluster_id),
                     "score": by_document[document_id].similarity, "producer": producer, "producer_version": version,
                     "attributes": {"method": by_document[document_id].method}}
                    for document_id in outside])

    def _refresh_clusters(self, connection: Connection, cluster_ids: list[int]) -> None:
        """Recompute size, sources and first/last seen of these clusters from their members, in a few queries."""
        seen = func.coalesce(documents.c.published_at, documents.c.collected_at, type_=documents.c.collected_at.type)
        by_cluster: dict[int, list[Any]] = {}
        for start in range(0, len(cluster_ids), 500):
            joined = select(cluster_members.c.cluster_id, documents.c.id, documents.c.source_id,
                            seen.label("seen")).join(
                cluster_members, cluster_members.c.document_id == documents.c.id
            ).where(cluster_members.c.cluster_id.in_(cluster_ids[start:start + 500]))
            for row in connection.execute(joined):
                by_cluster.setdefault(row.cluster_id, []).append(row)
        updates = []
        for cluster_id, rows in by_cluster.items():
            first = min(rows, key=lambda row: (utc(row.seen), row.id))
            updates.append({"cluster": cluster_id, "size": len(rows), "sources": len({row.source_id for row in rows}),
                            "first_document_id": first.id, "first_seen_at": first.seen,
                            "last_seen_at": max(utc(row.seen) for row in rows)})
        if updates:
            connection.execute(update(clusters).where(clusters.c.id == bindparam("cluster")).values(
                size=bindparam("size"), sources=bindparam("sources"), first_document_id=bindparam("first_document_id"),
                first_seen_at=bindparam("first_seen_at"), last_seen_at=bindparam("last_seen_at")), updates)

    def _cluster_summaries(self, condition, limit: int | None = None) -> list[ClusterSummary]:  # noqa: ANN001
        statement = (select(clusters, documents.c.source_id)
                     .join(documents, documents.c.id == clusters.c.first_document_id, isouter=True)
                     .where(condition).order_by(clusters.c.size.desc(), clusters.c.id))
        if limit is not None:
            statement = statement.limit(limit)
        with self._read() as connection:
            return [ClusterSummary(id=row.id, size=row.size, sources=row.sources,
                                   first_document_id=row.first_document_id, first_source_id=row.source_id,
                                   first_seen_at=_aware(row.first_seen_at), last_seen_at=_aware(row.last_seen_at))
                    for row in connection.execute(statement)]

    def get_cluster(self, cluster_id: int) -> ClusterSummary | None:
        found = self._cluster_summaries(clusters.c.id == cluster_id)
        return found[0] if found else None

    def list_clusters(self, min_size: int = 2, limit: int = 100) -> list[ClusterSummary]:
        """The largest clusters first (re-post campaigns), with their spread."""
        return self._cluster_summaries(clusters.c.size >= min_size, limit)

    def cluster_members(self, cluster_id: int) -> list[ClusterMember]:
        statement = select(cluster_members).where(cluster_members.c.cluster_id == cluster_id).order_by(
            cluster_members.c.document_id)
        with self._read() as connection:
            return [ClusterMember(row.document_id, row.cluster_id, row.similarity, row.method,
                                  row.matched_document_id) for row in connection.execute(statement)]

    # -- collect ----------------------------------------------------------------

    def has_document(self, source: SourceRef, native_id: str) -> bool:
        """Whether that source already holds that record (collectors skip fetching what is stored)."""
        statement = (
            select(documents.c.id)
            .join(sources, sources.c.id == documents.c.source_id)
            .where(sources.c.kind == source.kind, sources.c.name == source.name, documents.c.native_id == native_id)
            .limit(1)
        )
        with self._read() as connection:
            return connection.execute(statement).first() is not None

    def record_collection(self, target: str, kind: str, **values: Any) -> None:
        """Create or update a monitored target's status row (columns of `collection_status`)."""
        row = {"target": target, "kind": kind, "failures": 0, "last_new": 0, "total_new": 0, "polls": 0, **values}
        statement = self._insert(collection_status).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=["target"], set_={key: statement.excluded[key] for key in row if key != "target"})
        with self._write() as connection:
            connection.execute(statement)

    def collection_status(self, target: str | None = None) -> list[dict[str, Any]]:
        """Every monitored target's last poll (or one target's), times as aware UTC datetimes."""
        statement = select(collection_status).order_by(collection_status.c.target)
        if target is not None:
            statement = statement.where(collection_status.c.target == target)
        with self._read() as connection:
            rows = [dict(row._mapping) for row in connection.execute(statement)]
        for row in rows:
            for key in ("last_attempt_at", "last_success_at", "next_due_at"):
                row[key] = _aware(row[key])
        return rows

    def forget_collection(self, target: str) -> None:
        with self._write() as connection:
            connection.execute(delete(collection_status).where(collection_status.c.target == target))

    # -- events ---------------------------------------------------------------
    # Named windows with a query (frameline.insights restricts every view to one).

    def add_event(self, event: Event, replace: bool = False) -> Event:
        """Store an event; an existing one of the same name is an error unless `replace`."""
        if not EVENT_NAME.fullmatch(event.name or ""):
            raise StoreError(f"event name {event.name!r}: use letters, digits, '.', '_' or '-' (e.g. mosul-2017)")
        parse_query(event.query)  # a QuerySyntaxError now, not at every later use
        starts, ends = _aware(event.starts_at), _aware(event.ends_at)
        if starts is not None and ends is not None and ends <= starts:
            raise StoreError(f"event {event.name!r}: the window ends ({ends:%Y-%m-%d}) before it starts ({starts:%Y-%m-%d})")
        values = {"starts_at": starts, "ends_at": ends, "query": event.query or "", "description": event.description}
        with self._write() as connection:
            existing = connection.execute(select(events.c.id).where(events.c.name == event.name)).scalar()
            if existing is not None and not replace:
                raise StoreError(f"an event called {event.name!r} exists; remove it first or replace it")
            if existing is None:
                connection.execute(events.insert().values(name=event.name, created_at=_now(), matched_through=0,
                                                          **values))
            else:  # its stored matches answer the old definition
                connection.execute(delete(event_documents).where(event_documents.c.event_id == existing))
                connection.execute(update(events).where(events.c.id == existing).values(matched_through=0, **values))
        stored = self.get_event(event.name)
        assert stored is not None
        return stored

    @staticmethod
    def _event_from_row(row: Any) -> Event:
        return Event(name=row.name, starts_at=_aware(row.starts_at), ends_at=_aware(row.ends_at), query=row.query,
                     description=row.description, id=row.id, created_at=_aware(row.created_at))

    def get_event(self, name: str) -> Event | None:
        with self._read() as connection:
            row = connection.execute(select(events).where(events.c.name == name)).first()
        return None if row is None else self._event_from_row(row)

    def list_events(self) -> list[Event]:
        with self._read() as connection:
            rows = connection.execute(select(events).order_by(events.c.starts_at, events.c.name)).all()
        return [self._event_from_row(row) for row in rows]

    def match_event_documents(self, event: Event) -> int:
        """Bring the event's stored matches up to date with the documents stored since; returns how many it has.

        Documents only gain ids, so each call searches only those past `matched_through`.
        (A document whose text or date is edited in place keeps its old membership until
        the event is replaced.)
        """
        assert event.id is not None
        parsed = parse_query(event.query)
        with self._write() as connection:
            through = connection.execute(select(events.c.matched_through).where(events.c.id == event.id)).scalar_one()
            newest = connection.execute(select(func.max(documents.c.id))).scalar() or 0
            if newest > through:
                found = self._filtered(select(literal(event.id), documents.c.id).where(documents.c.id > through),
                                       DocumentFilter(since=event.starts_at, until=event.ends_at))
                if parsed.clauses:
                    found, _rank = self._fulltext.apply(found, parsed)
                connection.execute(event_documents.insert().from_select(["event_id", "document_id"], found))
                connection.execute(update(events).where(events.c.id == event.id).values(matched_through=newest))
            return connection.execute(select(func.count()).select_from(event_documents)
                                      .where(event_documents.c.event_id == event.id)).scalar_one()

    def remove_event(self, name: str) -> bool:
        with self._write() as connection:
            return connection.execute(delete(events).where(events.c.name == name)).rowcount > 0

    def signatures_of(self, document_ids: Iterable[int]) -> dict[int, dict[str, bytes]]:
        """The stored signatures of these documents, by kind (for matching them against shared hash lists)."""
        wanted, found = list(document_ids), {}
        with self._read() as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                if self.dialect == "sqlite":  # known-lists reads every batch's: straight from the driver
                    rows = self._driver_rows(
                        connection, "SELECT document_id, kind, value FROM document_signatures "
                        f"WHERE document_id IN ({', '.join('?' * len(chunk))})", tuple(chunk))
                else:
                    rows = connection.execute(
                        select(document_signatures.c.document_id, document_signatures.c.kind, document_signatures.c.value)
                        .where(document_signatures.c.document_id.in_(chunk)))
                for document_id, kind, value in rows:
                    found.setdefault(document_id, {})[kind] = bytes(value)
        return found

    def reset_clusters(self, producer: str = "duplicates") -> int:
        """Forget every cluster, signature and "cluster" label, so the next analysis clusters from scratch.

        Returns how many clusters there were.  The producer's analysis state goes too, so
        `frameline analyze` recomputes it (and what requires it) for every document.
        """
        with self._write() as connection:
            count = connection.execute(select(func.count()).select_from(clusters)).scalar_one()
            connection.execute(delete(cluster_members))
            connection.execute(delete(clusters))
            connection.execute(delete(document_signatures))
            connection.execute(delete(doc_labels).where(doc_labels.c.producer == producer))
            connection.execute(delete(analysis_state).where(analysis_state.c.analyser == producer))
        return count

    def count_labelled(self, layer: str, attributes: Mapping[str, Any] | None = None) -> int:
        """Documents with a label in `layer` whose attributes include these (e.g. one hash list's matches)."""
        wanted = dict(attributes or {})
        statement = select(doc_labels.c.document_id, doc_labels.c.attributes).where(doc_labels.c.layer == layer)
        with self._read() as connection:
            return len({row.document_id for row in connection.execute(statement)
                        if all((row.attributes or {}).get(key) == value for key, value in wanted.items())})

    # -- pipeline -------------------------------------------------------------
    # What the analysis runner reads for each batch (frameline.pipeline.runner).

    def analysis_inputs(self, document_ids: list[int]) -> dict[int, tuple[str, str | None, str | None,
                                                                             datetime | None, int]]:
        """(text, title, language, published_at, source_id) per document: what analysers see, nothing to decode."""
        return (self._inputs_sqlite if self.dialect == "sqlite" else self._inputs_generic)(document_ids)

    def _inputs_generic(self, document_ids: list[int]) -> dict[int, tuple[Any, ...]]:
        columns = (documents.c.id, documents.c.text, documents.c.title, documents.c.language,
                   documents.c.published_at, documents.c.source_id)
        found = {}
        with self._read() as connection:
            for start in range(0, len(document_ids), 500):
                for row in connection.execute(select(*columns).where(documents.c.id.in_(document_ids[start:start + 500]))):
                    found[row.id] = (row.text, row.title, row.language, _aware(row.published_at), row.source_id)
        return found

    def _inputs_sqlite(self, document_ids: list[int]) -> dict[int, tuple[Any, ...]]:
        from_datetime, found = self._from_datetime, {}
        with self._read() as connection:
            cursor = connection.connection.driver_connection.cursor()
            try:
                for start in range(0, len(document_ids), 500):
                    chunk = document_ids[start:start + 500]
                    for document_id, text, title, language, published_at, source_id in cursor.execute(
                            "SELECT id, text, title, language, published_at, source_id FROM documents "
                            f"WHERE id IN ({', '.join('?' * len(chunk))})", chunk):
                        found[document_id] = (text, title, language, _aware(from_datetime(published_at)), source_id)
            finally:
                cursor.close()
        return found
