"""The scored workbook's look: tints for answers and findings, header and title styles, and a table writer.

Shared by the workbook's sheets (:mod:`audit.render.scored_workbook`) and its
practice sheets (:mod:`audit.render.scored_practice`). Every value goes through
:func:`audit.xlsx_text.append`, so text is stored as text, never as a formula.
"""

from __future__ import annotations

from copy import copy
from typing import Any

from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from audit.analyse.findings import IMPROVEMENT, PRIORITY, STRENGTH, TOO_SMALL
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


def table(ws: Worksheet, header: list[str] | tuple[str, ...], rows: list[list[Any]], widths: dict[str, int]) -> int:
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
