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
from audit.check.validate import AuditData, load_audit, load_audits
from audit.errors import AuditError
from audit.framework.model import Framework
from audit.framework.settings import age_focus
from audit.read.load import fold

ANSWERED = ("Yes", "Partly", "No")
FOCUS = "focus"  # the age_band filter's name for the framework's focus bands
# The case's own text beside its answers, from the workbook's free-text columns (see read/).
NOTES = {"free_text": "comments", "free_impact": "impact", "free_good_practice": "good_practice"}


def load_folder(source: str | Path | Iterable[str | Path], criteria: str | Path | None = None) -> AuditData:
    """Read and validate a workbook or folder of workbooks (every area), as the reports do."""
    return load_audit(source, criteria)


def load_frameworks(
    source: str | Path | Iterable[str | Path], criteria: str | Path | None = None
) -> dict[str, AuditData]:
    """The workbooks read and validated, one AuditData per framework they name, keyed ``"<id> <version>"``."""
    groups = load_audits([source] if isinstance(source, (str, Path)) else list(source), criteria)
    return {framework_name(g.framework): g for g in groups}


def framework_name(fw: Framework) -> str:
    """How the explorer names a framework: its ID and version."""
    return f"{fw.id} {fw.version}"


def only_area(data: AuditData, area: str | None) -> str | None:
    """``area`` as given, or the only area when none is given and the data holds just one."""
    if area is None and len(data.areas) == 1:
        return data.areas[0]
    return area


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
        evidence = f"free_evidence_{cid}"  # the evidence the auditor gave for this answer, if the workbook has it
        table[evidence] = scored[evidence] if evidence in scored.columns else None
    for column, name in NOTES.items():
        table[name] = scored[column] if column in scored.columns else None
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


def answer_values(fw: Framework, answer: str | Iterable[str]) -> tuple[str, ...]:
    """Answers as the workbooks spell them ("Yes", "Partly", "No", "N/A"), matched without regard to case."""
    spelled = {a.casefold(): a for a in fw.points}
    wanted = [answer] if isinstance(answer, str) else list(answer)
    unknown = [a for a in wanted if not isinstance(a, str) or a.strip().casefold() not in spelled]
    if unknown:
        raise AuditError(f"no answer {unknown[0]!r}; the answers are: {', '.join(fw.points)}")
    return tuple(spelled[a.strip().casefold()] for a in wanted)


def band_values(fw: Framework, age_band: str | Iterable[str]) -> list[str]:
    """Age bands as the framework names them; ``"focus"`` for its focus bands. An unknown band is an error."""
    focus = age_focus(fw)
    if isinstance(age_band, str) and age_band.strip().casefold() == FOCUS and focus is not None:
        return list(focus.bands)
    spelled = {b.casefold(): b for b in fw.age_bands}
    wanted = [age_band] if isinstance(age_band, str) else list(age_band)
    unknown = [b for b in wanted if not isinstance(b, str) or b.strip().casefold() not in spelled]
    if unknown:
        named = [*fw.age_bands, *([FOCUS] if focus is not None else [])]
        raise AuditError(f"no age band {unknown[0]!r}; the bands are: {', '.join(named)}")
    return [spelled[b.strip().casefold()] for b in wanted]


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
    Answers and bands match without regard to case; an unknown value is an error
    naming those that exist, and ``answer`` without ``criterion`` is an error, as
    an answer means nothing without its question.
    """
    if answer is not None and criterion is None:
        raise AuditError(f"answer {answer!r} needs a criterion to answer; choose one of: {', '.join(fw.criterion_ids)}")
    keep = pd.Series(True, index=cases.index)
    if area is not None:
        matches = [a for a in dict.fromkeys(cases["area"]) if fold(a) == fold(area)]
        if not matches:
            raise AuditError(f"no area called {area!r}; the data has: {', '.join(dict.fromkeys(cases['area']))}")
        keep &= cases["area"] == matches[0]
    if agency is not None:
        keep &= involvement(cases, fw)[_agency(fw, agency)]
    if age_band is not None:
        keep &= cases["age_band"].isin(band_values(fw, age_band))
    if criterion is not None:
        cid = _criterion(fw, criterion)
        wanted = ANSWERED if answer is None else answer_values(fw, answer)
        keep &= cases[cid].isin(wanted)
    return cases[keep]


def selection_results(cases: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Results per criterion for a selection of cases: counts, % Yes and its interval, as the report scores them."""
    table = score_criteria(cases, fw)
    table.insert(0, "label", [fw.criterion(cid).label for cid in table.index])
    return table


@dataclass
class DrillDown:
    """The cases behind one figure: a criterion's % Yes (or share of one answer) among chosen cases."""

    area: str
    criterion: str
    label: str
    yes: int
    answered: int
    pct_yes: float | None
    cases: pd.DataFrame
    group: str = ""  # the agency or age band the figure is for, if any
    answer: str | None = None  # the answer the figure counts, if not Yes
    count: int = 0  # cases with that answer

    def _repr_html_(self) -> str:
        return f"<p><strong>{html.escape(self.describe())}</strong></p>" + self.cases.to_html(index=False)

    def describe(self) -> str:
        where = ", ".join(p for p in (self.area, self.group) if p)
        if not self.answered:
            return f"{where}, {self.criterion} {self.label}: no case answered Yes, Partly or No."
        if self.answer is not None:
            return (
                f"{where}, {self.criterion} {self.label}: {self.answer} in {self.count} of {self.answered} cases"
                f" answered Yes, Partly or No. The {self.count} cases answered {self.answer} are listed below."
            )
        return (
            f"{where}, {self.criterion} {self.label}: Yes in {self.yes} of {self.answered} cases "
            f"({self.pct_yes:.0f}%). The {self.answered} cases are listed below."
        )


def cases_behind(
    cases: pd.DataFrame,
    fw: Framework,
    area: str | None,
    criterion: str,
    *,
    answer: str | None = None,
    agency: str | None = None,
    age_band: str | Iterable[str] | None = None,
) -> DrillDown:
    """The cases behind a figure: a criterion's % Yes, in an area (None: every area), for an agency or age band.

    Without ``answer`` these are the cases answered Yes, Partly or No (the figure's
    denominator), so the counts match the report's; with ``answer`` (a criterion x
    answer cell, such as "No") only the cases with that answer.
    """
    cid = _criterion(fw, criterion)
    chosen = filter_cases(cases, fw, area=area, agency=agency, age_band=age_band, criterion=cid)
    yes = int((chosen[cid] == "Yes").sum())
    answered = len(chosen)
    spelled = None if answer is None else answer_values(fw, answer)[0]
    listed = chosen if spelled is None else filter_cases(chosen, fw, criterion=cid, answer=spelled)
    shown = listed[["case_id", "audit_date", "age_band", cid, "overall_grade", "derived_grade", "source"]]
    shown = shown.rename(columns={cid: f"{cid} answer"}).sort_values([f"{cid} answer", "case_id"])
    group = []
    if agency is not None:
        group.append(fw.agencies[_agency(fw, agency)])
    if age_band is not None:
        group.append("age " + ", ".join(band_values(fw, age_band)))
    return DrillDown(
        area=(str(chosen["area"].iloc[0]) if answered else area) if area is not None else "Every area",
        criterion=cid,
        label=fw.criterion(cid).label,
        yes=yes,
        answered=answered,
        pct_yes=yes / answered * 100 if answered else None,
        cases=shown.reset_index(drop=True),
        group=", ".join(group),
        answer=spelled,
        count=len(listed),
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
