"""How two sets of documents differ in the frames they use, with evidence from both sides.

`contrast_groups(store, a, b)` answers the founding question (how did the group
frame the loss of Mosul, and how did that differ from the mainstream account):
for every frame either side uses, the share of each side's documents that
carry it, with 95% Wilson intervals, the difference, a two-proportion z-test
and Holm-adjusted p-values over all the frames compared; the most
representative sentences of each side (its highest-scoring frame spans); and
the words most distinctive of each side per language.

Frames are DocLabels in layer "frame" (label = frame id, opaque here; a human
name may sit in the label's attributes) and sentence Spans in the same layer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from frameline.insights.selection import Selection
from frameline.insights.statistics import holm_adjust, two_proportion_z_test, wilson_interval
from frameline.insights.terms import LanguageTerms, distinctive_terms
from frameline.store import aggregates
from frameline.store.sql import SqlStore

FRAME_LAYER = "frame"
ALPHA = 0.05
CORRECTION = "holm"


@dataclass
class Evidence:
    document_id: int
    source: str
    published_at: str | None
    score: float | None
    sentence: str
    link: str


@dataclass
class SideShare:
    documents: int  # carrying the frame
    share: float
    ci_low: float
    ci_high: float


@dataclass
class FrameContrast:
    frame: str
    name: str
    a: SideShare
    b: SideShare
    difference: float  # share A - share B
    z: float
    p_value: float
    p_adjusted: float  # Holm over all frames compared
    significant: bool
    evidence_a: list[Evidence] = field(default_factory=list)
    evidence_b: list[Evidence] = field(default_factory=list)


@dataclass
class Contrast:
    a: str
    b: str
    event: str | None
    documents_a: int
    documents_b: int
    frames: list[FrameContrast]
    terms: list[LanguageTerms]
    correction: str = CORRECTION
    alpha: float = ALPHA

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rows(self) -> list[dict[str, Any]]:
        """The frame table flattened, one row per frame (for CSV/Parquet exports)."""
        return [{
            "frame": f.frame, "name": f.name, "side_a": self.a, "side_b": self.b, "documents_a": self.documents_a,
            "documents_b": self.documents_b, "frame_documents_a": f.a.documents, "frame_documents_b": f.b.documents,
            "share_a": f.a.share, "ci_low_a": f.a.ci_low, "ci_high_a": f.a.ci_high, "share_b": f.b.share,
            "ci_low_b": f.b.ci_low, "ci_high_b": f.b.ci_high, "difference": f.difference, "z": f.z,
            "p_value": f.p_value, "p_adjusted_holm": f.p_adjusted, "significant": f.significant,
        } for f in self.frames]


def _share(count: int, total: int) -> SideShare:
    low, high = wilson_interval(count, total)
    return SideShare(count, count / total if total else 0.0, low, high)


def frame_names(store: SqlStore, frames: list[str]) -> dict[str, str]:
    attributes = aggregates.label_attributes(store, FRAME_LAYER, frames)
    return {frame: str(attributes.get(frame, {}).get("name") or frame) for frame in frames}


def evidence(store: SqlStore, side: Selection, frames: list[str], limit: int) -> dict[str, list[Evidence]]:
    """The side's highest-scoring sentences for each frame, quoted from the stored text."""
    found = aggregates.top_spans_per_label(store, side, FRAME_LAYER, frames, limit)
    documents = store.get_documents(sorted({span.document_id for spans in found.values() for span in spans}))
    sources = {source.id: source.name for source in store.list_sources()}
    quoted: dict[str, list[Evidence]] = {}
    for frame, frame_spans in found.items():
        quoted[frame] = []
        for span in frame_spans:
            document = documents.get(span.document_id)
            if document is None:
                continue
            sentence = document.text[span.start:span.end].strip() or str(span.attributes.get("sentence") or "")
            quoted[frame].append(Evidence(
                document_id=document.id, source=sources.get(document.source_id, str(document.source_id)),
                published_at=document.published_at.isoformat() if document.published_at else None,
                score=span.score, sentence=sentence, link=f"/documents/{document.id}",
            ))
    return quoted


def contrast_groups(
    store: SqlStore, a: Selection, b: Selection, *, event_name: str | None = None, evidence_per_side: int = 3,
    terms: bool = True, top_terms: int = 15, alpha: float = ALPHA,
) -> Contrast:
    """Per-frame shares and tests of A against B (already restricted to any event), with evidence and terms."""
    total_a = aggregates.count_selected(store, a)
    total_b = aggregates.count_selected(store, b)
    counts_a = aggregates.label_document_counts(store, a, FRAME_LAYER)
    counts_b = aggregates.label_document_counts(store, b, FRAME_LAYER)
    frames = sorted(set(counts_a) | set(counts_b))
    names = frame_names(store, frames)
    tests = [two_proportion_z_test(counts_a.get(f, 0), total_a, counts_b.get(f, 0), total_b) for f in frames]
    adjusted = holm_adjust([p for _z, p in tests])
    rows = []
    for frame, (z, p), p_adjusted in zip(frames, tests, adjusted):
        share_a, share_b = _share(counts_a.get(frame, 0), total_a), _share(counts_b.get(frame, 0), total_b)
        rows.append(FrameContrast(
            frame=frame, name=names[frame], a=share_a, b=share_b, difference=share_a.share - share_b.share,
            z=z, p_value=p, p_adjusted=p_adjusted, significant=p_adjusted < alpha,
        ))
    rows.sort(key=lambda row: (row.p_adjusted, -abs(row.difference), row.frame))
    if evidence_per_side:
        quotes_a = evidence(store, a, [row.frame for row in rows if row.a.documents], evidence_per_side)
        quotes_b = evidence(store, b, [row.frame for row in rows if row.b.documents], evidence_per_side)
        for row in rows:
            row.evidence_a, row.evidence_b = quotes_a.get(row.frame, []), quotes_b.get(row.frame, [])
    words = distinctive_terms(store, a, b, top=top_terms) if terms else []
    return Contrast(a.label, b.label, event_name, total_a, total_b, rows, words, alpha=alpha)
