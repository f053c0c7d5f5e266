"""The optional sheets beside Cases: Audit details, Agency answers, Agreed answers and Judgements.

All are optional: a workbook without them reads as before. Each is read from the same
workbook as its cases, and every problem is located by file, sheet and cell, with a stable
code and never the cell's value.

- ``Agency answers``: Case ID, Agency and criterion columns: each agency's own answers.
- ``Agreed answers``: Case ID and criterion columns: the answer the auditors agreed after
  moderation, which replaces the first auditor's in scoring (the first is kept in the case's
  ``first_answers``, so moderation still compares the two auditors).
- ``Judgements``: Criterion or theme, Judgement, Reason, Agreed by, Date (and an optional Area,
  for a workbook of several areas; without it a judgement applies to each of them).
- ``Audit details``: see :mod:`audit.check.audit_details`.

A row of Agency answers or Agreed answers is matched to the case with its Case ID on the
workbook's Cases sheet (and its Area and Audit round, where the sheet has those columns).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from audit.check import cell_values as cv
from audit.check.audit_data import EXCLUDED, INVALID, SCORED
from audit.check.audit_details import details_by_area, read_details
from audit.errors import LayoutError, Problem
from audit.framework.model import Framework
from audit.read.load import Layout, SheetGrid, cell_ref, find_layout, fold, is_blank

AUDIT_DETAILS_SHEET = "Audit details"
AGENCY_ANSWERS_SHEET = "Agency answers"
AGREED_ANSWERS_SHEET = "Agreed answers"
JUDGEMENTS_SHEET = "Judgements"
EXTRA_SHEETS = (AUDIT_DETAILS_SHEET, AGENCY_ANSWERS_SHEET, AGREED_ANSWERS_SHEET, JUDGEMENTS_SHEET)
AGENCY_HEADER = "Agency"
JUDGEMENTS = ("Strength", "Area for improvement", "Area for priority action", "No judgement")
# Judgements sheet: field name -> header.
JUDGEMENT_FIELDS = {
    "target": "Criterion or theme",
    "judgement": "Judgement",
    "reason": "Reason",
    "agreed_by": "Agreed by",
    "date": "Date",
    "area": "Area",
}
ROW_COLUMNS = ("file", "sheet", "row", "case_id", "area", "audit_round")
JUDGEMENT_COLUMNS = (
    *("file", "sheet", "row", "area", "target", "target_kind", "judgement"),
    *("judgement_reason", "judgement_reason_cell", "free_agreed_by", "date", "status", "reason", "reason_cell"),
)


@dataclass
class Pending:
    """What the optional sheets of every workbook gave, until the cases' areas are settled."""

    details: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # file -> (sheet, fields)
    agency_rows: list[dict[str, Any]] = field(default_factory=list)
    judgement_rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    identifiers: list[Problem] = field(default_factory=list)


def scan_grid(grid: SheetGrid, header_row: int | None) -> list[Problem]:
    """Cells of a sheet that look like personal data, as warnings that say where and what kind, never the value."""
    from audit.read.identifiers import CODES, scan_cells

    return [
        Problem(
            grid.name, f.sheet, f.cell, f"possible personal data ({f.kind}): {f.detail}", CODES[f.kind], subject=f.kind
        )
        for f in scan_cells(grid.sheet, grid.rows, header_row)
    ]


def read_extra_sheets(
    grids: Mapping[str, SheetGrid], records: list[dict[str, Any]], fw: Framework, pending: Pending, *, scan: bool
) -> None:
    """Read one workbook's optional sheets into ``pending``; agreed answers are applied to ``records`` at once."""
    index = _CaseIndex(records)
    if AUDIT_DETAILS_SHEET in grids:
        grid = grids[AUDIT_DETAILS_SHEET]
        fields, problems = read_details(grid)
        pending.details[grid.name] = (grid.sheet, fields)
        pending.problems.extend(problems)
        if scan:
            pending.identifiers.extend(scan_grid(grid, None))
    for name, reader in (
        (AGREED_ANSWERS_SHEET, _agreed_answers),
        (AGENCY_ANSWERS_SHEET, _agency_answers),
        (JUDGEMENTS_SHEET, _judgements),
    ):
        if name not in grids:
            continue
        header_row = reader(grids[name], fw, index, pending)
        if scan and header_row is not None:
            pending.identifiers.extend(scan_grid(grids[name], header_row))


def settle(
    pending: Pending, records: Iterable[dict[str, Any]], fw: Framework
) -> tuple[dict[str, dict[str, Any]], pd.DataFrame | None, pd.DataFrame | None, list[Problem]]:
    """Once areas are settled: each area's details, the agency answers and the judgements, as frames."""
    areas_of_file: dict[str, list[str]] = defaultdict(list)
    for rec in records:
        if rec["area"] is not None and rec["area"] not in areas_of_file[rec["file"]]:
            areas_of_file[rec["file"]].append(rec["area"])
    details, problems = details_by_area(pending.details, areas_of_file)
    agency = None
    if pending.agency_rows:
        for row in pending.agency_rows:
            case = row.pop("_case", None)
            if case is not None:
                row["area"], row["audit_round"] = case["area"], case["audit_round"]
                if case["status"] != SCORED and row["status"] == SCORED:
                    row.update(status=EXCLUDED, reason="its case is excluded on the Cases sheet", reason_cell=None)
        columns = [*ROW_COLUMNS, "agency", *fw.criterion_ids, "status", "reason", "reason_cell"]
        agency = _frame(pending.agency_rows, columns)
    judgements = None
    if pending.judgement_rows:
        rows, more = _place_judgements(pending.judgement_rows, areas_of_file)
        problems.extend(more)
        judgements = _frame(rows, list(JUDGEMENT_COLUMNS))
    return details, agency, judgements, problems


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([r.get(c) for r in rows], dtype=object) for c in columns})


class _CaseIndex:
    """The Cases rows of one workbook by Case ID, to match the rows of the other sheets to."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rec in records:
            if rec["case_id"] is not None:
                self.by_id[fold(rec["case_id"])].append(rec)

    def find(self, case_id: str, area: str | None, audit_round: str | None) -> list[dict[str, Any]]:
        found = self.by_id.get(fold(case_id), [])
        if area is not None:
            found = [r for r in found if r["area"] is not None and fold(r["area"]) == fold(area)]
        if audit_round is not None:
            found = [r for r in found if fold(r["audit_round"] or "") == fold(audit_round)]
        return found


def _unread(grid: SheetGrid, cell: str | None, why: str) -> Problem:
    return Problem(grid.name, grid.sheet, cell, f"the {grid.sheet} sheet was not read: {why}", "sheet-unread")


def _case_layout(grid: SheetGrid, fw: Framework, pending: Pending) -> Layout | None:
    """A case-keyed sheet's layout, found as the Cases sheet's is; a criterion column it lacks is no problem."""
    try:
        layout = find_layout(grid, fw)
    except LayoutError as exc:
        pending.problems.append(_unread(grid, None, str(exc)))
        return None
    pending.problems.extend(p for p in layout.problems if p.code != "criterion-column-missing")
    return layout


def _case_rows(
    grid: SheetGrid, layout: Layout, fw: Framework, index: _CaseIndex, pending: Pending
) -> Iterable[tuple[dict[str, Any], Callable[..., None], Callable[[int | None], Any]]]:
    """Each non-blank row of a case-keyed sheet as a record matched to its case, with its answers read."""
    f = layout.fields
    answers: dict[str, str | None] = {}
    for r in range(layout.header_row + 1, len(grid.rows)):
        row = grid.rows[r]
        if all(is_blank(v) for v in row):
            continue

        def get(col: int | None, _row: list[Any] = row) -> Any:
            return _row[col] if col is not None and col < len(_row) else ""

        def report(col: int, message: str, *, code: str, _r: int = r) -> None:
            pending.problems.append(Problem(grid.name, grid.sheet, cell_ref(_r, col), message, code))

        rec: dict[str, Any] = {"file": grid.name, "sheet": grid.sheet, "row": r + 1, "status": SCORED}
        rec["case_id"] = cv.text_id(get(f.get("case_id")))
        rec["area"] = cv.area_name(get(f.get("area"))) if "area" in f else None
        rec["audit_round"] = cv.text_id(get(f.get("audit_round"))) if "audit_round" in f else None
        for cid in fw.criterion_ids:
            col = layout.criteria.get(cid)
            rec[cid] = None if col is None else cv.answer(get(col), col, cid, fw, report, answers)
        id_cell = cell_ref(r, f.get("case_id", 0))
        if rec["case_id"] is None:
            report(f.get("case_id", 0), "row left out: the Case ID is blank", code="case-id-unknown")
            rec.update(status=EXCLUDED, reason="the Case ID is blank", reason_cell=id_cell)
        else:
            found = index.find(rec["case_id"], rec["area"], rec["audit_round"])
            if not found:
                report(
                    f.get("case_id", 0),
                    "row left out: no case with this Case ID on the workbook's Cases sheet"
                    + (" in the area and round given" if "area" in f or "audit_round" in f else ""),
                    code="case-id-unknown",
                )
                rec.update(status=EXCLUDED, reason="no case with this Case ID", reason_cell=id_cell)
            elif len(found) > 1:
                report(
                    f.get("case_id", 0),
                    f"row left out: {len(found)} rows of the Cases sheet have this Case ID; add an Area or "
                    "Audit round column to say which case is meant",
                    code="case-id-ambiguous",
                )
                rec.update(status=EXCLUDED, reason="more than one case has this Case ID", reason_cell=id_cell)
            else:
                rec["_case"] = found[0]
        yield rec, report, get


def _duplicates(
    rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any], grid: SheetGrid, what: str, pending: Pending
) -> None:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for rec in rows:
        if rec["status"] == SCORED:
            groups[key(rec)].append(rec)
    for group in groups.values():
        if len(group) < 2:
            continue
        rows_listed = ", ".join(str(g["row"]) for g in group)
        for rec in group:
            cell = rec.get("_id_cell")
            message = f"row left out: {what} is on {len(group)} rows (rows {rows_listed}); keep one"
            pending.problems.append(Problem(grid.name, grid.sheet, cell, message, "sheet-row-duplicate"))
            rec.update(status=EXCLUDED, reason=f"{what} is on more than one row", reason_cell=cell)


def _agreed_answers(grid: SheetGrid, fw: Framework, index: _CaseIndex, pending: Pending) -> int | None:
    """Read Agreed answers; each valid one replaces its case's answer, the first auditor's kept in ``first_answers``."""
    layout = _case_layout(grid, fw, pending)
    if layout is None:
        return None
    rows = []
    for rec, _report, _get in _case_rows(grid, layout, fw, index, pending):
        rec["_id_cell"] = cell_ref(rec["row"] - 1, layout.fields.get("case_id", 0))
        rows.append(rec)
    _duplicates(rows, lambda r: id(r["_case"]), grid, "the case", pending)
    for rec in rows:
        case = rec.get("_case")
        if rec["status"] != SCORED or case is None:
            continue
        for cid in fw.criterion_ids:
            agreed = rec[cid]
            if agreed is None or agreed == INVALID:
                continue
            if case[cid] != agreed:
                first = case["first_answers"] = case.get("first_answers") or {}
                first.setdefault(cid, case[cid])
                case[cid] = agreed
            # The agreed answer is what counts: a blank first answer is no longer missing.
            case["_blanks"] = [
                b for b in case.get("_blanks", ()) if not (b.code == "answer-blank" and b.subject == cid)
            ]
    return layout.header_row


def _agency_answers(grid: SheetGrid, fw: Framework, index: _CaseIndex, pending: Pending) -> int | None:
    """Read Agency answers: each row one agency's own answers for one case."""
    layout = _case_layout(grid, fw, pending)
    if layout is None:
        return None
    agency_col = next((c for h, c in layout.free_text.items() if fold(h) == fold(AGENCY_HEADER)), None)
    if agency_col is None:
        why = f"no '{AGENCY_HEADER}' column: expected one in row {layout.header_row + 1} beside 'Case ID'"
        pending.problems.append(_unread(grid, cell_ref(layout.header_row, 0), why))
        return layout.header_row
    known = ", ".join(fw.agencies.values())
    rows = []
    for rec, report, get in _case_rows(grid, layout, fw, index, pending):
        rec["_id_cell"] = cell_ref(rec["row"] - 1, layout.fields.get("case_id", 0))
        value = get(agency_col)
        rec["agency"] = fw.agency_id(value) if isinstance(value, str) else None
        if rec["agency"] is None:
            found = "it is blank" if is_blank(value) else f"found {cv.describe(value)}"
            if isinstance(value, str) and len(fw.agency_ids(value)) > 1:  # such as "Health" for each health service
                found = "it names several agencies, and a row holds one agency's own answers"
            report(agency_col, f"row left out: the Agency should be one of {known}; {found}", code="agency-invalid")
            if rec["status"] == SCORED:
                rec.update(
                    status=EXCLUDED, reason="the Agency is not known", reason_cell=cell_ref(rec["row"] - 1, agency_col)
                )
        rows.append(rec)
    _duplicates(rows, lambda r: (id(r["_case"]), r["agency"]), grid, "the case and agency", pending)
    for rec in rows:
        rec.pop("_id_cell", None)
        rec.setdefault("reason", None)
        rec.setdefault("reason_cell", None)
    pending.agency_rows.extend(rows)
    return layout.header_row


def _target(value: Any, fw: Framework) -> tuple[str, str] | None:
    """(kind, ID or label) for a criterion ID (or its header), a theme's ID or label, or a learning theme."""
    if not isinstance(value, str) or is_blank(value):
        return None
    text = fold(value)
    for c in fw.criteria:
        if text in (fold(c.id), fold(c.header)):
            return "criterion", c.id
    for t in fw.themes:
        if text in (fold(t.id), fold(t.label)):
            return "theme", t.id
    for theme in fw.learning_themes:
        if text == fold(theme):
            return "learning theme", theme
    return None


def _judgements(grid: SheetGrid, fw: Framework, index: _CaseIndex, pending: Pending) -> int | None:
    """Read Judgements: what people decided about a criterion or theme, and why."""
    first = fold(JUDGEMENT_FIELDS["target"])
    header_row = next((i for i, row in enumerate(grid.rows) if any(fold(v) == first for v in row)), None)
    if header_row is None:
        why = f"no header row: expected a cell reading {JUDGEMENT_FIELDS['target']!r} above the judgements"
        pending.problems.append(_unread(grid, None, why))
        return None
    by_header = {fold(h): k for k, h in JUDGEMENT_FIELDS.items()}
    cols: dict[str, int] = {}
    for col, raw in enumerate(grid.rows[header_row]):
        key = by_header.get(fold(raw)) if not is_blank(raw) else None
        if key is None:
            continue
        if key in cols:
            why = f"the {JUDGEMENT_FIELDS[key]!r} header repeats the column at {cell_ref(header_row, cols[key])}"
            pending.problems.append(_unread(grid, cell_ref(header_row, col), why))
            return header_row
        cols[key] = col
    if "judgement" not in cols:
        why = f"no {JUDGEMENT_FIELDS['judgement']!r} column in row {header_row + 1}"
        pending.problems.append(_unread(grid, cell_ref(header_row, cols["target"]), why))
        return header_row
    choices = cv.make_lookup(JUDGEMENTS)
    for r in range(header_row + 1, len(grid.rows)):
        row = grid.rows[r]
        if all(is_blank(v) for v in row):
            continue

        def get(key: str, _row: list[Any] = row) -> Any:
            col = cols.get(key)
            return _row[col] if col is not None and col < len(_row) else ""

        def report(col: int, message: str, *, code: str, _r: int = r) -> None:
            pending.problems.append(Problem(grid.name, grid.sheet, cell_ref(_r, col), message, code))

        rec: dict[str, Any] = {"file": grid.name, "sheet": grid.sheet, "row": r + 1, "status": SCORED}
        rec["area"] = cv.area_name(get("area")) if "area" in cols else None
        rec["judgement_reason"] = cv.text(get("reason")) if not is_blank(get("reason")) else None
        rec["judgement_reason_cell"] = cell_ref(r, cols["reason"]) if rec["judgement_reason"] else None
        agreed_by = get("agreed_by")
        rec["free_agreed_by"] = None if is_blank(agreed_by) else cv.text(str(agreed_by))
        rec["date"] = cv.date(get("date"), cols.get("date"), report, what="judgement date")
        target = _target(get("target"), fw)
        if target is None:
            found = "it is blank" if is_blank(get("target")) else f"found {cv.describe(get('target'))}"
            report(
                cols["target"],
                f"row left out: expected a criterion ID (such as {fw.criterion_ids[0]}) or a theme's label; {found}",
                code="judgement-target-unknown",
            )
            rec.update(
                status=EXCLUDED, reason="the criterion or theme is not known", reason_cell=cell_ref(r, cols["target"])
            )
        else:
            rec["target_kind"], rec["target"] = target
        value = get("judgement")
        rec["judgement"] = choices.find(value) if isinstance(value, str) else None
        if rec["judgement"] is None:
            found = "it is blank" if is_blank(value) else f"found {cv.describe(value)}"
            report(
                cols["judgement"],
                f"row left out: the Judgement should be one of {', '.join(JUDGEMENTS)}; {found}",
                code="judgement-invalid",
            )
            if rec["status"] == SCORED:
                rec.update(
                    status=EXCLUDED, reason="the judgement is not known", reason_cell=cell_ref(r, cols["judgement"])
                )
        if rec["status"] == SCORED and rec["judgement_reason"] is None and rec["judgement"] != "No judgement":
            where = cols.get("reason", cols["judgement"])
            report(
                where, "the judgement gives no Reason; the report shows it without one", code="judgement-reason-blank"
            )
        rec["_target_cell"] = cell_ref(r, cols["target"])
        pending.judgement_rows.append(rec)
    return header_row


def _place_judgements(
    rows: list[dict[str, Any]], areas_of_file: Mapping[str, list[str]]
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """One row per judgement and area: an Area cell names one area of the workbook, a blank one means each of them."""
    problems: list[Problem] = []
    placed: list[dict[str, Any]] = []
    for rec in rows:
        areas = areas_of_file.get(rec["file"], [])
        if rec["area"] is None:
            placed.extend({**rec, "area": a} for a in areas or [None])
            continue
        match = next((a for a in areas if fold(a) == fold(rec["area"])), None)
        if match is None:
            message = "row left out: the Area names no area with cases on this workbook's Cases sheet"
            problems.append(Problem(rec["file"], rec["sheet"], rec["_target_cell"], message, "judgement-area-unknown"))
            rec.update(
                area=None,
                status=EXCLUDED,
                reason="the area has no cases in the workbook",
                reason_cell=rec["_target_cell"],
            )
        else:
            rec["area"] = match
        placed.append(rec)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for rec in placed:
        if rec["status"] == SCORED and rec["area"] is not None:
            groups[(rec["area"], rec["target"])].append(rec)
    for (area, target), group in groups.items():
        if len(group) < 2:
            continue
        cells = ", ".join(f"{g['sheet']}!{g['_target_cell']}" for g in group)
        for rec in group:
            message = f"row left out: {target} is judged {len(group)} times for {area} ({cells}); keep one"
            problems.append(
                Problem(rec["file"], rec["sheet"], rec["_target_cell"], message, "judgement-repeated", area)
            )
            rec.update(status=EXCLUDED, reason="judged more than once", reason_cell=rec["_target_cell"])
    return placed, problems
