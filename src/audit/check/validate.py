"""Validation: raw cell grids in, one tidy row per case out, with every problem located.

Nothing is lost and nothing is guessed. Every non-blank row of a Cases sheet
becomes a row of :attr:`AuditData.cases`, either ``scored`` or ``excluded`` with
its reason and cell. Messages describe a bad value (``a number``, ``text that is
not an answer``) rather than repeat it, because reports that quote them may be
published and a stray cell can hold a child's details. Each problem carries its
code (see :mod:`audit.codes`). The container, :class:`AuditData`, lives in
:mod:`audit.check.audit_data`, and a cell's value is read in :mod:`audit.check.cell_values`;
both are imported here too, so ``audit.check.validate`` stays the one place to import from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.check import cell_values as cv
from audit.check.audit_data import (
    CASE_COLUMNS,
    EXCLUDED,
    INVALID,
    SCORED,
    STATUS_COLUMNS,
    AuditData,
    cases_frame,
    empty_cases,
)
from audit.check.audit_sheets import EXTRA_SHEETS, Pending, read_extra_sheets, scan_grid, settle
from audit.check.framework_choice import (
    framework_key,
    group_versions,
    mixed_error,
    shipped_framework,
    workbook_framework,
)
from audit.check.practice_cells import read_practice, theme_lookup
from audit.check.row_checks import BLANK_FIELDS, Blank, area_name_problems, blank_answer, blank_field, blank_problems
from audit.errors import AuditError, LayoutError, Problem, WorkbookError
from audit.framework.model import Framework, load_framework
from audit.names import display_name, unique_labels
from audit.read.load import (
    CASES_SHEET,
    MODERATION_SHEET,
    Layout,
    SheetGrid,
    cell_ref,
    expand_inputs,
    find_layout,
    fold,
    is_blank,
    read_sheets,
)
from audit.resources import DEFAULT_CRITERIA

__all__ = [
    "CASE_COLUMNS",
    "EXCLUDED",
    "INVALID",
    "SCORED",
    "STATUS_COLUMNS",
    "AuditData",
    "cases_frame",
    "empty_cases",
    "identifier_problems",
    "load_audit",
    "load_audits",
    "open_audit",
    "validate_moderation",
    "validate_sheet",
]


def load_audit(
    inputs: str | Path | Iterable[str | Path],
    framework: Framework | str | Path | None = None,
    *,
    password: str | None = None,
    limits: Any = None,
    keep_going: bool = True,
    scan: bool = True,
) -> AuditData:
    """Read and validate workbooks (files or folders of them) into one AuditData.

    With ``keep_going`` a file that cannot be read is recorded in ``failed`` and
    the rest are still read; without it the first such error is raised. With
    ``scan`` every cell is searched for likely personal identifiers, which are
    reported as warnings (never with the value) and listed in ``identifiers``.
    A ``Moderation`` sheet, where a workbook has one, is validated like the Cases
    sheet and kept apart in ``moderation``. Each workbook is read with the framework
    it names, or with ``framework`` when given (see :mod:`audit.check.framework_choice`);
    workbooks that name several frameworks are refused here (:func:`load_audits` groups them).
    """
    groups = load_audits(inputs, framework, password=password, limits=limits, keep_going=keep_going, scan=scan)
    if len(groups) > 1:
        raise mixed_error(groups)
    return groups[0]


def load_audits(
    inputs: str | Path | Iterable[str | Path],
    framework: Framework | str | Path | None = None,
    *,
    password: str | None = None,
    limits: Any = None,
    keep_going: bool = True,
    scan: bool = True,
) -> list[AuditData]:
    """Read and validate workbooks into one AuditData per framework version (at least one).

    Grouped as :func:`audit.check.framework_choice.group_versions` says; the inputs that
    could not be read are in the first group's ``failed``.
    """
    fixed = None if framework is None else framework if isinstance(framework, Framework) else load_framework(framework)
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    read: dict[tuple[str, str], _Read] = {}
    failed: dict[str, AuditError] = {}
    found, empty = expand_inputs(inputs)
    for folder, exc in empty.items():
        if not keep_going:
            raise exc
        failed[display_name(folder)] = exc
    labels = unique_labels(found)
    for path in found:
        label = labels[path]
        try:
            grids, read_problems = read_sheets(
                path, (CASES_SHEET, MODERATION_SHEET, *EXTRA_SHEETS), password=password, limits=limits, label=label
            )
            fw = workbook_framework(grids, label, fixed)
            grid = grids[CASES_SHEET]
            layout = find_layout(grid, fw)
        except (WorkbookError, LayoutError) as exc:
            if not keep_going:
                raise
            failed[label] = exc
            continue
        group = read.setdefault(framework_key(fw), _Read(fw))
        group.add(path, label, grids, grid, layout, read_problems, scan)
    datas = [g.finish() for g in read.values()] or [_Read(fixed or shipped_framework(DEFAULT_CRITERIA)).finish()]
    groups = group_versions(datas)
    groups[0].failed = failed
    return groups


@dataclass
class _Read:
    """The workbooks of one framework version, as read so far."""

    fw: Framework
    records: list[dict[str, Any]] = field(default_factory=list)
    second: list[dict[str, Any]] = field(default_factory=list)  # moderation rows
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    identifiers: list[Problem] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)
    pending: Pending = field(default_factory=Pending)  # the optional sheets, until every area is settled

    def add(
        self,
        path: Path,
        label: str,
        grids: dict[str, SheetGrid],
        grid: SheetGrid,
        layout: Layout,
        read_problems: list[Problem],
        scan: bool,
    ) -> None:
        fw, problems, identifiers = self.fw, self.problems, self.identifiers
        self.files[label] = grid.sha256
        self.paths[label] = str(path.resolve())
        problems.extend(read_problems)
        rows, row_problems = validate_sheet(grid, layout, fw)
        read_extra_sheets(grids, rows, fw, self.pending, scan=scan)
        self.records.extend(rows)
        problems.extend(layout.problems)
        problems.extend(row_problems)
        if scan:
            identifiers.extend(identifier_problems(grid, layout))
        if MODERATION_SHEET in grids:
            mod_grid = grids[MODERATION_SHEET]
            mod_layout, mod_rows, mod_problems = validate_moderation(mod_grid, fw)
            self.second.extend(mod_rows)
            problems.extend(mod_problems)
            if scan and mod_layout is not None:
                identifiers.extend(identifier_problems(mod_grid, mod_layout))

    def finish(self) -> AuditData:
        """The rules across rows, then the workbooks as one AuditData."""
        fw, records, second, problems, pending = self.fw, self.records, self.second, self.problems, self.pending
        spelling: dict[str, str] = {}
        problems.extend(_finalise(records, fw, spelling))
        problems.extend(blank_problems(records, SCORED))
        problems.extend(area_name_problems(records))
        moderation = None
        if second:
            problems.extend(_finalise(second, fw, spelling, moderation=True))
            problems.extend(blank_problems(second, SCORED))
            moderation = cases_frame(second, fw)
        details, agency_answers, judgements, settled = settle(pending, records, fw)
        problems.extend(pending.problems)
        problems.extend(settled)
        self.identifiers.extend(pending.identifiers)
        problems.extend(self.identifiers)
        return AuditData(
            fw,
            cases_frame(records, fw),
            problems,
            self.files,
            {},
            self.identifiers,
            moderation,
            paths=self.paths,
            details=details,
            agency_answers=agency_answers,
            judgements=judgements,
        )


def identifier_problems(grid: SheetGrid, layout: Layout) -> list[Problem]:
    """Cells that look like personal data, as warnings that say where and what kind, never the value."""
    return scan_grid(grid, layout.header_row)


def validate_sheet(grid: SheetGrid, layout: Layout, fw: Framework) -> tuple[list[dict[str, Any]], list[Problem]]:
    """One record per non-blank row below the header, and the problems in its cells."""
    problems: list[Problem] = []
    records: list[dict[str, Any]] = []
    f = layout.fields
    default_area = cv.area_name(grid.file.stem) if "area" not in f else None
    criterion_ids = fw.criterion_ids
    # Auditors write the same few spellings thousands of times: each is folded and looked up once.
    answers: dict[str, str | None] = {}
    agencies: dict[str, tuple[str, ...]] = {}
    age_bands = cv.make_lookup(fw.age_bands, normalise=lambda v: cv.DASHES.sub("-", v))
    grades = cv.make_lookup(fw.grades)
    themes = theme_lookup(fw)
    for r in range(layout.header_row + 1, len(grid.rows)):
        row = grid.rows[r]
        if all(is_blank(v) for v in row):
            continue  # an all-blank row is not a case

        def get(col: int | None, _row: list[Any] = row) -> Any:
            return _row[col] if col is not None and col < len(_row) else ""

        case_id = cv.text_id(get(f.get("case_id")))
        area = cv.area_name(get(f.get("area"))) if "area" in f else default_area

        def report(
            col: int,
            message: str,
            *,
            code: str,
            _r: int = r,
            _c: str | None = case_id,
            _a: str | None = area,
        ) -> None:
            problems.append(Problem(grid.name, grid.sheet, cell_ref(_r, col), message, code, _a, _c))

        rec: dict[str, Any] = {
            "file": grid.name,
            "sheet": grid.sheet,
            "row": r + 1,
            "case_id": case_id,
            "area": area,
            "audit_date": cv.date(get(f.get("audit_date")), f.get("audit_date"), report),
            "age_band": cv.choice(
                get(f.get("age_band")), f.get("age_band"), age_bands, "an age band", report, code="age-band-invalid"
            ),
            "agencies": cv.agencies(get(f.get("agencies")), f.get("agencies"), fw, report, agencies),
            "overall_grade": cv.choice(
                get(f.get("overall_grade")), f.get("overall_grade"), grades, "a grade", report, code="grade-invalid"
            ),
            "audit_round": cv.text_id(get(f.get("audit_round"))) if "audit_round" in f else None,
        }
        blanks: list[Blank] = []  # reported later, for rows that are cases
        for name in BLANK_FIELDS:
            if name in f and is_blank(get(f[name])):
                blanks.append(blank_field(cell_ref(r, f[name]), name))
        for cid, col in layout.criteria.items():
            value = get(col)
            if is_blank(value):
                blanks.append(blank_answer(cell_ref(r, col), cid))
            rec[cid] = cv.answer(value, col, cid, fw, report, answers)
        rec["_blanks"] = blanks
        for cid in criterion_ids:
            rec.setdefault(cid, None)
        rec["free_text"] = {h: str(get(c)).strip() for h, c in layout.free_text.items() if not is_blank(get(c))}
        read_practice(rec, r, get, layout, fw, report, themes)
        rec["status"], rec["reason"], rec["reason_cell"] = SCORED, None, None
        rec["_id_cell"] = cell_ref(r, f.get("case_id", 0))
        rec["_area_cell"] = cell_ref(r, f["area"]) if "area" in f else None
        records.append(rec)
    return records, problems


def _finalise(
    records: list[dict[str, Any]], fw: Framework, spelling: dict[str, str] | None = None, *, moderation: bool = False
) -> list[Problem]:
    """Rules across rows: a case needs an ID, an area, a unique ID in its area and one valid answer.

    A Case ID need only be unique within its audit round, since a later round may
    audit the same case again. ``spelling`` carries area spellings from one sheet to the next.
    Rows of a Moderation sheet are second opinions, not cases: they are "left out", one code for every reason.
    The records keep their private keys (``_id_cell``, ``_area_cell``, ``_blanks``) for the
    checks in row_checks.py; :func:`cases_frame` keeps only the standard columns.
    """
    problems: list[Problem] = []

    def exclude(rec: dict[str, Any], reason: str, cell: str, code: str) -> None:
        if rec["status"] == EXCLUDED:
            return
        rec.update(status=EXCLUDED, reason=reason, reason_cell=cell)
        if moderation:
            message = f"moderation row left out: {reason}"
            code = "moderation-row-left-out"
        else:
            message = f"row excluded: {reason}"
        problems.append(Problem(rec["file"], rec["sheet"], cell, message, code, rec["area"], rec["case_id"]))

    # One spelling per area, so that 'North Vale' and 'north vale ' are one area.
    spelling = {} if spelling is None else spelling
    for rec in records:
        if rec["area"] is not None:
            rec["area"] = spelling.setdefault(fold(rec["area"]), rec["area"])

    for rec in records:
        if rec["case_id"] is None:
            exclude(rec, "the Case ID is blank", rec["_id_cell"], code="case-id-blank")
        elif rec["area"] is None:
            exclude(rec, "the Area is blank, so the case belongs to no area", rec["_area_cell"], code="area-blank")

    copies: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        if rec["case_id"] is not None and rec["area"] is not None:
            copies[(fold(rec["area"]), fold(rec["audit_round"] or ""), fold(rec["case_id"]))].append(rec)
    for group in copies.values():
        if len(group) > 1:
            places = ", ".join(f"{g['file']} {g['sheet']}!{g['_id_cell']}" for g in group)
            for rec in group:
                exclude(
                    rec,
                    f"the Case ID appears {len(group)} times in {rec['area']} ({places}); "
                    "every copy is left out until one is removed",
                    rec["_id_cell"],
                    code="case-id-duplicate",
                )

    valid = set(fw.points)
    for rec in records:
        if not any(rec[cid] in valid for cid in fw.criterion_ids):
            exclude(rec, "no valid answer to any criterion", rec["_id_cell"], code="answers-none-valid")
    return problems


def validate_moderation(grid: SheetGrid, fw: Framework) -> tuple[Layout | None, list[dict[str, Any]], list[Problem]]:
    """A Moderation sheet's layout, rows and problems, checked like the Cases sheet's.

    A moderation sheet without a usable header is reported as a problem rather
    than failing the workbook, since the cases themselves can still be scored.
    """
    try:
        layout = find_layout(grid, fw)
    except LayoutError as exc:
        message = f"the moderation sheet was not read: {exc}"
        problem = Problem(grid.name, grid.sheet, None, message, "moderation-sheet-unread")
        return None, [], [problem]
    rows, row_problems = validate_sheet(grid, layout, fw)
    return layout, rows, [*layout.problems, *row_problems]


def open_audit(source: str | Path | Iterable[str | Path], criteria: str | Path | None = None) -> AuditData:
    """Workbooks read for a notebook (without the identifier scan, which the commands run before any report)."""
    return load_audit(source, criteria, scan=False)
