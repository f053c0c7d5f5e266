"""Comparisons: an area beside the other areas in the batch, beside a national figure, and over time.

Benchmarks mark a result "above" or "below" only where the area's rate differs
from the figure it is compared with (the other areas pooled, or a national
figure the user gives) by the score test that Wilson's interval inverts, still
at the 5% level after Holm's correction for every comparison in the section;
otherwise "similar". A comparison is made only where the area and the other
areas each have at least the framework's ``min_answered`` answers ("too few
answers" otherwise). The pooled figure of the other areas is treated as fixed,
which is fair when they hold several times the area's cases.

Change over time compares an area's latest audit round with the one before,
per criterion and theme, with a Newcombe (hybrid Wilson score) interval for the
difference: a change is "up" or "down" only where both rounds have enough
answers, that interval excludes zero and the score test's p-value survives
Holm's correction over the section's comparisons. A theme's rates and tests
use its effective number of answers (the case as the cluster).
How cases are grouped into audit rounds is in ``audit.analyse.rounds``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from audit.analyse.compare_versions import criterion_pairs, earlier_round
from audit.analyse.national_figures import NationalFigures, read_national  # noqa: F401  (re-exported)
from audit.analyse.rounds import audit_rounds, round_order, rounds_table  # noqa: F401  (rounds_table re-exported)
from audit.analyse.score import score_criteria, score_themes
from audit.analyse.statistics import (
    clear_after_holm,
    cluster_interval,
    newcombe_bounds,
    two_sample_p,
    wilson_bounds,
)
from audit.check.validate import AuditData
from audit.framework.model import Framework
from audit.framework.settings import finding_rules

RESULT_KEYS = ("yes", "partly", "no", "answered", "pct_yes", "ci_low", "ci_high")


#: Per-case sums kept with each area's result so that areas can be pooled with the case as the cluster.
CLUSTER_KEYS = ("cases", "n_eff", "sum_yy", "sum_xy", "sum_xx")


ABOVE, BELOW, SIMILAR = "above", "below", "similar"


UP, DOWN, NO_CLEAR_CHANGE = "up", "down", "no clear change"


TOO_FEW = "too few answers"


def _float(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def items(fw: Framework) -> list[tuple[str, str, str]]:
    """(level, id, label) for every criterion then every theme, in framework order."""
    return [("criterion", c.id, f"{c.id} {c.label}") for c in fw.criteria] + [
        ("theme", t.id, f"{t.number}. {t.label}") for t in fw.themes
    ]


def results_long(criteria: pd.DataFrame, themes: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """score_criteria and score_themes frames as one table indexed by (level, id)."""
    rows = []
    for level, iid, label in items(fw):
        r = criteria.loc[iid] if level == "criterion" else themes.loc[iid]
        rows.append({"level": level, "id": iid, "label": label, **{k: r[k] for k in RESULT_KEYS}})
    return pd.DataFrame(rows).set_index(["level", "id"])


def _wilson_columns(yes: pd.Series, n: pd.Series) -> tuple[list[float | None], ...]:
    """% Yes and Wilson bounds for many rows at once (None where nothing was answered), as statistics.py gives them."""
    answered = n.to_numpy() > 0
    pct: list[float | None] = [None] * len(n)
    low: list[float | None] = [None] * len(n)
    high: list[float | None] = [None] * len(n)
    if answered.any():
        y, m = yes.to_numpy()[answered], n.to_numpy()[answered]
        lo, hi = wilson_bounds(y, m)
        for j, i in enumerate(answered.nonzero()[0]):
            pct[i], low[i], high[i] = float(y[j] / m[j] * 100), float(lo[j] * 100), float(hi[j] * 100)
    return pct, low, high


def area_results(data: AuditData) -> pd.DataFrame:
    """Every area's results per criterion and theme (long format), counted as score.py counts them.

    Counted in one pass over all areas rather than area by area, so a national
    batch of 150 areas takes a fraction of a second; tests check it against
    analyse_area. The result is kept on ``data``, so a batch computes it once and
    every report kernel, given the batch's prepared copy, finds it there.
    """
    cached = data.derived.get("area_results")
    if cached is None:
        cached = data.derived["area_results"] = _area_results(data)
    return cached.copy()


def _area_results(data: AuditData) -> pd.DataFrame:
    fw = data.framework
    columns = ["area", "level", "id", "label", *RESULT_KEYS, *CLUSTER_KEYS]
    scored = data.scored
    if scored.empty:
        return pd.DataFrame(columns=columns)
    ids = list(fw.criterion_ids)
    wide = scored[["area", *ids]].reset_index(drop=True).rename_axis("case").reset_index()
    long = wide.melt(id_vars=["area", "case"], var_name="id", value_name="answer")
    long = long[long["answer"].isin(["Yes", "Partly", "No"])]
    counts = pd.crosstab([long["area"], long["id"]], long["answer"])
    counts = counts.reindex(columns=["Yes", "Partly", "No"], fill_value=0)
    grid = pd.MultiIndex.from_product([data.areas, ids], names=["area", "id"])
    counts = counts.reindex(grid, fill_value=0).astype(int).reset_index()
    counts.columns = ["area", "id", "yes", "partly", "no"]
    counts["level"] = "criterion"
    theme_of = {c.id: c.theme for c in fw.criteria}
    themes = counts.assign(id=counts["id"].map(theme_of)).groupby(["area", "id"], sort=False)[["yes", "partly", "no"]]
    themes = themes.sum().reset_index().assign(level="theme")
    # Each case's Yes (y) and answered (x) per theme, summed per area as cluster_interval takes them.
    per_case = long.assign(theme=long["id"].map(theme_of), y=long["answer"].eq("Yes").astype(float), x=1.0)
    per_case = per_case.groupby(["area", "theme", "case"], sort=False)[["y", "x"]].sum()
    per_case = per_case.assign(yy=per_case["y"] ** 2, xy=per_case["x"] * per_case["y"], xx=per_case["x"] ** 2)
    sums = per_case.groupby(["area", "theme"]).agg(
        cases=("x", "size"), sum_yy=("yy", "sum"), sum_xy=("xy", "sum"), sum_xx=("xx", "sum")
    )
    themes = themes.join(sums, on=["area", "id"])
    frame = pd.concat([counts, themes], ignore_index=True)
    frame["answered"] = frame["yes"] + frame["partly"] + frame["no"]
    crit = frame["level"] == "criterion"
    # One answer per case: a criterion's sums are its counts.
    frame.loc[crit, "cases"] = frame.loc[crit, "answered"]
    frame.loc[crit, "sum_yy"] = frame.loc[crit, "sum_xy"] = frame.loc[crit, "yes"]
    frame.loc[crit, "sum_xx"] = frame.loc[crit, "answered"]
    frame[["cases", "sum_yy", "sum_xy", "sum_xx"]] = frame[["cases", "sum_yy", "sum_xy", "sum_xx"]].fillna(0)
    frame["cases"] = frame["cases"].astype(int)
    pooled_ids = {t.id for t in fw.themes if len(fw.criteria_in(t.id)) > 1}
    clustered = (frame["level"] == "theme") & frame["id"].isin(pooled_ids)
    frame["pct_yes"], frame["ci_low"], frame["ci_high"], frame["n_eff"] = rate_columns(frame, clustered)
    order = {(level, iid): i for i, (level, iid, _) in enumerate(items(fw))}
    labels = {(level, iid): label for level, iid, label in items(fw)}
    frame["label"] = [labels[k] for k in zip(frame["level"], frame["id"], strict=True)]
    area_order = {a: i for i, a in enumerate(data.areas)}
    frame["_sort"] = [
        (area_order[a], order[(lv, i)]) for a, lv, i in zip(frame["area"], frame["level"], frame["id"], strict=True)
    ]
    return frame.sort_values("_sort").drop(columns="_sort").reset_index(drop=True)[columns]


def rate_columns(frame: pd.DataFrame, clustered: Any) -> tuple[list[float | None], ...]:
    """% Yes, interval and effective n for rows holding counts and per-case sums (as area_results has them).

    Rows where ``clustered`` is True pool several answers per case and get the
    case-as-cluster interval; the others (one answer per case) get Wilson's on their answers.
    """
    import numpy as np

    pct, low, high = _wilson_columns(frame["yes"], frame["answered"])
    n_eff: list[float | None] = [float(n) if n else None for n in frame["answered"]]
    mask = np.asarray(clustered, dtype=bool) & (frame["answered"].to_numpy() > 0)
    if mask.any():
        sub = frame[mask]
        _, ne, lo, hi = cluster_interval(
            sub["cases"], sub["yes"], sub["answered"], sub["sum_yy"], sub["sum_xy"], sub["sum_xx"]
        )
        for j, i in enumerate(mask.nonzero()[0]):
            low[i], high[i], n_eff[i] = float(lo[j]), float(hi[j]), float(ne[j])
    return pct, low, high, n_eff


SUM_KEYS = ("yes", "answered", "cases", "sum_yy", "sum_xy", "sum_xx")


def pooled_by_item(rows: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Rows of area_results pooled per (level, id): counts, % Yes, interval and effective n, in one pass.

    A theme of several criteria pools with the case as the cluster (its per-case sums add
    up across areas); a criterion's answers are one per case.
    """
    if not set(SUM_KEYS) <= set(rows.columns):  # counts only: answers taken one by one
        rows = rows.assign(cases=rows["answered"], sum_yy=rows["yes"], sum_xy=rows["yes"], sum_xx=rows["answered"])
    sums = rows.groupby(["level", "id"])[list(SUM_KEYS)].sum()
    themes = _clustered_ids(fw)
    clustered = [level == "theme" and iid in themes for level, iid in sums.index]
    sums["pct_yes"], sums["ci_low"], sums["ci_high"], sums["n_eff"] = rate_columns(sums, clustered)
    return sums


def position(low: float | None, high: float | None, figure: float | None) -> str | None:
    """Where an interval lies against a figure: wholly above, wholly below, or not (similar)."""
    if low is None or high is None or figure is None:
        return None
    if low > figure:
        return ABOVE
    if high < figure:
        return BELOW
    return SIMILAR


def spread(results: pd.DataFrame, min_answered: int = 1) -> pd.DataFrame:
    """Per (level, id): areas with at least ``min_answered`` answers, and their lowest, median and highest % Yes."""
    rated = results[results["answered"] >= max(1, min_answered)].assign(pct=lambda f: f["pct_yes"].astype(float))
    out = rated.groupby(["level", "id"])["pct"].agg(areas="count", lowest="min", median="median", highest="max")
    return out


def _clustered_ids(fw: Framework) -> set[str]:
    """Themes pooling two or more criteria: their rates have several answers per case."""
    return {t.id for t in fw.themes if len(fw.criteria_in(t.id)) > 1}


def difference_interval(
    yes1: float, n1: float, yes2: float, n2: float, alpha: float = 0.05
) -> tuple[float | None, float | None, float | None]:
    """Difference in % Yes (first minus second, percentage points) with its Newcombe interval.

    Counts may be effective rather than whole (a theme's p·n_eff of n_eff).
    """
    if n1 <= 0 or n2 <= 0:
        return None, None, None
    low, high = newcombe_bounds(yes1, n1, yes2, n2, alpha)
    return (yes1 / n1 - yes2 / n2) * 100, float(low) * 100, float(high) * 100


def effective(row: pd.Series) -> tuple[float, float]:
    """(Yes, answered) as a test should count them: p·n_eff of n_eff where the row has an effective n."""
    n = row.get("n_eff")
    answered = int(row["answered"])
    if n is None or n != n or not answered:
        return float(row["yes"]), float(answered)
    return float(row["yes"]) / answered * float(n), float(n)


def directions(frame: pd.DataFrame, prefix1: str, prefix2: str, minimum: int) -> tuple[list[str | None], int]:
    """ "up", "down", "no clear change" or "too few answers" per row, Holm over the comparisons made.

    ``frame`` has ``{prefix}_answered`` for both groups, the difference's interval
    (``low``/``high`` columns named by the caller as ``diff_low``/``diff_high``) and ``p_value``.
    """
    enough = [
        int(a) >= minimum and int(b) >= minimum
        for a, b in zip(frame[f"{prefix1}_answered"], frame[f"{prefix2}_answered"], strict=True)
    ]
    clear, made = clear_after_holm(list(frame["p_value"]), enough)
    out: list[str | None] = []
    for ok, c, lo, hi in zip(enough, clear, frame["diff_low"], frame["diff_high"], strict=True):
        if lo is None or hi is None or lo != lo:
            out.append(None)
        elif not ok:
            out.append(TOO_FEW)
        elif c and lo > 0:
            out.append(UP)
        elif c and hi < 0:
            out.append(DOWN)
        else:
            out.append(NO_CLEAR_CHANGE)
    return out, made


def change_since_previous(
    cases: pd.DataFrame, fw: Framework, earlier: Sequence[tuple[pd.DataFrame, Framework]] = ()
) -> pd.DataFrame | None:
    """Per criterion and theme: the previous round, the latest, and the change with its interval.

    None when the cases hold fewer than two rounds. ``direction`` is "up" or
    "down" where the change is clear (module docstring), "too few answers" where
    either round has fewer than ``min_answered``, else "no clear change". The
    number of comparisons made is ``frame.attrs["comparisons"]``. With one round
    and ``earlier`` rounds scored against an older version of the framework (cases,
    framework; oldest first), the criteria the mapping carries over are compared
    (:mod:`audit.analyse.compare_versions`).
    """
    rounds = audit_rounds(cases, fw)
    order = round_order(cases, rounds)
    minimum = finding_rules(fw).min_answered
    old_fw, sources, not_compared, swapped = fw, {(lv, i): (lv, i) for lv, i, _ in items(fw)}, None, False
    if len(order) >= 2:
        previous, latest = order[-2], order[-1]
        old_cases, new_cases = cases[rounds == previous], cases[rounds == latest]
    elif earlier and (across := earlier_round(cases, fw, earlier)) is not None:
        old_cases, old_fw, new_cases, previous, latest, swapped = across
        sources, not_compared = criterion_pairs(old_fw, fw)
    else:
        return None
    old = _long_with_n(score_criteria(old_cases, old_fw), score_themes(old_cases, old_fw), old_fw)
    new = _long_with_n(score_criteria(new_cases, fw), score_themes(new_cases, fw), fw)
    rows = []
    for level, iid, label in items(fw):
        if (source := sources.get((level, iid))) is not None:
            shown = label if source[1] == iid else f"{label} (was {source[1]})"
            pair = (new.loc[(level, iid)], old.loc[source]) if swapped else (old.loc[source], new.loc[(level, iid)])
            rows.append(_change_row(level, iid, shown, previous, latest, *pair))
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    frame["diff_low"], frame["diff_high"] = frame["change_low"], frame["change_high"]
    frame["direction"], made = directions(frame, "previous", "latest", minimum) if rows else ([], 0)
    frame = frame.drop(columns=["diff_low", "diff_high"])
    frame.attrs.update(comparisons=made, rounds=(previous, latest))
    if not_compared is not None:  # rounds of two versions: what the mapping could not carry over
        versions = (fw.version, old_fw.version) if swapped else (old_fw.version, fw.version)
        frame.attrs.update(versions=versions, not_compared=not_compared)
    return frame


CHANGE_COLUMNS = [
    *("level", "id", "label", "previous_round", "latest_round", "previous_yes", "previous_answered"),
    *("previous_pct", "latest_yes", "latest_answered", "latest_pct", "change", "change_low", "change_high", "p_value"),
]


def _change_row(
    level: str, iid: str, label: str, previous: str, latest: str, o: pd.Series, n: pd.Series
) -> dict[str, Any]:
    """One row of the change table: the previous round's result ``o`` beside the latest ``n``."""
    # keys in CHANGE_COLUMNS' order
    (ny, nn), (oy, on) = effective(n), effective(o)
    change, low, high = difference_interval(ny, nn, oy, on)
    return {
        "level": level,
        "id": iid,
        "label": label,
        "previous_round": previous,
        "latest_round": latest,
        "previous_yes": int(o["yes"]),
        "previous_answered": int(o["answered"]),
        "previous_pct": _float(o["pct_yes"]),
        "latest_yes": int(n["yes"]),
        "latest_answered": int(n["answered"]),
        "latest_pct": _float(n["pct_yes"]),
        "change": change,
        "change_low": low,
        "change_high": high,
        "p_value": two_sample_p(ny, nn, oy, on),
    }


def _long_with_n(criteria: pd.DataFrame, themes: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """results_long with each row's effective n (a criterion's is its answered count)."""
    out = results_long(criteria, themes, fw)
    out["n_eff"] = [
        float(themes.loc[iid, "n_eff"]) if level == "theme" else float(criteria.loc[iid, "answered"])
        for level, iid in out.index
    ]
    return out
