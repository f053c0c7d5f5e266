"""The scored workbook as openpyxl wrote it before it was written with XlsxWriter: the reference its tests compare with.

A frozen copy of the openpyxl parts of ``audit.render.scored_workbook``,
``scored_practice`` and ``scored_style`` as they were (one module here; what
goes in the rows is the toolkit's own, imported), so a test can make both
workbooks from the same result and compare them cell by cell. Not used by the toolkit.
"""

from __future__ import annotations

import datetime as dt
import io
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from audit.analyse.findings import IMPROVEMENT, PRIORITY, STRENGTH, TOO_SMALL, Finding, sentence
from audit.analyse.practice import JUDGED_CATEGORY, Judgement
from audit.analyse.statistics import round_or_none
from audit.publish import cells
from audit.publish.published import PublishedResult
from audit.render.scored_practice import (
    ACTION_COLUMNS,
    FROM_DATA,
    FROM_JUDGEMENTS,
    JUDGEMENT_COLUMNS,
    STATUSES,
    _agrees,
    _indicated,
    action_rows,
    case_columns,
    case_value,
)
from audit.render.scored_workbook import SUMMARY_COLUMNS, _records, _result_row
from audit.xlsx_text import append

# Light tints with dark text; the answer or finding is always written in the cell too.
FILLS = {
    "Yes": PatternFill("solid", fgColor="CCE2D8"),
    "Partly": PatternFill("solid", fgColor="FFF7BF"),
    "No": PatternFill("solid", fgColor="F4CDC6"),
    "N/A": PatternFill("solid", fgColor="E8F1F8"),
    "Invalid": PatternFill("solid", fgColor="D9D9D9"),
}
FINDING_FILLS = {
    STRENGTH: FILLS["Yes"],
    IMPROVEMENT: FILLS["Partly"],
    PRIORITY: FILLS["No"],
    TOO_SMALL: FILLS["Invalid"],
}
HEADER_FILL = PatternFill("solid", fgColor="DEE0E2")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "DD/MM/YYYY"


def style(cell: Cell, **looks: Any) -> Cell:
    """Give ``cell`` a look (``font``, ``fill``, ``alignment``, ``number_format``), as setting them one by one does.

    Setting a look hashes it against every look the workbook holds, which cost most of
    writing a workbook. The cell's resulting style (indexes into those looks) is kept per
    workbook, keyed by the style it had and the looks given, and copied to the next cell
    given the same: the same indexes, in the same order, so the same file. The looks are
    the module's constants; the cache holds them, so their ids stay theirs.
    """
    wb = cell.parent.parent
    cache = wb.__dict__.setdefault("_audit_looks", {})
    now = None if cell._style is None else tuple(cell._style)  # a new cell has no style of its own yet
    key = (now, *((name, id(value)) for name, value in looks.items()))
    made = cache.get(key)
    if made is None:
        for name, value in looks.items():
            setattr(cell, name, value)
        cache[key] = (copy(cell._style), looks)
    else:
        cell._style = copy(made[0])
    return cell


def write_table(
    ws: Worksheet, header: list[str] | tuple[str, ...], rows: list[list[Any]], widths: dict[str, int]
) -> int:
    """Write a header row and rows from the sheet's next row; returns the header's row number."""
    top = append(ws, header)
    for cell in ws[top]:
        style(cell, font=BOLD, fill=HEADER_FILL, alignment=WRAP)
    for row in rows:
        append(ws, row)
    for i, h in enumerate(header, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, widths.get(h, 12))
    return top


def note(ws: Worksheet, text: str) -> int:
    """A line of explanation in bold, running on across the empty cells beside it; returns its row number."""
    row = append(ws, [text])
    style(ws.cell(row, 1), font=BOLD)
    return row


def judgements_sheet(wb: Workbook, judgements: list[Judgement]) -> None:
    """Every judgement recorded, most pressing first, beside the data's indication."""
    ws = wb.create_sheet("Judgements")
    if not judgements:
        note(ws, "No judgements were recorded (the audit workbook has no Judgements sheet, or it is empty).")
        return
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
    top = write_table(
        ws, JUDGEMENT_COLUMNS, rows, {"Label": 36, "Judgement": 24, "Reason": 60, "Indicated by the data": 24}
    )
    for i, j in enumerate(judgements, start=1):
        category = JUDGED_CATEGORY.get(j.judgement)
        if category is not None:
            style(ws.cell(top + i, 3), fill=FINDING_FILLS[category])
        style(ws.cell(top + i, 6), number_format=DATE_FORMAT)
        for col in (2, 4):
            style(ws.cell(top + i, col), alignment=WRAP)
    ws.freeze_panes = ws.cell(top + 1, 2).coordinate
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(JUDGEMENT_COLUMNS))}{top + len(rows)}"


def action_plan(wb: Workbook, judgements: list[Judgement], findings: list[Finding]) -> None:
    """The action plan: a line saying where its rows come from, then a row per action with empty columns to fill."""
    ws = wb.create_sheet("Action plan")
    note(ws, FROM_JUDGEMENTS if judgements else FROM_DATA)
    chosen, categories = action_rows(judgements, findings)
    rows = [[*row, None, None, None, None] for row in chosen]
    widths = {"Priority": 24, "Criterion or theme": 30, "Reason": 60, "Indicated by the data": 24}
    top = write_table(ws, ACTION_COLUMNS, rows, {**widths, "Owner": 22, "Action": 50, "Target date": 14, "Status": 14})
    last = top + max(len(rows), 1) + 50  # room for the board to add rows of its own
    for i, category in enumerate(categories, start=1):
        style(ws.cell(top + i, 2), fill=FINDING_FILLS[category])
        for col in (3, 4, 7):
            style(ws.cell(top + i, col), alignment=WRAP)
    date_col = get_column_letter(ACTION_COLUMNS.index("Target date") + 1)
    dates = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="DATE(2000,1,1)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Target date",
        error="Enter a date, such as 31/03/2026.",
        promptTitle="Target date",
        prompt="The date the action should be done by.",
        showInputMessage=True,
    )
    dates.add(f"{date_col}{top + 1}:{date_col}{last}")
    status_col = get_column_letter(ACTION_COLUMNS.index("Status") + 1)
    status = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True)
    status.add(f"{status_col}{top + 1}:{status_col}{last}")
    ws.add_data_validation(dates)
    ws.add_data_validation(status)
    for r in range(top + 1, last + 1):
        style(ws[f"{date_col}{r}"], number_format=DATE_FORMAT)
    ws.freeze_panes = ws.cell(top + 1, 3).coordinate


def _summary(wb: Workbook, pub: PublishedResult, found: dict[tuple[str, str], Any]) -> None:
    fw, result = pub.framework, pub.analysed
    ws = wb.create_sheet("Summary")
    dates = sorted(d for d in result.cases["audit_date"] if isinstance(d, dt.date))
    append(ws, [f"{result.area}: case-file audit results"])
    ws["A1"].font = TITLE
    for label, value in (
        ("Framework", f"{fw.title} ({fw.id}, version {fw.version})"),
        ("Cases scored", pub.shown(cells.CASES)),
        ("Rows left out", pub.shown(cells.EXCLUDED)),
        ("Audit dates", f"{dates[0]:%d/%m/%Y} to {dates[-1]:%d/%m/%Y}" if dates else "not recorded"),
        ("How to read it", "% Yes is the share answered Yes among Yes, Partly and No, with its 95% Wilson interval."),
        ("Colours", "Answers and findings are tinted (Yes green, Partly yellow, No red); the words say the same."),
    ):
        append(ws, [label, value])
        ws.cell(ws.max_row, 1).font = BOLD
    append(ws, [])
    append(ws, ["Results by theme"])
    ws.cell(ws.max_row, 1).font = BOLD
    theme_rows = []
    for t in fw.themes:
        f = found[("theme", t.id)]
        theme_row = _result_row(pub, cells.theme(t.id), result.themes.loc[t.id])
        theme_rows.append([t.id, f"{t.number}. {t.label}", t.number, "", *theme_row, f.category_label])
    widths = {"Criterion": 40, "Finding": 24, "ID": 14}
    top = write_table(ws, SUMMARY_COLUMNS, theme_rows, widths)
    _fill_findings(ws, top, len(SUMMARY_COLUMNS), [found[("theme", t.id)] for t in fw.themes])
    append(ws, [])
    append(ws, ["Results by criterion"])
    ws.cell(ws.max_row, 1).font = BOLD
    rows = []
    for c in fw.criteria:
        rows.append(
            [
                c.id,
                c.label,
                fw.theme(c.theme).number,
                "Key" if c.key else "",
                *_result_row(pub, cells.criterion(c.id), result.criteria.loc[c.id]),
                found[("criterion", c.id)].category_label,
            ]
        )
    top = write_table(ws, SUMMARY_COLUMNS, rows, widths)
    _fill_findings(ws, top, len(SUMMARY_COLUMNS), [found[("criterion", c.id)] for c in fw.criteria])
    ws.column_dimensions["B"].width = 40
    ws.freeze_panes = "A2"


def _fill_findings(ws: Worksheet, header_row: int, column: int, findings: list[Any]) -> None:
    for i, f in enumerate(findings, start=1):
        style(ws.cell(header_row + i, column), fill=FINDING_FILLS[f.category])


def _findings(wb: Workbook, findings: list[Any]) -> None:
    ws = wb.create_sheet("Findings")
    header = ("Level", "ID", "Criterion or theme", "Key", "Finding", "What the audit found", "Why", "% Yes")
    rows = [
        [
            f.level.capitalize(),
            f.id,
            f.label,
            "Key" if f.key else "",
            f.category_label,
            sentence(f),
            f.reason,
            round_or_none(f.pct_yes, 1),
        ]
        for f in findings
    ]
    top = write_table(
        ws, header, rows, {"Criterion or theme": 36, "Finding": 24, "What the audit found": 70, "Why": 40}
    )
    for i, f in enumerate(findings, start=1):
        style(ws.cell(top + i, 5), fill=FINDING_FILLS[f.category])
        for col in (3, 6, 7):
            style(ws.cell(top + i, col), alignment=WRAP)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{top + len(rows)}"


def _cases(wb: Workbook, pub: PublishedResult) -> None:
    fw, result = pub.framework, pub.analysed
    ids = list(fw.criterion_ids)
    practice = case_columns(result.cases, fw)  # evidence, impact, learning, good practice, escalation
    header = [
        "Case ID",
        "Audit date",
        "Age band",
        "Agencies involved",
        "Auditor's grade",
        "Derived grade",
        "Mean points",
        *(fw.criterion(c).header for c in ids),
        *(name for _, name in practice),
        "Source",
    ]
    rows = []
    for c in _records(result.cases):
        agencies = ", ".join(fw.agencies[a] for a in c["agencies"])
        mean = None if c["mean_points"] != c["mean_points"] else round(float(c["mean_points"]), 3)
        date = c["audit_date"] if isinstance(c["audit_date"], dt.date) else None
        rows.append(
            [
                c["case_id"],
                date,
                c["age_band"],
                agencies,
                c["overall_grade"],
                c["derived_grade"],
                mean,
                *(c[i] for i in ids),
                *(case_value(c, column) for column, _ in practice),
                f"{c['file']} {c['sheet']}!row {c['row']}",
            ]
        )
    ws = wb.create_sheet("Cases")
    widths = {"Agencies involved": 30, "Source": 30, **{name: 40 for _, name in practice}}
    top = write_table(ws, header, rows, widths)
    first = header.index(fw.criterion(ids[0]).header) + 1 if ids else 0
    for row in ws.iter_rows(min_row=top + 1, min_col=first, max_col=first + len(ids) - 1):
        for cell in row:
            fill = FILLS.get(cell.value)
            if fill:
                style(cell, fill=fill)
    for row in ws.iter_rows(min_row=top + 1, min_col=2, max_col=2):
        for cell in row:
            style(cell, number_format=DATE_FORMAT)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{top + len(rows)}"


def _moderation(wb: Workbook, pub: PublishedResult) -> None:
    an = pub.analysed.analysis
    if an.pairs.empty:
        return
    ws = wb.create_sheet("Moderation")
    table = an.agreement
    rows = [
        [
            cid,
            r["label"],
            pub.shown(cells.agreement(cid).cell("pairs")),
            pub.shown(cells.agreement(cid).cell("agreed")),
            round_or_none(r["agreement_pct"], 1),
            round_or_none(r["kappa"], 3),
            ("Auditors disagree: " + r["reason"]) if r["flagged"] else "",
        ]
        for cid, r in table.iterrows()
    ]
    write_table(
        ws,
        ("ID", "Criterion", "Pairs", "Agreed", "% agreement", "Cohen's kappa", "Flag"),
        rows,
        {"Criterion": 40, "Flag": 50},
    )
    append(ws, [])
    grades = an.grade_pairs
    write_table(
        ws,
        (
            "Case ID",
            "First auditor's grade",
            "Derived from first auditor's answers",
            "Second auditor's grade",
            "Derived from second auditor's answers",
        ),
        grades.astype(object).where(grades.notna(), None).values.tolist(),
        {},
    )
    ws.freeze_panes = "A2"


def scored_workbook_bytes(pub: PublishedResult) -> bytes:
    """The area's scored workbook as xlsx bytes (see the module docstring for its sheets).

    ``pub`` is the full version (``publish(result, None)``): the workbook is case-level and never published.
    """
    if pub.publish:
        raise ValueError("the scored workbook is case-level: make it from the full version, never the published one")
    result = pub.analysed
    wb = Workbook()
    wb.remove(wb.active)
    findings = result.analysis.findings
    by_key = {(f.level, f.id): f for f in findings}
    _summary(wb, pub, by_key)
    _findings(wb, findings)
    judgements = pub.practice.judgements
    judgements_sheet(wb, judgements)
    action_plan(wb, judgements, findings)
    _cases(wb, pub)
    _moderation(wb, pub)
    ws = wb.create_sheet("Excluded")
    write_table(
        ws,
        ("Case ID", "File", "Cell", "Reason"),
        [[e["case_id"], e["file"], e["cell"], e["reason"]] for e in result.data.exclusions()],
        {"Reason": 70},
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
