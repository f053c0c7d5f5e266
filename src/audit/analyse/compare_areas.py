"""An area beside the other areas of the run: its rate, the others pooled, the range, and the comparison.

How the comparison is judged is in :mod:`audit.analyse.compare`. What every
area's comparison shares (each criterion's and theme's sums over all areas,
the spread of area rates, each item's rates in order) is worked out once per
run in :class:`RunRates`; the other areas pooled are then the run's sums less
the area's own (the sums are whole numbers, so the difference is exact and the
rates are the same floats to the last bit as pooling the other areas' rows).
A national batch sets 150 areas beside the rest in a fraction of a second.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit.analyse.compare import (
    ABOVE,
    BELOW,
    SIMILAR,
    SUM_KEYS,
    TOO_FEW,
    NationalFigures,
    _clustered_ids,
    _float,
    items,
    rate_columns,
)
from audit.analyse.statistics import clear_after_holm, one_sample_p
from audit.errors import AuditError
from audit.framework.model import Framework
from audit.framework.settings import finding_rules

Item = tuple[str, str]  # (level, id)


@dataclass(frozen=True)
class RunRates:
    """What every area's comparison with the rest of the run shares, worked out once from the run's results."""

    framework: Framework
    columns: dict[str, list[Any]]  # the run's results column by column (plain values), per-case sums included
    rows: dict[str, list[int]]  # each area's row positions in ``columns``
    totals: dict[Item, dict[str, float]]  # each item's SUM_KEYS over every area
    ranges: dict[Item, dict[str, Any]]  # spread(): areas, lowest, median, highest
    rates: dict[Item, list[float]]  # each item's area rates (areas with an answer), lowest first
    areas: dict[Item, int]  # how many areas have a row for each item

    @classmethod
    def of(cls, results: pd.DataFrame, fw: Framework) -> RunRates:
        """The shared parts for ``results`` (:func:`audit.analyse.compare.area_results` of the run)."""
        table = results
        if not set(SUM_KEYS) <= set(results.columns):  # counts only: answers taken one by one (as pooled_by_item)
            table = results.assign(
                cases=results["answered"], sum_yy=results["yes"], sum_xy=results["yes"], sum_xx=results["answered"]
            )
        # Plain lists: a pandas lookup per row costs more than the row's arithmetic.
        columns = {str(c): table[c].tolist() for c in table.columns}
        # Each item's area rates in order, and how many areas have a row for it, without a loop over the rows.
        index: dict[Item, int] = {}
        codes = np.array(
            [index.setdefault(k, len(index)) for k in zip(columns["level"], columns["id"], strict=True)], dtype=int
        )
        keys = list(index)
        areas = dict(zip(keys, np.bincount(codes, minlength=len(keys)).tolist(), strict=True))
        answered = table["answered"].to_numpy() > 0
        rated, pcts = codes[answered], table["pct_yes"].to_numpy(dtype=float)[answered]
        order = np.lexsort((pcts, rated))
        rated, pcts = rated[order], pcts[order]
        cuts = np.flatnonzero(np.diff(rated)) + 1
        rates = {
            keys[int(part[0])]: values.tolist()
            for part, values in zip(np.split(rated, cuts), np.split(pcts, cuts), strict=True)
            if len(part)
        }
        # Each item's sums over every area (whole numbers, so exact in any order; counts stay integers).
        sums = {s: np.bincount(codes, weights=table[s].to_numpy(dtype=float), minlength=len(keys)) for s in SUM_KEYS}
        whole = {s: table[s].dtype.kind in "iu" for s in SUM_KEYS}
        totals = {
            k: {s: int(sums[s][j]) if whole[s] else float(sums[s][j]) for s in SUM_KEYS} for j, k in enumerate(keys)
        }
        rows = {a: list(p) for a, p in table.groupby("area", sort=False).indices.items()}
        return cls(fw, columns, rows, totals, _ranges(rates), rates, areas)

    def own(self, area: str) -> dict[Item, dict[str, Any]]:
        """The area's own row per item (empty when the run has no such area)."""
        out = {}
        for i in self.rows.get(area, []):
            row = {c: values[i] for c, values in self.columns.items()}
            out[(row["level"], row["id"])] = row
        return out

    def rest(self, area: str, mine: dict[Item, dict[str, Any]] | None = None) -> dict[Item, dict[str, Any]]:
        """The other areas pooled per item: counts, % Yes and interval (the case as the cluster for themes)."""
        mine = self.own(area) if mine is None else mine
        keys = [k for k in self.totals if self.areas.get(k, 0) - (k in mine) > 0]  # items another area has
        if not keys:
            return {}
        sums = {s: [self.totals[k][s] - (mine[k][s] if k in mine else 0) for k in keys] for s in SUM_KEYS}
        themes = _clustered_ids(self.framework)
        clustered = [level == "theme" and iid in themes for level, iid in keys]
        pct, low, high, _ = rate_columns(pd.DataFrame(sums), clustered)
        return {
            k: {
                "yes": sums["yes"][i],
                "answered": sums["answered"][i],
                "pct_yes": pct[i],
                "ci_low": low[i],
                "ci_high": high[i],
            }
            for i, k in enumerate(keys)
        }


def _ranges(rates: dict[Item, list[float]]) -> dict[Item, dict[str, Any]]:
    """:func:`audit.analyse.compare.spread` of the run from each item's rates in order (no groupby per run)."""
    out = {}
    for item, values in rates.items():
        n, mid = len(values), len(values) // 2
        median = values[mid] if n % 2 else (values[mid - 1] + values[mid]) / 2
        out[item] = {"areas": n, "lowest": values[0], "median": median, "highest": values[-1]}
    return out


def benchmark(
    results: pd.DataFrame,
    area: str,
    fw: Framework,
    national: NationalFigures | None = None,
    run: RunRates | None = None,
) -> pd.DataFrame:
    """One area beside the rest of the batch (and a national figure), per criterion and theme.

    ``results`` is :func:`audit.analyse.compare.area_results` for the batch
    (``run``: its :class:`RunRates`, when already worked out). Columns: the
    area's counts, rate and interval; the other areas pooled (``rest_*``); the
    spread of area rates (``areas``, ``lowest``, ``median``, ``highest``,
    ``rank`` with 1 the highest); ``vs_rest``; and ``national``/``vs_national``
    when figures are given. ``vs_*`` are judged as :mod:`audit.analyse.compare`
    says; the number of comparisons made is in ``frame.attrs["comparisons_rest"]``
    and ``["comparisons_national"]``.
    """
    run = run if run is not None else RunRates.of(results, fw)
    mine = run.own(area)
    if not mine:
        raise AuditError(f"no results for area {area!r}")
    minimum = finding_rules(fw).min_answered
    rest_rows = run.rest(area, mine)
    none_rest = {"yes": 0, "answered": 0, "pct_yes": None, "ci_low": None, "ci_high": None}
    rows = []
    for level, iid, label in items(fw):
        r = mine[(level, iid)]
        other = rest_rows.get((level, iid), none_rest)
        low, high, pct = _float(r["ci_low"]), _float(r["ci_high"]), _float(r["pct_yes"])
        spread_row = run.ranges.get((level, iid))
        area_rates = run.rates.get((level, iid), [])
        row: dict[str, Any] = {
            "level": level,
            "id": iid,
            "label": label,
            "yes": int(r["yes"]),
            "answered": int(r["answered"]),
            "pct_yes": pct,
            "ci_low": low,
            "ci_high": high,
            "n_eff": _float(r["n_eff"]) if "n_eff" in r else float(r["answered"]),
            "rest_yes": int(other["yes"]),
            "rest_answered": int(other["answered"]),
            "rest_pct": _float(other["pct_yes"]),
            "rest_low": _float(other["ci_low"]),
            "rest_high": _float(other["ci_high"]),
            "areas": len(area_rates),
            **{k: None if spread_row is None else _float(spread_row[k]) for k in ("lowest", "median", "highest")},
            # 1 + how many area rates are higher (the rates are in order, so counted by bisection)
            "rank": len(area_rates) - bisect_right(area_rates, pct) + 1 if pct is not None else None,
        }
        if national is not None:
            row["national"] = national.figures.get(iid)
        rows.append(row)
    frame = pd.DataFrame(rows)
    enough = [int(n) >= minimum for n in frame["answered"]]
    frame["vs_rest"], made = _calls(
        list(frame["pct_yes"]),
        list(frame["n_eff"]),
        list(frame["rest_pct"]),
        [ok and int(n) >= minimum for ok, n in zip(enough, frame["rest_answered"], strict=True)],
    )
    frame.attrs["comparisons_rest"] = made
    if national is not None:
        figures = list(frame["national"])
        frame["vs_national"], made = _calls(list(frame["pct_yes"]), list(frame["n_eff"]), figures, enough)
        frame.attrs["comparisons_national"] = made
    frame.attrs["min_answered"] = minimum
    return frame


def _calls(
    pcts: list[float | None], n_effs: list[float | None], figures: list[float | None], enough: list[bool]
) -> tuple[list[str | None], int]:
    """ "above", "below", "similar" or "too few answers" for each rate against its figure, Holm over the made ones."""
    p_values = [one_sample_p(p, n or 0, f) for p, n, f in zip(pcts, n_effs, figures, strict=True)]
    clear, made = clear_after_holm(p_values, enough)
    out: list[str | None] = []
    for p, f, ok, c, pv in zip(pcts, figures, enough, clear, p_values, strict=True):
        if p is None or f is None:
            out.append(None)
        elif not ok:
            out.append(TOO_FEW)
        elif pv is None:
            out.append(None)
        else:
            out.append((ABOVE if p > f else BELOW) if c else SIMILAR)
    return out, made
