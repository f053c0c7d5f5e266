"""The Wilson interval worked out in the toolkit gives statsmodels' floats to the last bit.

Reports must not change when the interval stops going through statsmodels, so every
count and number answered an audit can give (and effective numbers that are not whole)
is compared exactly, as scalars and as arrays.
"""

from __future__ import annotations

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from audit.analyse.statistics import wilson_bounds, wilson_interval


def test_scalars_match_statsmodels_exactly():
    for n in range(1, 90):
        for k in range(n + 1):
            assert wilson_bounds(k, n) == proportion_confint(k, n, method="wilson")


def test_arrays_and_fractional_counts_match_statsmodels_exactly():
    rng = np.random.default_rng(16)
    nobs = rng.uniform(0.5, 5000, 20_000)
    count = nobs * rng.uniform(0, 1, nobs.size)
    count[:50] = 0
    count[50:100] = nobs[50:100]
    for alpha in (0.05, 0.1):
        low, high = wilson_bounds(count, nobs, alpha)
        exp_low, exp_high = proportion_confint(count, nobs, alpha=alpha, method="wilson")
        assert np.array_equal(low, exp_low) and np.array_equal(high, exp_high)
    ints = rng.integers(1, 10_000, 5000)
    low, high = wilson_bounds(ints // 3, ints)
    exp_low, exp_high = proportion_confint(ints // 3, ints, method="wilson")
    assert np.array_equal(low, exp_low) and np.array_equal(high, exp_high)


def test_interval_in_percent_and_none_without_answers():
    assert wilson_interval(0, 0) == (None, None)
    low, high = wilson_interval(3, 7)
    exp = proportion_confint(3, 7, method="wilson")
    assert (low, high) == (exp[0] * 100, exp[1] * 100)
    assert isinstance(low, float)


def test_newcombe_difference_matches_statsmodels_exactly():
    from statsmodels.stats.proportion import confint_proportions_2indep

    from audit.analyse.statistics import newcombe_bounds

    rng = np.random.default_rng(3)
    cases = [
        (k1, n1, k2, n2)
        for n1 in range(1, 25, 3)
        for k1 in range(n1 + 1)
        for n2 in (1, 7, 30)
        for k2 in (0, n2 // 2, n2)
    ]
    n = rng.uniform(0.5, 60, (300, 2))
    f = rng.uniform(0, 1, (300, 2))
    floats = [(n1 * f1, n1, n2 * f2, n2) for (n1, n2), (f1, f2) in zip(n, f, strict=True)]
    floats += [(float(a), float(b), float(c), float(d)) for a, b, c, d in cases[:200]]
    for k1, n1, k2, n2 in cases + floats:
        got = newcombe_bounds(k1, n1, k2, n2)
        expected = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
        assert got == expected, (k1, n1, k2, n2)


def test_the_critical_value_is_scipy_s_without_importing_scipy_stats():
    from scipy import stats

    from audit.analyse.statistics import _wilson_crit

    for alpha in (0.001, 0.01, 0.05, 0.1, 0.2, 0.5):
        assert _wilson_crit(alpha)[0] == stats.norm.isf(alpha / 2)
