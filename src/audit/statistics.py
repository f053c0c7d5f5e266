"""Statistical helpers: intervals for proportions, agreement between auditors.

Thin wrappers over statsmodels, importing only the submodules needed (the whole
``statsmodels.api`` takes seconds to import).
"""

from __future__ import annotations

import math


def wilson_interval(successes: int, n: int, alpha: float = 0.05) -> tuple[float | None, float | None]:
    """Wilson score interval for successes/n, as percentages 0-100; (None, None) when n is 0.

    Wilson rather than the normal approximation because audit samples are small
    and rates near 0 or 100% are common.
    """
    if n <= 0:
        return None, None
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, n, alpha=alpha, method="wilson")
    return float(low) * 100, float(high) * 100


def percentage(part: float, whole: float) -> float | None:
    """part/whole x 100, or None when whole is 0 (nothing to divide by is not 0%)."""
    return None if not whole else part / whole * 100


def round_or_none(value: float | None, digits: int = 1) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)
