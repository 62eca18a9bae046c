"""The decision layer: what it reads, how it is fitted, and that the analyser keeps exactly what it decides."""

from __future__ import annotations

import math

import numpy as np
import pytest

from frameline.analysis.frames import FrameAnalyser
from frameline.analysis.frames_combine import SentenceFrame
from frameline.analysis.frames_decision import (FEATURES, MIN_POSITIVES, THRESHOLDS, FrameDecision, feature_rows,
                                                fit_decision)
from frameline.analysis.frames_model import FrameClassifier
from frameline.codebook import packaged_codebook

from test_frames_model import LABELS, TEXTS

COUNTER = "counter-narratives"


def _rule(frame: str, sentence: int, score: float, weight: float, rules: int) -> SentenceFrame:
    return SentenceFrame(frame, frame, COUNTER, "v", 0, 1, sentence, score, "rule",
                         [f"cue:{index}" for index in range(rules)], rule_score=score, rule_weight=weight)


def _logit(value: float) -> float:
    return math.log(value / (1 - value))


def test_feature_rows_read_the_rule_the_model_and_the_best_other_frame():
    frames = ["official-victory", "humanitarian-cost", "celebration"]
    found = [_rule("humanitarian-cost", 1, 0.4, 5.0, 7),
             SentenceFrame("war", "war", "jihadist-narratives", "v", 0, 1, 1, 0.9, "rule", ["x"], rule_score=0.9)]
    probabilities = {"official-victory": [0.8, 0.1], "humanitarian-cost": [0.3, 0.6]}  # no classifier: celebration
    rows = feature_rows(frames, COUNTER, 2, found, probabilities, post=True)
    assert rows.shape == (6, len(FEATURES))
    row = dict(zip(FEATURES, rows[1 * 3 + 1]))  # sentence 1, humanitarian-cost
    assert row["rule"] == 1 and row["rule_score"] == 0.4 and row["rule_weight"] == 3 and row["rules_matched"] == 4
    assert row["model_logit"] == pytest.approx(_logit(0.6)) and row["rule_x_model_logit"] == pytest.approx(_logit(0.6))
    assert row["post"] == row["post_x_rule"] == 1 and row["post_x_model_logit"] == pytest.approx(_logit(0.6))
    assert row["other_frames_logit"] == pytest.approx(_logit(0.1))  # the best of the others
    first = dict(zip(FEATURES, rows[0]))  # sentence 0, official-victory: the best frame, so the second best counts
    assert first["rule"] == 0 and first["other_frames_logit"] == pytest.approx(_logit(0.3))
    unmodelled = dict(zip(FEATURES, rows[2]))
    assert unmodelled["no_model"] == 1 and unmodelled["model_logit"] == 0
    assert rows[:, FEATURES.index("rule")].sum() == 1  # another codebook's hit is not read


def _synthetic(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Rows whose truth follows the model's logit, and a rule that is right only where the model agrees."""
    random = np.random.default_rng(seed)
    rows = np.zeros((count, len(FEATURES)))
    logit = random.normal(-1.0, 2.0, count)
    rule = random.random(count) < 0.3
    rows[:, FEATURES.index("model_logit")] = logit
    rows[:, FEATURES.index("rule")] = rule
    rows[:, FEATURES.index("rule_x_model_logit")] = rule * logit
    truth = random.random(count) < 1 / (1 + np.exp(-(logit + 1.5 * rule * (logit > 0))))
    return rows, truth, [index // 3 for index in range(count)]


def test_fit_learns_from_both_layers_and_reports_out_of_fold_scores():
    rows, truth, groups = _synthetic(3000)
    decision = fit_decision(rows, truth, groups)
    assert decision is not None and decision.threshold in THRESHOLDS
    assert decision.weights[FEATURES.index("model_logit")] > 0.5
    scores = decision.metrics["out_of_fold"]
    assert decision.metrics["positives"] == int(truth.sum()) and decision.metrics["passages"] == 1000
    # Out of fold it beats the old rule (every rule hit, plus the model above one probability).
    old = (rows[:, FEATURES.index("rule")] > 0) | (rows[:, FEATURES.index("model_logit")] > 0)
    tp, fp, fn = (old & truth).sum(), (old & ~truth).sum(), (~old & truth).sum()
    assert scores["f1"] > 2 * tp / (2 * tp + fp + fn)
    assert fit_decision(rows, truth, groups).to_dict() == decision.to_dict()  # same data, same layer


def test_too_few_positives_fit_no_layer():
    rows, truth, groups = _synthetic(400)
    truth[:] = False
    truth[:MIN_POSITIVES - 1] = True
    assert fit_decision(rows, truth, groups) is None


def test_a_layer_for_other_features_is_not_used():
    decision = FrameDecision([0.0] * len(FEATURES), 0.0, 0.5)
    assert FrameDecision.from_dict(decision.to_dict()) == decision
    stale = decision.to_dict() | {"features": ["rule", "model_logit"]}
    assert FrameDecision.from_dict(stale) is None and FrameDecision.from_dict(None) is None


def test_the_analyser_keeps_what_the_layer_decides_and_scores_it_so():
    """A layer that reads only the model's logit keeps a rule hit exactly where the model's probability reaches
    the threshold, and adds a sentence no cue matched on the same terms; each kept detection's score is the
    decided probability, with the rule score and the model's probability beside it."""
    codebook = packaged_codebook(COUNTER)
    model = FrameClassifier.train(codebook, TEXTS, LABELS, min_positives=3)
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("model_logit")] = 1.0
    model.decision = FrameDecision(weights, 0.0, 0.5)
    blob = model.to_bytes()
    assert FrameClassifier.from_bytes(blob).decision == model.decision
    decided = FrameAnalyser([codebook], {codebook.id: blob})
    texts = ["Families fled their homes.", "The city was liberated and civilians were killed.",  # cues the model doubts
             "Rain fell. Iraqi forces took the town.",  # no counter cue there; the model learnt "forces", "town"
             "Troops retook the bridge. It rained today."]
    rules_only = FrameAnalyser([codebook])
    seen_dropped = seen_added = False
    for text in texts:
        all_probabilities = model.predict([text[start:end] for start, end in _sentences(text)])
        ruled = {(span.start, span.label) for span in rules_only.analyse_text(text).spans}
        spans = {(span.start, span.label): span for span in decided.analyse_text(text).spans}
        for index, (start, end) in enumerate(_sentences(text)):
            for frame, values in all_probabilities.items():
                kept = (start, frame) in spans
                assert kept == (values[index] >= 0.5), (text, frame, values[index])
                if kept:
                    span = spans[start, frame]
                    assert span.score == pytest.approx(values[index], abs=1e-4)
                    assert span.attributes["method"] == ("rule+model" if (start, frame) in ruled else "model")
                seen_dropped |= (start, frame) in ruled and not kept
                seen_added |= kept and (start, frame) not in ruled
    assert seen_added and seen_dropped


def _sentences(text: str) -> list[tuple[int, int]]:
    from frameline.text.sentences import split_sentences

    return split_sentences(text)


def test_the_shipped_jihadist_model_decides_with_a_layer_fitted_on_untuned_sentences():
    from frameline.analysis.frames_default import PACKAGED_DIR, packaged_path

    jihadist = FrameClassifier.from_bytes(packaged_path("jihadist-narratives", PACKAGED_DIR).read_bytes())
    assert jihadist.decision is not None
    metrics = jihadist.decision.metrics
    assert metrics["positives"] >= MIN_POSITIVES and metrics["out_of_fold"]["f1"] > 0.6
    assert metrics["out_of_fold"]["calibration_error"] < 0.1
    counter = FrameClassifier.from_bytes(packaged_path(COUNTER, PACKAGED_DIR).read_bytes())
    assert counter.decision is None  # 22 counter labels on untuned sentences: too few to fit one


def test_workspace_training_fits_a_layer_on_hand_labelled_sentences_only():
    """`frameline train frames` fits the layer on the out-of-fold probabilities of annotated (and gold)
    sentences; silver sentences, labelled by the rules themselves, would teach it to trust the rules."""
    from frameline.analysis.frames_training import TrainingSet, train_codebook

    codebook = packaged_codebook(COUNTER)
    training = TrainingSet(COUNTER)
    for text, labels in zip(TEXTS * 20, LABELS * 20):
        training.add(text, labels, "annotations")
    for text in ["Rain fell on the market.", "Iraqi forces liberated the city."] * 30:
        training.add(text, {"official-victory"} if "forces" in text else set(), "silver")
    model = train_codebook(codebook, training, folds=2)
    assert model.decision is not None
    assert model.metrics["decision"]["rows"] == len(TEXTS) * 20 * len(codebook.frame_ids())
    assert FrameClassifier.from_bytes(model.to_bytes()).decision == model.decision
    few = TrainingSet(COUNTER)
    for text, labels in zip(TEXTS, LABELS):
        few.add(text, labels, "annotations")
    small = train_codebook(codebook, few, folds=2)
    assert small.decision is None and small.metrics["decision"] is None


def test_uncertainty_sampling_reads_the_decided_probability_the_analyser_keeps_spans_by():
    """`annotate --next` ranks sentences by the same probability that decides them: for the shipped jihadist
    model, a frame's sentence probability reaches the layer's threshold exactly where the analyser marks it."""
    from frameline.text.sentences import split_sentences

    analyser = FrameAnalyser.from_workspace(None)
    analyser.setup()
    jihadist = analyser._models["jihadist-narratives"]
    assert jihadist.decision is not None
    frames = set(packaged_codebook("jihadist-narratives").frame_ids())
    text = ("The soldiers of the Caliphate continue until victory or martyrdom. The Crusaders and the rafidah bomb "
            "our women and children in Mosul. Iraqi forces declared victory. It rained in Baghdad.")
    sentences = split_sentences(text)
    scores = analyser.sentence_probabilities(text, sentences)
    marked = {(span.start, span.label) for span in analyser.analyse_text(text).spans if span.label in frames}
    assert marked
    for index, (start, _) in enumerate(sentences):
        assert set(scores[index]) >= frames
        for frame in frames:
            assert ((start, frame) in marked) == (scores[index][frame] >= jihadist.decision.threshold), frame
