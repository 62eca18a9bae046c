"""A linear-chain CRF as plain arrays, with its token marginals computed by forward-backward in numpy.

CRFsuite fits the span CRF (`si.train_crf`); its model file is read once,
at training time, and saved as a JSON list of hashed attribute keys plus an
`.npz` of state and transition weights, like the linear models.  Two reasons:
decoding in numpy lets the span identifier add up per-word weight sums it has
cached (handing CRFsuite twenty named attributes per token was most of the
tagging time), and a shipped model is then only numbers and strings, with no
C parser reading it.  CRFsuite's 1-D CRF has state and transition weights and
no start or end weights, so this computes the same marginals.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from frameline.ptc.keys import KEY_FORMAT


class ChainModel:
    """State weights (one row per attribute key, one column per label) and label-to-label transition weights."""

    def __init__(self, keys: Sequence[str], labels: Sequence[str], state: np.ndarray, transitions: np.ndarray,
                 meta: dict | None = None) -> None:
        self.keys, self.labels = list(keys), list(labels)
        if state.shape != (len(self.keys), len(self.labels)) or transitions.shape != (len(self.labels),) * 2:
            raise ValueError(f"CRF weights of shape {state.shape} and {transitions.shape} do not match "
                             f"{len(self.keys)} attributes and {len(self.labels)} labels")
        self.index = {key: i for i, key in enumerate(self.keys)}
        # One zero row past the end: the row of every attribute the model never weighed.
        self.state = np.vstack([state.astype(np.float64), np.zeros((1, len(self.labels)))])
        self.transitions = transitions.astype(np.float64)
        self.meta = dict(meta or {})

    def row(self, key: str) -> int:
        return self.index.get(key, len(self.keys))

    def weigh(self, attributes: Iterable[tuple[str, float]]) -> np.ndarray:
        """Sum of value x state weights of some hashed attributes: one score per label."""
        total = np.zeros(len(self.labels))
        for key, value in attributes:
            total += value * self.state[self.row(key)]
        return total

    def marginals(self, scores: Sequence[np.ndarray]) -> list[np.ndarray]:
        """P(label of token t) for each sequence of per-token state scores, all sequences at once.

        Sequences are padded to the longest; each step of the forward and the
        backward pass is one small matrix product over all of them, rescaled
        to sum to one so long sequences do not underflow.
        """
        if not scores:
            return []
        lengths = np.fromiter((len(s) for s in scores), dtype=np.int64, count=len(scores))
        steps, labels = int(lengths.max()), len(self.labels)
        emit = np.zeros((len(scores), steps, labels))
        for i, sequence in enumerate(scores):
            emit[i, :len(sequence)] = sequence
        emit = np.exp(emit - emit.max(axis=2, keepdims=True))  # a per-token factor cancels in the marginals
        trans = np.exp(self.transitions)
        alpha, beta = np.empty_like(emit), np.empty_like(emit)
        alpha[:, 0] = emit[:, 0] / emit[:, 0].sum(axis=1, keepdims=True)
        for t in range(1, steps):
            step = (alpha[:, t - 1] @ trans) * emit[:, t]
            alpha[:, t] = step / step.sum(axis=1, keepdims=True)
        beta[:, steps - 1] = 1.0
        for t in range(steps - 2, -1, -1):
            step = (emit[:, t + 1] * beta[:, t + 1]) @ trans.T
            step /= step.sum(axis=1, keepdims=True)
            step[lengths - 1 <= t] = 1.0  # a sequence that has ended: its last token has nothing after it
            beta[:, t] = step
        joint = alpha * beta
        joint /= joint.sum(axis=2, keepdims=True)
        return [joint[i, :length] for i, length in enumerate(lengths)]

    def save(self, folder: Path | str, name: str) -> list[Path]:
        folder = Path(folder)
        header = {"labels": self.labels, "feature_keys": KEY_FORMAT, "features": self.keys, "meta": self.meta}
        json_path, npz_path = folder / f"{name}.json", folder / f"{name}.npz"
        json_path.write_text(json.dumps(header, separators=(",", ":")), encoding="utf-8")
        np.savez_compressed(npz_path, state=self.state[:-1].astype(np.float32),
                            transitions=self.transitions.astype(np.float32))
        return [json_path, npz_path]

    @classmethod
    def load(cls, folder: Path | str, name: str) -> ChainModel:
        folder = Path(folder)
        header = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        if header.get("feature_keys") != KEY_FORMAT:
            raise ValueError(f"{folder / name}.json: features are not keyed as {KEY_FORMAT}; retrain the models")
        with np.load(folder / f"{name}.npz", allow_pickle=False) as arrays:
            state, transitions = arrays["state"], arrays["transitions"]
        return cls(header["features"], header["labels"], state, transitions, header.get("meta"))

    @classmethod
    def from_crfsuite(cls, path: Path | str, meta: dict | None = None) -> ChainModel:
        """The weights of a CRFsuite model file (its dump, read by python-crfsuite: weights to 6 decimals)."""
        import pycrfsuite

        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        info = tagger.info()
        labels = sorted(info.labels, key=lambda label: int(info.labels[label]))
        column = {label: i for i, label in enumerate(labels)}
        keys = sorted({attribute for attribute, _ in info.state_features})
        row = {key: i for i, key in enumerate(keys)}
        state = np.zeros((len(keys), len(labels)), dtype=np.float32)
        for (attribute, label), weight in info.state_features.items():
            state[row[attribute], column[label]] = weight
        transitions = np.zeros((len(labels), len(labels)), dtype=np.float32)
        for (before, after), weight in info.transitions.items():
            transitions[column[before], column[after]] = weight
        keep = np.flatnonzero(np.abs(state).max(axis=1) > 0)  # an attribute L1 drove to zero changes nothing
        return cls([keys[i] for i in keep], labels, state[keep], transitions, meta)
