"""Rule scores are the frame's measured precision on gold, shrunk towards its codebook's."""

from __future__ import annotations

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
