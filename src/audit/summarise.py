"""Summaries: one area's validated and scored cases turned into plain results.

:func:`analyse_area` is what the report notebook, ``audit score`` and
``audit batch`` all call, so every output is built from the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from audit.framework import Framework
from audit.score import grade_cases, score_criteria, score_themes
from audit.statistics import round_or_none
from audit.validate import AuditData


def slugify(name: str) -> str:
    """Area name to a folder name: lower case, hyphens (`Carrow Fen` -> `carrow-fen`)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return slug or "area"


@dataclass
class AreaResult:
    """Everything a report says about one area, as plain data."""

    area: str
    framework: Framework
    data: AuditData
    criteria: pd.DataFrame
    themes: pd.DataFrame
    cases: pd.DataFrame

    @property
    def slug(self) -> str:
        return slugify(self.area)

    @property
    def rows_read(self) -> int:
        return len(self.data.cases)

    @property
    def cases_scored(self) -> int:
        return len(self.cases)

    @property
    def cases_excluded(self) -> int:
        return len(self.data.excluded)


def analyse_area(data: AuditData, area: str | None = None) -> AreaResult:
    """Score one area. ``data`` may hold many areas; ``area`` picks one (optional when it holds one)."""
    if area is None:
        if len(data.areas) != 1:
            from audit.errors import AuditError

            raise AuditError(f"choose an area: the data holds {len(data.areas)} ({', '.join(data.areas)})")
        area = data.areas[0]
    data = data.for_area(area)
    fw = data.framework
    scored = data.scored
    criteria = score_criteria(scored, fw)
    themes = score_themes(criteria, fw)
    cases = pd.concat([scored, grade_cases(scored, fw)], axis=1).reset_index(drop=True)
    return AreaResult(data.areas[0], fw, data, criteria, themes, cases)


def _result_dict(row: pd.Series) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: int(row[k]) for k in ("yes", "partly", "no", "na", "missing", "invalid", "answered")
    }
    for k in ("pct_yes", "ci_low", "ci_high"):
        out[k] = round_or_none(row[k], 1)
    out["score"] = round_or_none(row["score"], 3)
    return out


def _counts(values: pd.Series, order: tuple[str, ...] | list[str]) -> dict[str, int]:
    counts = values.value_counts()
    out = {k: int(counts.get(k, 0)) for k in order}
    missing = int(values.isna().sum())
    if missing:
        out["Not recorded"] = missing
    return out


def sample_profile(result: AreaResult) -> dict[str, dict[str, int]]:
    """Who the scored cases were: age bands, agencies involved, grades."""
    fw, cases = result.framework, result.cases
    agency_counts = {
        label: int(sum(aid in a for a in cases["agencies"])) for aid, label in fw.agencies.items()
    }
    return {
        "age_bands": _counts(cases["age_band"], fw.age_bands),
        "agencies": agency_counts,
        "derived_grades": _counts(cases["derived_grade"], fw.grades),
        "auditor_grades": _counts(cases["overall_grade"], fw.grades),
    }


def summary_dict(result: AreaResult) -> dict[str, Any]:
    """The area's summary.json: counts, exclusions, problems and results, all JSON-ready."""
    fw = result.framework
    return {
        "area": result.area,
        "slug": result.slug,
        "framework": {"id": fw.id, "title": fw.title, "version": fw.version, "sha256": fw.sha256},
        "inputs": dict(sorted(result.data.files.items())),
        "rows_read": result.rows_read,
        "cases_scored": result.cases_scored,
        "cases_excluded": result.cases_excluded,
        "excluded": result.data.exclusions(),
        "problems": [
            {"where": p.where, "severity": p.severity, "case_id": p.case_id, "message": p.message}
            for p in result.data.problems
        ],
        "criteria": {cid: _result_dict(row) for cid, row in result.criteria.iterrows()},
        "themes": {tid: _result_dict(row) for tid, row in result.themes.iterrows()},
        "sample": sample_profile(result),
    }


def criteria_table(result: AreaResult) -> pd.DataFrame:
    """Results by criterion for people: label, theme, counts, % Yes with interval, score."""
    fw = result.framework
    rows = []
    for c in fw.criteria:
        r = result.criteria.loc[c.id]
        rows.append(
            {
                "ID": c.id,
                "Criterion": c.label + (" (key)" if c.key else ""),
                "Theme": fw.theme(c.theme).number,
                "Yes": int(r["yes"]),
                "Partly": int(r["partly"]),
                "No": int(r["no"]),
                "N/A": int(r["na"]),
                "Blank or invalid": int(r["missing"] + r["invalid"]),
                "% Yes": _pct(r["pct_yes"]),
                "95% interval": _interval(r["ci_low"], r["ci_high"]),
                "Score": "" if r["score"] is None or r["score"] != r["score"] else f"{r['score']:.2f}",
            }
        )
    return pd.DataFrame(rows)


def themes_table(result: AreaResult) -> pd.DataFrame:
    fw = result.framework
    rows = []
    for t in fw.themes:
        r = result.themes.loc[t.id]
        rows.append(
            {
                "Theme": f"{t.number}. {t.label}",
                "Answers": int(r["answered"]),
                "% Yes": _pct(r["pct_yes"]),
                "95% interval": _interval(r["ci_low"], r["ci_high"]),
                "Score": "" if r["score"] is None or r["score"] != r["score"] else f"{r['score']:.2f}",
            }
        )
    return pd.DataFrame(rows)


def _pct(value: float | None) -> str:
    return "" if value is None or value != value else f"{value:.0f}%"


def _interval(low: float | None, high: float | None) -> str:
    if low is None or low != low:
        return ""
    return f"{low:.0f}% to {high:.0f}%"
