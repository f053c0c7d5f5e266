"""The template's practice columns and optional sheets: Audit details, Agency answers, Agreed answers, Judgements.

Each sheet is laid out as the toolkit reads it (see :mod:`audit.check.audit_sheets`), with a
line of instruction and dropdowns from the framework; lists too long or awkward to inline go
on the hidden Lists sheet. The sample writer fills the same sheets with synthetic rows, so
every cell goes through :func:`audit.xlsx_text.put`: text stays text, never a formula.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from audit.check.audit_details import (
    AUDIT_TYPES,
    DATE_FIELDS,
    DETAILS_FIELDS,
    FRAMEWORK_LABEL,
    SELECTION_METHODS,
    VERSION_LABEL,
    YES_NO_FIELDS,
)
from audit.check.audit_sheets import (
    AGENCY_ANSWERS_SHEET,
    AGENCY_HEADER,
    AGREED_ANSWERS_SHEET,
    AUDIT_DETAILS_SHEET,
    JUDGEMENT_FIELDS,
    JUDGEMENTS,
    JUDGEMENTS_SHEET,
)
from audit.check.practice_cells import THEME_SEPARATOR
from audit.framework.model import CANONICAL_ANSWERS, Framework
from audit.read.load import PRACTICE_FIELDS, evidence_header
from audit.workbooks.xlsx_lists import list_formula, validation_message
from audit.xlsx_text import put

FIRST_ROW = 4  # below the instruction (row 1) and the header (row 3), as on the Cases sheet
HEADER_ROW = 3
DATE_FORMAT = "DD/MM/YYYY"
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_LIMIT = 255  # Excel's limit on a validation's message

# One line of instruction for each practice column of the Cases sheet.
PRACTICE_HELP = {
    "evidence": "<ID> evidence: what you saw in the records that supports the answer (anonymised; no names).",
    "impact": "What difference did it make: the impact of the work on the child, in your words.",
    "learning_themes": f"Learning themes: themes from the list, several separated by '{THEME_SEPARATOR}'.",
    "good_practice": "Good practice: practice worth sharing, if any.",
    "escalated": "Escalated: Yes if the child was found at immediate risk during the audit and this was escalated.",
    "escalation_note": "Escalation note: who was told and when (required when Escalated is Yes).",
}
DETAILS_HELP = {
    "title": "A short title for this audit.",
    "reviewed_from": "The first date of the practice reviewed (a date).",
    "reviewed_to": "The last date of the practice reviewed (a date).",
    "selection": "How the cases were chosen: " + ", ".join(SELECTION_METHODS) + ".",
    "cohort": "Which children were eligible for the audit.",
    "audit_type": "One of: " + ", ".join(AUDIT_TYPES) + ".",
    "auditors_agencies": "The agencies the auditors came from.",
    "practitioners_involved": "Yes if practitioners took part in the audit, else No.",
    "families_involved": "Yes if children or families were asked for their views, else No.",
    "discussion_date": "The date of the multi-agency discussion of the findings (a date).",
}
SHEET_HELP = {
    AUDIT_DETAILS_SHEET: "How the audit was done: one value in column B for each field in column A.",
    AGENCY_ANSWERS_SHEET: (
        "Optional: each agency's own answer to the criteria that concern it, one row per case and agency. "
        "The Case ID must be on the Cases sheet."
    ),
    AGREED_ANSWERS_SHEET: (
        "Optional: the answer the auditors agreed after moderation, one row per case; it replaces the first "
        "auditor's answer in scoring. Leave a criterion blank where the first answer stands."
    ),
    JUDGEMENTS_SHEET: (
        "Optional: the judgements the audit team agreed, one row per criterion or theme, with the reason "
        "written for the reader of the report (it may be published: no names or case details)."
    ),
}


def practice_headers() -> list[str]:
    """The practice columns written after the criteria (each criterion's evidence column follows its answer)."""
    return list(PRACTICE_FIELDS.values())


def criterion_columns(framework: Framework) -> list[str]:
    """Each criterion's answer column, then its evidence column."""
    return [h for c in framework.criteria for h in (c.header, evidence_header(c.id))]


def list_validation(
    wb: Workbook,
    name: str,
    values: Sequence[str],
    *,
    strict: bool = True,
    prompt: str = "",
    error_title: str = "Not one of the choices",
) -> DataValidation:
    """A dropdown of ``values`` (kept on the hidden Lists sheet as ``name``); ``strict`` refuses anything else."""
    return DataValidation(
        type="list",
        formula1=list_formula(wb, name, values),
        allow_blank=True,
        showDropDown=False,  # openpyxl's odd name: False means the arrow is shown
        showErrorMessage=strict,
        errorTitle=error_title,
        error=validation_message("Choose one of: " + ", ".join(values)),
        showInputMessage=bool(prompt),
        prompt=validation_message(prompt),
    )


def _note(title: str, text: str) -> DataValidation:
    return DataValidation(
        allow_blank=True, showInputMessage=True, promptTitle=title[:32], prompt=validation_message(text)
    )


def date_validation(title: str) -> DataValidation:
    """A cell that takes a date from 2000 to 2099, its error naming what the date is for."""
    return DataValidation(
        type="date",
        operator="between",
        formula1="DATE(2000,1,1)",
        formula2="DATE(2099,12,31)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not a date",
        error=f"Enter the {title.lower()} as a date, for example 14/03/2025.",
    )


def _answers() -> DataValidation:
    return DataValidation(
        type="list",
        formula1=f'"{",".join(CANONICAL_ANSWERS)}"',
        allow_blank=True,
        showDropDown=False,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Not one of the answers",
        error="Choose Yes, Partly, No or N/A.",
    )


def _span(columns: Sequence[str], header: str, first: int, last: int) -> str:
    letter = get_column_letter(columns.index(header) + 1)
    return f"{letter}{first}:{letter}{last}"


def add_practice_validations(
    wb: Workbook, ws: Worksheet, framework: Framework, columns: Sequence[str], first: int, last: int
) -> None:
    """Dropdowns and prompts on the Cases sheet's evidence and practice columns."""
    evidence = _note("Evidence", PRACTICE_HELP["evidence"])
    for c in framework.criteria:
        evidence.add(_span(columns, evidence_header(c.id), first, last))
    ws.add_data_validation(evidence)
    if framework.learning_themes:
        themes = list_validation(
            wb,
            "LearningThemes",
            framework.learning_themes,
            strict=False,  # several themes may be typed in one cell
            prompt=PRACTICE_HELP["learning_themes"],
        )
        themes.add(_span(columns, PRACTICE_FIELDS["learning_themes"], first, last))
        ws.add_data_validation(themes)
    escalated = list_validation(wb, "YesNo", ("Yes", "No"), prompt=PRACTICE_HELP["escalated"])
    escalated.add(_span(columns, PRACTICE_FIELDS["escalated"], first, last))
    ws.add_data_validation(escalated)
    for name in ("impact", "good_practice", "escalation_note"):
        dv = _note(PRACTICE_FIELDS[name], PRACTICE_HELP[name])
        dv.add(_span(columns, PRACTICE_FIELDS[name], first, last))
        ws.add_data_validation(dv)


def _header(ws: Worksheet, instruction: str, columns: Sequence[str], widths: Mapping[str, int]) -> None:
    put(ws, 1, 1, instruction).font = _BOLD
    for i, name in enumerate(columns, start=1):
        cell = put(ws, HEADER_ROW, i, name)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _WRAP_TOP
        ws.column_dimensions[get_column_letter(i)].width = widths.get(name, 16)
    ws.row_dimensions[HEADER_ROW].height = 45
    ws.freeze_panes = ws.cell(FIRST_ROW, 2).coordinate


def _rows(ws: Worksheet, rows: Sequence[Sequence[Any]], date_cols: Sequence[int] = ()) -> None:
    for r, row in enumerate(rows, start=FIRST_ROW):
        for c, value in enumerate(row, start=1):
            if value is not None:
                put(ws, r, c, value).alignment = _WRAP_TOP
        for c in date_cols:
            ws.cell(r, c).number_format = DATE_FORMAT


def write_audit_details(
    wb: Workbook, values: Mapping[str, Any] | None = None, framework: Framework | None = None
) -> Worksheet:
    """The Audit details sheet: Field, Value and what to write, with dropdowns and date checks on the values.

    With ``framework``, two rows below the fields name its id and version, so the workbook
    is scored against the framework it was made for (see :func:`audit.check.audit_details.framework_named`).
    """
    ws = wb.create_sheet(AUDIT_DETAILS_SHEET)
    values = values or {}
    for i, (name, width) in enumerate((("Field", 30), ("Value", 40), (SHEET_HELP[AUDIT_DETAILS_SHEET], 80)), 1):
        cell = put(ws, 1, i, name)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _WRAP_TOP
        ws.column_dimensions[get_column_letter(i)].width = width
    row_of = {}
    for r, (name, label) in enumerate(DETAILS_FIELDS.items(), start=2):
        row_of[name] = r
        put(ws, r, 1, label).font = _BOLD
        value = values.get(name)
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        put(ws, r, 2, value).alignment = _WRAP_TOP
        put(ws, r, 3, DETAILS_HELP[name]).alignment = _WRAP_TOP
        if name in DATE_FIELDS:
            ws.cell(r, 2).number_format = DATE_FORMAT
    for name, choices in (("selection", SELECTION_METHODS), ("audit_type", AUDIT_TYPES)):
        dv = list_validation(wb, name.title().replace("_", ""), choices)
        dv.add(f"B{row_of[name]}")
        ws.add_data_validation(dv)
    yes_no = list_validation(wb, "YesNo", ("Yes", "No"))
    dates = date_validation("date")
    for name in YES_NO_FIELDS:
        yes_no.add(f"B{row_of[name]}")
    for name in DATE_FIELDS:
        dates.add(f"B{row_of[name]}")
    ws.add_data_validation(yes_no)
    ws.add_data_validation(dates)
    if framework is not None:
        note = "Written by audit template: the criteria framework this workbook was made for. Do not change."
        rows = ((FRAMEWORK_LABEL, framework.id), (VERSION_LABEL, framework.version))
        for r, (label, value) in enumerate(rows, len(DETAILS_FIELDS) + 2):
            put(ws, r, 1, label).font = _BOLD
            put(ws, r, 2, value).alignment = _WRAP_TOP
            put(ws, r, 3, note).alignment = _WRAP_TOP
    return ws


def agency_columns(framework: Framework) -> list[str]:
    return ["Case ID", AGENCY_HEADER, *(c.header for c in framework.criteria)]


def agreed_columns(framework: Framework) -> list[str]:
    return ["Case ID", *(c.header for c in framework.criteria)]


def judgement_columns() -> list[str]:
    return [JUDGEMENT_FIELDS[k] for k in ("target", "judgement", "reason", "agreed_by", "date")]


def judgement_targets(framework: Framework) -> list[str]:
    """What a judgement may be about: each criterion ID, each theme's label, each learning theme."""
    return [*framework.criterion_ids, *(t.label for t in framework.themes), *framework.learning_themes]


def write_case_sheet(
    wb: Workbook, name: str, framework: Framework, rows: Sequence[Sequence[Any]] = (), n_rows: int = 40
) -> Worksheet:
    """Agency answers or Agreed answers: Case ID (and Agency), then one answer column per criterion."""
    ws = wb.create_sheet(name)
    columns = agency_columns(framework) if name == AGENCY_ANSWERS_SHEET else agreed_columns(framework)
    _header(ws, SHEET_HELP[name], columns, {"Case ID": 12, AGENCY_HEADER: 28})
    _rows(ws, rows)
    last = FIRST_ROW + max(n_rows, len(rows)) - 1
    answers = _answers()
    first_answer = 3 if name == AGENCY_ANSWERS_SHEET else 2
    answers.add(f"{get_column_letter(first_answer)}{FIRST_ROW}:{get_column_letter(len(columns))}{last}")
    ws.add_data_validation(answers)
    if name == AGENCY_ANSWERS_SHEET:
        agencies = list_validation(wb, "Agencies", tuple(framework.agencies.values()))
        agencies.add(f"B{FIRST_ROW}:B{last}")
        ws.add_data_validation(agencies)
    return ws


def write_judgements(
    wb: Workbook, framework: Framework, rows: Sequence[Sequence[Any]] = (), n_rows: int = 25
) -> Worksheet:
    """Judgements: Criterion or theme, Judgement, Reason, Agreed by, Date, with dropdowns and a date check."""
    ws = wb.create_sheet(JUDGEMENTS_SHEET)
    columns = judgement_columns()
    _header(ws, SHEET_HELP[JUDGEMENTS_SHEET], columns, {columns[0]: 34, columns[1]: 26, columns[2]: 70})
    _rows(ws, rows, date_cols=(5,))
    last = FIRST_ROW + max(n_rows, len(rows)) - 1
    targets = list_validation(wb, "JudgementTargets", judgement_targets(framework))
    targets.add(f"A{FIRST_ROW}:A{last}")
    judgements = list_validation(wb, "JudgementChoices", JUDGEMENTS)
    judgements.add(f"B{FIRST_ROW}:B{last}")
    dates = date_validation("date the judgement was agreed")
    dates.add(f"E{FIRST_ROW}:E{last}")
    for dv in (targets, judgements, dates):
        ws.add_data_validation(dv)
    for r in range(FIRST_ROW, last + 1):
        ws.cell(r, 5).number_format = DATE_FORMAT
    return ws


def practice_instruction_lines(framework: Framework) -> list[tuple[str, bool]]:
    """The Instructions sheet's lines on the practice columns and the optional sheets."""
    lines: list[tuple[str, bool]] = [("", False), ("Evidence, impact and escalation (Cases sheet, optional)", True)]
    lines += [(text, False) for text in PRACTICE_HELP.values()]
    if framework.learning_themes:
        lines.append(("Learning themes to choose from: " + "; ".join(framework.learning_themes) + ".", False))
    lines += [("", False), ("Other sheets (all optional)", True)]
    lines += [(f"{sheet}: {text}", False) for sheet, text in SHEET_HELP.items()]
    lines.append(("Judgements: one of " + ", ".join(JUDGEMENTS) + ".", False))
    return lines
