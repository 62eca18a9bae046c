"""Document exports that open directly in pandas, R and Excel.

JSONL is the interchange format other tools and our own checks read: one
document per line with its metadata, its text, its spans (character offsets
into `text`) and its document labels.  CSV carries a UTF-8 byte-order mark so
that Excel opens Arabic text correctly; Parquet keeps types.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from frameline.records import Document, Source
from frameline.store.query import DocumentFilter
from frameline.store.sql import SqlStore

FORMATS = ("jsonl", "csv", "parquet")
BATCH = 1000
FLAT_COLUMNS = [
    "id", "source_id", "source", "source_kind", "source_groups", "native_id", "url", "author", "author_id",
    "published_at", "collected_at", "language", "title", "text", "reply_to", "forwarded_from", "content_hash",
    "labels",
]


class ExportError(ValueError):
    pass


def export_records(store: SqlStore, filter: DocumentFilter | None = None) -> Iterator[dict[str, Any]]:
    """Documents with their source, spans and labels, in id order, batch by batch."""
    sources: dict[int, Source] = {source.id: source for source in store.list_sources()}
    batch: list[Document] = []

    def emit(documents: list[Document]) -> Iterator[dict[str, Any]]:
        layers = store.get_layers([document.id for document in documents])
        for document in documents:
            source = sources[document.source_id]
            spans, labels = layers[document.id]
            yield {
                "id": document.id,
                "source_id": source.id,
                "source": source.name,
                "source_kind": source.kind,
                "source_groups": source.groups,
                "native_id": document.native_id,
                "url": document.url,
                "author": document.author,
                "author_id": document.author_id,
                "published_at": document.published_at.isoformat() if document.published_at else None,
                "collected_at": document.collected_at.isoformat(),
                "language": document.language,
                "title": document.title,
                "text": document.text,
                "reply_to": document.reply_to,
                "forwarded_from": document.forwarded_from,
                "content_hash": document.content_hash,
                "media": document.media,
                "metadata": document.metadata,
                "spans": [
                    {"start": s.start, "end": s.end, "layer": s.layer, "label": s.label, "score": s.score,
                     "producer": s.producer, "producer_version": s.producer_version, "attributes": s.attributes}
                    for s in spans
                ],
                "labels": [
                    {"layer": l.layer, "label": l.label, "score": l.score, "producer": l.producer,
                     "producer_version": l.producer_version}
                    for l in labels
                ],
            }

    for document in store.iter_documents(filter, batch_size=BATCH):
        batch.append(document)
        if len(batch) >= BATCH:
            yield from emit(batch)
            batch = []
    if batch:
        yield from emit(batch)


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    flat = {key: record[key] for key in FLAT_COLUMNS if key in record}
    flat["source_groups"] = ";".join(record["source_groups"])
    flat["labels"] = ";".join(f"{l['layer']}:{l['label']}" for l in record["labels"])
    return flat


def write_jsonl(records: Iterator[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        count += 1
    return count


def write_csv(records: Iterator[dict[str, Any]], out: TextIO) -> int:
    """`out` should be opened with encoding 'utf-8-sig' (the BOM Excel needs) and newline=''."""
    writer = csv.DictWriter(out, fieldnames=FLAT_COLUMNS)
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(_flat(record))
        count += 1
    return count


def write_parquet(records: Iterator[dict[str, Any]], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [(name, pa.int64()) for name in ("id", "source_id")]
        + [(name, pa.string()) for name in FLAT_COLUMNS[2:] if name not in ("published_at", "collected_at")]
        + [("published_at", pa.timestamp("us", tz="UTC")), ("collected_at", pa.timestamp("us", tz="UTC")),
           ("spans_json", pa.string())]
    )
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        rows: list[dict[str, Any]] = []
        for record in records:
            row = _flat(record)
            for moment in ("published_at", "collected_at"):
                row[moment] = datetime.fromisoformat(row[moment]) if row[moment] else None
            row["spans_json"] = json.dumps(record["spans"], ensure_ascii=False)
            rows.append(row)
            if len(rows) >= BATCH:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                count += len(rows)
                rows = []
        if rows or count == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            count += len(rows)
    return count


def export_documents(store: SqlStore, format: str, out: Path | None, filter: DocumentFilter | None = None,
                     stdout: TextIO | None = None) -> int:
    """Write every matching document to `out` (or `stdout` for jsonl/csv); returns the count."""
    if format not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    records = export_records(store, filter)
    if format == "parquet":
        if out is None:
            raise ExportError("parquet needs --out FILE")
        return write_parquet(records, out)
    writer = write_jsonl if format == "jsonl" else write_csv
    if out is None:
        return writer(records, stdout)
    encoding = "utf-8-sig" if format == "csv" else "utf-8"
    with out.open("w", encoding=encoding, newline="") as handle:
        return writer(records, handle)

