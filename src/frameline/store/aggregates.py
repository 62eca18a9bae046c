"""Aggregate queries behind the insights: counts per label, per day, top spans, term texts.

Every function takes a scope (a `DocumentFilter`, a search text and maybe an
event, see `Scope`) and answers with one SQL statement over the selected document ids, so a contrast
of two half-million-document groups counts in the database rather than in
Python.  Kept apart from `sql.py`, which writes and reads single records.

Counts by source and whole UTC days (a group, a source, an event window
without a query) are read from the per-day count tables that triggers keep
exact on SQLite (migration 0006_events): a contrast or a two-year daily
timeline over a million documents then sums a few thousand rows.  Anything
finer (a search text, a language, a window that is not whole days) and
PostgreSQL use the joins over the base tables; an event's query is matched
once and its documents stored (`event_documents`), so an event scope joins a
few thousand ids instead of running a full-text search that matches 10% of
the corpus.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datetime import datetime, time

from typing import Protocol

from sqlalchemy import Select, func, select

from frameline.records import Span, utc
from frameline.store.query import DocumentFilter, parse_query
from frameline.store.schema import (
    cluster_members,
    clusters,
    doc_labels,
    document_day_counts,
    documents,
    event_documents,
    label_day_counts,
    source_groups,
    spans,
)
from frameline.store.sql import SqlStore


class Scope(Protocol):
    """Which documents: a filter, a search text (may be empty), and an event whose stored matches
    (see `SqlStore.match_event_documents`) the documents must be among (None: no such event)."""

    filter: DocumentFilter
    text: str
    event_id: int | None


def _narrowed(store: SqlStore, statement: Select, scope: Scope) -> Select:
    statement = store._filtered(statement, scope.filter)
    if scope.event_id is not None:
        statement = statement.where(documents.c.id.in_(
            select(event_documents.c.document_id).where(event_documents.c.event_id == scope.event_id)))
    parsed = parse_query(scope.text)
    if parsed.clauses:
        statement, _rank = store._fulltext.apply(statement, parsed)
    return statement


def _narrow(scope: Scope) -> bool:
    """Whether a search narrows the scope to relatively few documents."""
    return scope.event_id is not None or bool(parse_query(scope.text).clauses)


def selected_ids(store: SqlStore, scope: Scope) -> Select:
    """SELECT documents.id of the documents in scope."""
    return _narrowed(store, select(documents.c.id), scope)


COUNTED_LAYERS = ("frame",)  # the layers label_day_counts holds (see migration 0006_events)


def _whole_day(moment: datetime | None) -> bool:
    return moment is None or utc(moment).timetz().replace(tzinfo=None) == time(0)


def day_counts_answer(store: SqlStore, scope: Scope) -> bool:
    """Whether the per-day count tables can answer for this selection exactly."""
    filter = scope.filter
    return (store.dialect == "sqlite" and not _narrow(scope) and not filter.languages
            and not filter.labels and not filter.span_labels and not filter.document_ids
            and _whole_day(filter.since) and _whole_day(filter.until))


def _counted(table: Any, filter: DocumentFilter, statement: Select) -> Select:
    """`statement` over a day-count table, restricted to the filter's sources and whole days."""
    if filter.source_ids:
        statement = statement.where(table.c.source_id.in_(filter.source_ids))
    if filter.groups:
        statement = statement.where(table.c.source_id.in_(
            select(source_groups.c.source_id).where(source_groups.c.group_name.in_(filter.groups))))
    if filter.since is not None:
        statement = statement.where(table.c.day >= utc(filter.since).date().isoformat())
    if filter.until is not None:
        statement = statement.where(table.c.day < utc(filter.until).date().isoformat(), table.c.day != "")
    return statement


def _day(store: SqlStore, column: Any) -> Any:
    """The UTC calendar day of a timestamp as 'YYYY-MM-DD' (SQLite stores UTC ISO text)."""
    if store.dialect == "sqlite":
        return func.substr(column, 1, 10)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")


def count_selected(store: SqlStore, scope: Scope, use_day_counts: bool = True) -> int:
    if use_day_counts and day_counts_answer(store, scope):
        statement = _counted(document_day_counts, scope.filter, select(func.coalesce(func.sum(document_day_counts.c.documents), 0)))
    else:
        statement = select(func.count()).select_from(selected_ids(store, scope).subquery())
    with store._read() as connection:
        return int(connection.execute(statement).scalar_one())


def label_document_counts(
    store: SqlStore, scope: Scope, layer: str, use_day_counts: bool = True,
) -> dict[str, int]:
    """How many selected documents carry each label of `layer` (a document counts once per label)."""
    if use_day_counts and layer in COUNTED_LAYERS and day_counts_answer(store, scope):
        total = func.sum(label_day_counts.c.documents)
        statement = _counted(label_day_counts, scope.filter, select(label_day_counts.c.label, total)
                             .where(label_day_counts.c.layer == layer)).group_by(label_day_counts.c.label).having(total > 0)
        with store._read() as connection:
            return {label: int(count) for label, count in connection.execute(statement)}
    ids = selected_ids(store, scope)
    statement = (select(doc_labels.c.label, func.count(func.distinct(doc_labels.c.document_id)))
                 .where(doc_labels.c.layer == layer, doc_labels.c.document_id.in_(ids))
                 .group_by(doc_labels.c.label))
    with store._read() as connection:
        return dict(connection.execute(statement).all())


def daily_document_counts(store: SqlStore, scope: Scope, use_day_counts: bool = True) -> dict[str, int]:
    """Selected dated documents per UTC day."""
    if use_day_counts and day_counts_answer(store, scope):
        total = func.sum(document_day_counts.c.documents)
        statement = _counted(document_day_counts, scope.filter, select(document_day_counts.c.day, total)
                             .where(document_day_counts.c.day != "")).group_by(document_day_counts.c.day).having(total > 0)
        with store._read() as connection:
            return {day: int(count) for day, count in connection.execute(statement)}
    ids = selected_ids(store, scope)
    day = _day(store, documents.c.published_at).label("day")
    statement = (select(day, func.count()).where(documents.c.id.in_(ids), documents.c.published_at.is_not(None))
                 .group_by(day))
    with store._read() as connection:
        return dict(connection.execute(statement).all())


def daily_label_counts(
    store: SqlStore, scope: Scope, layer: str, use_day_counts: bool = True,
) -> dict[tuple[str, str], int]:
    """Selected dated documents per (UTC day, label of `layer`)."""
    if use_day_counts and layer in COUNTED_LAYERS and day_counts_answer(store, scope):
        table = label_day_counts
        total = func.sum(table.c.documents)
        statement = _counted(table, scope.filter, select(table.c.day, table.c.label, total)
                             .where(table.c.layer == layer, table.c.day != "")).group_by(table.c.label, table.c.day).having(total > 0)
        with store._read() as connection:
            return {(day, label): int(count) for day, label, count in connection.execute(statement)}
    ids = selected_ids(store, scope)
    day = _day(store, documents.c.published_at).label("day")
    statement = (select(day, doc_labels.c.label, func.count(func.distinct(documents.c.id)))
                 .join(doc_labels, doc_labels.c.document_id == documents.c.id)
                 .where(doc_labels.c.layer == layer, documents.c.id.in_(ids), documents.c.published_at.is_not(None))
                 .group_by(day, doc_labels.c.label))
    with store._read() as connection:
        return {(row[0], row[1]): row[2] for row in connection.execute(statement)}


def _span(r: Any) -> Span:
    return Span(document_id=r.document_id, start=r.start, end=r.end, layer=r.layer, label=r.label, score=r.score,
                producer=r.producer, producer_version=r.producer_version, attributes=r.attributes or {}, id=r.id)


def _selected_spans(store: SqlStore, scope: Scope, *conditions: Any) -> Select:
    return _narrowed(store, select(spans).join(documents, documents.c.id == spans.c.document_id).where(*conditions),
                     scope)


def top_spans(store: SqlStore, scope: Scope, layer: str, label: str, limit: int) -> list[Span]:
    """The highest-scoring spans of one label among the selected documents (ties: the newest span first).

    Joined rather than `IN (selected ids)`, so the database walks ix_spans_layer_label_score from
    the best score down, checks each span's document, and stops at `limit`: fast for a broad
    selection (a whole group), where most spans qualify.
    """
    statement = _selected_spans(store, scope, spans.c.layer == layer, spans.c.label == label)
    # SQLite sorts NULL last in descending order by itself (and only then can read the index in order).
    score = spans.c.score.desc() if store.dialect == "sqlite" else spans.c.score.desc().nulls_last()
    with store._read() as connection:
        return [_span(r) for r in connection.execute(statement.order_by(score, spans.c.id.desc()).limit(limit))]


def top_spans_per_label(
    store: SqlStore, scope: Scope, layer: str, labels: list[str], limit: int,
) -> dict[str, list[Span]]:
    """`top_spans` for several labels at once.

    A selection narrowed by a search text (an event) has few documents, so one pass over their
    spans, ranked per label with a window function, beats walking each label's whole score
    index until enough spans fall inside it.  A broad selection walks the index per label.
    """
    if not _narrow(scope):
        return {label: top_spans(store, scope, layer, label, limit) for label in labels}
    score = spans.c.score.desc() if store.dialect == "sqlite" else spans.c.score.desc().nulls_last()
    rank = func.row_number().over(partition_by=spans.c.label, order_by=(score, spans.c.id.desc())).label("rank")
    ranked = _selected_spans(store, scope, spans.c.layer == layer, spans.c.label.in_(labels)).add_columns(rank)
    inner = ranked.subquery()
    found: dict[str, list[Span]] = {label: [] for label in labels}
    with store._read() as connection:
        for row in connection.execute(select(inner).where(inner.c.rank <= limit).order_by(inner.c.label, inner.c.rank)):
            found[row.label].append(_span(row))
    return found


def normalised_texts(store: SqlStore, scope: Scope, limit: int | None) -> Iterator[tuple[str | None, str]]:
    """(language, indexed words) of documents in scope, newest stored first: the tokens search indexes."""
    statement = _narrowed(store, select(documents.c.language, documents.c.title_norm, documents.c.text_norm), scope)
    statement = statement.order_by(documents.c.id.desc())
    if limit is not None:
        statement = statement.limit(limit)
    with store._read() as connection:
        for language, title, body in connection.execute(statement):
            yield language, f"{title} {body}" if title else body


def labels_of_selected(store: SqlStore, scope: Scope, layer: str) -> Iterator[tuple[int, str]]:
    """(document id, label) of every `layer` label on the selected documents, by document."""
    ids = selected_ids(store, scope)
    statement = (select(doc_labels.c.document_id, doc_labels.c.label)
                 .where(doc_labels.c.layer == layer, doc_labels.c.document_id.in_(ids))
                 .order_by(doc_labels.c.document_id))
    with store._read() as connection:
        yield from connection.execute(statement).tuples()


def label_attributes(store: SqlStore, layer: str, labels: list[str]) -> dict[str, dict[str, Any]]:
    """One stored attributes mapping per label (e.g. an entity's or a frame's human name).

    One indexed look-up per label (ix_doc_labels_layer_label), not a scan of the layer.
    """
    found: dict[str, dict[str, Any]] = {}
    with store._read() as connection:
        for label in labels:
            attributes = connection.execute(
                select(doc_labels.c.attributes).where(doc_labels.c.layer == layer, doc_labels.c.label == label)
                .limit(1)).scalar()
            if attributes is not None or label not in found:
                found[label] = attributes or {}
    return found


def cluster_documents(store: SqlStore, cluster_id: int) -> list[tuple[int, int, Any, Any]]:
    """(document id, source id, published_at, collected_at) of a cluster's members."""
    statement = (select(documents.c.id, documents.c.source_id, documents.c.published_at, documents.c.collected_at)
                 .join(cluster_members, cluster_members.c.document_id == documents.c.id)
                 .where(cluster_members.c.cluster_id == cluster_id).order_by(documents.c.id))
    with store._read() as connection:
        return [tuple(row) for row in connection.execute(statement)]


def forwarded_documents(store: SqlStore, scope: Scope) -> list[tuple[int, int, str]]:
    """(document id, source id, forwarded_from) of selected documents that are forwards."""
    ids = selected_ids(store, scope)
    statement = (select(documents.c.id, documents.c.source_id, documents.c.forwarded_from)
                 .where(documents.c.id.in_(ids), documents.c.forwarded_from.is_not(None)))
    with store._read() as connection:
        return [tuple(row) for row in connection.execute(statement)]



def cluster_edges(store: SqlStore, scope: Scope, min_size: int = 2) -> list[tuple[int, int, int]]:
    """(first poster's source, re-poster's source, documents) over re-post clusters, members selected only.

    The founder of a cluster is its earliest member (`clusters.first_document_id`); every
    other selected member is a re-post of it by its own source.
    """
    founder = documents.alias("founder")
    member = documents.alias("member")
    ids = selected_ids(store, scope)
    statement = (select(founder.c.source_id, member.c.source_id, func.count())
                 .select_from(clusters.join(cluster_members, cluster_members.c.cluster_id == clusters.c.id)
                              .join(member, member.c.id == cluster_members.c.document_id)
                              .join(founder, founder.c.id == clusters.c.first_document_id))
                 .where(clusters.c.size >= min_size, member.c.id != clusters.c.first_document_id,
                        member.c.id.in_(ids))
                 .group_by(founder.c.source_id, member.c.source_id))
    with store._read() as connection:
        return [tuple(row) for row in connection.execute(statement)]
