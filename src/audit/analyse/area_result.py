"""One area's result: its scored cases, its results, and every analysis table, computed once.

:func:`analyse_area` is what the report notebook, ``audit score`` and
``audit batch`` all call; disclosure control (``audit.publish``) and every
renderer read the result it returns and never work anything out again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from dataclasses import replace as replace_
from typing import Any

import pandas as pd

from audit.analyse import compare
from audit.analyse.analysis import Analysis, analyse_tables
from audit.analyse.rounds import round_order
from audit.analyse.score import grade_cases, score_criteria, score_themes
from audit.check.fingerprint import data_fingerprint
from audit.check.validate import AuditData
from audit.errors import AuditError
from audit.framework.model import Framework
from audit.read.load import fold


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
    analysis: Analysis
    publish: bool = False  # analysed for publication: free-text round labels already replaced
    extra: dict[str, Any] = field(default_factory=dict)
    # The SHA-256 of the area's data as read (audit.check.fingerprint): what its outputs name as their input.
    fingerprint: str = ""

    @property
    def slug(self) -> str:
        """The area's folder: distinct among the run's areas and never a reserved name."""
        return self.data.slugs.get(self.area) or slugify(self.area)

    @property
    def rows_read(self) -> int:
        return len(self.data.cases)

    @property
    def cases_scored(self) -> int:
        return len(self.cases)

    @property
    def cases_excluded(self) -> int:
        return len(self.data.excluded)


def analyse_area(data: AuditData, area: str | None = None, *, publish: bool = False) -> AreaResult:
    """Score and analyse one area. ``data`` may hold many areas; ``area`` picks one (optional when it holds one).

    Every table the outputs show is computed here, once. With ``publish`` the
    audit rounds' free-text labels are replaced first (see
    :func:`_published_rounds`); small counts are suppressed later, by
    :func:`audit.publish.publish`.
    """
    if area is None:
        if len(data.areas) != 1:
            raise AuditError(f"choose an area: the data holds {len(data.areas)} ({', '.join(data.areas)})")
        area = data.areas[0]
    others = compare.area_results(data)  # every area of the run, counted once per run (kept on data)
    data = data.for_area(area)
    fingerprint = data_fingerprint(data)  # of the data as read, before round labels are replaced
    if publish:
        data = _published_rounds(data)
    fw = data.framework
    scored = data.scored
    criteria = score_criteria(scored, fw)
    themes = score_themes(scored, fw)
    cases = pd.concat([scored, grade_cases(scored, fw)], axis=1).reset_index(drop=True)
    analysis = analyse_tables(cases, criteria, themes, data.moderation, fw, others, data)
    return AreaResult(data.areas[0], fw, data, criteria, themes, cases, analysis, publish, fingerprint=fingerprint)


def _published_rounds(data: AuditData) -> AuditData:
    """Audit round labels are typed by auditors, so free text: published as Round 1, Round 2, ... in date order.

    Rounds scored against an older framework version (``data.earlier``) come first and are relabelled too.
    """
    order: list[str] = []
    for part in (*data.earlier, data):
        labels = part.cases["audit_round"]
        if labels.notna().any():
            order += round_order(part.cases, labels.where(labels.notna(), None).astype(object))
    if not order:
        return data
    names: dict[str, str] = {}
    for label in order:
        names.setdefault(fold(label), f"Round {len(names) + 1}")

    def relabel(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame["audit_round"] = frame["audit_round"].map(lambda v: names.get(fold(v)) if isinstance(v, str) else None)
        frame["audit_round"] = frame["audit_round"].astype(object)
        return frame

    def part(d: AuditData) -> AuditData:
        moderation = None if d.moderation is None else relabel(d.moderation)
        agency = None if d.agency_answers is None else relabel(d.agency_answers)
        return replace_(d, cases=relabel(d.cases), moderation=moderation, agency_answers=agency)

    return replace_(part(data), earlier=tuple(part(e) for e in data.earlier))


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
    agency_counts = {label: int(sum(aid in a for a in cases["agencies"])) for aid, label in fw.agencies.items()}
    return {
        "age_bands": _counts(cases["age_band"], fw.age_bands),
        "agencies": agency_counts,
        "derived_grades": _counts(cases["derived_grade"], fw.grades),
        "auditor_grades": _counts(cases["overall_grade"], fw.grades),
    }


def file_accounting(result: AreaResult) -> dict[str, dict[str, int]]:
    """For each input file, this area's rows read, scored and excluded (read = scored + excluded)."""
    cases = result.data.cases
    out = {}
    for name in sorted(set(cases["file"])):
        mine = cases[cases["file"] == name]
        scored = int((mine["status"] == "scored").sum())
        out[name] = {"rows_read": len(mine), "cases_scored": scored, "cases_excluded": len(mine) - scored}
    return out
