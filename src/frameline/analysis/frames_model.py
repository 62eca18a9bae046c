"""The trained layer of frame detection: one multi-label linear classifier per codebook.

Word uni- and bigrams plus character 3- and 4-grams of the words (so
Arabic morphology and spelling variants share features without a stemmer),
hashed into one fixed feature space (`hashed_counts`) that every codebook's
model shares: a batch of sentences is normalised and hashed once however many
codebooks have a model.  Each model keeps its own TF-IDF weights and one
logistic regression per frame whose probabilities are calibrated on held-out
folds (scikit-learn's CalibratedClassifierCV, isotonic when there are enough
positives, else sigmoid): a 0.8 should be right about 80% of the time.  For
prediction the per-frame coefficients are stacked into one sparse matrix, so
scoring is one matrix product per batch and a cheap calibration map per frame.
Models are trained by our own code from the workspace's annotations and
cue-labelled silver sentences (`frames_training`), never downloaded, and
stored in the workspace's `models/` folder with their metrics; the file's hash
is the model version the analyser records.  The default codebooks' models ship
with the package (`frames_default`).

The codebook's own rule hits are deliberately not features: the cues are
written from hand-labelled sentences, and on those very sentences a rule hit
predicts the label almost perfectly, so a model trained there learns to echo
the rules and adds nothing on new text (measured on the gold dev split:
jihadist micro-F1 on the dev sentences no cue was written from 0.622 with rule
columns against 0.660 with n-grams alone).
"""

from __future__ import annotations

import hashlib
import io
import re
import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frameline.analysis.frames_combine import SentenceFrame
from frameline.analysis.frames_decision import FrameDecision, feature_rows

if TYPE_CHECKING:
    from frameline.codebook.model import Codebook
    from frameline.workspace import Workspace

MODELS_FOLDER = "models"
MODEL_MAGIC = b"frameline-frames-model/3\n"  # zlib-compressed pickle, float32 weights
_PLAIN_MAGIC = b"frameline-frames-model/2\n"  # the same, uncompressed: still read
_OLD_MAGIC = b"frameline-frames-model/1\n"  # per-vectorizer TF-IDF features: retrain
HASH_FEATURES = 2 ** 18  # collisions are rare at this size; the stacked dense weights stay small (15 MB)
CHAR_SIZES = (3, 4)  # 5-grams too cost a third more hashing time, for a model that adds little to the rules
TOKEN = re.compile(r"(?u)\b\w[\w']*\b")
# A sentence the cues missed gets the frame when the calibrated probability reaches this.  Chosen on the gold
# dev split with out-of-fold predictions (3 folds, 2026-12-02): trained on dev plus rule-labelled silver, the
# model found almost nothing the rules missed, and every sentence it added below 0.9 cost precision (jihadist
# micro-F1 0.776 at 0.5, 0.788 at 0.9 = rules alone; counter 0.642 at 0.5, 0.773 at 0.9, rules alone 0.829).
MODEL_THRESHOLD = 0.9


EVIDENCE_WORDS = 3  # the words shown as evidence for a sentence only the model found


class ModelError(ValueError):
    """A model file that cannot be used (not ours, corrupt, or for another codebook)."""


def ngrams(text: str) -> list[str]:
    """The features of one normalised sentence: words and word pairs (marked, so the word "the" and the "the"
    inside "other" differ), and the 3- and 4-letter pieces of the words joined by single spaces (a piece may span a
    word boundary, which keeps the count of Python-level loops at three per sentence)."""
    words = TOKEN.findall(text)
    features = ["\x01" + word for word in words]
    features += ["\x01" + first + " " + second for first, second in zip(words, words[1:])]
    padded = " " + " ".join(words) + " "
    length = len(padded)
    for size in CHAR_SIZES:
        features += [padded[index:index + size] for index in range(length - size + 1)]
    return features


def hashed_counts(texts: list[str]) -> Any:
    """Sentences -> sublinear term frequencies (1 + log count) in the shared hashed space, normalised here, once.

    The counts are those of scikit-learn's HashingVectorizer with `ngrams` as analyser (murmurhash3 of each
    feature); `ngram_hashing` computes them for the whole batch in array passes, three times faster."""
    import numpy as np

    from frameline.analysis.ngram_hashing import hashed_ngram_counts
    from frameline.text.normalize import normalize_text

    counts = hashed_ngram_counts([normalize_text(text) for text in texts], HASH_FEATURES, CHAR_SIZES, TOKEN)
    np.log(counts.data, out=counts.data)
    counts.data += 1.0
    return counts


def _weighted(counts: Any, idf: Any) -> Any:
    """Sublinear TF times IDF, rows L2-normalised (what TfidfTransformer(sublinear_tf=True) computes)."""
    from sklearn.preprocessing import normalize

    matrix = counts.copy()
    matrix.data *= idf[counts.indices]
    return normalize(matrix, copy=False)


def _idf(counts: Any) -> Any:
    import numpy as np

    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1 + counts.shape[0]) / (1 + frequency)) + 1.0


def _estimator(positives: int, total: int) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    # random_state: liblinear shuffles; fixed, so the same data gives the same model file byte for byte.
    base = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, solver="liblinear", random_state=0)
    folds = max(2, min(5, positives, total - positives))
    method = "isotonic" if positives >= 40 else "sigmoid"
    # ensemble=False: one classifier on all the data, calibrated on its cross-validated predictions;
    # a third of the size and prediction time of an ensemble of fold models.
    return CalibratedClassifierCV(base, method=method, cv=folds, ensemble=False)


@dataclass
class FrameClassifier:
    """Per-codebook IDF weights plus one calibrated classifier per frame that had enough examples to learn."""

    codebook: str
    codebook_version: str
    features: Any  # the IDF row over the hashed space
    classifiers: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)
    threshold: float = MODEL_THRESHOLD
    # When fitted (`frames_decision`), it decides every sentence and frame, rule hits included, in place of
    # `threshold`; the shipped jihadist model has one, a model trained on too few labels does not.
    decision: FrameDecision | None = None
    _stacked: Any = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def train(cls, codebook: Codebook, texts: list[str], labels: list[set[str]], min_positives: int = 4,
              threshold: float = MODEL_THRESHOLD) -> FrameClassifier:
        counts = hashed_counts(texts)
        idf = _idf(counts)
        matrix = _weighted(counts, idf)
        classifiers = {}
        for frame_id in codebook.frame_ids():
            target = [frame_id in item for item in labels]
            positives = sum(target)
            if positives < min_positives or len(target) - positives < min_positives:
                continue
            classifiers[frame_id] = _estimator(positives, len(target)).fit(matrix, target)
        return cls(codebook.id, codebook.version, idf, classifiers, threshold=threshold)

    def _stack(self) -> tuple[list[str], Any, Any, list[Any]]:
        """Every frame's coefficients as one sparse (features x frames) matrix, intercepts and calibration maps."""
        if self._stacked is None:
            import numpy as np

            frames = sorted(self.classifiers)
            fitted = [self.classifiers[frame].calibrated_classifiers_[0] for frame in frames]
            weights = np.ascontiguousarray(np.vstack([item.estimator.coef_.ravel() for item in fitted]).T,
                                           dtype=np.float32)  # sparse rows times a dense block: one fast product
            intercepts = np.array([float(item.estimator.intercept_[0]) for item in fitted])
            self._stacked = (frames, weights, intercepts, [item.calibrators[0] for item in fitted])
        return self._stacked

    def predict(self, texts: list[str], counts: Any = None) -> dict[str, list[float]]:
        """Frame -> calibrated probability per sentence; `counts` (from `hashed_counts`) can be shared between
        the models of several codebooks."""
        if not texts or not self.classifiers:
            return {}
        import numpy as np

        frames, weights, intercepts, calibrators = self._stack()
        if counts is None:
            counts = hashed_counts(texts)
        decisions = np.asarray(_weighted(counts, self.features) @ weights, dtype=np.float64) + intercepts
        return {frame: np.clip(calibrator.predict(decisions[:, column]), 0.0, 1.0).tolist()
                for column, (frame, calibrator) in enumerate(zip(frames, calibrators))}

    def word_evidence(self, sentences: list[str], frame_ids: list[list[str]]) -> list[dict[str, list[tuple[int, int]]]]:
        """Per sentence, frame -> the (start, end) spans of its words that raised the model's score most.

        Up to `EVIDENCE_WORDS` words with a positive credit (`word_credits`) are kept, neighbours joined into
        one span: the words that made a sentence no cue matched read as the frame, for the analyst to check."""
        import numpy as np

        frames = self._stack()[0]
        prepared = _FeatureCredit(self, sentences)
        results: list[dict[str, list[tuple[int, int]]]] = [{} for _ in sentences]
        for frame_id in sorted({frame for wanted in frame_ids for frame in wanted if frame in frames}):
            rows = [row for row, wanted in enumerate(frame_ids) if frame_id in wanted]
            for row, credit in zip(rows, prepared.credits(frame_id, rows)):
                # Rounded, so equal words tie the same way whatever else is in the batch (a running sum over
                # the batch's buffer leaves noise in the last digits); ties go to the earlier word.
                rounded = np.round(credit, 9)
                ranked = sorted(np.flatnonzero(rounded > 0), key=lambda index: -rounded[index])[:EVIDENCE_WORDS]
                spans: list[list[int]] = []
                for index in sorted(int(index) for index in ranked):
                    if spans and spans[-1][1] == index - 1:
                        spans[-1][1] = index
                    else:
                        spans.append([index, index])
                if spans:
                    results[row][frame_id] = [prepared.word_span(row, left, right) for left, right in spans]
        return results

    def word_credits(self, sentences: list[str], frame_id: str) -> list[Any]:
        """Per sentence, each word's share of the model's decision for the frame (before the intercept).

        The decision of a linear model is a sum of one term per feature, so each word is credited with the
        terms of the features that read it, a feature's term shared among its words by their letters (a
        word's own feature is all its own; a pair or a letter n-gram across two words is split).  The credits
        of a sentence add up to its decision less the intercept."""
        return _FeatureCredit(self, sentences).credits(frame_id, list(range(len(sentences))))

    def add_predictions(self, codebook: Codebook, text: str, sentences: list[tuple[int, int]],
                        found: list[SentenceFrame], probabilities: dict[str, list[float]] | None = None,
                        explain: bool = True) -> list[SentenceFrame]:
        """Score the rule hits of this codebook and add the sentences the model finds on its own.

        `probabilities` (frame -> one per sentence) can be computed beforehand for a whole batch,
        which is far faster than one call per document; so can the evidence words of the sentences
        only the model found (`explain=False` here, then `explain` once for the batch)."""
        if not sentences:
            return found
        if probabilities is None:
            probabilities = self.predict([text[start:end] for start, end in sentences])
        if self.decision is not None:
            found, added = self._decide(codebook, text, sentences, found, probabilities)
        else:
            added = self._add_above_threshold(codebook, sentences, found, probabilities)
        if explain:
            self.explain([(text, item) for item in added])
        return sorted([*found, *added], key=lambda item: (item.sentence_index, item.frame_id))

    def _add_above_threshold(self, codebook: Codebook, sentences: list[tuple[int, int]], found: list[SentenceFrame],
                             probabilities: dict[str, list[float]]) -> list[SentenceFrame]:
        """Without a decision layer: every rule hit stays, and the model adds what passes its threshold."""
        by_key = {(item.sentence_index, item.frame_id): item for item in found}
        added = []
        for frame_id, values in probabilities.items():
            frame = codebook.frame(frame_id)
            for index, probability in enumerate(values):
                hit = by_key.get((index, frame_id))
                if hit is not None:
                    # The rule's score is its frame's measured precision (frames_calibration); taking the higher
                    # of it and the model's probability was worse calibrated out of fold on dev (counter ECE
                    # 0.236 against 0.137), so the probability is kept beside it, not folded in.
                    hit.model_probability = round(probability, 4)
                    hit.method = "rule+model"
                elif probability >= self.threshold:
                    start, end = sentences[index]
                    added.append(SentenceFrame(frame_id, frame.name, codebook.id, codebook.version, start, end, index,
                                               round(probability, 4), "model", model_probability=round(probability, 4)))
        return added

    def _decide(self, codebook: Codebook, text: str, sentences: list[tuple[int, int]],
                found: list[SentenceFrame], probabilities: dict[str, list[float]]
                ) -> tuple[list[SentenceFrame], list[SentenceFrame]]:
        """With a decision layer: each (sentence, frame) is kept when its decided probability reaches the layer's
        threshold, which is then its score; a rule hit below it is dropped (its rule score and the model's
        probability are kept beside the score of those that stay)."""
        import numpy as np

        assert self.decision is not None
        frame_ids = codebook.frame_ids()
        decided = self.decided(codebook, text, len(sentences), found, probabilities)
        column = {frame: index for index, frame in enumerate(frame_ids)}
        kept, taken = [], set()
        for item in found:
            if item.codebook != codebook.id or item.frame_id not in column:
                kept.append(item)
                continue
            taken.add((item.sentence_index, item.frame_id))
            score = float(decided[item.sentence_index, column[item.frame_id]])
            if score < self.decision.threshold:
                continue
            if item.frame_id in probabilities:
                item.model_probability = round(probabilities[item.frame_id][item.sentence_index], 4)
                item.method = "rule+model"
            item.score = round(score, 4)
            kept.append(item)
        added = []
        for index, position in zip(*np.nonzero(decided >= self.decision.threshold)):
            frame_id = frame_ids[position]
            if (index, frame_id) in taken or frame_id not in probabilities:
                continue
            frame = codebook.frame(frame_id)
            start, end = sentences[index]
            probability = round(probabilities[frame_id][index], 4)
            added.append(SentenceFrame(frame_id, frame.name, codebook.id, codebook.version, start, end, int(index),
                                       round(float(decided[index, position]), 4), "model",
                                       model_probability=probability))
        return kept, added

    def decided(self, codebook: Codebook, text: str, count: int, found: list[SentenceFrame],
                probabilities: dict[str, list[float]]) -> Any:
        """The decision layer's probability per sentence (rows) and frame of `codebook` (columns, in codebook
        order), from the rule hits in `found` and the model's `probabilities`."""
        from frameline.analysis.frames_calibration import text_kind

        assert self.decision is not None
        rows = feature_rows(codebook.frame_ids(), codebook.id, count, found, probabilities, text_kind(text) == "post")
        return self.decision.probabilities(rows).reshape(count, len(codebook.frame_ids()))

    def explain(self, detections: list[tuple[str, SentenceFrame]]) -> None:
        """Give each detection only the model made (with the text it is in) its evidence words, in one pass over
        all their sentences: the array work costs about the same for one sentence as for a thousand."""
        by_sentence: dict[str, list[SentenceFrame]] = {}  # the same sentence in two posts: explained once
        for text, item in detections:
            by_sentence.setdefault(text[item.start:item.end], []).append(item)
        if not by_sentence:
            return
        pieces = list(by_sentence)
        words = self.word_evidence(pieces, [sorted({item.frame_id for item in by_sentence[piece]}) for piece in pieces])
        for piece, spans in zip(pieces, words):
            for item in by_sentence[piece]:
                item.evidence = [(item.start + left, item.start + right, "model")
                                 for left, right in spans.get(item.frame_id, [])]

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        import zlib

        import numpy as np

        for estimator in self.classifiers.values():
            for fitted in estimator.calibrated_classifiers_:
                # Prediction multiplies float32 weights anyway (`_stack`): storing float64 only doubled the file.
                fitted.estimator.coef_ = np.asarray(fitted.estimator.coef_, dtype=np.float32)
        buffer.write(MODEL_MAGIC)
        payload = io.BytesIO()
        pickle.dump({"codebook": self.codebook, "codebook_version": self.codebook_version, "features": self.features,
                     "classifiers": self.classifiers, "metrics": self.metrics, "threshold": self.threshold,
                     "decision": self.decision.to_dict() if self.decision else None}, payload,
                    protocol=pickle.HIGHEST_PROTOCOL)
        buffer.write(zlib.compress(payload.getvalue(), 6))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> FrameClassifier:
        """Only files this code wrote into the workspace are read (pickle runs code: never load a stranger's)."""
        if blob.startswith(_OLD_MAGIC):
            raise ModelError("a model from an older Frameline (other features); run `frameline train frames` again")
        if not blob.startswith((MODEL_MAGIC, _PLAIN_MAGIC)):
            raise ModelError("not a Frameline frames model")
        try:
            if blob.startswith(MODEL_MAGIC):
                import zlib

                data = pickle.loads(zlib.decompress(blob[len(MODEL_MAGIC):]))
            else:
                data = pickle.loads(blob[len(_PLAIN_MAGIC):])
        except Exception as error:  # a truncated or corrupt file can fail in many ways
            raise ModelError(f"cannot read the model: {error}") from error
        try:
            return cls(data["codebook"], data["codebook_version"], data["features"], data["classifiers"],
                       data.get("metrics", {}), data.get("threshold", MODEL_THRESHOLD),
                       FrameDecision.from_dict(data.get("decision")))
        except (KeyError, TypeError, ValueError, AttributeError) as error:  # a field missing or of the wrong kind
            raise ModelError(f"the model file is incomplete: {error!r}") from error


class _FeatureCredit:
    """The feature occurrences of some sentences, weighed as `FrameClassifier.predict` weighs them."""

    def __init__(self, model: FrameClassifier, sentences: list[str]) -> None:
        import numpy as np

        from frameline.analysis.ngram_hashing import feature_occurrences
        from frameline.text.normalize import normalize_with_offsets

        self.model = model
        self.normalized = [normalize_with_offsets(sentence) for sentence in sentences]
        found = self.found = feature_occurrences([item.text for item in self.normalized], HASH_FEATURES, CHAR_SIZES,
                                                 TOKEN)
        # Each (sentence, column) value: 1 + log count, times IDF, L2-normalised per sentence.
        keys = found.rows * HASH_FEATURES + found.columns
        unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        unique_rows = unique // HASH_FEATURES
        values = (1.0 + np.log(counts)) * model.features[unique % HASH_FEATURES]
        norms = np.sqrt(np.bincount(unique_rows, weights=values ** 2, minlength=len(sentences)))
        self.per_occurrence = (values / np.maximum(norms[unique_rows], 1e-12) / counts)[inverse]
        letters_before = np.concatenate([[0], np.cumsum(found.letters)])
        self.letters = letters_before[found.ends] - letters_before[found.starts]
        self.row_first = np.searchsorted(found.word_rows, np.arange(len(sentences)))
        self.row_last = np.searchsorted(found.word_rows, np.arange(len(sentences)), side="right")
        self._tokens: dict[int, list[Any]] = {}

    def credits(self, frame_id: str, rows: list[int]) -> list[Any]:
        import numpy as np

        frames, weights, _, _ = self.model._stack()
        found = self.found
        wanted = np.zeros(len(self.normalized), dtype=bool)
        wanted[rows] = True
        keep = wanted[found.rows] & (self.letters > 0)
        term = self.per_occurrence[keep] * weights[found.columns[keep], frames.index(frame_id)] / self.letters[keep]
        # Spread each term over its letters: a running sum of +term at its start and -term at its end.
        size = len(found.letters) + 1
        density = np.cumsum(np.bincount(found.starts[keep], weights=term, minlength=size)
                            - np.bincount(found.ends[keep], weights=term, minlength=size))[:-1] * found.letters
        summed = np.concatenate([[0.0], np.cumsum(density)])
        credit = summed[found.word_ends] - summed[found.word_starts]
        return [credit[self.row_first[row]:self.row_last[row]] for row in rows]

    def word_span(self, row: int, first: int, last: int) -> tuple[int, int]:
        """Words first..last of a sentence -> their span in the sentence as given (before normalisation)."""
        if row not in self._tokens:
            self._tokens[row] = list(TOKEN.finditer(self.normalized[row].text))
        tokens = self._tokens[row]
        return self.normalized[row].to_original(tokens[first].start(), tokens[last].end())


def model_version(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()[:8]


def models_dir(workspace: Workspace) -> Path:
    return workspace.path / MODELS_FOLDER


def model_path(workspace: Workspace, codebook_id: str) -> Path:
    return models_dir(workspace) / f"frames-{codebook_id}.model"


def save_model(workspace: Workspace, model: FrameClassifier) -> Path:
    folder = models_dir(workspace)
    folder.mkdir(exist_ok=True)
    path = model_path(workspace, model.codebook)
    blob = model.to_bytes()
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(blob)
    temporary.replace(path)
    path.with_suffix(".json").write_text(json.dumps(
        {"codebook": model.codebook, "codebook_version": model.codebook_version, "version": model_version(blob),
         "frames": sorted(model.classifiers), "metrics": model.metrics}, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def stored_models(workspace: Workspace, codebooks: list[Codebook]) -> dict[str, bytes]:
    """The model files of the active codebooks (a model trained on another codebook version still applies
    to the frames that kept their ids; frames it does not know are left to the rules)."""
    found = {}
    for codebook in codebooks:
        path = model_path(workspace, codebook.id)
        if path.is_file():
            found[codebook.id] = path.read_bytes()
    return found


def model_metrics(workspace: Workspace, codebook_id: str) -> dict[str, Any] | None:
    path = model_path(workspace, codebook_id).with_suffix(".json")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
