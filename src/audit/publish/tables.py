"""An area's results tables and sample profile as they may be published, read from the published result."""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.analyse.area_result import sample_profile
from audit.publish import cells
from audit.publish.disclosure import SUPPRESSED
from audit.publish.published import PublishedResult


def published_profile(pub: PublishedResult) -> dict[str, dict[str, Any]]:
    """Who the scored cases were (age bands, agencies, grades), each count as published."""
    prof = sample_profile(pub.analysed)
    cell_of = {
        "age_bands": cells.age,
        "derived_grades": lambda g: cells.grade("derived", g),
        "auditor_grades": lambda g: cells.grade("auditor", g),
    }
    out = {name: {label: pub.shown(cell_of[name](label)) for label in prof[name]} for name in cell_of}
    out["agencies"] = {label: pub.shown(cells.involved(aid)) for aid, label in pub.framework.agencies.items()}
    return out


def criteria_table(pub: PublishedResult) -> pd.DataFrame:
    """Results by criterion for people: label, theme, counts, % Yes with interval, score."""
    fw = pub.framework
    rows = []
    for c in fw.criteria:
        row = cells.criterion(c.id)
        rows.append(
            {
                "ID": c.id,
                "Criterion": c.label + (" (key)" if c.key else ""),
                "Theme": fw.theme(c.theme).number,
                "Yes": pub.shown(row.cell("yes")),
                "Partly": pub.shown(row.cell("partly")),
                "No": pub.shown(row.cell("no")),
                "N/A": pub.shown(row.cell("na")),
                "Blank or invalid": _blank_or_invalid(pub, row),
                **_rate_columns(pub, row, pub.analysed.criteria.loc[c.id]),
            }
        )
    return pd.DataFrame(rows)


def themes_table(pub: PublishedResult) -> pd.DataFrame:
    fw = pub.framework
    rows = []
    for t in fw.themes:
        row = cells.theme(t.id)
        rows.append(
            {
                "Theme": f"{t.number}. {t.label}",
                "Answers": pub.shown(row.cell("answered")),
                **_rate_columns(pub, row, pub.analysed.themes.loc[t.id]),
            }
        )
    return pd.DataFrame(rows)


def _blank_or_invalid(pub: PublishedResult, row: cells.Row) -> Any:
    missing, invalid = pub.count(row.cell("missing")), pub.count(row.cell("invalid"))
    if missing.suppressed or invalid.suppressed:
        return SUPPRESSED
    return missing.value + invalid.value


def _rate_columns(pub: PublishedResult, row: cells.Row, r: pd.Series) -> dict[str, str]:
    score = r["score"]
    if pub.score_hidden(row):
        score_text = SUPPRESSED
    else:
        score_text = "" if score is None or score != score else f"{score:.2f}"
    if pub.rate_hidden(row):
        return {"% Yes": SUPPRESSED, "95% interval": SUPPRESSED, "Score": score_text}
    return {"% Yes": _pct(r["pct_yes"]), "95% interval": _interval(r["ci_low"], r["ci_high"]), "Score": score_text}


def _pct(value: float | None) -> str:
    return "" if value is None or value != value else f"{value:.0f}%"


def _interval(low: float | None, high: float | None) -> str:
    if low is None or low != low:
        return ""
    return f"{low:.0f}% to {high:.0f}%"
