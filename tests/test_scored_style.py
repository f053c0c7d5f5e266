"""Looks given through the per-workbook cache make the same file as setting them cell by cell."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
from openpyxl import Workbook

from audit.render.scored_style import BOLD, DATE_FORMAT, FILLS, HEADER_FILL, WRAP, style
from audit.render.scored_workbook import _records
from audit.xlsx_text import append

LOOKS = [
    {"font": BOLD, "fill": HEADER_FILL, "alignment": WRAP},
    {"fill": FILLS["Yes"]},
    {"fill": FILLS["No"]},
    {"number_format": DATE_FORMAT},
    {"alignment": WRAP},
]


def _book(cached: bool) -> dict[str, bytes]:
    wb = Workbook()
    ws = wb.active
    for r in range(1, 9):
        append(ws, ["=looks like a formula", "Yes", dt.date(2025, 1, r), None, 3.5])
    for r in range(1, 9):
        for c in range(1, 6):
            for looks in (LOOKS[(r + c) % len(LOOKS)], LOOKS[r % 2]):  # a second look over the first
                cell = ws.cell(r, c)
                if cached:
                    style(cell, **looks)
                else:
                    for name, value in looks.items():
                        setattr(cell, name, value)
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_cached_looks_make_the_same_file():
    assert _book(cached=True) == _book(cached=False)


def test_a_cached_look_is_each_cells_own():
    wb = Workbook()
    ws = wb.active
    first, second = style(ws.cell(1, 1), fill=FILLS["Yes"]), style(ws.cell(1, 2), fill=FILLS["Yes"])
    assert first._style is not second._style
    second.font = BOLD  # changing one cell later leaves the other as it was
    assert second.font.b and not first.font.b and second._style.fillId == first._style.fillId


def test_records_hold_what_iterrows_gives():
    frame = pd.DataFrame(
        {
            "case_id": ["A1", "A2"],
            "mean_points": [0.5, float("nan")],
            "row": [3, 4],
            "flag": [True, False],
            "agencies": [("police",), ()],
            "audit_date": [dt.date(2025, 1, 2), None],
        }
    )
    expected = [dict(row) for _, row in frame.iterrows()]
    got = _records(frame)
    for e, g in zip(expected, got, strict=True):
        assert list(e) == list(g)
        for k in e:
            assert type(e[k]) is type(g[k]) and (e[k] == g[k] or (e[k] != e[k] and g[k] != g[k])), k
