"""The national summary's analysis: every area pooled, the spread between areas, the areas' findings.

Written for the national summary (``audit.render.national`` shows it), in the
manner of the inspectorates' thematic reports: what was found across all the
areas, where practice was weakest almost everywhere, and where areas differed most.

Whether areas differ more than chance would explain is judged per criterion by
a chi-square test of equal proportions across the areas with at least the
framework's ``min_answered`` answers (Pearson's, as statsmodels ``proportions_chisquare``);
the report speaks of a spread "beyond chance" only where the p-value is below
0.05 after Holm's correction for every criterion and theme tested.

No sentence names a weakest, strongest or most different result on fewer than
``min_answered`` answers: the pooled figure needs that many, and the lowest and
highest areas are taken from the areas that have that many. A theme pools
several answers per case, so its pooled interval treats the case as the cluster.

Areas are set against one another (the lowest and highest area, where areas
differed most, the spread test) only when every area chose its cases the same
recorded way (:class:`SelectionMethods`): a purposive sample of worrying cases
and a random sample differ for that reason alone, whatever the practice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from audit.analyse.compare import items, pooled_by_item, spread
from audit.analyse.findings import CATEGORY_ORDER, classify
from audit.analyse.statistics import adjust_holm, chi_square_p
from audit.check.audit_details import SELECTION_METHODS
from audit.framework.model import Framework
from audit.framework.settings import finding_rules

SPREAD_P = 0.05
OTHER_METHOD = "Other"  # recorded, but says nothing of how the cases were chosen


@dataclass(frozen=True)
class SelectionMethods:
    """How each area chose its cases ("How cases were selected" in its Audit details; None: not recorded).

    Areas are ranked (set against one another) only when every area recorded one
    and the same method, and that method is not "Other", which does not say how.
    """

    by_area: Mapping[str, str | None]

    @property
    def methods(self) -> dict[str, int]:
        """Each recorded method and its number of areas, in the template's order of methods."""
        found = [m for m in self.by_area.values() if m is not None]
        order = [m for m in SELECTION_METHODS if m in found] + sorted({m for m in found} - set(SELECTION_METHODS))
        return {m: found.count(m) for m in order}

    @property
    def not_recorded(self) -> int:
        return sum(m is None for m in self.by_area.values())

    @property
    def ranked(self) -> bool:
        """Whether the areas' results may be set against one another: one shared, recorded, named method."""
        methods = self.methods
        return bool(self.by_area) and not self.not_recorded and len(methods) == 1 and OTHER_METHOD not in methods

    def why(self) -> str:
        """Why the areas are ranked or not, in a sentence naming the methods and the areas not recorded."""
        methods, missing = self.methods, self.not_recorded
        if self.ranked:
            method = next(iter(methods))
            return (
                f"Every area recorded the same way of choosing its cases ({method}), "
                "so their results are set side by side and compared."
            )
        if len(methods) > 1:
            found = f"The areas chose their cases in different ways ({_tally(methods)})"
            found += f", and how cases were selected was not recorded for {_areas(missing)}" if missing else ""
        elif methods and missing:
            method = next(iter(methods))
            found = (
                f"How cases were selected was recorded as {_named(method)} for {_areas(methods[method])} "
                f"but not recorded for {_areas(missing)}"
            )
        elif methods:
            found = "Every area recorded how its cases were selected only as Other, which does not say how"
        else:
            found = "No area recorded how its cases were selected"
        return (
            found + ", so a difference between areas could come from how their cases were chosen rather than "
            "from their practice. The areas are therefore not ranked: no area is placed as the lowest or highest, "
            "and the spread between areas is not tested."
        )


def _named(method: str) -> str:
    return "Other (which does not say how)" if method == OTHER_METHOD else method


def _areas(n: int) -> str:
    return f"{n} area" if n == 1 else f"{n} areas"


def _tally(methods: Mapping[str, int]) -> str:
    """ "Random sample in 3 areas; Purposive in 1 area" (one method a part)."""
    return "; ".join(f"{m} in {_areas(k)}" for m, k in methods.items())


def _float(value: object) -> float | None:
    return None if value is None or value != value else float(value)  # type: ignore[arg-type]


def area_findings(results: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Each area's finding category per criterion and theme (``results`` from compare.area_results)."""
    rules = finding_rules(fw)
    key = {c.id for c in fw.criteria if c.key}
    out = results[["area", "level", "id"]].copy()
    out["category"] = [
        classify(int(n), _float(p), _float(lo), _float(hi), level == "criterion" and iid in key, rules)[0]
        for n, p, lo, hi, level, iid in zip(
            results["answered"],
            results["pct_yes"],
            results["ci_low"],
            results["ci_high"],
            results["level"],
            results["id"],
            strict=True,
        )
    ]
    return out


def heterogeneity(results: pd.DataFrame, min_answered: int = 1) -> pd.Series:
    """Per (level, id): the chi-square p-value for "every area has the same % Yes" (None with under two areas).

    Only areas with at least ``min_answered`` answers take part.
    """
    out = {}
    for key, group in results[results["answered"] >= max(1, min_answered)].groupby(["level", "id"]):
        yes, n = group["yes"].to_numpy(), group["answered"].to_numpy()
        if len(group) < 2 or yes.sum() in (0, n.sum()):  # one area, or every answer the same: nothing to test
            out[key] = None
            continue
        out[key] = chi_square_p(yes, n)
    return pd.Series(out, dtype=object)


def national_table(results: pd.DataFrame, fw: Framework, rated: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per criterion then theme: all areas pooled, the spread between areas and the areas' findings.

    Columns: ``label``, ``key``, pooled ``yes``/``answered``/``pct_yes``/``ci_low``/``ci_high``
    (a theme's with the case as the cluster, and its ``n_eff``), ``areas`` (with at least
    ``min_answered`` answers), their ``lowest``/``median``/``highest`` % Yes, ``spread``
    (highest minus lowest), ``p_spread`` (chi-square), ``beyond_chance`` (p_spread
    below 0.05 after Holm's correction over every row tested), and the number of
    areas in each finding category (``strength``, ``improvement``, ``priority``,
    ``too_small``). ``attrs["tests"]`` is the number of spreads tested. ``rated``
    (rows of ``results``; all of them by default) are the area rates the spread
    and the findings' tallies are taken over: a published summary passes only
    the rates it may publish.
    """
    minimum = finding_rules(fw).min_answered
    rated = results if rated is None else rated
    ranges = spread(rated, minimum)
    p_values = heterogeneity(rated, minimum)
    found = area_findings(rated, fw)  # a hidden area rate's finding would say which side of a threshold it fell
    counts = found.groupby(["level", "id"])["category"].value_counts().unstack(fill_value=0)
    key = {c.id for c in fw.criteria if c.key}
    totals = pooled_by_item(results, fw)
    empty = {"yes": 0, "answered": 0, "pct_yes": None, "ci_low": None, "ci_high": None, "n_eff": None}
    rows = []
    for level, iid, label in items(fw):
        total = totals.loc[(level, iid)] if (level, iid) in totals.index else empty
        yes, n, low, high = int(total["yes"]), int(total["answered"]), _float(total["ci_low"]), _float(total["ci_high"])
        r = ranges.loc[(level, iid)] if (level, iid) in ranges.index else None
        lowest = None if r is None else _float(r["lowest"])
        highest = None if r is None else _float(r["highest"])
        row = {
            "level": level,
            "id": iid,
            "label": label,
            "key": level == "criterion" and iid in key,
            "yes": yes,
            "answered": n,
            "pct_yes": _float(total["pct_yes"]),
            "ci_low": low,
            "ci_high": high,
            "n_eff": _float(total["n_eff"]),
            "areas": 0 if r is None else int(r["areas"]),
            "lowest": lowest,
            "median": None if r is None else _float(r["median"]),
            "highest": highest,
            "spread": None if lowest is None or highest is None else highest - lowest,
            "p_spread": p_values.get((level, iid)),
        }
        for category in CATEGORY_ORDER:
            known = category in counts.columns and (level, iid) in counts.index
            row[category] = int(counts.loc[(level, iid), category]) if known else 0
        rows.append(row)
    frame = pd.DataFrame(rows)
    calls = adjust_holm(list(frame["p_spread"]), SPREAD_P)
    frame["beyond_chance"] = calls
    frame.attrs["tests"] = sum(c is not None for c in calls)
    frame.attrs["min_answered"] = minimum
    frame["hidden"] = False  # a published table marks the pooled rates it may not show
    frame["answers"] = frame["answered"]  # the pooled number answered as a page may print it (see publish.areas)
    return frame


def area_grid(results: pd.DataFrame, fw: Framework, level: str = "criterion") -> pd.DataFrame:
    """% Yes with criteria (or themes) as rows and areas as columns, in framework and batch order."""
    labels = {iid: label for lv, iid, label in items(fw) if lv == level}
    sub = results[results["level"] == level]
    grid = sub.pivot(index="id", columns="area", values="pct_yes")
    areas = list(dict.fromkeys(results["area"]))
    grid = grid.reindex(index=list(labels), columns=areas)
    grid.index = [labels[i] for i in grid.index]
    return grid


def _minimum(table: pd.DataFrame) -> int:
    return int(table.attrs.get("min_answered", 1))


def rated_criteria(table: pd.DataFrame) -> pd.DataFrame:
    """The criteria whose pooled figure rests on at least ``min_answered`` answers (and is published): the only ones
    named."""
    shown = ~table["hidden"]
    return table[(table["level"] == "criterion") & (table["answered"] >= max(1, _minimum(table))) & shown]


def weakest_everywhere(table: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The criteria weakest across the country: lowest pooled % Yes, ties broken by the best area's rate."""
    return rated_criteria(table).sort_values(["pct_yes", "highest"], na_position="last").head(n)


def widest_spread(table: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The criteria on which areas differ most (largest gap between the lowest and highest area with enough answers)."""
    crit = table[(table["level"] == "criterion") & table["spread"].notna() & (table["areas"] > 1)]
    return crit.sort_values("spread", ascending=False).head(n)


def areas_overview(results: pd.DataFrame, cases: pd.Series, fw: Framework) -> pd.DataFrame:
    """One row per area: cases scored, % Yes on each key criterion, and how many criteria fall in each category.

    ``cases`` maps an area to its number of scored cases.
    """
    found = area_findings(results, fw)
    counts = found[found["level"] == "criterion"].groupby("area")["category"].value_counts()
    crit = results[results["level"] == "criterion"]
    pct = {(a, i): p for a, i, p in zip(crit["area"], crit["id"], crit["pct_yes"], strict=True)}
    rows = []
    for area in dict.fromkeys(results["area"]):
        row = {"area": area, "cases": int(cases.get(area, 0))}
        for c in fw.criteria:
            if c.key:
                row[c.id] = _float(pct.get((area, c.id)))
        for category in CATEGORY_ORDER:
            row[category] = int(counts.get((area, category), 0))
        rows.append(row)
    return pd.DataFrame(rows)
