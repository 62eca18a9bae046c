"""The shared task's metrics, implemented from the task description (Da San Martino et al., SemEval 2020).

TC (technique classification on given spans) is micro-averaged F1.  A span
that carries several techniques appears once per technique in the gold file
and in the template; the order of a system's labels on such a span must not
matter, so predictions are matched to gold by (article, start, end) and the
credit on a span is the size of the intersection of the two label multisets.
When every gold line gets exactly one prediction, micro-P = micro-R = micro-F1
= accuracy after that best matching.

SI (span identification) gives partial credit for partial overlap.  With S
the predicted spans and T the gold spans (each a set of character offsets,
only spans of the same article meeting):

    C(s, t, h) = |s ∩ t| / h
    P(S, T) = 1/|S| * Σ_{s∈S, t∈T} C(s, t, |s|)
    R(S, T) = 1/|T| * Σ_{s∈S, t∈T} C(s, t, |t|)
    F1 = 2PR / (P + R)

Overlapping spans of one side in one article are first merged into their
union (as the official tool does), so a system cannot earn credit twice for the
same characters; spans that only touch stay apart.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from frameline.ptc.formats import Annotation


class ScoringError(ValueError):
    """Predictions that cannot be scored against this gold file (e.g. spans the template never asked for)."""


@dataclass(frozen=True)
class TcScore:
    micro_f1: float
    precision: float
    recall: float
    correct: int
    predicted: int
    gold: int
    per_technique: dict[str, float] = field(default_factory=dict)  # F1 of each gold or predicted technique


@dataclass(frozen=True)
class SiScore:
    precision: float
    recall: float
    f1: float
    predicted: int  # spans after merging
    gold: int


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def score_tc(gold: Iterable[Annotation], predicted: Iterable[Annotation], strict: bool = True) -> TcScore:
    """Micro-F1 over the gold spans; `strict` refuses predictions on spans the gold file lacks, as the task did."""
    gold_labels: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    predicted_labels: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    for annotation in gold:
        gold_labels[annotation.key][str(annotation.technique)] += 1
    for annotation in predicted:
        predicted_labels[annotation.key][str(annotation.technique)] += 1
    if strict:
        extra = [key for key in predicted_labels if key not in gold_labels]
        if extra:
            article, start, end = extra[0]
            raise ScoringError(f"{len(extra)} predicted span(s) are not gold spans, e.g. {article} {start}-{end}: "
                               "TC predictions must follow the template's lines")
    true_positives: Counter[str] = Counter()
    gold_counts: Counter[str] = Counter()
    predicted_counts: Counter[str] = Counter()
    for key, labels in gold_labels.items():
        gold_counts.update(labels)
        true_positives.update(labels & predicted_labels.get(key, Counter()))
    for labels in predicted_labels.values():
        predicted_counts.update(labels)
    correct, n_predicted, n_gold = sum(true_positives.values()), sum(predicted_counts.values()), sum(gold_counts.values())
    precision = correct / n_predicted if n_predicted else 0.0
    recall = correct / n_gold if n_gold else 0.0
    per_technique = {}
    for technique in sorted(set(gold_counts) | set(predicted_counts)):
        tp = true_positives[technique]
        p = tp / predicted_counts[technique] if predicted_counts[technique] else 0.0
        r = tp / gold_counts[technique] if gold_counts[technique] else 0.0
        per_technique[technique] = _f1(p, r)
    return TcScore(_f1(precision, recall), precision, recall, correct, n_predicted, n_gold, per_technique)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of overlapping [start, end) spans, sorted; touching spans (end == next start) stay apart."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _by_article(annotations: Iterable[Annotation]) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for annotation in annotations:
        spans[annotation.article].append((annotation.start, annotation.end))
    return {article: merge_spans(article_spans) for article, article_spans in spans.items()}


def score_si(gold: Iterable[Annotation], predicted: Iterable[Annotation]) -> SiScore:
    """Character-overlap precision, recall and F1 with partial credit (see the module docstring)."""
    gold_spans, predicted_spans = _by_article(gold), _by_article(predicted)
    precision_credit = recall_credit = 0.0
    for article, spans in predicted_spans.items():
        for s_start, s_end in spans:
            for t_start, t_end in gold_spans.get(article, ()):
                overlap = min(s_end, t_end) - max(s_start, t_start)
                if overlap > 0:
                    precision_credit += overlap / (s_end - s_start)
                    recall_credit += overlap / (t_end - t_start)
    n_predicted = sum(len(spans) for spans in predicted_spans.values())
    n_gold = sum(len(spans) for spans in gold_spans.values())
    precision = precision_credit / n_predicted if n_predicted else 0.0
    recall = recall_credit / n_gold if n_gold else 0.0
    return SiScore(precision, recall, _f1(precision, recall), n_predicted, n_gold)
