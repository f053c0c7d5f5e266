"""The published result: an area's tables and sample profile as they may be published.

Every count goes through the result's disclosure control (``result.show``):
in publish mode a suppressed value shows as ``[c]``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.analyse.area_result import AreaResult, sample_profile
from audit.publish.disclosure import SUPPRESSED


def published_profile(result: AreaResult) -> dict[str, dict[str, Any]]:
    """sample_profile with disclosure control applied."""
    prof = sample_profile(result)
    keys = {"age_bands": "age", "derived_grades": "derived", "auditor_grades": "auditor"}
    out = {
        name: {label: result.show((keys[name], label), n) for label, n in values.items()}
        for name, values in prof.items()
        if name in keys
    }
    labels = result.framework.agencies
    out["agencies"] = {
        labels[aid]: result.show(("agency", aid), n) for aid, n in zip(labels, prof["agencies"].values(), strict=True)
    }
    return out


def criteria_table(result: AreaResult) -> pd.DataFrame:
    """Results by criterion for people: label, theme, counts, % Yes with interval, score."""
    fw = result.framework
    rows = []
    for c in fw.criteria:
        r, key = result.criteria.loc[c.id], ("c", c.id)
        rows.append(
            {
                "ID": c.id,
                "Criterion": c.label + (" (key)" if c.key else ""),
                "Theme": fw.theme(c.theme).number,
                "Yes": result.show((key, "yes"), int(r["yes"])),
                "Partly": result.show((key, "partly"), int(r["partly"])),
                "No": result.show((key, "no"), int(r["no"])),
                "N/A": result.show((key, "na"), int(r["na"])),
                "Blank or invalid": _blank_or_invalid(result, key, r),
                **_rate_columns(result, key, r),
            }
        )
    return pd.DataFrame(rows)


def themes_table(result: AreaResult) -> pd.DataFrame:
    fw = result.framework
    rows = []
    for t in fw.themes:
        r, key = result.themes.loc[t.id], ("t", t.id)
        rows.append(
            {
                "Theme": f"{t.number}. {t.label}",
                "Answers": result.show((key, "answered"), int(r["answered"])),
                **_rate_columns(result, key, r),
            }
        )
    return pd.DataFrame(rows)


def _blank_or_invalid(result: AreaResult, key: Any, r: pd.Series) -> Any:
    if (key, "missing") in result.hidden or (key, "invalid") in result.hidden:
        return SUPPRESSED
    return int(r["missing"] + r["invalid"])


def _rate_columns(result: AreaResult, key: Any, r: pd.Series) -> dict[str, str]:
    score = r["score"]
    if result.score_hidden(key):
        score_text = SUPPRESSED
    else:
        score_text = "" if score is None or score != score else f"{score:.2f}"
    if result.rate_hidden(key):
        return {"% Yes": SUPPRESSED, "95% interval": SUPPRESSED, "Score": score_text}
    return {"% Yes": _pct(r["pct_yes"]), "95% interval": _interval(r["ci_low"], r["ci_high"]), "Score": score_text}


def _pct(value: float | None) -> str:
    return "" if value is None or value != value else f"{value:.0f}%"


def _interval(low: float | None, high: float | None) -> str:
    if low is None or low != low:
        return ""
    return f"{low:.0f}% to {high:.0f}%"
