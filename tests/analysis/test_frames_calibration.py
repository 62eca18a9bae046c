"""Rule scores are the frame's measured precision on gold, shrunk towards its codebook's."""

from __future__ import annotations

import json

import pytest

from frameline.analysis.frames import FrameAnalyser
from frameline.analysis.frames_calibration import RELIABILITY, fit, rule_confidence
from frameline.codebook import packaged_codebooks
from frameline.codebook.matcher import rule_score


def test_fit_shrinks_a_rarely_seen_frame_towards_its_kind_and_a_kind_towards_its_codebook():
    detections = ([("book", "post", "often", True)] * 8 + [("book", "post", "often", False)] * 2
                  + [("book", "post", "rare", True)] + [("book", "prose", "often", False)] * 3)
    table = fit(detections, prior_strength=5)
    overall = 9 / 14
    post = (9 + 5 * overall) / (11 + 5)
    assert table["book"]["post"]["*"] == pytest.approx(post, abs=1e-3)
    assert table["book"]["post"]["rare"] == pytest.approx((1 + 5 * post) / 6, abs=1e-3)
    assert table["book"]["post"]["often"] == pytest.approx((8 + 5 * post) / 15, abs=1e-3)
    prose = (0 + 5 * overall) / (3 + 5)
    assert table["book"]["prose"]["*"] == pytest.approx(prose, abs=1e-3)
    assert table["book"]["prose"]["often"] < table["book"]["post"]["often"]  # same frame, other kind of text
    assert table["book"]["post"]["rare"] < 1.0


def test_unknown_codebooks_keep_the_weight_based_score_and_unknown_frames_the_kinds_precision():
    assert rule_confidence("an-analysts-own-book", "x", 2.0) == rule_score(2.0)
    for kind in ("post", "prose"):
        assert (rule_confidence("jihadist-narratives", "no-such-frame", 1.0, kind)
                == RELIABILITY["jihadist-narratives"][kind]["*"])


def test_the_kind_of_text_is_read_off_the_text():
    from frameline.analysis.frames_calibration import text_kind

    assert text_kind("RT @Amaq: soldiers of the caliphate advance") == "post"
    assert text_kind("Brothers, spread this #Mosul") == "post"
    assert text_kind("Watch the release https://t.co/abc") == "post"
    assert text_kind("Iraqi forces declared victory in Mosul on Monday.") == "prose"
    assert text_kind("He wrote to her at home@night, unusually.") == "prose"


def test_the_table_covers_the_default_codebooks_and_the_analyser_reports_it():
    for book in packaged_codebooks():
        for kind in ("post", "prose"):
            assert set(RELIABILITY[book.id][kind]) - {"*"} <= set(book.frame_ids())
    prose = "The soldiers of the Caliphate fight on until victory or martyrdom."
    for text, kind in ((prose, "prose"), (prose + " #Mosul", "post")):
        output = FrameAnalyser().analyse_text(text)
        span = next(span for span in output.spans if span.label == "steadfastness")
        assert span.score == RELIABILITY["jihadist-narratives"][kind]["steadfastness"]
        assert span.attributes["rule_score"] == span.score
    assert (RELIABILITY["jihadist-narratives"]["post"]["steadfastness"]
            != RELIABILITY["jihadist-narratives"]["prose"]["steadfastness"])


def test_the_table_is_fitted_only_on_gold_sentences_no_cue_was_written_from(tmp_path):
    from frameline.analysis.frames_calibration import rule_detections, untuned
    from frameline.analysis.frames_eval import GoldItem

    def item(id_, split):
        return GoldItem(id_, split, "text", frozenset())

    assert untuned(item("q017", "dev")) and untuned(item("t6056", "train")) and untuned(item("t7770", "train"))
    assert not untuned(item("g001", "dev")) and not untuned(item("t6055", "train"))
    assert not untuned(item("t7771", "train"))  # drawn by uncertainty sampling
    assert not untuned(item("q100", "test")) and not untuned(item("t9000", "test"))  # test never tunes
    gold = tmp_path / "gold.jsonl"
    war = "The soldiers of the Caliphate fight on until victory or martyrdom."
    lines = [{"id": "g001", "split": "dev", "text": war, "frames": []},
             {"id": "q001", "split": "dev", "text": war, "frames": [{"label": "steadfastness", "start": 0, "end": 9}]},
             {"id": "q002", "split": "test", "text": war, "frames": []}]
    gold.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    found = rule_detections(gold, min_untuned=1)
    # Only q001 is read: g001 (an older dev batch) and q002 (test) would have added wrong steadfastness hits.
    assert [row for row in found if row[2] == "steadfastness"] == [
        ("jihadist-narratives", "prose", "steadfastness", True)]
    # Too few untuned detections for a codebook and kind: the older dev batches are read too, test still never.
    found = rule_detections(gold, min_untuned=5)
    assert sorted(row for row in found if row[2] == "steadfastness") == [
        ("jihadist-narratives", "prose", "steadfastness", False), ("jihadist-narratives", "prose", "steadfastness", True)]
