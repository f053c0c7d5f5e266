"""Cell writes for every workbook the toolkit makes: text always stays text, never a formula.

openpyxl guesses a cell's type from its value: a string starting with ``=`` is
stored as a formula and ``#N/A`` as an error. Case IDs, area names, file names
and framework labels all come from files someone else wrote, so a Case ID of
``=HYPERLINK("http://...")`` would become a live link in a board member's copy.
Every cell the toolkit writes with openpyxl goes through :func:`put` or :func:`append`, which
store strings as text (``t="inlineStr"``), mark text that a spreadsheet would
read as a formula if retyped (leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) with Excel's
quote prefix, and replace characters an xlsx file cannot hold. The scored workbook is written with
XlsxWriter instead (:mod:`audit.render.scored_style`), through :func:`clean_text` and :data:`FORMULA_LEADS`
the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

# Characters XML 1.0 (so xlsx) cannot hold; openpyxl raises on them rather than write them.
# Lone surrogates are how Python keeps undecodable bytes of a file name; UTF-8 cannot store them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What Excel, LibreOffice and Sheets read as the start of a formula when the text is typed or pasted (a leading tab
# or carriage return too, when the cell is copied out as CSV and opened again).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32767  # Excel's limit on the characters in one cell


def clean_text(value: str) -> str:
    """Text an xlsx file can hold: illegal control characters and lone surrogates replaced, length capped.

    A file name read from disk may hold undecodable bytes (kept by Python as lone
    surrogates), which no UTF-8 file can store; each becomes U+FFFD.
    """
    return _ILLEGAL.sub("\ufffd", value)[:MAX_CELL_TEXT]


def set_value(cell: Cell, value: Any) -> Cell:
    """Give ``cell`` the value; a string is stored as text whatever it starts with."""
    if isinstance(value, str):
        value = clean_text(value)
        cell.value = value
        cell.data_type = "s"  # overrides openpyxl's guess of 'f' (formula) or 'e' (error)
        if value.startswith(FORMULA_LEADS):
            cell.quotePrefix = True  # stays text even if someone edits the cell in Excel
    else:
        cell.value = value
    return cell


def put(ws: Worksheet, row: int, column: int, value: Any = None) -> Cell:
    """Write one value at (row, column), 1-based, as :func:`set_value` does; returns the cell."""
    cell = ws.cell(row, column)
    if value is not None:
        set_value(cell, value)
    return cell


def append(ws: Worksheet, values: Iterable[Any]) -> int:
    """Append a row of values below the sheet's last row, strings as text; returns the sheet's last row."""
    ws.append([set_value(Cell(ws), v) if v is not None else None for v in values])
    return ws.max_row
