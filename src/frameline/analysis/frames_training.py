"""`frameline train frames`: what the frame classifiers learn from, and how well they do held out.

Training data per codebook, strongest first:

1. analysts' annotations (`store.annotations`): accepted and added frames are
   positives, rejected ones negatives, never overridden by anything below;
2. optionally a gold file's train and dev splits (the test split is never used here);
3. silver sentences from the workspace's documents: where the codebook's rules
   fire with at least `SILVER_MIN_SCORE`, the frame is a positive; sentences
   where no rule of the codebook fires are negatives (a sample, so the model
   sees the unframed majority without drowning in it).

Scores are cross-validated (stratified by whether a sentence has any frame):
each fold trains the same model on the rest and predicts its sentences, and
the per-frame and micro F1 over the out-of-fold predictions are reported and
stored with the model.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from frameline.analysis.frames_annotation import sentence_labels
from frameline.analysis.frames_model import MODEL_THRESHOLD, FrameClassifier
from frameline.codebook.matcher import CodebookMatcher
from frameline.store.annotations import list_annotations
from frameline.text.sentences import split_sentences

if TYPE_CHECKING:
    from frameline.analysis.frames_eval import GoldItem
    from frameline.codebook.model import Codebook
    from frameline.store.sql import SqlStore

SILVER_MIN_SCORE = 0.75
SILVER_NEGATIVE_RATIO = 3  # unframed silver sentences per framed one


@dataclass
class TrainingSet:
    codebook: str
    texts: list[str] = field(default_factory=list)
    labels: list[set[str]] = field(default_factory=list)
    origins: dict[str, int] = field(default_factory=dict)  # annotations / gold / silver -> count
    origin: list[str] = field(default_factory=list)  # per sentence

    def add(self, text: str, frames: set[str], origin: str) -> None:
        self.texts.append(text)
        self.labels.append(frames)
        self.origin.append(origin)
        self.origins[origin] = self.origins.get(origin, 0) + 1


def training_sets(store: SqlStore | None, codebooks: list[Codebook], gold: list[GoldItem] | None = None,
                  silver_limit: int = 3000, seed: int = 13) -> dict[str, TrainingSet]:
    sets = {codebook.id: TrainingSet(codebook.id) for codebook in codebooks}
    frame_codebook = {frame_id: codebook.id for codebook in codebooks for frame_id in codebook.frame_ids()}
    taken: set[str] = set()
    if store is not None:
        for _, (text, present, rejected) in sentence_labels(list_annotations(store)).items():
            for codebook_id, training in sets.items():
                if any(frame_codebook.get(frame) == codebook_id for frame in present | rejected):
                    training.add(text, {frame for frame in present if frame_codebook.get(frame) == codebook_id},
                                 "annotations")
            taken.add(text)
    for item in gold or []:
        if item.split == "test":
            raise ValueError("the test split is never used for training; pass the train and dev splits")
        for codebook_id, training in sets.items():
            training.add(item.text, {frame for frame in item.frames if frame_codebook.get(frame) == codebook_id}, "gold")
        taken.add(item.text)
    if store is not None and silver_limit > 0:
        _add_silver(store, codebooks, sets, taken, silver_limit, random.Random(seed))
    return sets


def _add_silver(store: SqlStore, codebooks: list[Codebook], sets: dict[str, TrainingSet], taken: set[str],
                limit: int, rng: random.Random) -> None:
    matcher = CodebookMatcher(codebooks)
    framed: dict[str, list[tuple[str, set[str]]]] = {codebook.id: [] for codebook in codebooks}
    unframed: dict[str, list[str]] = {codebook.id: [] for codebook in codebooks}
    for document in store.iter_documents():
        sentences = split_sentences(document.text)
        found: dict[tuple[int, str], set[str]] = {}
        for hit in matcher.find(document.text, sentences):
            if hit.score >= SILVER_MIN_SCORE:
                found.setdefault((hit.sentence_index, hit.codebook.id), set()).add(hit.frame.id)
        for index, (start, end) in enumerate(sentences):
            text = document.text[start:end]
            if text in taken or len(text.split()) < 4:
                continue
            for codebook in codebooks:
                frames = found.get((index, codebook.id))
                if frames:
                    framed[codebook.id].append((text, frames))
                else:
                    unframed[codebook.id].append(text)
        if all(len(items) >= limit for items in framed.values()):
            break
    for codebook in codebooks:
        positives = framed[codebook.id][:limit]
        negatives = unframed[codebook.id]
        rng.shuffle(negatives)
        for text, frames in positives:
            sets[codebook.id].add(text, frames, "silver")
        for text in negatives[:max(50, SILVER_NEGATIVE_RATIO * len(positives))]:
            sets[codebook.id].add(text, set(), "silver")


def _out_of_fold(codebook: Codebook, training: TrainingSet, folds: int, seed: int
                 ) -> tuple[dict[str, list[float]], dict[str, list[list[float]]]]:
    """Frame -> each training text's probability from the model of the folds that did not hold it (stratified
    by whether a text has any frame), and frame -> the same model's probability for each of its sentences (as
    the analyser cuts it), for the decision layer."""
    indices = list(range(len(training.texts)))
    random.Random(seed).shuffle(indices)
    framed = [i for i in indices if training.labels[i]]
    unframed = [i for i in indices if not training.labels[i]]
    assignment = {}
    for position, index in enumerate(framed + unframed):
        assignment[index] = position % folds
    cuts = [split_sentences(text) or [(0, len(text))] for text in training.texts]
    predictions = {frame: [0.0] * len(indices) for frame in codebook.frame_ids()}
    by_sentence = {frame: [[0.0] * len(cut) for cut in cuts] for frame in codebook.frame_ids()}
    for fold in range(folds):
        train = [i for i in indices if assignment[i] != fold]
        held = [i for i in indices if assignment[i] == fold]
        if not held:
            continue
        model = FrameClassifier.train(codebook, [training.texts[i] for i in train], [training.labels[i] for i in train])
        for frame_id, values in model.predict([training.texts[i] for i in held]).items():
            for probability, index in zip(values, held):
                predictions[frame_id][index] = probability
        pieces = [(index, training.texts[index][start:end]) for index in held for start, end in cuts[index]]
        for frame_id, values in model.predict([piece for _, piece in pieces]).items():
            position: dict[int, int] = {}
            for probability, (index, _) in zip(values, pieces):
                at = position.get(index, 0)
                by_sentence[frame_id][index][at] = probability
                position[index] = at + 1
    return predictions, by_sentence


def cross_validate(codebook: Codebook, training: TrainingSet, folds: int = 3, seed: int = 13,
                   predictions: dict[str, list[float]] | None = None) -> dict[str, Any]:
    """Out-of-fold predictions at the model's threshold: per-frame and micro precision, recall, F1."""
    if predictions is None:
        predictions = _out_of_fold(codebook, training, folds, seed)[0]
    counts = {frame: [0, 0, 0] for frame in codebook.frame_ids()}  # tp, fp, fn
    for frame_id in codebook.frame_ids():
        for probability, labels in zip(predictions[frame_id], training.labels):
            truth = frame_id in labels
            guess = probability >= MODEL_THRESHOLD
            if guess and truth:
                counts[frame_id][0] += 1
            elif guess:
                counts[frame_id][1] += 1
            elif truth:
                counts[frame_id][2] += 1
    frames = {}
    for frame_id, (tp, fp, fn) in counts.items():
        if tp + fp + fn:
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            frames[frame_id] = {"precision": round(precision, 4), "recall": round(recall, 4), "support": tp + fn,
                                "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0}
    tp, fp, fn = (sum(values[i] for values in counts.values()) for i in range(3))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"folds": folds, "sentences": len(training.texts), "micro_precision": round(precision, 4),
            "micro_recall": round(recall, 4),
            "micro_f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
            "frames": frames, "origins": dict(training.origins)}


def train_codebook(codebook: Codebook, training: TrainingSet, folds: int = 3, seed: int = 13) -> FrameClassifier:
    """The model on every training sentence, its cross-validated scores, and a decision layer
    (`frames_decision`) fitted on the out-of-fold probabilities of the hand-labelled sentences (annotations and
    gold; never silver, whose labels are the rules' own output) when they hold enough framed ones."""
    from frameline.analysis.frames_decision import fit_decision, passage_rows

    model = FrameClassifier.train(codebook, training.texts, training.labels)
    if folds < 2:
        model.metrics = {"origins": dict(training.origins)}
        return model
    predictions, by_sentence = _out_of_fold(codebook, training, folds, seed)
    model.metrics = cross_validate(codebook, training, folds, seed, predictions)
    human = [index for index, origin in enumerate(training.origin) if origin != "silver"]
    if human:
        model.decision = fit_decision(*passage_rows(
            codebook, [training.texts[i] for i in human], [training.labels[i] for i in human],
            {frame: [value for i in human for value in by_sentence[frame][i]] for frame in model.classifiers}))
    model.metrics["decision"] = model.decision.metrics if model.decision else None
    return model
