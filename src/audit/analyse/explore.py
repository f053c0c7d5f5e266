"""Exploring cases in JupyterLab: filter by area, agency, age band or criterion, and see the cases behind a figure.

For inspectors at work in notebooks/explore_cases.ipynb. Everything here is
case-level, so it is for the inspection team, never for publication. The
figures these functions reproduce are the report's: a drill-down's counts are
the counts score.py gives for the same cases.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from audit.analyse.agencies import involvement
from audit.analyse.score import grade_cases, score_criteria
from audit.check.validate import AuditData, load_audit
from audit.errors import AuditError
from audit.framework.model import Framework
from audit.framework.settings import age_focus
from audit.read.load import fold

ANSWERED = ("Yes", "Partly", "No")


def load_folder(source: str | Path | Iterable[str | Path], criteria: str | Path | None = None) -> AuditData:
    """Read and validate a workbook or folder of workbooks (every area), as the reports do."""
    return load_audit(source, criteria)


def case_table(data: AuditData) -> pd.DataFrame:
    """Every scored case, one row each: area, case ID, date, age band, agencies, both grades and every answer."""
    fw = data.framework
    scored = data.scored.reset_index(drop=True)
    grades = grade_cases(scored, fw).reset_index(drop=True)
    table = pd.DataFrame(
        {
            "area": scored["area"],
            "case_id": scored["case_id"],
            "audit_date": scored["audit_date"],
            "audit_round": scored["audit_round"],
            "age_band": scored["age_band"],
            "agencies": scored["agencies"],
            "overall_grade": scored["overall_grade"],
            "derived_grade": grades["derived_grade"],
            "mean_points": grades["mean_points"].round(3),
        }
    )
    for cid in fw.criterion_ids:
        table[cid] = scored[cid]
    table["source"] = [
        f"{f} {s}!row {r}" for f, s, r in zip(scored["file"], scored["sheet"], scored["row"], strict=True)
    ]
    return table


def _agency(fw: Framework, name: str) -> str:
    aid = name if name in fw.agencies else fw.agency_id(name)
    if aid is None:
        raise AuditError(f"no agency called {name!r}; the framework has: {', '.join(fw.agencies.values())}")
    return aid


def _criterion(fw: Framework, cid: str) -> str:
    try:
        return fw.criterion(cid).id
    except KeyError:
        raise AuditError(f"no criterion {cid!r}; the framework has: {', '.join(fw.criterion_ids)}") from None


def filter_cases(
    cases: pd.DataFrame,
    fw: Framework,
    *,
    area: str | None = None,
    agency: str | None = None,
    age_band: str | Iterable[str] | None = None,
    criterion: str | None = None,
    answer: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """The cases of :func:`case_table` that match every filter given.

    ``agency`` is an ID, label or alias and keeps the cases the agency's results
    count (see agencies.py); ``age_band`` is a band, several bands, or
    ``"focus"`` for the framework's focus bands; ``criterion`` keeps cases that
    answered it Yes, Partly or No, or ``answer`` (one answer or several) if given.
    """
    keep = pd.Series(True, index=cases.index)
    if area is not None:
        matches = [a for a in dict.fromkeys(cases["area"]) if fold(a) == fold(area)]
        if not matches:
            raise AuditError(f"no area called {area!r}; the data has: {', '.join(dict.fromkeys(cases['area']))}")
        keep &= cases["area"] == matches[0]
    if agency is not None:
        keep &= involvement(cases, fw)[_agency(fw, agency)]
    if age_band is not None:
        focus = age_focus(fw)
        if isinstance(age_band, str) and age_band == "focus" and focus is not None:
            bands: list[str] = list(focus.bands)
        else:
            bands = [age_band] if isinstance(age_band, str) else list(age_band)
        keep &= cases["age_band"].isin(bands)
    if criterion is not None:
        cid = _criterion(fw, criterion)
        wanted = ANSWERED if answer is None else ((answer,) if isinstance(answer, str) else tuple(answer))
        keep &= cases[cid].isin(wanted)
    return cases[keep]


def selection_results(cases: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Results per criterion for a selection of cases: counts, % Yes and its interval, as the report scores them."""
    table = score_criteria(cases, fw)
    table.insert(0, "label", [fw.criterion(cid).label for cid in table.index])
    return table


@dataclass
class DrillDown:
    """The cases behind one figure: a criterion's % Yes in one area, and the counts that make it."""

    area: str
    criterion: str
    label: str
    yes: int
    answered: int
    pct_yes: float | None
    cases: pd.DataFrame

    def _repr_html_(self) -> str:
        return f"<p><strong>{html.escape(self.describe())}</strong></p>" + self.cases.to_html(index=False)

    def describe(self) -> str:
        if not self.answered:
            return f"{self.area}, {self.criterion} {self.label}: no case answered Yes, Partly or No."
        return (
            f"{self.area}, {self.criterion} {self.label}: Yes in {self.yes} of {self.answered} cases "
            f"({self.pct_yes:.0f}%). The {self.answered} cases are listed below."
        )


def cases_behind(cases: pd.DataFrame, fw: Framework, area: str, criterion: str) -> DrillDown:
    """The cases behind an area's % Yes on a criterion: those answered Yes, Partly or No, with their answer."""
    cid = _criterion(fw, criterion)
    chosen = filter_cases(cases, fw, area=area, criterion=cid)
    yes = int((chosen[cid] == "Yes").sum())
    answered = len(chosen)
    shown = chosen[["case_id", "audit_date", "age_band", cid, "overall_grade", "derived_grade", "source"]]
    shown = shown.rename(columns={cid: f"{cid} answer"}).sort_values([f"{cid} answer", "case_id"])
    return DrillDown(
        area=str(chosen["area"].iloc[0]) if answered else area,
        criterion=cid,
        label=fw.criterion(cid).label,
        yes=yes,
        answered=answered,
        pct_yes=yes / answered * 100 if answered else None,
        cases=shown.reset_index(drop=True),
    )


def areas(cases: pd.DataFrame) -> pd.DataFrame:
    """The areas in the data with their number of scored cases and audit dates."""
    grouped = cases.groupby("area", sort=False)
    return pd.DataFrame(
        {
            "cases": grouped.size(),
            "first_audit": grouped["audit_date"].min(),
            "last_audit": grouped["audit_date"].max(),
        }
    )
