"""Rule scores are the frame's measured precision on gold, shrunk towards its codebook's."""

from __future__ import annotations

import json

import pytest

from frameline.analysis.frames import FrameAnalyser
from frameline.analysis.frames_calibration import RELIABILITY, fit, rule_confidence
from frameline.codebook import packaged_codebooks
from frameline.codebook.matcher import rule_score


def test_fit_shrinks_a_rarely_seen_frame_towards_its_codebook():
    detections = [("book", "often", True)] * 8 + [("book", "often", False)] * 2 + [("book", "rare", True)]
    table = fit(detections, prior_strength=5)
    prior = 9 / 11
    assert table["book"]["*"] == pytest.approx(prior, abs=1e-3)
    assert table["book"]["rare"] == pytest.approx((1 + 5 * prior) / 6, abs=1e-3)
    assert table["book"]["often"] == pytest.approx((8 + 5 * prior) / 15, abs=1e-3)
    assert table["book"]["rare"] < 1.0


def test_unknown_codebooks_keep_the_weight_based_score_and_unknown_frames_the_codebook_precision():
    assert rule_confidence("an-analysts-own-book", "x", 2.0) == rule_score(2.0)
    assert rule_confidence("jihadist-narratives", "no-such-frame", 1.0) == RELIABILITY["jihadist-narratives"]["*"]


def test_the_table_covers_the_default_codebooks_and_the_analyser_reports_it():
    for book in packaged_codebooks():
        assert set(RELIABILITY[book.id]) - {"*"} <= set(book.frame_ids())
    output = FrameAnalyser().analyse_text("The soldiers of the Caliphate fight on until victory or martyrdom.")
    span = next(span for span in output.spans if span.label == "steadfastness")
    assert span.score == RELIABILITY["jihadist-narratives"]["steadfastness"]
    assert span.attributes["rule_score"] == span.score


def test_the_table_is_fitted_only_on_gold_sentences_no_cue_was_written_from(tmp_path):
    from frameline.analysis.frames_calibration import rule_detections, untuned
    from frameline.analysis.frames_eval import GoldItem

    def item(id_, split):
        return GoldItem(id_, split, "text", frozenset())

    assert untuned(item("q017", "dev")) and untuned(item("t6056", "train")) and untuned(item("t7310", "train"))
    assert not untuned(item("g001", "dev")) and not untuned(item("t6055", "train"))
    assert not untuned(item("q100", "test")) and not untuned(item("t9000", "test"))  # test never tunes
    gold = tmp_path / "gold.jsonl"
    war = "The soldiers of the Caliphate fight on until victory or martyrdom."
    lines = [{"id": "g001", "split": "dev", "text": war, "frames": []},
             {"id": "q001", "split": "dev", "text": war, "frames": [{"label": "steadfastness", "start": 0, "end": 9}]},
             {"id": "q002", "split": "test", "text": war, "frames": []}]
    gold.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    found = rule_detections(gold, min_untuned=1)
    # Only q001 is read: g001 (an older dev batch) and q002 (test) would have added wrong steadfastness hits.
    assert [row for row in found if row[1] == "steadfastness"] == [("jihadist-narratives", "steadfastness", True)]
    # Too few untuned detections for a codebook: the older dev batches are read too, test still never.
    found = rule_detections(gold, min_untuned=5)
    assert sorted(row for row in found if row[1] == "steadfastness") == [
        ("jihadist-narratives", "steadfastness", False), ("jihadist-narratives", "steadfastness", True)]
