"""The annotation page's view of sentences, detected frames and analysts' judgements.

The page talks to this small interface only, so that when the frames work
lands its own annotation store (and an active-learning order for the queue),
swapping the backend touches this module and nothing in the templates.  Until
then judgements are kept in the `sentence_judgements` table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from frameline.store import browse
from frameline.store.sql import SqlStore

DECISIONS = ("accept", "reject", "add")
_SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+|\n+")


@dataclass
class Sentence:
    document_id: int
    start: int
    end: int
    text: str
    detected: list[dict] = field(default_factory=list)  # frame spans overlapping the sentence
    judged: list[dict] = field(default_factory=list)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: cut after . ! ? ؟ and at line breaks, blanks trimmed."""
    found, cursor = [], 0
    for match in list(_SENTENCE_END.finditer(text)) + [None]:
        end = match.start() if match else len(text)
        chunk = text[cursor:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            found.append((cursor + lead, cursor + len(chunk.rstrip())))
        cursor = match.end() if match else len(text)
    return found


class AnnotationBackend(Protocol):
    def queue(self, limit: int = 20) -> list[int]: ...
    def sentences(self, document_id: int) -> list[Sentence]: ...
    def record(self, document_id: int, start: int, end: int, label: str, decision: str, actor: str) -> int: ...
    def frame_labels(self) -> list[str]: ...


class JudgementTable:
    """Judgements in our own table; queue = documents with detected frames not yet judged, then the rest."""

    def __init__(self, store: SqlStore, layer: str = "frame") -> None:
        self.store, self.layer = store, layer

    def queue(self, limit: int = 20) -> list[int]:
        judged = browse.judged_documents(self.store)
        with_frames = [d for d in browse.documents_with_spans(self.store, self.layer, limit * 5) if d not in judged]
        if len(with_frames) >= limit:
            return with_frames[:limit]
        rest = [d for d in browse.newest_documents(self.store, limit * 3) if d not in judged and d not in with_frames]
        return (with_frames + rest)[:limit]

    def sentences(self, document_id: int) -> list[Sentence]:
        document = self.store.get_document(document_id)
        frames = self.store.get_spans(document_id, [self.layer])
        judged = browse.judgements(self.store, document_id)
        found = []
        for start, end in sentences(document.text):
            found.append(Sentence(
                document_id, start, end, document.text[start:end],
                detected=[{"label": s.label, "score": s.score, "producer": s.producer, "start": s.start, "end": s.end}
                          for s in frames if s.start < end and s.end > start],
                judged=[j for j in judged if j["start"] == start and j["end"] == end],
            ))
        return found

    def record(self, document_id: int, start: int, end: int, label: str, decision: str, actor: str) -> int:
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
        text = self.store.get_document(document_id).text
        if not (0 <= start < end <= len(text)):
            raise ValueError("the sentence offsets are outside the document")
        label = label.strip()
        if not label or len(label) > 256:
            raise ValueError("a frame label needs 1 to 256 characters")
        return browse.record_judgement(self.store, document_id, start, end, label, decision, actor)

    def frame_labels(self) -> list[str]:
        known = [label for label, _ in browse.label_counts(self.store, self.layer, spans_too=True)]
        known += [label for label, _ in browse.label_counts(self.store, self.layer) if label not in known]
        return known
