"""The scored workbook written with XlsxWriter reads the same as the one openpyxl wrote, cell by cell and look by look.

Both are made from the same result (the openpyxl writer is kept, frozen, in
``tests/scored_workbook_reference.py``) and read back with openpyxl: every
sheet in order; every cell's value, type, number format, font, fill, alignment
and quote prefix; column widths, frozen panes, filters and data validations.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render.scored_workbook import scored_workbook_bytes
from audit.workbooks.sample import generate_cases, moderation_frame, write_workbook
from audit.workbooks.synthetic_practice import add_practice
from audit.xlsx_text import append
from tests import scored_workbook_reference as reference
from tests.conftest import SAMPLE_DATA, case_row, header_for

VALIDATION_FIELDS = (
    "type",
    "operator",
    "formula1",
    "formula2",
    "allow_blank",
    "showErrorMessage",
    "showInputMessage",
    "errorTitle",
    "error",
    "promptTitle",
    "prompt",
    "errorStyle",
    "showDropDown",
)


def _rgb(color: Any) -> str | None:
    """A colour's red, green and blue (the alpha byte differs between writers and no spreadsheet reads it)."""
    return None if color is None or color.rgb is None else str(color.rgb)[-6:]


def _cell(cell: Any) -> tuple[Any, ...]:
    font, fill, al = cell.font, cell.fill, cell.alignment
    return (
        cell.value,
        type(cell.value).__name__,
        None if cell.value is None else cell.data_type,  # openpyxl wrote "" as an empty inline string: read as None
        cell.number_format,
        bool(font.b),
        bool(font.i),
        font.sz or 11.0,  # a font without a size is the workbook's default, 11 points
        fill.fill_type,
        _rgb(fill.fgColor) if fill.fill_type else None,
        bool(al.wrap_text),
        al.vertical,
        al.horizontal,
        bool(cell.quotePrefix),
    )


PLAIN = (None, "NoneType", None, "General", False, False, 11.0, None, None, False, None, None, False)


def _widths(ws: Any) -> dict[int, float]:
    out = {}
    for d in ws.column_dimensions.values():
        if d.customWidth:
            for col in range(d.min, d.max + 1):
                out[col] = d.width
    return out


def reading(xlsx: bytes) -> dict[str, Any]:
    """What a reader finds in a workbook: per sheet, in order, its cells (non-plain only) and sheet-wide settings."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    out: dict[str, Any] = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                seen = _cell(cell)
                if seen != PLAIN:
                    cells[cell.coordinate] = seen
        validations = sorted(
            (str(dv.sqref), *(getattr(dv, f) for f in VALIDATION_FIELDS)) for dv in ws.data_validations.dataValidation
        )
        out[ws.title] = {
            "cells": cells,
            "widths": _widths(ws),
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "validations": validations,
            "state": ws.sheet_state,
        }
    return out


def assert_reads_the_same(result: Any) -> None:
    full = publish(result, None)
    new, old = reading(scored_workbook_bytes(full)), reading(reference.scored_workbook_bytes(full))
    assert list(new) == list(old)
    for name in old:
        for key in old[name]:
            if key != "cells":
                assert new[name][key] == old[name][key], (name, key)
        a, b = new[name]["cells"], old[name]["cells"]
        assert a.keys() == b.keys(), (name, sorted(a.keys() ^ b.keys())[:5])
        wrong = [c for c in b if a[c] != b[c]]
        assert not wrong, (name, wrong[:5], a[wrong[0]], b[wrong[0]]) if wrong else None


@pytest.fixture(scope="module")
def sample(framework):
    return load_audit(SAMPLE_DATA, framework, scan=False)


def test_every_sample_area_reads_the_same(sample):
    """Moderation, judgements (and none), agreed and agency answers, an escalation, an invalid answer, a shared file."""
    assert len(sample.areas) == 6
    for area in sample.areas:
        assert_reads_the_same(analyse_area(sample, area))


def _synthetic(tmp_path: Path, fw: Any, n: int, seed: int, *, rounds: bool = False) -> Any:
    """A messy synthetic area with practice columns and a moderation sheet; cases over two rounds if asked."""
    frame = add_practice(generate_cases(fw, "Cindersey Fen", n, seed), fw, seed, escalate=1)
    if rounds:
        frame["Audit date"] = [dt.datetime(2024 + i % 2, 3, 1 + i % 20) for i in range(len(frame))]
    path = write_workbook(
        tmp_path / f"synthetic-{n}-{seed}.xlsx",
        frame,
        fw,
        mess=True,
        seed=seed,
        invalid_answers=2,
        moderation=moderation_frame(frame, fw, min(3, n), seed),
    )
    return load_audit(path, fw, scan=False)


@pytest.mark.parametrize(
    ("n", "seed", "rounds", "publish_"), [(3, 1, False, True), (40, 7, True, False), (2, 3, True, True)]
)
def test_synthetic_areas_read_the_same(tmp_path, framework, n, seed, rounds, publish_):
    """Small areas (analysed for publishing: counts hidden there, round labels replaced), several rounds, moderation,
    messy and invalid answers."""
    data = _synthetic(tmp_path, framework, n, seed, rounds=rounds)
    assert_reads_the_same(analyse_area(data, "Cindersey Fen", publish=publish_))


def test_an_area_with_no_answers_reads_the_same(tmp_path, framework):
    """Every answer blank: no case scored, every row on the Excluded sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    append(ws, header_for(framework))
    for i in range(4):
        append(ws, case_row(framework, f"NA-{i}", answer=None))
    path = tmp_path / "blank.xlsx"
    wb.save(path)
    data = load_audit(path, framework, scan=False)
    assert_reads_the_same(analyse_area(data, "Testshire"))
