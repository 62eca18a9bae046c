"""The frame models shipped with the package, and the one command that rebuilds them.

A fresh workspace has no annotations yet, so without a shipped model the
default codebooks would run on their cues alone, which miss most framed
sentences they were not written from (on gold sentences no rule was tuned on,
the jihadist cues found under a quarter of the frames).  The shipped models
are trained by our own code on the gold file's `train` split (hand-labelled
real sentences, docs/annotation-guide.md) with the features of `FrameClassifier`,
and the threshold for adding a sentence the rules missed is chosen through the
analyser; `test` is never read here.  The threshold is chosen on
the gold sentences no cue was ever written from (`frames_calibration.untuned`; see
tests/analysis/data/README.md) when the gold file has them: on the older dev
batches the cues were tuned, so there the rules look better than on new text and
every sentence the model adds looks like a cost (measured 2026-12-02 with the
train split of 7,310 sentences: jihadist F1 peaks at 0.8 on all of dev, 0.752,
and at 0.6 on the 1,468 untuned sentences, 0.626).  The test split, which no cue
was written from either, is like the untuned part: there the 0.6 model gave
0.621 against the rules' 0.583.

The decision layer (`frames_decision`) is fitted the same way: on the untuned
sentences, with the probe model's probabilities, before the model is refitted
on all of train; a codebook with too few labels there (counter) gets none.

A workspace's own model (`frameline train frames`) replaces the shipped one
for its codebook.  Only the weights ship, not the sentences: part of the
training text is the PTC corpus, which may not be redistributed.

Rebuild (byte for byte the same files from the same gold and corpora):
`make train-frames`, i.e.
`python -m frameline.analysis.frames_default --gold tests/analysis/data/frames-gold.jsonl --out src/frameline/analysis/models/frames`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frameline.analysis.frames_model import FrameClassifier

if TYPE_CHECKING:
    from frameline.analysis.frames_eval import GoldItem
    from frameline.codebook.model import Codebook

PACKAGED_DIR = Path(__file__).parent / "models" / "frames"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
MIN_THRESHOLD_LABELS = 100  # labels of the codebook on the untuned sentences, below which all of dev joins them


def packaged_path(codebook_id: str, folder: Path = PACKAGED_DIR) -> Path:
    return folder / f"frames-{codebook_id}.model"


def packaged_models(codebooks: list[Codebook], folder: Path = PACKAGED_DIR) -> dict[str, bytes]:
    """The shipped model of every active codebook that has one (matched by codebook id: an edited default
    codebook keeps its model, whose rule features use the codebook text it was trained with)."""
    found = {}
    for codebook in codebooks:
        path = packaged_path(codebook.id, folder)
        if path.is_file():
            found[codebook.id] = path.read_bytes()
    return found


def _dev_scores(model: FrameClassifier, codebook: Codebook, dev: list[GoldItem],
                *subsets: list[GoldItem]) -> list[dict[float, dict[str, Any]]]:
    """Micro precision/recall/F1 per candidate threshold on `dev` and on each subset of it, through the analyser
    exactly as `frameline eval frames` scores it (sentence split, rules, then the model).  The analyser runs once
    with every model sentence kept; each threshold then drops the model-only detections below it."""
    from frameline.analysis.frames import FrameAnalyser
    from frameline.analysis.frames_eval import Detection, analyser_detector, evaluate

    kept = model.threshold
    model.threshold = 0.0
    analyser = FrameAnalyser([codebook], {codebook.id: model.to_bytes()})
    model.threshold = kept
    everything = analyser_detector(analyser)
    found = {item.text: everything(item.text) for item in dev}
    results = []
    for items in (dev, *subsets):
        scores = {}
        for threshold in THRESHOLDS:
            def detect(text: str, threshold: float = threshold) -> list[Detection]:
                return [item for item in found[text] if item.method != "model" or item.score >= threshold]

            result = evaluate(detect, items, {codebook.id: codebook.frame_ids()})[0]
            scores[threshold] = {"precision": round(result.micro_precision, 4),
                                 "recall": round(result.micro_recall, 4), "f1": round(result.micro_f1, 4)}
        results.append(scores)
    return results


def train_default(codebook: Codebook, train: list[GoldItem], dev: list[GoldItem],
                  source: str = "") -> FrameClassifier:
    """One codebook's shipped model, fitted on all of `train`.

    Its threshold is the best micro-F1 (ties: the higher) on the gold sentences no cue was written from
    (`frames_calibration.untuned`): the untuned dev sentences, plus the untuned train batch scored by a
    probe model fitted on the rest of train (a threshold chosen on held-out sentences, then the model refitted
    on everything).  Where those hold fewer than `MIN_THRESHOLD_LABELS` of the codebook's labels, all of dev
    joins them; without untuned sentences, all of dev decides."""
    from frameline.analysis.frames_calibration import untuned

    frames = set(codebook.frame_ids())

    def fit(items: list[GoldItem]) -> FrameClassifier:
        return FrameClassifier.train(codebook, [item.text for item in items], [set(item.frames) & frames for item in items])

    held_train = [item for item in train if untuned(item)]
    held_dev = [item for item in dev if untuned(item)]
    model = fit(train)
    by_threshold, on_held_dev = _dev_scores(model, codebook, dev, held_dev) if dev else ({}, {})
    if held_train:
        probe = fit([item for item in train if not untuned(item)])
        chosen_on = held_train + held_dev
        if sum(len(set(item.frames) & frames) for item in chosen_on) < MIN_THRESHOLD_LABELS:
            # Too few of the codebook's labels there for the curve to mean anything (the counter frames: 22 on
            # the untuned sentences, where the chosen threshold swung from 0.95 to 0.3 as train batches were
            # added); the older dev batches join them, the probe having seen none of dev.
            chosen_on = held_train + dev
        curve = _dev_scores(probe, codebook, chosen_on)[0]
    else:
        chosen_on, curve = (held_dev, on_held_dev) if held_dev else (dev, by_threshold)
    if curve:
        model.threshold = max(THRESHOLDS, key=lambda threshold: (curve[threshold]["f1"], threshold))
    if held_train:  # the decision layer reads the probe's probabilities on sentences neither it nor a cue saw
        from frameline.analysis.frames_decision import fit_decision, gold_rows

        model.decision = fit_decision(*gold_rows(probe, codebook, held_train + held_dev))
    model.metrics = {
        "trained_on": {"gold": source, "split": "train", "sentences": len(train),
                       "framed": sum(bool(set(item.frames) & frames) for item in train)},
        "threshold_chosen_on": {"splits": sorted({item.split for item in chosen_on}),
                                "untuned": bool(held_train or held_dev) and all(untuned(item) for item in chosen_on),
                                "sentences": len(chosen_on), "held_out_train": len(held_train)},
        "threshold_curve": {str(threshold): scores for threshold, scores in curve.items()},
        "dev": {str(threshold): scores for threshold, scores in by_threshold.items()},
        "dev_untuned": {str(threshold): scores for threshold, scores in on_held_dev.items()} if held_dev else {},
        "decision": model.decision.metrics if model.decision else None,
    }
    return model


def build(gold: Path, out: Path, data_dir: Path | None = None) -> list[dict[str, Any]]:
    from frameline.analysis.frames_eval import load_gold
    from frameline.codebook.store import active_codebooks

    items = load_gold(gold, data_dir)
    train = [item for item in items if item.split == "train"]
    dev = [item for item in items if item.split == "dev"]
    if not train:
        raise SystemExit(f"{gold}: no sentence of split 'train' to learn from")
    source = f"{gold.name}@{hashlib.sha256(gold.read_bytes()).hexdigest()[:12]}"
    out.mkdir(parents=True, exist_ok=True)
    report = []
    for codebook in active_codebooks(None):
        model = train_default(codebook, train, dev, source)
        blob = model.to_bytes()
        path = packaged_path(codebook.id, out)
        path.write_bytes(blob)
        summary = {"codebook": codebook.id, "codebook_version": codebook.version,
                   "sha256": hashlib.sha256(blob).hexdigest()[:16], "frames": sorted(model.classifiers),
                   "threshold": model.threshold, **model.metrics}
        path.with_suffix(".json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
        report.append(summary)
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the frame models shipped with Frameline.")
    parser.add_argument("--gold", type=Path, required=True, help="gold JSONL with train and dev splits")
    parser.add_argument("--out", type=Path, default=PACKAGED_DIR)
    parser.add_argument("--data-dir", type=Path, default=None, help="local corpora for referenced gold text")
    args = parser.parse_args(argv)
    for row in build(args.gold, args.out, args.data_dir):
        best = row["dev"].get(str(row["threshold"]), {})
        chosen = row["threshold_curve"].get(str(row["threshold"]), {})
        on = row["threshold_chosen_on"]
        print(f"{row['codebook']}: {len(row['frames'])} frames, threshold {row['threshold']} (F1 {chosen.get('f1')} on "
              f"{on['sentences']} {'untuned' if on['untuned'] else '+'.join(on['splits'])} sentences), dev P/R/F1 "
              f"{best.get('precision')}/{best.get('recall')}/{best.get('f1')}, {row['sha256']}")


if __name__ == "__main__":
    main()
