"""A linear model saved as a JSON vocabulary and plain arrays: loading it never executes code.

scikit-learn fits it; prediction is a sparse dot product in numpy.  Saving
sklearn estimators would mean pickle, which runs arbitrary code when loaded;
these files can only ever be read as numbers and strings.  The strings are
hashed feature names (`keys.feature_key`), never the names themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from frameline.ptc.keys import KEY_FORMAT, feature_key

_COLUMN_CACHE_SIZE = 1 << 18


class FeatureVocabulary:
    """Feature key -> column, fixed at training time (names seen fewer than `min_count` times are dropped).

    Columns follow the sorted feature names, so hashing changes no number of the
    fitted model; only the keys are kept.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        self.index = {key: i for i, key in enumerate(self.keys)}
        if len(self.index) != len(self.keys):
            raise ValueError("duplicate feature keys in the vocabulary")
        self._columns: dict[str, int] = {}  # feature name -> column (-1: not in the vocabulary), filled as names come

    def column(self, name: str) -> int:
        """The column of a feature name, or -1; remembered, as the same words come back text after text."""
        column = self._columns.get(name)
        if column is None:
            if len(self._columns) >= _COLUMN_CACHE_SIZE:
                self._columns.clear()
            column = self._columns[name] = self.index.get(feature_key(name), -1)
        return column

    @classmethod
    def fit(cls, rows: Iterable[dict[str, float]], min_count: int = 2) -> FeatureVocabulary:
        counts: dict[str, int] = {}
        for row in rows:
            for name in row:
                counts[name] = counts.get(name, 0) + 1
        names = sorted(name for name, count in counts.items() if count >= min_count)
        keys = [feature_key(name) for name in names]
        if len(set(keys)) != len(keys):
            seen: dict[str, str] = {}
            clash = next((seen[key], name) for name, key in zip(names, keys) if seen.setdefault(key, name) != name)
            raise ValueError(f"feature names {clash[0]!r} and {clash[1]!r} hash to the same key")
        return cls(keys)

    def matrix(self, rows: Sequence[dict[str, float]]) -> sparse.csr_matrix:
        """Rows of named features as a CSR matrix, each row scaled to unit length."""
        indptr, indices, values = [0], [], []
        column_of = self.column
        for row in rows:
            keyed = ((column_of(name), value) for name, value in row.items())
            columns = [(column, value) for column, value in keyed if column >= 0]
            norm = sum(value * value for _, value in columns) ** 0.5 or 1.0
            for column, value in columns:
                indices.append(column)
                values.append(value / norm)
            indptr.append(len(indices))
        return sparse.csr_matrix((np.asarray(values, dtype=np.float32), np.asarray(indices, dtype=np.int32),
                                  np.asarray(indptr, dtype=np.int64)), shape=(len(rows), len(self.keys)))


class LinearModel:
    """Scores = X @ weights + bias, one column per class."""

    def __init__(self, vocabulary: FeatureVocabulary, classes: Sequence[str], weights: np.ndarray,
                 bias: np.ndarray, meta: dict | None = None) -> None:
        self.vocabulary, self.classes = vocabulary, list(classes)
        self.weights, self.bias = weights.astype(np.float32), bias.astype(np.float32)
        self.meta = dict(meta or {})

    def scores(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        return np.asarray(self.vocabulary.matrix(rows) @ self.weights) + self.bias

    def probabilities(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        scores = self.scores(rows)
        if len(self.classes) == 1:  # binary: one column of logits
            positive = 1 / (1 + np.exp(-scores[:, 0]))
            return positive[:, None]
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, folder: Path | str, name: str) -> list[Path]:
        """`<name>.json` (vocabulary, classes, meta) and `<name>.npz` (weights as float16, bias)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        keep = np.flatnonzero(np.abs(self.weights).max(axis=1) > 1e-4)  # features the model ignores cost bytes
        header = {"classes": self.classes, "feature_keys": KEY_FORMAT,
                  "features": [self.vocabulary.keys[i] for i in keep], "meta": self.meta}
        json_path, npz_path = folder / f"{name}.json", folder / f"{name}.npz"
        json_path.write_text(json.dumps(header, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        np.savez_compressed(npz_path, weights=self.weights[keep].astype(np.float16), bias=self.bias)
        return [json_path, npz_path]

    @classmethod
    def load(cls, folder: Path | str, name: str) -> LinearModel:
        folder = Path(folder)
        header = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        if header.get("feature_keys") != KEY_FORMAT:  # an older file of readable names would match nothing
            raise ValueError(f"{folder / name}.json: features are not keyed as {KEY_FORMAT}; retrain the models")
        with np.load(folder / f"{name}.npz", allow_pickle=False) as arrays:
            weights, bias = arrays["weights"].astype(np.float32), arrays["bias"]
        if weights.shape[0] != len(header["features"]) or weights.shape[1] != bias.shape[0]:
            raise ValueError(f"{folder / name}: weights of shape {weights.shape} do not match the vocabulary")
        return cls(FeatureVocabulary(header["features"]), header["classes"], weights, bias, header.get("meta"))

