"""Any insight view as a data file: CSV (UTF-8 with BOM, for Excel), JSONL or Parquet.

Views hand over flat rows (dicts of scalars); the format follows the file's
suffix, so `--export frames.csv` and `--export frames.parquet` both just work.
JSONL goes through the document exporter's writer, so every JSONL file
Frameline writes is encoded the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from frameline.reports.exports import ExportError, write_jsonl

TABLE_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}


def table_format(path: Path) -> str:
    try:
        return TABLE_FORMATS[path.suffix.lower()]
    except KeyError:
        raise ExportError(f"{path}: export to a .csv, .jsonl or .parquet file") from None


def export_rows(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write rows to `path` in the format its suffix names; returns the number of rows."""
    rows = list(rows)
    format = table_format(path)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    if format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows]), path)
        return len(rows)
    encoding = "utf-8-sig" if format == "csv" else "utf-8"  # the BOM makes Excel read UTF-8
    with path.open("w", encoding=encoding, newline="") as handle:
        return write_rows(rows, format, handle)


def write_rows(rows: Iterable[dict[str, Any]], format: str, handle: TextIO) -> int:
    """Rows as CSV or JSONL text into an open handle (the caller adds the BOM a CSV file wants)."""
    rows = list(rows)
    if format == "jsonl":
        return write_jsonl(iter(rows), handle)
    if format != "csv":
        raise ExportError(f"a table is written as csv or jsonl here, not {format!r}")
    writer = csv.DictWriter(handle, fieldnames=list(dict.fromkeys(key for row in rows for key in row)))
    writer.writeheader()
    writer.writerows(rows)
    return len(rows)
