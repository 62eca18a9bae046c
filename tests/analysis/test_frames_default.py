"""The frame models shipped with the package: current, reproducible, and better than the cues alone on dev."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from frameline.analysis.frames import FrameAnalyser
from frameline.analysis.frames_default import PACKAGED_DIR, build, packaged_path, train_default
from frameline.analysis.frames_eval import analyser_detector, evaluate, load_gold
from frameline.codebook import packaged_codebook
from frameline.codebook.store import packaged_codebooks

GOLD = Path(__file__).parent / "data" / "frames-gold.jsonl"
DATA = Path(__file__).parents[2].parent / "shared" / "data"


def test_every_default_codebook_ships_a_model_trained_on_the_current_codebook_and_gold():
    """Editing a default codebook or the gold file without `make train-frames` fails here."""
    gold_hash = hashlib.sha256(GOLD.read_bytes()).hexdigest()[:12]
    for codebook in packaged_codebooks():
        summary = json.loads(packaged_path(codebook.id).with_suffix(".json").read_text(encoding="utf-8"))
        blob = packaged_path(codebook.id).read_bytes()
        assert summary["codebook_version"] == codebook.version, f"retrain: {codebook.id} changed"
        assert summary["trained_on"] == {**summary["trained_on"], "gold": f"{GOLD.name}@{gold_hash}", "split": "train"}
        assert summary["sha256"] == hashlib.sha256(blob).hexdigest()[:16]
        assert "test" not in summary["threshold_chosen_on"]["splits"]  # never test
        assert summary["threshold_chosen_on"]["held_out_train"] > 0  # scored by a probe that never saw them
        # Jihadist labels abound on the untuned sentences; the counter ones (22) are too few, so dev joins them.
        assert summary["threshold_chosen_on"]["untuned"] == (codebook.id == "jihadist-narratives")


def test_a_fresh_workspace_uses_the_shipped_models_and_its_own_replaces_them(tmp_path):
    from frameline.analysis.frames_model import FrameClassifier, save_model
    from frameline.workspace import init_workspace

    analyser = FrameAnalyser.from_workspace(None)
    assert {"model:jihadist-narratives", "model:counter-narratives"} <= {
        part.split("@")[0] for part in analyser.config_version().split(";")}
    workspace = init_workspace(tmp_path / "ws")
    codebook = packaged_codebook("counter-narratives")
    texts = ["Troops retook the bridge.", "It rained.", "Forces liberated the town.", "The market opened."] * 3
    labels = [{"official-victory"}, set(), {"official-victory"}, set()] * 3
    own = FrameClassifier.train(codebook, texts, labels, min_positives=3)
    save_model(workspace, own)
    mine = FrameAnalyser.from_workspace(workspace)
    assert mine._model_blobs["counter-narratives"] == own.to_bytes()
    assert mine._model_blobs["jihadist-narratives"] == packaged_path("jihadist-narratives").read_bytes()


def test_training_is_byte_for_byte_reproducible_and_never_reads_test(tmp_path):
    items = load_gold(GOLD, DATA, skip_unresolved=True)
    train = [item for item in items if item.split == "train" and item.text][:200]
    dev = [item for item in items if item.split == "dev"][:60]
    codebook = packaged_codebook("jihadist-narratives")
    first = train_default(codebook, train, dev, "slice").to_bytes()
    assert first == train_default(codebook, train, dev, "slice").to_bytes()
    trimmed = tmp_path / "gold.jsonl"
    trimmed.write_text("".join(line + "\n" for line in GOLD.read_text(encoding="utf-8").splitlines()
                               if '"split": "test"' in line), encoding="utf-8")
    with pytest.raises(SystemExit, match="no sentence of split 'train'"):
        build(trimmed, tmp_path / "out", DATA)


def test_the_threshold_is_chosen_on_held_out_sentences_no_cue_was_written_from(monkeypatch):
    """The cues were tuned on the older dev batches, where they look better than on new text; the threshold is
    chosen on the untuned dev batch and the untuned train batch (scored by a probe model that did not learn
    from it), and the shipped model is then fitted on all of train."""
    from frameline.analysis.frames_calibration import untuned

    items = load_gold(GOLD, DATA, skip_unresolved=True)
    older_train = [item for item in items if item.split == "train" and item.text and not untuned(item)][:200]
    held_train = [item for item in items if item.split == "train" and item.text and untuned(item)][:40]
    older_dev = [item for item in items if item.split == "dev" and not untuned(item)][:40]
    held_dev = [item for item in items if item.split == "dev" and untuned(item)][:40]
    codebook = packaged_codebook("jihadist-narratives")
    # Too few of the codebook's labels on the 80 untuned sentences: the 40 older dev sentences join them.
    few = train_default(codebook, older_train + held_train, older_dev + held_dev, "slice")
    assert few.metrics["threshold_chosen_on"] == {"splits": ["dev", "train"], "untuned": False,
                                                  "sentences": 120, "held_out_train": 40}
    monkeypatch.setattr("frameline.analysis.frames_default.MIN_THRESHOLD_LABELS", 1)
    model = train_default(codebook, older_train + held_train, older_dev + held_dev, "slice")
    assert model.metrics["threshold_chosen_on"] == {"splits": ["dev", "train"], "untuned": True,
                                                    "sentences": 80, "held_out_train": 40}
    assert model.metrics["trained_on"]["sentences"] == 240  # refitted on every train sentence
    curve = model.metrics["threshold_curve"]
    best = max(row["f1"] for row in curve.values())
    assert max(float(key) for key, row in curve.items() if row["f1"] == best) == model.threshold
    assert set(model.metrics["dev"]) == set(curve) == set(model.metrics["dev_untuned"])  # all of dev reported too
    fallback = train_default(codebook, older_train, older_dev, "slice")
    assert fallback.metrics["threshold_chosen_on"] == {"splits": ["dev"], "untuned": False, "sentences": 40,
                                                       "held_out_train": 0}
    assert fallback.metrics["threshold_curve"] == fallback.metrics["dev"]


@pytest.mark.skipif(not (DATA / "ptc").is_dir(), reason="../shared/data/ptc is needed for the PTC sentences of dev")
def test_the_shipped_model_adds_what_the_cues_miss_on_dev_and_drops_only_what_its_decision_layer_doubts():
    """On the dev sentences no cue was ever written from (batch 4, ids q...) the model must find frames the
    cues miss; on the whole dev split (whose older part the cues were tuned on) it may cost only a little F1.
    A cue's sentence is dropped only by a decision layer (`frames_decision`), the jihadist codebook's."""
    from frameline.analysis.frames_calibration import untuned as no_cue_written_from

    dev = [item for item in load_gold(GOLD, DATA) if item.split == "dev"]
    untuned = [item for item in dev if no_cue_written_from(item)]
    with_model = FrameAnalyser.from_workspace(None)
    rules_only = FrameAnalyser(with_model.codebooks())
    frames = {book.id: book.frame_ids() for book in with_model.codebooks()}

    def scores(analyser, items):
        return {row.codebook: row for row in evaluate(analyser_detector(analyser), items, frames)}

    jihadist = "jihadist-narratives"
    assert scores(with_model, untuned)[jihadist].micro_f1 > scores(rules_only, untuned)[jihadist].micro_f1 + 0.02
    assert scores(with_model, untuned)[jihadist].micro_recall > scores(rules_only, untuned)[jihadist].micro_recall
    # On the older dev batches the cues were tuned, so there every sentence the model adds, and every cue
    # sentence the decision layer drops, looks like a cost (0.695 against 0.748, 2026-12-02, session 17).
    whole_model, whole_rules = scores(with_model, dev), scores(rules_only, dev)
    for book in frames:
        assert whole_model[book].micro_f1 >= whole_rules[book].micro_f1 - 0.06
    dropped = 0
    for item in dev[:150]:
        ruled = {(span.start, span.label) for span in rules_only.analyse_text(item.text).spans}
        kept = {(span.start, span.label) for span in with_model.analyse_text(item.text).spans}
        assert {label for _, label in ruled - kept} <= set(frames[jihadist])
        dropped += len(ruled - kept)
    assert 0 < dropped
