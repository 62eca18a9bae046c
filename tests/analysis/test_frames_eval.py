"""Scoring frames against gold: loading (with research-only text by reference), metrics, calibration, CLI."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frameline.analysis.frames import FrameAnalyser
from frameline.analysis.frames_eval import (
    Detection,
    GoldError,
    GoldItem,
    analyser_detector,
    calibration,
    evaluate,
    human_agreement,
    load_gold,
    load_second,
)
from frameline.cli import app

GOLD = Path(__file__).parent / "data" / "frames-gold.jsonl"
SECOND = Path(__file__).parent / "data" / "frames-gold-second-round2.jsonl"


def test_the_gold_set_resolves_research_only_text_from_the_local_corpus(shared_data):
    items = load_gold(GOLD, shared_data)
    assert len(items) >= 300
    assert {item.split for item in items} == {"train", "dev", "test"}
    ptc = [item for item in items if item.source.get("corpus") == "ptc"]
    assert ptc and all(item.text for item in ptc)
    assert '"text"' not in "".join(line for line in GOLD.read_text(encoding="utf-8").splitlines()
                                   if '"corpus": "ptc"' in line)  # PTC text is never stored in the repo


def test_a_changed_corpus_or_a_broken_line_is_named(tmp_path):
    corpus = tmp_path / "ptc" / "train-articles"
    corpus.mkdir(parents=True)
    (corpus / "article1.txt").write_text("Title\n\nMosul was liberated. More text.", encoding="utf-8")
    good = {"id": "a", "split": "test", "frames": [{"label": "official-victory", "start": 0, "end": 20}],
            "source": {"corpus": "ptc", "file": "train-articles/article1.txt", "start": 7, "end": 28,
                       "sha256": hashlib.sha256(b"Mosul was liberated. ").hexdigest()[:16]}}
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert load_gold(gold, tmp_path)[0].text == "Mosul was liberated. "
    good["source"]["end"] = 27
    gold.write_text(json.dumps(good) + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(GoldError, match="gold.jsonl:1: .*hash mismatch"):
        load_gold(gold, tmp_path)
    gold.write_text('{"text": "fine", "frames": []}\n{not json\n', encoding="utf-8")
    with pytest.raises(GoldError, match="gold.jsonl:2: not JSON"):
        load_gold(gold, tmp_path)


def test_precision_recall_f1_micro_and_macro():
    gold = [GoldItem("1", "test", "a", frozenset({"x"})), GoldItem("2", "test", "b", frozenset({"x", "y"})),
            GoldItem("3", "test", "c", frozenset())]
    predicted = {"a": [Detection("x", 0.9, "rule")], "b": [Detection("y", 0.6, "rule")],
                 "c": [Detection("y", 0.7, "model")]}
    [scores] = evaluate(lambda text: predicted[text], gold, {"book": ["x", "y"]})
    x, y = scores.frames
    assert (x.true_positives, x.false_positives, x.false_negatives) == (1, 0, 1)
    assert (y.true_positives, y.false_positives, y.false_negatives) == (1, 1, 0)
    assert scores.micro_precision == pytest.approx(2 / 3) and scores.micro_recall == pytest.approx(2 / 3)
    assert scores.macro_f1 == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert scores.rule_precision == 1.0 and scores.rule_detections == 2


def test_calibration_bins_and_expected_calibration_error():
    result = calibration([(0.95, True), (0.95, True), (0.65, True), (0.65, False)])
    assert [(row["lower"], row["count"], row["accuracy"]) for row in result.bins] == [(0.6, 2, 0.5), (0.9, 2, 1.0)]
    assert result.ece == pytest.approx(0.5 * 0.15 + 0.5 * 0.05)


def test_the_analyser_detects_frames_in_gold_passages():
    detect = analyser_detector(FrameAnalyser())
    assert {d.frame for d in detect("Iraqi forces recaptured the city from the so-called Islamic State.")} == {
        "official-victory", "delegitimise-group"}


def test_cli_eval_frames_on_the_test_split(shared_data):
    result = CliRunner().invoke(app, ["eval", "frames", "--gold", str(GOLD), "--split", "test",
                                      "--data-dir", str(shared_data), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["sentences"] == sum(1 for item in load_gold(GOLD, shared_data) if item.split == "test")
    books = {book["codebook"]: book for book in report["codebooks"]}
    assert set(books) == {"jihadist-narratives", "counter-narratives"}
    for book in books.values():
        assert 0 <= book["micro_f1"] <= 1 and book["calibration_bins"]


def test_a_second_annotator_is_scored_against_the_gold_labels_with_kappa_and_alpha(tmp_path):
    gold = [GoldItem("1", "test", "same text", frozenset({"x"})), GoldItem("2", "test", "same text", frozenset()),
            GoldItem("3", "test", "c", frozenset({"y"})), GoldItem("4", "test", "d", frozenset())]
    second = tmp_path / "second.jsonl"
    second.write_text('{"id": "1", "frames": ["x"]}\n{"id": "2", "frames": []}\n'
                      '{"id": "3", "frames": [{"label": "x"}]}\n', encoding="utf-8")
    labels = load_second(second)
    assert labels == {"1": {"x"}, "2": frozenset(), "3": {"x"}}
    [human] = human_agreement(gold, labels, {"book": ["x", "y"]})
    # Sentence 4 has no second annotation: three sentences, six (sentence, frame) decisions, two disagreeing.
    assert human.sentences == 3 and human.labelled
    assert (human.scores.micro_precision, human.scores.micro_recall) == (0.5, 0.5)  # ids, not texts, are matched
    first, other = [1, 0, 0, 0, 0, 1], [1, 0, 0, 0, 1, 0]
    observed, expected = 4 / 6, (2 / 6) * (2 / 6) + (4 / 6) * (4 / 6)
    assert human.kappa == pytest.approx((observed - expected) / (1 - expected))
    # Alpha's coincidences: 2 pairs (1, 1), 6 (0, 0), 4 disagreeing; n = 12 values, 4 ones and 8 zeros.
    assert human.alpha == pytest.approx(1 - (12 - 1) * 4 / (2 * 4 * 8))
    assert sum(a != b for a, b in zip(first, other)) == 2
    second.write_text('{"id": "1", "frames": []}\n{"id": "1", "frames": ["x"]}\n', encoding="utf-8")
    with pytest.raises(GoldError, match="second.jsonl:2: id '1' is annotated twice"):
        load_second(second)
    second.write_text('{"frames": []}\n', encoding="utf-8")
    with pytest.raises(GoldError, match="second.jsonl:1: expected an object with 'id'"):
        load_second(second)


def test_cli_reports_the_second_annotator_beside_the_detector(shared_data):
    result = CliRunner().invoke(app, ["eval", "frames", "--gold", str(GOLD), "--split", "test",
                                      "--data-dir", str(shared_data), "--second", str(SECOND), "--json"])
    assert result.exit_code == 0, result.output
    humans = {row["codebook"]: row for row in json.loads(result.output)["second_annotator"]}
    test_ids = {item.id for item in load_gold(GOLD, shared_data) if item.split == "test"}
    assert humans["jihadist-narratives"]["sentences"] == len(test_ids & set(load_second(SECOND))) == len(test_ids)
    for row in humans.values():
        # The gold labels are consistent enough that a second careful reading agrees far above chance.
        assert row["labelled"] and row["micro_f1"] > 0.8 and row["kappa"] > 0.8
        assert 0 <= row["detector_micro_f1"] <= 1


def test_cli_scores_each_corpus_on_its_own(shared_data):
    result = CliRunner().invoke(app, ["eval", "frames", "--gold", str(GOLD), "--split", "dev",
                                      "--data-dir", str(shared_data), "--by-corpus", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    corpora = report["by_corpus"]
    assert {"ptc", "isis-tweets", "isis-texts"} <= set(corpora)
    assert sum(row["sentences"] for row in corpora.values()) == report["sentences"]
    for whole in report["codebooks"]:
        parts = [book for row in corpora.values() for book in row["codebooks"] if book["codebook"] == whole["codebook"]]
        gold = sum(frame["support"] for frame in whole["frames"])
        found = sum(frame["true_positives"] + frame["false_positives"] for frame in whole["frames"])
        assert sum(part["gold"] for part in parts) == gold and sum(part["detections"] for part in parts) == found
