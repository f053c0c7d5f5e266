"""The container every command works from: each case read, its status, and the problems found on the way.

:class:`AuditData` is what :func:`audit.check.validate.load_audit` returns and what an
area's analysis works from (:meth:`AuditData.for_area`). It holds no reading or checking of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from audit.errors import AuditError, Problem
from audit.framework.model import Framework
from audit.read.load import fold

INVALID = "Invalid"
SCORED = "scored"
EXCLUDED = "excluded"

# Columns of AuditData.cases before the criterion answers.
CASE_COLUMNS = (
    "file",
    "sheet",
    "row",
    "case_id",
    "area",
    "audit_date",
    "age_band",
    "agencies",
    "overall_grade",
    "audit_round",
)
STATUS_COLUMNS = ("status", "reason", "reason_cell", "free_text")
# Columns about the practice seen (issue 13): the learning themes named (a tuple of the framework's labels),
# whether the child was escalated (True, False or None), the first auditor's answers that the Agreed answers
# sheet replaced (criterion ID -> answer), and the cell of each free-text value (column -> A1 reference).
PRACTICE_COLUMNS = ("learning_themes", "escalated", "first_answers", "text_cells")
# Free text typed by auditors is kept in columns named ``free_...``, so that later stages can leave every
# one of them out of published outputs by name: the existing ``free_text`` (other columns, by header),
# the difference the work made, good practice, the escalation note, and one evidence column per criterion.
FREE_PREFIX = "free_"
FREE_COLUMNS = ("free_impact", "free_good_practice", "free_escalation_note")


def evidence_column(criterion_id: str) -> str:
    """The cases column holding a criterion's ``<ID> evidence`` text."""
    return f"{FREE_PREFIX}evidence_{criterion_id}"


def is_free_text(column: str) -> bool:
    """Whether a column of any frame on AuditData holds auditors' free text (never published as it stands)."""
    return column.startswith(FREE_PREFIX)


@dataclass
class AuditData:
    """Every case read from one or more workbooks, with the problems found on the way.

    ``cases`` has one row per non-blank row read: the fixed fields, one column
    per criterion ID holding ``Yes``/``Partly``/``No``/``N/A``, ``None`` (blank)
    or ``Invalid``, and ``status`` (``scored`` or ``excluded``) with ``reason``.
    ``failed`` maps a file name to the error that stopped it being read at all.
    ``moderation`` holds the rows of any ``Moderation`` sheets (a second auditor's
    answers for some cases), validated the same way and shaped like ``cases``;
    they are second opinions on cases already counted, never cases of their own.
    """

    framework: Framework
    cases: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    failed: dict[str, AuditError] = field(default_factory=dict)
    identifiers: list[Problem] = field(default_factory=list)
    moderation: pd.DataFrame | None = None
    derived: dict[str, Any] = field(default_factory=dict)  # results worked out from all of it, kept for reuse
    paths: dict[str, str] = field(default_factory=dict)  # file label -> absolute path, for every file read
    run_areas: tuple[str, ...] = ()  # every area of the run, kept in an area's slice so folder names agree
    left_out: dict[str, str] = field(default_factory=dict)  # area -> why it is in no all-area figure (no values)
    # The optional sheets (see audit.check.audit_sheets): the Audit details of each area (field -> value), each
    # agency's own answers (shaped like cases, with ``agency``), and the judgements people recorded.
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    agency_answers: pd.DataFrame | None = None
    judgements: pd.DataFrame | None = None
    # Older audit rounds of these areas scored against an earlier version of the same framework, each read
    # with its own version (oldest first); see audit.check.framework_choice. Their cases are not in ``cases``.
    earlier: tuple[AuditData, ...] = ()

    @property
    def agreed_changes(self) -> dict[str, int]:
        """Per criterion, how many scored cases' answers the Agreed answers sheet changed (only criteria it changed)."""
        counts: dict[str, int] = {}
        for first in self.scored["first_answers"] if "first_answers" in self.cases else ():
            for cid in first or {}:
                counts[cid] = counts.get(cid, 0) + 1
        return {cid: counts[cid] for cid in self.framework.criterion_ids if cid in counts}

    @property
    def escalated(self) -> pd.DataFrame:
        """Scored cases whose Escalated cell is Yes."""
        if "escalated" not in self.cases:
            return self.scored.iloc[0:0]
        return self.scored[self.scored["escalated"].eq(True)]

    @property
    def slugs(self) -> dict[str, str]:
        """Each area's folder name, worked out over every area of the run (see :func:`audit.names.area_slugs`)."""
        from audit.names import area_slugs

        return area_slugs(self.run_areas or self.areas)

    @property
    def scored(self) -> pd.DataFrame:
        return self.cases[self.cases["status"] == SCORED]

    @property
    def excluded(self) -> pd.DataFrame:
        return self.cases[self.cases["status"] == EXCLUDED]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def areas(self) -> list[str]:
        """Area names in the order first met, leaving out rows with no area."""
        # pandas' unique keeps the order first met, in C: a loop over every row costs a batch a second or more.
        return [a for a in pd.unique(self.cases["area"]) if a is not None]

    @property
    def unassigned(self) -> pd.DataFrame:
        """Rows that name no area: they are excluded and belong to no area's report."""
        return self.cases[self.cases["area"].isna()]

    def for_area(self, area: str) -> AuditData:
        """The slice for one area: its rows, and the problems of its rows or of its files."""
        key = fold(area)
        matches = [a for a in self.areas if fold(a) == key]
        if not matches:
            raise AuditError(
                f"no area called {area!r}; the data has: {', '.join(self.areas) or 'none'}", code="area-unknown"
            )
        sliced = self.only_areas(matches[:1])
        sliced.failed = {}
        sliced.run_areas = self.run_areas or tuple(self.areas)
        sliced.earlier = tuple(e.for_area(area) for e in self.earlier if key in {fold(a) for a in e.areas})
        return sliced

    def only_areas(self, areas: list[str]) -> AuditData:
        """The rows of these areas (exact names), with their problems, files and sheets; failed files kept."""
        inside = self.cases["area"].isin(areas)
        rows = self.cases[inside]
        files = set(rows["file"])
        problems = [
            p for p in self.problems if p.area in areas or (p.area is None and p.case_id is None and p.file in files)
        ]
        return AuditData(
            self.framework,
            rows.reset_index(drop=True),
            problems,
            {f: h for f, h in self.files.items() if f in files},
            dict(self.failed),
            [p for p in self.identifiers if p.file in files],
            None if self.moderation is None else _rows_of(self.moderation, areas),
            paths={f: p for f, p in self.paths.items() if f in files},
            run_areas=self.run_areas,
            details={a: d for a, d in self.details.items() if a in areas},
            agency_answers=_rows_of(self.agency_answers, areas),
            judgements=_rows_of(self.judgements, areas),
            earlier=tuple(e.only_areas(areas) for e in self.earlier),
        )

    def without_areas(self, left_out: dict[str, str], *, record: bool = True) -> AuditData:
        """The data less some areas (refused or failed), which then count in no all-area comparison.

        ``left_out`` maps each area to the kind of reason, never a value from its cells; with
        ``record`` false they are not listed as left out (they are reported elsewhere).
        """
        if not left_out:
            return self
        keep = ~self.cases["area"].isin(list(left_out))
        files = set(self.cases.loc[keep, "file"])
        moderation = self.moderation
        if moderation is not None:
            moderation = moderation[~moderation["area"].isin(list(left_out))].reset_index(drop=True)
        return AuditData(
            self.framework,
            self.cases[keep].reset_index(drop=True),
            [p for p in self.problems if p.area not in left_out],
            {f: h for f, h in self.files.items() if f in files},
            dict(self.failed),
            [p for p in self.identifiers if p.file in files],
            moderation,
            paths={f: p for f, p in self.paths.items() if f in files},
            run_areas=(self.run_areas or tuple(self.areas)) if record else self.run_areas,
            left_out={**self.left_out, **left_out} if record else dict(self.left_out),
            details={a: d for a, d in self.details.items() if a not in left_out},
            agency_answers=_rows_of(self.agency_answers, list(left_out), keep=False),
            judgements=_rows_of(self.judgements, list(left_out), keep=False),
            earlier=tuple(e.without_areas(left_out, record=False) for e in self.earlier),
        )

    def exclusions(self) -> list[dict[str, Any]]:
        """Excluded rows as plain records, for summary.json and reports."""
        ex = self.excluded
        return [
            {"case_id": c, "file": f, "cell": f"{s}!{cell}", "reason": r}
            for c, f, s, cell, r in zip(
                ex["case_id"], ex["file"], ex["sheet"], ex["reason_cell"], ex["reason"], strict=True
            )
        ]


def _rows_of(frame: pd.DataFrame | None, areas: list[str], *, keep: bool = True) -> pd.DataFrame | None:
    """The rows of ``frame`` in ``areas`` (or, with ``keep`` false, in none of them)."""
    if frame is None:
        return None
    inside = frame["area"].isin(areas)
    return frame[inside if keep else ~inside].reset_index(drop=True)


def free_columns(framework: Framework) -> tuple[str, ...]:
    """The cases frame's free-text columns beyond ``free_text``: impact, good practice, note, evidence."""
    return (*FREE_COLUMNS, *(evidence_column(c) for c in framework.criterion_ids))


def empty_cases(framework: Framework) -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            *CASE_COLUMNS,
            *framework.criterion_ids,
            *STATUS_COLUMNS,
            *PRACTICE_COLUMNS,
            *free_columns(framework),
        ]
    )


def cases_frame(records: list[dict[str, Any]], fw: Framework) -> pd.DataFrame:
    """Validated records as a cases frame with the standard columns (empty when there are none)."""
    if not records:
        return empty_cases(fw)
    # object columns throughout: pandas would otherwise infer string columns and turn None into NaN
    columns = list(empty_cases(fw).columns)
    return pd.DataFrame({c: pd.Series([r.get(c) for r in records], dtype=object) for c in columns})
