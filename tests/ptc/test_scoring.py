"""The shared task's metrics on cases small enough to score by hand (the arithmetic is in each comment)."""

from __future__ import annotations

import pytest

from frameline.ptc.formats import Annotation
from frameline.ptc.scoring import ScoringError, merge_spans, score_si, score_tc


def si(article: str, start: int, end: int) -> Annotation:
    return Annotation(article, start, end)


def tc(article: str, technique: str, start: int, end: int) -> Annotation:
    return Annotation(article, start, end, technique)


def test_si_partial_overlap_credits_the_overlapping_characters() -> None:
    # gold t1=[0,10) t2=[20,30); predicted s1=[5,15) overlaps t1 on [5,10) = 5 chars, s2=[20,30) = t2.
    # P = (5/|s1| + 10/|s2|) / |S| = (5/10 + 10/10) / 2 = 0.75
    # R = (5/|t1| + 10/|t2|) / |T| = (5/10 + 10/10) / 2 = 0.75, F1 = 0.75
    score = score_si([si("a", 0, 10), si("a", 20, 30)], [si("a", 5, 15), si("a", 20, 30)])
    assert score.precision == pytest.approx(0.75)
    assert score.recall == pytest.approx(0.75)
    assert score.f1 == pytest.approx(0.75)


def test_si_one_long_prediction_over_two_gold_spans() -> None:
    # gold [0,4) and [6,10); predicted [0,20) covers both.
    # P = (4/20 + 4/20) / 1 = 0.4;  R = (4/4 + 4/4) / 2 = 1.0;  F1 = 2*0.4*1/(1.4) = 0.571428...
    score = score_si([si("a", 0, 4), si("a", 6, 10)], [si("a", 0, 20)])
    assert score.precision == pytest.approx(0.4)
    assert score.recall == pytest.approx(1.0)
    assert score.f1 == pytest.approx(0.8 / 1.4)


def test_si_overlapping_predictions_are_merged_before_scoring() -> None:
    # [0,6) and [4,10) overlap, so they become [0,10), which equals the gold span: P = R = 1.
    # Unmerged, R would be (6/10 + 6/10) / 1 = 1.2, more than perfect.
    score = score_si([si("a", 0, 10)], [si("a", 0, 6), si("a", 4, 10)])
    assert (score.precision, score.recall, score.predicted) == (1.0, 1.0, 1)


def test_si_gold_spans_are_merged_too_and_touching_spans_are_not() -> None:
    # Gold [0,8) and [2,10) merge to [0,10) (|T| = 1); predictions [0,5) and [5,10) only touch (|S| = 2).
    # P = (5/5 + 5/5) / 2 = 1;  R = (5/10 + 5/10) / 1 = 1.
    score = score_si([si("a", 0, 8), si("a", 2, 10)], [si("a", 0, 5), si("a", 5, 10)])
    assert (score.precision, score.recall, score.predicted, score.gold) == (1.0, 1.0, 2, 1)


def test_si_spans_of_different_articles_never_meet() -> None:
    # Same offsets, other article: no overlap at all; the extra gold span in "b" only lowers recall.
    # P = 0/1, R = 0/2, F1 = 0.
    score = score_si([si("a", 0, 10), si("b", 3, 4)], [si("c", 0, 10)])
    assert (score.precision, score.recall, score.f1) == (0.0, 0.0, 0.0)


def test_si_mixed_articles_average_over_all_spans() -> None:
    # a: gold [0,10), predicted [0,5) -> P credit 5/5 = 1, R credit 5/10 = 0.5.
    # b: gold [0,4), predicted [2,10) -> overlap [2,4) = 2 chars: P credit 2/8 = 0.25, R credit 2/4 = 0.5.
    # b: a second prediction [20,30) with no gold: P credit 0.
    # P = (1 + 0.25 + 0) / 3 = 0.416666...;  R = (0.5 + 0.5) / 2 = 0.5;  F1 = 2*P*R/(P+R) = 0.454545...
    score = score_si([si("a", 0, 10), si("b", 0, 4)], [si("a", 0, 5), si("b", 2, 10), si("b", 20, 30)])
    assert score.precision == pytest.approx(1.25 / 3)
    assert score.recall == pytest.approx(0.5)
    assert score.f1 == pytest.approx(2 * (1.25 / 3) * 0.5 / (1.25 / 3 + 0.5))


def test_si_with_no_predictions_scores_zero() -> None:
    score = score_si([si("a", 0, 10)], [])
    assert (score.precision, score.recall, score.f1, score.predicted) == (0.0, 0.0, 0.0, 0)


def test_merge_spans_chains_overlaps() -> None:
    # [0,3)+[2,6) -> [0,6); [5,9) overlaps that -> [0,9); [9,12) only touches -> stays; [1,2) is inside.
    assert merge_spans([(5, 9), (0, 3), (9, 12), (2, 6), (1, 2)]) == [(0, 9), (9, 12)]


def test_tc_micro_f1_is_accuracy_when_each_gold_line_has_one_prediction() -> None:
    # Four gold lines; the span a:0-10 carries two techniques, predicted in the other order (both count).
    # a:20-30 is wrong (Doubt predicted as Loaded_Language); b:5-9 right. Correct 3 of 4:
    # P = 3/4, R = 3/4, micro-F1 = 0.75.
    gold = [tc("a", "Loaded_Language", 0, 10), tc("a", "Repetition", 0, 10), tc("a", "Doubt", 20, 30),
            tc("b", "Slogans", 5, 9)]
    predicted = [tc("a", "Repetition", 0, 10), tc("a", "Loaded_Language", 0, 10),
                 tc("a", "Loaded_Language", 20, 30), tc("b", "Slogans", 5, 9)]
    score = score_tc(gold, predicted)
    assert (score.correct, score.predicted, score.gold) == (3, 4, 4)
    assert score.micro_f1 == pytest.approx(0.75)
    # Loaded_Language: tp 1, predicted 2, gold 1 -> P 0.5, R 1, F1 2/3.  Doubt: tp 0 -> F1 0.
    assert score.per_technique["Loaded_Language"] == pytest.approx(2 / 3)
    assert score.per_technique["Doubt"] == 0.0
    assert score.per_technique["Slogans"] == 1.0


def test_tc_label_multisets_count_each_copy_once() -> None:
    # Gold a:0-10 = {Loaded, Loaded} (two annotators' spans coincide); predicted {Loaded, Repetition}.
    # The multiset intersection is {Loaded}: 1 correct of 2 predicted and 2 gold -> P = R = F1 = 0.5.
    gold = [tc("a", "Loaded_Language", 0, 10), tc("a", "Loaded_Language", 0, 10)]
    predicted = [tc("a", "Loaded_Language", 0, 10), tc("a", "Repetition", 0, 10)]
    assert score_tc(gold, predicted).micro_f1 == pytest.approx(0.5)


def test_tc_missing_predictions_lower_recall_only() -> None:
    # Two gold lines, one right prediction and nothing for the other: P = 1/1, R = 1/2, F1 = 2/3.
    gold = [tc("a", "Doubt", 0, 10), tc("a", "Slogans", 20, 30)]
    score = score_tc(gold, [tc("a", "Doubt", 0, 10)])
    assert (score.precision, score.recall) == (1.0, 0.5)
    assert score.micro_f1 == pytest.approx(2 / 3)


def test_tc_refuses_spans_the_template_never_asked_for() -> None:
    with pytest.raises(ScoringError, match="a 1-5"):
        score_tc([tc("a", "Doubt", 0, 10)], [tc("a", "Doubt", 1, 5)])
    # Unless asked to score them as wrong: P = 0/1, R = 0/1.
    assert score_tc([tc("a", "Doubt", 0, 10)], [tc("a", "Doubt", 1, 5)], strict=False).micro_f1 == 0.0
