"""Moderation: a second auditor's answers read from the Moderation sheet and compared with the first's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest
from statsmodels.stats.inter_rater import cohens_kappa

from audit.analyse.area_result import analyse_area
from audit.analyse.moderation import agreement, contingency, grade_comparison, kappa, matched, unmatched
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render import present
from audit.render.summary_json import summary_dict
from tests.conftest import SAMPLE_DATA, case_row, header_for


def _workbook(tmp_path: Path, fw, cases, moderation, header=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(header_for(fw))
    for row in cases:
        ws.append(row)
    mod = wb.create_sheet("Moderation")
    mod.append(header or header_for(fw))
    for row in moderation:
        mod.append(row)
    path = tmp_path / "moderated.xlsx"
    wb.save(path)
    return path


V1_FIRST = ["Yes", "Yes", "No", "Partly", "No", "N/A"]
V1_SECOND = ["Yes", "Partly", "No", "Partly", "Yes", "N/A"]


@pytest.fixture
def data(tmp_path, framework):
    cases = [case_row(framework, f"C{i}", V1=a, P2="Yes") for i, a in enumerate(V1_FIRST)]
    cases.append(case_row(framework, "C9", V1="Yes"))
    moderation = [case_row(framework, f"c{i}", V1=a, P2="Yes") for i, a in enumerate(V1_SECOND)]  # IDs in lower case
    moderation[0][5] = "Outstanding"  # the second auditor's own grade for C0
    moderation.append(case_row(framework, "C77", V1="Yes"))  # no such case
    moderation.append(case_row(framework, "C8", answer=None))  # nothing answered: left out
    return load_audit(_workbook(tmp_path, framework, cases, moderation), framework, scan=False)


def test_moderation_sheet_is_read_but_never_counted_as_cases(data):
    assert len(data.cases) == 7 and len(data.scored) == 7
    assert len(data.moderation) == 8
    assert (data.moderation["sheet"] == "Moderation").all()
    left_out = [p for p in data.problems if p.sheet == "Moderation" and "moderation row left out" in p.message]
    assert len(left_out) == 1 and left_out[0].case_id == "C8"
    assert left_out[0].code == "moderation-row-left-out"
    assert {p.code for p in data.problems if p.sheet == "Moderation"} == {"moderation-row-left-out"}
    result = analyse_area(data)
    assert result.rows_read == 7 and result.cases_scored == 7


def test_a_moderation_sheet_without_header_is_a_problem_not_a_failure(tmp_path, framework):
    path = _workbook(tmp_path, framework, [case_row(framework, "C1")], [["no header here"]], header=["Notes"])
    data = load_audit(path, framework, scan=False)
    assert not data.failed and len(data.scored) == 1
    assert any(p.sheet == "Moderation" and "moderation sheet was not read" in p.message for p in data.problems)
    assert [p.code for p in data.problems if p.sheet == "Moderation"] == ["moderation-sheet-unread"]


def test_pairs_match_case_ids_and_list_the_unmatched(data):
    result = analyse_area(data)
    pairs = matched(result.cases, result.data.moderation)
    assert pairs["case_id"].tolist() == [f"C{i}" for i in range(6)]
    assert pairs["first_V1"].tolist() == V1_FIRST and pairs["second_V1"].tolist() == V1_SECOND
    assert unmatched(result.cases, result.data.moderation) == ["C77"]


def test_agreement_and_kappa_against_statsmodels(data, framework):
    result = analyse_area(data)
    table = agreement(matched(result.cases, result.data.moderation), framework)
    v1 = table.loc["V1"]
    assert (v1["pairs"], v1["agreed"]) == (6, 4)
    assert v1["agreement_pct"] == pytest.approx(4 / 6 * 100)
    grid = np.zeros((4, 4))
    order = ["Yes", "Partly", "No", "N/A"]
    for a, b in zip(V1_FIRST, V1_SECOND, strict=True):
        grid[order.index(a), order.index(b)] += 1
    assert v1["kappa"] == pytest.approx(cohens_kappa(grid).kappa)
    assert v1["flagged"] and "agreement below 80%" in v1["reason"]
    p2 = table.loc["P2"]  # every answer Yes from both: full agreement, kappa undefined, not flagged
    assert p2["agreement_pct"] == 100 and p2["kappa"] != p2["kappa"] and not p2["flagged"]  # NaN: undefined


def test_blank_answers_make_no_pair():
    first = ["Yes", None, "No", "Invalid"]
    second = ["Yes", "Yes", None, "No"]
    table = contingency(np.array(first, dtype=object), np.array(second, dtype=object))
    assert table.sum() == 1 and kappa(np.zeros((4, 4), dtype=int)) is None


def test_grades_compared_with_derived_grades(data, framework):
    result = analyse_area(data)
    grades = grade_comparison(matched(result.cases, result.data.moderation), framework).set_index("case_id")
    assert grades.loc["C0", "first_grade"] == "Good" and grades.loc["C0", "second_grade"] == "Outstanding"
    assert grades.loc["C0", "first_derived"] == grades.loc["C0", "second_derived"] == "Outstanding"
    assert grades.loc["C2", "first_derived"] == "Requires improvement"  # V1 (key) answered No caps the grade


def test_summary_json_moderation(data):
    summary = summary_dict(publish(analyse_area(data), None))
    moderation = summary["moderation"]
    assert moderation["cases"] == 6
    assert moderation["criteria"]["V1"] == {"pairs": 6, "agreement_pct": 66.7, "kappa": pytest.approx(0.5, abs=0.5)}
    assert set(moderation["criteria"]["V1"]) == {"pairs", "agreement_pct", "kappa"}
    published = summary_dict(publish(analyse_area(data, publish=True), 5))["moderation"]
    assert published["cases"] == 6 and published["criteria"]["V1"]["pairs"] == 6
    assert published["criteria"]["I2"]["pairs"] == 6
    tiny = summary_dict(publish(analyse_area(data, publish=True), 6))["moderation"]
    assert tiny["cases"] == "[c]" and tiny["criteria"]["V1"] == {"pairs": "[c]", "agreement_pct": "[c]", "kappa": "[c]"}


def test_no_moderation_sheet(make_workbook, framework):
    pub = publish(analyse_area(load_audit(make_workbook([case_row(framework, "C1")]), framework, scan=False)), None)
    assert summary_dict(pub)["moderation"] == {
        "cases": 0,
        "criteria": {},
        "agreed_changes": {"answers": 0, "criteria": {}},
    }
    assert "cannot be reported" in present.moderation(pub)


def test_sample_data_moderation(framework):
    data = load_audit(SAMPLE_DATA, framework, scan=False)
    assert set(data.moderation["area"]) == {"Amberlow Vale"}
    pub = publish(analyse_area(data, "Amberlow Vale"), None)
    assert summary_dict(pub)["moderation"]["cases"] == 5
    fragment = present.moderation(pub)
    assert "A second auditor audited 5 of the cases again" in fragment
