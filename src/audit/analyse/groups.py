"""Results for groups of cases (an agency's, an age band's, an audit round's), pooled over chosen criteria.

The counts and intervals are those of score.py: a group's result over several
criteria pools every answer to them, as a theme's result does, and its interval
treats the case as the cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from audit.analyse.score import POOLED_COLUMNS, RESULT_COLUMNS, answer_counts, pooled_result
from audit.framework.model import Framework


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
        rows[name] = {"cases": len(sub), **pooled_result(sub, ids, fw)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["cases", *RESULT_COLUMNS, *POOLED_COLUMNS])


__all__ = ["answer_counts", "group_results"]
