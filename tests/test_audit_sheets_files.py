"""The optional sheets in files: the template writes them and reads back clean, the sample carries them,
and hostile cells in them give clear problems, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from audit.check.validate import load_audit
from audit.cli import main
from audit.framework.model import Framework
from audit.workbooks.template import write_template
from tests.conftest import SAMPLE_DATA, case_row, header_for

NEW_SHEETS = ("Audit details", "Agency answers", "Agreed answers", "Judgements")


def _formulas(ws) -> set[str]:
    return {str(dv.formula1) for dv in ws.data_validations.dataValidation if dv.formula1}


def _col(ws, header: str, row: int = 3) -> int:
    return next(c.column for c in ws[row] if c.value == header)


# ------------------------------------------------------------------ the template


def test_template_writes_every_new_sheet_and_column_with_dropdowns(tmp_path, framework):
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", framework))
    assert set(NEW_SHEETS) <= set(wb.sheetnames)
    cases = wb["Cases"]
    headers = [c.value for c in cases[3]]
    for c in framework.criteria:
        assert headers[headers.index(c.header) + 1] == f"{c.id} evidence"
    assert headers[-5:] == [
        "What difference did it make",
        "Learning themes",
        "Good practice",
        "Escalated",
        "Escalation note",
    ]
    assert '"Yes,No"' in _formulas(cases)
    themes = [
        dv for dv in cases.data_validations.dataValidation if dv.promptTitle is None and "Learning" in (dv.prompt or "")
    ]
    assert themes and not themes[0].showErrorMessage  # several themes may be typed in one cell
    assert wb["Lists"].sheet_state == "hidden"
    lists = {c.value for row in wb["Lists"].iter_rows() for c in row if c.value}
    assert set(framework.criterion_ids) <= lists and "Coercive control" in lists  # Judgements' targets
    details = wb["Audit details"]
    assert [details.cell(r, 1).value for r in range(2, 12)][3] == "How cases were selected"
    assert any("Random sample" in f for f in _formulas(details)) or "Random sample" in lists
    assert '"Strength,Area for improvement,Area for priority action,No judgement"' in _formulas(wb["Judgements"])
    assert any(dv.type == "date" for dv in wb["Judgements"].data_validations.dataValidation)
    agency = wb["Agency answers"]
    assert [c.value for c in agency[3]][:2] == ["Case ID", "Agency"] and '"Yes,Partly,No,N/A"' in _formulas(agency)
    for sheet in NEW_SHEETS[1:]:
        assert wb[sheet]["A1"].value  # a line of instruction
    text = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    for needle in (*NEW_SHEETS, "Learning themes", "Escalated", "What difference did it make", "evidence"):
        assert needle in text, needle


def test_template_filled_in_reads_back_with_no_problems(tmp_path, framework):
    path = write_template(tmp_path / "t.xlsx", framework, rows=5)
    assert load_audit(path, framework).problems == []
    wb = openpyxl.load_workbook(path)
    cases = wb["Cases"]
    values = dict(zip(header_for(framework), case_row(framework, "C1"), strict=True))
    values.update({"V1 evidence": "Seen alone", "Learning themes": "Coercive control", "Escalated": "No"})
    for header, value in values.items():
        cases.cell(4, _col(cases, header), value)
    details = wb["Audit details"]
    details["B5"], details["B7"], details["B3"] = "Purposive", "Multi-agency", dt.date(2025, 1, 1)
    agency = wb["Agency answers"]
    agency["A4"], agency["B4"], agency.cell(4, _col(agency, framework.criterion("I2").header)).value = (
        "C1",
        "Police",
        "No",
    )
    agreed = wb["Agreed answers"]
    agreed["A4"], agreed.cell(4, _col(agreed, framework.criterion("V1").header)).value = "C1", "No"
    judgements = wb["Judgements"]
    for col, value in enumerate(
        ("V1", "Area for priority action", "Seldom recorded.", "Panel", dt.date(2025, 2, 1)), 1
    ):
        judgements.cell(4, col, value)
    wb.save(path)
    data = load_audit(path, framework)
    assert data.problems == []
    assert data.details["Testshire"] == {
        "reviewed_from": dt.date(2025, 1, 1),
        "selection": "Purposive",
        "audit_type": "Multi-agency",
    }
    assert list(data.agency_answers["I2"]) == ["No"] and data.agreed_changes == {"V1": 1}
    assert list(data.judgements["target"]) == ["V1"]
    assert data.cases.iloc[0]["free_evidence_V1"] == "Seen alone"


# ------------------------------------------------------------------ the sample


@pytest.fixture(scope="module")
def sample(framework_module: Framework):
    return load_audit(SAMPLE_DATA, framework_module)


@pytest.fixture(scope="module")
def framework_module() -> Framework:
    from audit.framework.model import load_framework

    return load_framework()


def test_sample_carries_every_new_sheet_and_column(sample):
    assert {p.code for p in sample.problems} == {"answer-blank", "answer-invalid"}
    assert set(sample.details) == set(sample.areas)
    assert len({d["selection"] for d in sample.details.values()}) >= 2
    assert sample.judgements["area"].nunique() >= 2
    assert sample.agency_answers is not None and sample.agency_answers["area"].nunique() >= 1
    assert len(sample.escalated) == 1 and sample.escalated.iloc[0]["free_escalation_note"]
    changed = {a: sample.for_area(a).agreed_changes for a in sample.areas}
    assert [a for a, c in changed.items() if c] == ["Elderwyke Downs"]
    evidence = sample.scored["free_evidence_V1"].dropna()
    assert len(evidence) > 50 and evidence.nunique() >= 3
    assert sample.scored["learning_themes"].map(len).sum() > 20


def test_sample_has_a_judgement_that_differs_from_what_the_data_indicate(sample):
    from audit.analyse.area_result import analyse_area
    from audit.analyse.findings import assess

    category = {"Strength": "strength", "Area for improvement": "improvement", "Area for priority action": "priority"}
    differ = []
    for area in sample.judgements["area"].unique():
        result = analyse_area(sample, area)
        indicated = {f.id: f.category for f in assess(result.criteria, result.themes, result.framework)}
        for _, j in sample.for_area(area).judgements.iterrows():
            if j["target"] in indicated and category[j["judgement"]] != indicated[j["target"]]:
                differ.append((area, j["target"]))
    assert differ == [("Amberlow Vale", "I5"), ("Elderwyke Downs", "S1")]


# ------------------------------------------------------------------ hostile cells in the new sheets


def _json(path: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(path)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return json.loads(result.stdout)


def test_hostile_cells_in_the_new_sheets_are_clear_problems(tmp_path, framework):
    escape = "\u202eevil\u202c\u0085"  # a bidirectional override and a C1 control
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(header_for(framework, ("Escalated", "Learning themes")))
    row = case_row(framework, 101)
    ws.append([*row[:6], True, escape, *row[6:]])
    agency = wb.create_sheet("Agency answers")
    agency.append(["Case ID", "Agency", "V1"])
    agency.append([101, dt.date(2025, 1, 1), "Yes"])  # a number for the Case ID matches; a date is no agency
    agency.append(["101", escape, 0.5])
    agency["C4"] = '=IF(1=1,"Yes","No")'  # a formula never calculated
    judgements = wb.create_sheet("Judgements")
    judgements.append(["Criterion or theme", "Judgement", "Reason", "Date"])
    judgements.append([dt.date(2025, 1, 1), True, escape, "not a date"])
    for i in range(2000):  # many rows of junk: each a located problem
        judgements.append([f"X{i}", "Maybe", None, None])
    details = wb.create_sheet("Audit details")
    details.append(["Audit type", escape])
    details.append(["Multi-agency discussion date", 45000])
    path = tmp_path / "hostile.xlsx"
    wb.save(path)
    listed = _json(path)
    codes = {(p["sheet"], p["cell"]): p["code"] for p in listed}
    assert codes[("Cases", "H2")] == "learning-theme-unknown"
    assert codes[("Agency answers", "B2")] == "agency-invalid" and codes[("Agency answers", "B3")] == "agency-invalid"
    assert codes[("Agency answers", "C3")] == "answer-invalid"
    assert codes[("Agency answers", "C4")] == "formula-no-result"
    assert (
        codes[("Judgements", "A2")] == "judgement-target-unknown" and codes[("Judgements", "B2")] == "judgement-invalid"
    )
    assert codes[("Judgements", "D2")] == "date-invalid"
    assert sum(1 for p in listed if p["sheet"] == "Judgements" and p["code"] == "judgement-target-unknown") == 2001
    assert (
        codes[("Audit details", "B1")] == "details-value-invalid" and codes[("Audit details", "B2")] == "date-invalid"
    )
    assert not any("evil" in p["message"] or "\u202e" in p["message"] for p in listed)
    data = load_audit(path, framework)
    assert data.cases.iloc[0]["escalated"] is True and data.cases.iloc[0]["case_id"] == "101"
    assert list(data.agency_answers["status"]) == ["excluded", "excluded"]


def test_framework_text_in_the_new_sheets_is_written_as_text(tmp_path):
    """Learning themes and theme labels reach the Lists sheet and the instructions as text, never as formulas."""
    from audit.framework.model import load_framework
    from audit.workbooks.sample import write_workbook
    from audit.workbooks.template import case_columns
    from tests.conftest import SMALL_YAML
    from tests.test_text_cells import _formula_free, _texts

    text = SMALL_YAML.replace("label: First theme", 'label: "=HYPERLINK(\\"x\\")"')
    (tmp_path / "fw.yml").write_text(text + 'learning_themes: ["=1+1", "+Risk", "@SUM(1)"]\n', encoding="utf-8")
    fw = load_framework(tmp_path / "fw.yml")
    xlsx = write_template(tmp_path / "t.xlsx", fw).read_bytes()
    _formula_free(xlsx)
    assert {"=1+1", "+Risk", "@SUM(1)", '=HYPERLINK("x")'} <= _texts(xlsx)
    row = dict.fromkeys(case_columns(fw))
    row.update({"Case ID": "C1", "Area": "=A1", "X1 evidence": "=cmd|' /C calc'!A0", "Learning themes": "=1+1"})
    extra = {"judgements": [["=1+1", "Strength", "+because", "-panel", None]], "details": {"title": "@title"}}
    sample = write_workbook(tmp_path / "s.xlsx", pd.DataFrame([row]), fw, extra=extra).read_bytes()
    _formula_free(sample)
    assert {"=cmd|' /C calc'!A0", "+because", "-panel", "@title"} <= _texts(sample)
