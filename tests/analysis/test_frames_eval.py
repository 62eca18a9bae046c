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
    load_gold,
)
from frameline.cli import app

GOLD = Path(__file__).parent / "data" / "frames-gold.jsonl"


def test_the_gold_set_resolves_research_only_text_from_the_local_corpus(shared_data):
    items = load_gold(GOLD, shared_data)
    assert len(items) >= 300
    assert {item.split for item in items} == {"dev", "test", "train"}  # train: error analysis for the rules
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
