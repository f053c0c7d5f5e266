"""The scored workbook's sheet layout: looks replace looks of their kind, values keep their types."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from audit.render.scored_style import BOLD, DATE_FORMAT, FILLS, HEADER_FILL, WRAP, Sheet, table, workbook_bytes
from audit.render.scored_workbook import _records


def test_a_later_look_replaces_the_same_kind_and_keeps_the_others():
    """As setting openpyxl's cell.fill after cell.font did: the header's font stays when a fill is given."""
    ws = Sheet("S")
    top = table(ws, ["A", "B"], [["x", None]], {})
    ws.style(top + 1, 1, fill=FILLS["Yes"])
    ws.style(top + 1, 1, fill=FILLS["No"], number_format=DATE_FORMAT)
    ws.style(top, 2, alignment=None)
    assert ws.cells[(top + 1, 1)] == ["x", None, FILLS["No"], None, DATE_FORMAT]
    assert ws.cells[(top, 2)] == ["B", BOLD, HEADER_FILL, None, None]
    assert ws.cells[(top, 1)] == ["A", BOLD, HEADER_FILL, WRAP, None]


def test_dates_and_times_get_a_date_format_when_written():
    """A date reads back as a date even where no look gives it a format (as openpyxl gave one)."""
    ws = Sheet("S")
    ws.append([dt.date(2025, 1, 2), dt.datetime(2025, 1, 2, 3, 4), 3.5, "2025-01-02"])
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes([ws])))
    cells = book["S"][1]
    assert [c.value for c in cells] == [dt.datetime(2025, 1, 2), dt.datetime(2025, 1, 2, 3, 4), 3.5, "2025-01-02"]
    assert [c.number_format for c in cells] == ["yyyy-mm-dd", "yyyy-mm-dd h:mm:ss", "General", "General"]
    assert [c.data_type for c in cells] == ["d", "d", "n", "s"]


def test_a_value_of_an_unknown_kind_is_refused_naming_the_cell_not_the_value():
    ws = Sheet("Cases")
    ws.append(["ok", {"secret": "child's name"}])
    with pytest.raises(TypeError, match=r"Cases!B1: a cell holds a dict") as caught:
        workbook_bytes([ws])
    assert "secret" not in str(caught.value) and "child" not in str(caught.value)


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
