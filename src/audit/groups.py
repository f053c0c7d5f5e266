"""Results for groups of cases (an agency's, an age band's, an audit round's), pooled over chosen criteria.

The counts and intervals are those of score.py: a group's result over several
criteria pools every answer to them, as a theme's result does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from audit.framework import Framework
from audit.score import RESULT_COLUMNS
from audit.statistics import percentage, wilson_interval
from audit.validate import INVALID


def answer_counts(cases: pd.DataFrame, ids: Iterable[str]) -> dict[str, int]:
    """Answers of each kind to the criteria ``ids`` over ``cases``, counted as score.py counts them."""
    values = cases[list(ids)].to_numpy(dtype=object).ravel().tolist() if len(cases) else []
    return {
        "yes": values.count("Yes"),
        "partly": values.count("Partly"),
        "no": values.count("No"),
        "na": values.count("N/A"),
        "missing": sum(v is None or (isinstance(v, float) and v != v) for v in values),
        "invalid": values.count(INVALID),
    }


def result_from_counts(counts: dict[str, int], fw: Framework) -> dict[str, float | int | None]:
    """Counts with answered, % Yes, its Wilson interval and the mean points."""
    answered = counts["yes"] + counts["partly"] + counts["no"]
    low, high = wilson_interval(counts["yes"], answered)
    points = sum(counts[k] * (fw.points[a] or 0.0) for k, a in (("yes", "Yes"), ("partly", "Partly"), ("no", "No")))
    return {
        **counts,
        "answered": answered,
        "pct_yes": percentage(counts["yes"], answered),
        "ci_low": low,
        "ci_high": high,
        "score": points / answered if answered else None,
    }


def group_results(
    cases: pd.DataFrame,
    masks: Mapping[str, pd.Series],
    fw: Framework,
    criteria_for: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """One row per group: its cases and its result pooled over its criteria (all criteria by default).

    ``masks`` maps a group's name to a boolean Series over ``cases`` choosing its cases.
    """
    rows = {}
    for name, mask in masks.items():
        sub = cases[mask.reindex(cases.index, fill_value=False).astype(bool)]
        ids = list(criteria_for[name]) if criteria_for is not None else list(fw.criterion_ids)
        rows[name] = {"cases": len(sub), **result_from_counts(answer_counts(sub, ids), fw)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["cases", *RESULT_COLUMNS])
