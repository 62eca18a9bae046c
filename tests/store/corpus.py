"""Small builders for the storage tests: sources and documents with only what a test cares about."""

from __future__ import annotations

from typing import Any

from frameline.records import DocLabel, RawDocument, SourceRef, Span

AMAQ = SourceRef(kind="telegram", name="Amaq Agency", handle="@amaq", groups=("extremist",))
NASHIR = SourceRef(kind="telegram", name="Nashir News", handle="@nashir", groups=("extremist", "supporters"))
REUTERS = SourceRef(kind="rss", name="Reuters World", url="https://example.org/world.rss", groups=("mainstream",))


def raw_doc(text: str, native_id: str | None = None, source: SourceRef = AMAQ, **fields: Any) -> RawDocument:
    return RawDocument(source=source, text=text, native_id=native_id, **fields)


def store_texts(store, *texts: str, source: SourceRef = AMAQ) -> list[int]:  # noqa: ANN001
    """Store one new document per text (identified by content); returns their ids in the same order."""
    ids = []
    for text in texts:
        result = store.write_documents([raw_doc(text, source=source)])
        assert result.new == 1
        ids.extend(result.new_ids)
    return ids


def span(start: int, end: int, layer: str = "frames", label: str = "steadfastness", score: float | None = 0.9) -> Span:
    # document_id, producer and producer_version are filled in by write_analysis
    return Span(document_id=0, start=start, end=end, layer=layer, label=label, score=score,
                producer="", producer_version="")


def label(layer: str = "frames", name: str = "steadfastness", score: float | None = 0.8) -> DocLabel:
    return DocLabel(document_id=0, layer=layer, label=name, score=score, producer="", producer_version="")
