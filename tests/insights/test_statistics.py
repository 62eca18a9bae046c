"""The contrast statistics against values worked out by hand (formulas in the comments)."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from frameline.insights.statistics import holm_adjust, two_proportion_z_test, weighted_log_odds, wilson_interval


def test_weighted_log_odds_with_the_pooled_prior_matches_the_hand_computed_example():
    # Side A: caliphate 4, victory 1, mosul 5 (n_A = 10); side B: caliphate 1, victory 5, mosul 4 (n_B = 10).
    # Prior = pooled counts: a_caliphate = 5, a_victory = 6, a_mosul = 9, a_0 = 20.
    # Monroe et al. eq. 22: delta = log((yA+a)/(nA+a0-yA-a)) - log((yB+a)/(nB+a0-yB-a)),
    # var = 1/(yA+a) + 1/(yB+a).
    # caliphate: log(9/21) - log(6/24) = log(12/7);   var = 1/9 + 1/6  = 5/18
    # victory:   log(7/23) - log(11/19) = log(133/253); var = 1/7 + 1/11 = 18/77
    # mosul:     log(14/16) - log(13/17) = log(119/104); var = 1/14 + 1/13 = 27/182
    scores = {s.word: s for s in weighted_log_odds({"caliphate": 4, "victory": 1, "mosul": 5},
                                                   {"caliphate": 1, "victory": 5, "mosul": 4})}
    expected = {"caliphate": (math.log(12 / 7), 5 / 18), "victory": (math.log(133 / 253), 18 / 77),
                "mosul": (math.log(119 / 104), 27 / 182)}
    for word, (delta, variance) in expected.items():
        assert scores[word].delta == pytest.approx(delta, abs=1e-9)
        assert scores[word].variance == pytest.approx(variance, abs=1e-9)
        assert scores[word].z == pytest.approx(delta / math.sqrt(variance), abs=1e-9)
    # Numerically: z_caliphate = 0.538996.../0.527046... = 1.022673..., z_victory = -1.3365...
    assert scores["caliphate"].z == pytest.approx(1.0226737, abs=1e-6)
    assert scores["victory"].z < 0 < scores["caliphate"].z


def test_a_rescaled_prior_keeps_its_shape():
    # prior_scale=10 halves every pseudo-count: a = 2.5, 3, 4.5, a_0 = 10.
    # caliphate: log(6.5/(10+10-4-2.5)) - log(3.5/(10+10-1-2.5)) = log(6.5/13.5) - log(3.5/16.5)
    scores = {s.word: s for s in weighted_log_odds({"caliphate": 4, "victory": 1, "mosul": 5},
                                                   {"caliphate": 1, "victory": 5, "mosul": 4}, prior_scale=10)}
    delta = math.log(6.5 / 13.5) - math.log(3.5 / 16.5)
    assert scores["caliphate"].delta == pytest.approx(delta, abs=1e-9)
    assert scores["caliphate"].z == pytest.approx(delta / math.sqrt(1 / 6.5 + 1 / 3.5), abs=1e-9)


def test_wilson_interval_by_hand_and_at_the_edges():
    # 3 of 10, z = 1.959964: centre = (0.3 + z²/20)/(1 + z²/10), half = z·sqrt(0.021 + z²/400)/(1 + z²/10)
    z = 1.959963984540054
    centre = (0.3 + z * z / 20) / (1 + z * z / 10)
    half = z * math.sqrt(0.3 * 0.7 / 10 + z * z / 400) / (1 + z * z / 10)
    low, high = wilson_interval(3, 10)
    assert (low, high) == (pytest.approx(centre - half, abs=1e-12), pytest.approx(centre + half, abs=1e-12))
    assert (round(low, 4), round(high, 4)) == (0.1078, 0.6032)  # the textbook values
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == pytest.approx(1.0, abs=1e-12)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_two_proportion_z_test_by_hand():
    # 30/100 against 15/100: pooled 0.225, var = 0.225·0.775·(1/100 + 1/100) = 0.0034875
    z, p = two_proportion_z_test(30, 100, 15, 100)
    assert z == pytest.approx(0.15 / math.sqrt(0.0034875), abs=1e-12)
    assert p == pytest.approx(math.erfc(z / math.sqrt(2)), abs=1e-15)
    assert p == pytest.approx(2 * norm.sf(z), abs=1e-12)  # scipy agrees: z = 2.5400, p = 0.011085
    assert two_proportion_z_test(0, 10, 0, 20) == (0.0, 1.0)
    assert two_proportion_z_test(3, 0, 1, 5) == (0.0, 1.0)


def test_holm_adjustment_steps_down_and_stays_monotone():
    # sorted 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 -> max(0.06, 0.04) = 0.06
    assert holm_adjust([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm_adjust([0.5, 0.9]) == [1.0, 1.0]
    assert holm_adjust([]) == []
