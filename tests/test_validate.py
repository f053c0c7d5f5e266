"""Validation: every non-blank row scored or excluded with its cell, nothing guessed."""

from __future__ import annotations

import openpyxl
import pytest

from audit.check.validate import EXCLUDED, INVALID, SCORED, load_audit
from audit.errors import LayoutError
from tests.conftest import case_row, header_for


def test_answers_and_synonyms_normalise(make_workbook, framework):
    spellings = [
        "Yes",
        " y ",
        "MET",
        "partly",
        "Partial",
        "partially met",
        "P",
        "n",
        "Not Met",
        "N/A",
        "na",
        "Not applicable",
        "  No  ",
        "Partly met",
        "Partially",
        "Y",
        "N/A",
    ]
    row = ["C1", "Testshire", None, None, None, None, *spellings[: len(framework.criteria)]]
    data = load_audit(make_workbook([row]), framework)
    got = [data.cases.loc[0, c.id] for c in framework.criteria]
    assert got == [
        "Yes",
        "Yes",
        "Yes",
        "Partly",
        "Partly",
        "Partly",
        "Partly",
        "No",
        "No",
        "N/A",
        "N/A",
        "N/A",
        "No",
        "Partly",
        "Partly",
        "Yes",
        "N/A",
    ]
    assert data.errors == []


def test_na_text_survives_reading_and_blank_is_missing_not_no(make_workbook, framework):
    path = make_workbook([case_row(framework, "C1", V1="N/A", P2=None, S1="")])
    data = load_audit(path, framework)
    rec = data.cases.iloc[0]
    assert rec["V1"] == "N/A"
    assert rec["P2"] is None and rec["S1"] is None
    assert rec["status"] == SCORED


def test_invalid_answer_reported_with_cell_and_rest_of_case_scored(make_workbook, framework):
    path = make_workbook([case_row(framework, "C1"), case_row(framework, "C2", V1="Unsure", P2=3)])
    data = load_audit(path, framework)
    v1_col = header_for(framework).index("V1 Child's voice recorded")
    p2_col = header_for(framework).index("P2 Perpetrator risk managed")
    cells = {p.cell for p in data.errors}
    assert cells == {f"{chr(65 + v1_col)}3", f"{chr(65 + p2_col)}3"}
    assert all(p.file == "audit.xlsx" and p.sheet == "Cases" for p in data.errors)
    messages = " ".join(p.message for p in data.errors)
    assert "Yes, Partly, No or N/A" in messages and "a number" in messages
    assert "Unsure" not in messages  # cell contents are described, never repeated
    rec = data.cases.iloc[1]
    assert rec["V1"] == INVALID and rec["P2"] == INVALID and rec["status"] == SCORED and rec["I1"] == "Yes"


def test_duplicate_case_ids_in_an_area_exclude_every_copy(make_workbook, framework):
    rows = [
        case_row(framework, "C1"),
        case_row(framework, "c1 "),
        case_row(framework, "C2"),
        case_row(framework, "C1", area="Otherford"),
    ]
    data = load_audit(make_workbook(rows), framework)
    ex = data.excluded
    assert list(ex["row"]) == [2, 3]
    assert all("appears 2 times in Testshire" in r for r in ex["reason"])
    assert list(ex["reason_cell"]) == ["A2", "A3"]
    assert set(data.scored["case_id"]) == {"C2", "C1"}  # C1 in Otherford is its own case
    assert data.scored.loc[data.scored["case_id"] == "C1", "area"].item() == "Otherford"


def test_blank_rows_are_not_cases_and_stray_values_are_not_lost(make_workbook, framework):
    stray = [None] * 8 + ["see notes"]
    rows = [case_row(framework, "C1"), [None] * 5, case_row(framework, "C2"), [None] * 3, [None] * 3, stray]
    data = load_audit(make_workbook(rows), framework)
    assert len(data.cases) == 3
    assert data.excluded["reason"].tolist() == ["the Case ID is blank"]
    assert data.excluded["reason_cell"].tolist() == ["A7"]


def test_case_with_no_valid_answer_is_excluded(make_workbook, framework):
    rows = [
        case_row(framework, "C1", answer=None),
        case_row(framework, "C2", answer="??"),
        case_row(framework, "C3"),
    ]
    data = load_audit(make_workbook(rows), framework)
    assert data.excluded["case_id"].tolist() == ["C1", "C2"]
    assert set(data.excluded["reason"]) == {"no valid answer to any criterion"}
    assert data.scored["case_id"].tolist() == ["C3"]


def test_header_found_below_title_rows_in_any_order_and_any_case(make_workbook, framework):
    header = header_for(framework)
    shuffled = list(reversed(header))
    shuffled = [f"  {h.upper()} " if i % 2 else h for i, h in enumerate(shuffled)]
    row = list(reversed(case_row(framework, "C9", V1="No")))
    data = load_audit(make_workbook([row], header=shuffled, title_rows=2), framework)
    rec = data.cases.iloc[0]
    assert rec["case_id"] == "C9" and rec["V1"] == "No" and rec["row"] == 4
    assert data.errors == []


def test_area_is_file_name_when_there_is_no_area_column(make_workbook, framework):
    header = [h for h in header_for(framework) if h != "Area"]
    row = case_row(framework, "C1")
    del row[1]
    data = load_audit(make_workbook([row], header=header, name="north-vale.xlsx"), framework)
    assert data.areas == ["north-vale"]


def test_unknown_and_missing_criterion_columns_are_reported(make_workbook, framework):
    header = [h if not h.startswith("V1 ") else "X9 Something else" for h in header_for(framework)]
    data = load_audit(make_workbook([case_row(framework, "C1")], header=header), framework)
    messages = [str(p) for p in data.errors]
    v1 = chr(65 + header.index("X9 Something else"))
    assert any(
        m.startswith(f"audit.xlsx: Cases!{v1}1: error: the header starts with what looks like a criterion ID")
        for m in messages
    )
    assert not any("X9" in m or "Something" in m for m in messages)  # the header is located, never repeated
    assert any("no column for criterion V1" in m for m in messages)
    assert data.cases.loc[0, "V1"] is None


def test_repeated_column_stops_the_sheet(make_workbook, framework):
    header = header_for(framework) + ["V1 Child's voice again"]
    with pytest.raises(LayoutError, match=r"Cases!.*repeats") as caught:
        load_audit(make_workbook([case_row(framework, "C1") + ["Yes"]], header=header), framework, keep_going=False)
    assert caught.value.code == "header-repeated"


def test_missing_cases_sheet_lists_the_sheets(make_workbook, framework):
    path = make_workbook([case_row(framework, "C1")], sheet="Data")
    with pytest.raises(LayoutError, match="no sheet named 'Cases'; the workbook has: 'Data'"):
        load_audit(path, framework, keep_going=False)
    data = load_audit(path, framework)
    assert "audit.xlsx" in data.failed and len(data.cases) == 0
    assert data.failed["audit.xlsx"].code == "sheet-missing"


def test_no_header_row(make_workbook, framework):
    path = make_workbook([["x", "y"]], header=["Ref", "Answer"])
    with pytest.raises(LayoutError, match="expected a cell reading 'Case ID'") as caught:
        load_audit(path, framework, keep_going=False)
    assert caught.value.code == "header-missing"


def test_numeric_case_ids_read_as_text(make_workbook, framework):
    data = load_audit(make_workbook([case_row(framework, 101)]), framework)
    assert data.cases.loc[0, "case_id"] == "101"


def test_blank_area_excluded_with_cell(make_workbook, framework):
    data = load_audit(make_workbook([case_row(framework, "C1", area=None)]), framework)
    assert data.excluded["reason_cell"].tolist() == ["B2"]
    assert data.areas == []


def test_fixed_field_values_checked(make_workbook, framework):
    row = case_row(framework, "C1")
    row[2], row[3], row[4], row[5] = "03/04/2025", "0 to 2", "Police; Schools; Wizards", "Great"
    data = load_audit(make_workbook([row]), framework)
    rec = data.cases.iloc[0]
    assert str(rec["audit_date"]) == "2025-04-03"
    assert rec["age_band"] == "0-2"
    assert rec["agencies"] == ("police", "education")
    assert rec["overall_grade"] is None
    warnings = {p.cell: p.message for p in data.problems if p.severity == "warning"}
    assert set(warnings) == {"C2", "E2", "F2"}


def test_accounting_every_row_once(make_workbook, framework):
    rows = [case_row(framework, f"C{i}", V1="maybe" if i == 3 else "Yes") for i in range(10)]
    rows += [case_row(framework, "C1"), [None] * 4, case_row(framework, None)]
    data = load_audit(make_workbook(rows), framework)
    assert len(data.cases) == 12
    assert len(data.scored) + len(data.excluded) == len(data.cases)
    assert set(data.cases["status"]) == {SCORED, EXCLUDED}


def test_many_files_merge_and_bad_file_does_not_stop_the_rest(make_workbook, framework, tmp_path):
    make_workbook([case_row(framework, "C1")], name="a.xlsx")
    make_workbook([case_row(framework, "C2")], name="b.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    data = load_audit(tmp_path, framework)
    assert sorted(data.scored["case_id"]) == ["C1", "C2"]
    assert list(data.failed) == ["broken.xlsx"]


def test_hidden_cases_sheet_warns(make_workbook, framework, tmp_path):
    path = make_workbook([case_row(framework, "C1")])
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Notes")
    wb["Cases"].sheet_state = "hidden"
    wb.active = 1
    wb.save(path)
    data = load_audit(path, framework)
    assert any("hidden" in p.message for p in data.problems)
    assert len(data.scored) == 1
