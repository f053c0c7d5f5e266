"""The blank audit template: layout, dropdowns and help sheets follow the framework."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from audit.framework.model import Framework
from audit.workbooks.template import FIXED_COLUMNS, FREE_TEXT_COLUMNS, case_columns, write_template


def _cases(path: Path) -> Worksheet:
    return openpyxl.load_workbook(path)["Cases"]


def _validation(ws: Worksheet, formula1: str) -> DataValidation:
    found = [dv for dv in ws.data_validations.dataValidation if dv.formula1 == formula1]
    assert len(found) == 1, f"expected one validation with {formula1}"
    return found[0]


def _col(ws: Worksheet, header: str) -> str:
    for cell in ws[3]:
        if cell.value == header:
            return get_column_letter(cell.column)
    raise AssertionError(f"no column {header!r}")


def test_header_on_row_three_below_title(tmp_path: Path, framework: Framework) -> None:
    ws = _cases(write_template(tmp_path / "t.xlsx", framework))
    assert ws["A1"].value == framework.title
    assert all(c.value is None for c in ws[2])
    first_case_id_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "Case ID")
    assert first_case_id_row == 3
    assert [c.value for c in ws[3]] == case_columns(framework)
    assert case_columns(framework)[: len(FIXED_COLUMNS) + 1] == [*FIXED_COLUMNS, *FREE_TEXT_COLUMNS]
    assert ws["A3"].font.bold and ws["H3"].alignment.wrap_text
    assert ws.column_dimensions["E"].width > ws.column_dimensions["A"].width
    # No case rows filled in.
    assert all(c.value is None for row in ws.iter_rows(min_row=4) for c in row)


def test_answer_dropdown_covers_every_answer_cell(tmp_path: Path, framework: Framework) -> None:
    ws = _cases(write_template(tmp_path / "t.xlsx", framework, rows=40))
    dv = _validation(ws, '"Yes,Partly,No,N/A"')
    assert dv.type == "list" and dv.showErrorMessage and dv.allow_blank
    for c in framework.criteria:
        col = _col(ws, c.header)
        for row in range(4, 44):
            assert f"{col}{row}" in dv.sqref, f"{col}{row} ({c.id}) has no dropdown"
        assert f"{col}3" not in dv.sqref and f"{col}44" not in dv.sqref
    for header in (*FIXED_COLUMNS, *FREE_TEXT_COLUMNS):
        assert f"{_col(ws, header)}4" not in dv.sqref


def test_rows_argument_sets_validated_range(tmp_path: Path, framework: Framework) -> None:
    ws = _cases(write_template(tmp_path / "t.xlsx", framework, rows=5))
    dv = _validation(ws, '"Yes,Partly,No,N/A"')
    last = _col(ws, framework.criteria[-1].header)
    assert f"{last}8" in dv.sqref and f"{last}9" not in dv.sqref
    with pytest.raises(ValueError):
        write_template(tmp_path / "none.xlsx", framework, rows=0)


def test_age_grade_and_date_validations(tmp_path: Path, framework: Framework) -> None:
    ws = _cases(write_template(tmp_path / "t.xlsx", framework))
    ages = _validation(ws, '"' + ",".join(framework.age_bands) + '"')
    assert f"{_col(ws, 'Age band')}4" in ages.sqref and ages.showErrorMessage
    grades = _validation(ws, '"' + ",".join(framework.grades) + '"')
    assert f"{_col(ws, 'Overall grade')}43" in grades.sqref
    dates = [dv for dv in ws.data_validations.dataValidation if dv.type == "date"]
    assert len(dates) == 1 and f"{_col(ws, 'Audit date')}4" in dates[0].sqref
    assert "DD" in ws[f"{_col(ws, 'Audit date')}4"].number_format.upper()


def test_frozen_below_header_and_right_of_case_id(tmp_path: Path, framework: Framework) -> None:
    assert _cases(write_template(tmp_path / "t.xlsx", framework)).freeze_panes == "B4"


def test_instructions_and_criteria_sheets(tmp_path: Path, framework: Framework) -> None:
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", framework))
    assert wb.sheetnames[:3] == ["Cases", "Instructions", "Criteria"]
    text = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    needles = (
        "one row per case",
        "NHS numbers",
        "dates of birth",
        "addresses",
        "Blank: not yet answered",
        "I5",
    )
    for needle in needles:
        assert needle.lower() in text.lower(), needle
    for canon in ("Yes", "Partly", "No", "N/A"):
        assert f"{canon}:" in text
    rows = list(wb["Criteria"].iter_rows(values_only=True))
    assert rows[0] == ("ID", "Criterion", "Theme", "Question", "Agencies", "Key criterion")
    assert [r[0] for r in rows[1:]] == list(framework.criterion_ids)
    v1 = next(r for r in rows if r[0] == "V1")
    assert v1[4] == "Children's social care, Health, Education and early years" and v1[5] == "Yes"
    assert v1[2] == framework.theme(framework.criterion("V1").theme).label


def test_follows_a_different_framework(tmp_path: Path, small_framework: Framework) -> None:
    path = write_template(tmp_path / "small.xlsx", small_framework, rows=10)
    wb = openpyxl.load_workbook(path)
    ws = wb["Cases"]
    headers = [c.value for c in ws[3]]
    criteria = ["X1 Seen promptly", "X1 evidence", "X2 Police checks done", "X2 evidence", "Y1 Plan agreed"]
    practice = ["Y1 evidence", "What difference did it make", "Learning themes", "Good practice", "Escalated"]
    assert headers == [*FIXED_COLUMNS, *FREE_TEXT_COLUMNS, *criteria, *practice, "Escalation note"]
    dv = _validation(ws, '"Yes,Partly,No,N/A"')
    assert {str(r) for r in dv.sqref.ranges} == {"H4:H13", "J4:J13", "L4:L13"}  # evidence columns between
    _validation(ws, '"Under 5,5 and over"')
    _validation(ws, '"Good,Poor"')
    assert [r[0] for r in wb["Criteria"].iter_rows(min_row=2, values_only=True)] == ["X1", "X2", "Y1"]
    assert ws["A1"].value == "A small test framework"


def test_list_too_awkward_to_inline_uses_hidden_sheet(tmp_path: Path, small_framework: Framework) -> None:
    from dataclasses import replace

    fw = replace(small_framework, age_bands=("Under 5, pre-school", "5 and over"))
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", fw))
    dv = _validation(wb["Cases"], "AgeBands")
    assert "D4" in dv.sqref
    assert wb["Lists"].sheet_state == "hidden"
    assert [wb["Lists"]["A1"].value, wb["Lists"]["A2"].value] == list(fw.age_bands)


def test_same_input_same_bytes(tmp_path: Path, framework: Framework) -> None:
    a = write_template(tmp_path / "a.xlsx", framework)
    b = write_template(tmp_path / "b.xlsx", framework)
    assert a.read_bytes() == b.read_bytes()


def test_existing_file_is_refused_and_left_as_it_is(tmp_path: Path, framework: Framework) -> None:
    from audit.workbooks.template import OutputExistsError

    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(b"an auditor's filled-in workbook")
    with pytest.raises(OutputExistsError, match="filled.xlsx: already exists"):
        write_template(filled, framework)
    assert filled.read_bytes() == b"an auditor's filled-in workbook"
    assert write_template(filled, framework, overwrite=True) == filled
    assert openpyxl.load_workbook(filled)["Cases"]["A3"].value == "Case ID"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filled.xlsx"]  # no temporary file left


def test_written_atomically_beside_the_target(tmp_path: Path, framework: Framework, monkeypatch) -> None:
    """The workbook goes to a temporary file in the same folder and is renamed into place; a failure
    while writing leaves the old file whole and no temporary file behind."""
    import os

    import audit.workbooks.template as template

    target = tmp_path / "t.xlsx"
    target.write_bytes(b"old")
    renames = []
    real_replace = os.replace

    def spy(src, dst):
        renames.append((Path(src).parent, Path(src).name, Path(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(template.os, "replace", spy)
    write_template(target, framework, overwrite=True)
    assert len(renames) == 1
    folder, tmp_name, dst = renames[0]
    assert folder == tmp_path and dst == target and tmp_name.startswith(".t.xlsx.")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    target.write_bytes(b"old")
    monkeypatch.setattr(template.os, "replace", fail)
    with pytest.raises(template.OutputWriteError, match="t.xlsx: cannot write the file .No space left on device."):
        write_template(target, framework, overwrite=True)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]
