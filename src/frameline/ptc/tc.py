"""Technique classification: which of the 14 techniques a given span uses.

A linear SVM over the span's features (`features.span_features`) ranks the
techniques; its decision values are turned into probabilities by a softmax
whose temperature is fitted on dev, so a score means the same from one span to
the next.  A span that the template lists k times gets the k best distinct
techniques (the corpus gives a span with several techniques once per technique).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from frameline.ptc.features import ArticleIndex, span_features
from frameline.ptc.formats import Annotation
from frameline.ptc.linear import FeatureVocabulary, LinearModel

MODEL_NAME = "tc"


class TechniqueClassifier:
    def __init__(self, model: LinearModel) -> None:
        self.model = model
        self.temperature = float(model.meta.get("temperature", 1.0))

    @property
    def techniques(self) -> list[str]:
        return self.model.classes

    @classmethod
    def load(cls, folder: Path | str) -> TechniqueClassifier:
        return cls(LinearModel.load(folder, MODEL_NAME))

    def probabilities(self, text: str, spans: Sequence[tuple[int, int]], index: ArticleIndex | None = None,
                      ) -> np.ndarray:
        """One row per span: the probability of each technique (columns in `techniques` order)."""
        if not spans:
            return np.zeros((0, len(self.techniques)), dtype=np.float32)
        index = index or ArticleIndex.build(text, spans)
        scores = self.model.scores([span_features(index, start, end) for start, end in spans]) * self.temperature
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def label_template(self, articles: dict[str, str], template: Sequence[Annotation]) -> list[Annotation]:
        """The template's lines with techniques filled in, in the template's order."""
        by_article: dict[str, list[int]] = {}
        for i, line in enumerate(template):
            by_article.setdefault(line.article, []).append(i)
        labelled: list[Annotation | None] = [None] * len(template)
        for article, lines in by_article.items():
            text = articles[article]
            keys = list(dict.fromkeys(template[i].key for i in lines))
            probabilities = self.probabilities(text, [(start, end) for _, start, end in keys])
            ranked = {key: np.argsort(-row, kind="stable") for key, row in zip(keys, probabilities)}
            used: dict[tuple[str, int, int], int] = {}
            for i in lines:
                key = template[i].key
                rank = used.get(key, 0)
                used[key] = rank + 1
                order = ranked[key]
                labelled[i] = Annotation(*key, self.techniques[order[min(rank, len(order) - 1)]])
        return [line for line in labelled if line is not None]


def fit_technique_classifier(train_rows: Sequence[dict[str, float]], train_labels: Sequence[str],
                             dev_rows: Sequence[dict[str, float]], dev_labels: Sequence[str],
                             c_grid: Sequence[float] = (0.3, 1.0), seed: int = 0,
                             min_count: int = 2, class_weight: str | None = "balanced",
                             ) -> tuple[TechniqueClassifier, dict[str, float]]:
    """Fit on train for each C, keep the best on dev (accuracy), fit the softmax temperature on dev.

    Classes are weighted inversely to their frequency ("balanced"): Loaded
    Language is a third of the train spans, and unweighted the rare techniques
    (Appeal to Authority, Thought-terminating Cliches) were never predicted.
    """
    from sklearn.svm import LinearSVC

    vocabulary = FeatureVocabulary.fit(train_rows, min_count=min_count)
    train_x, dev_x = vocabulary.matrix(train_rows), vocabulary.matrix(dev_rows)
    dev_y = np.asarray(dev_labels)
    best: tuple[float, float, object] | None = None
    for c in c_grid:
        svm = LinearSVC(C=c, random_state=seed, max_iter=5000, class_weight=class_weight)
        svm.fit(train_x, np.asarray(train_labels))
        accuracy = float(np.mean(svm.predict(dev_x) == dev_y)) if len(dev_y) else 0.0
        if best is None or accuracy > best[0]:
            best = (accuracy, c, svm)
    assert best is not None
    accuracy, c, svm = best
    classes = [str(label) for label in svm.classes_]
    weights = np.asarray(svm.coef_, dtype=np.float32).T
    bias = np.asarray(svm.intercept_, dtype=np.float32)
    if len(classes) == 2:  # sklearn keeps one column for two classes: make it two, as for more
        weights, bias = np.hstack([-weights / 2, weights / 2]), np.hstack([-bias / 2, bias / 2])
    decision = np.asarray(dev_x @ weights) + bias
    temperature = _fit_temperature(decision, [classes.index(y) if y in classes else -1 for y in dev_labels])
    meta = {"C": c, "class_weight": class_weight, "dev_accuracy": round(accuracy, 4), "temperature": temperature,
            "seed": seed}
    return TechniqueClassifier(LinearModel(vocabulary, classes, weights, bias, meta)), meta


def _fit_temperature(decision: np.ndarray, gold: list[int]) -> float:
    """The softmax scale with the lowest dev log-loss, from a small grid (a one-parameter calibration)."""
    rows = [i for i, g in enumerate(gold) if g >= 0]
    if not rows:
        return 1.0
    best_loss, best_t = float("inf"), 1.0
    for t in (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0):
        scores = decision[rows] * t
        scores -= scores.max(axis=1, keepdims=True)
        log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        loss = -float(np.mean(log_probs[np.arange(len(rows)), [gold[i] for i in rows]]))
        if loss < best_loss:
            best_loss, best_t = loss, t
    return best_t
