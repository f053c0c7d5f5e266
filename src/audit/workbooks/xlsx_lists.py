"""Dropdown lists for the workbooks the toolkit writes: inline where Excel allows, else on a hidden Lists sheet.

Framework text (age bands, grades, agencies, themes) comes from a file someone else wrote,
so it goes inline only when it cannot break out of the list; otherwise each value is a cell
of the hidden ``Lists`` sheet, written as text, and the validation names its range.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from audit.xlsx_text import FORMULA_LEADS, put

LISTS_SHEET = "Lists"
# Excel limits an inline list (formula1 of a list validation) to 255 characters.
_INLINE_LIST_LIMIT = 255


def list_formula(wb: Workbook, name: str, values: Sequence[str]) -> str:
    """A list validation's formula1: inline if Excel allows it, else a named range on a hidden sheet."""
    inline = ",".join(values)
    if len(inline) + 2 <= _INLINE_LIST_LIMIT and all(plain(v) for v in values):
        return f'"{inline}"'
    lists = wb[LISTS_SHEET] if LISTS_SHEET in wb.sheetnames else wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    col = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value is not None else 1
    letter = get_column_letter(col)
    for r, v in enumerate(values, start=1):
        put(lists, r, col, v)
    ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(values)}"
    wb.defined_names[name] = DefinedName(name, attr_text=ref)
    return name


def plain(value: str) -> bool:
    """Framework text safe inside an inline list: no comma or quote to break out of it, nothing odd.

    Anything else goes to the hidden Lists sheet, where it is a cell written as text.
    """
    return (
        value == value.strip()
        and value.isprintable()
        and not any(ch in value for ch in ',"')
        and not value.startswith(FORMULA_LEADS)
    )


def validation_message(text: str) -> str:
    """A validation message within Excel's 255-character limit (a longer one makes Excel repair the file)."""
    return text if len(text) <= _INLINE_LIST_LIMIT else text[: _INLINE_LIST_LIMIT - 3] + "..."
