"""Results by age band, with the children the inspections focus on (unborn babies and 0 to 7) on their own.

The focus bands are set in the framework file (``age_focus``). Each band's
result pools every answer to every criterion for its cases; per criterion, the
focus group is set beside older children with a Newcombe interval for the
difference. A gap is called only where both groups have at least the
framework's ``min_answered`` answers, that interval excludes zero and the score
test's p-value survives Holm's correction over the criteria compared.
"""

from __future__ import annotations

import pandas as pd

from audit.analyse.compare import difference_interval, directions
from audit.analyse.groups import group_results
from audit.analyse.score import score_criteria
from audit.analyse.statistics import two_sample_p
from audit.framework.model import Framework
from audit.framework.settings import age_focus, finding_rules

NOT_RECORDED = "Not recorded"


def age_band_results(cases: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """One row per age band (then "Not recorded" if any), then the focus group and everyone older.

    Column ``group`` says which a row is: ``band``, ``focus`` or ``older``.
    """
    bands = cases["age_band"]
    masks: dict[str, pd.Series] = {b: bands == b for b in fw.age_bands}
    kinds = dict.fromkeys(fw.age_bands, "band")
    if bands.isna().any():
        masks[NOT_RECORDED] = bands.isna()
        kinds[NOT_RECORDED] = "band"
    focus = age_focus(fw)
    if focus is not None:
        older = [b for b in fw.age_bands if b not in focus.bands]
        masks[focus.label] = bands.isin(focus.bands)
        kinds[focus.label] = "focus"
        if older:
            label = "Older children (" + ", ".join(older) + ")"
            masks[label] = bands.isin(older)
            kinds[label] = "older"
    table = group_results(cases, masks, fw)
    table.insert(0, "group", [kinds[name] for name in table.index])
    return table


def focus_by_criterion(cases: pd.DataFrame, fw: Framework) -> pd.DataFrame | None:
    """Per criterion: the focus group beside older children, and the gap (focus minus older) with its interval.

    None when the framework names no focus bands. ``direction`` is "up" where the
    focus group does clearly better, "down" where it does clearly worse, "too few
    answers" where either group has fewer than ``min_answered``, else "no clear
    change". The number of comparisons made is ``frame.attrs["comparisons"]``.
    """
    focus = age_focus(fw)
    if focus is None:
        return None
    in_focus = cases["age_band"].isin(focus.bands)
    older = cases["age_band"].notna() & ~in_focus
    young, old = score_criteria(cases[in_focus], fw), score_criteria(cases[older], fw)
    # Each row as a dict once: looking rows up one by one in the frames cost most of this function.
    young_rows, old_rows = _rows(young), _rows(old)
    rows = []
    for c in fw.criteria:
        y, o = young_rows[c.id], old_rows[c.id]
        counts = (int(y["yes"]), int(y["answered"]), int(o["yes"]), int(o["answered"]))
        gap, low, high = difference_interval(*counts)
        rows.append(
            {
                "id": c.id,
                "label": f"{c.id} {c.label}",
                "key": c.key,
                "focus_yes": int(y["yes"]),
                "focus_answered": int(y["answered"]),
                "focus_pct": y["pct_yes"],
                "focus_low": y["ci_low"],
                "focus_high": y["ci_high"],
                "older_yes": int(o["yes"]),
                "older_answered": int(o["answered"]),
                "older_pct": o["pct_yes"],
                "older_low": o["ci_low"],
                "older_high": o["ci_high"],
                "gap": gap,
                "gap_low": low,
                "gap_high": high,
                "p_value": two_sample_p(*counts),
            }
        )
    frame = pd.DataFrame(rows)
    frame["diff_low"], frame["diff_high"] = frame["gap_low"], frame["gap_high"]
    frame["direction"], made = directions(frame, "focus", "older", finding_rules(fw).min_answered)
    frame = frame.drop(columns=["diff_low", "diff_high"])
    frame.attrs["comparisons"] = made
    return frame


def _rows(frame: pd.DataFrame) -> dict[str, dict[str, object]]:
    """Each row of a results frame as a dict (column -> value): the same numbers ``frame.loc[row]`` gives."""
    columns = list(frame.columns)
    values = frame.itertuples(index=False, name=None)
    return {iid: dict(zip(columns, row, strict=True)) for iid, row in zip(frame.index, values, strict=True)}
