"""The shipped technique models as one bundle: span identifier, technique classifier, manifest.

`manifest.json` records how the files were made (seed, settings chosen on dev,
dev scores, corpus) so the UI and docs can say how well they work, and so the
analysers' version follows the model's.  It holds no training time: retraining
must reproduce it, like the model files, byte for byte.

Trust model: nothing here is unpickled.  Every model (technique classifier,
sentence model, span CRF) is a JSON list of hashed feature keys plus `.npz`
arrays loaded with `allow_pickle=False`, so a model folder from someone else
is data, not code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frameline.ptc.chain import ChainModel
from frameline.ptc.linear import LinearModel
from frameline.ptc.si import SpanIdentifier
from frameline.ptc.tc import TechniqueClassifier

DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / "analysis" / "models" / "techniques"
MANIFEST = "manifest.json"
SI_MODEL = "si"
SENTENCE_MODEL = "sentence"


class ModelsMissing(FileNotFoundError):
    """No trained models in the folder: run `make train-techniques`."""


@dataclass
class TechniqueModels:
    spans: SpanIdentifier
    techniques: TechniqueClassifier
    manifest: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "0"))

    @classmethod
    def load(cls, folder: Path | str | None = None) -> TechniqueModels:
        folder = Path(folder) if folder is not None else DEFAULT_FOLDER
        manifest_path = folder / MANIFEST
        if not manifest_path.exists():
            raise ModelsMissing(f"{folder}: no trained technique models here (run `make train-techniques`)")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        si = manifest.get("si", {})
        spans = SpanIdentifier(ChainModel.load(folder, SI_MODEL), float(si.get("threshold", 0.5)),
                               int(si.get("max_gap", 0)), LinearModel.load(folder, SENTENCE_MODEL))
        return cls(spans, TechniqueClassifier.load(folder), manifest)
