"""Comparisons: an area beside the other areas in the batch, beside a national figure, and over time.

Benchmarks mark a result "above" or "below" only where the area's 95% Wilson
interval lies wholly above or wholly below the figure it is compared with (the
other areas pooled, or a national figure the user gives); otherwise "similar".
The pooled figure of the other areas is treated as fixed, which is fair when
they hold several times the area's cases; with few areas, read marks with care.

Change over time compares an area's latest audit round with the one before,
per criterion and theme, with a Newcombe (hybrid Wilson score) interval for the
difference: a change is "up" or "down" only where that interval excludes zero.
Rounds come from an ``Audit round`` column when the workbook has one; otherwise
audit dates are sorted and a new round starts after a gap of more than
``rounds.gap_days`` days (framework file), so a few weeks' audit is one round
even when it spans the end of a quarter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from audit.errors import AuditError, SettingsFileError
from audit.framework import Framework
from audit.safe_yaml import YamlRefused, load_yaml
from audit.score import score_criteria, score_themes
from audit.settings import round_gap_days
from audit.statistics import percentage, wilson_interval
from audit.validate import AuditData

RESULT_KEYS = ("yes", "partly", "no", "answered", "pct_yes", "ci_low", "ci_high")
ABOVE, BELOW, SIMILAR = "above", "below", "similar"
UP, DOWN, NO_CLEAR_CHANGE = "up", "down", "no clear change"


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
    from statsmodels.stats.proportion import proportion_confint

    answered = n.to_numpy() > 0
    pct: list[float | None] = [None] * len(n)
    low: list[float | None] = [None] * len(n)
    high: list[float | None] = [None] * len(n)
    if answered.any():
        y, m = yes.to_numpy()[answered], n.to_numpy()[answered]
        lo, hi = proportion_confint(y, m, method="wilson")
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
    columns = ["area", "level", "id", "label", *RESULT_KEYS]
    scored = data.scored
    if scored.empty:
        return pd.DataFrame(columns=columns)
    ids = list(fw.criterion_ids)
    long = scored[["area", *ids]].melt(id_vars="area", var_name="id", value_name="answer")
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
    frame = pd.concat([counts, themes], ignore_index=True)
    frame["answered"] = frame["yes"] + frame["partly"] + frame["no"]
    frame["pct_yes"], frame["ci_low"], frame["ci_high"] = _wilson_columns(frame["yes"], frame["answered"])
    order = {(level, iid): i for i, (level, iid, _) in enumerate(items(fw))}
    labels = {(level, iid): label for level, iid, label in items(fw)}
    frame["label"] = [labels[k] for k in zip(frame["level"], frame["id"], strict=True)]
    area_order = {a: i for i, a in enumerate(data.areas)}
    frame["_sort"] = [
        (area_order[a], order[(lv, i)]) for a, lv, i in zip(frame["area"], frame["level"], frame["id"], strict=True)
    ]
    return frame.sort_values("_sort").drop(columns="_sort").reset_index(drop=True)[columns]


def position(low: float | None, high: float | None, figure: float | None) -> str | None:
    """Where an interval lies against a figure: wholly above, wholly below, or not (similar)."""
    if low is None or high is None or figure is None:
        return None
    if low > figure:
        return ABOVE
    if high < figure:
        return BELOW
    return SIMILAR


@dataclass(frozen=True)
class NationalFigures:
    """Comparison figures the user supplies (% Yes by criterion or theme ID) and where they come from."""

    figures: dict[str, float] = field(default_factory=dict)
    source: str = "national figure"


def read_national(path: str | Path, fw: Framework) -> NationalFigures:
    """Read national figures from YAML or JSON: ``{V1: 41.5, ...}``, optionally with ``source: "..."``.

    IDs are criterion or theme IDs (any case); values are percentages from 0 to 100.
    """
    path = Path(path)
    try:
        raw = load_yaml(path.read_bytes())  # YAML reads JSON too
    except OSError as exc:
        raise SettingsFileError(f"{path}: cannot read the national figures ({exc.strerror})") from None
    except YamlRefused as exc:
        raise SettingsFileError(f"{path}: national figures refused: {exc}") from None
    if not isinstance(raw, dict):
        raise AuditError(f"{path}: national figures should map criterion IDs to percentages, such as V1: 41.5")
    source = str(raw.pop("source", "") or "national figure")
    known = {c.id.upper(): c.id for c in fw.criteria} | {t.id.upper(): t.id for t in fw.themes}
    figures: dict[str, float] = {}
    for key, value in raw.items():
        iid = known.get(str(key).upper())
        if iid is None:
            raise AuditError(f"{path}: {key!r} is not a criterion or theme of {fw.id}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            raise AuditError(f"{path}: the figure for {key} should be a percentage from 0 to 100")
        figures[iid] = float(value)
    return NationalFigures(figures, source)


def spread(results: pd.DataFrame) -> pd.DataFrame:
    """Per (level, id): how many areas answered, and the lowest, median and highest area % Yes."""
    rated = results[results["answered"] > 0].assign(pct=lambda f: f["pct_yes"].astype(float))
    out = rated.groupby(["level", "id"])["pct"].agg(areas="count", lowest="min", median="median", highest="max")
    return out


def benchmark(results: pd.DataFrame, area: str, fw: Framework, national: NationalFigures | None = None) -> pd.DataFrame:
    """One area beside the rest of the batch (and a national figure), per criterion and theme.

    ``results`` is :func:`area_results` for the batch. Columns: the area's counts,
    rate and interval; the other areas pooled (``rest_*``); the spread of area
    rates (``areas``, ``lowest``, ``median``, ``highest``, ``rank`` with 1 the
    highest); ``vs_rest``; and ``national``/``vs_national`` when figures are given.
    """
    mine = results[results["area"] == area].set_index(["level", "id"])
    if mine.empty:
        raise AuditError(f"no results for area {area!r}")
    rest = results[results["area"] != area].groupby(["level", "id"])[["yes", "answered"]].sum()
    ranges = spread(results)
    rated = results[results["answered"] > 0]
    rates = {key: group["pct_yes"].astype(float) for key, group in rated.groupby(["level", "id"])}
    rows = []
    for level, iid, label in items(fw):
        r = mine.loc[(level, iid)]
        rest_yes = int(rest.loc[(level, iid), "yes"]) if (level, iid) in rest.index else 0
        rest_n = int(rest.loc[(level, iid), "answered"]) if (level, iid) in rest.index else 0
        rest_low, rest_high = wilson_interval(rest_yes, rest_n)
        rest_pct = percentage(rest_yes, rest_n)
        low, high, pct = _float(r["ci_low"]), _float(r["ci_high"]), _float(r["pct_yes"])
        spread_row = ranges.loc[(level, iid)] if (level, iid) in ranges.index else None
        area_rates = rates.get((level, iid), pd.Series(dtype=float))
        row: dict[str, Any] = {
            "level": level,
            "id": iid,
            "label": label,
            "yes": int(r["yes"]),
            "answered": int(r["answered"]),
            "pct_yes": pct,
            "ci_low": low,
            "ci_high": high,
            "rest_yes": rest_yes,
            "rest_answered": rest_n,
            "rest_pct": rest_pct,
            "rest_low": rest_low,
            "rest_high": rest_high,
            "areas": len(area_rates),
            **{k: None if spread_row is None else _float(spread_row[k]) for k in ("lowest", "median", "highest")},
            "rank": int((area_rates > pct).sum()) + 1 if pct is not None else None,
            "vs_rest": position(low, high, rest_pct),
        }
        if national is not None:
            figure = national.figures.get(iid)
            row["national"] = figure
            row["vs_national"] = position(low, high, figure)
        rows.append(row)
    return pd.DataFrame(rows)


# Change over time ---------------------------------------------------------------------------------


def _natural(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label.casefold())


def _month_span(dates: list[dt.date]) -> str:
    first, last = min(dates), max(dates)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%B %Y}"
    if first.year == last.year:
        return f"{first:%B} to {last:%B %Y}"
    return f"{first:%B %Y} to {last:%B %Y}"


def audit_rounds(cases: pd.DataFrame, fw: Framework) -> pd.Series:
    """Each case's audit round label (None where it cannot be told), by the rule in the module docstring."""
    column = cases["audit_round"] if "audit_round" in cases else pd.Series(None, index=cases.index)
    if column.notna().any():
        return column.map(lambda v: None if v is None or v != v else str(v)).astype(object)
    dates = cases["audit_date"].map(lambda d: d if isinstance(d, dt.date) else None)
    known = sorted({d for d in dates if d is not None})
    if not known:
        return pd.Series(None, index=cases.index, dtype=object)
    gap = dt.timedelta(days=round_gap_days(fw))
    clusters: list[list[dt.date]] = [[known[0]]]
    for d in known[1:]:
        if d - clusters[-1][-1] > gap:
            clusters.append([])
        clusters[-1].append(d)
    label_of = {d: _month_span(c) for c in clusters for d in c}
    return dates.map(lambda d: label_of.get(d) if d is not None else None).astype(object)


def round_order(cases: pd.DataFrame, rounds: pd.Series) -> list[str]:
    """Round labels from earliest to latest: by their first audit date, then by label (2 before 10)."""
    labels = [r for r in dict.fromkeys(rounds) if r is not None]

    def first_date(label: str) -> dt.date:
        ds = [d for d in cases.loc[rounds == label, "audit_date"] if isinstance(d, dt.date)]
        return min(ds) if ds else dt.date.max

    return sorted(labels, key=lambda lab: (first_date(lab), _natural(lab)))


def rounds_table(cases: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """One row per audit round, in order: its label, cases and first and last audit dates."""
    rounds = audit_rounds(cases, fw)
    rows = []
    for label in round_order(cases, rounds):
        ds = [d for d in cases.loc[rounds == label, "audit_date"] if isinstance(d, dt.date)]
        rows.append(
            {
                "round": label,
                "cases": int((rounds == label).sum()),
                "first_date": min(ds) if ds else None,
                "last_date": max(ds) if ds else None,
            }
        )
    return pd.DataFrame(rows, columns=["round", "cases", "first_date", "last_date"])


def difference_interval(
    yes1: int, n1: int, yes2: int, n2: int, alpha: float = 0.05
) -> tuple[float | None, float | None, float | None]:
    """Difference in % Yes (first minus second, percentage points) with its Newcombe interval."""
    if n1 <= 0 or n2 <= 0:
        return None, None, None
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(yes1, n1, yes2, n2, method="newcomb", compare="diff", alpha=alpha)
    return (yes1 / n1 - yes2 / n2) * 100, float(low) * 100, float(high) * 100


def change_since_previous(cases: pd.DataFrame, fw: Framework) -> pd.DataFrame | None:
    """Per criterion and theme: the previous round, the latest, and the change with its interval.

    None when the cases hold fewer than two rounds. ``direction`` is "up" or
    "down" where the interval for the change excludes zero, else "no clear change".
    """
    rounds = audit_rounds(cases, fw)
    order = round_order(cases, rounds)
    if len(order) < 2:
        return None
    previous, latest = order[-2], order[-1]
    before = score_criteria(cases[rounds == previous], fw)
    after = score_criteria(cases[rounds == latest], fw)
    old = results_long(before, score_themes(before, fw), fw)
    new = results_long(after, score_themes(after, fw), fw)
    rows = []
    for level, iid, label in items(fw):
        o, n = old.loc[(level, iid)], new.loc[(level, iid)]
        change, low, high = difference_interval(int(n["yes"]), int(n["answered"]), int(o["yes"]), int(o["answered"]))
        direction = None
        if low is not None and high is not None:
            direction = UP if low > 0 else DOWN if high < 0 else NO_CLEAR_CHANGE
        rows.append(
            {
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
                "direction": direction,
            }
        )
    return pd.DataFrame(rows)
