"""Statistical helpers: intervals for proportions, agreement between auditors.

Thin wrappers over statsmodels, importing only the submodules needed (the whole
``statsmodels.api`` takes seconds to import).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np


@lru_cache(maxsize=8)
def _wilson_crit(alpha: float) -> tuple[float, float]:
    """The two-sided normal critical value for ``alpha`` and its square, worked out once (scipy is slow per call).

    ``-ndtri(alpha / 2)`` is what ``scipy.stats.norm.isf(alpha / 2)`` works out (the same float; tested), without
    importing ``scipy.stats``, which costs a batch and each re-run about half a second more than ``scipy.special``.
    """
    from scipy.special import ndtri

    crit = -ndtri(alpha / 2.0)
    return crit, crit**2


def wilson_bounds(count: Any, nobs: Any, alpha: float = 0.05) -> tuple[Any, Any]:
    """Wilson interval bounds (fractions 0-1) for count/nobs: statsmodels' ``proportion_confint(method="wilson")``.

    The same arithmetic in the same order, so the same floats to the last bit (tests compare them),
    without its per-call checks and its critical value recomputed by scipy each time, which cost
    most of an area's analysis. Scalars in, floats out; arrays in, arrays out.
    """
    scalar = np.ndim(count) == 0 and np.ndim(nobs) == 0
    count_a, nobs_a = np.asarray(count), np.asarray(nobs)
    q_ = count_a / nobs_a
    crit, crit2 = _wilson_crit(alpha)
    denom = 1 + crit2 / nobs_a
    center = (q_ + crit2 / (2 * nobs_a)) / denom
    dist = crit * np.sqrt(q_ * (1.0 - q_) / nobs_a + crit2 / (4.0 * nobs_a**2))
    dist /= denom
    ci_low = np.clip(center - dist, 0, 1)
    ci_upp = np.clip(center + dist, 0, 1)
    if scalar:
        return float(ci_low), float(ci_upp)
    return ci_low, ci_upp


def newcombe_bounds(count1: Any, nobs1: Any, count2: Any, nobs2: Any, alpha: float = 0.05) -> tuple[Any, Any]:
    """Newcombe's interval for p1 - p2 (fractions): statsmodels' ``confint_proportions_2indep(method="newcomb")``.

    Its arithmetic on Wilson bounds from :func:`wilson_bounds`, so the same floats to the last bit.
    """
    p1 = count1 / nobs1
    p2 = count2 / nobs2
    diff = p1 - p2
    low1, upp1 = wilson_bounds(count1, nobs1, alpha)
    low2, upp2 = wilson_bounds(count2, nobs2, alpha)
    d_low = np.sqrt((p1 - low1) ** 2 + (upp2 - p2) ** 2)
    d_upp = np.sqrt((p2 - low2) ** 2 + (upp1 - p1) ** 2)
    return diff - d_low, diff + d_upp


def wilson_interval(successes: int, n: int, alpha: float = 0.05) -> tuple[float | None, float | None]:
    """Wilson score interval for successes/n, as percentages 0-100; (None, None) when n is 0.

    Wilson rather than the normal approximation because audit samples are small
    and rates near 0 or 100% are common.
    """
    if n <= 0:
        return None, None
    low, high = wilson_bounds(successes, n, alpha)
    return float(low) * 100, float(high) * 100


def percentage(part: float, whole: float) -> float | None:
    """part/whole x 100, or None when whole is 0 (nothing to divide by is not 0%)."""
    return None if not whole else part / whole * 100


def round_or_none(value: float | None, digits: int = 1) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def cluster_interval(
    k: Any, sum_y: Any, sum_x: Any, sum_yy: Any, sum_xy: Any, sum_xx: Any, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """% Yes, effective n and a Wilson interval (percentages) for a rate pooling several answers per case.

    Answers from one case are not independent, so the case is the cluster. From
    each case's Yes count y_i and answered count x_i (given as the sums of y, x,
    y², xy and x² over the k cases with an answer, so areas can be pooled by
    adding): p = Σy/Σx, x̄ = Σx/k, the linearised variance of the ratio
    var = Σ(y_i − p·x_i)² / (k(k−1)·x̄²), and the effective number of answers
    n_eff = min(Σx, p(1−p)/var) when var > 0, Σx when var = 0, and k when k < 2.
    The interval is Wilson's on p with n_eff. Works on arrays; NaN where k is 0.
    """
    k, sy, sx = (np.asarray(v, dtype=float) for v in (k, sum_y, sum_x))
    syy, sxy, sxx = (np.asarray(v, dtype=float) for v in (sum_yy, sum_xy, sum_xx))
    answered = sx > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(answered, sy / np.where(answered, sx, 1), np.nan)
        residual = syy - 2 * p * sxy + p * p * sxx  # Σ(y_i − p·x_i)², expanded
        # Every case at p exactly (all Yes, none Yes, or the same share in each) is no spread at all;
        # the expansion leaves rounding crumbs there, so they are cleared.
        residual = np.where((sy == 0) | (sy == sx) | (residual <= 1e-12 * np.maximum(syy, 1)), 0.0, residual)
        xbar = sx / np.where(k > 0, k, 1)
        var = residual / np.where(k > 1, k * (k - 1) * xbar * xbar, 1)
        n_eff = np.where(var > 0, np.minimum(sx, p * (1 - p) / np.where(var > 0, var, 1)), sx)
    n_eff = np.where(k < 2, k, n_eff)
    n_eff = np.where(answered, n_eff, np.nan)
    low = np.full(p.shape, np.nan)
    high = np.full(p.shape, np.nan)
    if answered.any():
        lo, hi = wilson_bounds(p[answered] * n_eff[answered], n_eff[answered], alpha)
        low[answered], high[answered] = np.asarray(lo) * 100, np.asarray(hi) * 100
    return p * 100, n_eff, low, high


def cluster_sums(yes: Any, answered: Any) -> dict[str, float]:
    """The sums :func:`cluster_interval` takes, from each case's Yes and answered counts (cases with none dropped)."""
    y = np.asarray(yes, dtype=float)
    x = np.asarray(answered, dtype=float)
    y, x = y[x > 0], x[x > 0]
    return {
        "k": float(len(x)),
        "sum_y": float(y.sum()),
        "sum_x": float(x.sum()),
        "sum_yy": float((y * y).sum()),
        "sum_xy": float((x * y).sum()),
        "sum_xx": float((x * x).sum()),
    }


def adjust_holm(p_values: list[float | None], alpha: float = 0.05) -> list[bool | None]:
    """Which of several tests in one section still reject at ``alpha`` after Holm's correction (None stays None).

    Several comparisons in one section throw up "clear" differences by chance;
    Holm's step-down method keeps the chance of any false one at ``alpha``.
    """
    present = [i for i, p in enumerate(p_values) if p is not None and p == p]
    out: list[bool | None] = [None] * len(p_values)
    if not present:
        return out
    # Holm's step-down, as statsmodels' multipletests(method="holm") decides it: the k-th smallest
    # of m p-values (k from 0) is rejected while it and every smaller one is at most alpha / (m - k).
    # Written out rather than called: statsmodels' Holm branch ends with gc.collect(), and undoing
    # that cost with gc.freeze()/gc.unfreeze() also unfroze whatever the caller had frozen (a report
    # kernel freezes its imports, so that its resets between areas are cheap).
    values = [float(p_values[i]) for i in present]  # type: ignore[arg-type]
    m = len(values)
    reject = [False] * m
    for rank, j in enumerate(sorted(range(m), key=values.__getitem__)):
        if values[j] > alpha / (m - rank):
            break
        reject[j] = True
    for i, r in zip(present, reject, strict=True):
        out[i] = bool(r)
    return out


def one_sample_p(pct: float | None, n: float, figure: float | None) -> float | None:
    """Two-sided p-value of the score test that a rate (%, on n answers or n_eff) equals a fixed figure (%).

    The score test is the one Wilson's interval inverts: the p-value is below 0.05
    exactly when the 95% Wilson interval leaves the figure out.
    """
    if pct is None or figure is None or pct != pct or figure != figure or not n or n <= 0:
        return None
    p, p0 = pct / 100, figure / 100
    if p0 <= 0 or p0 >= 1:  # a fixed figure of 0% or 100%: any other rate differs from it
        return 1.0 if abs(p - p0) < 1e-12 else 0.0
    z = (p - p0) / math.sqrt(p0 * (1 - p0) / n)
    return math.erfc(abs(z) / math.sqrt(2))  # two-sided normal tail, as statsmodels' proportions_ztest


def two_sample_p(yes1: float, n1: float, yes2: float, n2: float) -> float | None:
    """Two-sided p-value of the score test that two rates are equal (counts may be effective, not whole).

    statsmodels' ``test_proportions_2indep(method="score")``, with Miettinen and
    Nurminen's variance correction: the same arithmetic in the same order, so the
    same float to the last bit (tests compare them over a grid of counts), without
    importing statsmodels' proportion module and ``scipy.stats``: 0.6 to 0.7 s in
    every process that would (the batch's, each worker's and each kernel's), where
    the calls themselves cost about 0.1 ms each. Under equal rates the constrained
    estimate of both is the pooled rate.
    """
    if not n1 or not n2 or n1 <= 0 or n2 <= 0:
        return None
    if any(isinstance(v, np.generic) for v in (yes1, n1, yes2, n2)):
        # statsmodels works on arrays, where a Python number is 64-bit beside a numpy float32
        # (as a bare Python float it would take the float32's type)
        yes1, n1, yes2, n2 = (np.asarray(v) for v in (yes1, n1, yes2, n2))
    count, nobs = yes1 + yes2, n1 + n2
    if count <= 0 or count >= nobs or nobs <= 1:  # every answer the same, or under one answer: nothing to find
        return 1.0
    from scipy.special import ndtr

    pooled = count / nobs
    var = pooled * (1 - pooled) / n1 + pooled * (1 - pooled) / n2
    var *= nobs / (nobs - 1)
    z = (yes1 / n1 - yes2 / n2) / np.sqrt(var)
    if type(z) is not np.float64:  # norm.sf takes its tail in 64 bits at least, whatever the counts were
        z = np.asarray(z, dtype=np.promote_types(np.asarray(z).dtype, np.float64))
    p = float(ndtr(-np.abs(z)) * 2)  # scipy.stats.norm.sf(|z|) * 2, as statsmodels works it out
    return 1.0 if p != p else p


def chi_square_p(yes: Any, answered: Any) -> float:
    """p-value of Pearson's chi-square test that every group has the same rate (groups in rows, Yes and not).

    statsmodels' ``proportions_chisquare(yes, answered)[1]`` (scipy's ``chisquare`` on
    the k by 2 table against the counts expected from its margins): the same
    arithmetic in the same order, so the same float (tested), without importing
    ``scipy.stats`` and statsmodels, which cost a batch, each kernel and each
    re-run most of a second. Callers leave out groups with no answers and tables
    where every answer is the same, as statsmodels cannot test those either.
    """
    from scipy.special import chdtrc

    count = np.asarray(yes)
    count = np.asarray(count, dtype=np.promote_types(count.dtype, np.float64))
    nobs = np.atleast_1d(answered)
    table = np.column_stack((count, nobs - count))
    expected = table.sum(0) * table.sum(1)[:, None] * 1.0 / table.sum()
    observed, expected = table.ravel(), expected.ravel()
    stat = np.sum((observed - expected) ** 2 / expected)
    df = float(observed.shape[0]) - 1 - float(table.shape[0])  # cells - 1 - rows: rows - 1
    return float(chdtrc(df, stat))


def clear_after_holm(p_values: list[float | None], enough: list[bool], alpha: float = 0.05) -> tuple[list[bool], int]:
    """Which comparisons are clear after Holm's correction, and how many comparisons were made.

    A comparison is made only where both sides have enough answers (``enough``)
    and there is a p-value; Holm's method then runs over those made.
    """
    made = [p if ok else None for p, ok in zip(p_values, enough, strict=True)]
    calls = adjust_holm(made, alpha)
    return [bool(c) for c in calls], sum(c is not None for c in calls)
