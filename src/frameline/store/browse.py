"""Read-side queries behind the web pages: facets, daily counts, frame timelines.

Separate from `SqlStore` because they serve browsing rather than the pipeline;
each is one or two queries over the same engine and works on SQLite and
PostgreSQL alike (dates are bucketed in Python, not with dialect functions).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import distinct, func, select

from frameline.records import utc
from frameline.store.query import DocumentFilter
from frameline.store.schema import analysis_state, clusters, doc_labels, documents, imports, source_groups, spans
from frameline.store.sql import SqlStore

NO_GROUP = "(no group)"


def label_counts(store: SqlStore, layer: str, limit: int = 200, spans_too: bool = False) -> list[tuple[str, int]]:
    """Labels of a layer with how many documents carry each, most frequent first (filter menus)."""
    table = spans if spans_too else doc_labels
    statement = (select(table.c.label, func.count(distinct(table.c.document_id)).label("n"))
                 .where(table.c.layer == layer).group_by(table.c.label)
                 .order_by(func.count(distinct(table.c.document_id)).desc(), table.c.label).limit(limit))
    with store._read() as connection:
        return [(row.label, row.n) for row in connection.execute(statement)]


def _day(moment: datetime | None) -> date | None:
    return utc(moment).date() if moment is not None else None


def bucket_start(day: date, interval: str) -> date:
    return day - timedelta(days=day.weekday()) if interval == "week" else day


def activity(store: SqlStore, max_bars: int = 90) -> tuple[str, list[tuple[date, int]]]:
    """Documents per day, week or month over the whole dated range: the finest unit that fits `max_bars`."""
    counts: Counter[date] = Counter()
    with store._read() as connection:
        for (published,) in connection.execute(select(documents.c.published_at)):
            if published is not None:
                counts[_day(published)] += 1
    if not counts:
        return "day", []
    first, last = min(counts), max(counts)
    for unit in ("day", "week", "month"):
        starts = _unit_starts(first, last, unit)
        if len(starts) <= max_bars or unit == "month":
            break
    per: Counter[date] = Counter()
    for day, n in counts.items():
        per[_unit_start(day, unit)] += n
    return unit, [(start, per.get(start, 0)) for start in starts[-max_bars:]]


def _unit_start(day: date, unit: str) -> date:
    if unit == "month":
        return day.replace(day=1)
    return bucket_start(day, unit)


def _unit_starts(first: date, last: date, unit: str) -> list[date]:
    starts, current = [], _unit_start(first, unit)
    while current <= last:
        starts.append(current)
        if unit == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=7 if unit == "week" else 1)
    return starts


def newest_documents(store: SqlStore, limit: int = 10) -> list[int]:
    statement = (select(documents.c.id).order_by(documents.c.published_at.desc().nulls_last(), documents.c.id.desc())
                 .limit(limit))
    with store._read() as connection:
        return list(connection.execute(statement).scalars())


@dataclass
class FrameTimeline:
    """Per source group: for each bucket, documents carrying each frame and all documents."""

    interval: str
    buckets: list[date]
    frames: list[str]
    groups: dict[str, dict[str, list[int]]]  # group -> frame -> count per bucket
    totals: dict[str, list[int]]  # group -> documents per bucket (the denominator of shares)


def frame_timeline(store: SqlStore, interval: str = "week", filter: DocumentFilter | None = None,
                   layer: str = "frame") -> FrameTimeline:
    """Frame volumes over time per source group, from the DocLabels of `layer`.

    A document in several groups counts once in each; a document without a group
    is counted under "(no group)" so nothing silently disappears from the chart.
    """
    if interval not in ("day", "week"):
        raise ValueError("interval must be day or week")
    groups_of: dict[int, list[str]] = defaultdict(list)
    seen = func.coalesce(documents.c.published_at, documents.c.collected_at, type_=documents.c.collected_at.type)
    base = store._filtered(select(documents.c.id, documents.c.source_id, seen.label("seen")), filter)
    labelled = (select(doc_labels.c.document_id, doc_labels.c.label)
                .where(doc_labels.c.layer == layer, doc_labels.c.document_id.in_(
                    select(base.subquery().c.id))))
    with store._read() as connection:
        for source_id, group in connection.execute(select(source_groups.c.source_id, source_groups.c.group_name)):
            groups_of[source_id].append(group)
        document_bucket: dict[int, tuple[date, list[str]]] = {}
        for row in connection.execute(base):
            document_bucket[row.id] = (bucket_start(_day(row.seen), interval), groups_of.get(row.source_id) or [NO_GROUP])
        frame_rows = connection.execute(labelled).all()
    labelled_ids = {row.document_id for row in frame_rows}
    if not labelled_ids:
        return FrameTimeline(interval, [], [], {}, {})
    first = min(document_bucket[i][0] for i in labelled_ids)
    last = max(document_bucket[i][0] for i in labelled_ids)
    step = timedelta(days=7 if interval == "week" else 1)
    buckets = [first + step * i for i in range((last - first) // step + 1)]
    index = {bucket: i for i, bucket in enumerate(buckets)}
    frames = sorted({row.label for row in frame_rows})
    counted: dict[str, dict[str, list[int]]] = defaultdict(lambda: {frame: [0] * len(buckets) for frame in frames})
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * len(buckets))
    for document_id, (bucket, groups) in document_bucket.items():
        if bucket in index:
            for group in groups:
                totals[group][index[bucket]] += 1
    for document_id, label in {(row.document_id, row.label) for row in frame_rows}:
        bucket, groups = document_bucket[document_id]
        for group in groups:
            counted[group][label][index[bucket]] += 1
    return FrameTimeline(interval, buckets, frames, dict(counted), {g: totals[g] for g in counted})


def documents_with_spans(store: SqlStore, layer: str, limit: int = 200) -> list[int]:
    with store._read() as connection:
        return list(connection.execute(select(distinct(spans.c.document_id)).where(spans.c.layer == layer)
                                       .order_by(spans.c.document_id).limit(limit)).scalars())


def same_content(store: SqlStore, content_hash: str, exclude: int, limit: int = 50) -> list[int]:
    """Other documents with exactly this text: where else it appeared."""
    with store._read() as connection:
        return list(connection.execute(
            select(documents.c.id).where(documents.c.content_hash == content_hash, documents.c.id != exclude)
            .order_by(documents.c.published_at.asc().nulls_last(), documents.c.id).limit(limit)).scalars())


def languages(store: SqlStore) -> list[tuple[str, int]]:
    with store._read() as connection:
        rows = connection.execute(select(documents.c.language, func.count()).group_by(documents.c.language)
                                  .order_by(func.count().desc())).all()
    return [(language, count) for language, count in rows if language]


def analysers_of(store: SqlStore, document_id: int) -> list[str]:
    """The analysers that have read this document (any version): 'found nothing' versus 'not analysed yet'."""
    with store._read() as connection:
        return list(connection.execute(select(analysis_state.c.analyser)
                                       .where(analysis_state.c.document_id == document_id)
                                       .order_by(analysis_state.c.analyser)).scalars())


def count_imports(store: SqlStore) -> int:
    """How many imports the workspace has recorded (the API's `total`)."""
    with store._read() as connection:
        return connection.execute(select(func.count()).select_from(imports)).scalar_one()


def count_clusters(store: SqlStore, min_size: int = 2) -> int:
    """How many re-post clusters have at least `min_size` members (the API's `total` beside `list_clusters`)."""
    with store._read() as connection:
        return connection.execute(select(func.count()).select_from(clusters)
                                  .where(clusters.c.size >= min_size)).scalar_one()


def sample_document_ids(store: SqlStore, count: int, seed: int) -> list[int]:
    """Up to `count` document ids drawn evenly at random from the whole workspace, in a seeded random order.

    Reads only the id column once (about 8 bytes a document), so sampling stays
    cheap next to the analysis the sample is for.
    """
    import random

    with store._read() as connection:
        ids = list(connection.execute(select(documents.c.id)).scalars())
    chooser = random.Random(seed)
    return chooser.sample(ids, min(count, len(ids)))
