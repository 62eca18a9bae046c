"""From sentence-level frame detections to one label per document and frame.

A document carries a frame when any of its sentences does; its score is the
chance that at least one detection is right, 1 - prod(1 - p), over the
sentence scores (the rule's calibrated score where a rule fired, the model's
probability for a sentence only the model found).  The evidence sentences are the best-scored few,
so a brief can quote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frameline.codebook.matcher import FrameHit

EVIDENCE_SENTENCES = 3


@dataclass
class SentenceFrame:
    """One frame in one sentence, from the rules, the model, or both."""

    frame_id: str
    frame_name: str
    codebook: str
    codebook_version: str
    start: int
    end: int
    sentence_index: int
    score: float
    method: str  # rule | model | rule+model
    rules: list[str] = field(default_factory=list)
    evidence: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, rule)
    rule_score: float | None = None
    model_probability: float | None = None
    rule_weight: float = 0.0  # the matched cues' summed weight (what the decision layer reads)

    @classmethod
    def from_hit(cls, hit: FrameHit, score: float | None = None) -> SentenceFrame:
        """`score`: the calibrated confidence of the rule detection (default: the matcher's weight-based score)."""
        score = hit.score if score is None else score
        return cls(hit.frame.id, hit.frame.name, hit.codebook.id, hit.codebook.version, hit.sentence[0],
                   hit.sentence[1], hit.sentence_index, score, "rule", hit.rules,
                   [(item.start, item.end, item.rule) for item in hit.evidence], rule_score=score, rule_weight=hit.weight)

    def attributes(self, text: str) -> dict[str, Any]:
        return {
            "codebook": self.codebook, "codebook_version": self.codebook_version, "name": self.frame_name,
            "method": self.method, "rule": self.rules[0] if self.rules else None, "rules": self.rules,
            "sentence": self.sentence_index,
            "evidence": [{"start": start, "end": end, "text": text[start:end], "rule": rule}
                         for start, end, rule in self.evidence],
            "rule_score": self.rule_score, "model_probability": self.model_probability,
        }


@dataclass
class DocumentFrame:
    frame_id: str
    frame_name: str
    codebook: str
    codebook_version: str
    score: float
    sentences: list[SentenceFrame]

    def attributes(self) -> dict[str, Any]:
        best = sorted(self.sentences, key=lambda item: -item.score)[:EVIDENCE_SENTENCES]
        return {
            "codebook": self.codebook, "codebook_version": self.codebook_version, "name": self.frame_name,
            "sentences": len(self.sentences),
            "evidence_sentences": [{"start": item.start, "end": item.end, "score": round(item.score, 4)}
                                   for item in sorted(best, key=lambda item: item.start)],
        }


def combine_document(found: list[SentenceFrame]) -> list[DocumentFrame]:
    by_frame: dict[str, list[SentenceFrame]] = {}
    for item in found:
        by_frame.setdefault(item.frame_id, []).append(item)
    labels = []
    for frame_id, items in by_frame.items():
        miss = 1.0
        for item in items:
            miss *= 1.0 - min(max(item.score, 0.0), 1.0)
        first = items[0]
        labels.append(DocumentFrame(frame_id, first.frame_name, first.codebook, first.codebook_version,
                                    round(1.0 - miss, 4), items))
    return sorted(labels, key=lambda label: (-label.score, label.frame_id))
