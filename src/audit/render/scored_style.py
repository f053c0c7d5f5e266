"""The scored workbook's look and its writer: tints, header and title styles, tables, and the xlsx file itself.

Shared by the workbook's sheets (:mod:`audit.render.scored_workbook`) and its
practice sheets (:mod:`audit.render.scored_practice`). A sheet is laid out as
plain data (:class:`Sheet`: cells with their looks, widths, frozen panes, a
filter, validations) and :func:`workbook_bytes` writes the sheets with XlsxWriter,
several times faster than openpyxl's writer. The looks are openpyxl's style
objects, as openpyxl reads them back. Text is always written as text
(``write_string``, never ``write``), cleaned as :mod:`audit.xlsx_text` cleans it,
with Excel's quote prefix when it starts like a formula: never a formula, a
link or a number.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from numbers import Number
from typing import Any

import xlsxwriter
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from audit.analyse.findings import IMPROVEMENT, PRIORITY, STRENGTH, TOO_SMALL
from audit.xlsx_text import FORMULA_LEADS, clean_text

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
# The file's document properties hold this time, never the time it was made, so the same result gives the same bytes
# (the incremental batch compares files byte for byte; XlsxWriter already dates every zip entry 1 January 1980).
FIXED_TIMESTAMP = dt.datetime(2025, 1, 1, 0, 0, 0, tzinfo=dt.UTC)
DEFAULT_WIDTH = 13  # characters: the width every table column had at least when openpyxl wrote the workbook
_PIXELS_PER_CHARACTER = 7  # Calibri 11's widest digit; a width of n characters is stored as n exactly
# The number format a date or time gets when written without one (as openpyxl gives it), so it reads as a date.
_VALUE_FORMATS = (
    (dt.datetime, "yyyy-mm-dd h:mm:ss"),
    (dt.date, "yyyy-mm-dd"),
    (dt.time, "h:mm:ss"),
    (dt.timedelta, "[hh]:mm:ss"),
)
_PLAIN = {str, int, float, bool, type(None)}  # values written without a number format of their own
_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
_FONT, _FILL, _ALIGNMENT, _NUMBER_FORMAT = range(4)
_LOOKS = {"font": _FONT, "fill": _FILL, "alignment": _ALIGNMENT, "number_format": _NUMBER_FORMAT}


@dataclass
class Sheet:
    """A sheet laid out as plain data; rows and columns are 1-based, as in Excel.

    ``cells`` maps (row, column) to ``[value, font, fill, alignment, number_format]``;
    a look given later replaces the same kind of look given earlier, as in openpyxl.
    """

    name: str
    cells: dict[tuple[int, int], list[Any]] = field(default_factory=dict)
    row: int = 0  # the last row appended (a blank row counts)
    widths: dict[int, float] = field(default_factory=dict)
    freeze: tuple[int, int] | None = None  # the top-left cell that scrolls
    filter: tuple[int, int, int, int] | None = None  # first row, first column, last row, last column
    validations: list[tuple[int, int, int, int, dict[str, Any]]] = field(default_factory=list)

    @property
    def max_column(self) -> int:
        return max((c for _, c in self.cells), default=0)

    def append(self, values: list[Any] | tuple[Any, ...]) -> int:
        """Put a row of values below the last row appended; returns its row number."""
        self.row += 1
        row, cells = self.row, self.cells
        for col, value in enumerate(values, start=1):
            number_format = None if type(value) in _PLAIN else _value_format(value)
            cells[(row, col)] = [value, None, None, None, number_format]
        return row

    def style(self, row: int, col: int, **looks: Any) -> None:
        """Give a cell a look (``font``, ``fill``, ``alignment``, ``number_format``); an empty cell keeps it too."""
        cell = self.cells.get((row, col))
        if cell is None:
            cell = self.cells[(row, col)] = [None, None, None, None, None]
        for name, look in looks.items():
            cell[_LOOKS[name] + 1] = look

    def value(self, row: int, col: int) -> Any:
        cell = self.cells.get((row, col))
        return None if cell is None else cell[0]


def _value_format(value: Any) -> str | None:
    for kind, number_format in _VALUE_FORMATS:
        if isinstance(value, kind):
            return number_format
    return None


def table(ws: Sheet, header: list[str] | tuple[str, ...], rows: list[list[Any]], widths: dict[str, int]) -> int:
    """Write a header row and rows from the sheet's next row; returns the header's row number."""
    top = ws.append(header)
    # The header's look runs across the sheet's width, as openpyxl's ws[row] gave it (so on the Moderation sheet the
    # grade table's header shades the two columns after it, where the agreement table above is wider).
    for col in range(1, max(ws.max_column, len(header)) + 1):
        ws.style(top, col, font=BOLD, fill=HEADER_FILL, alignment=WRAP)
    for row in rows:
        ws.append(row)
    for i, h in enumerate(header, start=1):
        ws.widths[i] = max(ws.widths.get(i, 0), widths.get(h, DEFAULT_WIDTH))
    return top


def note(ws: Sheet, text: str) -> int:
    """A line of explanation in bold, running on across the empty cells beside it; returns its row number."""
    row = ws.append([text])
    ws.style(row, 1, font=BOLD)
    return row


def _format_properties(font: Font | None, fill: PatternFill | None, alignment: Alignment | None) -> dict[str, Any]:
    """XlsxWriter's properties for openpyxl's looks (the kinds this workbook uses)."""
    out: dict[str, Any] = {}
    if font is not None:
        out |= {"bold": bool(font.b), "italic": bool(font.i)}
        if font.sz is not None:
            out["font_size"] = font.sz
    if fill is not None and fill.fill_type == "solid":
        out |= {"pattern": 1, "bg_color": "#" + fill.fgColor.rgb[-6:]}
    if alignment is not None:
        out |= {"text_wrap": bool(alignment.wrap_text)}
        if alignment.vertical:
            out["valign"] = {"center": "vcenter"}.get(alignment.vertical, alignment.vertical)
        if alignment.horizontal:
            out["align"] = alignment.horizontal
    return out


class _Formats:
    """A workbook's formats, one per combination of looks; the looks are the module's constants, so keyed by id."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.made: dict[tuple[Any, ...], Any] = {}

    def get(self, cell: list[Any], quote: bool) -> Any:
        _, font, fill, alignment, number_format = cell
        if font is None and fill is None and alignment is None and number_format is None and not quote:
            return None
        key = (id(font), id(fill), id(alignment), number_format, quote)
        made = self.made.get(key)
        if made is None:
            properties = _format_properties(font, fill, alignment)
            if number_format is not None:
                properties["num_format"] = number_format
            if quote:
                properties["quote_prefix"] = True  # stays text even if someone edits the cell in Excel
            made = self.made[key] = (self.wb.add_format(properties), (font, fill, alignment))  # keep the ids theirs
        return made[0]


def _write_cell(ws: Any, formats: _Formats, row: int, col: int, cell: list[Any]) -> None:
    """One cell with its type kept: text as text, numbers as numbers, dates as dates, blanks blank."""
    value = cell[0]
    if type(value) is str:
        text = clean_text(value)
        if text:
            ws.write_string(row, col, text, formats.get(cell, text.startswith(FORMULA_LEADS)))
            return
        value = None  # an empty string is an empty cell, as openpyxl wrote it
    if isinstance(value, str):  # a subclass of str: its text, as text
        _write_cell(ws, formats, row, col, [str(value), *cell[1:]])
    elif value is None or (isinstance(value, Number) and not math.isfinite(float(value))):  # type: ignore[arg-type]
        fmt = formats.get(cell, False)  # NaN and infinity are empty cells, as openpyxl's reader found them
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, formats.get(cell, False))
    elif isinstance(value, Number):
        ws.write_number(row, col, value, formats.get(cell, False))
    elif isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        ws.write_datetime(row, col, value, formats.get(cell, False))
    else:
        where = f"{ws.name}!{get_column_letter(col + 1)}{row + 1}"  # the cell, never its value
        raise TypeError(f"scored workbook, {where}: a cell holds a {type(value).__name__}, which cannot be written")


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    """The sheets, in order, as xlsx bytes: the same bytes whenever the sheets are the same."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, _OPTIONS)
    wb.set_properties({"created": FIXED_TIMESTAMP})
    formats = _Formats(wb)
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.name)
        for col, width in sorted(sheet.widths.items()):
            ws.set_column_pixels(col - 1, col - 1, round(width * _PIXELS_PER_CHARACTER))
        for (row, col), cell in sheet.cells.items():  # in the order laid out: the same sheets, the same bytes
            if cell[0] is not None or cell[1] is not None or cell[2] is not None or cell[3] is not None or cell[4]:
                _write_cell(ws, formats, row - 1, col - 1, cell)  # (a cell with no value and no look is not written)
        if sheet.freeze is not None:
            ws.freeze_panes(sheet.freeze[0] - 1, sheet.freeze[1] - 1)
        if sheet.filter is not None:
            first_row, first_col, last_row, last_col = sheet.filter
            ws.autofilter(first_row - 1, first_col - 1, last_row - 1, last_col - 1)
        for first_row, col, last_row, last_col, options in sheet.validations:
            ws.data_validation(first_row - 1, col - 1, last_row - 1, last_col - 1, options)
    wb.close()
    return buf.getvalue()
