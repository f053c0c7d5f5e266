"""Results for groups of cases (an agency's, an age band's, an audit round's), pooled over chosen criteria.

The counts and intervals are those of score.py: a group's result over several
criteria pools every answer to them, as a theme's result does, and its interval
treats the case as the cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from audit.analyse.score import POOLED_COLUMNS, RESULT_COLUMNS, answer_codes, answer_counts, pooled_from_codes
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
    ids_of = {name: list(criteria_for[name]) if criteria_for is not None else list(fw.criterion_ids) for name in masks}
    column = {cid: j for j, cid in enumerate(dict.fromkeys(cid for ids in ids_of.values() for cid in ids))}
    codes = answer_codes(cases, column)  # every answer read once; each group takes its rows and columns
    rows = {}
    for name, mask in masks.items():
        chosen = _chosen(mask, cases.index)
        sub = codes[chosen][:, [column[cid] for cid in ids_of[name]]]
        rows[name] = {"cases": int(chosen.sum()), **pooled_from_codes(sub, fw)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["cases", *RESULT_COLUMNS, *POOLED_COLUMNS])


def _chosen(mask: pd.Series, index: pd.Index) -> np.ndarray:
    """A group's mask as a boolean array over ``index`` (cases the mask does not name are left out)."""
    if mask.dtype == bool and mask.index.equals(index):
        return mask.to_numpy()
    return mask.reindex(index, fill_value=False).astype(bool).to_numpy()


__all__ = ["answer_counts", "group_results"]
