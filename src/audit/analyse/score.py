"""Scoring: validated cases in, results per criterion and theme and a grade per case out.

Yes = 1, Partly = 0.5, No = 0 (the points live in the framework file); N/A,
blank and invalid answers are left out of every rate.

A criterion's rate has one answer per case, so its interval is Wilson's on the
answers. A rate that pools several criteria (a theme, an agency, an age band)
has several answers from each case, and answers from one case go together: its
interval treats the case as the cluster (:func:`audit.analyse.statistics.cluster_interval`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from audit.analyse.statistics import cluster_interval, cluster_sums, percentage, wilson_interval
from audit.check.validate import INVALID
from audit.framework.model import Framework

RESULT_COLUMNS = (
    "yes",
    "partly",
    "no",
    "na",
    "missing",
    "invalid",
    "answered",
    "pct_yes",
    "ci_low",
    "ci_high",
    "score",
)
#: What a pooled rate adds: the cases with at least one answer, and the effective number of answers.
POOLED_COLUMNS = ("cases_answered", "n_eff")


#: Each answer's code in an answer matrix (see :func:`answer_codes`).
YES, PARTLY, NO, NA, MISSING, BAD, OTHER = range(7)
_CODE = {"Yes": YES, "Partly": PARTLY, "No": NO, "N/A": NA, INVALID: BAD}
_KINDS = ("yes", "partly", "no", "na", "missing", "invalid")


def answer_codes(cases: pd.DataFrame, ids: Iterable[str]) -> np.ndarray:
    """The answers to the criteria ``ids`` as small integer codes, one row per case, one column per criterion.

    Read from the frame once, so the counts, per-case sums and groups that follow are
    numpy work on a small matrix rather than pandas selections on tiny frames. A blank is
    None or NaN; a value of any other kind is OTHER and counts nowhere, as before.
    """
    ids = list(ids)
    if not len(cases) or not ids:
        return np.zeros((len(cases), len(ids)), dtype=np.int8)
    flat = cases[ids].to_numpy(dtype=object).ravel().tolist()
    codes = [
        _CODE.get(v, OTHER)
        if isinstance(v, str)
        else (MISSING if v is None or (isinstance(v, float) and v != v) else OTHER)
        for v in flat
    ]
    return np.asarray(codes, dtype=np.int8).reshape(len(cases), len(ids))


def counts_from_codes(codes: np.ndarray) -> dict[str, int]:
    """Answers of each kind in an answer matrix (or one column of it)."""
    tally = np.bincount(codes.ravel(), minlength=OTHER + 1)
    return {kind: int(tally[code]) for code, kind in enumerate(_KINDS)}


def answer_counts(cases: pd.DataFrame, ids: Iterable[str]) -> dict[str, int]:
    """Answers of each kind to the criteria ``ids`` over ``cases``, counted as score.py counts them."""
    return counts_from_codes(answer_codes(cases, ids))


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


def case_counts(cases: pd.DataFrame, ids: Iterable[str]) -> tuple[pd.Series, pd.Series]:
    """Each case's Yes answers and answers of Yes, Partly or No to the criteria ``ids``."""
    codes = answer_codes(cases, ids)
    yes, answered = (codes == YES).sum(axis=1), (codes <= NO).sum(axis=1)
    return pd.Series(yes, index=cases.index), pd.Series(answered, index=cases.index)


def pooled_result(cases: pd.DataFrame, ids: Iterable[str], fw: Framework) -> dict[str, float | int | None]:
    """The result over several criteria: counts as result_from_counts, the interval with the case as the cluster.

    Over one criterion a case gives one answer, so the plain Wilson interval stands
    (``n_eff`` is then the number answered).
    """
    return pooled_from_codes(answer_codes(cases, ids), fw)


def pooled_from_codes(codes: np.ndarray, fw: Framework) -> dict[str, float | int | None]:
    """:func:`pooled_result` over an answer matrix (rows the cases, columns the criteria pooled)."""
    out = result_from_counts(counts_from_codes(codes), fw)
    sums = cluster_sums((codes == YES).sum(axis=1), (codes <= NO).sum(axis=1))
    out["cases_answered"] = int(sums["k"])
    if codes.shape[1] < 2 or not out["answered"]:
        out["n_eff"] = float(out["answered"])  # type: ignore[arg-type]
        return out
    _, n_eff, low, high = cluster_interval(**sums)
    out["n_eff"], out["ci_low"], out["ci_high"] = float(n_eff), float(low), float(high)
    return out


def score_criteria(scored: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """One row per criterion (index: criterion ID), in framework order."""
    codes = answer_codes(scored, [c.id for c in fw.criteria])
    rows = {c.id: result_from_counts(counts_from_codes(codes[:, j]), fw) for j, c in enumerate(fw.criteria)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(RESULT_COLUMNS))


THEME_COLUMNS = (*RESULT_COLUMNS, "cases", "n_eff")


def score_themes(scored: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """One row per theme: every answer to the theme's criteria pooled, the case as the cluster.

    ``cases`` is the number of cases with at least one answer to the theme's
    criteria and ``n_eff`` the effective number of answers the interval rests on.
    """
    column = {c.id: j for j, c in enumerate(fw.criteria)}
    codes = answer_codes(scored, column)
    rows = {}
    for theme in fw.themes:
        r = pooled_from_codes(codes[:, [column[c.id] for c in fw.criteria_in(theme.id)]], fw)
        r["cases"] = r.pop("cases_answered")
        rows[theme.id] = r
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(THEME_COLUMNS))


def case_points(scored: pd.DataFrame, fw: Framework) -> pd.Series:
    """Each case's mean points over the criteria it answered (NaN where none)."""
    ids = list(fw.criterion_ids)
    flat = scored[ids].to_numpy(dtype=object).ravel().tolist() if len(scored) else []
    pts = [fw.points.get(v) if isinstance(v, str) else None for v in flat]
    # None is NaN in a float array; one float block, as the column-by-column version made, so the same mean.
    matrix = np.asarray(pts, dtype=float).reshape(len(scored), len(ids))
    return pd.DataFrame(matrix, index=scored.index, columns=ids).mean(axis=1, skipna=True)


def grade_cases(scored: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Mean points and the derived grade for each case.

    The grade is the first band whose minimum the mean reaches; a key criterion
    answered No limits the case to the framework's cap (Requires improvement).
    """
    means = case_points(scored, fw)
    key_ids = [c.id for c in fw.criteria if c.key]
    order = list(fw.grades)
    cap_rank = order.index(fw.key_no_cap)
    grades = []
    key_no = scored[key_ids].eq("No").any(axis=1) if key_ids else pd.Series(False, index=scored.index)
    for mean, capped in zip(means, key_no, strict=True):
        if mean != mean:  # NaN: nothing answered
            grades.append(None)
            continue
        grade = next(b.grade for b in fw.grade_bands if mean >= b.min - 1e-9)
        if capped and order.index(grade) < cap_rank:
            grade = fw.key_no_cap
        grades.append(grade)
    return pd.DataFrame({"mean_points": means, "derived_grade": grades, "key_criterion_no": key_no}, index=scored.index)
