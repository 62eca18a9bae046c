"""Whether a sentence carries a frame, decided from what the rules and the model both say about it.

Without this layer a rule hit always counts and a sentence no cue matched
counts when the model's probability passes one threshold.  But how much a rule
hit is worth depends on what the model sees in the same sentence and on the
kind of text: on gold sentences no cue was written from, the jihadist cues are
right in 0.85 of their detections in posts and 0.56 in prose, and a cue the
model sees nothing of is wrong more often than one it agrees with; a model
probability, in turn, means more beside a rule for another frame of the same
passage.  A small logistic regression over those signals (`FEATURES`), fitted
on gold sentences that neither the cues nor the scoring model had seen, makes
the decision and gives one calibrated score for it.

Measured through the analyser on the 1,928 untuned gold sentences (dev batch
4, train batches 6-7), jihadist codebook, a model trained on the other 10,094
train sentences, 5 folds by passage: micro-F1 0.637 (threshold rule) -> 0.641,
precision 0.685 -> 0.710; out of fold, detections with a rule are right 0.84
of the time against 0.78 for every rule hit.  On fresh random sentences (train
batch 7, before it joined the untuned ones): F1 0.576 -> 0.588, rule precision
0.771 -> 0.835, calibration error 0.144 -> 0.112.  On the older dev batches,
which the cues were tuned on, it costs F1 (0.736 -> 0.702): it drops cue hits
the model doubts, and there the cues were right.  The layer is fitted on
sentences as the analyser cuts them: fitted on whole passages and applied per
sentence it scored 0.611, since a tweet cut in three got three chances.  The
counter codebook has too few labels there (22) to fit one, and keeps the
threshold rule (`MIN_POSITIVES`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frameline.analysis.frames_combine import SentenceFrame

FEATURES = (
    "rule",  # a cue or pattern of the frame fired in the sentence
    "rule_score",  # the frame's measured rule precision for this kind of text (frames_calibration), 0 without a rule
    "model_logit",  # log-odds of the model's calibrated probability (0 when the frame has no classifier)
    "rule_x_model_logit",
    "post",  # a social-media post rather than prose (frames_calibration.text_kind)
    "post_x_rule",
    "post_x_model_logit",
    "no_model",  # the frame has too few examples for a classifier: only its rules speak
    "rule_weight",  # the summed cue weight, capped at 3
    "rules_matched",  # how many cues and patterns matched, capped at 4
    "other_frames_logit",  # log-odds of the highest probability of the codebook's other frames in the sentence
)
MIN_POSITIVES = 150  # (passage, frame) pairs with the frame, below which no decision layer is fitted
FOLDS = 5
THRESHOLDS = tuple(round(0.1 + 0.025 * step, 3) for step in range(29))  # 0.1 .. 0.8
_CLIP = 1e-4


def _logit(values: Any) -> Any:
    import numpy as np

    clipped = np.clip(values, _CLIP, 1.0 - _CLIP)
    return np.log(clipped / (1.0 - clipped))


def feature_rows(frame_ids: list[str], codebook: str, sentences: int, found: list[SentenceFrame],
                 probabilities: dict[str, list[float]], post: bool) -> Any:
    """One row of `FEATURES` per (sentence, frame), sentence-major: row `sentence * len(frame_ids) + frame`.

    `found` holds the rule detections (only those of `codebook` are read); `probabilities` the model's, frame
    -> one per sentence (frames without a classifier are absent)."""
    import numpy as np

    count = len(frame_ids)
    column = {frame: index for index, frame in enumerate(frame_ids)}
    probability = np.zeros((sentences, count))
    modelled = np.zeros(count, dtype=bool)
    for frame, values in probabilities.items():
        if frame in column:
            probability[:, column[frame]] = values
            modelled[column[frame]] = True
    rule = np.zeros((sentences, count))
    rule_score = np.zeros((sentences, count))
    weight = np.zeros((sentences, count))
    matched = np.zeros((sentences, count))
    for item in found:
        if item.codebook != codebook or item.frame_id not in column or item.rule_score is None:
            continue
        at = (item.sentence_index, column[item.frame_id])
        rule[at] = 1.0
        rule_score[at] = item.rule_score
        weight[at] = min(item.rule_weight, 3.0)
        matched[at] = min(len(item.rules), 4)
    logit = np.where(modelled, _logit(probability), 0.0)
    # The best other frame's probability: the row's maximum, or the second best where this frame is the maximum.
    masked = np.where(modelled, probability, -1.0)
    if count > 1:
        order = np.sort(masked, axis=1)
        best, second = order[:, -1:], order[:, -2:-1]
        other = np.where(masked >= best, second, best)
    else:
        other = np.full((sentences, count), -1.0)
    other_logit = np.where(other >= 0.0, _logit(np.maximum(other, 0.0)), 0.0)
    kind = 1.0 if post else 0.0
    stacked = np.stack([rule, rule_score, logit, rule * logit, np.full_like(rule, kind), kind * rule, kind * logit,
                        np.broadcast_to(~modelled, rule.shape).astype(float), weight, matched, other_logit], axis=-1)
    return stacked.reshape(sentences * count, len(FEATURES))


@dataclass
class FrameDecision:
    """Logistic-regression weights over `FEATURES` and the probability from which a sentence carries a frame."""

    weights: list[float]
    intercept: float
    threshold: float
    metrics: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, rows: Any) -> Any:
        import numpy as np

        return 1.0 / (1.0 + np.exp(-(np.asarray(rows) @ np.asarray(self.weights) + self.intercept)))

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "weights": self.weights, "intercept": self.intercept,
                "threshold": self.threshold, "metrics": self.metrics}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> FrameDecision | None:
        """None for a model stored without one, or with other features (it then keeps the threshold rule)."""
        if not data or list(data.get("features", [])) != list(FEATURES):
            return None
        return cls(list(data["weights"]), float(data["intercept"]), float(data["threshold"]), data.get("metrics", {}))


def _micro(predicted: Any, truth: Any) -> tuple[float, float, float]:
    true_positives = float((predicted & truth).sum())
    false_positives = float((predicted & ~truth).sum())
    false_negatives = float((~predicted & truth).sum())
    precision = true_positives / (true_positives + false_positives) if true_positives + false_positives else 0.0
    recall = true_positives / (true_positives + false_negatives) if true_positives + false_negatives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _fit_weights(rows: Any, truth: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=3000).fit(rows, truth)


def _best_threshold(scores: Any, truth: Any) -> float:
    return max(THRESHOLDS, key=lambda threshold: (_micro(scores >= threshold, truth)[2], -threshold))


def fit_decision(rows: Any, truth: Any, groups: list[int], units: list[int] | None = None,
                 seed: int = 13) -> FrameDecision | None:
    """Fit on rows of `feature_rows` with their truth; `groups` names each row's passage (folds keep a passage
    together) and `units` its (passage, frame) pair, one number each (default: every row its own).

    A passage carries a frame when any of its sentences does (as `frameline eval frames` counts it), so the
    threshold is the one whose micro-F1 over the units is best when each unit takes the highest out-of-fold
    probability among its rows (5 folds by passage); the scores reported are those, at that threshold.  None
    when fewer than `MIN_POSITIVES` units carry their frame."""
    import numpy as np

    from frameline.analysis.frames_eval import calibration

    rows, truth = np.asarray(rows, dtype=float), np.asarray(truth, dtype=bool)
    _, unit_of = np.unique(np.arange(len(truth)) if units is None else np.asarray(units), return_inverse=True)
    unit_truth = np.zeros(int(unit_of.max()) + 1 if len(unit_of) else 0, dtype=bool)
    unit_truth[unit_of[truth]] = True
    if unit_truth.sum() < MIN_POSITIVES:
        return None
    keys = sorted(set(groups))
    random.Random(seed).shuffle(keys)
    fold_of = {key: position % FOLDS for position, key in enumerate(keys)}
    folds = np.array([fold_of[group] for group in groups])
    scores = np.zeros(len(truth))
    for fold in range(FOLDS):
        inside, held = folds != fold, folds == fold
        scores[held] = _fit_weights(rows[inside], truth[inside]).predict_proba(rows[held])[:, 1]
    unit_scores = np.zeros(len(unit_truth))
    np.maximum.at(unit_scores, unit_of, scores)
    threshold = _best_threshold(unit_scores, unit_truth)
    fitted = _fit_weights(rows, truth)
    decided = unit_scores >= threshold
    precision, recall, f1 = _micro(decided, unit_truth)
    unit_rule = np.zeros(len(unit_truth), dtype=bool)
    unit_rule[unit_of[rows[:, FEATURES.index("rule")] > 0]] = True
    metrics = {"rows": int(len(truth)), "units": int(len(unit_truth)), "positives": int(unit_truth.sum()),
               "passages": len(keys), "folds": FOLDS,
               "out_of_fold": {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                               "rule_precision": round(float(unit_truth[decided & unit_rule].mean()), 4)
                               if (decided & unit_rule).any() else 0.0,
                               "calibration_error": round(calibration(
                                   zip(unit_scores[decided].tolist(), unit_truth[decided].tolist())).ece, 4)}}
    return FrameDecision([round(float(value), 6) for value in fitted.coef_.ravel()],
                         round(float(fitted.intercept_[0]), 6), threshold, metrics)


def gold_rows(model: Any, codebook: Any, items: list[Any]) -> tuple[Any, Any, list[int], list[int]]:
    """`passage_rows` for gold items, scored by `model`, which must not have been trained on them."""
    from frameline.text.sentences import split_sentences

    texts = [item.text for item in items]
    pieces = [text[start:end] for text in texts for start, end in (split_sentences(text) or [(0, len(text))])]
    predicted = model.predict(pieces)
    return passage_rows(codebook, texts, [set(item.frames) for item in items], predicted)


def passage_rows(codebook: Any, texts: list[str], labels: list[set[str]],
                 predicted: dict[str, list[float]]) -> tuple[Any, Any, list[int], list[int]]:
    """`feature_rows` for the sentences of labelled passages, as the analyser cuts and reads them: the rules of
    `codebook`, and the model's held-out probabilities `predicted` (frame -> one per sentence, the passages'
    sentences in order).  Each row's truth is its passage's label; with each row's passage and (passage,
    frame) unit, for `fit_decision`."""
    import numpy as np

    from frameline.analysis.frames_calibration import rule_frames, text_kind
    from frameline.codebook.matcher import CodebookMatcher
    from frameline.text.sentences import split_sentences

    matcher = CodebookMatcher([codebook])
    frame_ids = codebook.frame_ids()
    blocks, truth, groups, units = [], [], [], []
    offset = 0
    for number, (text, frames) in enumerate(zip(texts, labels)):
        sentences = split_sentences(text) or [(0, len(text))]
        kind = text_kind(text)
        found = rule_frames(matcher.find(text, sentences), kind)
        probabilities = {frame: values[offset:offset + len(sentences)] for frame, values in predicted.items()}
        offset += len(sentences)
        blocks.append(feature_rows(frame_ids, codebook.id, len(sentences), found, probabilities, kind == "post"))
        for _ in sentences:
            truth += [frame in frames for frame in frame_ids]
            groups += [number] * len(frame_ids)
            units += [number * len(frame_ids) + index for index in range(len(frame_ids))]
    return np.vstack(blocks), np.array(truth, dtype=bool), groups, units
