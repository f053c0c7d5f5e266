"""The command line: exit statuses, messages that name file, sheet and cell, no tracebacks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from audit.cli import main
from tests.conftest import SAMPLE_DATA, case_row


@pytest.fixture
def run():
    def invoke(*args: str):
        result = CliRunner().invoke(main, list(args))
        assert "Traceback" not in result.output
        return result

    return invoke


def test_validate_clean_workbook_exits_0(run, make_workbook, framework):
    result = run("validate", str(make_workbook([case_row(framework, "C1")])))
    assert result.exit_code == 0, result.output
    assert "1 cases scored, 0 excluded" in result.output


def test_validate_lists_problems_with_cells_and_exits_1(run, make_workbook, framework):
    path = make_workbook([case_row(framework, "C1", V1="Maybe"), case_row(framework, "C1")], name="north.xlsx")
    result = run("validate", str(path))
    assert result.exit_code == 1
    v1 = framework.criterion_ids.index("V1") + 6  # six fixed columns before the criteria
    col = chr(65 + v1)
    assert f"north.xlsx: Cases!{col}2: error: answer to V1 should be Yes, Partly, No or N/A" in result.output
    assert "north.xlsx: Cases!A2: error: row excluded: the Case ID appears 2 times in Testshire" in result.output
    assert "north.xlsx: Cases!A3: error: row excluded" in result.output


def test_validate_unreadable_file_exits_2(run, tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("Case ID,Area\n1,North\n")
    result = run("validate", str(bad))
    assert result.exit_code == 2
    assert "notes.xlsx" in result.output


def test_validate_missing_sheet_exits_1_and_lists_sheets(run, make_workbook, framework):
    result = run("validate", str(make_workbook([case_row(framework, "C1")], sheet="Sheet1")))
    assert result.exit_code == 1
    assert "no sheet named 'Cases'; the workbook has: 'Sheet1'" in result.output


def test_validate_sample_data_reports_its_single_invalid_answer(run):
    result = run("validate", str(SAMPLE_DATA))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert errors == [
        "brackenholt-moor.xlsx: Cases!J17: error: answer to I2 should be Yes, Partly, No or N/A; found text "
        "that is not one of them. It is not scored; the rest of the case is"
    ]


def test_score_writes_summary_and_workbook_per_area(run, make_workbook, framework, tmp_path):
    rows = [case_row(framework, "C1"), case_row(framework, "C2", area="Other Place", V1="No"),
            case_row(framework, "C3", V1=None), [None] * 3]
    out = tmp_path / "out"
    result = run("score", str(make_workbook(rows)), "--out", str(out))
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "other-place" / "summary.json").read_text())
    assert summary["area"] == "Other Place" and summary["rows_read"] == 1
    assert summary["criteria"]["V1"]["no"] == 1 and summary["criteria"]["V1"]["pct_yes"] == 0.0
    test = json.loads((out / "testshire" / "summary.json").read_text())
    assert test["criteria"]["V1"]["missing"] == 1 and test["criteria"]["V1"]["answered"] == 1
    assert (out / "restricted" / "testshire" / "scored.xlsx").stat().st_size > 0


def test_score_with_another_framework(run, tmp_path, small_framework, make_workbook):
    header = ["Case ID", "Area", "X1 Seen promptly", "X2 Police checks done", "Y1 Plan agreed"]
    path = make_workbook([["K1", "Smalltown", "Y", "N", "NA"], ["K2", "Smalltown", "P", "Y", "Y"]], header=header,
                         fw=small_framework)
    out = tmp_path / "out"
    result = run("score", str(path), "--out", str(out), "--criteria", str(small_framework.path))
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "smalltown" / "summary.json").read_text())
    assert list(summary["criteria"]) == ["X1", "X2", "Y1"]
    assert summary["framework"]["id"] == "small-test"
    assert summary["sample"]["derived_grades"] == {"Good": 1, "Poor": 1}


def test_bad_criteria_file_is_one_clear_line(run, make_workbook, framework, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("criteria: [unclosed\n")
    result = run("validate", str(make_workbook([case_row(framework, "C1")])), "--criteria", str(bad))
    assert result.exit_code == 2
    assert "bad.yml: not valid YAML" in result.output


def test_template_command_writes_a_workbook_the_validator_reads(run, tmp_path):
    path = tmp_path / "blank.xlsx"
    assert run("template", str(path)).exit_code == 0
    result = run("validate", str(path))
    assert result.exit_code == 0, result.output  # no rows yet, and nothing wrong
    assert "0 rows" in result.output


def test_password_env_must_be_set(run, make_workbook, framework):
    result = run("validate", str(make_workbook([case_row(framework, "C1")])), "--password-env", "NO_SUCH_VAR_X")
    assert result.exit_code == 2
    assert "NO_SUCH_VAR_X" in result.output


def test_help_imports_no_heavy_library():
    """`audit --help` stays quick because the command line loads pandas and friends only in commands."""
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from audit.cli import main; "
        "CliRunner().invoke(main, ['--help']); "
        "heavy = ('pandas', 'matplotlib', 'papermill', 'nbconvert', 'statsmodels'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_template_refuses_an_existing_file_unless_forced(run, tmp_path):
    path = tmp_path / "audit.xlsx"
    path.write_bytes(b"filled in")
    result = run("template", str(path))
    assert result.exit_code == 2
    assert "audit.xlsx: already exists" in result.output and "--force" in result.output
    assert path.read_bytes() == b"filled in"
    result = run("template", str(path), "--force")
    assert result.exit_code == 0, result.output
    assert path.read_bytes()[:2] == b"PK"
    assert run("template", str(tmp_path / "b.xlsx"), "--rows", "0").exit_code == 2  # a usage error, not a traceback
    below_a_file = run("template", str(path / "c.xlsx"), "--force")
    assert below_a_file.exit_code == 2 and "c.xlsx: cannot write the file" in below_a_file.output
