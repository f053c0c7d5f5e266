"""The scored workbook's practice sheets: people's judgements, the action plan they lead to, each case's evidence.

- **Judgements**: every judgement recorded on the audit's Judgements sheet, most
  pressing first, with its reason, who agreed it and when, beside the category the
  data indicate and whether the two agree.
- **Action plan**: one row per judgement that is an area for priority action or for
  improvement (priority first), with its reason, and empty owner, action, target
  date and status columns for the partnership board. Without judgements the rows
  are the criteria the data indicate, and the sheet says they are not judgements.
- **Cases** columns: each case's ``<ID> evidence``, the difference the work made,
  learning themes, good practice and escalation, as the auditors wrote them.

The workbook is the audit team's (restricted), so auditors' text is in it; a cell
the personal-data scan flags is withheld here as in the report.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.analyse.findings import CATEGORY_LABELS, IMPROVEMENT, PRIORITY, Finding, sentence
from audit.analyse.practice import JUDGED_CATEGORY, WITHHELD, Judgement
from audit.check.audit_data import evidence_column
from audit.framework.model import Framework
from audit.read.identifiers import scan_text
from audit.render.scored_style import DATE_FORMAT, FINDING_FILLS, WRAP, Sheet, note, table

STATUSES = ("Not started", "In progress", "Done")
ACTION_COLUMNS = (
    "Ref",
    "Priority",
    "Criterion or theme",
    "Reason",
    "Indicated by the data",
    "Owner",
    "Action",
    "Target date",
    "Status",
)
JUDGEMENT_COLUMNS = (
    "Criterion or theme",
    "Label",
    "Judgement",
    "Reason",
    "Agreed by",
    "Date",
    "Indicated by the data",
    "Agrees with the data",
)
ACTIONED = ("Area for priority action", "Area for improvement")  # the judgements an action plan takes, in order
# The cases frame's practice columns (after the <ID> evidence columns) and their headers on the Cases sheet.
CASE_PRACTICE = (
    ("free_impact", "What difference did it make"),
    ("learning_themes", "Learning themes"),
    ("free_good_practice", "Good practice"),
    ("escalated", "Escalated"),
    ("free_escalation_note", "Escalation note"),
)
FROM_JUDGEMENTS = (
    "One row per judgement recorded as an area for priority action or for improvement (the Judgements sheet), "
    "priority first, with its reason. Owner, action, target date and status are for the partnership board."
)
FROM_DATA = (
    "No judgements were recorded: these rows are the criteria the data indicate may need priority action or "
    "improvement (by the framework's rules, priority first). They are not judgements; confirm or remove each."
)


def _indicated(category: str | None) -> str:
    return CATEGORY_LABELS[category] if category is not None else "None (a learning theme)"


def _agrees(agrees: bool | None) -> str:
    return "Not compared" if agrees is None else "Yes" if agrees else "No"


def judgements_sheet(judgements: list[Judgement]) -> Sheet:
    """Every judgement recorded, most pressing first, beside the data's indication."""
    ws = Sheet("Judgements")
    if not judgements:
        note(ws, "No judgements were recorded (the audit workbook has no Judgements sheet, or it is empty).")
        return ws
    rows = [
        [
            j.target,
            j.label,
            j.judgement,
            j.reason,
            j.agreed_by,
            j.date,
            _indicated(j.indicated),
            _agrees(j.agrees),
        ]
        for j in judgements
    ]
    top = table(ws, JUDGEMENT_COLUMNS, rows, {"Label": 36, "Judgement": 24, "Reason": 60, "Indicated by the data": 24})
    for i, j in enumerate(judgements, start=1):
        category = JUDGED_CATEGORY.get(j.judgement)
        if category is not None:
            ws.style(top + i, 3, fill=FINDING_FILLS[category])
        ws.style(top + i, 6, number_format=DATE_FORMAT)
        for col in (2, 4):
            ws.style(top + i, col, alignment=WRAP)
    ws.freeze = (top + 1, 2)
    ws.filter = (top, 1, top + len(rows), len(JUDGEMENT_COLUMNS))
    return ws


def action_rows(judgements: list[Judgement], findings: list[Finding]) -> tuple[list[list[Any]], list[str]]:
    """The action plan's rows and each row's category: from the judgements recorded, or else the data's indication."""
    if judgements:
        chosen = [j for kind in ACTIONED for j in judgements if j.judgement == kind]
        return (
            [[j.target, j.judgement, j.label, j.reason, _indicated(j.indicated)] for j in chosen],
            [JUDGED_CATEGORY[j.judgement] for j in chosen],
        )
    found = [f for kind in (PRIORITY, IMPROVEMENT) for f in findings if f.level == "criterion" and f.category == kind]
    return [[f.id, f.category_label, f.label, sentence(f), f.category_label] for f in found], [
        f.category for f in found
    ]


def action_plan(judgements: list[Judgement], findings: list[Finding]) -> Sheet:
    """The action plan: a line saying where its rows come from, then a row per action with empty columns to fill."""
    ws = Sheet("Action plan")
    note(ws, FROM_JUDGEMENTS if judgements else FROM_DATA)
    chosen, categories = action_rows(judgements, findings)
    rows = [[*row, None, None, None, None] for row in chosen]
    widths = {"Priority": 24, "Criterion or theme": 30, "Reason": 60, "Indicated by the data": 24}
    top = table(ws, ACTION_COLUMNS, rows, {**widths, "Owner": 22, "Action": 50, "Target date": 14, "Status": 14})
    last = top + max(len(rows), 1) + 50  # room for the board to add rows of its own
    for i, category in enumerate(categories, start=1):
        ws.style(top + i, 2, fill=FINDING_FILLS[category])
        for col in (3, 4, 7):
            ws.style(top + i, col, alignment=WRAP)
    date_col = ACTION_COLUMNS.index("Target date") + 1
    dates = {
        "validate": "date",
        "criteria": "greater than",
        "value": "=DATE(2000,1,1)",
        "ignore_blank": True,
        "show_error": True,
        "error_title": "Target date",
        "error_message": "Enter a date, such as 31/03/2026.",
        "input_title": "Target date",
        "input_message": "The date the action should be done by.",
        "show_input": True,
    }
    status_col = ACTION_COLUMNS.index("Status") + 1
    # A list to choose from; other words may still be typed (no error message), as the board may need its own.
    status = {
        "validate": "list",
        "source": list(STATUSES),
        "ignore_blank": True,
        "show_error": False,
        "show_input": False,
    }
    ws.validations += [(top + 1, date_col, last, date_col, dates), (top + 1, status_col, last, status_col, status)]
    for r in range(top + 1, last + 1):
        ws.style(r, date_col, number_format=DATE_FORMAT)
    ws.freeze = (top + 1, 3)
    return ws


def case_columns(cases: pd.DataFrame, fw: Framework) -> list[tuple[str, str]]:
    """(cases frame column, Cases sheet header) of each practice column the data hold: evidence first."""
    out = [(evidence_column(c.id), f"{c.id} evidence") for c in fw.criteria if evidence_column(c.id) in cases]
    return out + [(col, header) for col, header in CASE_PRACTICE if col in cases]


def case_value(case: pd.Series, column: str) -> Any:
    """A case's practice cell as the Cases sheet shows it (flagged text withheld, themes joined by "; ")."""
    value = case.get(column)
    if column == "learning_themes":
        return "; ".join(value) if isinstance(value, list | tuple) and value else None
    if column == "escalated":
        return "Yes" if value is True else "No" if value is False else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return WITHHELD if scan_text(text) else text
