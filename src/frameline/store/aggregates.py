"""Aggregate queries behind the insights: counts per label, per day, top spans, term texts.

Every function takes a selection (a `DocumentFilter` plus a search text) and
answers with one SQL statement over the selected document ids, so a contrast
of two half-million-document groups counts in the database rather than in
Python.  Kept apart from `sql.py`, which writes and reads single records.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, func, select

from frameline.records import Span
from frameline.store.query import DocumentFilter, parse_query
from frameline.store.schema import cluster_members, clusters, doc_labels, documents, spans
from frameline.store.sql import SqlStore


def selected_ids(store: SqlStore, filter: DocumentFilter, text: str = "") -> Select:
    """SELECT documents.id of the documents the filter and search text select (the text may be empty)."""
    statement = store._filtered(select(documents.c.id), filter)
    parsed = parse_query(text)
    if parsed.clauses:
        statement, _rank = store._fulltext.apply(statement, parsed)
    return statement


def _day(store: SqlStore, column: Any) -> Any:
    """The UTC calendar day of a timestamp as 'YYYY-MM-DD' (SQLite stores UTC ISO text)."""
    if store.dialect == "sqlite":
        return func.substr(column, 1, 10)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")


def count_selected(store: SqlStore, filter: DocumentFilter, text: str = "") -> int:
    ids = selected_ids(store, filter, text).subquery()
    with store._read() as connection:
        return connection.execute(select(func.count()).select_from(ids)).scalar_one()


def label_document_counts(store: SqlStore, filter: DocumentFilter, text: str, layer: str) -> dict[str, int]:
    """How many selected documents carry each label of `layer` (a document counts once per label)."""
    ids = selected_ids(store, filter, text)
    statement = (select(doc_labels.c.label, func.count(func.distinct(doc_labels.c.document_id)))
                 .where(doc_labels.c.layer == layer, doc_labels.c.document_id.in_(ids))
                 .group_by(doc_labels.c.label))
    with store._read() as connection:
        return dict(connection.execute(statement).all())


def daily_document_counts(store: SqlStore, filter: DocumentFilter, text: str) -> dict[str, int]:
    """Selected dated documents per UTC day."""
    ids = selected_ids(store, filter, text)
    day = _day(store, documents.c.published_at).label("day")
    statement = (select(day, func.count()).where(documents.c.id.in_(ids), documents.c.published_at.is_not(None))
                 .group_by(day))
    with store._read() as connection:
        return dict(connection.execute(statement).all())


def daily_label_counts(store: SqlStore, filter: DocumentFilter, text: str, layer: str) -> dict[tuple[str, str], int]:
    """Selected dated documents per (UTC day, label of `layer`)."""
    ids = selected_ids(store, filter, text)
    day = _day(store, documents.c.published_at).label("day")
    statement = (select(day, doc_labels.c.label, func.count(func.distinct(documents.c.id)))
                 .join(doc_labels, doc_labels.c.document_id == documents.c.id)
                 .where(doc_labels.c.layer == layer, documents.c.id.in_(ids), documents.c.published_at.is_not(None))
                 .group_by(day, doc_labels.c.label))
    with store._read() as connection:
        return {(row[0], row[1]): row[2] for row in connection.execute(statement)}


def top_spans(store: SqlStore, filter: DocumentFilter, text: str, layer: str, label: str, limit: int) -> list[Span]:
    """The highest-scoring spans of one label among the selected documents (ties: newest document first)."""
    ids = selected_ids(store, filter, text)
    statement = (select(spans).where(spans.c.layer == layer, spans.c.label == label, spans.c.document_id.in_(ids))
                 .order_by(spans.c.score.desc().nulls_last(), spans.c.document_id.desc(), spans.c.start)
                 .limit(limit))
    with store._read() as connection:
        return [Span(document_id=r.document_id, start=r.start, end=r.end, layer=r.layer, label=r.label,
                     score=r.score, producer=r.producer, producer_version=r.producer_version,
                     attributes=r.attributes or {}, id=r.id) for r in connection.execute(statement)]


def normalised_texts(store: SqlStore, filter: DocumentFilter, text: str, limit: int | None) -> Iterator[tuple[str | None, str]]:
    """(language, indexed words) of selected documents, newest first: the tokens search indexes."""
    ids = selected_ids(store, filter, text)
    statement = (select(documents.c.language, documents.c.title_norm, documents.c.text_norm)
                 .where(documents.c.id.in_(ids)).order_by(documents.c.id.desc()))
    if limit is not None:
        statement = statement.limit(limit)
    with store._read() as connection:
        for language, title, body in connection.execute(statement):
            yield language, f"{title} {body}" if title else body


def labels_of_selected(store: SqlStore, filter: DocumentFilter, text: str, layer: str) -> Iterator[tuple[int, str]]:
    """(document id, label) of every `layer` label on the selected documents, by document."""
    ids = selected_ids(store, filter, text)
    statement = (select(doc_labels.c.document_id, doc_labels.c.label)
                 .where(doc_labels.c.layer == layer, doc_labels.c.document_id.in_(ids))
                 .order_by(doc_labels.c.document_id))
    with store._read() as connection:
        yield from connection.execute(statement).tuples()


def label_attributes(store: SqlStore, layer: str, labels: list[str]) -> dict[str, dict[str, Any]]:
    """One stored attributes mapping per label (e.g. an entity's or a frame's human name)."""
    found: dict[str, dict[str, Any]] = {}
    with store._read() as connection:
        for start in range(0, len(labels), 500):
            chunk = labels[start:start + 500]
            first = (select(func.min(doc_labels.c.id)).where(doc_labels.c.layer == layer, doc_labels.c.label.in_(chunk))
                     .group_by(doc_labels.c.label))
            for label, attributes in connection.execute(
                    select(doc_labels.c.label, doc_labels.c.attributes).where(doc_labels.c.id.in_(first))):
                found[label] = attributes or {}
    return found


def cluster_documents(store: SqlStore, cluster_id: int) -> list[tuple[int, int, Any, Any]]:
    """(document id, source id, published_at, collected_at) of a cluster's members."""
    statement = (select(documents.c.id, documents.c.source_id, documents.c.published_at, documents.c.collected_at)
                 .join(cluster_members, cluster_members.c.document_id == documents.c.id)
                 .where(cluster_members.c.cluster_id == cluster_id).order_by(documents.c.id))
    with store._read() as connection:
        return [tuple(row) for row in connection.execute(statement)]


def forwarded_documents(store: SqlStore, filter: DocumentFilter, text: str) -> list[tuple[int, int, str]]:
    """(document id, source id, forwarded_from) of selected documents that are forwards."""
    ids = selected_ids(store, filter, text)
    statement = (select(documents.c.id, documents.c.source_id, documents.c.forwarded_from)
                 .where(documents.c.id.in_(ids), documents.c.forwarded_from.is_not(None)))
    with store._read() as connection:
        return [tuple(row) for row in connection.execute(statement)]



def cluster_edges(store: SqlStore, filter: DocumentFilter, text: str, min_size: int = 2) -> list[tuple[int, int, int]]:
    """(first poster's source, re-poster's source, documents) over re-post clusters, members selected only.

    The founder of a cluster is its earliest member (`clusters.first_document_id`); every
    other selected member is a re-post of it by its own source.
    """
    founder = documents.alias("founder")
    member = documents.alias("member")
    ids = selected_ids(store, filter, text)
    statement = (select(founder.c.source_id, member.c.source_id, func.count())
                 .select_from(clusters.join(cluster_members, cluster_members.c.cluster_id == clusters.c.id)
                              .join(member, member.c.id == cluster_members.c.document_id)
                              .join(founder, founder.c.id == clusters.c.first_document_id))
                 .where(clusters.c.size >= min_size, member.c.id != clusters.c.first_document_id,
                        member.c.id.in_(ids))
                 .group_by(founder.c.source_id, member.c.source_id))
    with store._read() as connection:
        return [tuple(row) for row in connection.execute(statement)]
