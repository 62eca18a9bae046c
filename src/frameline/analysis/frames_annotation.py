"""The annotation loop around frame detection: what to ask next, what analysts agree on, what to learn.

- `next_sentences`: uncertainty sampling.  Each candidate sentence gets the
  machine's probability per frame (the trained model's where there is one,
  else the rule score, 0 where nothing fired); its uncertainty is the largest
  1 - |2p - 1| over frames, so the sentences the machine is least sure about
  come first, and annotated sentences never come back.
- `sentence_labels`: the frames of each annotated sentence, for training: the
  latest decision on each (sentence, frame) across annotators.
- `agreement`: Cohen's kappa per pair of annotators and Krippendorff's alpha
  (nominal) over all, on (sentence, frame) units that two or more annotators
  saw; a frame an annotator did not mention on a sentence they annotated
  counts as absent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING

from frameline.store.annotations import FrameAnnotation, SentenceKey, annotated_sentences, list_annotations
from frameline.text.sentences import split_sentences

if TYPE_CHECKING:
    from collections.abc import Iterable

    from frameline.analysis.frames import FrameAnalyser
    from frameline.records import Document
    from frameline.store.sql import SqlStore


@dataclass
class Candidate:
    document_id: int
    start: int
    end: int
    sentence: str
    uncertainty: float
    suggestions: dict[str, float] = field(default_factory=dict)  # frame -> machine probability/score

    @property
    def key(self) -> str:
        return f"{self.document_id}:{self.start}-{self.end}"


def parse_key(key: str) -> SentenceKey:
    """"12:340-410" -> (12, 340, 410)."""
    try:
        document, _, span = key.partition(":")
        start, _, end = span.partition("-")
        return int(document), int(start), int(end)
    except ValueError as error:
        raise ValueError(f"{key!r} is not a sentence key like 12:340-410 (document:start-end)") from error


def next_sentences(store: SqlStore, analyser: FrameAnalyser, limit: int = 10, max_documents: int = 2000,
                   documents: Iterable[Document] | None = None) -> list[Candidate]:
    """The `limit` most uncertain unannotated sentences of the first `max_documents` documents.

    `documents` (default: the workspace in id order) lets a caller sample the
    workspace instead, as the web queue does.
    """
    seen = annotated_sentences(store)
    candidates: list[Candidate] = []
    for number, document in enumerate(store.iter_documents() if documents is None else documents):
        if number >= max_documents:
            break
        sentences = split_sentences(document.text)
        if not sentences:
            continue
        probabilities = analyser.sentence_probabilities(document.text, sentences)
        for index, (start, end) in enumerate(sentences):
            if (document.id, start, end) in seen:
                continue
            scores = probabilities.get(index, {})
            uncertainty = max((1 - abs(2 * p - 1) for p in scores.values()), default=0.0)
            if uncertainty > 0:
                candidates.append(Candidate(document.id, start, end, document.text[start:end], round(uncertainty, 4),
                                            {frame: round(p, 4) for frame, p in sorted(scores.items(), key=lambda kv: -kv[1])}))
    candidates.sort(key=lambda candidate: (-candidate.uncertainty, candidate.document_id, candidate.start))
    return candidates[:limit]


def sentence_labels(annotations: list[FrameAnnotation]) -> dict[SentenceKey, tuple[str, set[str], set[str]]]:
    """sentence -> (text, frames present, frames rejected), by the latest decision on each frame."""
    latest: dict[tuple[SentenceKey, str], FrameAnnotation] = {}
    texts: dict[SentenceKey, str] = {}
    for annotation in annotations:
        latest[(annotation.sentence_key, annotation.frame)] = annotation
        texts[annotation.sentence_key] = annotation.sentence
    result: dict[SentenceKey, tuple[str, set[str], set[str]]] = {key: (text, set(), set()) for key, text in texts.items()}
    for (key, frame), annotation in latest.items():
        (result[key][1] if annotation.positive else result[key][2]).add(frame)
    return result


@dataclass
class Agreement:
    annotators: list[str]
    units: int  # (sentence, frame) pairs seen by two or more annotators
    alpha: float | None
    kappas: dict[tuple[str, str], tuple[float | None, int]]  # pair -> (kappa, shared units)


def _coded_units(annotations: list[FrameAnnotation]) -> dict[tuple[SentenceKey, str], dict[str, int]]:
    latest: dict[tuple[str, SentenceKey, str], bool] = {}
    sentences_by: dict[str, set[SentenceKey]] = defaultdict(set)
    frames_on: dict[SentenceKey, set[str]] = defaultdict(set)
    for annotation in annotations:
        latest[(annotation.annotator, annotation.sentence_key, annotation.frame)] = annotation.positive
        sentences_by[annotation.annotator].add(annotation.sentence_key)
        frames_on[annotation.sentence_key].add(annotation.frame)
    units: dict[tuple[SentenceKey, str], dict[str, int]] = defaultdict(dict)
    for annotator, sentences in sentences_by.items():
        for sentence in sentences:
            for frame in frames_on[sentence]:
                units[(sentence, frame)][annotator] = int(latest.get((annotator, sentence, frame), False))
    return {unit: values for unit, values in units.items() if len(values) >= 2}


def cohen_kappa(first: list[int], second: list[int]) -> float | None:
    if not first:
        return None
    observed = sum(a == b for a, b in zip(first, second)) / len(first)
    categories = set(first) | set(second)
    expected = sum((first.count(c) / len(first)) * (second.count(c) / len(second)) for c in categories)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def krippendorff_alpha(units: list[list[int]]) -> float | None:
    """Nominal alpha from the coincidence matrix; units with fewer than two values are not pairable."""
    coincidences: dict[tuple[int, int], float] = defaultdict(float)
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for i, first in enumerate(values):
            for j, second in enumerate(values):
                if i != j:
                    coincidences[(first, second)] += 1 / (m - 1)
    totals: dict[int, float] = defaultdict(float)
    for (first, _), weight in coincidences.items():
        totals[first] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    disagreement = sum(weight for (first, second), weight in coincidences.items() if first != second)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    return 1.0 if expected == 0 else 1 - (n - 1) * disagreement / expected


def agreement(store: SqlStore) -> Agreement:
    annotations = list_annotations(store)
    units = _coded_units(annotations)
    annotators = sorted({annotation.annotator for annotation in annotations})
    kappas = {}
    for first, second in combinations(annotators, 2):
        shared = [(values[first], values[second]) for values in units.values() if first in values and second in values]
        kappas[(first, second)] = (cohen_kappa([a for a, _ in shared], [b for _, b in shared]), len(shared))
    return Agreement(annotators, len(units), krippendorff_alpha([list(values.values()) for values in units.values()]),
                     kappas)
