"""Dates of birth written into any cell's text, such as an audit round label, are flagged by cell."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.read.identifiers import DOB_TEXT, scan_cells
from tests.conftest import case_row, header_for

FLAGGED = [
    "Round B - child Tom Jones DOB 3 May 2016",
    "born on 03/05/2016",
    "Date of birth: May 2016",
    "D.O.B. 3.5.16",
    "dob 12th March 2015",
    "birth date 2016-05-03",
    "born in 2019",
    "DOB\u00a03\u00a0May\u00a02016",  # non-breaking spaces
]
NOT_FLAGGED = ["Unborn", "Unborn 2024", "Spring 2025 round", "Round 2", "3 May 2016", "Yes", "N/A", "0-2"]


@pytest.mark.parametrize("text", FLAGGED)
def test_a_date_of_birth_in_text_is_flagged(text):
    (finding,) = scan_cells("Cases", [[text]])
    assert finding.kind == DOB_TEXT and finding.cell == "A1"
    assert "May" not in finding.detail and "2016" not in finding.detail


@pytest.mark.parametrize("text", NOT_FLAGGED)
def test_ordinary_text_is_not_taken_for_a_date_of_birth(text):
    assert scan_cells("Cases", [[text]]) == []


def test_a_round_label_with_a_date_of_birth_stops_the_area_in_a_batch(make_workbook, framework, tmp_path):
    header = header_for(framework, ("Audit round",))
    rows = []
    for i in range(6):
        row = case_row(framework, f"C{i}", "North")
        rows.append(row[:6] + ["Round B - child Tom Jones DOB 3 May 2016" if i == 0 else "Round B"] + row[6:])
    path = make_workbook(rows, header=header)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert "Cases!G2: warning: possible personal data (date of birth)" in result.output
    assert "Tom Jones" not in result.output and "3 May" not in result.output
