"""The trained layer of frame detection: one multi-label linear classifier per codebook.

Word uni- and bigrams plus character 2-5-grams (inside word boundaries, so
Arabic morphology and spelling variants share features without a stemmer),
TF-IDF weighted, into one logistic regression per frame whose probabilities
are calibrated on held-out folds (scikit-learn's CalibratedClassifierCV,
isotonic when there are enough positives, else sigmoid): a 0.8 should be right
about 80% of the time.  Models are trained by our own code from the
workspace's annotations and cue-labelled silver sentences (`frames_training`),
never downloaded, and stored in the workspace's `models/` folder with their
metrics; the file's hash is the model version the analyser records.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frameline.analysis.frames_combine import SentenceFrame

if TYPE_CHECKING:
    from frameline.codebook.model import Codebook
    from frameline.workspace import Workspace

MODELS_FOLDER = "models"
MODEL_MAGIC = b"frameline-frames-model/1\n"
MODEL_THRESHOLD = 0.5  # a sentence the cues missed gets the frame when the calibrated probability reaches this


class ModelError(ValueError):
    """A model file that cannot be used (not ours, corrupt, or for another codebook)."""


def build_features() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from frameline.text.normalize import normalize_text

    return FeatureUnion([
        ("words", TfidfVectorizer(preprocessor=normalize_text, ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                                  token_pattern=r"(?u)\b\w[\w']*\b", max_features=30_000)),
        ("chars", TfidfVectorizer(preprocessor=normalize_text, analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                  sublinear_tf=True, max_features=60_000)),
    ])


def _estimator(positives: int, total: int) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    base = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, solver="liblinear")
    folds = max(2, min(5, positives, total - positives))
    method = "isotonic" if positives >= 40 else "sigmoid"
    # ensemble=False: one classifier on all the data, calibrated on its cross-validated predictions;
    # a third of the size and prediction time of an ensemble of fold models.
    return CalibratedClassifierCV(base, method=method, cv=folds, ensemble=False)


@dataclass
class FrameClassifier:
    """Features plus one calibrated classifier per frame that had enough examples to learn."""

    codebook: str
    codebook_version: str
    features: Any
    classifiers: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)
    threshold: float = MODEL_THRESHOLD

    @classmethod
    def train(cls, codebook: Codebook, texts: list[str], labels: list[set[str]], min_positives: int = 4) -> FrameClassifier:
        features = build_features()
        matrix = features.fit_transform(texts)
        classifiers = {}
        for frame_id in codebook.frame_ids():
            target = [frame_id in item for item in labels]
            positives = sum(target)
            if positives < min_positives or len(target) - positives < min_positives:
                continue
            classifiers[frame_id] = _estimator(positives, len(target)).fit(matrix, target)
        return cls(codebook.id, codebook.version, features, classifiers)

    def predict(self, texts: list[str]) -> dict[str, list[float]]:
        if not texts or not self.classifiers:
            return {}
        matrix = self.features.transform(texts)
        return {frame_id: [float(p) for p in model.predict_proba(matrix)[:, 1]]
                for frame_id, model in self.classifiers.items()}

    def add_predictions(self, codebook: Codebook, text: str, sentences: list[tuple[int, int]],
                        found: list[SentenceFrame], probabilities: dict[str, list[float]] | None = None,
                        ) -> list[SentenceFrame]:
        """Score the rule hits of this codebook and add the sentences the model finds on its own.

        `probabilities` (frame -> one per sentence) can be computed beforehand for a whole batch,
        which is far faster than one call per document."""
        if not sentences:
            return found
        if probabilities is None:
            probabilities = self.predict([text[start:end] for start, end in sentences])
        by_key = {(item.sentence_index, item.frame_id): item for item in found}
        added = []
        for frame_id, values in probabilities.items():
            frame = codebook.frame(frame_id)
            for index, probability in enumerate(values):
                hit = by_key.get((index, frame_id))
                if hit is not None:
                    hit.model_probability = round(probability, 4)
                    hit.score = round(max(hit.score, probability), 4)
                    hit.method = "rule+model"
                elif probability >= self.threshold:
                    start, end = sentences[index]
                    added.append(SentenceFrame(frame_id, frame.name, codebook.id, codebook.version, start, end, index,
                                               round(probability, 4), "model", model_probability=round(probability, 4)))
        return sorted([*found, *added], key=lambda item: (item.sentence_index, item.frame_id))

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        buffer.write(MODEL_MAGIC)
        pickle.dump({"codebook": self.codebook, "codebook_version": self.codebook_version, "features": self.features,
                     "classifiers": self.classifiers, "metrics": self.metrics, "threshold": self.threshold}, buffer,
                    protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> FrameClassifier:
        """Only files this code wrote into the workspace are read (pickle runs code: never load a stranger's)."""
        if not blob.startswith(MODEL_MAGIC):
            raise ModelError("not a Frameline frames model")
        try:
            data = pickle.loads(blob[len(MODEL_MAGIC):])
        except Exception as error:  # a truncated or corrupt file can fail in many ways
            raise ModelError(f"cannot read the model: {error}") from error
        return cls(data["codebook"], data["codebook_version"], data["features"], data["classifiers"],
                   data.get("metrics", {}), data.get("threshold", MODEL_THRESHOLD))


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
