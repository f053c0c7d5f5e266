"""What the reader child process runs (see audit.read.isolated_read): python-calamine, plain data out.

Imported by the fork server before any workbook arrives, so each child starts with
the reader loaded. Nothing here may raise on a bad file: the outcome is either the
cells or a :class:`Refusal`: the problem code and one line saying why the file could not be read.
"""

from __future__ import annotations

import io
from typing import Any, NamedTuple

from python_calamine import CalamineWorkbook, SheetVisibleEnum


class Refusal(NamedTuple):
    """Why the reader could not read a file: a registered problem code (see audit.codes) and the reason."""

    code: str
    reason: str


Outcome = Refusal | tuple[list[str], dict[str, tuple[str, bool, list[list[Any]]]]]


def _fold(value: str) -> str:
    """As audit.read.load.fold: surrounding and repeated spaces dropped, case folded."""
    return " ".join(value.split()).casefold()


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def read(data: bytes, wanted: list[str]) -> Outcome:
    """Sheet names, and (name, visible, cells from A1) for each wanted sheet, keyed by folded name."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = list(book.sheets_metadata)
    except Exception as exc:  # calamine raises its own types, and plain ones for odd files
        return Refusal(code="reader-refused", reason=f"cannot be read as an Excel workbook ({_short(exc)})")
    by_fold: dict[str, Any] = {}
    for meta in metadata:
        by_fold[_fold(meta.name)] = meta
    sheets: dict[str, tuple[str, bool, list[list[Any]]]] = {}
    for key in wanted:
        meta = by_fold.get(key)
        if meta is None:
            continue
        try:
            rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        except Exception as exc:
            return Refusal(code="sheet-unreadable", reason=f"sheet {meta.name!r} cannot be read ({_short(exc)})")
        sheets[key] = (meta.name, meta.visible == SheetVisibleEnum.Visible, rows)
    return [m.name for m in metadata], sheets
