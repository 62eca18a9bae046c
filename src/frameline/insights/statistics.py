"""The statistics behind a group contrast, written out so that each can be checked by hand.

- Proportions: the Wilson score interval (Wilson 1927), which stays inside
  [0, 1] and keeps its coverage for the small counts a rare frame has, where
  the normal (Wald) interval does not.
- Differences: the two-sided two-proportion z-test with the pooled proportion.
- Multiple frames: Holm's step-down correction (Holm 1979) of the p-values,
  which controls the family-wise error rate over all frames compared without
  assuming independence, and is uniformly more powerful than Bonferroni.
- Distinctive words: the weighted log-odds ratio with an informative Dirichlet
  prior (Monroe, Colaresi and Quinn 2008, "Fightin' Words", eq. 16 and 22).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the 0.975 quantile of the standard normal


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion; (0, 1) when there are no trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_z_test(k_a: int, n_a: int, k_b: int, n_b: int) -> tuple[float, float]:
    """(z, two-sided p) for H0: the two proportions are equal, with the pooled proportion in the variance.

    With no trials on a side, or a pooled proportion of 0 or 1 (no variance), there
    is no evidence of a difference: (0.0, 1.0).
    """
    if n_a <= 0 or n_b <= 0:
        return 0.0, 1.0
    pooled = (k_a + k_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance <= 0:
        return 0.0, 1.0
    z = (k_a / n_a - k_b / n_b) / math.sqrt(variance)
    return z, math.erfc(abs(z) / math.sqrt(2))


def holm_adjust(p_values: list[float]) -> list[float]:
    """Holm-adjusted p-values, in the input order: reject H_i at level a when adjusted_i <= a."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


@dataclass(frozen=True)
class WordScore:
    word: str
    count_a: int
    count_b: int
    delta: float  # log-odds ratio of A over B, shrunk by the prior
    variance: float
    z: float  # delta / sqrt(variance): > 0 distinctive of A, < 0 of B


def weighted_log_odds(
    counts_a: Mapping[str, int], counts_b: Mapping[str, int], prior: Mapping[str, float] | None = None,
    prior_scale: float | None = None,
) -> list[WordScore]:
    """Monroe, Colaresi and Quinn's weighted log-odds ratio with an informative Dirichlet prior.

    With y the word counts of each side, n their totals, a_w the prior's pseudo-count of
    word w and a_0 = sum of a_w (eq. 16 and 22 of the paper):

        delta_w = log((y_wA + a_w) / (n_A + a_0 - y_wA - a_w)) - log((y_wB + a_w) / (n_B + a_0 - y_wB - a_w))
        var(delta_w) ~= 1 / (y_wA + a_w) + 1 / (y_wB + a_w)
        z_w = delta_w / sqrt(var(delta_w))

    The prior defaults to the pooled counts of both sides (a_w = y_wA + y_wB): the
    "informative" prior, which shrinks the log-odds of rare words towards zero so that
    frequent and rare words are ranked on one scale.  `prior_scale` rescales it to that
    many pseudo-tokens in all (a_0), keeping its shape.
    """
    if prior is None:
        prior = Counter(counts_a) + Counter(counts_b)
    prior_total = float(sum(prior.values()))
    scale = 1.0 if prior_scale is None or prior_total == 0 else prior_scale / prior_total
    alpha = {word: value * scale for word, value in prior.items()}
    alpha_0 = prior_total * scale
    n_a, n_b = sum(counts_a.values()), sum(counts_b.values())
    scores = []
    for word in sorted(set(counts_a) | set(counts_b)):
        a_w = alpha.get(word, 0.0)
        y_a, y_b = counts_a.get(word, 0), counts_b.get(word, 0)
        rest_a, rest_b = n_a + alpha_0 - y_a - a_w, n_b + alpha_0 - y_b - a_w
        if min(y_a + a_w, y_b + a_w, rest_a, rest_b) <= 0:
            continue  # a word outside the prior that one side never uses (or the only word): no finite log-odds
        delta = math.log((y_a + a_w) / rest_a) - math.log((y_b + a_w) / rest_b)
        variance = 1 / (y_a + a_w) + 1 / (y_b + a_w)
        scores.append(WordScore(word, y_a, y_b, delta, variance, delta / math.sqrt(variance)))
    return scores
