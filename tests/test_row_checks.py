"""Blank cells and likely area typos are reported by cell, as warnings that never change the scoring."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from audit.check.validate import SCORED, load_audit
from audit.cli import main
from audit.read.load import column_letter
from audit.render.present import data_quality
from tests.conftest import SAMPLE_DATA, case_row, header_for
from tests.published import published

TYPO = "typing mistake"


def _col(framework, header: str) -> str:
    return column_letter(header_for(framework).index(header))


def _v1(framework) -> str:
    return _col(framework, "V1 Child's voice recorded")


def _run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def _stdout_json(*args: str):
    """Exit status and the JSON on standard output alone (the totals line goes to standard error)."""
    try:
        runner = CliRunner(mix_stderr=False)  # click 8.1
    except TypeError:
        runner = CliRunner()  # click 8.2 and later keep the two apart anyway
    result = runner.invoke(main, ["validate", *args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


# Blank answers ---------------------------------------------------------------------------------------------


def test_blank_answers_and_fields_are_warnings_by_cell(make_workbook, framework):
    blank = case_row(framework, "C1", V1=None, P2="  ")
    blank[2] = blank[3] = blank[4] = None  # Audit date, Age band, Agencies involved
    data = load_audit(make_workbook([blank, case_row(framework, "C2")]), framework)
    p2 = _col(framework, "P2 Perpetrator risk managed")
    warnings = {p.cell: p.message for p in data.problems if p.severity == "warning"}
    assert warnings == {
        f"{_v1(framework)}2": "blank answer to V1; use N/A if it does not apply",
        f"{p2}2": "blank answer to P2; use N/A if it does not apply",
        "C2": "blank Audit date",
        "D2": "blank Age band",
        "E2": "blank Agencies involved",
    }
    assert all(p.area == "Testshire" for p in data.problems)
    # the warnings change nothing: both cases are scored, and a blank answer is missing, never No
    assert list(data.cases["status"]) == [SCORED, SCORED] and data.errors == []
    assert data.cases.loc[0, "V1"] is None and data.cases.loc[0, "P2"] is None


def test_rows_left_out_are_not_listed_blank_by_blank(make_workbook, framework):
    stray = [None] * 6 + [None] * len(framework.criteria)
    stray[0], stray[1] = "C9", "Testshire"  # an ID and an area, nothing else: left out for having no valid answer
    data = load_audit(make_workbook([case_row(framework, "C1"), stray]), framework)
    assert [p.message for p in data.problems] == ["row excluded: no valid answer to any criterion"]


def test_cli_groups_many_blanks_per_column_and_json_holds_every_cell(make_workbook, framework, tmp_path):
    rows = [case_row(framework, f"C{i}", V1=None if i < 14 else "Yes") for i in range(20)]
    a1 = framework.criterion("A1").header
    rows[3][_col_index(framework, a1)] = None
    path = make_workbook(rows, name="north.xlsx")
    v1 = _v1(framework)

    text = _run("validate", str(path))
    assert text.exit_code == 0, text.output  # warnings alone pass without --strict
    lines = text.output.splitlines()
    grouped = [line for line in lines if "blank answers to V1" in line]
    first = ", ".join(f"{v1}{r}" for r in range(2, 7))
    assert grouped == [f"north.xlsx: Cases!{v1}: warning: 14 blank answers to V1 ({first}, ...)"]
    a1_cell = f"{_col(framework, a1)}5"
    assert f"north.xlsx: Cases!{a1_cell}: warning: blank answer to A1; use N/A if it does not apply" in lines
    assert "0 errors, 15 warnings." in text.output

    strict = _run("validate", str(path), "--strict")
    assert strict.exit_code == 1

    status, listed = _stdout_json(str(path))
    assert status == 0
    assert sorted(p["cell"] for p in listed if "V1" in p["message"]) == sorted(f"{v1}{r}" for r in range(2, 16))
    assert all(set(p) == {"file", "sheet", "cell", "severity", "code", "message", "area"} for p in listed)
    codes = {p["cell"]: p["code"] for p in listed}
    assert {codes[f"{v1}{r}"] for r in range(2, 16)} == {"answer-blank"}
    assert codes[a1_cell] == "answer-blank"
    assert {(p["file"], p["sheet"], p["severity"], p["area"]) for p in listed} == {
        ("north.xlsx", "Cases", "warning", "Testshire")
    }
    assert len(listed) == 15


def _col_index(framework, header: str) -> int:
    return header_for(framework).index(header)


def test_json_lists_unreadable_files_and_errors(make_workbook, framework, tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("Case ID,Area\n")
    good = make_workbook([case_row(framework, "C1", V1="Maybe")])
    status, listed = _stdout_json(str(good), str(bad))
    assert status == 2
    assert [(p["file"], p["severity"]) for p in listed] == [("notes.xlsx", "error"), ("audit.xlsx", "error")]


def test_report_counts_blanks_per_criterion_and_never_says_no_problems(make_workbook, framework):
    rows = [case_row(framework, f"C{i}", V1=None if i < 3 else "Yes", S1=None if i == 0 else "No") for i in range(8)]
    html = str(data_quality(published(load_audit(make_workbook(rows), framework), "Testshire")))
    assert "No problems were found" not in html
    assert "4 cells of cases were left blank" in html
    assert "<caption>Blank cells by column, Testshire</caption>" in html
    assert "V1 Child&#x27;s voice recorded" in html and ">3<" in html  # V1: 3 blanks
    v1 = _v1(framework)
    assert f"{v1}2, {v1}3, {v1}4" in html
    assert "blank answer to V1" not in html  # counted per column, not listed one by one as problems

    clean = published(load_audit(make_workbook([case_row(framework, "C1")]), framework), "Testshire")
    assert "No problems were found" in str(data_quality(clean))


# Likely area typos -----------------------------------------------------------------------------------------


def _areas(framework, counts: dict[str, int]) -> list[list]:
    rows = []
    for area, n in counts.items():
        rows += [case_row(framework, f"{area[:2]}-{i}", area=area) for i in range(n)]
    return rows


def test_sample_areas_are_not_flagged(framework):
    data = load_audit(SAMPLE_DATA, framework, scan=False)
    assert len(data.areas) == 6
    assert [p for p in data.problems if TYPO in p.message] == []


def test_close_area_names_flagged_with_both_names_and_the_odd_cells(make_workbook, framework):
    rows = _areas(framework, {"Amberlow Vale": 20})
    rows.insert(7, case_row(framework, "AV-X", area="Amberlow Vail"))
    data = load_audit(make_workbook(rows), framework)
    flagged = [p for p in data.problems if TYPO in p.message]
    assert len(flagged) == 1
    p = flagged[0]
    assert (p.severity, p.cell, p.area) == ("warning", "B9", "Amberlow Vail")
    assert "'Amberlow Vail' (1 row) is very like 'Amberlow Vale' (20 rows)" in p.message
    assert "the Area cells B9 " in p.message
    # a warning only: the odd row is still scored, in the area it names
    assert data.areas == ["Amberlow Vale", "Amberlow Vail"] and len(data.scored) == 21


def test_close_names_across_workbooks_of_one_run(make_workbook, framework):
    a = make_workbook(_areas(framework, {"Amberlow Vale": 12}), name="a.xlsx")
    b = make_workbook(_areas(framework, {"Amberlow Vail": 3}), name="b.xlsx")
    flagged = [p for p in load_audit([a, b], framework).problems if TYPO in p.message]
    assert [(p.file, p.cell) for p in flagged] == [("b.xlsx", "B2")]
    assert "B2, B3, B4" in flagged[0].message


def test_one_row_area_among_big_areas_flagged(make_workbook, framework):
    rows = _areas(framework, {"Amberlow Vale": 20, "Brackenholt Moor": 20})
    rows.append(case_row(framework, "ZZ-1", area="Quillbridge"))
    data = load_audit(make_workbook(rows), framework)
    flagged = [p for p in data.problems if TYPO in p.message]
    assert len(flagged) == 1
    assert flagged[0].cell == "B42" and flagged[0].area == "Quillbridge"
    assert "'Quillbridge' has only 1 row in this workbook, where the other areas have 20 or more" in flagged[0].message


@pytest.mark.parametrize(
    "names",
    [
        ("North Tyneside", "South Tyneside"),
        ("East Sussex", "West Sussex"),
        ("Area 1", "Area 2"),
        ("Bury", "Burt"),
        ("Amberlow Vale", "Brackenholt Moor", "Cindersey Fen"),
        ("Hollowmere Vale", "Hollowmere Dale"),  # close, but each a full sample: two real areas
    ],
)
def test_genuinely_different_names_not_flagged(make_workbook, framework, names):
    data = load_audit(make_workbook(_areas(framework, dict.fromkeys(names, 12))), framework)
    assert [p.message for p in data.problems if TYPO in p.message] == []


def test_small_areas_alone_or_among_small_ones_not_flagged(make_workbook, framework):
    data = load_audit(make_workbook(_areas(framework, {"Amberlow Vale": 2, "Quillbridge": 4})), framework)
    assert [p for p in data.problems if TYPO in p.message] == []
