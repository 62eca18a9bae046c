"""Analysts' frame annotations: an append-only table that no analyser writes.

Every accept, reject or add is a new row with its annotator and time; the
latest row per (annotator, sentence, frame) is that annotator's decision.  So
the pipeline can re-run as often as it likes without touching what analysts
said, earlier decisions stay auditable, and two annotators' decisions on the
same sentences can be compared for agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from frameline.records import utc
from frameline.store.base import StoreError
from frameline.store.schema import frame_annotations

if TYPE_CHECKING:
    from frameline.store.sql import SqlStore

DECISIONS = ("accept", "reject", "add")
SentenceKey = tuple[int | None, int, int]  # (document id, start, end)


class AnnotationError(StoreError):
    """An annotation that cannot be stored (unknown decision, empty annotator, offsets outside the text)."""


@dataclass(frozen=True)
class FrameAnnotation:
    id: int
    document_id: int | None
    start: int
    end: int
    sentence: str
    codebook: str
    codebook_version: str
    frame: str
    decision: str
    annotator: str
    created_at: datetime
    machine_score: float | None = None
    note: str | None = None

    @property
    def sentence_key(self) -> SentenceKey:
        return (self.document_id, self.start, self.end)

    @property
    def positive(self) -> bool:
        return self.decision in ("accept", "add")


def add_annotation(
    store: SqlStore, *, document_id: int | None, start: int, end: int, sentence: str, codebook: str,
    codebook_version: str, frame: str, decision: str, annotator: str, machine_score: float | None = None,
    note: str | None = None, at: datetime | None = None,
) -> int:
    if decision not in DECISIONS:
        raise AnnotationError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if not annotator.strip():
        raise AnnotationError("an annotation needs an annotator (--annotator or $FRAMELINE_ANNOTATOR)")
    if not 0 <= start < end or not sentence.strip():
        raise AnnotationError(f"sentence offsets {start}..{end} do not select any text")
    with store._write() as connection:
        result = connection.execute(insert(frame_annotations).values(
            document_id=document_id, start=start, end=end, sentence=sentence, codebook=codebook,
            codebook_version=codebook_version, frame=frame, decision=decision, annotator=annotator.strip(),
            created_at=utc(at) if at else datetime.now(timezone.utc), machine_score=machine_score, note=note,
        ))
        return int(result.inserted_primary_key[0])


def list_annotations(store: SqlStore, annotator: str | None = None, frame: str | None = None,
                     document_id: int | None = None) -> list[FrameAnnotation]:
    """Every row, oldest first."""
    statement = select(frame_annotations).order_by(frame_annotations.c.id)
    if document_id is not None:
        statement = statement.where(frame_annotations.c.document_id == document_id)
    if annotator:
        statement = statement.where(frame_annotations.c.annotator == annotator)
    if frame:
        statement = statement.where(frame_annotations.c.frame == frame)
    with store._read() as connection:
        rows = connection.execute(statement).mappings().all()
    return [FrameAnnotation(**{**row, "created_at": utc(row["created_at"])}) for row in rows]


def current_decisions(store: SqlStore, document_id: int | None = None,
                      ) -> dict[tuple[str, SentenceKey, str], FrameAnnotation]:
    """(annotator, sentence, frame) -> that annotator's latest decision (of one document's sentences if given)."""
    latest: dict[tuple[str, SentenceKey, str], FrameAnnotation] = {}
    for annotation in list_annotations(store, document_id=document_id):
        latest[(annotation.annotator, annotation.sentence_key, annotation.frame)] = annotation
    return latest


def annotated_documents(store: SqlStore) -> set[int]:
    with store._read() as connection:
        rows = connection.execute(select(frame_annotations.c.document_id).distinct()).scalars().all()
    return {row for row in rows if row is not None}


def annotated_sentences(store: SqlStore) -> set[SentenceKey]:
    with store._read() as connection:
        rows = connection.execute(select(frame_annotations.c.document_id, frame_annotations.c.start,
                                         frame_annotations.c.end).distinct()).all()
    return {(row[0], row[1], row[2]) for row in rows}
