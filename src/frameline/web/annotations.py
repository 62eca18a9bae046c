"""The annotation page's view of sentences, detected frames and analysts' decisions.

There is one annotation store: the frames work's append-only
`frame_annotations` table (`store.annotations`).  The page, the JSON API and
`frameline annotate` all read and write it, so a decision made in the browser
trains the next model and counts in `frameline annotate agreement`, and a
decision made in a terminal shows on the page.  To keep that true the page
cuts sentences with the frames analyser's own splitter (`text.sentences`), so
a sentence on the page has the same offsets as the analyser's frame spans and
the CLI's sentence keys.

The page talks to the small `AnnotationBackend` interface only; templates do
not know where decisions are kept.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from frameline.codebook.model import Codebook, FrameInfo
from frameline.codebook.schema import CodebookError
from frameline.store import browse
from frameline.store.annotations import (
    DECISIONS, AnnotationError, FrameAnnotation, add_annotation, annotated_documents, current_decisions,
)
from frameline.store.query import DocumentFilter
from frameline.text.sentences import split_sentences

if TYPE_CHECKING:
    from frameline.analysis.frames import FrameAnalyser
    from frameline.store.sql import SqlStore
    from frameline.workspace import Workspace

log = logging.getLogger(__name__)
LAYER = "frame"


@dataclass
class Sentence:
    document_id: int
    start: int
    end: int
    text: str
    detected: list[dict] = field(default_factory=list)  # frame spans overlapping the sentence
    judged: list[FrameAnnotation] = field(default_factory=list)  # current decisions, one per annotator and frame

    @property
    def key(self) -> str:
        """The sentence key `frameline annotate accept KEY FRAME` takes."""
        return f"{self.document_id}:{self.start}-{self.end}"


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: the frames analyser's splitter, so offsets match its frame spans."""
    return split_sentences(text)


class AnnotationBackend(Protocol):
    def queue(self, limit: int = 20) -> list[int]: ...
    def sentences(self, document_id: int) -> list[Sentence]: ...
    def record(self, document_id: int, start: int, end: int, label: str, decision: str, actor: str,
               note: str | None = None) -> int: ...
    def frame_labels(self) -> list[FrameInfo]: ...


class FrameAnnotations:
    """`frame_annotations` as the page sees it.

    The queue puts first the documents whose sentences the machine is least sure
    about (`next_sentences`, uncertainty sampling over the active codebooks and
    any trained model); when the frames analyser cannot be built (a broken
    codebook file) or has nothing uncertain left, documents with detected frame
    spans that nobody has annotated follow, then the newest unannotated ones.
    Sampling reads at most `max_documents` documents per call, drawn at random
    from the whole workspace (not its first ids), so a page stays quick on a
    large workspace; equal uncertainties (rule scores tie often) are ordered by
    the same seeded draw, so the queue is stable between page loads but not
    the import order.
    """

    def __init__(self, store: SqlStore, workspace: Workspace | None, max_documents: int = 400,
                 seed: int = 0) -> None:
        self.store, self.workspace, self.max_documents, self.seed = store, workspace, max_documents, seed
        self._cache: dict[str, tuple[tuple, object]] = {}

    # -- the codebooks and the analyser, rebuilt only when their files change --

    def _signature(self) -> tuple:
        if self.workspace is None:
            return ()
        from frameline.analysis.frames_model import model_path
        from frameline.codebook.store import workspace_codebook_files

        files = [*workspace_codebook_files(self.workspace), *sorted(model_path(self.workspace, "x").parent.glob("*"))]
        stamps = []
        for path in files:
            try:
                stat = Path(path).stat()
            except OSError:
                continue
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
        return (tuple(stamps), repr(self.workspace.settings.get("codebooks")))

    def _cached(self, name: str, build):  # noqa: ANN001, ANN202
        signature = self._signature()
        hit = self._cache.get(name)
        if hit is None or hit[0] != signature:
            hit = (signature, build())
            self._cache[name] = hit
        return hit[1]

    def codebooks(self) -> list[Codebook]:
        from frameline.codebook.store import active_codebooks

        return self._cached("codebooks", lambda: active_codebooks(self.workspace))

    def analyser(self) -> FrameAnalyser:
        from frameline.analysis.frames import FrameAnalyser

        return self._cached("analyser", lambda: FrameAnalyser.from_workspace(self.workspace))

    # -- the backend --

    def queue(self, limit: int = 20) -> list[int]:
        from frameline.analysis.frames_annotation import next_sentences

        ordered: list[int] = []
        sample = browse.sample_document_ids(self.store, self.max_documents, self.seed)
        draw = {document_id: position for position, document_id in enumerate(sample)}
        try:
            documents = self.store.iter_documents(DocumentFilter(document_ids=sample)) if sample else iter(())
            # Every candidate of the sample (bounded by it), so ties are cut by the draw, not by document id.
            candidates = next_sentences(self.store, self.analyser(), sys.maxsize, len(sample), documents)
        except CodebookError as error:
            log.warning("annotation queue without uncertainty sampling: %s", error)
            candidates = []
        candidates.sort(key=lambda candidate: (-candidate.uncertainty, draw[candidate.document_id], candidate.start))
        for candidate in candidates:
            if candidate.document_id not in ordered:
                ordered.append(candidate.document_id)
        if len(ordered) >= limit:
            return ordered[:limit]
        annotated = annotated_documents(self.store)
        for document_id in browse.documents_with_spans(self.store, LAYER, limit * 5) + \
                browse.newest_documents(self.store, limit * 3):
            if document_id not in annotated and document_id not in ordered:
                ordered.append(document_id)
        return ordered[:limit]

    def sentences(self, document_id: int) -> list[Sentence]:
        document = self.store.get_document(document_id)
        frames = self.store.get_spans(document_id, [LAYER])
        decisions = sorted(current_decisions(self.store, document_id).values(), key=lambda annotation: annotation.id)
        found = []
        for start, end in sentences(document.text):
            found.append(Sentence(
                document_id, start, end, document.text[start:end],
                detected=[{"label": s.label, "score": s.score, "producer": s.producer, "start": s.start, "end": s.end}
                          for s in frames if s.start < end and s.end > start],
                judged=[a for a in decisions if a.start == start and a.end == end],
            ))
        return found

    def record(self, document_id: int, start: int, end: int, label: str, decision: str, actor: str,
               note: str | None = None) -> int:
        """One decision as a `frame_annotations` row.  A frame must be one of the active codebooks' frames:
        an annotation names the codebook version it was made under and trains that codebook's model, so a
        label outside every codebook could never be used; the analyst adds the frame to a codebook first."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
        text = self.store.get_document(document_id).text
        if not (0 <= start < end <= len(text)):
            raise ValueError(f"the sentence offsets {start}-{end} are outside document {document_id} "
                             f"({len(text)} characters)")
        frame = label.strip()
        codebook = next((book for book in self.codebooks() if frame in book.frame_ids()), None)
        if codebook is None:
            known = [info.id for book in self.codebooks() for info in book.frame_list()]
            raise ValueError(f"{frame[:80]!r} is not a frame of the active codebooks; pick one of "
                             f"{', '.join(known[:12])}{', …' if len(known) > 12 else ''}, or add the frame to a "
                             "codebook in the workspace's codebooks/ folder (`frameline codebook show`)")
        scores = [s.score for s in self.store.get_spans(document_id, [LAYER])
                  if s.label == frame and s.start < end and s.end > start and s.score is not None]
        try:
            return add_annotation(self.store, document_id=document_id, start=start, end=end, sentence=text[start:end],
                                  codebook=codebook.id, codebook_version=codebook.version, frame=frame,
                                  decision=decision, annotator=actor, machine_score=max(scores, default=None),
                                  note=note)
        except AnnotationError as error:
            raise ValueError(str(error)) from error

    def frame_labels(self) -> list[FrameInfo]:
        """The active frames in codebook order: the add-frame picker and the 1–9 keys."""
        return [info for book in self.codebooks() for info in book.frame_list()]
