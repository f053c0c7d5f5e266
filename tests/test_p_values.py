"""The two-rate score test and the chi-square test give statsmodels' p-values to the last bit."""

from __future__ import annotations

import random
import warnings

import numpy as np
from statsmodels.stats import proportion

from audit.analyse.statistics import chi_square_p, two_sample_p


def statsmodels_p(yes1: float, n1: float, yes2: float, n2: float) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(proportion.test_proportions_2indep(yes1, n1, yes2, n2, method="score").pvalue)
    return 1.0 if p != p else p


def whole_counts() -> list[tuple[int, int, int, int]]:
    out = []
    for n1 in (1, 2, 3, 5, 8, 13, 30, 60, 150):
        for n2 in (1, 2, 4, 7, 11, 30, 90, 400):
            for yes1 in sorted({0, 1, n1 // 3, n1 // 2, n1 - 1, n1}):
                for yes2 in sorted({0, 1, n2 // 4, n2 // 2, n2 - 1, n2}):
                    if 0 <= yes1 <= n1 and 0 <= yes2 <= n2:
                        out.append((yes1, n1, yes2, n2))
    return out


def test_whole_counts_give_statsmodels_float() -> None:
    checked = 0
    for counts in whole_counts():
        yes1, n1, yes2, n2 = counts
        if yes1 + yes2 in (0, n1 + n2):
            assert two_sample_p(*counts) == 1.0, counts  # every answer the same: no difference to find
        else:
            assert two_sample_p(*counts) == statsmodels_p(*counts), counts
            checked += 1
    assert checked > 1000


def test_effective_counts_give_statsmodels_float() -> None:
    rng = random.Random(16)
    for _ in range(3000):
        n1, n2 = rng.uniform(1.0, 80.0), rng.uniform(1.0, 80.0)
        yes1, yes2 = rng.uniform(0, n1), rng.uniform(0, n2)
        assert two_sample_p(yes1, n1, yes2, n2) == statsmodels_p(yes1, n1, yes2, n2)


def test_no_answers_on_a_side_gives_none() -> None:
    assert two_sample_p(0, 0, 3, 10) is None
    assert two_sample_p(3, 10, 0, 0) is None
    assert two_sample_p(1, -1, 3, 10) is None


def test_under_one_answer_in_all_finds_nothing() -> None:
    # Effective counts can be fractions; statsmodels divides by zero here (nobs / (nobs - 1)).
    assert two_sample_p(0.2, 0.5, 0.1, 0.5) == 1.0


def test_a_clear_difference_is_small() -> None:
    p = two_sample_p(28, 30, 5, 30)
    assert p is not None and p < 1e-6


def statsmodels_chi_square_p(yes: list[float], answered: list[float]) -> float:
    return float(proportion.proportions_chisquare(np.asarray(yes), np.asarray(answered))[1])


def test_chi_square_gives_statsmodels_float() -> None:
    rng = random.Random(2021)
    checked = 0
    for _ in range(2000):
        k = rng.randint(2, 160)
        answered = [rng.randint(1, 120) for _ in range(k)]
        yes = [rng.randint(0, n) for n in answered]
        if sum(yes) in (0, sum(answered)):
            continue
        assert chi_square_p(np.asarray(yes), np.asarray(answered)) == statsmodels_chi_square_p(yes, answered)
        checked += 1
    assert checked > 1900


def test_chi_square_of_equal_rates_is_one_and_of_opposites_is_small() -> None:
    assert chi_square_p(np.asarray([5, 10, 15]), np.asarray([10, 20, 30])) == 1.0
    assert chi_square_p(np.asarray([30, 0]), np.asarray([30, 30])) < 1e-9


def test_numpy_float32_counts_give_statsmodels_float() -> None:
    # statsmodels turns each count into an array (a Python number beside a float32 stays 64-bit)
    # and takes the normal tail in 64 bits; the written-out test took both in float32.
    rng = random.Random(32)
    for _ in range(200):
        n1, n2 = np.float32(rng.uniform(1.0, 80.0)), rng.uniform(1.0, 80.0)
        yes1, yes2 = np.float32(rng.uniform(0, n1)), rng.uniform(0, n2)
        assert two_sample_p(yes1, n1, yes2, n2) == statsmodels_p(yes1, n1, yes2, n2)
        assert two_sample_p(yes1, n1, np.float32(yes2), np.float32(n2)) == statsmodels_p(
            yes1, n1, np.float32(yes2), np.float32(n2)
        )
    assert two_sample_p(30, np.float32(30.0), 13, 76) == statsmodels_p(30, np.float32(30.0), 13, 76)


def test_numpy_whole_counts_give_statsmodels_float() -> None:
    for kind in (np.int64, np.int32, np.float64):
        for yes1, n1, yes2, n2 in whole_counts()[::7]:
            if yes1 + yes2 in (0, n1 + n2):
                continue
            counts = (kind(yes1), kind(n1), kind(yes2), kind(n2))
            assert two_sample_p(*counts) == statsmodels_p(*counts), counts
