"""Export downloads: a CSV (with the BOM Excel needs to read UTF-8) or JSONL file with a dated name."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi.responses import StreamingResponse


def download(text: str, format: str, prefix: str = "frameline") -> StreamingResponse:
    """`text` as an attachment named `<prefix>-<UTC time>.<format>` (format: csv or jsonl)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    body = ("\ufeff" if format == "csv" else "") + text
    return StreamingResponse(iter([body.encode("utf-8")]),
                             media_type="text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson",
                             headers={"Content-Disposition": f'attachment; filename="{prefix}-{stamp}.{format}"'})
